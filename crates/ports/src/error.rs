/// What can go wrong in a storage port, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The record does not exist (or is deleted).
    #[error("not found")]
    NotFound,
    /// The change conflicts with the stored state: a duplicate, or a record that
    /// changed since it was read. The text says what, for a person.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The store cannot be reached now; trying again later may work.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or corrupt data. Logged, never shown to clients.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}
