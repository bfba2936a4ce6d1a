use crate::actor::UserType;
use crate::error::ValidationError;

/// Where a ticket stands. Codes and names are part of the published API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketStatus {
    /// 1: new or reopened, waiting for the desk.
    Open,
    /// 2: the desk is working on it.
    InProgress,
    /// 3: waiting for the customer.
    Pending,
    /// 4: the desk considers it solved; the customer may reopen it.
    Resolved,
    /// 5: finished; no more messages are taken.
    Closed,
}

impl TicketStatus {
    /// Every status, in code order.
    pub const ALL: [TicketStatus; 5] = [
        TicketStatus::Open,
        TicketStatus::InProgress,
        TicketStatus::Pending,
        TicketStatus::Resolved,
        TicketStatus::Closed,
    ];

    /// The status with the published code 1-5.
    pub fn from_code(code: i64) -> Result<Self, ValidationError> {
        match code {
            1 => Ok(TicketStatus::Open),
            2 => Ok(TicketStatus::InProgress),
            3 => Ok(TicketStatus::Pending),
            4 => Ok(TicketStatus::Resolved),
            5 => Ok(TicketStatus::Closed),
            _ => Err(ValidationError::new(
                "must be one of 1 (open), 2 (in_progress), 3 (pending), 4 (resolved), 5 (closed)",
            )),
        }
    }

    /// The published code, 1-5.
    pub fn code(self) -> i32 {
        match self {
            TicketStatus::Open => 1,
            TicketStatus::InProgress => 2,
            TicketStatus::Pending => 3,
            TicketStatus::Resolved => 4,
            TicketStatus::Closed => 5,
        }
    }

    /// The published name: `open`, `in_progress`, `pending`, `resolved`, `closed`.
    pub fn name(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::InProgress => "in_progress",
            TicketStatus::Pending => "pending",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Closed => "closed",
        }
    }

    /// Whether the ticket still takes messages.
    pub fn accepts_messages(self) -> bool {
        self != TicketStatus::Closed
    }

    /// Whether a user of kind `who` may move a ticket from `self` to `to`.
    ///
    /// Agents and admins may set any status. A customer may close its own ticket,
    /// or reopen its own resolved ticket; nothing else.
    pub fn may_change_to(self, to: TicketStatus, who: UserType) -> bool {
        match who {
            UserType::Agent | UserType::Admin => true,
            UserType::Customer => {
                to == TicketStatus::Closed
                    || (self == TicketStatus::Resolved && to == TicketStatus::Open)
            }
        }
    }
}

impl std::fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_the_published_ones() {
        let expected = [
            (1, "open"),
            (2, "in_progress"),
            (3, "pending"),
            (4, "resolved"),
            (5, "closed"),
        ];
        for (status, (code, name)) in TicketStatus::ALL.into_iter().zip(expected) {
            assert_eq!(status.code(), code);
            assert_eq!(status.name(), name);
            assert_eq!(TicketStatus::from_code(i64::from(code)), Ok(status));
        }
    }

    #[test]
    fn unknown_codes_are_refused() {
        for code in [0, 6, -1, i64::MAX] {
            assert!(TicketStatus::from_code(code).is_err(), "{code}");
        }
    }

    #[test]
    fn staff_may_set_any_status() {
        for from in TicketStatus::ALL {
            for to in TicketStatus::ALL {
                assert!(from.may_change_to(to, UserType::Agent));
                assert!(from.may_change_to(to, UserType::Admin));
            }
        }
    }

    #[test]
    fn customer_may_only_close_or_reopen_a_resolved_ticket() {
        for from in TicketStatus::ALL {
            for to in TicketStatus::ALL {
                let allowed = to == TicketStatus::Closed
                    || (from == TicketStatus::Resolved && to == TicketStatus::Open);
                assert_eq!(
                    from.may_change_to(to, UserType::Customer),
                    allowed,
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn only_a_closed_ticket_refuses_messages() {
        for s in TicketStatus::ALL {
            assert_eq!(s.accepts_messages(), s != TicketStatus::Closed);
        }
    }
}
