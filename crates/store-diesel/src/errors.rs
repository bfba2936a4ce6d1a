//! Database errors as the ports name them, and LIKE patterns.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use ticketd_ports::RepoError;

/// The error of a transaction: the work's own, or diesel's (commit, rollback).
pub(crate) enum TxError {
    Repo(RepoError),
    Diesel(DieselError),
}

impl From<DieselError> for TxError {
    fn from(e: DieselError) -> Self {
        TxError::Diesel(e)
    }
}

impl TxError {
    pub(crate) fn into_repo(self) -> RepoError {
        match self {
            TxError::Repo(e) => e,
            TxError::Diesel(e) => db_error(e),
        }
    }
}

/// Maps a diesel error to what a caller can act on.
pub(crate) fn db_error(e: DieselError) -> RepoError {
    match e {
        DieselError::NotFound => RepoError::NotFound,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            // The database's own words name tables and constraints: they go to
            // the log; callers get a stable message.
            log::warn!(
                "a write conflicted with stored data: {} (constraint {})",
                info.message(),
                info.constraint_name().unwrap_or("unnamed")
            );
            RepoError::Conflict(unique_conflict(info.message(), info.constraint_name()).into())
        }
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            info,
        ) => RepoError::Unavailable(info.message().to_owned()),
        DieselError::DatabaseError(_, info)
            if info.message().contains("database is locked")
                || info.message().contains("terminating connection")
                || info.message().contains("server closed the connection")
                || info
                    .message()
                    .contains("canceling statement due to statement timeout") =>
        {
            RepoError::Unavailable(info.message().to_owned())
        }
        other => RepoError::Unexpected(anyhow::Error::new(other)),
    }
}

/// What a unique violation means, in words fit for a client: which record
/// already exists, told from the constraint (PostgreSQL) or the columns the
/// message names (SQLite).
fn unique_conflict(message: &str, constraint: Option<&str>) -> &'static str {
    let about = |what: &str| constraint.is_some_and(|c| c.contains(what)) || message.contains(what);
    if about("ticket_categories") {
        "a category with this name already exists at this level"
    } else if about("ticket_attachments") || about("upload") {
        "the upload is already attached to a message"
    } else if about("ref_id") {
        "the ticket's reference was taken meanwhile; send the request again"
    } else if about("idempotency") {
        "the idempotency key is in use by another request"
    } else {
        "the change conflicts with data stored meanwhile; read again and retry"
    }
}

/// Escapes `%`, `_` and `\` so that a user's text matches literally in LIKE.
pub(crate) fn like_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}
