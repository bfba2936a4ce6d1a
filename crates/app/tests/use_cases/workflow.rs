//! The workflow: status changes by role, categories, an unreachable store.

use crate::fixture::*;

#[tokio::test]
async fn customer_may_close_or_reopen_a_resolved_ticket_and_nothing_else() {
    let w = world().await;
    let c = customer("c1");
    let id = open(&w, &c, "Refund").await;
    for to in [
        TicketStatus::InProgress,
        TicketStatus::Pending,
        TicketStatus::Resolved,
    ] {
        assert!(matches!(
            change_status(&w.desk, &c, id, to).await,
            Err(AppError::Forbidden(_))
        ));
    }
    change_status(&w.desk, &agent(), id, TicketStatus::Resolved)
        .await
        .unwrap();
    let reopened = change_status(&w.desk, &c, id, TicketStatus::Open)
        .await
        .unwrap();
    assert_eq!(reopened.ticket.status, TicketStatus::Open);
    assert_eq!(reopened.ticket.audit.modified_by, c);
    let statuses = w
        .store
        .all_logs()
        .iter()
        .filter(|l| l.action == LogAction::UpdatedStatus)
        .count();
    assert_eq!(statuses, 2);
}

#[tokio::test]
async fn setting_the_current_status_writes_nothing() {
    let w = world().await;
    let id = open(&w, &customer("c1"), "Refund").await;
    let view = change_status(&w.desk, &agent(), id, TicketStatus::Open)
        .await
        .unwrap();
    assert_eq!(view.ticket.status, TicketStatus::Open);
    assert_eq!(w.store.all_logs().len(), 1);
}

#[tokio::test]
async fn only_admins_manage_categories_and_only_two_levels() {
    let w = world().await;
    for who in [customer("c1"), agent()] {
        assert!(matches!(
            w.desk
                .create_category(&who, CategoryName::parse("X").unwrap(), None)
                .await,
            Err(AppError::Forbidden(_))
        ));
    }
    assert!(matches!(
        w.desk.create_category(&admin(), CategoryName::parse("Deep").unwrap(), Some(w.sub)).await,
        Err(AppError::Unresolved(e)) if e[0].field == "parentCategoryId"
    ));
    assert!(matches!(
        w.desk
            .create_category(&admin(), CategoryName::parse("refund").unwrap(), None)
            .await,
        Err(AppError::Conflict(_))
    ));
    assert_eq!(w.desk.list_categories().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_unreachable_store_is_reported_as_unavailable() {
    let w = world().await;
    w.store.set_unavailable(true);
    let r = w
        .desk
        .list_tickets(&agent(), TicketQuery::default(), PAGE)
        .await;
    assert!(matches!(r, Err(AppError::Unavailable(_))), "{r:?}");
}
