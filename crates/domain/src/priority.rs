use crate::error::ValidationError;

/// How urgent a ticket is. Codes and names are part of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Priority {
    /// 1
    Low,
    /// 2, the default.
    #[default]
    Normal,
    /// 3
    High,
    /// 4
    Urgent,
}

impl Priority {
    /// Every priority, in code order.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    /// The priority with the code 1-4.
    pub fn from_code(code: i64) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|p| i64::from(p.code()) == code)
            .ok_or_else(Self::invalid)
    }

    /// The priority with this name (`low`, `normal`, `high`, `urgent`).
    pub fn from_name(name: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(Self::invalid)
    }

    fn invalid() -> ValidationError {
        ValidationError::new("must be one of 1 (low), 2 (normal), 3 (high), 4 (urgent)")
    }

    /// The code, 1-4.
    pub fn code(self) -> i32 {
        match self {
            Priority::Low => 1,
            Priority::Normal => 2,
            Priority::High => 3,
            Priority::Urgent => 4,
        }
    }

    /// The name.
    pub fn name(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip_and_normal_is_the_default() {
        for (p, (code, name)) in
            Priority::ALL
                .into_iter()
                .zip([(1, "low"), (2, "normal"), (3, "high"), (4, "urgent")])
        {
            assert_eq!((p.code(), p.name()), (code, name));
            assert_eq!(Priority::from_code(i64::from(code)), Ok(p));
            assert_eq!(Priority::from_name(name), Ok(p));
        }
        assert_eq!(Priority::default(), Priority::Normal);
        assert!(Priority::from_code(0).is_err());
        assert!(Priority::from_code(5).is_err());
        assert!(Priority::from_name("High").is_err());
    }
}
