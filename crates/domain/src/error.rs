/// Why a value was refused: a sentence for a person, naming no field.
///
/// The caller knows which field it was parsing and attaches the name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

impl ValidationError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Checks the length of `value` in characters (not bytes) against `min..=max`.
pub(crate) fn check_len(value: &str, min: usize, max: usize) -> Result<(), ValidationError> {
    let len = value.chars().count();
    if len < min {
        if min == 1 {
            return Err(ValidationError::new("must not be empty"));
        }
        return Err(ValidationError::new(format!(
            "must be at least {min} characters"
        )));
    }
    if len > max {
        return Err(ValidationError::new(format!(
            "must be at most {max} characters"
        )));
    }
    Ok(())
}
