//! Messages: stored with attachments and one log entry, refused when empty or on a closed ticket.

use crate::fixture::*;

#[tokio::test]
async fn adding_a_message_stores_it_with_attachments_and_one_log_entry() {
    let w = world().await;
    let c = customer("c1");
    let id = open(&w, &c, "Refund").await;
    let input = NewMessageInput {
        body: Some(MessageBody::parse("Any news?").unwrap()),
        attachments: vec![attach(
            "attachment1.pdf",
            &upload(&w, &c, "scan.pdf", PDF).await,
        )],
        visibility: Visibility::Public,
    };
    let message = w.desk.add_message(&c, id, input).await.unwrap();
    assert_eq!(message.sender, c);
    assert_eq!(message.attachments.len(), 1);
    let logs = w.store.all_logs();
    assert_eq!(
        logs.iter()
            .filter(|l| l.action == LogAction::AddedMessage)
            .count(),
        1
    );
    let details = w.desk.ticket_details(&c, id, false).await.unwrap();
    assert_eq!(details.messages.len(), 1);
    assert_eq!(
        details.messages[0].attachments[0].file_name.as_str(),
        "attachment1.pdf"
    );
}

#[tokio::test]
async fn an_empty_or_oversized_message_is_refused_without_writing() {
    let w = world().await;
    let c = customer("c1");
    let id = open(&w, &c, "Refund").await;
    let empty = NewMessageInput {
        body: None,
        attachments: vec![],
        visibility: Visibility::Public,
    };
    assert!(matches!(
        w.desk.add_message(&c, id, empty).await,
        Err(AppError::Invalid(_))
    ));
    let one = AttachmentInput {
        file_name: FileName::parse("a.pdf").unwrap(),
        file_path: FilePath::parse("/uploads/a.pdf").unwrap(),
    };
    let eleven = NewMessageInput {
        body: None,
        attachments: vec![one; 11],
        visibility: Visibility::Public,
    };
    assert!(matches!(
        w.desk.add_message(&c, id, eleven).await,
        Err(AppError::Invalid(_))
    ));
    assert!(w.store.all_messages().is_empty());
    assert_eq!(w.store.all_logs().len(), 1);
}

#[tokio::test]
async fn a_closed_ticket_takes_no_messages() {
    let w = world().await;
    let c = customer("c1");
    let id = open(&w, &c, "Refund").await;
    change_status(&w.desk, &c, id, TicketStatus::Closed)
        .await
        .unwrap();
    assert!(matches!(
        w.desk.add_message(&agent(), id, text("late")).await,
        Err(AppError::Conflict(_))
    ));
    assert!(w.store.all_messages().is_empty());
}
