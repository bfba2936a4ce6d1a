//! Opening tickets: who may, for whom, in which categories.

use crate::fixture::*;

#[tokio::test]
async fn opening_a_ticket_makes_it_open_owned_by_the_customer_and_logs_it_once() {
    let w = world().await;
    let c = customer("c1");
    let view = w
        .desk
        .open_ticket(&c, open_input(&w, "Refund Request"))
        .await
        .unwrap();
    assert_eq!(view.ticket.status, TicketStatus::Open);
    assert_eq!(view.ticket.user_id, c.id);
    assert_eq!(view.ticket.user_type, UserType::Customer);
    assert_eq!(view.ticket.audit.created_by, c);
    assert_eq!(view.category.id, w.top);
    assert!(view.ticket.ref_id.as_str().starts_with("TKT-"));
    let logs = w.store.all_logs();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].action, LogAction::CreatedTicket);
    assert_eq!(logs[0].action_by, c);
    assert_eq!(logs[0].ticket_id, view.ticket.id);
}

#[tokio::test]
async fn staff_may_open_a_ticket_for_a_customer_but_a_customer_may_not() {
    let w = world().await;
    let mut input = open_input(&w, "For someone");
    input.user_id = Some(UserId::parse("c9").unwrap());
    let view = w.desk.open_ticket(&agent(), input.clone()).await.unwrap();
    assert_eq!(view.ticket.user_id.as_str(), "c9");
    assert_eq!(view.ticket.user_type, UserType::Customer);
    assert_eq!(view.ticket.audit.created_by, agent());
    let refused = w.desk.open_ticket(&customer("c1"), input).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    assert_eq!(w.store.all_logs().len(), 1);
}

#[tokio::test]
async fn a_ticket_needs_an_active_top_level_category_and_a_matching_sub_category() {
    let w = world().await;
    let c = customer("c1");
    let mut bad_top = open_input(&w, "x");
    bad_top.category_id = w.sub;
    assert!(matches!(
        w.desk.open_ticket(&c, bad_top).await,
        Err(AppError::Unresolved(e)) if e[0].field == "categoryId"
    ));
    let mut unknown = open_input(&w, "x");
    unknown.category_id = CategoryId(999);
    assert!(matches!(
        w.desk.open_ticket(&c, unknown).await,
        Err(AppError::Unresolved(_))
    ));
    let other_top = w
        .desk
        .create_category(&admin(), CategoryName::parse("Billing").unwrap(), None)
        .await
        .unwrap();
    let mut wrong_parent = open_input(&w, "x");
    wrong_parent.category_id = other_top.id;
    assert!(matches!(
        w.desk.open_ticket(&c, wrong_parent).await,
        Err(AppError::Unresolved(e)) if e[0].field == "subCategoryId"
    ));
    assert!(w.store.all_logs().is_empty());
}
