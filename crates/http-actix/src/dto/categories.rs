//! Categories: as listed and as created.

use serde::{Deserialize, Serialize};
use ticketd_app::FieldError;
use ticketd_domain::{Category, CategoryId, CategoryName, rules};
use utoipa::ToSchema;
use validator::Validate;

use super::AuditDto;
use super::checks::{self, Checked, parsed};
use super::json::{not_null, whole_number};

/// A category, as `ticketCategory` of a ticket and in the category list.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryDto {
    /// Who made it and last changed it, and when.
    #[serde(flatten)]
    pub audit: AuditDto,
    /// Its id.
    #[schema(example = 1)]
    pub id: i64,
    /// Its name.
    #[schema(example = "Refund")]
    pub category_name: String,
    /// Its parent's id; `0` for a top-level category.
    #[schema(example = 0)]
    pub parent_category_id: i64,
    /// Whether it can be used.
    #[schema(example = true)]
    pub is_active: bool,
    /// Whether it is deleted.
    #[schema(example = false)]
    pub is_delete: bool,
}

impl From<&Category> for CategoryDto {
    fn from(c: &Category) -> Self {
        Self {
            audit: AuditDto::from(&c.audit),
            id: c.id.get(),
            category_name: c.name.as_str().to_owned(),
            parent_category_id: c.parent_id.map_or(0, CategoryId::get),
            is_active: c.is_active,
            is_delete: c.is_delete,
        }
    }
}

/// The body of the call that creates a category.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// 1-100 characters, not blank, unique among its siblings (ignoring case).
    #[schema(required = true, nullable = false, example = "Refund")]
    #[serde(default, deserialize_with = "not_null")]
    #[validate(
        required(message = "is required"),
        length(min = rules::CATEGORY_NAME.min_chars, max = rules::CATEGORY_NAME.max_chars),
        custom(function = "checks::category_name")
    )]
    pub category_name: Option<String>,
    /// An active top-level category, for a sub-category (404 if there is none
    /// with this id); `0` or absent for a top-level one.
    #[schema(nullable = false, minimum = 0, example = 0)]
    #[serde(default, deserialize_with = "whole_number")]
    #[validate(range(min = 0, message = "must be a positive id"))]
    pub parent_category_id: Option<i64>,
}

impl Checked for CreateCategoryRequest {}

impl CreateCategoryRequest {
    /// Checks every field, reporting all that are wrong.
    pub fn into_parts(self) -> Result<(CategoryName, Option<CategoryId>), Vec<FieldError>> {
        self.check()?;
        let name = parsed(
            "categoryName",
            CategoryName::parse(self.category_name.unwrap_or_default()),
        )?;
        let parent = self.parent_category_id.filter(|id| *id > 0).map(CategoryId);
        Ok((name, parent))
    }
}
