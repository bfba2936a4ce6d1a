//! The fake of `FileStore`: files in memory.

use super::*;

/// A finished file: its key, bytes and when it was written.
type MemoryFile = (UploadKey, Vec<u8>, Timestamp);

/// A [`FileStore`](ticketd_ports::FileStore) in memory, with the same rules as a real
/// one: a file is readable only once its writer finishes. Clones share the
/// same files.
#[derive(Default, Clone)]
pub struct InMemoryFiles {
    files: std::sync::Arc<Mutex<Vec<MemoryFile>>>,
}

impl InMemoryFiles {
    /// No files.
    pub fn new() -> Self {
        Self::default()
    }

    /// The keys of every finished file.
    pub fn keys(&self) -> Vec<UploadKey> {
        self.lock().iter().map(|(k, _, _)| k.clone()).collect()
    }

    /// Stores a finished file directly, as written at `at`.
    pub fn insert(&self, key: UploadKey, bytes: Vec<u8>, at: Timestamp) {
        self.lock().push((key, bytes, at));
    }

    fn lock(&self) -> MutexGuard<'_, Vec<MemoryFile>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct MemoryWriter {
    files: InMemoryFiles,
    key: UploadKey,
    bytes: Vec<u8>,
}

#[async_trait]
impl ticketd_ports::FileStore for InMemoryFiles {
    async fn create(
        &self,
        key: &UploadKey,
    ) -> Result<Box<dyn ticketd_ports::FileWriter>, RepoError> {
        Ok(Box::new(MemoryWriter {
            files: self.clone(),
            key: key.clone(),
            bytes: Vec::new(),
        }))
    }

    async fn open(&self, key: &UploadKey) -> Result<Option<ticketd_ports::StoredFile>, RepoError> {
        let files = self.lock();
        Ok(files.iter().find(|(k, _, _)| k == key).map(|(_, b, _)| {
            let chunk = bytes::Bytes::from(b.clone());
            ticketd_ports::StoredFile {
                size: b.len() as u64,
                bytes: Box::pin(Once(Some(Ok(chunk)))),
            }
        }))
    }

    async fn delete(&self, key: &UploadKey) -> Result<(), RepoError> {
        self.lock().retain(|(k, _, _)| k != key);
        Ok(())
    }
}

#[async_trait]
impl ticketd_ports::FileWriter for MemoryWriter {
    async fn write(&mut self, chunk: bytes::Bytes) -> Result<(), RepoError> {
        self.bytes.extend_from_slice(&chunk);
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<(), RepoError> {
        let this = *self;
        this.files.insert(this.key, this.bytes, chrono::Utc::now());
        Ok(())
    }

    async fn abort(self: Box<Self>) -> Result<(), RepoError> {
        Ok(())
    }
}

/// A stream of one item.
struct Once<T>(Option<T>);

impl<T: Unpin> futures_core::Stream for Once<T> {
    type Item = T;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<T>> {
        std::task::Poll::Ready(self.0.take())
    }
}
