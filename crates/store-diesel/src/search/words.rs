//! How the search index cuts text into words, and a keyword into the pieces
//! that words must contain. PostgreSQL's `ticketd_search_words` (in the
//! migrations) cuts stored text the same way: the two must agree, or an
//! indexed search would miss tickets.

/// Whether `c` belongs to a word: ASCII letters and digits, and every
/// character outside ASCII. ASCII punctuation, spaces and control characters
/// separate words. The rule does not depend on any locale.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || !c.is_ascii()
}

/// The longest word the index keeps whole, in characters; longer words are
/// kept as overlapping chunks of this length every [`CHUNK_STEP`] characters,
/// so that every run of up to `CHUNK_STEP` characters lies within one chunk.
pub(crate) const CHUNK_CHARS: usize = 400;
/// See [`CHUNK_CHARS`]. Keywords are shorter than this.
pub(crate) const CHUNK_STEP: usize = 200;

// A keyword's pieces must fit within one chunk, wherever they start.
const _: () = assert!(ticketd_domain::Keyword::MAX_CHARS <= CHUNK_STEP);
const _: () = assert!(CHUNK_CHARS >= 2 * CHUNK_STEP);

/// A maximal run of word characters in a folded keyword. Every ticket that
/// contains the keyword has a word (or chunk) that contains the piece, and
/// where the keyword shows a separator beside the piece, that word starts or
/// ends with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    /// The piece.
    pub text: String,
    /// The keyword has a separator right before the piece.
    pub starts_word: bool,
    /// The keyword has a separator right after the piece.
    pub ends_word: bool,
}

impl Piece {
    /// A LIKE pattern for the words (or chunks) that may hold this piece.
    /// Pieces hold no `%`, `_` or `\`: those are separators.
    pub(crate) fn word_pattern(&self) -> String {
        let lead = if self.starts_word { "" } else { "%" };
        let tail = if self.ends_word { "" } else { "%" };
        format!("{lead}{}{tail}", self.text)
    }

    /// Whether a trigram index can find the words of this piece: it needs a
    /// run of three characters, or an end of the word to anchor on.
    pub(crate) fn is_indexable(&self) -> bool {
        self.starts_word || self.ends_word || self.text.chars().count() >= 3
    }
}

/// The pieces of a folded keyword, in order.
pub(crate) fn pieces(keyword: &str) -> Vec<Piece> {
    let chars: Vec<char> = keyword.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_word_char(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_word_char(chars[i]) {
            i += 1;
        }
        out.push(Piece {
            text: chars[start..i].iter().collect(),
            starts_word: start > 0,
            ends_word: i < chars.len(),
        });
    }
    out
}

/// The words (and chunks of long words) of a folded text, as the index keeps
/// them: each once.
#[cfg(test)]
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
    {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() <= CHUNK_CHARS {
            out.push(word.to_owned());
            continue;
        }
        for start in (0..chars.len()).step_by(CHUNK_STEP) {
            let end = (start + CHUNK_CHARS).min(chars.len());
            out.push(chars[start..end].iter().collect());
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(pattern: &str, word: &str) -> bool {
        match (pattern.strip_prefix('%'), pattern.strip_suffix('%')) {
            (Some(rest), Some(_)) => word.contains(rest.trim_end_matches('%')),
            (Some(rest), None) => word.ends_with(rest),
            (None, Some(rest)) => word.starts_with(rest),
            (None, None) => word == pattern,
        }
    }

    #[test]
    fn words_split_at_ascii_punctuation_and_space_only() {
        assert_eq!(
            words("über-große, tkt-abc12 #123 a_b\\c —x é"),
            [
                "123", "a", "abc12", "b", "c", "große", "tkt", "é", "über", "—x"
            ]
        );
    }

    #[test]
    fn keyword_pieces_know_which_word_ends_they_show() {
        let p = pieces("refund for");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].word_pattern(), "%refund");
        assert_eq!(p[1].word_pattern(), "for%");
        assert_eq!(pieces("x-ray")[0].word_pattern(), "%x");
        assert_eq!(pieces(" of ")[0].word_pattern(), "of");
        assert_eq!(pieces("fund")[0].word_pattern(), "%fund%");
        assert!(pieces("50%").iter().all(|p| p.text == "50"));
        assert!(pieces("%_\\").is_empty());
        assert!(!pieces("ab")[0].is_indexable());
        assert!(pieces("ab ")[0].is_indexable());
    }

    /// Every piece of a keyword found in a text matches a word of the text by
    /// its pattern: the index never misses a ticket that holds the keyword.
    #[test]
    fn every_piece_of_a_contained_keyword_matches_a_word_of_the_text() {
        let long = format!("{}{}", "ab".repeat(300), "xyz".repeat(150));
        let texts = [
            "refund request for order #123456\nplease refund me\ntkt-7k3m9q2xab".to_owned(),
            "über große sorge — naïve café".to_owned(),
            format!("start {long} end"),
        ];
        for text in &texts {
            let chars: Vec<char> = text.chars().collect();
            let indexed = words(text);
            for start in 0..chars.len() {
                for len in 1..=CHUNK_STEP.min(chars.len() - start) {
                    let keyword: String = chars[start..start + len].iter().collect();
                    for piece in pieces(&keyword) {
                        let pattern = piece.word_pattern();
                        assert!(
                            indexed.iter().any(|w| like(&pattern, w)),
                            "{keyword:?}: no word matches {pattern:?}"
                        );
                    }
                }
            }
        }
    }
}
