//! Uploading files, reading them back, and sweeping the ones never attached.

use bytes::Bytes;
use chrono::Duration;
use sha2::{Digest, Sha256};
use ticketd_domain::{Actor, FileName, Upload, UploadKey, UserType};
use ticketd_ports::{FileWriter, NewAttachment, NewUpload, StoredFile};

use crate::desk::SupportDesk;
use crate::error::AppError;
use crate::sniff::{SNIFF_LEN, sniff_content_type};

/// Limits and rules for uploads and attachments.
#[derive(Debug, Clone)]
pub struct AttachmentPolicy {
    /// The largest file, in bytes.
    pub max_file_bytes: u64,
    /// The most bytes of files one upload request may carry.
    pub max_request_bytes: u64,
    /// The most files one upload request may carry.
    pub max_files: usize,
    /// Whether an attachment's `filePath` must name an upload of the sender
    /// that is not attached yet (on by default). Off, any well-formed path is
    /// accepted, as older backends did; a path naming such an upload is still
    /// linked to it.
    pub require_uploaded: bool,
    /// How long an upload may stay unattached before the sweep removes it.
    pub retention: Duration,
    /// The most bytes one user's uploads may hold while attached to nothing.
    pub max_unattached_bytes: u64,
}

impl Default for AttachmentPolicy {
    fn default() -> Self {
        Self {
            max_file_bytes: 10 * 1024 * 1024,
            max_request_bytes: 50 * 1024 * 1024,
            max_files: 10,
            require_uploaded: true,
            retention: Duration::hours(24),
            max_unattached_bytes: 200 * 1024 * 1024,
        }
    }
}

/// An upload opened for download: its record and its bytes.
pub struct OpenedUpload {
    /// What is known about it.
    pub upload: Upload,
    /// Its bytes.
    pub file: StoredFile,
}

/// What a sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Uploads never attached, removed with their files.
    pub uploads: usize,
    /// Files this installation wrote for uploads it never recorded (left by
    /// a failed or interrupted upload), removed.
    pub orphan_files: usize,
}

/// The file of an upload request being received.
struct Current {
    key: UploadKey,
    name: FileName,
    writer: Box<dyn FileWriter>,
    size: u64,
    hasher: Sha256,
    head: Vec<u8>,
}

/// One upload request's files, received one by one and chunk by chunk. Each
/// file is written to the file store as it arrives, measured and hashed on the
/// way; its type is sniffed from its first bytes. Nothing is recorded until
/// [`commit`](Self::commit); after an error, [`abort`](Self::abort) removes
/// every byte written.
pub struct UploadBatch {
    desk: SupportDesk,
    actor: Actor,
    current: Option<Current>,
    done: Vec<NewUpload>,
    total: u64,
    /// What the user's quota of unattached bytes leaves for this request
    /// (read when its first file begins).
    quota_left: Option<u64>,
}

impl SupportDesk {
    /// Starts receiving an upload request of `actor`.
    pub fn start_upload(&self, actor: &Actor) -> UploadBatch {
        UploadBatch {
            desk: self.clone(),
            actor: actor.clone(),
            current: None,
            done: Vec::new(),
            total: 0,
            quota_left: None,
        }
    }

    /// Opens an upload for `actor`, who needs the right to read the message it
    /// is attached to (or, while it is attached to nothing, to be its owner).
    /// Anything else is `NotFound`, so nobody learns that a file exists.
    pub async fn open_upload(
        &self,
        actor: &Actor,
        key: &UploadKey,
    ) -> Result<OpenedUpload, AppError> {
        let upload = self
            .uploads
            .get_upload(key)
            .await?
            .ok_or_else(no_such_file)?;
        let allowed = match upload.attached_to {
            None => upload.owner == *actor,
            Some(at) => {
                at.visibility.is_visible_to(actor.user_type)
                    && self
                        .tickets
                        .get_ticket(at.ticket_id)
                        .await?
                        .is_some_and(|view| {
                            view.ticket
                                .is_visible_to(actor, actor.user_type == UserType::Admin)
                        })
            }
        };
        if !allowed {
            return Err(no_such_file());
        }
        self.open_file(upload).await
    }

    /// Opens an upload for a holder of a link the server signed: the link is
    /// the right to read it. An upload attached to nothing is never served so.
    /// A link stops working as soon as its ticket is deleted.
    pub async fn open_upload_by_link(&self, key: &UploadKey) -> Result<OpenedUpload, AppError> {
        let upload = self
            .uploads
            .get_upload(key)
            .await?
            .ok_or_else(no_such_file)?;
        let Some(at) = upload.attached_to else {
            return Err(no_such_file());
        };
        let live = self
            .tickets
            .get_ticket(at.ticket_id)
            .await?
            .is_some_and(|view| !view.ticket.is_delete);
        if !live {
            return Err(no_such_file());
        }
        self.open_file(upload).await
    }

    async fn open_file(&self, upload: Upload) -> Result<OpenedUpload, AppError> {
        match self.files.open(&upload.key).await? {
            Some(file) => Ok(OpenedUpload { upload, file }),
            None => Err(AppError::Unexpected(anyhow::anyhow!(
                "upload {} is recorded but its file is missing",
                upload.key
            ))),
        }
    }

    /// Removes uploads attached to nothing that are older than the policy's
    /// retention, with their files, and the files this installation began to
    /// write before then for uploads it never recorded. Nothing else in the
    /// storage is touched.
    pub async fn sweep_uploads(&self) -> Result<SweepReport, AppError> {
        const BATCH: u32 = 500;
        let cutoff = self.clock.now() - self.policy.retention;
        let mut report = SweepReport::default();
        loop {
            let keys = self
                .uploads
                .delete_unattached_uploads(cutoff, BATCH)
                .await?;
            for key in &keys {
                self.files.delete(key).await?;
            }
            report.uploads += keys.len();
            if keys.len() < BATCH as usize {
                break;
            }
        }
        // Files this installation noted before writing them and never
        // recorded (an upload that failed or was interrupted). Files it did
        // not write (another installation's, anything else in the storage)
        // are never looked at.
        loop {
            let keys = self.uploads.unrecorded_files(cutoff, BATCH).await?;
            for key in &keys {
                if self.files.open(key).await?.is_some() {
                    self.files.delete(key).await?;
                    report.orphan_files += 1;
                }
            }
            self.uploads.forget_written_files(&keys).await?;
            if keys.len() < BATCH as usize {
                break;
            }
        }
        Ok(report)
    }
}

impl SupportDesk {
    /// Checks the attachments of a new message of `actor` and links each to
    /// its upload. With the policy's `require_uploaded`, each path must name
    /// an upload of `actor` that is attached to nothing; otherwise a path that
    /// does is linked and any other is kept as it is.
    pub(crate) async fn resolve_attachments(
        &self,
        actor: &Actor,
        attachments: &[crate::AttachmentInput],
    ) -> Result<Vec<NewAttachment>, AppError> {
        let mut errors = Vec::new();
        let mut resolved = Vec::with_capacity(attachments.len());
        for (i, a) in attachments.iter().enumerate() {
            let field = format!("attachments[{i}].filePath");
            let key = ticketd_domain::UploadKey::from_file_path(&a.file_path);
            if attachments[..i].iter().any(|b| b.file_path == a.file_path) {
                errors.push(crate::FieldError::new(
                    field,
                    "names the same file as an earlier attachment",
                ));
                continue;
            }
            let upload = match &key {
                Some(key) => self.uploads.get_upload(key).await?,
                None => None,
            };
            let usable = upload.as_ref().filter(|u| u.owner == *actor);
            let upload = match usable {
                Some(u) if u.attached_to.is_none() => Some(u.key.clone()),
                Some(_) if self.policy.require_uploaded => {
                    errors.push(crate::FieldError::new(
                        field,
                        "is attached to a message already; upload the file again",
                    ));
                    continue;
                }
                None if self.policy.require_uploaded => {
                    errors.push(crate::FieldError::new(
                        field,
                        "names no upload of yours; upload the file first (POST /backend/api/support-ticket/uploads) and send the filePath it answers",
                    ));
                    continue;
                }
                _ => None,
            };
            resolved.push(NewAttachment {
                file_name: a.file_name.clone(),
                file_path: a.file_path.clone(),
                upload,
            });
        }
        if errors.is_empty() {
            Ok(resolved)
        } else {
            Err(AppError::Invalid(errors))
        }
    }
}

fn no_such_file() -> AppError {
    AppError::NotFound("no such file".into())
}

fn hours(d: Duration) -> String {
    match d.num_hours() {
        0 => format!("{} s", d.num_seconds()),
        1 => "1 hour".to_owned(),
        h => format!("{h} hours"),
    }
}

fn mib(bytes: u64) -> String {
    if bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

impl UploadBatch {
    /// Starts the next file, named `raw_name` by the client (the name is made
    /// safe, never refused).
    pub async fn begin_file(&mut self, raw_name: &str) -> Result<(), AppError> {
        if self.current.is_some() {
            return Err(AppError::Unexpected(anyhow::anyhow!(
                "begin_file before end_file"
            )));
        }
        let max = self.desk.policy.max_files;
        if self.done.len() >= max {
            return Err(AppError::invalid(
                "files",
                format!("at most {max} files per upload"),
            ));
        }
        if self.quota_left.is_none() {
            let used = self.desk.uploads.unattached_bytes(&self.actor.id).await?;
            let left = self.desk.policy.max_unattached_bytes.saturating_sub(used);
            if left == 0 {
                return Err(self.over_quota());
            }
            self.quota_left = Some(left);
        }
        let key = UploadKey::from_random(rand::random());
        // Noted before any byte is written: if this request never records the
        // upload (a crash, a lost database), the sweep knows the file is ours.
        self.desk
            .uploads
            .note_written_file(&key, self.desk.clock.now())
            .await?;
        let writer = self.desk.files.create(&key).await?;
        self.current = Some(Current {
            key,
            name: FileName::sanitize(raw_name),
            writer,
            size: 0,
            hasher: Sha256::new(),
            head: Vec::new(),
        });
        Ok(())
    }

    /// Writes the next chunk of the current file. `TooLarge` as soon as the
    /// file or the request passes its limit.
    pub async fn write(&mut self, chunk: Bytes) -> Result<(), AppError> {
        let policy = &self.desk.policy;
        let Some(file) = self.current.as_mut() else {
            return Err(AppError::Unexpected(anyhow::anyhow!(
                "write before begin_file"
            )));
        };
        let len = chunk.len() as u64;
        file.size += len;
        self.total += len;
        if file.size > policy.max_file_bytes {
            return Err(AppError::TooLarge(format!(
                "{} is larger than {}, the most a file may have",
                file.name.as_str(),
                mib(policy.max_file_bytes)
            )));
        }
        if self.total > policy.max_request_bytes {
            return Err(AppError::TooLarge(format!(
                "the files are larger than {} together, the most one upload may carry",
                mib(policy.max_request_bytes)
            )));
        }
        if self.quota_left.is_some_and(|left| self.total > left) {
            return Err(self.over_quota());
        }
        file.hasher.update(&chunk);
        if file.head.len() < SNIFF_LEN {
            let take = (SNIFF_LEN - file.head.len()).min(chunk.len());
            file.head.extend_from_slice(&chunk[..take]);
        }
        file.writer.write(chunk).await?;
        Ok(())
    }

    /// Ends the current file: checks its type and makes it complete.
    /// `UnsupportedType` if its bytes are not of an accepted type.
    pub async fn end_file(&mut self) -> Result<(), AppError> {
        let Some(file) = self.current.take() else {
            return Err(AppError::Unexpected(anyhow::anyhow!(
                "end_file before begin_file"
            )));
        };
        let name = file.name.as_str().to_owned();
        if file.size == 0 {
            file.writer.abort().await?;
            return Err(AppError::invalid("files", format!("{name} is empty")));
        }
        let complete = file.size <= SNIFF_LEN as u64;
        let content_type = match sniff_content_type(&file.head, complete) {
            Ok(t) => t,
            Err(found) => {
                file.writer.abort().await?;
                return Err(AppError::UnsupportedType(format!(
                    "{name} holds {found}, which is not accepted; accepted are images, PDF, \
                     plain text, office documents and zip archives"
                )));
            }
        };
        file.writer.finish().await?;
        let digest = file.hasher.finalize();
        self.done.push(NewUpload {
            key: file.key,
            owner: self.actor.clone(),
            file_name: file.name,
            content_type: content_type.to_owned(),
            size: file.size,
            sha256: hex::encode(digest),
            at: self.desk.clock.now(),
        });
        Ok(())
    }

    /// Records every file received, in one transaction, and returns them.
    /// If that fails, their bytes are removed.
    pub async fn commit(mut self) -> Result<Vec<Upload>, AppError> {
        if self.current.is_some() {
            self.abort().await;
            return Err(AppError::Unexpected(anyhow::anyhow!(
                "commit inside a file"
            )));
        }
        if self.done.is_empty() {
            return Err(AppError::invalid("files", "send at least one file"));
        }
        // Checked again: uploads of the same user that ended meanwhile count.
        let used = self.desk.uploads.unattached_bytes(&self.actor.id).await?;
        if used.saturating_add(self.total) > self.desk.policy.max_unattached_bytes {
            let over = self.over_quota();
            self.abort().await;
            return Err(over);
        }
        let done = std::mem::take(&mut self.done);
        let keys: Vec<UploadKey> = done.iter().map(|u| u.key.clone()).collect();
        match self.desk.uploads.create_uploads(done).await {
            Ok(uploads) => Ok(uploads),
            Err(e) => {
                for key in &keys {
                    self.remove(key).await;
                }
                Err(e.into())
            }
        }
    }

    fn over_quota(&self) -> AppError {
        AppError::TooLarge(format!(
            "your uploads not attached to a message may hold {} together; attach them, or \
             wait until unattached ones are removed ({} after they were uploaded)",
            mib(self.desk.policy.max_unattached_bytes),
            hours(self.desk.policy.retention),
        ))
    }

    /// Gives up the request: removes every byte written for it.
    pub async fn abort(mut self) {
        if let Some(file) = self.current.take() {
            match file.writer.abort().await {
                Ok(()) => self.forget(&file.key).await,
                Err(e) => log::warn!("could not remove a partial upload {}: {e}", file.key),
            }
        }
        for upload in std::mem::take(&mut self.done) {
            self.remove(&upload.key).await;
        }
    }

    async fn remove(&self, key: &UploadKey) {
        match self.desk.files.delete(key).await {
            Ok(()) => self.forget(key).await,
            // The sweep removes it later: it is noted, and no record names it.
            Err(e) => log::warn!("could not remove upload {key}: {e}"),
        }
    }

    /// Clears the note of a file that is gone (if that fails, the sweep
    /// finds no file and clears it later).
    async fn forget(&self, key: &UploadKey) {
        if let Err(e) = self
            .desk
            .uploads
            .forget_written_files(std::slice::from_ref(key))
            .await
        {
            log::warn!("could not clear the note of removed upload {key}: {e}");
        }
    }
}
