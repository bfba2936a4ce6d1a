use crate::actor::UserType;
use crate::error::ValidationError;

/// Where a ticket stands. Codes and names are part of the published API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TicketStatus {
    /// 1: new or reopened, waiting for the desk.
    Open,
    /// 2: the desk is working on it.
    InProgress,
    /// 3: waiting for the customer.
    Pending,
    /// 4: the desk considers it solved; the customer may reopen it.
    Resolved,
    /// 5: finished and final; a later request becomes a new ticket.
    Closed,
}

/// Why a status change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// Nobody may make this change (`closed` is final, for one). Carries the
    /// statuses the ticket may move to.
    NotAllowed {
        /// The status now.
        from: TicketStatus,
        /// The status asked for.
        to: TicketStatus,
        /// Where the ticket may go from `from`, for anyone.
        allowed: Vec<TicketStatus>,
    },
    /// Someone may, but not this kind of user. Carries what this user may do.
    Forbidden {
        /// The status now.
        from: TicketStatus,
        /// The status asked for.
        to: TicketStatus,
        /// Where this user may move the ticket from `from`.
        allowed: Vec<TicketStatus>,
    },
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
        Self::ALL
            .into_iter()
            .find(|s| i64::from(s.code()) == code)
            .ok_or_else(Self::invalid)
    }

    /// The status with this published name.
    pub fn from_name(name: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(Self::invalid)
    }

    fn invalid() -> ValidationError {
        ValidationError::new(
            "must be one of 1 (open), 2 (in_progress), 3 (pending), 4 (resolved), 5 (closed)",
        )
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

    /// Whether the ticket still takes messages and changes.
    pub fn is_final(self) -> bool {
        self == TicketStatus::Closed
    }

    /// Whether the ticket still takes messages.
    pub fn accepts_messages(self) -> bool {
        !self.is_final()
    }

    /// Where a ticket may move from `self`, for anyone: the workflow's edges.
    pub fn next(self) -> &'static [TicketStatus] {
        use TicketStatus::*;
        match self {
            Open => &[InProgress, Pending, Resolved, Closed],
            InProgress => &[Open, Pending, Resolved, Closed],
            Pending => &[Open, InProgress, Resolved, Closed],
            Resolved => &[Open, InProgress, Closed],
            Closed => &[],
        }
    }

    /// Whether a user of kind `who` may make the change `self` -> `to` (an edge of
    /// the workflow). Staff may make every edge; a customer may close its ticket,
    /// or reopen a resolved one.
    fn may_take(self, to: TicketStatus, who: UserType) -> bool {
        self.next().contains(&to)
            && match who {
                UserType::Agent | UserType::Admin => true,
                UserType::Customer => {
                    to == TicketStatus::Closed
                        || (self == TicketStatus::Resolved && to == TicketStatus::Open)
                }
            }
    }

    /// Where a user of kind `who` may move a ticket from `self`.
    pub fn next_for(self, who: UserType) -> Vec<TicketStatus> {
        self.next()
            .iter()
            .copied()
            .filter(|to| self.may_take(*to, who))
            .collect()
    }

    /// Checks a change of status by a user of kind `who`. Staying in the same
    /// status is not a change and is always allowed.
    pub fn check_change(self, to: TicketStatus, who: UserType) -> Result<(), TransitionError> {
        if self == to || self.may_take(to, who) {
            Ok(())
        } else if self.next().contains(&to) {
            Err(TransitionError::Forbidden {
                from: self,
                to,
                allowed: self.next_for(who),
            })
        } else {
            Err(TransitionError::NotAllowed {
                from: self,
                to,
                allowed: self.next().to_vec(),
            })
        }
    }

    /// Whether a reply from a user of kind `who` moves the ticket back to `open`:
    /// a customer answering while the desk waits for it or thinks it solved.
    pub fn reopens_on_reply_from(self, who: UserType) -> bool {
        who == UserType::Customer && matches!(self, TicketStatus::Pending | TicketStatus::Resolved)
    }
}

impl std::fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::TicketStatus::*;
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
            assert_eq!(TicketStatus::from_name(name), Ok(status));
        }
    }

    #[test]
    fn unknown_codes_and_names_are_refused() {
        for code in [0, 6, -1, i64::MAX] {
            assert!(TicketStatus::from_code(code).is_err(), "{code}");
        }
        assert!(TicketStatus::from_name("Open").is_err());
        assert!(TicketStatus::from_name("done").is_err());
    }

    /// The whole table: every pair of statuses, for every kind of user.
    /// `S` = staff only, `A` = staff and customers, `-` = nobody, `=` = no change.
    #[test]
    fn the_transition_table_holds_for_every_pair_and_every_role() {
        let table = [
            //            open  in_progress pending resolved closed
            (Open, ["=", "S", "S", "S", "A"]),
            (InProgress, ["S", "=", "S", "S", "A"]),
            (Pending, ["S", "S", "=", "S", "A"]),
            (Resolved, ["A", "S", "-", "=", "A"]),
            (Closed, ["-", "-", "-", "-", "="]),
        ];
        for (from, row) in table {
            for (to, cell) in TicketStatus::ALL.into_iter().zip(row) {
                for who in UserType::ALL {
                    let result = from.check_change(to, who);
                    let allowed = match cell {
                        "=" => true,
                        "A" => true,
                        "S" => who.is_staff(),
                        _ => false,
                    };
                    assert_eq!(result.is_ok(), allowed, "{who}: {from} -> {to}: {result:?}");
                    match (cell, &result) {
                        ("-", Err(TransitionError::NotAllowed { allowed, .. })) => {
                            assert_eq!(allowed, &from.next().to_vec());
                        }
                        ("S", Err(TransitionError::Forbidden { allowed, .. })) => {
                            assert_eq!(allowed, &from.next_for(who));
                        }
                        (_, Ok(())) => {}
                        (_, other) => panic!("{who}: {from} -> {to}: unexpected {other:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn closed_is_final() {
        assert!(Closed.next().is_empty());
        assert!(Closed.is_final());
        assert!(!Closed.accepts_messages());
        for s in [Open, InProgress, Pending, Resolved] {
            assert!(s.accepts_messages());
        }
    }

    #[test]
    fn a_customer_reply_reopens_only_pending_and_resolved_tickets() {
        for s in TicketStatus::ALL {
            assert_eq!(
                s.reopens_on_reply_from(UserType::Customer),
                matches!(s, Pending | Resolved)
            );
            assert!(!s.reopens_on_reply_from(UserType::Agent));
            assert!(!s.reopens_on_reply_from(UserType::Admin));
        }
    }
}
