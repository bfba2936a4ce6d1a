//! The directory of staff who have used the desk.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use diesel::prelude::*;
use ticketd_domain::{Actor, UserId, UserType};
use ticketd_ports::{RepoError, UserDirectory};

use crate::rows::to_db_time;
use crate::schema::users;
use crate::{AnyConnection, Store, db_error};

/// What this process already wrote to the directory, so that each user costs
/// one write per process rather than one per request.
#[derive(Default)]
pub(crate) struct SeenUsers(Mutex<HashMap<String, UserType>>);

impl SeenUsers {
    fn knows(&self, actor: &Actor) -> bool {
        let seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(actor.id.as_str()) == Some(&actor.user_type)
    }

    fn note(&self, actor: &Actor) {
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert(actor.id.as_str().to_owned(), actor.user_type);
    }
}

#[async_trait]
impl UserDirectory for Store {
    async fn remember_user(&self, actor: &Actor) -> Result<(), RepoError> {
        if self.seen_users.knows(actor) {
            return Ok(());
        }
        let who = actor.clone();
        let at = to_db_time(ticketd_ports::Clock::now(&ticketd_ports::SystemClock));
        self.write(move |conn| {
            let kind = who.user_type.as_str();
            // One statement, so that two first requests of one user at once
            // cannot both find the row missing and both insert it. (Upserts
            // are written per backend: the shared dialect has none.)
            let upsert = diesel::insert_into(users::table)
                .values((
                    users::user_id.eq(who.id.as_str()),
                    users::user_type.eq(kind),
                    users::first_seen.eq(at),
                    users::last_seen.eq(at),
                ))
                .on_conflict(users::user_id)
                .do_update()
                .set((users::user_type.eq(kind), users::last_seen.eq(at)));
            match conn {
                AnyConnection::Postgresql(pg) => upsert.execute(pg),
                AnyConnection::Sqlite(lite) => upsert.execute(lite),
            }
            .map_err(db_error)?;
            Ok(())
        })
        .await?;
        self.seen_users.note(actor);
        Ok(())
    }

    async fn user_type(&self, id: &UserId) -> Result<Option<UserType>, RepoError> {
        let id = id.as_str().to_owned();
        let kind: Option<String> = self
            .read(move |conn| {
                users::table
                    .find(id)
                    .select(users::user_type)
                    .first::<String>(conn)
                    .optional()
                    .map_err(db_error)
            })
            .await?;
        kind.map(|k| {
            UserType::parse(&k).map_err(|e| {
                RepoError::Unexpected(anyhow::anyhow!("stored user type is invalid: {e}"))
            })
        })
        .transpose()
    }
}
