//! Ticket categories.

use async_trait::async_trait;
use diesel::prelude::*;
use ticketd_domain::{Category, CategoryId, fold_case};
use ticketd_ports::{CategoryRepository, NewCategory, RepoError};

use crate::rows::{CategoryAudit, CategoryRow, NewCategoryRow, to_db_time};
use crate::schema::ticket_categories;
use crate::{Store, db_error};

#[async_trait]
impl CategoryRepository for Store {
    async fn list_active_categories(&self) -> Result<Vec<Category>, RepoError> {
        self.read(|conn| {
            ticket_categories::table
                .filter(ticket_categories::is_active.eq(true))
                .filter(ticket_categories::is_delete.eq(false))
                .order(ticket_categories::id.asc())
                .select(CategoryRow::as_select())
                .load::<CategoryRow>(conn)
                .map_err(db_error)?
                .into_iter()
                .map(CategoryRow::into_domain)
                .collect()
        })
        .await
    }

    async fn get_category(&self, id: CategoryId) -> Result<Option<Category>, RepoError> {
        self.read(move |conn| {
            ticket_categories::table
                .find(id.get())
                .select(CategoryRow::as_select())
                .first::<CategoryRow>(conn)
                .optional()
                .map_err(db_error)?
                .map(CategoryRow::into_domain)
                .transpose()
        })
        .await
    }

    async fn create_category(&self, new: NewCategory) -> Result<Category, RepoError> {
        self.write(move |conn| {
            let at = to_db_time(new.at);
            let id: i64 = diesel::insert_into(ticket_categories::table)
                .values(NewCategoryRow {
                    name_key: fold_case(new.name.as_str()),
                    category_name: new.name.as_str().to_owned(),
                    parent_category_id: new.parent_id.map(|p| p.get()),
                    is_active: true,
                    is_delete: false,
                    audit: CategoryAudit::new(&new.actor, at),
                })
                .returning(ticket_categories::id)
                .get_result(conn)
                .map_err(db_error)?;
            ticket_categories::table
                .find(id)
                .select(CategoryRow::as_select())
                .first::<CategoryRow>(conn)
                .map_err(db_error)?
                .into_domain()
        })
        .await
    }
}
