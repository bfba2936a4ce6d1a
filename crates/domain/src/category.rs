use crate::error::ValidationError;
use crate::ids::CategoryId;
use crate::ticket::Audit;

/// A category's name: 1-100 characters, not blank, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryName(String);

impl CategoryName {
    /// Wraps text read back from storage without checking it: rules apply to
    /// what comes in, and a rule tightened later must not make stored rows
    /// unreadable.
    pub fn from_stored(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// Checks and wraps a name.
    pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
        let s = s.into();
        crate::rules::CATEGORY_NAME.check_len(&s)?;
        if s.trim().is_empty() {
            return Err(ValidationError::new("must not be blank"));
        }
        if s.chars().any(char::is_control) {
            return Err(ValidationError::new("must not contain control characters"));
        }
        Ok(Self(s))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A ticket category. Categories have two levels: top-level ones, and
/// sub-categories whose parent is a top-level one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Its id.
    pub id: CategoryId,
    /// Its name.
    pub name: CategoryName,
    /// Its parent, for a sub-category.
    pub parent_id: Option<CategoryId>,
    /// Whether new tickets may use it.
    pub is_active: bool,
    /// Whether it is deleted.
    pub is_delete: bool,
    /// Who made and last changed it, and when.
    pub audit: Audit,
}

impl Category {
    /// Whether tickets may be filed under it now.
    pub fn is_usable(&self) -> bool {
        self.is_active && !self.is_delete
    }

    /// Whether it is a top-level category.
    pub fn is_top_level(&self) -> bool {
        self.parent_id.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_name_is_1_to_100_characters() {
        assert!(CategoryName::parse("Refund").is_ok());
        assert!(CategoryName::parse("").is_err());
        assert!(CategoryName::parse(" ").is_err());
        assert!(CategoryName::parse("c".repeat(101)).is_err());
    }
}
