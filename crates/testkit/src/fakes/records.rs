//! The fakes of `CategoryRepository`, `AuditLogRepository`, `UserDirectory`
//! and `StoreHealth`.

use super::*;

#[async_trait]
impl CategoryRepository for InMemoryStore {
    async fn list_active_categories(&self) -> Result<Vec<Category>, RepoError> {
        let s = self.lock()?;
        Ok(s.categories
            .iter()
            .filter(|c| c.is_usable())
            .cloned()
            .collect())
    }

    async fn get_category(&self, id: CategoryId) -> Result<Option<Category>, RepoError> {
        Ok(self.lock()?.categories.iter().find(|c| c.id == id).cloned())
    }

    async fn create_category(&self, new: NewCategory) -> Result<Category, RepoError> {
        let mut s = self.lock()?;
        let key = fold_case(new.name.as_str());
        if s.categories
            .iter()
            .any(|c| c.parent_id == new.parent_id && fold_case(c.name.as_str()) == key)
        {
            return Err(RepoError::Conflict(
                "a category with this name exists".into(),
            ));
        }
        let category = Category {
            id: CategoryId(s.categories.len() as i64 + 1),
            name: new.name,
            parent_id: new.parent_id,
            is_active: true,
            is_delete: false,
            audit: Audit::new(&new.actor, new.at),
        };
        s.categories.push(category.clone());
        Ok(category)
    }
}

#[async_trait]
impl AuditLogRepository for InMemoryStore {
    async fn list_log_entries(
        &self,
        filter: &LogFilter,
        page: Page,
    ) -> Result<Vec<LogEntry>, RepoError> {
        let s = self.lock()?;
        let mut rows: Vec<LogEntry> = s
            .logs
            .iter()
            .filter(|e| s.log_matches(e, filter))
            .cloned()
            .collect();
        rows.sort_by_key(|e| (e.action_at, e.id));
        if !filter.oldest_first {
            rows.reverse();
        }
        Ok(page_of(
            rows,
            page,
            !filter.oldest_first,
            Position::of_log_entry,
        ))
    }

    async fn count_log_entries(&self, filter: &LogFilter, at_most: u64) -> Result<u64, RepoError> {
        let s = self.lock()?;
        let n = s.logs.iter().filter(|e| s.log_matches(e, filter)).count() as u64;
        Ok(n.min(at_most))
    }
}

#[async_trait]
impl UserDirectory for InMemoryStore {
    async fn remember_user(&self, actor: &Actor) -> Result<(), RepoError> {
        let mut s = self.lock()?;
        s.users.retain(|(id, _)| id != &actor.id);
        s.users.push((actor.id.clone(), actor.user_type));
        Ok(())
    }

    async fn user_type(&self, id: &UserId) -> Result<Option<UserType>, RepoError> {
        Ok(self
            .lock()?
            .users
            .iter()
            .find(|(u, _)| u == id)
            .map(|(_, t)| *t))
    }
}

#[async_trait]
impl StoreHealth for InMemoryStore {
    async fn ping(&self) -> Result<(), RepoError> {
        self.lock().map(|_| ())
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            connections: 1,
            idle: 1,
            max: 1,
        }
    }
}

#[async_trait]
impl EventLog for InMemoryStore {
    async fn list_events(&self, filter: &EventFilter, page: Page) -> Result<Vec<Event>, RepoError> {
        let s = self.lock()?;
        let rows: Vec<Event> = s
            .events
            .iter()
            .filter(|e| filter.admits(e))
            .cloned()
            .collect();
        Ok(page_of(rows, page, false, |e: &Event| e.position))
    }

    async fn last_event_position(&self) -> Result<Option<Position>, RepoError> {
        Ok(self.lock()?.events.last().map(|e| e.position))
    }

    async fn forget_events_before(
        &self,
        before: ticketd_domain::Timestamp,
        limit: u32,
    ) -> Result<u64, RepoError> {
        let mut s = self.lock()?;
        let mut old: Vec<(ticketd_domain::Timestamp, EventId)> = s
            .events
            .iter()
            .filter(|e| e.at < before)
            .map(|e| (e.at, e.id))
            .collect();
        old.sort();
        old.truncate(limit as usize);
        s.events.retain(|e| !old.iter().any(|(_, id)| *id == e.id));
        Ok(old.len() as u64)
    }
}
