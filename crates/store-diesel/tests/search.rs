//! Indexed keyword search answers exactly as the plain match does: for random
//! keywords (pieces of tickets' text, short ones, wildcards, Unicode, mixed
//! case), the tickets listed and counted are those whose subject, description
//! or reference contain the keyword, ignoring case. Run on both databases,
//! with the index used whenever it can narrow a keyword, and with the store's
//! own choice between the index and a walk.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeSet;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use ticketd_domain::{
    Actor, CategoryName, Description, Keyword, LogAction, Priority, RefId, Subject, TicketId,
    TicketStatus, UserId, UserType, search_text,
};
use ticketd_ports::{
    CategoryRepository, NewCategory, NewLogEntry, NewTicket, Page, TicketFilter, TicketQuery,
    TicketRepository,
};
use ticketd_store_diesel::Store;
use ticketd_store_diesel::testing::TestDatabase;

/// Texts that exercise the word rules: punctuation between words, wildcards,
/// Unicode (with case pairs), numbers, and a word longer than the index keeps
/// whole (kept as chunks).
fn texts() -> Vec<(String, String)> {
    let long_word = format!("x{}y{}z", "ab".repeat(250), "cd".repeat(120));
    let mut out = vec![
        (
            "Refund Request".to_owned(),
            "Please REFUND order #123456, thanks!".to_owned(),
        ),
        (
            "50% discount missing".to_owned(),
            "The code SAVE_50 gave 0%".to_owned(),
        ),
        (
            "Back\\slash and under_score".to_owned(),
            "path C:\\temp\\file_1.txt".to_owned(),
        ),
        (
            "Über große Sorge".to_owned(),
            "Naïve café — déjà vu; ΟΔΟΣ Σίσυφος".to_owned(),
        ),
        (
            "Chargeback opened".to_owned(),
            "My bank opened a chargeback.".to_owned(),
        ),
        (
            "Login trouble".to_owned(),
            "Cannot log in since 2025-04-01 10:00".to_owned(),
        ),
        (
            "Emoji 🎉 party".to_owned(),
            "Ünïcödé ünd İstanbul ǅemal".to_owned(),
        ),
        ("Long word".to_owned(), format!("start {long_word} end")),
        (
            "a_b%c\\d".to_owned(),
            "x%y_z and refund-ish and re-fund".to_owned(),
        ),
        (
            "Quotes \"here\" and 'there'".to_owned(),
            "tabs\tand\nnew lines".to_owned(),
        ),
    ];
    for i in 0..30 {
        out.push((
            format!("Order {} question {i}", 1000 + i * 7),
            format!(
                "Word{} stuff refund{} more text {}",
                i % 5,
                i % 3,
                "lorem ".repeat(i % 4)
            ),
        ));
    }
    out
}

struct Seeded {
    /// Each ticket's id and its searchable text, folded.
    tickets: Vec<(TicketId, String)>,
}

async fn seed(store: &Store) -> Seeded {
    let admin = Actor::new(UserId::parse("admin1").unwrap(), UserType::Admin);
    let t0 = Utc.with_ymd_and_hms(2025, 4, 1, 10, 0, 0).unwrap();
    let category = store
        .create_category(NewCategory {
            name: CategoryName::parse("General").unwrap(),
            parent_id: None,
            actor: admin,
            at: t0,
        })
        .await
        .unwrap()
        .id;
    let customer = Actor::new(UserId::parse("c1").unwrap(), UserType::Customer);
    let mut tickets = Vec::new();
    for (i, (subject, description)) in texts().into_iter().enumerate() {
        let at = t0 + Duration::minutes(i as i64);
        let new = NewTicket {
            ref_id: RefId::from_random(rand::random()),
            user_id: customer.id.clone(),
            user_type: UserType::Customer,
            category_id: category,
            sub_category_id: None,
            subject: Subject::parse(subject.clone()).unwrap(),
            description: Description::parse(description.clone()).unwrap(),
            status: TicketStatus::Open,
            priority: Priority::Normal,
            assignee_id: None,
            actor: customer.clone(),
            at,
            answer: None,
        };
        let log = NewLogEntry::new(LogAction::CreatedTicket, &customer, at);
        let view = store.create_ticket(new, log).await.unwrap();
        let text = search_text(&subject, &description, view.ticket.ref_id.as_str());
        tickets.push((view.ticket.id, text));
    }
    Seeded { tickets }
}

/// A keyword: a piece of a ticket's text (maybe in other case), or made of
/// characters that stress the matching.
fn keywords(texts: Vec<String>) -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = "abcdefrnuxyz019 %_\\-.#'\"éÉßΣσςİ—🎉ÜüΟ".chars().collect();
    let piece = (
        0..texts.len(),
        any::<prop::sample::Index>(),
        1usize..24,
        any::<bool>(),
    )
        .prop_map(move |(t, start, len, upper)| {
            let chars: Vec<char> = texts[t].chars().collect();
            let start = start.index(chars.len());
            let end = (start + len).min(chars.len());
            let s: String = chars[start..end].iter().collect();
            if upper { s.to_uppercase() } else { s }
        });
    let made = prop::collection::vec(prop::sample::select(alphabet), 1..8)
        .prop_map(|cs| cs.into_iter().collect::<String>());
    prop_oneof![3 => piece, 2 => made]
}

fn ids(rows: &[ticketd_ports::TicketView]) -> BTreeSet<TicketId> {
    rows.iter().map(|v| v.ticket.id).collect()
}

fn check(store: &Store, seeded: &Seeded, cases: u32) {
    let rt = tokio::runtime::Handle::current();
    let texts: Vec<String> = seeded.tickets.iter().map(|(_, t)| t.clone()).collect();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&keywords(texts), |raw| {
        let Ok(Some(keyword)) = Keyword::parse(&raw) else {
            return Ok(()); // blank or refused: not a search
        };
        let folded = keyword.folded();
        let want: BTreeSet<TicketId> = seeded
            .tickets
            .iter()
            .filter(|(_, text)| text.contains(&folded))
            .map(|(id, _)| *id)
            .collect();
        let filter = TicketFilter::from(TicketQuery {
            keyword: Some(keyword),
            ..TicketQuery::default()
        });
        let all = Page::first(1_000);
        let (listed, counted) = tokio::task::block_in_place(|| {
            rt.block_on(async {
                let listed = store.list_tickets(&filter, all).await.unwrap();
                let counted = store.count_tickets(&filter, 1_000).await.unwrap();
                (listed, counted)
            })
        });
        prop_assert_eq!(ids(&listed), want.clone(), "listed for {:?}", raw);
        prop_assert_eq!(counted, want.len() as u64, "counted for {:?}", raw);
        Ok::<(), TestCaseError>(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn indexed_search_answers_as_the_plain_match(db: &TestDatabase) {
    let seeded = seed(&db.store).await;
    let index_first = db.store.clone().index_first();
    check(&index_first, &seeded, 300);
    check(&db.store, &seeded, 100);
}

ticketd_store_diesel::test_on_both_databases! { tokio::test(flavor = "multi_thread");

async fn search_property(db: &TestDatabase) {
    indexed_search_answers_as_the_plain_match(db).await;
}

}
