//! The success envelopes: `{"status", "message", "data"}`.
//!
//! As the published API has it, the two list calls send `"status": "1"` (a
//! string) and every other success sends `"status": 1` (an integer).

use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::CountDto;

/// The envelope of a single-object success: `status` is the integer `1`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envelope<T> {
    /// Always `1`.
    #[schema(example = 1, minimum = 1, maximum = 1)]
    pub status: i32,
    /// What was done, for a person.
    pub message: String,
    /// The result.
    pub data: T,
}

impl<T> Envelope<T> {
    /// A success carrying `data`.
    pub fn ok(message: &str, data: T) -> Self {
        Self {
            status: 1,
            message: message.to_owned(),
            data,
        }
    }
}

/// The envelope of a list call: `status` is the string `"1"`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListEnvelope<T> {
    /// Always `"1"`.
    #[schema(example = "1", pattern = "^1$")]
    pub status: String,
    /// What was done, for a person.
    pub message: String,
    /// The rows, or `{"count": N, "capped": false}` when `count=true`.
    pub data: ListData<T>,
    /// On a page of rows: the `cursor` that reads the next page, or `null`
    /// on the last page. Absent from counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable = true, example = "MTp0Y2Q6MTc0MzUwMTYwMDAwMDAwMDoxMjM")]
    pub next_cursor: Option<Option<String>>,
}

impl<T> ListEnvelope<T> {
    /// A page of rows, and the cursor of the next page if there is one.
    pub fn page(message: &str, rows: Vec<T>, next_cursor: Option<String>) -> Self {
        Self {
            status: "1".to_owned(),
            message: message.to_owned(),
            data: ListData::Items(rows),
            next_cursor: Some(next_cursor),
        }
    }

    /// A count of the rows that match.
    pub fn count(message: &str, count: CountDto) -> Self {
        Self {
            status: "1".to_owned(),
            message: message.to_owned(),
            data: ListData::Count(count),
            next_cursor: None,
        }
    }
}

/// A page of rows, or their count.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ListData<T> {
    /// The rows of the page asked for.
    Items(Vec<T>),
    /// How many rows match (with `count=true`).
    Count(CountDto),
}
