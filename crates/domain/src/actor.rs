use crate::error::ValidationError;

/// The kind of user acting: it decides what the user may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserType {
    /// A customer of the support desk: sees and acts on its own tickets only.
    Customer,
    /// A support agent: sees and works on every ticket.
    Agent,
    /// An administrator: everything an agent does, and manages categories.
    Admin,
}

impl UserType {
    /// Every user type, in order of increasing rights.
    pub const ALL: [UserType; 3] = [UserType::Customer, UserType::Agent, UserType::Admin];

    /// The name used on the wire and in storage: `customer`, `agent` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Customer => "customer",
            UserType::Agent => "agent",
            UserType::Admin => "admin",
        }
    }

    /// Reads a user type from its name; anything but the three names is refused.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s {
            "customer" => Ok(UserType::Customer),
            "agent" => Ok(UserType::Agent),
            "admin" => Ok(UserType::Admin),
            _ => Err(ValidationError::new(
                "must be one of customer, agent, admin",
            )),
        }
    }

    /// Whether this user works the desk (agent or admin) and so sees every ticket.
    pub fn is_staff(self) -> bool {
        matches!(self, UserType::Agent | UserType::Admin)
    }
}

impl std::fmt::Display for UserType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user id as the identity provider issues it (the token's `sub`): 1-128
/// characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

impl UserId {
    /// Wraps text read back from storage without checking it: rules apply to
    /// what comes in, and a rule tightened later must not make stored rows
    /// unreadable.
    pub fn from_stored(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// Checks and wraps a user id.
    pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
        let s = s.into();
        crate::rules::USER_ID.check_len(&s)?;
        if s.chars().any(char::is_control) {
            return Err(ValidationError::new("must not contain control characters"));
        }
        if s.trim() != s {
            return Err(ValidationError::new(
                "must not start or end with white space",
            ));
        }
        Ok(Self(s))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who is acting: the authenticated user behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's id.
    pub id: UserId,
    /// The user's kind.
    pub user_type: UserType,
}

impl Actor {
    /// An actor from its parts.
    pub fn new(id: UserId, user_type: UserType) -> Self {
        Self { id, user_type }
    }

    /// Whether this actor may see the ticket owned by `owner`: staff see every
    /// ticket, a customer only its own.
    pub fn can_see_ticket_of(&self, owner: &UserId) -> bool {
        self.user_type.is_staff() || &self.id == owner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_type_round_trips_through_its_name() {
        for t in UserType::ALL {
            assert_eq!(UserType::parse(t.as_str()), Ok(t));
        }
        assert!(UserType::parse("system").is_err());
        assert!(UserType::parse("Admin").is_err());
    }

    #[test]
    fn user_id_refuses_empty_long_and_control_characters() {
        assert!(UserId::parse("").is_err());
        assert!(UserId::parse("a".repeat(129)).is_err());
        assert!(UserId::parse("a\u{0}b").is_err());
        assert!(UserId::parse(" padded").is_err());
        assert_eq!(
            UserId::parse("user01").map(|u| u.as_str().to_owned()),
            Ok("user01".to_owned())
        );
    }

    #[test]
    fn customer_sees_only_own_tickets_and_staff_see_all() {
        let owner = UserId::parse("c1").unwrap();
        let other = UserId::parse("c2").unwrap();
        let customer = Actor::new(owner.clone(), UserType::Customer);
        assert!(customer.can_see_ticket_of(&owner));
        assert!(!customer.can_see_ticket_of(&other));
        for t in [UserType::Agent, UserType::Admin] {
            assert!(Actor::new(UserId::parse("s").unwrap(), t).can_see_ticket_of(&other));
        }
    }
}
