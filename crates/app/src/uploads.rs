//! Uploading files, reading them back, and sweeping the ones never attached.

use chrono::Duration;
use ticketd_domain::{Actor, Upload, UploadKey, UserType};
use ticketd_ports::{NewAttachment, StoredFile};

use crate::desk::SupportDesk;
use crate::error::AppError;

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

impl SupportDesk {
    /// Opens an upload for `actor`, who needs the right to read the message it
    /// is attached to (or, while it is attached to nothing, to be its owner).
    /// Anything else is `NotFound`, so nobody learns that a file exists.
    pub async fn open_upload(
        &self,
        actor: &Actor,
        key: &UploadKey,
    ) -> Result<OpenedUpload, AppError> {
        let upload = self.stored_upload(key).await?;
        let allowed = match upload.attached_to {
            None => upload.owner == *actor,
            Some(at) => {
                at.visibility.is_visible_to(actor.user_type)
                    && self
                        .ports
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

    /// The upload with `key`, or 404 as for a missing file.
    async fn stored_upload(&self, key: &UploadKey) -> Result<Upload, AppError> {
        self.ports
            .uploads
            .get_upload(key)
            .await?
            .ok_or_else(no_such_file)
    }

    /// Opens an upload for a holder of a link the server signed: the link is
    /// the right to read it. An upload attached to nothing is never served so.
    /// A link stops working as soon as its ticket is deleted.
    pub async fn open_upload_by_link(&self, key: &UploadKey) -> Result<OpenedUpload, AppError> {
        let upload = self.stored_upload(key).await?;
        let Some(at) = upload.attached_to else {
            return Err(no_such_file());
        };
        let live = self
            .ports
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
                .ports
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
            let keys = self.ports.uploads.unrecorded_files(cutoff, BATCH).await?;
            for key in &keys {
                if self.files.open(key).await?.is_some() {
                    self.files.delete(key).await?;
                    report.orphan_files += 1;
                }
            }
            self.ports.uploads.forget_written_files(&keys).await?;
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
                Some(key) => self.ports.uploads.get_upload(key).await?,
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
