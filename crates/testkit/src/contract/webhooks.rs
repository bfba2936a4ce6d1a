//! Webhooks: endpoints kept and changed; each event queued once for each
//! active endpoint that wants it; claims that keep each ticket's order and
//! lease what they take; attempts recorded; failed deliveries re-sent.

use ticketd_domain::{DeliveryState, EndpointId, EventType};
use ticketd_ports::{
    DeliveryAttempt, DeliveryOutcome, EndpointChange, NewEndpoint, WebhookEndpoint,
};

use super::support::*;

fn endpoint(url: &str, types: Vec<EventType>, internal: bool, active: bool) -> NewEndpoint {
    NewEndpoint {
        url: url.into(),
        description: format!("receiver at {url}"),
        event_types: types,
        include_internal: internal,
        active,
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        actor: admin(),
        at: t0(),
    }
}

async fn register(db: &impl Ports, new: NewEndpoint) -> WebhookEndpoint {
    db.create_endpoint(new).await.unwrap()
}

/// Queues everything readable (a store may make an event readable a moment
/// after its change).
async fn queue_all(db: &impl Ports, expected_events: u32) -> u32 {
    let mut total = 0;
    for _ in 0..500 {
        total += db.queue_deliveries(t0(), 1000).await.unwrap();
        if total >= expected_events {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    total
}

fn attempt(at: Timestamp, status: Option<u16>) -> DeliveryAttempt {
    DeliveryAttempt {
        at,
        status,
        duration_ms: 12,
        error: status.is_none().then(|| "connection refused".to_owned()),
    }
}

/// Endpoints are registered, changed, given new secrets and removed.
pub async fn endpoints_are_registered_changed_rotated_and_removed(db: &impl Ports) {
    let a = register(db, endpoint("https://a.example/hook", vec![], false, true)).await;
    let b = register(
        db,
        endpoint(
            "https://b.example/hook",
            vec![EventType::MessageCreated],
            true,
            true,
        ),
    )
    .await;
    assert_ne!(a.id, b.id);
    assert_eq!(a.created_by, admin());
    assert_eq!(a.secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    assert_eq!(b.event_types, [EventType::MessageCreated]);
    assert!(b.include_internal && b.active && b.disabled_reason.is_none());
    assert_eq!(db.list_endpoints().await.unwrap(), [a.clone(), b.clone()]);
    assert_eq!(db.get_endpoint(b.id).await.unwrap(), Some(b.clone()));

    let later = t0() + Duration::minutes(1);
    let change = EndpointChange {
        url: Some("https://a.example/v2".into()),
        event_types: Some(vec![EventType::TicketCreated, EventType::SlaBreached]),
        active: Some(false),
        ..EndpointChange::default()
    };
    let changed = db.update_endpoint(a.id, change, later).await.unwrap();
    assert_eq!(changed.url, "https://a.example/v2");
    assert_eq!(
        changed.event_types,
        [EventType::TicketCreated, EventType::SlaBreached]
    );
    assert!(!changed.active);
    assert_eq!(changed.description, a.description, "unchanged");
    assert_eq!(changed.updated_at, later);

    let until = t0() + Duration::hours(24);
    let rotated = db
        .rotate_secret(a.id, "whsec_bmV3LXNlY3JldC1mb3ItYQ".into(), until, later)
        .await
        .unwrap();
    assert_eq!(rotated.secret, "whsec_bmV3LXNlY3JldC1mb3ItYQ");
    assert_eq!(rotated.previous_secret.as_deref(), Some(a.secret.as_str()));
    assert_eq!(rotated.previous_secret_until, Some(until));
    assert_eq!(rotated.signing_secrets(later).len(), 2);
    assert_eq!(rotated.signing_secrets(until).len(), 1);

    db.delete_endpoint(a.id).await.unwrap();
    assert_eq!(db.get_endpoint(a.id).await.unwrap(), None);
    // An attempt that ends after its endpoint was removed records nothing.
    let gone = ticketd_domain::DeliveryId(424_242);
    db.finish_attempt(gone, attempt(later, Some(200)), DeliveryOutcome::Delivered)
        .await
        .unwrap();
    assert!(db.list_attempts(gone).await.unwrap().is_empty());
    assert!(matches!(
        db.delete_endpoint(a.id).await,
        Err(RepoError::NotFound)
    ));
    assert!(matches!(
        db.update_endpoint(EndpointId(999), EndpointChange::default(), later)
            .await,
        Err(RepoError::NotFound)
    ));
    assert_eq!(db.list_endpoints().await.unwrap(), [b]);
}

/// Each event is queued once for each active endpoint that wants it, and an
/// endpoint hears only of events after it was registered.
pub async fn events_are_queued_once_for_each_endpoint_that_wants_them(db: &impl Ports) {
    let all = register(db, endpoint("https://all.example", vec![], false, true)).await;
    let notes = register(
        db,
        endpoint(
            "https://notes.example",
            vec![EventType::MessageCreated],
            true,
            true,
        ),
    )
    .await;
    let off = register(db, endpoint("https://off.example", vec![], true, false)).await;
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "help", t0()).await;
    let agent = who("agent1", UserType::Agent);
    db.add_message(
        id,
        message(&agent, "public", &[]),
        log(LogAction::AddedMessage, &agent, t0()),
        None,
    )
    .await
    .unwrap();
    let mut note = message(&agent, "internal", &[]);
    note.visibility = Visibility::Internal;
    let mut entry = log(LogAction::AddedMessage, &agent, t0());
    entry.visibility = Visibility::Internal;
    db.add_message(id, note, entry, None).await.unwrap();

    assert_eq!(queue_all(db, 3).await, 3);
    assert_eq!(
        db.queue_deliveries(t0(), 1000).await.unwrap(),
        0,
        "queued once"
    );
    let kinds = |d: Vec<ticketd_ports::Delivery>| -> Vec<&'static str> {
        d.iter().rev().map(|d| d.event_type.as_str()).collect()
    };
    let to_all = db.list_deliveries(all.id, ALL).await.unwrap();
    assert_eq!(kinds(to_all.clone()), ["ticket.created", "message.created"]);
    let to_notes = db.list_deliveries(notes.id, ALL).await.unwrap();
    assert_eq!(kinds(to_notes), ["message.created", "message.created"]);
    assert!(db.list_deliveries(off.id, ALL).await.unwrap().is_empty());
    assert!(to_all.iter().all(|d| d.state == DeliveryState::Pending
        && d.attempts == 0
        && d.ticket_id == id
        && d.next_attempt_at == t0()));

    let late = register(db, endpoint("https://late.example", vec![], false, true)).await;
    ticket(db, top, "c2", "second", t0()).await;
    assert_eq!(queue_all(db, 1).await, 1);
    assert_eq!(
        kinds(db.list_deliveries(late.id, ALL).await.unwrap()),
        ["ticket.created"]
    );
    assert_eq!(db.list_deliveries(all.id, ALL).await.unwrap().len(), 3);
}

/// Claims take each ticket's deliveries one at a time, in order, lease what
/// they take, and follow what each attempt decided.
pub async fn claims_keep_each_tickets_order_and_lease_what_they_take(db: &impl Ports) {
    let hook = register(db, endpoint("https://hook.example", vec![], false, true)).await;
    let top = category(db, "General", None).await;
    let a = ticket(db, top, "c1", "first", t0()).await;
    let b = ticket(db, top, "c2", "second", t0()).await;
    let agent = who("agent1", UserType::Agent);
    for text in ["one", "two"] {
        db.add_message(
            a,
            message(&agent, text, &[]),
            log(LogAction::AddedMessage, &agent, t0()),
            None,
        )
        .await
        .unwrap();
    }
    assert_eq!(queue_all(db, 4).await, 4);
    let now = t0() + Duration::seconds(1);
    let lease = now + Duration::seconds(60);

    let first = db.claim_deliveries(now, lease, 10).await.unwrap();
    let tickets: Vec<TicketId> = first.iter().map(|c| c.delivery.ticket_id).collect();
    assert_eq!(tickets, [a, b], "one delivery per ticket at a time");
    assert!(
        first
            .iter()
            .all(|c| c.delivery.attempts == 1 && c.first_attempt_at == now)
    );
    assert_eq!(first[0].event.kind, EventType::TicketCreated);
    assert_eq!(first[0].event.ticket_id(), a);
    assert_eq!(first[0].endpoint.id, hook.id);
    assert!(
        db.claim_deliveries(now, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );

    // Ticket a's first delivery succeeds: its next one comes up.
    db.finish_attempt(
        first[0].delivery.id,
        attempt(now, Some(204)),
        DeliveryOutcome::Delivered,
    )
    .await
    .unwrap();
    let next = db.claim_deliveries(now, lease, 10).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(
        next[0]
            .event
            .message
            .as_ref()
            .and_then(|m| m.body.as_ref())
            .map(|b| b.as_str()),
        Some("one")
    );
    // It fails: retried later, not before, and the ticket waits for it.
    let retry = now + Duration::seconds(30);
    db.finish_attempt(
        next[0].delivery.id,
        attempt(now, Some(500)),
        DeliveryOutcome::RetryAt(retry),
    )
    .await
    .unwrap();
    assert!(
        db.claim_deliveries(now, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = db
        .claim_deliveries(retry, retry + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].delivery.id, next[0].delivery.id);
    assert_eq!(again[0].delivery.attempts, 2);
    assert_eq!(
        again[0].first_attempt_at, now,
        "the first attempt's time is kept"
    );

    // A worker that dies leaves its lease to run out: then another takes it.
    let expired = retry + Duration::seconds(61);
    let taken = db
        .claim_deliveries(expired, expired + Duration::seconds(60), 10)
        .await
        .unwrap();
    let mut ids: Vec<_> = taken.iter().map(|c| c.delivery.id).collect();
    ids.sort();
    let mut expected = vec![again[0].delivery.id, first[1].delivery.id];
    expected.sort();
    assert_eq!(ids, expected);

    // Giving up turns the endpoint off with its reason, and nothing more is claimed.
    let reason = "no delivery succeeded for 24 hours (last: HTTP 500)".to_owned();
    db.finish_attempt(
        again[0].delivery.id,
        attempt(expired, None),
        DeliveryOutcome::Failed {
            disable_endpoint: Some(reason.clone()),
        },
    )
    .await
    .unwrap();
    let off = db.get_endpoint(hook.id).await.unwrap().unwrap();
    assert!(!off.active);
    assert_eq!(off.disabled_reason, Some(reason));
    let later = expired + Duration::hours(1);
    assert!(
        db.claim_deliveries(later, later, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let attempts = db.list_attempts(again[0].delivery.id).await.unwrap();
    let statuses: Vec<Option<u16>> = attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), None]);
    assert_eq!(attempts[1].error.as_deref(), Some("connection refused"));
    assert_eq!(attempts[0].duration_ms, 12);
    let failed = db
        .get_delivery(again[0].delivery.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.state, DeliveryState::Failed);
    assert_eq!(failed.done_at, Some(expired));

    // Re-sent and turned on again, it is claimed anew.
    assert!(matches!(
        db.resend_delivery(first[1].delivery.id, later).await,
        Err(RepoError::Conflict(_))
    ));
    let resent = db.resend_delivery(failed.id, later).await.unwrap();
    assert_eq!(resent.state, DeliveryState::Pending);
    let on = EndpointChange {
        active: Some(true),
        ..EndpointChange::default()
    };
    let on = db.update_endpoint(hook.id, on, later).await.unwrap();
    assert!(on.active && on.disabled_reason.is_none());
    let anew = db
        .claim_deliveries(later, later + Duration::seconds(60), 10)
        .await
        .unwrap();
    let anew: Vec<_> = anew
        .iter()
        .map(|c| (c.delivery.id, c.first_attempt_at))
        .collect();
    assert!(anew.contains(&(failed.id, later)), "{anew:?}");
}

/// One event wanted by several endpoints is claimed for each of them at
/// once, each claim carrying the event.
pub async fn an_event_for_several_endpoints_is_claimed_for_each(db: &impl Ports) {
    let mut hooks = Vec::new();
    for n in 0..3 {
        let url = format!("https://hook{n}.example");
        hooks.push(register(db, endpoint(&url, vec![], false, true)).await.id);
    }
    let top = category(db, "General", None).await;
    let id = ticket(db, top, "c1", "first", t0()).await;
    assert_eq!(queue_all(db, 1).await, 1);
    let now = t0() + Duration::seconds(1);

    let claimed = db
        .claim_deliveries(now, now + Duration::seconds(60), 10)
        .await
        .unwrap();
    let mut endpoints: Vec<EndpointId> = claimed.iter().map(|c| c.endpoint.id).collect();
    endpoints.sort();
    hooks.sort();
    assert_eq!(endpoints, hooks);
    assert!(
        claimed
            .iter()
            .all(|c| c.event.kind == EventType::TicketCreated && c.event.ticket_id() == id)
    );
    assert_eq!(claimed[0].event.id, claimed[2].event.id);
}
