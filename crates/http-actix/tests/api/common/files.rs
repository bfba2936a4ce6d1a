//! Helpers for the tests of uploads and downloads: files to send, and what
//! the storage and the database hold afterwards.

use serde_json::Value;
use sha2::Digest;
use ticketd_ports::UploadRepository;
use ticketd_store_diesel::testing::TestDatabase;

use super::{PDF, TestApi};

/// A PDF of `len` bytes: the signature, then varied bytes.
pub fn pdf_of(len: usize) -> Vec<u8> {
    let mut bytes = PDF.to_vec();
    bytes.extend((0..len.saturating_sub(PDF.len())).map(|i| (i * 7 % 251) as u8));
    bytes.truncate(len);
    bytes
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The names of the files in `dir` (the object store writes flat keys).
pub fn stored_files(dir: &tempfile::TempDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The bytes the unattached uploads of `user` hold, as the quota counts them.
pub async fn unattached_uploads_of<S>(db: &TestDatabase, _api: &TestApi<S>, user: &str) -> u64 {
    ticketd_ports::UploadRepository::unattached_bytes(
        &db.store,
        &ticketd_domain::UserId::parse(user).unwrap(),
    )
    .await
    .unwrap()
}

/// Every upload recorded and not attached: the sweep's view with no cut-off.
pub async fn unattached_uploads(db: &TestDatabase) -> usize {
    let far = chrono::Utc::now() + chrono::Duration::days(365);
    let keys = db.store.delete_unattached_uploads(far, 1000).await.unwrap();
    keys.len()
}

pub fn key_of(file_path: &Value) -> String {
    file_path
        .as_str()
        .unwrap()
        .strip_prefix("/uploads/")
        .unwrap()
        .to_owned()
}
