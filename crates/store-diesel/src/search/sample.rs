//! A random sample of tickets' text (SQLite), to guess how many tickets hold
//! a keyword and which of its trigrams are rare, without asking the index:
//! counting a common trigram's tickets there costs as much as reading them.
//! The guesses choose how a keyword is served, never which tickets answer.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::schema::tickets;

/// Tickets in a sample.
const SAMPLE_TICKETS: usize = 2_000;
/// How long a sample is used before it is taken again.
const SAMPLE_AGE: Duration = Duration::from_secs(600);

/// The text of some tickets, and in how many of them each trigram occurs.
#[derive(Debug, Default)]
pub(crate) struct Sample {
    texts: Vec<String>,
    trigrams: HashMap<String, usize>,
}

impl Sample {
    fn new(texts: Vec<String>) -> Self {
        let mut trigrams: HashMap<String, usize> = HashMap::new();
        for text in &texts {
            let chars: Vec<char> = text.chars().collect();
            let mut seen: Vec<String> = chars.windows(3).map(|w| w.iter().collect()).collect();
            seen.sort();
            seen.dedup();
            for t in seen {
                *trigrams.entry(t).or_default() += 1;
            }
        }
        Self { texts, trigrams }
    }

    /// How many tickets the sample holds.
    pub(crate) fn len(&self) -> usize {
        self.texts.len()
    }

    /// The share of the sample's tickets whose text holds `folded`.
    pub(crate) fn share_holding(&self, folded: &str) -> f64 {
        if self.texts.is_empty() {
            return 0.0;
        }
        let n = self.texts.iter().filter(|t| t.contains(folded)).count();
        n as f64 / self.texts.len() as f64
    }

    /// How many of the sample's tickets hold the trigram `t`.
    pub(crate) fn tickets_holding(&self, t: &str) -> usize {
        self.trigrams.get(t).copied().unwrap_or(0)
    }
}

/// The current sample, taken again when it is old.
#[derive(Default)]
pub(crate) struct SampleCache(RwLock<Option<(Instant, Arc<Sample>)>>);

impl SampleCache {
    /// The sample, taken now from `conn` if there is none or it is old.
    pub(crate) fn get(&self, conn: &mut diesel::SqliteConnection) -> QueryResult<Arc<Sample>> {
        if let Some((taken, sample)) = &*self.0.read().unwrap_or_else(|e| e.into_inner())
            && taken.elapsed() < SAMPLE_AGE
        {
            return Ok(sample.clone());
        }
        let sample = Arc::new(take(conn)?);
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), sample.clone()));
        Ok(sample)
    }
}

/// Reads the text of up to [`SAMPLE_TICKETS`] tickets at ids spread at random
/// over the table.
fn take(conn: &mut diesel::SqliteConnection) -> QueryResult<Sample> {
    use rand::Rng;
    let (low, high): (Option<i64>, Option<i64>) = tickets::table
        .select((diesel::dsl::min(tickets::id), diesel::dsl::max(tickets::id)))
        .first(conn)?;
    let (Some(low), Some(high)) = (low, high) else {
        return Ok(Sample::default());
    };
    let mut rng = rand::rng();
    let mut ids: Vec<i64> = (0..SAMPLE_TICKETS)
        .map(|_| rng.random_range(low..=high))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut texts = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let found: Vec<String> = tickets::table
            .filter(tickets::id.eq_any(chunk))
            .select(tickets::search_text)
            .load(conn)?;
        texts.extend(found);
    }
    Ok(Sample::new(texts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_counts_tickets_not_occurrences() {
        let s = Sample::new(vec!["refund refund".into(), "no".into(), "refunded".into()]);
        assert_eq!(s.tickets_holding("ref"), 2);
        assert_eq!(s.tickets_holding("xyz"), 0);
        assert!((s.share_holding("refund") - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(Sample::default().share_holding("x"), 0.0);
    }
}
