use ticketd_ports::RepoError;

/// One field that failed validation, named as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field, e.g. `subject` or `attachments[1].filePath`.
    pub field: String,
    /// What is wrong with it, for a person.
    pub message: String,
}

impl FieldError {
    /// A field error from its parts.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why a use case refused or failed. Each maps to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input is invalid; each field says why.
    #[error("the request is invalid")]
    Invalid(Vec<FieldError>),
    /// The thing does not exist, or the actor may not know it does.
    #[error("{0}")]
    NotFound(String),
    /// The request names other records (a category, an assignee) that do not
    /// exist or cannot be used; each field says which.
    #[error("the request names records that do not exist")]
    Unresolved(Vec<FieldError>),
    /// The actor may see the thing but not do this to it.
    #[error("{0}")]
    Forbidden(String),
    /// The change conflicts with the thing's state.
    #[error("{0}")]
    Conflict(String),
    /// The client decided on a version of the thing that is no longer current
    /// (a failed precondition, such as `If-Match`).
    #[error("{0}")]
    Stale(String),
    /// An upload is larger than a limit allows.
    #[error("{0}")]
    TooLarge(String),
    /// An upload's content is of a type that is not accepted.
    #[error("{0}")]
    UnsupportedType(String),
    /// Storage cannot be reached now.
    #[error("the service is temporarily unavailable")]
    Unavailable(String),
    /// A bug or corrupt data: logged, never shown.
    #[error("internal error")]
    Unexpected(#[source] anyhow::Error),
}

impl AppError {
    /// An `Unresolved` error about one field.
    pub fn unresolved(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Unresolved(vec![FieldError::new(field, message)])
    }

    /// An `Invalid` error about one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<RepoError> for AppError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => AppError::NotFound("not found".into()),
            RepoError::Conflict(m) => AppError::Conflict(m),
            RepoError::Unavailable(m) => AppError::Unavailable(m),
            RepoError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}
