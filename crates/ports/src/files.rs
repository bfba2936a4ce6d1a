use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use futures_core::Stream;
use ticketd_domain::UploadKey;

use crate::error::RepoError;

/// The bytes of a stored file, in chunks, as they are read.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, RepoError>> + Send>>;

/// A stored file opened for reading.
pub struct StoredFile {
    /// Its size in bytes.
    pub size: u64,
    /// Its bytes.
    pub bytes: ByteStream,
}

/// Where the bytes of uploaded files live: a directory, or an object store
/// such as S3. Files are named by [`UploadKey`]s only, which the server
/// chooses, so nothing a client sends becomes part of a storage path.
#[async_trait]
pub trait FileStore: Send + Sync {
    /// Starts writing the file `key`. Its bytes are readable only once the
    /// writer has finished; an aborted (or dropped) writer leaves no file.
    async fn create(&self, key: &UploadKey) -> Result<Box<dyn FileWriter>, RepoError>;

    /// Opens the file `key` for reading, or `None` if there is no such file.
    async fn open(&self, key: &UploadKey) -> Result<Option<StoredFile>, RepoError>;

    /// Removes the file `key`; removing a file that is not there is no error.
    async fn delete(&self, key: &UploadKey) -> Result<(), RepoError>;
}

/// A file being written, chunk by chunk, so it is never held whole in memory.
#[async_trait]
pub trait FileWriter: Send {
    /// Appends a chunk.
    async fn write(&mut self, chunk: Bytes) -> Result<(), RepoError>;

    /// Makes the file complete and readable.
    async fn finish(self: Box<Self>) -> Result<(), RepoError>;

    /// Gives the file up, removing what was written.
    async fn abort(self: Box<Self>) -> Result<(), RepoError>;
}
