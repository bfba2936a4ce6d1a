//! Where ticketd keeps the bytes of uploaded files: a directory on the local
//! disk by default, or an object store (Amazon S3, Google Cloud Storage, Azure
//! Blob Storage) through the `object_store` crate. Which one is a URL:
//! `file:///var/lib/ticketd/uploads`, `s3://bucket/prefix`, `gs://bucket`,
//! `az://container`. The cloud schemes need this crate's features `aws`, `gcp`
//! or `azure`, and take their credentials from the usual environment variables
//! (`AWS_ACCESS_KEY_ID`, `GOOGLE_SERVICE_ACCOUNT`, `AZURE_STORAGE_ACCOUNT_NAME`, ...).
//!
//! Files are named by their upload key only: nothing a client sends becomes
//! part of a storage path.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use ticketd_domain::UploadKey;
use ticketd_ports::{FileStore, FileWriter, RepoError, StoredFile};

/// Part size for local files: small, so little is held in memory.
const LOCAL_PART: usize = 256 * 1024;
/// Part size for object stores: S3 refuses parts under 5 MiB (but the last).
const CLOUD_PART: usize = 5 * 1024 * 1024;
/// How many parts may be in flight per file.
const PARTS_IN_FLIGHT: usize = 2;

/// A [`FileStore`] over any `object_store` backend.
#[derive(Debug, Clone)]
pub struct ObjectFiles {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    part_size: usize,
    description: String,
}

impl ObjectFiles {
    /// Files in a local directory, made if missing.
    pub fn local(dir: &std::path::Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            anyhow::anyhow!("cannot make the upload directory {}: {e}", dir.display())
        })?;
        let store = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
        Ok(Self {
            store: Arc::new(store),
            prefix: Path::default(),
            part_size: LOCAL_PART,
            description: format!("directory {}", dir.display()),
        })
    }

    /// Files where `url` says: `file:///dir` for a local directory, or an
    /// object store's URL (`s3://bucket/prefix`, `gs://...`, `az://...`) when
    /// built with its feature, with the provider's `options` (credentials,
    /// region: `aws_region`, `google_service_account`, ..., as
    /// `object_store` names them).
    pub fn open(
        url: &str,
        options: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(url)
            .map_err(|e| anyhow::anyhow!("storage URL {url:?} is not a URL: {e}"))?;
        if parsed.scheme() == "file" {
            let dir = parsed
                .to_file_path()
                .map_err(|()| anyhow::anyhow!("storage URL {url:?} names no local directory"))?;
            return Self::local(&dir);
        }
        let (store, prefix) = object_store::parse_url_opts(&parsed, options).map_err(|e| {
            anyhow::anyhow!(
                "cannot use storage URL {url:?}: {e} (object stores need ticketd built with \
                 the feature aws, gcp or azure)"
            )
        })?;
        Ok(Self {
            store: Arc::from(store),
            prefix,
            part_size: CLOUD_PART,
            description: format!("object store {}", redact(&parsed)),
        })
    }

    /// Where the files are, for logs (without credentials).
    pub fn describe(&self) -> &str {
        &self.description
    }

    fn path(&self, key: &UploadKey) -> Path {
        self.prefix.clone().join(key.as_str())
    }
}

fn redact(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    shown.set_query(None);
    shown.to_string()
}

fn storage_error(e: object_store::Error) -> RepoError {
    match e {
        object_store::Error::NotFound { .. } => RepoError::NotFound,
        other => RepoError::Unavailable(format!("file storage: {other}")),
    }
}

#[async_trait]
impl FileStore for ObjectFiles {
    async fn create(&self, key: &UploadKey) -> Result<Box<dyn FileWriter>, RepoError> {
        let upload = self
            .store
            .put_multipart(&self.path(key))
            .await
            .map_err(storage_error)?;
        Ok(Box::new(ObjectWriter(WriteMultipart::new_with_chunk_size(
            upload,
            self.part_size,
        ))))
    }

    async fn open(&self, key: &UploadKey) -> Result<Option<StoredFile>, RepoError> {
        match self.store.get(&self.path(key)).await {
            Ok(found) => Ok(Some(StoredFile {
                size: found.meta.size,
                bytes: found.into_stream().map_err(storage_error).boxed(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(storage_error(e)),
        }
    }

    async fn delete(&self, key: &UploadKey) -> Result<(), RepoError> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(storage_error(e)),
        }
    }
}

struct ObjectWriter(WriteMultipart);

#[async_trait]
impl FileWriter for ObjectWriter {
    async fn write(&mut self, chunk: Bytes) -> Result<(), RepoError> {
        self.0
            .wait_for_capacity(PARTS_IN_FLIGHT)
            .await
            .map_err(storage_error)?;
        self.0.put(chunk);
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<(), RepoError> {
        self.0.finish().await.map(|_| ()).map_err(storage_error)
    }

    async fn abort(self: Box<Self>) -> Result<(), RepoError> {
        self.0.abort().await.map_err(storage_error)
    }
}
