//! Categories: listing them, finding usable ones, creating them.

use ticketd_domain::{Actor, Category, CategoryId, CategoryName, UserType};
use ticketd_ports::{NewCategory, RepoError};

use crate::desk::SupportDesk;
use crate::error::AppError;

impl SupportDesk {
    /// Every active category.
    pub async fn list_categories(&self) -> Result<Vec<Category>, AppError> {
        Ok(self.ports.categories.list_active_categories().await?)
    }

    /// An active top-level category, or `Invalid` naming `field`.
    pub(crate) async fn top_category(
        &self,
        field: &str,
        id: CategoryId,
    ) -> Result<Category, AppError> {
        match self.ports.categories.get_category(id).await? {
            Some(c) if c.is_usable() && c.is_top_level() => Ok(c),
            _ => Err(AppError::unresolved(
                field,
                format!("{id} is not an active top-level category"),
            )),
        }
    }

    /// An active child of `parent`, or `Invalid` about `subCategoryId`.
    pub(crate) async fn sub_category(
        &self,
        parent: CategoryId,
        id: CategoryId,
    ) -> Result<Category, AppError> {
        match self.ports.categories.get_category(id).await? {
            Some(c) if c.is_usable() && c.parent_id == Some(parent) => Ok(c),
            _ => Err(AppError::unresolved(
                "subCategoryId",
                format!("{id} is not an active sub-category of category {parent}"),
            )),
        }
    }

    /// Creates a category (admins only). A parent must be an active top-level
    /// category: categories have two levels.
    pub async fn create_category(
        &self,
        actor: &Actor,
        name: CategoryName,
        parent_id: Option<CategoryId>,
    ) -> Result<Category, AppError> {
        if actor.user_type != UserType::Admin {
            return Err(AppError::Forbidden(
                "only an admin may manage categories".into(),
            ));
        }
        self.remember(actor).await?;
        if let Some(pid) = parent_id {
            self.top_category("parentCategoryId", pid).await?;
        }
        let new = NewCategory {
            name,
            parent_id,
            actor: actor.clone(),
            at: self.clock.now(),
        };
        self.ports
            .categories
            .create_category(new)
            .await
            .map_err(|e| match e {
                RepoError::Conflict(_) => AppError::Conflict(
                    "a category with this name already exists at this level".into(),
                ),
                other => other.into(),
            })
    }
}
