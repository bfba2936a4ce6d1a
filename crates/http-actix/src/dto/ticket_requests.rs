//! The bodies of the calls that open and change a ticket.

use serde::{Deserialize, Serialize};
use ticketd_app::{FieldError, OpenTicketInput, TicketChanges};
use ticketd_domain::{CategoryId, Description, Priority, Subject, TicketStatus, UserId, rules};
use utoipa::ToSchema;
use validator::Validate;

use super::checks::{self, Checked, parsed};
use super::json::{not_null, present, whole, whole_number};

/// A priority in a request: its code (1-4) or its name.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(try_from = "serde_json::Value", untagged)]
pub enum PriorityInput {
    /// 1 low, 2 normal, 3 high, 4 urgent.
    Code(i64),
    /// `low`, `normal`, `high` or `urgent`.
    #[schema(example = "high")]
    Name(String),
}

impl TryFrom<serde_json::Value> for PriorityInput {
    type Error = String;

    /// A whole number (`3`, or `3.0`, as JSON allows) is a code; text is a name.
    fn try_from(value: serde_json::Value) -> Result<Self, String> {
        match value {
            serde_json::Value::Number(n) => whole(&n)
                .map(PriorityInput::Code)
                .ok_or_else(|| "must be 1-4 or low, normal, high, urgent".to_owned()),
            serde_json::Value::String(name) => Ok(PriorityInput::Name(name)),
            _ => Err("must be 1-4 or low, normal, high, urgent".to_owned()),
        }
    }
}

impl PriorityInput {
    /// The priority it names.
    pub(super) fn parse(self) -> Result<Priority, ticketd_domain::ValidationError> {
        match self {
            PriorityInput::Code(c) => Priority::from_code(c),
            PriorityInput::Name(n) => Priority::from_name(&n),
        }
    }
}

/// The body of the call that opens a ticket.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenTicketRequest {
    /// 1-200 characters, not blank.
    #[schema(required = true, nullable = false, example = "Refund Request")]
    #[serde(default, deserialize_with = "not_null")]
    #[validate(
        required(message = "is required"),
        length(min = rules::SUBJECT.min_chars, max = rules::SUBJECT.max_chars),
        custom(function = "checks::subject")
    )]
    pub subject: Option<String>,
    /// 1-10000 characters, not blank.
    #[schema(
        required = true,
        nullable = false,
        example = "Request for a refund on order #XYZ"
    )]
    #[serde(default, deserialize_with = "not_null")]
    #[validate(
        required(message = "is required"),
        length(min = rules::DESCRIPTION.min_chars, max = rules::DESCRIPTION.max_chars),
        custom(function = "checks::description")
    )]
    pub description: Option<String>,
    /// An active top-level category (404 if there is none with this id).
    #[schema(required = true, nullable = false, minimum = 1, example = 1)]
    #[serde(default, deserialize_with = "whole_number")]
    #[validate(
        required(message = "is required"),
        range(min = 1, message = "must be a positive id")
    )]
    pub category_id: Option<i64>,
    /// An active child of that category; `0` or absent for none.
    #[schema(nullable = false, minimum = 0, example = 0)]
    #[serde(default, deserialize_with = "whole_number")]
    #[validate(range(min = 0, message = "must be a positive id"))]
    pub sub_category_id: Option<i64>,
    /// Agents and admins only: the customer to open the ticket for.
    #[schema(nullable = false, example = "user01")]
    #[serde(default, deserialize_with = "not_null")]
    #[validate(
        length(min = rules::USER_ID.min_chars, max = rules::USER_ID.max_chars),
        custom(function = "checks::user_id")
    )]
    pub user_id: Option<String>,
    /// Agents and admins only: 1-4 or its name; `normal` by default.
    #[schema(nullable = false, schema_with = crate::openapi::priority_schema)]
    #[serde(default, deserialize_with = "not_null")]
    #[validate(custom(function = "checks::priority"))]
    pub priority: Option<PriorityInput>,
    /// Agents and admins only: the agent or admin to work on it (404 if the
    /// desk knows no such agent or admin).
    #[schema(nullable = false, example = "agent7")]
    #[serde(default, deserialize_with = "not_null")]
    #[validate(
        length(min = rules::USER_ID.min_chars, max = rules::USER_ID.max_chars),
        custom(function = "checks::user_id")
    )]
    pub assignee_id: Option<String>,
}

impl Checked for OpenTicketRequest {}

/// A category id that is `0` for none.
fn optional_id(id: Option<i64>) -> Option<CategoryId> {
    id.filter(|v| *v > 0).map(CategoryId)
}

impl OpenTicketRequest {
    /// Checks every field, reporting all that are wrong.
    pub fn into_input(self) -> Result<OpenTicketInput, Vec<FieldError>> {
        self.check()?;
        let user = |field: &str, id: Option<String>| {
            id.map(|u| parsed(field, UserId::parse(u))).transpose()
        };
        Ok(OpenTicketInput {
            subject: parsed("subject", Subject::parse(self.subject.unwrap_or_default()))?,
            description: parsed(
                "description",
                Description::parse(self.description.unwrap_or_default()),
            )?,
            category_id: CategoryId(self.category_id.unwrap_or_default()),
            sub_category_id: optional_id(self.sub_category_id),
            user_id: user("userId", self.user_id)?,
            priority: self
                .priority
                .map(|p| parsed("priority", p.parse()))
                .transpose()?,
            assignee_id: user("assigneeId", self.assignee_id)?,
        })
    }
}

/// The body of the update call: at least one field. Customers may send only
/// `status`.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateTicketRequest {
    /// The new status: 1 open, 2 in_progress, 3 pending, 4 resolved, 5 closed.
    #[schema(nullable = false, example = 1, minimum = 1, maximum = 5)]
    #[serde(default, deserialize_with = "whole_number")]
    #[validate(custom(function = "checks::status_code"))]
    pub status: Option<i64>,
    /// The new priority: 1-4 or its name (agents and admins).
    #[schema(nullable = false, schema_with = crate::openapi::priority_schema)]
    #[serde(default, deserialize_with = "not_null")]
    #[validate(custom(function = "checks::priority"))]
    pub priority: Option<PriorityInput>,
    /// The agent or admin to work on it; `null` unassigns (agents and admins;
    /// 404 if the desk knows no such agent or admin).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, example = "agent7")]
    #[validate(
        length(min = rules::USER_ID.min_chars, max = rules::USER_ID.max_chars),
        custom(function = "checks::user_id")
    )]
    pub assignee_id: Option<Option<String>>,
    /// A new active top-level category (agents and admins; 404 if there is none
    /// with this id). A sub-category that is not one of its children is cleared.
    #[schema(nullable = false, minimum = 1, example = 1)]
    #[serde(default, deserialize_with = "whole_number")]
    #[validate(range(min = 1, message = "must be a positive id"))]
    pub category_id: Option<i64>,
    /// A new sub-category of the (new) category; `0` clears it (agents and
    /// admins; 404 if it is not an active child of the category).
    #[schema(nullable = false, minimum = 0, example = 0)]
    #[serde(default, deserialize_with = "whole_number")]
    #[validate(range(min = 0, message = "must be a positive id"))]
    pub sub_category_id: Option<i64>,
}

impl Checked for UpdateTicketRequest {}

impl UpdateTicketRequest {
    /// Checks every field, reporting all that are wrong.
    pub fn into_changes(self) -> Result<TicketChanges, Vec<FieldError>> {
        self.check()?;
        Ok(TicketChanges {
            status: self
                .status
                .map(|c| parsed("status", TicketStatus::from_code(c)))
                .transpose()?,
            priority: self
                .priority
                .map(|p| parsed("priority", p.parse()))
                .transpose()?,
            assignee_id: match self.assignee_id {
                None => None,
                Some(None) => Some(None),
                Some(Some(a)) => Some(Some(parsed("assigneeId", UserId::parse(a))?)),
            },
            category_id: self.category_id.map(CategoryId),
            sub_category_id: self.sub_category_id.map(|v| optional_id(Some(v))),
        })
    }
}
