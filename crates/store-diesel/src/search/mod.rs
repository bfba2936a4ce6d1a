//! Keyword search served by an index, with exactly the answers of the plain
//! match: the keyword is a case-insensitive substring of `search_text`, and
//! that test (`LIKE`) stays on every query; the index only names the tickets
//! worth testing.
//!
//! A keyword few tickets hold is served from the index: its candidates are
//! read first (at most [`MAX_CANDIDATES`]), then only they are tested, sorted
//! and paged. A keyword many tickets hold is served by walking the list in
//! its own order and testing each ticket, which finds a page after a few
//! dozen tickets. A keyword the index cannot narrow (shorter than three
//! characters, say) is walked too.
//!
//! PostgreSQL keeps each ticket's words and a dictionary of all words with
//! how many tickets hold each (see the `search` migration); the dictionary
//! tells which words hold each piece of the keyword, and how many tickets
//! hold them, before any ticket is read. SQLite keeps an FTS5 trigram index
//! of `search_text`, asked for the tickets holding every trigram of the
//! keyword.

mod sample;
mod sql;
pub(crate) mod words;

use diesel::prelude::*;
use ticketd_ports::RepoError;

use crate::connection::AnyConnection;
use crate::db_error;
use crate::explain::Plans;
use crate::window::Window;
pub(crate) use sample::SampleCache;
pub(crate) use sql::{AmongIds, HoldsWords, SortedAfterReading};
use words::{Piece, pieces};

/// The most candidates a keyword is served from: a keyword more tickets hold
/// is served by walking the list in its order.
pub(crate) const MAX_CANDIDATES: usize = 5_000;

/// How many more candidates than a page a count reads from the word index.
const COUNT_FROM_INDEX: f64 = 10.0;

/// The most dictionary words one piece of a keyword may stand for; a piece
/// found in more words (`ing`, say) narrows too little to be worth asking.
const MAX_WORDS_PER_PIECE: usize = 1_000;

/// The most trigrams of a keyword asked of SQLite's index: its rarest
/// narrow the candidates as well as all of them, and cost far less (the
/// index reads every ticket that holds a trigram it is asked for).
const MAX_TRIGRAMS: usize = 3;

/// When a keyword is served from the index rather than by a walk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tuning {
    /// The most tickets the index may name.
    pub max_candidates: usize,
    /// SQLite: the share of the sample from which a keyword is walked.
    pub walk_share: f64,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            max_candidates: MAX_CANDIDATES,
            walk_share: WALK_SHARE,
        }
    }
}

impl Tuning {
    /// The index whenever it can narrow a keyword at all (for tests that
    /// hold its answers against the plain match).
    #[cfg(feature = "testing")]
    pub(crate) const INDEX_FIRST: Self = Self {
        max_candidates: 1_000_000_000,
        walk_share: f64::INFINITY,
    };
}

/// What a keyword is searched for: a page wants its first rows soon, a count
/// wants every match (up to its cap) read as cheaply as possible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A page of tickets.
    Page,
    /// A count of tickets.
    Count,
}

/// How to serve a keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// No ticket holds it: there is nothing to read.
    Nothing,
    /// Walk the list in its order, testing each ticket.
    Walk,
    /// PostgreSQL: test the tickets holding a word of every group, which the
    /// word index names, then sort them.
    Words(Vec<String>),
    /// SQLite: test only these tickets (ids), all those the index names.
    Candidates(Vec<i64>),
}

diesel::table! {
    /// Every word of every ticket, with how many tickets hold it (PostgreSQL).
    search_terms (term) {
        term -> Text,
        tickets -> BigInt,
    }
}

diesel::table! {
    /// PostgreSQL's catalog of tables, for its estimate of their rows.
    pg_class (relname) {
        relname -> Text,
        reltuples -> Float,
    }
}

/// How `folded` (a case-folded keyword) is best served.
pub(crate) fn plan(
    conn: &mut AnyConnection,
    folded: &str,
    sample: &SampleCache,
    tuning: Tuning,
    purpose: Purpose,
    plans: &mut Plans,
) -> Result<Plan, RepoError> {
    if matches!(conn, AnyConnection::Postgresql(_)) {
        // The dictionary's statement, as a test may ask to see it.
        for piece in pieces(folded).into_iter().filter(Piece::is_indexable) {
            plans.note(conn, || words_of(&piece))?;
        }
    }
    match conn {
        AnyConnection::Postgresql(pg) => postgres_plan(pg, folded, tuning, purpose),
        AnyConnection::Sqlite(lite) => sqlite_plan(lite, folded, sample, tuning),
    }
    .map_err(db_error)
}

/// The dictionary's words like a pattern, with their counts.
type WordsOf = diesel::helper_types::Filter<
    diesel::helper_types::Select<search_terms::table, (search_terms::term, search_terms::tickets)>,
    diesel::helper_types::Like<search_terms::term, String>,
>;

/// The dictionary's words that may hold `piece`, with their counts (at most
/// one more than [`MAX_WORDS_PER_PIECE`]).
fn words_of(piece: &Piece) -> Window<WordsOf> {
    let terms = search_terms::table
        .select((search_terms::term, search_terms::tickets))
        .filter(search_terms::term.like(piece.word_pattern()));
    Window::new(terms, MAX_WORDS_PER_PIECE as u64 + 1, 0)
}

fn postgres_plan(
    conn: &mut diesel::PgConnection,
    folded: &str,
    tuning: Tuning,
    purpose: Purpose,
) -> QueryResult<Plan> {
    let pieces: Vec<Piece> = pieces(folded)
        .into_iter()
        .filter(Piece::is_indexable)
        .collect();
    let mut groups: Vec<String> = Vec::new();
    let mut counts: Vec<i64> = Vec::new();
    for piece in &pieces {
        let terms: Vec<(String, i64)> = words_of(piece).load(conn)?;
        if terms.is_empty() {
            // No ticket has ever held a word with this piece.
            return Ok(Plan::Nothing);
        }
        if terms.len() > MAX_WORDS_PER_PIECE {
            continue;
        }
        counts.push(terms.iter().map(|(_, n)| *n).sum());
        let words: Vec<String> = terms.into_iter().map(|(t, _)| t).collect();
        groups.push(words.join(" "));
    }
    let max = tuning.max_candidates as f64;
    let fewest = counts.iter().copied().min().unwrap_or(i64::MAX) as f64;
    if groups.is_empty() {
        return Ok(Plan::Walk);
    }
    // A count reads every match (up to its cap) anyway: the index names
    // them without reading every other ticket too, while they are not so
    // many that reading them in the order of the index costs more than
    // walking the list's index until the cap.
    let max_for_count = max * COUNT_FROM_INDEX;
    if fewest <= max || (purpose == Purpose::Count && fewest <= max_for_count) {
        return Ok(Plan::Words(groups));
    }
    // Every piece is held by many tickets. Several may still be rare
    // together: estimate how many hold them all, as if independent.
    let all = if counts.len() > 1 {
        let tickets: f32 = pg_class::table
            .filter(pg_class::relname.eq("tickets"))
            .select(pg_class::reltuples)
            .first(conn)?;
        let tickets = f64::from(tickets).max(1.0);
        counts
            .iter()
            .map(|&n| (n as f64 / tickets).min(1.0))
            .product::<f64>()
            * tickets
    } else {
        fewest
    };
    Ok(if all <= max {
        Plan::Words(groups)
    } else {
        // Held by many tickets: a walk finds a page sooner than reading every
        // ticket the index would name.
        Plan::Walk
    })
}

/// An FTS5 query for the rows holding the keyword's rarest trigrams (by
/// `frequency`): the rarest, and up to [`MAX_TRIGRAMS`] in all of those no
/// more frequent than `rare` (a common trigram narrows little and costs its
/// whole list of rows). `None` for a keyword shorter than three characters.
pub(crate) fn trigram_query(
    folded: &str,
    frequency: impl Fn(&str) -> usize,
    rare: usize,
) -> Option<String> {
    let chars: Vec<char> = folded.chars().collect();
    let mut trigrams: Vec<(usize, String)> = chars
        .windows(3)
        .map(|w| {
            let t: String = w.iter().collect();
            (frequency(&t), t)
        })
        .collect();
    trigrams.sort();
    trigrams.dedup();
    let rarest = trigrams.first()?.0;
    let quoted: Vec<String> = trigrams
        .iter()
        .take_while(|(f, _)| *f <= rarest.max(rare))
        .take(MAX_TRIGRAMS)
        .map(|(_, t)| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    Some(quoted.join(" AND "))
}

fn sqlite_plan(
    conn: &mut diesel::SqliteConnection,
    folded: &str,
    cache: &SampleCache,
    tuning: Tuning,
) -> QueryResult<Plan> {
    let sample = cache.get(conn)?;
    // Held by many tickets of the sample: walking finds a page quickly. (A
    // keyword is no more common than its rarest trigram: when that one is
    // rare, the sample need not be read.)
    let rarest = folded
        .chars()
        .collect::<Vec<char>>()
        .windows(3)
        .map(|w| sample.tickets_holding(&w.iter().collect::<String>()))
        .min();
    let common = |share: f64| share >= tuning.walk_share;
    let total = sample.len().max(1) as f64;
    if rarest.is_some_and(|n| common(n as f64 / total)) && common(sample.share_holding(folded)) {
        return Ok(Plan::Walk);
    }
    let rare = (sample.len() as f64 * tuning.walk_share) as usize;
    let Some(query) = trigram_query(folded, |t| sample.tickets_holding(t), rare) else {
        return Ok(Plan::Walk);
    };
    let limit = u64::try_from(tuning.max_candidates).unwrap_or(u64::MAX / 2) + 1;
    let ids: Vec<i64> = sql::TrigramMatches { query, limit }.load(conn)?;
    Ok(match ids.len() {
        0 => Plan::Nothing,
        n if n > tuning.max_candidates => Plan::Walk,
        _ => Plan::Candidates(ids),
    })
}

/// The share of the sample's tickets a keyword must be found in to be
/// served by a walk on SQLite (a walk then meets a match every 200 tickets
/// or sooner).
const WALK_SHARE: f64 = 0.005;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigram_queries_ask_for_the_rarest_trigrams_quoted() {
        let none = |_: &str| 0;
        assert_eq!(trigram_query("ab", none, 0), None);
        assert_eq!(trigram_query("abc", none, 0).as_deref(), Some("\"abc\""));
        assert_eq!(
            trigram_query("a\"bc", none, 0).as_deref(),
            Some("\"\"\"bc\" AND \"a\"\"b\"")
        );
        let common = |t: &str| if t.contains('e') { 100 } else { 1 };
        let q = trigram_query("chargeback", common, 10).unwrap_or_default();
        assert_eq!(q, "\"ack\" AND \"arg\" AND \"bac\"");
        // Only the rarest when the others are common.
        let one_rare = |t: &str| if t == "geb" { 0 } else { 500 };
        let q = trigram_query("chargeback", one_rare, 10).unwrap_or_default();
        assert_eq!(q, "\"geb\"");
    }
}
