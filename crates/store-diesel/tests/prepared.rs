//! The writes of the hot paths (adding a message, opening and changing a
//! ticket, with their log entries and events) are prepared once per
//! connection and run again from then on, like the reads: PostgreSQL lists
//! them in `pg_prepared_statements`, each text once, with its runs. (SQLite
//! runs the same code, but does not list what its connection keeps.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ticketd_store_diesel::testing::{PreparedStatement, TestDatabase, prepared_statements};
use ticketd_testkit::contract::support::*;

/// How many times the statement that starts with `start` ran.
fn runs(statements: &[PreparedStatement], start: &str) -> i64 {
    let found: Vec<&PreparedStatement> = statements
        .iter()
        .filter(|s| s.statement.starts_with(start))
        .collect();
    assert!(
        !found.is_empty(),
        "no prepared statement starts with {start}: {statements:#?}"
    );
    found.iter().map(|s| s.runs).sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_are_prepared_once_and_run_again() {
    let Some(db) = TestDatabase::postgres("writes_are_prepared_once_and_run_again") else {
        return;
    };
    let store = db.store_of_one_connection();
    let top = category(&store, "General", None).await;
    let agent = who("agent1", UserType::Agent);
    let mut tickets = Vec::new();
    for n in 0..3 {
        tickets.push(ticket(&store, top, "c1", &format!("help {n}"), t0()).await);
    }
    for &id in &tickets {
        let said = log(LogAction::AddedMessage, &agent, t0());
        store
            .add_message(id, message(&agent, "on it", &["a.pdf"]), said, None)
            .await
            .unwrap();
        let mut change = update(1, &agent, t0() + Duration::minutes(10));
        change.status = Some(TicketStatus::Resolved);
        let changed = log(LogAction::UpdatedStatus, &agent, t0());
        store.update_ticket(id, change, changed).await.unwrap();
    }

    let statements = prepared_statements(&store).expect("PostgreSQL lists its statements");
    assert!(runs(&statements, r#"INSERT INTO "tickets" "#) >= 3);
    assert!(runs(&statements, r#"UPDATE "tickets" SET "modified_by" = "#) >= 3);
    assert!(runs(&statements, r#"INSERT INTO "ticket_messages" "#) >= 3);
    assert!(runs(&statements, r#"INSERT INTO "ticket_attachments" "#) >= 3);
    // Opening, the message and the status change each log and announce.
    assert!(runs(&statements, r#"INSERT INTO "ticket_logs" "#) >= 9);
    assert!(runs(&statements, r#"INSERT INTO "ticket_events" "#) >= 9);
    // The status change, and the clocks it stopped.
    assert!(runs(&statements, r#"UPDATE "tickets" SET "status" = "#) >= 3);
    assert!(runs(&statements, r#"UPDATE "tickets" SET "sla" = "#) >= 3);
    // Each text is prepared once: the cache finds it again.
    let mut texts: Vec<&str> = statements.iter().map(|s| s.statement.as_str()).collect();
    texts.sort_unstable();
    let all = texts.len();
    texts.dedup();
    assert_eq!(
        texts.len(),
        all,
        "a statement was prepared twice: {statements:#?}"
    );
}
