//! One upload request's files, written as they stream in: limits checked on
//! every chunk, the type sniffed from the first bytes, SHA-256 on the way,
//! and the records written together at the end (or every file removed).

use bytes::Bytes;
use chrono::Duration;
use sha2::{Digest, Sha256};
use ticketd_domain::{Actor, FileName, Upload, UploadKey};
use ticketd_ports::{FileWriter, NewUpload};

use crate::desk::SupportDesk;
use crate::error::AppError;
use crate::sniff::{SNIFF_LEN, sniff_content_type};

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
            let used = self.unattached_bytes().await?;
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
            .ports
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
        let used = self.unattached_bytes().await?;
        if used.saturating_add(self.total) > self.desk.policy.max_unattached_bytes {
            let over = self.over_quota();
            self.abort().await;
            return Err(over);
        }
        let done = std::mem::take(&mut self.done);
        let keys: Vec<UploadKey> = done.iter().map(|u| u.key.clone()).collect();
        match self.desk.ports.uploads.create_uploads(done).await {
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

    /// The bytes the user's unattached uploads hold now.
    async fn unattached_bytes(&self) -> Result<u64, AppError> {
        Ok(self
            .desk
            .ports
            .uploads
            .unattached_bytes(&self.actor.id)
            .await?)
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
            .ports
            .uploads
            .forget_written_files(std::slice::from_ref(key))
            .await
        {
            log::warn!("could not clear the note of removed upload {key}: {e}");
        }
    }
}
