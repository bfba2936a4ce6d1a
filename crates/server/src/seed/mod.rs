//! `ticketd seed`: fills a database with realistic tickets for benchmarks and
//! demonstrations, deterministically from a seed.
//!
//! The shape: 1,000 customers, 50 agents, 20 categories with 3 sub-categories
//! each; every ticket has one message, a log entry for its opening and its
//! message, and one for its status when it moved on; its service-level clocks
//! (from the policy in force) follow that history and are settled at the time
//! of seeding, as the sweep would have left them. `refund` appears in 10%
//! of tickets and `chargeback` in 0.01%, and nowhere else, so that searches
//! for them have known, very different numbers of matches.

use std::io::IsTerminal;
use std::time::Instant;

use anyhow::Context;
use chrono::{Duration, TimeZone, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ticketd_domain::{
    Actor, CategoryId, CategoryName, ChangedField, Description, FieldChange, LogAction,
    MessageBody, Priority, RefId, SlaPolicy, Subject, TicketSla, TicketStatus, Timestamp, UserId,
    UserType, Visibility,
};
use ticketd_ports::{
    CategoryRepository, NewCategory, NewLogEntry, NewMessage, NewTicket, SlaStore, UserDirectory,
};
use ticketd_store_diesel::{BulkState, BulkTicket, Store};

mod texts;
use texts::*;

/// Customers tickets belong to.
pub const CUSTOMERS: usize = 1_000;
/// Agents who answer and are assigned.
pub const AGENTS: usize = 50;
/// Share of tickets that mention `refund`.
pub const REFUND_SHARE: f64 = 0.10;
/// Share of tickets that mention `chargeback`.
pub const CHARGEBACK_SHARE: f64 = 0.0001;

/// The people tickets are about and worked by.
struct Cast {
    customers: Vec<Actor>,
    agents: Vec<Actor>,
    categories: Vec<(CategoryId, Vec<CategoryId>)>,
    /// The service-level policy the clocks follow.
    policy: SlaPolicy,
    /// When the clocks are settled: breaches due by then are marked.
    settled_at: Timestamp,
}

fn actor(id: String, user_type: UserType) -> anyhow::Result<Actor> {
    Ok(Actor::new(
        UserId::parse(id).map_err(|e| anyhow::anyhow!("{e}"))?,
        user_type,
    ))
}

/// The categories of the seed, made if missing.
async fn categories(
    store: &Store,
    at: Timestamp,
) -> anyhow::Result<Vec<(CategoryId, Vec<CategoryId>)>> {
    let admin = actor("admin1".into(), UserType::Admin)?;
    let mut existing = store.list_active_categories().await?;
    let mut out = Vec::new();
    for top_name in TOP_CATEGORIES {
        let find = |all: &[ticketd_domain::Category], name: &str, parent: Option<CategoryId>| {
            all.iter()
                .find(|c| c.name.as_str() == name && c.parent_id == parent)
                .map(|c| c.id)
        };
        let top = match find(&existing, top_name, None) {
            Some(id) => id,
            None => {
                let new = NewCategory {
                    name: CategoryName::parse(top_name).map_err(|e| anyhow::anyhow!("{e}"))?,
                    parent_id: None,
                    actor: admin.clone(),
                    at,
                };
                let made = store.create_category(new).await?;
                let id = made.id;
                existing.push(made);
                id
            }
        };
        let mut subs = Vec::new();
        for sub_name in SUB_CATEGORIES {
            let sub = match find(&existing, sub_name, Some(top)) {
                Some(id) => id,
                None => {
                    let new = NewCategory {
                        name: CategoryName::parse(sub_name).map_err(|e| anyhow::anyhow!("{e}"))?,
                        parent_id: Some(top),
                        actor: admin.clone(),
                        at,
                    };
                    let made = store.create_category(new).await?;
                    let id = made.id;
                    existing.push(made);
                    id
                }
            };
            subs.push(sub);
        }
        out.push((top, subs));
    }
    Ok(out)
}

fn fill(template: &str, rng: &mut StdRng, customer: &Actor, at: Timestamp) -> String {
    let mut out = template.to_owned();
    if out.contains("{order}") {
        out = out.replace(
            "{order}",
            &format!("#{}", rng.random_range(100_000..1_000_000)),
        );
    }
    if out.contains("{product}") {
        out = out.replace("{product}", PRODUCTS[rng.random_range(0..PRODUCTS.len())]);
    }
    if out.contains("{date}") {
        let day = at - Duration::days(rng.random_range(2..30));
        out = out.replace("{date}", &day.format("%B %-d").to_string());
    }
    out.replace("{customer}", customer.id.as_str())
}

fn pick<T: Copy>(rng: &mut StdRng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (v, w) in weighted {
        if roll < *w {
            return *v;
        }
        roll -= w;
    }
    weighted[0].0
}

/// The `index`-th ticket of the seed (0-based), the same for the same seed.
fn ticket(index: u64, seed: u64, cast: &Cast) -> anyhow::Result<BulkTicket> {
    let mut rng = StdRng::seed_from_u64(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 8, 0, 0)
        .single()
        .unwrap_or_default();
    let opened = start + Duration::seconds(i64::try_from(index).unwrap_or(i64::MAX) * 60);
    let customer = &cast.customers[rng.random_range(0..cast.customers.len())];
    let agent = &cast.agents[rng.random_range(0..cast.agents.len())];
    let (top, subs) = &cast.categories[rng.random_range(0..cast.categories.len())];
    let sub = rng
        .random_bool(0.7)
        .then(|| subs[rng.random_range(0..subs.len())]);

    let subject = fill(
        SUBJECTS[rng.random_range(0..SUBJECTS.len())],
        &mut rng,
        customer,
        opened,
    );
    let mut sentences: Vec<String> = (0..rng.random_range(2..5))
        .map(|_| {
            let t = SENTENCES[rng.random_range(0..SENTENCES.len())];
            fill(t, &mut rng, customer, opened)
        })
        .collect();
    if rng.random_bool(REFUND_SHARE) {
        let t = REFUND_SENTENCES[rng.random_range(0..REFUND_SENTENCES.len())];
        let at = rng.random_range(0..=sentences.len());
        sentences.insert(at, fill(t, &mut rng, customer, opened));
    }
    if rng.random_bool(CHARGEBACK_SHARE) {
        let t = CHARGEBACK_SENTENCES[rng.random_range(0..CHARGEBACK_SENTENCES.len())];
        sentences.push(t.to_owned());
    }
    let bad = |e: ticketd_domain::ValidationError| anyhow::anyhow!("seed text: {e}");
    let new = NewTicket {
        ref_id: RefId::from_random(rng.random()),
        user_id: customer.id.clone(),
        user_type: UserType::Customer,
        category_id: *top,
        sub_category_id: sub,
        subject: Subject::parse(subject).map_err(bad)?,
        description: Description::parse(sentences.join(" ")).map_err(bad)?,
        status: TicketStatus::Open,
        priority: pick(
            &mut rng,
            &[
                (Priority::Low, 20),
                (Priority::Normal, 55),
                (Priority::High, 20),
                (Priority::Urgent, 5),
            ],
        ),
        assignee_id: rng.random_bool(0.7).then(|| agent.id.clone()),
        actor: customer.clone(),
        at: opened,
        answer: None,
    };
    let answered = opened + Duration::minutes(rng.random_range(5..600));
    let sender = if rng.random_bool(0.6) {
        agent
    } else {
        customer
    };
    let message = NewMessage {
        sender: sender.clone(),
        body: Some(MessageBody::parse(MESSAGES[rng.random_range(0..MESSAGES.len())]).map_err(bad)?),
        attachments: Vec::new(),
        visibility: Visibility::Public,
        at: answered,
        answer: None,
    };
    let mut logs = vec![
        NewLogEntry::new(LogAction::CreatedTicket, customer, opened),
        NewLogEntry::new(LogAction::AddedMessage, sender, answered),
    ];
    let status = pick(
        &mut rng,
        &[
            (TicketStatus::Open, 25),
            (TicketStatus::InProgress, 20),
            (TicketStatus::Pending, 10),
            (TicketStatus::Resolved, 25),
            (TicketStatus::Closed, 20),
        ],
    );
    let mut now = BulkState {
        status,
        modified_by: sender.clone(),
        modified_at: answered,
    };
    let policy = &cast.policy;
    let mut sla = TicketSla::open(policy, new.priority, TicketStatus::Open, opened);
    sla.message_added(policy, sender.user_type, message.visibility, answered);
    sla.settle(answered);
    if status != TicketStatus::Open {
        let changed = answered + Duration::minutes(rng.random_range(1..2_000));
        let mut entry = NewLogEntry::new(LogAction::UpdatedStatus, agent, changed);
        entry.changes = vec![FieldChange::new(
            ChangedField::Status,
            Some(TicketStatus::Open.to_string()),
            Some(status.to_string()),
        )];
        logs.push(entry);
        now.modified_by = agent.clone();
        now.modified_at = changed;
        sla.status_changed(policy, TicketStatus::Open, status, changed);
        sla.settle(changed);
    }
    sla.settle(cast.settled_at);
    Ok(BulkTicket {
        ticket: new,
        now,
        messages: vec![message],
        logs,
        sla: Some(sla),
    })
}

/// Shows progress: a bar with rate and time left on a terminal, a plain line
/// per tenth otherwise.
struct Progress {
    bar: ProgressBar,
    plain: bool,
    total: u64,
    next_line: u64,
}

impl Progress {
    fn new(total: u64) -> Self {
        let plain = !std::io::stderr().is_terminal();
        let bar = if plain {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
        } else {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{bar:40} {human_pos}/{human_len} tickets, {per_sec}, {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        };
        Self {
            bar,
            plain,
            total,
            next_line: total / 10,
        }
    }

    fn advance(&mut self, n: u64) {
        self.bar.inc(n);
        let done = self.bar.position();
        if self.plain && (done >= self.next_line || done == self.total) {
            let rate = done as f64 / self.bar.elapsed().as_secs_f64().max(0.001);
            eprintln!("seed: {done}/{} tickets ({:.0}/s)", self.total, rate);
            self.next_line = done + (self.total / 10).max(1);
        }
    }
}

/// Fills `store` up to `target` tickets (the tickets already there count),
/// in batches of `batch` tickets, one transaction each.
pub async fn seed(store: &Store, target: u64, batch: usize, seed: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    let at = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let customers = (1..=CUSTOMERS)
        .map(|i| actor(format!("customer{i:04}"), UserType::Customer))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let agents = (1..=AGENTS)
        .map(|i| actor(format!("agent{i:02}"), UserType::Agent))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for a in &agents {
        store.remember_user(a).await?;
    }
    let cast = Cast {
        customers,
        agents,
        categories: categories(store, at).await?,
        policy: store.sla_policy().await?,
        settled_at: Utc::now(),
    };
    let have = store.count_every_ticket().await?;
    if have >= target {
        eprintln!(
            "seed: {} already holds {have} tickets; nothing to add",
            store.describe()
        );
        return Ok(());
    }
    let todo = target - have;
    eprintln!(
        "seed: adding {todo} tickets to {} (it holds {have})",
        store.describe()
    );
    let mut progress = Progress::new(todo);
    let mut index = have;
    let batch = u64::try_from(batch.max(1)).unwrap_or(1);
    while index < target {
        let end = (index + batch).min(target);
        let tickets = (index..end)
            .map(|i| ticket(i, seed, &cast))
            .collect::<anyhow::Result<Vec<_>>>()?;
        store
            .bulk_insert(tickets)
            .await
            .with_context(|| format!("storing tickets {index}..{end}"))?;
        progress.advance(end - index);
        index = end;
    }
    progress.bar.finish_and_clear();
    let loaded = started.elapsed();
    store
        .analyze()
        .await
        .context("refreshing the planner's statistics")?;
    let total = store.count_every_ticket().await?;
    eprintln!(
        "seed: added {todo} tickets in {:.1} s ({:.0}/s), statistics refreshed in {:.1} s; {} now holds {total} tickets",
        loaded.as_secs_f64(),
        todo as f64 / loaded.as_secs_f64().max(0.001),
        (started.elapsed() - loaded).as_secs_f64(),
        store.describe()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_marked_sentences_mention_the_benchmark_keywords() {
        let plain = SUBJECTS
            .iter()
            .chain(&SENTENCES)
            .chain(&MESSAGES)
            .chain(&PRODUCTS)
            .chain(&TOP_CATEGORIES);
        for text in plain {
            let t = text.to_lowercase();
            assert!(!t.contains("refund") && !t.contains("chargeback"), "{text}");
        }
        assert!(REFUND_SENTENCES.iter().all(|s| s.contains("refund")));
        assert!(
            CHARGEBACK_SENTENCES
                .iter()
                .all(|s| s.contains("chargeback"))
        );
    }

    fn small_cast() -> anyhow::Result<Cast> {
        Ok(Cast {
            customers: vec![actor("customer0001".into(), UserType::Customer)?],
            agents: vec![actor("agent01".into(), UserType::Agent)?],
            categories: vec![(CategoryId(1), vec![CategoryId(2)])],
            policy: SlaPolicy::default(),
            // Mid-way through the first 2,000 tickets' openings (a minute apart).
            settled_at: Utc
                .with_ymd_and_hms(2024, 1, 1, 8, 0, 0)
                .single()
                .unwrap_or_default()
                + Duration::minutes(1_000),
        })
    }

    #[test]
    fn clocks_follow_each_tickets_history_and_are_settled() -> anyhow::Result<()> {
        use ticketd_domain::{SlaKind, SlaState};
        let cast = small_cast()?;
        let (mut breached, mut running, mut met) = (0, 0, 0);
        for index in 0..2_000 {
            let t = ticket(index, 3, &cast)?;
            let missing =
                || anyhow::anyhow!("ticket {index}: the default policy times every priority");
            let sla = t.sla.as_ref().ok_or_else(missing)?;
            let first = sla.clock(SlaKind::FirstResponse).ok_or_else(missing)?;
            let resolution = sla.clock(SlaKind::Resolution).ok_or_else(missing)?;
            let staff_replied = t.messages[0].sender.user_type != UserType::Customer;
            let status = t.now.status;
            // What the history did to each clock.
            if staff_replied {
                assert_eq!(first.stopped_at, Some(t.messages[0].at), "{index}");
            }
            if matches!(status, TicketStatus::Resolved | TicketStatus::Closed) {
                assert_eq!(resolution.stopped_at, Some(t.now.modified_at), "{index}");
                assert!(first.stopped_at.is_some(), "{index}");
            }
            if status == TicketStatus::Pending {
                assert!(resolution.left_seconds.is_some(), "{index}: paused");
            }
            // Settled at `settled_at` or at the ticket's last change, if
            // later: nothing due by then is left unmarked, and the sweep's
            // next look is not before it.
            let settled = cast.settled_at.max(t.now.modified_at);
            for clock in [first, resolution] {
                let late = match (clock.stopped_at, clock.left_seconds, clock.due_at) {
                    (Some(stopped), _, Some(due)) => stopped > due,
                    (None, Some(left), _) => left < 0,
                    (None, None, Some(due)) => settled > due,
                    _ => false,
                };
                assert_eq!(clock.breached, late, "{index}: {clock:?}");
                match clock.state() {
                    SlaState::Breached => breached += 1,
                    SlaState::Running => running += 1,
                    SlaState::Met => met += 1,
                    SlaState::Paused => {}
                }
            }
            assert!(sla.next_check().is_none_or(|at| at >= settled), "{index}");
        }
        // Tickets opened before the settling time breach, later ones run.
        assert!(
            breached > 100 && running > 100 && met > 100,
            "{breached} {running} {met}"
        );
        Ok(())
    }

    #[test]
    fn the_same_seed_makes_the_same_ticket() -> anyhow::Result<()> {
        let cast = small_cast()?;
        let a = ticket(7, 1, &cast)?;
        let b = ticket(7, 1, &cast)?;
        let c = ticket(8, 1, &cast)?;
        assert_eq!(a.ticket.ref_id, b.ticket.ref_id);
        assert_eq!(a.ticket.description, b.ticket.description);
        assert_ne!(a.ticket.ref_id, c.ticket.ref_id);
        assert!(a.logs.len() >= 2 && a.messages.len() == 1);
        Ok(())
    }
}
