//! The object-store adapter over a local directory, and over `object_store`'s
//! in-memory store (the code path of S3, GCS and Azure, without a network).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use bytes::Bytes;
use futures_util::TryStreamExt;
use ticketd_domain::UploadKey;
use ticketd_files::ObjectFiles;
use ticketd_ports::FileStore;

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = walk(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
        .collect();
    names.sort();
    names
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn read_all(files: &ObjectFiles, key: &UploadKey) -> Vec<u8> {
    let stored = files.open(key).await.unwrap().unwrap();
    let chunks: Vec<Bytes> = stored.bytes.try_collect().await.unwrap();
    let bytes = chunks.concat();
    assert_eq!(bytes.len() as u64, stored.size);
    bytes
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_written_in_chunks_reads_back_whole_under_its_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_of(dir.path());
    let files = ObjectFiles::open(&url, []).unwrap();
    let key = UploadKey::from_random([3; 16]);
    let content: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let mut writer = files.create(&key).await.unwrap();
    for chunk in content.chunks(65_536) {
        writer.write(Bytes::copy_from_slice(chunk)).await.unwrap();
    }
    // Not readable before it is finished.
    assert!(files.open(&key).await.unwrap().is_none());
    writer.finish().await.unwrap();
    assert_eq!(read_all(&files, &key).await, content);
    assert_eq!(entries(dir.path()), vec![key.to_string()]);
    files.delete(&key).await.unwrap();
    files.delete(&key).await.unwrap();
    assert!(files.open(&key).await.unwrap().is_none());
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_aborted_or_dropped_file_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let files = ObjectFiles::local(dir.path()).unwrap();
    let aborted = UploadKey::from_random([1; 16]);
    let mut writer = files.create(&aborted).await.unwrap();
    writer.write(Bytes::from(vec![7u8; 600_000])).await.unwrap();
    writer.abort().await.unwrap();
    let dropped = UploadKey::from_random([2; 16]);
    let mut writer = files.create(&dropped).await.unwrap();
    writer.write(Bytes::from(vec![7u8; 600_000])).await.unwrap();
    drop(writer);
    // The dropped writer's clean-up runs on a blocking thread.
    for _ in 0..50 {
        if entries(dir.path()).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(entries(dir.path()), Vec::<String>::new());
    assert!(files.open(&aborted).await.unwrap().is_none());
}

#[test]
fn object_store_urls_need_their_feature_and_bad_urls_are_refused() {
    let err = ObjectFiles::open("not a url", []).unwrap_err().to_string();
    assert!(err.contains("not a URL"), "{err}");
    if !cfg!(feature = "aws") {
        let err = ObjectFiles::open("s3://bucket/prefix", [])
            .unwrap_err()
            .to_string();
        assert!(err.contains("feature"), "{err}");
    }
}

fn url_of(dir: &std::path::Path) -> String {
    url::Url::from_directory_path(dir).unwrap().to_string()
}

/// The code path an object store takes (URL parsed by `object_store`, 5 MiB
/// parts), over its in-memory store: a file larger than two parts round-trips.
#[tokio::test(flavor = "multi_thread")]
async fn an_object_store_url_takes_the_same_path_with_large_parts() {
    let files = ObjectFiles::open("memory:///", []).unwrap();
    assert!(
        files.describe().starts_with("object store"),
        "{}",
        files.describe()
    );
    let key = UploadKey::from_random([5; 16]);
    let content: Vec<u8> = (0..12 * 1024 * 1024u32).map(|i| (i % 253) as u8).collect();
    let mut writer = files.create(&key).await.unwrap();
    for chunk in content.chunks(64 * 1024) {
        writer.write(Bytes::copy_from_slice(chunk)).await.unwrap();
    }
    writer.finish().await.unwrap();
    assert_eq!(read_all(&files, &key).await, content);
    files.delete(&key).await.unwrap();
    assert!(files.open(&key).await.unwrap().is_none());
}
