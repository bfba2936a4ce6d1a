//! Rows of `ticket_categories`.

use diesel::prelude::*;
use ticketd_ports::RepoError;

use ticketd_domain::{Category, CategoryId, CategoryName};

use super::CategoryAudit;
use crate::schema::ticket_categories;

#[derive(Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = ticket_categories)]
pub(crate) struct CategoryRow {
    pub id: i64,
    pub category_name: String,
    pub parent_category_id: Option<i64>,
    pub is_active: bool,
    pub is_delete: bool,
    #[diesel(embed)]
    pub audit: CategoryAudit,
}

impl CategoryRow {
    pub(crate) fn into_domain(self) -> Result<Category, RepoError> {
        Ok(Category {
            id: CategoryId(self.id),
            name: CategoryName::from_stored(self.category_name),
            parent_id: self.parent_category_id.map(CategoryId),
            is_active: self.is_active,
            is_delete: self.is_delete,
            audit: self.audit.into_audit()?,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = ticket_categories)]
pub(crate) struct NewCategoryRow {
    pub category_name: String,
    pub name_key: String,
    pub parent_category_id: Option<i64>,
    pub is_active: bool,
    pub is_delete: bool,
    #[diesel(embed)]
    pub audit: CategoryAudit,
}
