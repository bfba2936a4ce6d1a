//! The audit log: both orders walked by cursor, counts stopping where asked.

use super::support::*;

/// Log cursors walk both orders and counts stop where asked.
pub async fn log_cursors_walk_both_orders_and_counts_stop_where_asked(db: &impl Ports) {
    let top = category(db, "General", None).await;
    for i in 0..5 {
        ticket(
            db,
            top,
            "c1",
            &format!("T{i}"),
            t0() + Duration::hours(i % 2),
        )
        .await;
    }
    assert_eq!(
        db.count_tickets(&TicketFilter::default(), 3).await.unwrap(),
        3
    );
    assert_eq!(
        db.count_tickets(&TicketFilter::default(), 10)
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        db.count_log_entries(&LogFilter::default(), 2)
            .await
            .unwrap(),
        2
    );
    for oldest_first in [true, false] {
        let filter = LogFilter {
            oldest_first,
            ..LogFilter::default()
        };
        let all: Vec<i64> = db
            .list_log_entries(&filter, ALL)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id.get())
            .collect();
        let mut walked = Vec::new();
        let mut page = Page::first(2);
        loop {
            let rows = db.list_log_entries(&filter, page).await.unwrap();
            let Some(last) = rows.last() else { break };
            page = Page::after(2, Position::of_log_entry(last));
            walked.extend(rows.iter().map(|e| e.id.get()));
        }
        assert_eq!(walked, all);
        assert_eq!(all.len(), 5);
    }
}
