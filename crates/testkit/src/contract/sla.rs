//! Service-level clocks: every write keeps a ticket's clocks in step with
//! it (pending pauses, leaving pending resumes, a public staff reply stops
//! the first-response clock, resolving stops the resolution clock), lists
//! sort and filter by them, and each breach is marked and announced once.

use ticketd_domain::{
    BusinessHours, EventType, SlaKind, SlaPolicy, SlaState, SlaTarget, Ticket, TicketSla,
};
use ticketd_ports::EventFilter;

use super::support::*;

/// One hour to the first response and four to resolution, but no targets
/// for `low`.
fn policy() -> SlaPolicy {
    let target = SlaTarget {
        first_response_minutes: Some(60),
        resolution_minutes: Some(240),
    };
    let none = SlaTarget {
        first_response_minutes: None,
        resolution_minutes: None,
    };
    SlaPolicy {
        targets: [none, target, target, target],
        business_hours: None,
    }
}

fn minutes(m: i64) -> Timestamp {
    t0() + Duration::minutes(m)
}

async fn get(db: &impl Ports, id: TicketId) -> Ticket {
    db.get_ticket(id).await.unwrap().unwrap().ticket
}

fn state(sla: &TicketSla, kind: SlaKind) -> Option<SlaState> {
    sla.clock(kind).map(|c| c.state())
}

async fn set_status(db: &impl Ports, id: TicketId, to: TicketStatus, at: Timestamp) {
    let agent = who("agent1", UserType::Agent);
    let version = get(db, id).await.version;
    let mut change = update(version, &agent, at);
    change.status = Some(to);
    db.update_ticket(id, change, log(LogAction::UpdatedTicket, &agent, at))
        .await
        .unwrap();
}

async fn say(db: &impl Ports, id: TicketId, by: &Actor, v: Visibility, at: Timestamp) {
    let mut m = message(by, "hello", &[]);
    m.visibility = v;
    m.at = at;
    let mut entry = log(LogAction::AddedMessage, by, at);
    entry.visibility = v;
    db.add_message(id, m, entry, None).await.unwrap();
}

async fn ids(db: &impl Ports, query: TicketQuery, page: Page) -> Vec<TicketId> {
    let filter = TicketFilter::from(query);
    let rows = db.list_tickets(&filter, page).await.unwrap();
    rows.iter().map(|v| v.ticket.id).collect()
}

fn by_due(field: SortField, descending: bool) -> TicketQuery {
    TicketQuery {
        sort: TicketSort { field, descending },
        ..TicketQuery::default()
    }
}

/// Clocks start with the ticket, pause while it is pending, resume with the
/// time they had left, and stop at the first public staff reply (not an
/// internal note, not the customer's reply) and at resolution.
pub async fn clocks_pause_resume_and_stop_with_the_ticket(db: &impl Ports) {
    assert_eq!(db.sla_policy().await.unwrap(), SlaPolicy::default());
    db.set_sla_policy(policy()).await.unwrap();
    assert_eq!(db.sla_policy().await.unwrap(), policy());
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "printer", t0()).await;
    let sla = get(db, id).await.sla;
    assert_eq!(sla.running_due(SlaKind::FirstResponse), Some(minutes(60)));
    assert_eq!(sla.running_due(SlaKind::Resolution), Some(minutes(240)));

    set_status(db, id, TicketStatus::Pending, minutes(20)).await;
    let sla = get(db, id).await.sla;
    assert_eq!(state(&sla, SlaKind::FirstResponse), Some(SlaState::Paused));
    assert_eq!(sla.running_due(SlaKind::FirstResponse), None);

    // The customer's reply reopens the ticket two hours in: 40 minutes were left.
    let customer = who("c1", UserType::Customer);
    let mut reply = message(&customer, "still broken", &[]);
    reply.at = minutes(120);
    let reopen = StatusChange {
        from: TicketStatus::Pending,
        to: TicketStatus::Open,
        log: log(LogAction::UpdatedStatus, &customer, minutes(120)),
    };
    let entry = log(LogAction::AddedMessage, &customer, minutes(120));
    db.add_message(id, reply, entry, Some(reopen))
        .await
        .unwrap();
    let sla = get(db, id).await.sla;
    assert_eq!(sla.running_due(SlaKind::FirstResponse), Some(minutes(160)));
    assert_eq!(sla.running_due(SlaKind::Resolution), Some(minutes(340)));

    let agent = who("agent1", UserType::Agent);
    say(db, id, &agent, Visibility::Internal, minutes(125)).await;
    let sla = get(db, id).await.sla;
    assert_eq!(state(&sla, SlaKind::FirstResponse), Some(SlaState::Running));
    say(db, id, &agent, Visibility::Public, minutes(130)).await;
    let sla = get(db, id).await.sla;
    assert_eq!(state(&sla, SlaKind::FirstResponse), Some(SlaState::Met));
    assert_eq!(state(&sla, SlaKind::Resolution), Some(SlaState::Running));

    set_status(db, id, TicketStatus::Resolved, minutes(180)).await;
    let sla = get(db, id).await.sla;
    assert_eq!(state(&sla, SlaKind::Resolution), Some(SlaState::Met));
    assert_eq!(sla.next_check(), None);
    // Reopened an hour later, it has the 160 minutes it had left.
    set_status(db, id, TicketStatus::Open, minutes(240)).await;
    let sla = get(db, id).await.sla;
    assert_eq!(sla.running_due(SlaKind::Resolution), Some(minutes(400)));
    assert_eq!(state(&sla, SlaKind::FirstResponse), Some(SlaState::Met));
}

/// Lists sort by the running clocks' due times, soonest first, tickets
/// without one last, with cursors; a priority without targets has no clocks.
pub async fn lists_sort_by_due_time_with_tickets_without_one_last(db: &impl Ports) {
    db.set_sla_policy(policy()).await.unwrap();
    let top = category(db, "General", None).await;
    let later = ticket(db, top, "c1", "later", minutes(10)).await;
    let sooner = ticket(db, top, "c2", "sooner", minutes(0)).await;
    let none = ticket(db, top, "c3", "low", minutes(5)).await;
    let agent = who("agent1", UserType::Agent);
    let mut low = update(1, &agent, minutes(6));
    low.priority = Some(Priority::Low);
    db.update_ticket(none, low, log(LogAction::UpdatedTicket, &agent, minutes(6)))
        .await
        .unwrap();
    assert_eq!(get(db, none).await.sla, TicketSla::default());
    for field in [SortField::ResolutionDue, SortField::FirstResponseDue] {
        assert_eq!(
            ids(db, by_due(field, false), ALL).await,
            vec![sooner, later, none],
            "{field:?}"
        );
        assert_eq!(
            ids(db, by_due(field, true), ALL).await,
            vec![none, later, sooner]
        );
        let first = db
            .list_tickets(&TicketFilter::from(by_due(field, false)), Page::first(1))
            .await
            .unwrap();
        let after = Position::of_ticket(
            TicketSort {
                field,
                descending: false,
            },
            &first[0].ticket,
        );
        assert_eq!(
            ids(db, by_due(field, false), Page::after(5, after)).await,
            vec![later, none]
        );
    }
    // An answered ticket leaves the first-response queue's head.
    say(db, sooner, &agent, Visibility::Public, minutes(15)).await;
    assert_eq!(
        ids(db, by_due(SortField::FirstResponseDue, false), ALL).await,
        vec![later, sooner, none]
    );
}

async fn breaches(db: &impl Ports) -> Vec<ticketd_ports::Event> {
    let filter = EventFilter {
        include_internal: true,
        types: vec![EventType::SlaBreached],
        ..EventFilter::default()
    };
    db.list_events(&filter, ALL).await.unwrap()
}

/// A clock past its due time is marked breached once, by whichever comes
/// first (a sweep, or a write that stops it late), with one `sla.breached`
/// event that names the clock and no actor; lists filter by it.
pub async fn a_breach_is_marked_and_announced_once(db: &impl Ports) {
    db.set_sla_policy(policy()).await.unwrap();
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "late", t0()).await;
    let other = ticket(db, top, "c2", "fine", minutes(30)).await;
    assert_eq!(
        db.settle_sla(minutes(60), 100).await.unwrap(),
        0,
        "due at 60 is not late at 60"
    );
    assert!(breaches(db).await.is_empty());

    let (a, b) = tokio::join!(
        db.settle_sla(minutes(61), 100),
        db.settle_sla(minutes(61), 100)
    );
    assert_eq!(
        a.unwrap() + b.unwrap(),
        1,
        "two sweeps settle the ticket once"
    );
    let found = breaches(db).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].ticket_id(), id);
    assert_eq!(found[0].breached, Some(SlaKind::FirstResponse));
    assert_eq!(found[0].actor, None);
    assert_eq!(found[0].visibility, Visibility::Public);
    assert_eq!(found[0].at, minutes(61));
    assert!(found[0].ticket.ticket.sla.breached());

    let breached = TicketQuery {
        sla_breached: Some(true),
        ..TicketQuery::default()
    };
    assert_eq!(ids(db, breached, ALL).await, vec![id]);
    let fine = TicketQuery {
        sla_breached: Some(false),
        ..TicketQuery::default()
    };
    assert_eq!(ids(db, fine, ALL).await, vec![other]);

    assert_eq!(db.settle_sla(minutes(62), 100).await.unwrap(), 0);
    let agent = who("agent1", UserType::Agent);
    say(db, id, &agent, Visibility::Public, minutes(70)).await;
    let sla = get(db, id).await.sla;
    assert_eq!(
        state(&sla, SlaKind::FirstResponse),
        Some(SlaState::Breached)
    );
    assert_eq!(
        breaches(db).await.len(),
        1,
        "a late reply does not announce it again"
    );

    // The other ticket's reply comes late, before any sweep: the write marks it.
    say(db, other, &agent, Visibility::Public, minutes(95)).await;
    let found = breaches(db).await;
    assert_eq!(found.len(), 2);
    assert_eq!((found[1].ticket_id(), found[1].at), (other, minutes(95)));
    assert_eq!(db.settle_sla(minutes(96), 100).await.unwrap(), 0);

    assert_eq!(db.settle_sla(minutes(241), 100).await.unwrap(), 1);
    let found = breaches(db).await;
    assert_eq!(found.len(), 3);
    assert_eq!(found[2].breached, Some(SlaKind::Resolution));
}

/// Business hours and their time zone are kept with the policy and count
/// only working time.
pub async fn a_policy_with_business_hours_counts_working_time(db: &impl Ports) {
    use chrono::{NaiveTime, Weekday::*};
    let hours = BusinessHours::new(
        "Europe/Berlin".parse().unwrap(),
        vec![Mon, Tue, Wed, Thu, Fri],
        NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        NaiveTime::from_hms_opt(17, 30, 0).unwrap(),
    )
    .unwrap();
    let with_hours = SlaPolicy {
        business_hours: Some(hours),
        ..policy()
    };
    assert_eq!(
        db.set_sla_policy(with_hours.clone()).await.unwrap(),
        with_hours
    );
    assert_eq!(db.sla_policy().await.unwrap(), with_hours);
    let top = category(db, "General", None).await;
    // Friday 2025-04-04 17:00 in Berlin (15:00 UTC): half an hour before closing.
    let friday = Utc.with_ymd_and_hms(2025, 4, 4, 15, 0, 0).unwrap();
    let id = ticket(db, top, "c1", "weekend", friday).await;
    // 30 minutes on Friday, 30 on Monday from 09:00 Berlin (07:00 UTC).
    let monday = Utc.with_ymd_and_hms(2025, 4, 7, 7, 30, 0).unwrap();
    assert_eq!(
        get(db, id).await.sla.running_due(SlaKind::FirstResponse),
        Some(monday)
    );
}
