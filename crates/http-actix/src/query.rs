//! Reading the query string: paging (`limit`, `offset`, `cursor`,
//! `count`), flags, times, ids, and the ticket list's filters and sort. Every
//! invalid parameter is collected, so one answer names them all.

use actix_web::{HttpRequest, web};
use ticketd_app::{
    DEFAULT_LIMIT, FieldError, MAX_LIMIT, PageRequest, SortField, TicketQuery, TicketSort,
};
use ticketd_domain::{CategoryId, Keyword, Priority, TicketId, TicketStatus, UserId};

use crate::error::ApiError;

/// A whole number from 0 to `i64::MAX`, in plain digits.
fn query_number(name: &str, raw: Option<&str>) -> Result<Option<u64>, FieldError> {
    let Some(s) = raw else {
        return Ok(None);
    };
    digits(s)
        .map(Some)
        .ok_or_else(|| FieldError::new(name, "must be a whole number, 0 or more"))
}

/// Plain decimal digits (no sign, no blanks) within `0..=i64::MAX`, the
/// document's `int64`.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok().and_then(|n| u64::try_from(n).ok())
}

/// `limit` and `offset` as the contract reads them: limit 10 by default and at
/// most 100; offset 0 by default. The cursor is read as it is: the desk
/// decides whether it continues the list.
pub(crate) fn page(
    limit: Option<&str>,
    offset: Option<&str>,
    cursor: Option<&str>,
) -> Result<PageRequest, Vec<FieldError>> {
    match (query_number("limit", limit), query_number("offset", offset)) {
        (Ok(limit), Ok(offset)) => Ok(PageRequest {
            limit: limit.map_or(DEFAULT_LIMIT, |l| {
                u32::try_from(l.min(u64::from(MAX_LIMIT))).unwrap_or(MAX_LIMIT)
            }),
            offset: offset.unwrap_or(0),
            cursor: cursor.map(str::to_owned),
        }),
        (limit, offset) => Err([limit.err(), offset.err()].into_iter().flatten().collect()),
    }
}

/// The query string as name -> values: a name may repeat, and a value may
/// hold several comma-separated items.
#[derive(Debug, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Reads the request's query string.
    pub fn parse(req: &HttpRequest) -> Result<Self, ApiError> {
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| Self(q.into_inner()))
            .map_err(|e| ApiError::invalid_field("query", e.to_string()))
    }

    /// The first value of `name`.
    pub fn one(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every item of `name`: all its values, split at commas. Items are taken
    /// as they are: an empty one is an invalid one.
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .collect()
    }
}

/// A point in time from the query string: RFC 3339 (`2025-04-01T10:00:00Z`),
/// or a date (`2025-04-01`), read as the start of that day in UTC, or with
/// `end_of_day` as its last second.
pub(crate) fn query_time(
    name: &str,
    raw: Option<&str>,
    end_of_day: bool,
) -> Result<Option<ticketd_domain::Timestamp>, FieldError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&chrono::Utc)));
    }
    let day = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            name,
            "must be a date (2025-04-01) or an RFC 3339 time (2025-04-01T10:00:00Z)",
        )
    })?;
    let time = if end_of_day {
        day.and_hms_opt(23, 59, 59)
    } else {
        day.and_hms_opt(0, 0, 0)
    };
    Ok(time.map(|t| t.and_utc()))
}

/// A flag: `true`, `false`, `1` or `0`; absent means false.
pub(crate) fn flag(name: &str, raw: Option<&str>) -> Result<bool, FieldError> {
    match raw {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(_) => Err(FieldError::new(name, "must be true, false, 1 or 0")),
    }
}

/// The ticket id of the path (`{id}`).
pub(crate) fn path_ticket_id(raw: &str) -> Result<TicketId, ApiError> {
    ticket_id("id", raw).map_err(|e| ApiError::invalid(vec![e]))
}

/// An id from the path or the query string.
pub(crate) fn ticket_id(name: &str, raw: &str) -> Result<TicketId, FieldError> {
    digits(raw)
        .and_then(|n| i64::try_from(n).ok())
        .filter(|n| *n > 0)
        .map(TicketId)
        .ok_or_else(|| FieldError::new(name, "must be a positive integer"))
}

/// Every item of the list parameter `name`, each parsed by `parse`; an
/// invalid one is added to `errors`, naming the item.
fn list_param<T>(
    q: &QueryParams,
    name: &str,
    errors: &mut Vec<FieldError>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Vec<T> {
    let mut out = Vec::new();
    for raw in q.list(name) {
        match parse(raw) {
            Ok(v) => out.push(v),
            Err(why) => errors.push(FieldError::new(name, format!("{raw:?} {why}"))),
        }
    }
    out
}

/// A positive id of at most 18 digits, as the document's pattern has it.
fn positive(raw: &str) -> Result<i64, String> {
    Some(raw)
        .filter(|r| (1..=18).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|r| r.parse::<i64>().ok())
        .filter(|v| *v > 0)
        .ok_or_else(|| "is not a positive id".into())
}

fn sort(raw: Option<&str>) -> Result<TicketSort, FieldError> {
    let Some(raw) = raw else {
        return Ok(TicketSort::default());
    };
    let (name, descending) = match raw.split_once(':') {
        Some((name, "desc")) => (name, true),
        Some((name, "asc")) => (name, false),
        Some(_) => return Err(FieldError::new("sort", "direction must be asc or desc")),
        None => match raw.strip_prefix('-') {
            Some(name) => (name, true),
            None => (raw, false),
        },
    };
    let field = match name {
        "createdDate" => SortField::CreatedDate,
        "modifiedDate" => SortField::ModifiedDate,
        "priority" => SortField::Priority,
        "status" => SortField::Status,
        "id" => SortField::Id,
        "firstResponseDueAt" => SortField::FirstResponseDue,
        "resolutionDueAt" => SortField::ResolutionDue,
        _ => {
            return Err(FieldError::new(
                "sort",
                "must be one of createdDate, modifiedDate, priority, status, id, \
                 firstResponseDueAt, resolutionDueAt (- for descending)",
            ));
        }
    };
    Ok(TicketSort { field, descending })
}

/// Reads the ticket list's filters, collecting every invalid one.
pub(crate) fn ticket_query(q: &QueryParams, errors: &mut Vec<FieldError>) -> TicketQuery {
    let mut f = TicketQuery {
        keyword: Keyword::parse(q.one("keyword").unwrap_or(""))
            .map_err(|e| errors.push(FieldError::new("keyword", e.0)))
            .ok()
            .flatten(),
        statuses: list_param(q, "status", errors, |raw| match raw.parse::<i64>() {
            Ok(code) => TicketStatus::from_code(code).map_err(|e| e.0),
            Err(_) => TicketStatus::from_name(raw).map_err(|e| e.0),
        }),
        priorities: list_param(q, "priority", errors, |raw| match raw.parse::<i64>() {
            Ok(code) => Priority::from_code(code).map_err(|e| e.0),
            Err(_) => Priority::from_name(raw).map_err(|e| e.0),
        }),
        category_ids: list_param(q, "categoryId", errors, |raw| positive(raw).map(CategoryId)),
        sub_category_ids: list_param(q, "subCategoryId", errors, |raw| {
            positive(raw).map(CategoryId)
        }),
        assignee_ids: list_param(q, "assigneeId", errors, |raw| {
            UserId::parse(raw).map_err(|e| e.0)
        }),
        user_ids: list_param(q, "userId", errors, |raw| {
            UserId::parse(raw).map_err(|e| e.0)
        }),
        ..TicketQuery::default()
    };
    f.unassigned = flag_param(q, "unassigned", errors);
    f.include_deleted = flag_param(q, "includeDeleted", errors);
    if q.one("slaBreached").is_some() {
        f.sla_breached = Some(flag_param(q, "slaBreached", errors));
    }
    let mut take = |r: Result<(), FieldError>| {
        if let Err(e) = r {
            errors.push(e);
        }
    };
    take(query_time("createdFrom", q.one("createdFrom"), false).map(|v| f.created_from = v));
    take(query_time("createdTo", q.one("createdTo"), true).map(|v| f.created_to = v));
    take(query_time("updatedSince", q.one("updatedSince"), false).map(|v| f.updated_since = v));
    take(sort(q.one("sort")).map(|v| f.sort = v));
    f
}

/// `limit`, `offset` and `cursor`, collecting every invalid one.
pub(crate) fn page_params(q: &QueryParams, errors: &mut Vec<FieldError>) -> PageRequest {
    page(q.one("limit"), q.one("offset"), q.one("cursor"))
        // What holds of any page holds for a count too.
        .and_then(|page| page.check().map(|()| page))
        .unwrap_or_else(|e| {
            errors.extend(e);
            PageRequest::first(0)
        })
}

/// `limit`, `offset`, `cursor` and `count`, collecting every invalid one.
pub(crate) fn paging(q: &QueryParams, errors: &mut Vec<FieldError>) -> (PageRequest, bool) {
    let page = page_params(q, errors);
    let count = flag("count", q.one("count")).unwrap_or_else(|e| {
        errors.push(e);
        false
    });
    (page, count)
}

/// A flag of the query string; an invalid one is added to `errors`.
pub(crate) fn flag_param(q: &QueryParams, name: &str, errors: &mut Vec<FieldError>) -> bool {
    flag(name, q.one(name)).unwrap_or_else(|e| {
        errors.push(e);
        false
    })
}

/// The collected errors as one 400 answer, if there are any.
pub(crate) fn checked(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_caps_and_refuses_bad_numbers() {
        assert_eq!(page(None, None, None), Ok(PageRequest::first(10)));
        assert_eq!(
            page(Some("500"), Some("20"), Some("abc")),
            Ok(PageRequest {
                limit: 100,
                offset: 20,
                cursor: Some("abc".into()),
            })
        );
        assert!(page(Some(""), None, None).is_err(), "empty is not a number");
        assert!(page(Some("+5"), None, None).is_err(), "plain digits only");
        assert!(page(Some(" 5"), None, None).is_err(), "no blanks");
        let errs = page(Some("-1"), Some("x"), None).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["limit", "offset"]);
        assert!(page(Some("1.5"), None, None).is_err());
        assert!(
            page(None, Some("9223372036854775808"), None).is_err(),
            "past int64"
        );
    }

    #[test]
    fn flags_take_true_false_one_and_zero() {
        for (raw, want) in [("true", true), ("1", true), ("false", false), ("0", false)] {
            assert_eq!(flag("count", Some(raw)), Ok(want));
        }
        assert_eq!(flag("count", None), Ok(false));
        assert!(flag("count", Some("yes")).is_err());
        assert!(flag("count", Some("2")).is_err());
        assert!(
            flag("count", Some("TRUE")).is_err(),
            "exactly as documented"
        );
        assert!(flag("count", Some("")).is_err());
    }
}
