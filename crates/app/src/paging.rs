//! Pages of lists: where the next one starts (an opaque cursor for clients),
//! and counts that stop at a cap.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ticketd_ports::{Page, Position, SortField, TicketSort};

use crate::FieldError;
use crate::error::AppError;

/// The most matches a count reports exactly; past it the count answers this
/// number and says that it is capped.
pub const COUNT_CAP: u64 = 10_000;

/// The most rows `offset` may skip: deeper pages are read with a cursor,
/// whose cost does not grow with the depth.
pub const MAX_OFFSET: u64 = 10_000;

/// How many rows match, exactly up to [`COUNT_CAP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// The number of matches, or [`COUNT_CAP`] when there are more.
    pub value: u64,
    /// Whether there are more matches than `value`.
    pub capped: bool,
}

impl Count {
    /// The count of a store that counted up to `COUNT_CAP + 1`.
    pub(crate) fn from_counted(n: u64) -> Self {
        if n > COUNT_CAP {
            Self {
                value: COUNT_CAP,
                capped: true,
            }
        } else {
            Self {
                value: n,
                capped: false,
            }
        }
    }
}

/// A page a client asks for: `limit` rows, after skipping `offset` rows,
/// from the start or right after the page a `cursor` came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// How many rows at most (at most [`MAX_LIMIT`](crate::MAX_LIMIT)).
    pub limit: u32,
    /// How many rows to skip (at most [`MAX_OFFSET`]).
    pub offset: u64,
    /// A `nextCursor` from the page before.
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The first `limit` rows.
    pub fn first(limit: u32) -> Self {
        Self {
            limit,
            offset: 0,
            cursor: None,
        }
    }

    /// What holds of a page request whatever the list, for calls that read
    /// no page (a count) too: `offset` within [`MAX_OFFSET`], and a `cursor`
    /// in the form this server makes.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        self.checked().map(|_| ())
    }

    /// [`check`](Self::check), giving the cursor read.
    fn checked(&self) -> Result<Option<Cursor>, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.offset > MAX_OFFSET {
            errors.push(FieldError::new(
                "offset",
                format!(
                    "must be at most {MAX_OFFSET}; read deeper with `cursor` (each page's nextCursor)"
                ),
            ));
        }
        let cursor = match self.cursor.as_deref().map(Cursor::parse).transpose() {
            Ok(cursor) => cursor,
            Err(e) => {
                errors.push(FieldError::new("cursor", e.to_string()));
                None
            }
        };
        if errors.is_empty() {
            Ok(cursor)
        } else {
            Err(errors)
        }
    }

    /// The page to read from the store for a list in `order`: one row more
    /// than asked, to learn whether another page follows.
    pub(crate) fn resolve(&self, order: ListOrder) -> Result<Page, AppError> {
        let after = match self.checked().map_err(AppError::Invalid)? {
            None => None,
            Some(cursor) => Some(
                cursor
                    .continuing(order)
                    .map_err(|e| AppError::invalid("cursor", e.to_string()))?
                    .position,
            ),
        };
        Ok(Page {
            limit: self.limit.min(crate::MAX_LIMIT) + 1,
            offset: self.offset,
            after,
        })
    }
}

/// A page of a list, and where the next one starts if there are more rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage<T> {
    /// The rows, in the list's order.
    pub rows: Vec<T>,
    /// The cursor of the next page; `None` on the last page.
    pub next: Option<Cursor>,
}

impl<T> ListPage<T> {
    /// The page of `limit` rows out of `rows`, read with one row more than
    /// the page holds to learn whether another page follows.
    pub(crate) fn from_rows(
        mut rows: Vec<T>,
        limit: u32,
        order: ListOrder,
        position: impl Fn(&T) -> Position,
    ) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more {
            rows.last().map(|last| Cursor {
                order,
                position: position(last),
            })
        } else {
            None
        };
        Self { rows, next }
    }
}

/// The order a cursor was made for: a cursor only continues the list and
/// order it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    /// Tickets, in this order.
    Tickets(TicketSort),
    /// Audit-log entries, oldest first (`true`) or newest first.
    Logs {
        /// Oldest first.
        oldest_first: bool,
    },
    /// Events, in the order they became readable.
    Events,
    /// An endpoint's webhook deliveries, newest first.
    Deliveries,
}

/// Where a page of a list starts: the position of the last row of the page
/// before, in the order of its list. Clients see it as an opaque text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The list and order it continues.
    pub order: ListOrder,
    /// The last row already read.
    pub position: Position,
}

/// Why a cursor text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// It is not a cursor this server made.
    #[error("is not a cursor from this list's nextCursor")]
    Malformed,
    /// It was made for another list or order.
    #[error("belongs to another list or sort order; keep the sort of the page it came from")]
    OtherOrder,
}

fn field_code(field: SortField) -> &'static str {
    match field {
        SortField::CreatedDate => "c",
        SortField::ModifiedDate => "m",
        SortField::Priority => "p",
        SortField::Status => "s",
        SortField::Id => "i",
        SortField::FirstResponseDue => "f",
        SortField::ResolutionDue => "r",
    }
}

fn field_of(code: &str) -> Option<SortField> {
    Some(match code {
        "c" => SortField::CreatedDate,
        "m" => SortField::ModifiedDate,
        "p" => SortField::Priority,
        "s" => SortField::Status,
        "i" => SortField::Id,
        "f" => SortField::FirstResponseDue,
        "r" => SortField::ResolutionDue,
        _ => return None,
    })
}

fn direction(descending: bool) -> &'static str {
    if descending { "d" } else { "a" }
}

impl ListOrder {
    fn code(self) -> String {
        match self {
            ListOrder::Tickets(sort) => {
                format!("t{}{}", field_code(sort.field), direction(sort.descending))
            }
            ListOrder::Logs { oldest_first } => format!("l{}", direction(!oldest_first)),
            ListOrder::Events => "e".to_owned(),
            ListOrder::Deliveries => "w".to_owned(),
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        let descending = |d: &str| match d {
            "d" => Some(true),
            "a" => Some(false),
            _ => None,
        };
        match (code.get(..1)?, code.len()) {
            ("t", 3) => Some(ListOrder::Tickets(TicketSort {
                field: field_of(code.get(1..2)?)?,
                descending: descending(code.get(2..3)?)?,
            })),
            ("l", 2) => Some(ListOrder::Logs {
                oldest_first: !descending(code.get(1..2)?)?,
            }),
            ("e", 1) => Some(ListOrder::Events),
            ("w", 1) => Some(ListOrder::Deliveries),
            _ => None,
        }
    }
}

impl Cursor {
    /// The text clients send back as `cursor`.
    pub fn encode(&self) -> String {
        let plain = format!(
            "1:{}:{}:{}",
            self.order.code(),
            self.position.value,
            self.position.id
        );
        URL_SAFE_NO_PAD.encode(plain)
    }

    /// Reads a cursor text, which must continue a list in `order`.
    pub fn decode(text: &str, order: ListOrder) -> Result<Self, CursorError> {
        Self::parse(text)?.continuing(order)
    }

    /// This cursor, if it continues a list in `order`.
    fn continuing(self, order: ListOrder) -> Result<Self, CursorError> {
        if self.order == order {
            Ok(self)
        } else {
            Err(CursorError::OtherOrder)
        }
    }

    /// Reads a cursor text, whatever list it continues.
    fn parse(text: &str) -> Result<Self, CursorError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| CursorError::Malformed)?;
        let plain = String::from_utf8(bytes).map_err(|_| CursorError::Malformed)?;
        let mut parts = plain.split(':');
        let (Some("1"), Some(code), Some(value), Some(id), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(CursorError::Malformed);
        };
        let made_for = ListOrder::from_code(code).ok_or(CursorError::Malformed)?;
        let position = Position {
            value: value.parse().map_err(|_| CursorError::Malformed)?,
            id: id.parse().map_err(|_| CursorError::Malformed)?,
        };
        Ok(Self {
            order: made_for,
            position,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tickets(field: SortField, descending: bool) -> ListOrder {
        ListOrder::Tickets(TicketSort { field, descending })
    }

    #[test]
    fn cursors_read_back_what_they_encode_for_every_order() {
        let orders = [
            tickets(SortField::CreatedDate, true),
            tickets(SortField::ModifiedDate, false),
            tickets(SortField::Priority, true),
            tickets(SortField::Status, false),
            tickets(SortField::Id, true),
            ListOrder::Logs { oldest_first: true },
            ListOrder::Logs {
                oldest_first: false,
            },
            ListOrder::Events,
            ListOrder::Deliveries,
        ];
        for order in orders {
            let c = Cursor {
                order,
                position: Position {
                    value: -1_743_501_600_000_000,
                    id: 42,
                },
            };
            let text = c.encode();
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            assert_eq!(Cursor::decode(&text, order), Ok(c));
        }
    }

    #[test]
    fn a_cursor_continues_only_its_own_list_and_order() {
        let c = Cursor {
            order: tickets(SortField::CreatedDate, true),
            position: Position { value: 5, id: 6 },
        };
        let text = c.encode();
        assert_eq!(
            Cursor::decode(&text, tickets(SortField::CreatedDate, false)),
            Err(CursorError::OtherOrder)
        );
        assert_eq!(
            Cursor::decode(&text, ListOrder::Logs { oldest_first: true }),
            Err(CursorError::OtherOrder)
        );
    }

    #[test]
    fn texts_that_are_not_cursors_are_refused() {
        let order = tickets(SortField::Id, true);
        for bad in [
            "",
            "!!",
            "abc",
            &URL_SAFE_NO_PAD.encode("1:tid:x:1"),
            &URL_SAFE_NO_PAD.encode("2:tid:1:1"),
            &URL_SAFE_NO_PAD.encode("1:tid:1:1:1"),
            &URL_SAFE_NO_PAD.encode("1:tzd:1:1"),
        ] {
            assert_eq!(
                Cursor::decode(bad, order),
                Err(CursorError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn counts_past_the_cap_say_so() {
        assert_eq!(
            Count::from_counted(COUNT_CAP),
            Count {
                value: COUNT_CAP,
                capped: false
            }
        );
        assert_eq!(
            Count::from_counted(COUNT_CAP + 1),
            Count {
                value: COUNT_CAP,
                capped: true
            }
        );
    }

    #[test]
    fn a_page_read_with_one_row_more_has_a_next_cursor() {
        let order = tickets(SortField::Id, true);
        let pos = |v: &i64| Position { value: *v, id: *v };
        let page = ListPage::from_rows(vec![9, 8, 7], 2, order, pos);
        assert_eq!(page.rows, vec![9, 8]);
        assert_eq!(page.next.map(|c| c.position.id), Some(8));
        let last = ListPage::from_rows(vec![9, 8], 2, order, pos);
        assert_eq!(last.next, None);
    }
}
