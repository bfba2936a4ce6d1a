//! Records of uploaded files and where they are attached.

use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use ticketd_domain::{
    Actor, AttachedTo, FileName, MessageId, TicketId, Timestamp, Upload, UploadKey, UserId,
    UserType, Visibility,
};
use ticketd_ports::{NewUpload, RepoError, UploadRepository};

use crate::rows::{corrupt, from_db_time, to_db_time};
use crate::schema::{ticket_attachments, ticket_messages, uploads, written_files};
use crate::{Store, db_error};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = uploads)]
struct UploadRow {
    upload_key: String,
    owner_id: String,
    owner_type: String,
    file_name: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    created_at: NaiveDateTime,
}

impl UploadRow {
    fn from_new(n: &NewUpload) -> Result<Self, RepoError> {
        Ok(Self {
            upload_key: n.key.as_str().to_owned(),
            owner_id: n.owner.id.as_str().to_owned(),
            owner_type: n.owner.user_type.as_str().to_owned(),
            file_name: n.file_name.as_str().to_owned(),
            content_type: n.content_type.clone(),
            size_bytes: i64::try_from(n.size)
                .map_err(|_| RepoError::Unexpected(anyhow::anyhow!("upload size overflows")))?,
            sha256: n.sha256.clone(),
            created_at: to_db_time(n.at),
        })
    }

    fn into_domain(self, attached_to: Option<AttachedTo>) -> Result<Upload, RepoError> {
        Ok(Upload {
            key: UploadKey::parse(&self.upload_key).map_err(corrupt("upload key"))?,
            owner: Actor::new(
                UserId::from_stored(self.owner_id),
                UserType::parse(&self.owner_type).map_err(corrupt("upload owner type"))?,
            ),
            file_name: FileName::from_stored(&self.file_name),
            content_type: self.content_type,
            size: u64::try_from(self.size_bytes)
                .map_err(|_| RepoError::Unexpected(anyhow::anyhow!("negative upload size")))?,
            sha256: self.sha256,
            created_at: from_db_time(self.created_at),
            attached_to,
        })
    }
}

/// Stored keys, checked.
fn keys_of(stored: &[String]) -> Result<Vec<UploadKey>, RepoError> {
    stored
        .iter()
        .map(|k| UploadKey::parse(k).map_err(corrupt("upload key")))
        .collect()
}

#[async_trait]
impl UploadRepository for Store {
    async fn create_uploads(&self, new: Vec<NewUpload>) -> Result<Vec<Upload>, RepoError> {
        self.write(move |conn| {
            let rows = new
                .iter()
                .map(UploadRow::from_new)
                .collect::<Result<Vec<_>, _>>()?;
            for row in &rows {
                diesel::insert_into(uploads::table)
                    .values(row)
                    .execute(conn)
                    .map_err(db_error)?;
            }
            // Recorded: no longer a file an interrupted upload left.
            let keys: Vec<&str> = rows.iter().map(|r| r.upload_key.as_str()).collect();
            diesel::delete(written_files::table.filter(written_files::upload_key.eq_any(&keys)))
                .execute(conn)
                .map_err(db_error)?;
            rows.into_iter().map(|r| r.into_domain(None)).collect()
        })
        .await
    }

    async fn get_upload(&self, key: &UploadKey) -> Result<Option<Upload>, RepoError> {
        let key = key.as_str().to_owned();
        self.read(move |conn| {
            let Some(row) = uploads::table
                .find(&key)
                .select(UploadRow::as_select())
                .first::<UploadRow>(conn)
                .optional()
                .map_err(db_error)?
            else {
                return Ok(None);
            };
            let attached: Option<(i64, i64, String)> = ticket_attachments::table
                .inner_join(ticket_messages::table)
                .filter(ticket_attachments::upload_key.eq(&key))
                .select((
                    ticket_attachments::ticket_id,
                    ticket_attachments::message_id,
                    ticket_messages::visibility,
                ))
                .first(conn)
                .optional()
                .map_err(db_error)?;
            let attached_to = attached
                .map(|(ticket, message, visibility)| {
                    Ok::<_, RepoError>(AttachedTo {
                        ticket_id: TicketId(ticket),
                        message_id: MessageId(message),
                        visibility: Visibility::parse(&visibility)
                            .map_err(corrupt("message visibility"))?,
                    })
                })
                .transpose()?;
            row.into_domain(attached_to).map(Some)
        })
        .await
    }

    async fn delete_unattached_uploads(
        &self,
        created_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<UploadKey>, RepoError> {
        let before = to_db_time(created_before);
        self.write(move |conn| {
            let unattached = not(exists(
                ticket_attachments::table
                    .filter(ticket_attachments::upload_key.eq(uploads::upload_key.nullable())),
            ));
            let keys: Vec<String> = uploads::table
                .filter(uploads::created_at.lt(before))
                .filter(unattached)
                .order(uploads::created_at.asc())
                .limit(i64::from(limit))
                .select(uploads::upload_key)
                .load(conn)
                .map_err(db_error)?;
            // Checked again in the delete itself: an upload attached since
            // the select (PostgreSQL's row locks order the two) is kept.
            let deleted: Vec<String> = diesel::delete(
                uploads::table
                    .filter(uploads::upload_key.eq_any(&keys))
                    .filter(unattached),
            )
            .returning(uploads::upload_key)
            .get_results(conn)
            .map_err(db_error)?;
            keys_of(&deleted)
        })
        .await
    }

    async fn note_written_file(&self, key: &UploadKey, at: Timestamp) -> Result<(), RepoError> {
        let key = key.as_str().to_owned();
        let at = to_db_time(at);
        self.write(move |conn| {
            diesel::delete(written_files::table.find(&key))
                .execute(conn)
                .map_err(db_error)?;
            diesel::insert_into(written_files::table)
                .values((
                    written_files::upload_key.eq(&key),
                    written_files::written_at.eq(at),
                ))
                .execute(conn)
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn unrecorded_files(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<UploadKey>, RepoError> {
        let before = to_db_time(before);
        self.read(move |conn| {
            let recorded =
                exists(uploads::table.filter(uploads::upload_key.eq(written_files::upload_key)));
            let keys: Vec<String> = written_files::table
                .filter(written_files::written_at.lt(before))
                .filter(not(recorded))
                .order(written_files::written_at.asc())
                .limit(i64::from(limit))
                .select(written_files::upload_key)
                .load(conn)
                .map_err(db_error)?;
            keys_of(&keys)
        })
        .await
    }

    async fn unattached_bytes(&self, owner: &UserId) -> Result<u64, RepoError> {
        let owner = owner.as_str().to_owned();
        self.read(move |conn| {
            let unattached = not(exists(
                ticket_attachments::table
                    .filter(ticket_attachments::upload_key.eq(uploads::upload_key.nullable())),
            ));
            let sizes: Vec<i64> = uploads::table
                .filter(uploads::owner_id.eq(&owner))
                .filter(unattached)
                .select(uploads::size_bytes)
                .load(conn)
                .map_err(db_error)?;
            Ok(sizes.iter().map(|s| u64::try_from(*s).unwrap_or(0)).sum())
        })
        .await
    }

    async fn forget_written_files(&self, keys: &[UploadKey]) -> Result<(), RepoError> {
        let keys: Vec<String> = keys.iter().map(|k| k.as_str().to_owned()).collect();
        self.write(move |conn| {
            diesel::delete(written_files::table.filter(written_files::upload_key.eq_any(&keys)))
                .execute(conn)
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }
}
