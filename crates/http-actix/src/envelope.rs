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
pub struct ListEnvelope<T> {
    /// Always `"1"`.
    #[schema(example = "1", pattern = "^1$")]
    pub status: String,
    /// What was done, for a person.
    pub message: String,
    /// The rows, or `{"count": N}` when `count=true`.
    pub data: ListData<T>,
}

impl<T> ListEnvelope<T> {
    /// A list success.
    pub fn ok(message: &str, data: ListData<T>) -> Self {
        Self {
            status: "1".to_owned(),
            message: message.to_owned(),
            data,
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
