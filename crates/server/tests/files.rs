//! Attachments through a running `ticketd` over real HTTP, on SQLite and on
//! PostgreSQL: a multi-megabyte upload streamed to the data directory, its
//! download with every header, and the background sweep of uploads never
//! attached.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

mod support;

use serde_json::Value;
use support::{Server, get, header, token, upload};
use ticketd_store_diesel::testing::TestDatabase;

fn upload_attach_download_and_sweep(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        dir.path(),
        database_url,
        &[
            ("TICKETD_UPLOAD_RETENTION_SECS", "2"),
            ("TICKETD_UPLOAD_SWEEP_INTERVAL_SECS", "1"),
        ],
    );
    let port = server.port;
    let admin = token(dir.path(), "admin1", "admin");
    let customer = token(dir.path(), "user01", "customer");
    let (status, _) = server.call(
        "POST",
        "/backend/api/support-ticket/categories",
        Some(&admin),
        Some(r#"{"categoryName":"Refund"}"#),
    );
    assert_eq!(status, 201);
    let (status, body) = server.call(
        "POST",
        "/backend/api/support-ticket",
        Some(&customer),
        Some(r#"{"subject":"Refund","description":"Invoice attached","categoryId":1}"#),
    );
    assert_eq!(status, 201, "{body}");
    let ticket: Value = serde_json::from_str(&body).unwrap();
    let id = ticket["data"]["id"].as_i64().unwrap();

    let mut content = b"%PDF-1.7\n".to_vec();
    content.extend((0..3_000_000u32).map(|i| (i % 251) as u8));
    let up = upload(port, &customer, "Invoice März.pdf", &content);
    let path = up["filePath"].as_str().unwrap().to_owned();
    let key = path.strip_prefix("/uploads/").unwrap().to_owned();
    assert_eq!(up["size"], serde_json::json!(content.len()));
    // The bytes are in the data directory, under the key only.
    let stored = dir.path().join("data/uploads").join(&key);
    assert_eq!(std::fs::read(&stored).unwrap(), content);

    let message = format!(
        r#"{{"message":"invoice","attachments":[{{"fileName":"invoice.pdf","filePath":"{path}"}}]}}"#
    );
    let (status, body) = server.call(
        "POST",
        &format!("/backend/api/support-ticket/{id}"),
        Some(&customer),
        Some(&message),
    );
    assert_eq!(status, 200, "{body}");

    let (status, headers, bytes) = get(
        port,
        &format!("/backend/api/support-ticket{path}"),
        Some(&customer),
    );
    assert_eq!(status, 200, "{headers}");
    assert_eq!(bytes, content);
    let length = content.len().to_string();
    assert_eq!(header(&headers, "content-length"), Some(length.as_str()));
    assert_eq!(header(&headers, "content-type"), Some("application/pdf"));
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
    let etag = format!("\"{}\"", up["sha256"].as_str().unwrap());
    assert_eq!(header(&headers, "etag"), Some(etag.as_str()));
    assert_eq!(
        header(&headers, "content-disposition"),
        Some("attachment; filename=\"Invoice M_rz.pdf\"; filename*=UTF-8''Invoice%20M%C3%A4rz.pdf")
    );

    // The details' link works without the token.
    let (_, body) = server.call(
        "GET",
        &format!("/backend/api/support-ticket/{id}"),
        Some(&customer),
        None,
    );
    let details: Value = serde_json::from_str(&body).unwrap();
    let link = details["data"]["ticketMessage"][0]["ticketAttachments"][0]["downloadUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, bytes) = get(port, &link, None);
    assert_eq!((status, bytes.len()), (200, content.len()));

    // An upload never attached is swept by the server itself; the attached one stays.
    let loose = upload(port, &customer, "draft.pdf", b"%PDF-1.7\nnever attached\n");
    let loose_path = loose["filePath"].as_str().unwrap().to_owned();
    let loose_file = dir
        .path()
        .join("data/uploads")
        .join(loose_path.strip_prefix("/uploads/").unwrap());
    assert!(loose_file.exists());
    let deadline = Instant::now() + Duration::from_secs(15);
    while loose_file.exists() {
        assert!(Instant::now() < deadline, "the sweep did not run");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (status, _, _) = get(
        port,
        &format!("/backend/api/support-ticket{loose_path}"),
        Some(&customer),
    );
    assert_eq!(status, 404);
    assert!(stored.exists());
    let (status, _, _) = get(
        port,
        &format!("/backend/api/support-ticket{path}"),
        Some(&customer),
    );
    assert_eq!(status, 200);
}

#[test]
fn sqlite_upload_attach_download_and_sweep() {
    upload_attach_download_and_sweep(None);
}

#[test]
fn postgres_upload_attach_download_and_sweep() {
    let Some(db) = TestDatabase::postgres("postgres_upload_attach_download_and_sweep") else {
        return;
    };
    upload_attach_download_and_sweep(Some(&db.url));
}

#[test]
fn an_upload_that_stops_arriving_gets_408_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), None, &[("TICKETD_CLIENT_TIMEOUT_SECS", "1")]);
    let customer = token(dir.path(), "user01", "customer");
    let boundary = "ticketd-e2e-boundary";
    let part = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.pdf\"\r\n\r\n%PDF-1.7\n"
    );
    let head = format!(
        "POST /backend/api/support-ticket/uploads HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {customer}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: 1000000\r\n\r\n"
    );
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(part.as_bytes()).unwrap();
    stream.write_all(&vec![b'x'; 200_000]).unwrap();
    // ...and then nothing more.
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let answer = String::from_utf8_lossy(&raw);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive"), "{answer}");
    let uploads = dir.path().join("data/uploads");
    let left: Vec<_> = std::fs::read_dir(&uploads).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Everything the server creates under its data folder: the SQLite database
/// with its WAL, the secret, the uploads folder and each upload.
#[cfg(unix)]
#[test]
fn files_and_folders_the_server_creates_are_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(dir.path(), None);
    let customer = token(dir.path(), "c1", "customer");
    upload(server.port, &customer, "private.pdf", b"%PDF-1.4 private");
    let mut seen = Vec::new();
    let mut folders = vec![data.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                folders.push(entry.path());
            }
            seen.push((entry.path(), meta.permissions().mode() & 0o777));
        }
    }
    let names: Vec<String> = seen
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in ["ticketd.db", "ticketd.db-wal", "jwt-secret", "uploads"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    assert!(seen.len() >= 6, "the upload is there too: {names:?}");
    let data_mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(data_mode & 0o077, 0, "the data folder is {data_mode:o}");
    for (path, mode) in &seen {
        assert_eq!(mode & 0o077, 0, "{} is {mode:o}", path.display());
    }
    drop(server);
}

/// Opens a ticket with one attached upload on `server` (whose data folder is
/// `dir`); returns the upload's key.
fn ticket_with_a_file(server: &Server, dir: &std::path::Path, customer: &str) -> String {
    let admin = token(dir, "admin1", "admin");
    let (status, body) = server.call(
        "POST",
        "/backend/api/support-ticket/categories",
        Some(&admin),
        Some(r#"{"categoryName":"Shared"}"#),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = server.call(
        "POST",
        "/backend/api/support-ticket",
        Some(customer),
        Some(r#"{"subject":"s","description":"d","categoryId":1}"#),
    );
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["data"]["id"].clone();
    let up = upload(server.port, customer, "kept.pdf", b"%PDF-1.7\nkept\n");
    let path = up["filePath"].as_str().unwrap().to_owned();
    let message = format!(r#"{{"attachments":[{{"fileName":"kept.pdf","filePath":"{path}"}}]}}"#);
    let (status, body) = server.call(
        "POST",
        &format!("/backend/api/support-ticket/{id}"),
        Some(customer),
        Some(&message),
    );
    assert_eq!(status, 200, "{body}");
    path.strip_prefix("/uploads/").unwrap().to_owned()
}

/// Staging and production on different databases, one storage location: each
/// sweep removes only what its own installation wrote and left unrecorded.
#[test]
fn two_installations_sharing_a_storage_never_sweep_each_others_files() {
    let shared = tempfile::tempdir().unwrap();
    let storage = format!("file://{}", shared.path().display());
    let settings = [
        ("TICKETD_STORAGE_URL", storage.as_str()),
        ("TICKETD_UPLOAD_RETENTION_SECS", "1"),
        ("TICKETD_UPLOAD_SWEEP_INTERVAL_SECS", "1"),
    ];
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Server::start_with(dir_a.path(), None, &settings);
    let b = Server::start_with(dir_b.path(), None, &settings);
    let customer_a = token(dir_a.path(), "c1", "customer");
    let customer_b = token(dir_b.path(), "c1", "customer");
    let key_a = ticket_with_a_file(&a, dir_a.path(), &customer_a);
    let key_b = ticket_with_a_file(&b, dir_b.path(), &customer_b);
    let foreign = shared.path().join("d".repeat(32));
    std::fs::write(&foreign, b"someone else's").unwrap();
    // A loose upload of each, never attached, is its installation's to
    // sweep: once both are gone, both sweeps have run over the shared storage
    // (and over each other's files) since the attached files were written.
    let loose_file = |server: &Server, customer: &str| {
        let loose = upload(server.port, customer, "loose.pdf", b"%PDF-1.7\nloose\n");
        let key = loose["filePath"]
            .as_str()
            .unwrap()
            .strip_prefix("/uploads/")
            .unwrap()
            .to_owned();
        shared.path().join(key)
    };
    let loose = [loose_file(&a, &customer_a), loose_file(&b, &customer_b)];
    let deadline = Instant::now() + Duration::from_secs(15);
    while loose.iter().any(|f| f.exists()) {
        assert!(Instant::now() < deadline, "the sweeps did not run");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        shared.path().join(&key_a).exists(),
        "A's attached file was removed"
    );
    assert!(
        shared.path().join(&key_b).exists(),
        "B's attached file was removed"
    );
    assert!(foreign.exists(), "a file neither wrote was removed");
    for (server, customer, key) in [(&a, &customer_a, &key_a), (&b, &customer_b, &key_b)] {
        let (status, _, bytes) = get(
            server.port,
            &format!("/backend/api/support-ticket/uploads/{key}"),
            Some(customer),
        );
        assert_eq!((status, bytes.as_slice()), (200, &b"%PDF-1.7\nkept\n"[..]));
    }
}
