//! With enough tickets that the planner's choices are real (10^5, shaped like
//! `ticketd seed`'s), no list, search, count or details call of the API plans
//! a sequential scan of tickets, messages, attachments, the audit log, the
//! events or the webhook deliveries (a claim of due ones included); the
//! service-level sweep and the due-time orders walk their own indexes.
//! PostgreSQL's `EXPLAIN (FORMAT JSON)` of every statement each call sends is
//! checked by shape, never by time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use chrono::{TimeZone, Utc};
use serde_json::Value;
use ticketd_domain::{
    CategoryId, EndpointId, EventType, Keyword, Priority, TicketId, TicketStatus, Timestamp, UserId,
};
use ticketd_ports::{
    EventFilter, LogFilter, Page, Position, ReadScope, SortField, TicketFilter, TicketQuery,
    TicketRepository, TicketSort,
};
use ticketd_store_diesel::testing::TestDatabase;

const TICKETS: u64 = 100_000;

/// 10^5 tickets: 1,000 customers, 50 agents, 20 categories of 3; `refund` in
/// a tenth, `chargeback` in a thousandth; one message and two log entries a
/// ticket; one in a hundred deleted; service-level clocks running on the
/// open ones, one in fifty breached.
const SEED: &str = r#"
INSERT INTO ticket_categories (id, category_name, name_key, parent_category_id, created_by, created_by_type, created_date, modified_by, modified_by_type, modified_date)
SELECT i, 'Category ' || i, 'category ' || i, NULL, 'admin1', 'admin', '2024-01-01', 'admin1', 'admin', '2024-01-01'
FROM generate_series(1, 20) AS i;
INSERT INTO ticket_categories (id, category_name, name_key, parent_category_id, created_by, created_by_type, created_date, modified_by, modified_by_type, modified_date)
SELECT 20 + i, 'Sub ' || i, 'sub ' || i, 1 + (i - 1) / 3, 'admin1', 'admin', '2024-01-01', 'admin1', 'admin', '2024-01-01'
FROM generate_series(1, 60) AS i;
SELECT setval(pg_get_serial_sequence('ticket_categories', 'id'), 80);
INSERT INTO tickets (id, ref_id, user_id, user_type, category_id, sub_category_id, subject, description, search_text, status, priority, assignee_id, is_delete, created_by, created_by_type, created_date, modified_by, modified_by_type, modified_date, first_response_due, resolution_due, sla_breached, sla_check_at)
SELECT i, 'TKT-' || lpad(i::text, 10, '0'),
       'customer' || lpad((1 + i % 1000)::text, 4, '0'), 'customer',
       1 + i % 20, CASE WHEN i % 10 < 7 THEN 21 + (i % 20) * 3 + i % 3 END,
       s.subject, s.description,
       lower(s.subject || E'\n' || s.description || E'\n' || 'TKT-' || lpad(i::text, 10, '0')),
       1 + i % 5, 1 + i % 4,
       CASE WHEN i % 10 < 7 THEN 'agent' || lpad((1 + i % 50)::text, 2, '0') END,
       i % 100 = 0,
       'customer' || lpad((1 + i % 1000)::text, 4, '0'), 'customer',
       timestamp '2024-01-01' + i * interval '1 minute',
       'agent01', 'agent', timestamp '2024-01-01' + i * interval '1 minute' + (i % 97) * interval '1 hour',
       -- Clocks run on open and in-progress tickets (a third still awaits
       -- its first response); one in fifty is breached.
       CASE WHEN i % 5 < 2 AND i % 3 = 0 THEN timestamp '2024-01-01' + i * interval '1 minute' + interval '8 hours'
            ELSE timestamp '9999-12-31' END,
       CASE WHEN i % 5 < 2 THEN timestamp '2024-01-01' + i * interval '1 minute' + interval '2 days'
            ELSE timestamp '9999-12-31' END,
       i % 50 = 0,
       CASE WHEN i % 5 < 2 AND i % 50 <> 0 THEN timestamp '2024-01-01' + i * interval '1 minute' + interval '8 hours' END
FROM generate_series(1, 100000) AS i,
     LATERAL (SELECT
        'Order ' || (100000 + i * 7 % 900000) || ' question ' || (i % 13) AS subject,
        'The parcel ' || (i % 31) || ' arrived late and the box was damaged.'
            || CASE WHEN i % 10 = 0 THEN ' I would like a refund.' ELSE '' END
            || CASE WHEN i % 1000 = 0 THEN ' My bank opened a chargeback.' ELSE '' END
            || ' Thanks, customer ' || (i % 1000) AS description) AS s;
SELECT setval(pg_get_serial_sequence('tickets', 'id'), 100000);
INSERT INTO ticket_messages (id, ticket_id, sender_id, sender_type, message, sent_at, visibility, created_by, created_by_type, created_date, modified_by, modified_by_type, modified_date)
SELECT i, i, 'agent01', 'agent', 'We are looking into it.', timestamp '2024-01-01' + i * interval '1 minute',
       CASE WHEN i % 7 = 0 THEN 'internal' ELSE 'public' END,
       'agent01', 'agent', timestamp '2024-01-01', 'agent01', 'agent', timestamp '2024-01-01'
FROM generate_series(1, 100000) AS i;
SELECT setval(pg_get_serial_sequence('ticket_messages', 'id'), 100000);
INSERT INTO ticket_attachments (message_id, ticket_id, file_name, file_path, created_by, created_by_type, created_date, modified_by, modified_by_type, modified_date)
SELECT i, i, 'photo.jpg', '/uploads/photo' || i || '.jpg', 'agent01', 'agent', timestamp '2024-01-01', 'agent01', 'agent', timestamp '2024-01-01'
FROM generate_series(1, 100000, 5) AS i;
INSERT INTO ticket_logs (ticket_id, action_taken, action_by, action_by_type, action_at, visibility, created_by, created_by_type, created_date, modified_by, modified_by_type, modified_date)
SELECT 1 + (j - 1) / 2, CASE WHEN j % 2 = 1 THEN 'Created ticket' ELSE 'Added message' END,
       'agent01', 'agent', timestamp '2024-01-01' + j * interval '30 seconds',
       CASE WHEN j % 14 = 0 THEN 'internal' ELSE 'public' END,
       'agent01', 'agent', timestamp '2024-01-01', 'agent01', 'agent', timestamp '2024-01-01'
FROM generate_series(1, 200000) AS j;
INSERT INTO ticket_events (position, event_type, ticket_id, owner_id, visibility, actor_id, actor_type, occurred_at, snapshot)
SELECT j, CASE WHEN j % 2 = 1 THEN 'ticket.created' ELSE 'message.created' END, 1 + (j - 1) / 2,
       'customer' || lpad((1 + (1 + (j - 1) / 2) % 1000)::text, 4, '0'),
       CASE WHEN j % 14 = 0 THEN 'internal' ELSE 'public' END,
       'agent01', 'agent', timestamp '2024-01-01' + j * interval '30 seconds', '{}'
FROM generate_series(1, 200000) AS j;
SELECT setval(pg_get_serial_sequence('ticket_events', 'id'), 200000);
INSERT INTO webhook_endpoints (id, url, description, event_types, include_internal, active, secret, created_by, created_by_type, created_at, updated_at)
SELECT i, 'https://hook' || i || '.example', '', '', false, true, 'whsec_c2VjcmV0', 'admin1', 'admin', '2024-01-01', '2024-01-01'
FROM generate_series(1, 2) AS i;
SELECT setval(pg_get_serial_sequence('webhook_endpoints', 'id'), 2);
INSERT INTO webhook_deliveries (endpoint_id, event_id, event_position, event_type, ticket_id, state, attempts, next_attempt_at, created_at)
SELECT 1 + j % 2, j, j, 'ticket.created', 1 + (j - 1) / 2, CASE WHEN j > 199000 THEN 'pending' ELSE 'delivered' END,
       1, timestamp '2024-01-01' + j * interval '30 seconds', timestamp '2024-01-01' + j * interval '30 seconds'
FROM generate_series(1, 200000) AS j;
INSERT INTO users (user_id, user_type, first_seen, last_seen)
SELECT 'agent' || lpad(i::text, 2, '0'), 'agent', '2024-01-01', '2024-01-01' FROM generate_series(1, 50) AS i;
ANALYZE;
"#;

/// The relations that must never be read whole.
const BIG: [&str; 6] = [
    "tickets",
    "ticket_messages",
    "ticket_attachments",
    "ticket_logs",
    "ticket_events",
    "webhook_deliveries",
];

/// Every sequential scan of a big relation in a JSON plan.
fn seq_scans(plan: &Value, out: &mut Vec<String>) {
    if plan["Node Type"] == "Seq Scan"
        && let Some(rel) = plan["Relation Name"].as_str()
        && BIG.contains(&rel)
    {
        out.push(rel.to_owned());
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        seq_scans(child, out);
    }
}

/// Fails the test if any plan reads a big relation whole; returns the node
/// types seen, for the caller's own checks.
fn check(what: &str, plans: &[String]) -> Vec<String> {
    assert!(!plans.is_empty(), "{what}: no statement was explained");
    let mut nodes = Vec::new();
    for text in plans {
        let doc: Value = serde_json::from_str(text).unwrap();
        let plan = &doc[0]["Plan"];
        let mut scans = Vec::new();
        seq_scans(plan, &mut scans);
        assert!(scans.is_empty(), "{what} reads {scans:?} whole:\n{text}");
        collect_nodes(plan, &mut nodes);
    }
    nodes
}

#[test]
fn a_whole_read_of_a_big_table_is_seen_however_deep() {
    let plan = serde_json::json!({"Node Type": "Limit", "Plans": [
        {"Node Type": "Sort", "Plans": [
            {"Node Type": "Seq Scan", "Relation Name": "ticket_categories"},
            {"Node Type": "Seq Scan", "Relation Name": "tickets"}]}]});
    let mut scans = Vec::new();
    seq_scans(&plan, &mut scans);
    assert_eq!(scans, ["tickets"]);
}

fn collect_nodes(plan: &Value, out: &mut Vec<String>) {
    if let Some(t) = plan["Node Type"].as_str() {
        let index = plan["Index Name"].as_str().unwrap_or("");
        out.push(format!("{t} {index}").trim().to_owned());
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        collect_nodes(child, out);
    }
}

fn at(day: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 3, day, 0, 0, 0).unwrap()
}

fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

fn with_keyword(k: &str) -> TicketFilter {
    TicketFilter::from(TicketQuery {
        keyword: Keyword::parse(k).unwrap(),
        ..TicketQuery::default()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn no_api_query_reads_a_big_table_whole() {
    let Some(db) = TestDatabase::postgres("no_api_query_reads_a_big_table_whole") else {
        return;
    };
    db.execute(SEED);
    let store = &db.store;
    assert_eq!(store.count_every_ticket().await.unwrap(), TICKETS);
    let page = Page::first(11);
    let customer = TicketFilter {
        owner: Some(user("customer0001")),
        query: TicketQuery::default(),
    };

    // Every sort, both ways, first page and a page after a cursor.
    let sorts = [
        SortField::CreatedDate,
        SortField::ModifiedDate,
        SortField::Priority,
        SortField::Status,
        SortField::Id,
        SortField::FirstResponseDue,
        SortField::ResolutionDue,
    ];
    for field in sorts {
        for descending in [true, false] {
            let filter = TicketFilter::from(TicketQuery {
                sort: TicketSort { field, descending },
                ..TicketQuery::default()
            });
            let rows = store.list_tickets(&filter, page).await.unwrap();
            let last = Position::of_ticket(filter.sort, &rows.last().unwrap().ticket);
            let first = check(
                &format!("{field:?} {descending}"),
                &store.explain_list_tickets(&filter, page).await.unwrap(),
            );
            let next = Page::after(11, last);
            let after = check(
                &format!("{field:?} {descending} after"),
                &store.explain_list_tickets(&filter, next).await.unwrap(),
            );
            // "What breaches next" walks its own index, first page and after.
            let own = match field {
                SortField::FirstResponseDue => "tickets_first_response_due",
                SortField::ResolutionDue => "tickets_resolution_due",
                _ => continue,
            };
            for nodes in [first, after] {
                assert!(
                    nodes.iter().any(|n| n.ends_with(own)),
                    "{field:?} {descending}: {nodes:?}"
                );
            }
        }
    }

    // Every filter, alone and for a customer.
    let filters = [
        TicketFilter::from(TicketQuery {
            statuses: vec![TicketStatus::Pending],
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            priorities: vec![Priority::Urgent],
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            category_ids: vec![CategoryId(7)],
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            sub_category_ids: vec![CategoryId(40)],
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            assignee_ids: vec![user("agent07")],
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            unassigned: true,
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            user_ids: vec![user("customer0042")],
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            created_from: Some(at(1)),
            created_to: Some(at(2)),
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            updated_since: Some(at(20)),
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            include_deleted: true,
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            sla_breached: Some(true),
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            sla_breached: Some(false),
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            sla_breached: Some(true),
            include_deleted: true,
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            statuses: vec![TicketStatus::Open, TicketStatus::InProgress],
            sort: TicketSort {
                field: SortField::ResolutionDue,
                descending: false,
            },
            ..TicketQuery::default()
        }),
        TicketFilter::from(TicketQuery {
            include_deleted: true,
            sort: TicketSort {
                field: SortField::FirstResponseDue,
                descending: false,
            },
            ..TicketQuery::default()
        }),
        customer.clone(),
        TicketFilter {
            query: TicketQuery {
                statuses: vec![TicketStatus::Open],
                ..TicketQuery::default()
            },
            ..customer.clone()
        },
    ];
    for filter in &filters {
        check(
            &format!("{filter:?}"),
            &store.explain_list_tickets(filter, page).await.unwrap(),
        );
        check(
            &format!("count {filter:?}"),
            &store.explain_count_tickets(filter, 10_001).await.unwrap(),
        );
    }
    check(
        "offset",
        &store
            .explain_list_tickets(&TicketFilter::default(), Page::skip(11, 5_000))
            .await
            .unwrap(),
    );
    check(
        "count",
        &store
            .explain_count_tickets(&TicketFilter::default(), 10_001)
            .await
            .unwrap(),
    );

    // Search: a rare word from the index, a frequent one by walking, one the
    // index cannot narrow, and a customer's own search.
    let rare = check(
        "chargeback",
        &store
            .explain_list_tickets(&with_keyword("chargeback"), page)
            .await
            .unwrap(),
    );
    assert!(
        rare.iter().any(|n| n.contains("tickets_search_words")),
        "a rare keyword is read through the word index: {rare:?}"
    );
    check(
        "refund",
        &store
            .explain_list_tickets(&with_keyword("refund"), page)
            .await
            .unwrap(),
    );
    check(
        "a short keyword",
        &store
            .explain_list_tickets(&with_keyword("ar"), page)
            .await
            .unwrap(),
    );
    check(
        "a phrase",
        &store
            .explain_list_tickets(&with_keyword("a refund."), page)
            .await
            .unwrap(),
    );
    let mine = TicketFilter {
        query: TicketQuery {
            keyword: Keyword::parse("refund").unwrap(),
            ..TicketQuery::default()
        },
        ..customer.clone()
    };
    check(
        "a customer's search",
        &store.explain_list_tickets(&mine, page).await.unwrap(),
    );
    for k in ["chargeback", "refund"] {
        check(
            &format!("count {k}"),
            &store
                .explain_count_tickets(&with_keyword(k), 10_001)
                .await
                .unwrap(),
        );
    }

    // Details, as staff and as the owner.
    let staff = ReadScope {
        include_internal: true,
        ..ReadScope::default()
    };
    let owner = ReadScope {
        owner: Some(user("customer0001")),
        ..ReadScope::default()
    };
    for scope in [staff, owner] {
        check(
            "details",
            &store
                .explain_ticket_details(TicketId(50_000), &scope)
                .await
                .unwrap(),
        );
    }

    // The audit log: everything, a customer's, one ticket's, and counts.
    let logs = [
        LogFilter {
            include_internal: true,
            ..LogFilter::default()
        },
        LogFilter {
            owner: Some(user("customer0001")),
            ..LogFilter::default()
        },
        LogFilter {
            ticket_id: Some(TicketId(50_000)),
            oldest_first: true,
            include_internal: true,
            ..LogFilter::default()
        },
        LogFilter {
            include_internal: true,
            include_deleted: true,
            ..LogFilter::default()
        },
    ];
    for filter in &logs {
        check(
            &format!("logs {filter:?}"),
            &store.explain_list_log_entries(filter, page).await.unwrap(),
        );
        check(
            &format!("count logs {filter:?}"),
            &store
                .explain_count_log_entries(filter, 10_001)
                .await
                .unwrap(),
        );
    }

    // The event list: everything, a customer's, one ticket's, some types,
    // first page and after a position deep in the table.
    let events = [
        EventFilter {
            include_internal: true,
            ..EventFilter::default()
        },
        EventFilter {
            owner: Some(user("customer0001")),
            ..EventFilter::default()
        },
        EventFilter {
            ticket_id: Some(TicketId(50_000)),
            include_internal: true,
            ..EventFilter::default()
        },
        EventFilter {
            types: vec![EventType::MessageCreated],
            include_internal: true,
            ..EventFilter::default()
        },
    ];
    let deep = Page::after(
        11,
        Position {
            value: 150_000,
            id: 150_000,
        },
    );
    for filter in &events {
        for page in [page, deep] {
            check(
                &format!("events {filter:?} {page:?}"),
                &store.explain_list_events(filter, page).await.unwrap(),
            );
        }
    }

    // The webhook worker's claim of due deliveries (1,000 of 200,000
    // pending), and a page of an endpoint's deliveries.
    let now = Utc.with_ymd_and_hms(2024, 3, 12, 0, 0, 0).unwrap();
    check(
        "webhook deliveries",
        &store.explain_deliveries(now, EndpointId(1)).await.unwrap(),
    );
    let nodes = check(
        "service-level sweep",
        &store.explain_sla_sweep(now).await.unwrap(),
    );
    assert!(
        nodes.iter().any(|n| n.ends_with("tickets_sla_check")),
        "the sweep walks its index: {nodes:?}"
    );
}
