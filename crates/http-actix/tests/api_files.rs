//! Attachments end to end through the API, on SQLite and on PostgreSQL, with
//! files in a real directory: upload, attach, download, links, limits, names,
//! and the sweep.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use common::*;
use serde_json::{Value, json};
use sha2::Digest;
use ticketd_app::AttachmentPolicy;
use ticketd_ports::UploadRepository;
use ticketd_store_diesel::test_on_both_databases;
use ticketd_store_diesel::testing::TestDatabase;

/// A PDF of `len` bytes: the signature, then varied bytes.
fn pdf_of(len: usize) -> Vec<u8> {
    let mut bytes = PDF.to_vec();
    bytes.extend((0..len.saturating_sub(PDF.len())).map(|i| (i * 7 % 251) as u8));
    bytes.truncate(len);
    bytes
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The names of the files in `dir` (the object store writes flat keys).
fn stored_files(dir: &tempfile::TempDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The bytes the unattached uploads of `user` hold, as the quota counts them.
async fn unattached_uploads_of<S>(db: &TestDatabase, _api: &TestApi<S>, user: &str) -> u64 {
    ticketd_ports::UploadRepository::unattached_bytes(
        &db.store,
        &ticketd_domain::UserId::parse(user).unwrap(),
    )
    .await
    .unwrap()
}

/// Every upload recorded and not attached: the sweep's view with no cut-off.
async fn unattached_uploads(db: &TestDatabase) -> usize {
    let far = chrono::Utc::now() + chrono::Duration::days(365);
    let keys = db.store.delete_unattached_uploads(far, 1000).await.unwrap();
    keys.len()
}

fn key_of(file_path: &Value) -> String {
    file_path
        .as_str()
        .unwrap()
        .strip_prefix("/uploads/")
        .unwrap()
        .to_owned()
}

test_on_both_databases! { actix_web::test;

async fn an_upload_attaches_and_downloads_back_byte_for_byte(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Invoice").await;
    let content = pdf_of(300_000);
    let up = api.upload(&c, "scan 03.pdf", &content).await;
    assert_eq!(up["fileName"], "scan 03.pdf");
    assert_eq!(up["size"], json!(300_000));
    assert_eq!(up["contentType"], "application/pdf");
    assert_eq!(up["sha256"], sha256_hex(&content));
    let key = key_of(&up["filePath"]);
    assert_eq!(key.len(), 32);
    // Stored under its key only.
    assert_eq!(stored_files(api.files.as_ref().unwrap()), vec![key.clone()]);

    let body = json!({"message": "the invoice", "attachments": [{"fileName": "Invoice March.pdf", "filePath": up["filePath"]}]});
    let added = api.post(&format!("{API}/{id}"), &c, body).await.expect(200);
    assert_eq!(added.data()["attachments"][0]["filePath"], up["filePath"]);

    let details = api.get(&format!("{API}/{id}"), &c).await.expect(200);
    let att = &details.data()["ticketMessage"][0]["ticketAttachments"][0];
    assert_eq!(att["fileName"], "Invoice March.pdf");
    assert_eq!(att["filePath"], up["filePath"]);
    let link = att["downloadUrl"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&format!("{API}/uploads/{key}?expires=")), "{link}");

    for (path, token) in [(format!("{API}/uploads/{key}"), Some(c.as_str())), (link.clone(), None)] {
        let r = api.download(&path, token).await;
        assert_eq!(r.status.as_u16(), 200, "{path}");
        assert_eq!(r.bytes, content, "{path}");
        assert_eq!(r.header("content-type"), Some("application/pdf"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("etag"), Some(format!("\"{}\"", sha256_hex(&content)).as_str()));
        let disposition = r.header("content-disposition").unwrap();
        assert!(disposition.starts_with("attachment"), "{disposition}");
        assert!(disposition.contains("filename=\"scan 03.pdf\""), "{disposition}");
    }
    // A client that has it already is told so.
    let req = TestRequest::get()
        .uri(&link)
        .insert_header(("If-None-Match", format!("\"{}\"", sha256_hex(&content))));
    let r = api.send_raw(req).await;
    assert_eq!(r.status.as_u16(), 304);
    assert!(r.bytes.is_empty());
    // The links change with time, the ETag of the ticket does not.
    let again = api.get(&format!("{API}/{id}"), &c).await.expect(200);
    assert_eq!(again.header("etag"), details.header("etag"));
}

async fn files_are_served_only_to_who_may_read_their_message(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c1 = customer("c1");
    let c2 = customer("c2");
    let id = api.ticket(&c1, cat, "Private").await;
    let public = api.attachment(&c1, "public.pdf").await;
    let note = api.attachment(&agent(), "fraud-evidence.pdf").await;
    let loose = api.upload(&c1, "not-yet.pdf", PDF).await;
    api.post(&format!("{API}/{id}"), &c1, json!({"attachments": [public]})).await.expect(200);
    api.post(&format!("{API}/{id}"), &agent(), json!({"message": "see file", "visibility": "internal", "attachments": [note]})).await.expect(200);
    let url = |f: &Value| format!("{API}{}", f["filePath"].as_str().unwrap());

    assert_eq!(api.download(&url(&public), Some(&c1)).await.status.as_u16(), 200);
    assert_eq!(api.download(&url(&public), Some(&admin())).await.status.as_u16(), 200);
    // Another customer, and a customer against an internal note: 404, as if
    // there were no such file.
    let r = api.call(Method::GET, &url(&public), Some(&c2), None).await.expect_error(404);
    let not_there = api.call(Method::GET, &format!("{API}/uploads/{}", "0".repeat(32)), Some(&c2), None).await.expect_error(404);
    assert_eq!(r.body["message"], not_there.body["message"]);
    api.call(Method::GET, &url(&note), Some(&c1), None).await.expect_error(404);
    assert_eq!(api.download(&url(&note), Some(&token_for("agent2", ticketd_domain::UserType::Agent))).await.status.as_u16(), 200);
    // An upload not attached yet is its owner's only.
    assert_eq!(api.download(&url(&loose), Some(&c1)).await.status.as_u16(), 200);
    api.call(Method::GET, &url(&loose), Some(&agent()), None).await.expect_error(404);
    // Without a token or a link: 401.
    api.call(Method::GET, &url(&public), None, None).await.expect_error(401);

    // The customer's view carries the public file's link, never the note's.
    let mine = api.get(&format!("{API}/{id}"), &c1).await.expect(200);
    let text = mine.body.to_string();
    assert!(!text.contains(&key_of(&note["filePath"])) && !text.contains("fraud"), "{text}");
    assert_eq!(mine.data()["ticketMessage"][0]["ticketAttachments"][0]["downloadUrl"].as_str().map(|l| l.contains(&key_of(&public["filePath"]))), Some(true));
    api.get(&format!("{API}/{id}"), &c2).await.expect_error(404);
    let staff = api.get(&format!("{API}/{id}"), &agent()).await.expect(200);
    let note_link = staff.data()["ticketMessage"][1]["ticketAttachments"][0]["downloadUrl"].as_str().unwrap().to_owned();
    assert!(note_link.contains(&key_of(&note["filePath"])));
}

async fn tampered_incomplete_or_expired_links_are_refused(db: &TestDatabase) {
    let (desk, dir, clock) = desk_and_clock(db);
    let mut short = settings();
    short.download_link_ttl = std::time::Duration::from_secs(1);
    let mut api = api_with(desk, short).await;
    api.files = Some(dir);
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Links").await;
    let a = api.attachment(&c, "a.pdf").await;
    let b = api.attachment(&c, "b.pdf").await;
    api.post(&format!("{API}/{id}"), &c, json!({"attachments": [a, b]})).await.expect(200);
    let details = api.get(&format!("{API}/{id}"), &c).await.expect(200);
    let links: Vec<String> = details.data()["ticketMessage"][0]["ticketAttachments"].as_array().unwrap().iter().map(|x| x["downloadUrl"].as_str().unwrap().to_owned()).collect();
    assert_eq!(api.download(&links[0], None).await.status.as_u16(), 200);

    let (path, query) = links[0].split_once('?').unwrap();
    let mut tampered = links[0].clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    let other_path = links[1].split_once('?').unwrap().0;
    let expires: i64 = query.split('&').next().unwrap().strip_prefix("expires=").unwrap().parse().unwrap();
    let signature = query.split_once("&signature=").unwrap().1;
    for bad in [
        tampered,
        format!("{other_path}?{query}"),
        format!("{path}?expires={}&signature={signature}", expires + 3600),
        format!("{path}?signature={signature}"),
        format!("{path}?expires={expires}"),
        format!("{path}?expires=%3Fbad&signature={signature}"),
    ] {
        let r = api.call(Method::GET, &bad, None, None).await.expect_error(403);
        assert!(r.body["message"].as_str().unwrap().contains("link"), "{bad}");
    }
    // Expired: the link stops working after its time.
    clock.advance(std::time::Duration::from_secs(2));
    api.call(Method::GET, &links[0], None, None).await.expect_error(403);
    // A token still works.
    assert_eq!(api.download(path, Some(&c)).await.status.as_u16(), 200);
}

async fn a_link_stops_working_when_its_ticket_is_deleted(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Soon gone").await;
    let a = api.attachment(&c, "a.pdf").await;
    api.post(&format!("{API}/{id}"), &c, json!({"attachments": [a]})).await.expect(200);
    let details = api.get(&format!("{API}/{id}"), &c).await.expect(200);
    let link = details.data()["ticketMessage"][0]["ticketAttachments"][0]["downloadUrl"].as_str().unwrap().to_owned();
    assert_eq!(api.download(&link, None).await.status.as_u16(), 200);
    api.call(Method::DELETE, &format!("{API}/{id}"), Some(&admin()), None).await.expect(200);
    api.call(Method::GET, &link, None, None).await.expect_error(404);
    // An admin still reads a deleted ticket's files with a token; the owner does not.
    let path = link.split_once('?').unwrap().0;
    assert_eq!(api.download(path, Some(&admin())).await.status.as_u16(), 200);
    api.call(Method::GET, path, Some(&c), None).await.expect_error(404);
    // Restored, the same link works again until it expires.
    api.call(Method::POST, &format!("{API}/{id}/restore"), Some(&admin()), None).await.expect(200);
    assert_eq!(api.download(&link, None).await.status.as_u16(), 200);
}

async fn a_users_unattached_uploads_are_capped_by_a_quota(db: &TestDatabase) {
    let (desk, dir) = desk_over(db);
    let desk = desk.with_attachment_policy(AttachmentPolicy {
        max_unattached_bytes: 100_000,
        ..AttachmentPolicy::default()
    });
    let mut api = api_over(desk).await;
    api.files = Some(dir);
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Quota").await;
    let first = api.upload(&c, "first.pdf", &pdf_of(60_000)).await;
    let before = stored_files(api.files.as_ref().unwrap()).len();
    // 60,000 + 50,000 would pass the quota: refused while it streams, nothing kept.
    let r = api.upload_parts(&c, &[("files", "; filename=\"second.pdf\"", &pdf_of(50_000))]).await.expect_error(413);
    assert!(r.body["message"].as_str().unwrap().contains("not attached"), "{:#}", r.body);
    assert_eq!(stored_files(api.files.as_ref().unwrap()).len(), before);
    assert_eq!(unattached_uploads_of(db, &api, "c1").await, 60_000);
    // Another user has a quota of its own.
    api.upload(&customer("c2"), "theirs.pdf", &pdf_of(60_000)).await;
    // Attached, an upload no longer counts.
    let attach = json!({"attachments": [{"fileName": "first.pdf", "filePath": first["filePath"]}]});
    api.post(&format!("{API}/{id}"), &c, attach).await.expect(200);
    api.upload(&c, "second.pdf", &pdf_of(50_000)).await;
}

async fn uploaded_bytes_count_against_a_users_rate(db: &TestDatabase) {
    let (desk, dir) = desk_over(db);
    let mut limited = settings();
    limited.upload_bytes_per_minute = 120 * 1024;
    let mut api = api_with(desk, limited).await;
    api.files = Some(dir);
    let c = customer("c1");
    api.upload(&c, "a.pdf", &pdf_of(100_000)).await;
    let r = api.upload_parts(&c, &[("files", "; filename=\"b.pdf\"", &pdf_of(100_000))]).await.expect_error(429);
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(stored_files(api.files.as_ref().unwrap()).len(), 1, "nothing of the refused upload is kept");
    // Others upload as before.
    api.upload(&customer("c2"), "c.pdf", &pdf_of(100_000)).await;
}

async fn oversized_uploads_get_413_and_leave_nothing(db: &TestDatabase) {
    let (desk, dir) = desk_over(db);
    let desk = desk.with_attachment_policy(AttachmentPolicy {
        max_file_bytes: 100_000,
        max_request_bytes: 150_000,
        ..AttachmentPolicy::default()
    });
    let api = api_over(desk).await;
    let c = customer("c1");
    let big = pdf_of(100_001);
    let fits = pdf_of(90_000);
    let r = api.upload_parts(&c, &[("files", "; filename=\"big.pdf\"", &big)]).await.expect_error(413);
    assert!(r.body["message"].as_str().unwrap().contains("big.pdf"), "{:#}", r.body);
    // The first file fits, the second passes the request's limit: neither is kept.
    api.upload_parts(&c, &[("files", "; filename=\"a.pdf\"", &fits), ("files", "; filename=\"b.pdf\"", &fits)]).await.expect_error(413);
    // A declared length over the limit is refused before reading.
    let req = TestRequest::post()
        .uri(&format!("{API}/uploads"))
        .insert_header(("Authorization", format!("Bearer {c}")))
        .insert_header(("Content-Type", "multipart/form-data; boundary=x"))
        .insert_header(("Content-Length", "999999999"));
    assert_eq!(api.send_raw(req).await.status.as_u16(), 413);
    assert!(stored_files(&dir).is_empty(), "{:?}", stored_files(&dir));
    assert_eq!(unattached_uploads(db).await, 0);
    // At the limit is fine.
    api.upload(&c, "ok.pdf", &pdf_of(100_000)).await;
    assert_eq!(stored_files(&dir).len(), 1);
}

async fn a_disguised_executable_gets_415_and_leaves_nothing(db: &TestDatabase) {
    let api = api(db).await;
    let c = customer("c1");
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    exe.resize(4096, 0);
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00".to_vec();
    for (name, bytes) in [("invoice.pdf", &exe), ("photo.jpg", &elf)] {
        let r = api.upload_parts(&c, &[("files", &format!("; filename=\"{name}\""), bytes)]).await.expect_error(415);
        assert!(r.body["message"].as_str().unwrap().contains(name), "{:#}", r.body);
    }
    // One good file and one bad: the good one is not kept either.
    api.upload_parts(&c, &[("files", "; filename=\"ok.pdf\"", PDF), ("files", "; filename=\"x.pdf\"", &exe)]).await.expect_error(415);
    assert!(stored_files(api.files.as_ref().unwrap()).is_empty());
    assert_eq!(unattached_uploads(db).await, 0);
    // Text, images and office files are accepted, typed by their bytes.
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00".to_vec();
    for (name, bytes, expected) in [
        ("notes.bin", "plain text, Grüße\n".as_bytes().to_vec(), "text/plain; charset=utf-8"),
        ("export.csv", b"caf\xe9;5,00\r\n".to_vec(), "text/plain"),
        ("image", png, "image/png"),
    ] {
        let up = api.upload(&c, name, &bytes).await;
        assert_eq!(up["contentType"], expected, "{name}");
    }
    let up = api.upload(&c, "notes.txt", "line one\nline two\n".as_bytes()).await;
    let r = api.download(&format!("{API}{}", up["filePath"].as_str().unwrap()), Some(&c)).await;
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
}

async fn hostile_file_names_are_stored_safely(db: &TestDatabase) {
    let api = api(db).await;
    let c = customer("c1");
    let long = format!("{}.txt", "n".repeat(300));
    let cases = [
        ("; filename=\"../../x.txt\"", "x.txt"),
        ("; filename=\"a/b.txt\"", "b.txt"),
        ("; filename*=UTF-8''evil%00name.txt", "evilname.txt"),
        ("; filename*=UTF-8''R%C3%A9sum%C3%A9%20%E5%B1%A5%E6%AD%B4.txt", "Résumé 履歴.txt"),
        ("; filename=\"..\"", "file"),
        ("; filename=\"CON.txt\"", "_CON.txt"),
    ];
    for (disposition, expected) in cases {
        let r = api.upload_parts(&c, &[("files", disposition, b"hello")]).await.expect(201);
        assert_eq!(r.data()[0]["fileName"], expected, "{disposition}");
    }
    let r = api.upload_parts(&c, &[("files", &format!("; filename=\"{long}\""), b"hello")]).await.expect(201);
    let name = r.data()[0]["fileName"].as_str().unwrap();
    assert_eq!(name.chars().count(), 255);
    assert!(name.ends_with("n.txt"));
    // Whatever the names, the files are stored under their keys only.
    let files = stored_files(api.files.as_ref().unwrap());
    assert_eq!(files.len(), cases.len() + 1);
    assert!(files.iter().all(|f| f.len() == 32 && f.bytes().all(|b| b.is_ascii_hexdigit())), "{files:?}");
    // The download's name is safe for every browser.
    let up = api.upload_parts(&c, &[("files", "; filename*=UTF-8''%22quoted%22%20%C3%A9.txt", b"hi")]).await.expect(201);
    let r = api.download(&format!("{API}{}", up.data()[0]["filePath"].as_str().unwrap()), Some(&c)).await;
    let disposition = r.header("content-disposition").unwrap().to_owned();
    assert!(disposition.contains("filename=\"_quoted_ _.txt\""), "{disposition}");
    // `"` is one of the characters some file systems refuse: stored as `_`.
    assert!(disposition.contains("filename*=UTF-8''_quoted_%20%C3%A9.txt"), "{disposition}");
}

async fn a_messages_attachment_names_are_made_safe_like_uploads(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Invoice").await;
    let path = format!("{API}/{id}");
    let mut mine = api.attachment(&c, "mine.pdf").await;
    // Shown as "invoiceexe.pdf" if the right-to-left override were kept.
    mine["fileName"] = json!("invoice\u{202E}fdp.exe");
    let r = api.post(&path, &c, json!({"attachments": [mine]})).await.expect(200);
    assert_eq!(r.data()["attachments"][0]["fileName"], "invoicefdp.exe");
    let d = api.get(&path, &c).await.expect(200);
    let attachment = &d.data()["ticketMessage"][0]["ticketAttachments"][0];
    assert_eq!(attachment["fileName"], "invoicefdp.exe");
    let mut other = api.attachment(&c, "other.pdf").await;
    other["fileName"] = json!("CON");
    let r = api.post(&path, &c, json!({"attachments": [other]})).await.expect(200);
    assert_eq!(r.data()["attachments"][0]["fileName"], "_CON");
    // Names stored before this rule are shown without the characters, never
    // refused (a 500) on the way out.
    db.execute("UPDATE ticket_attachments SET file_name = 'legacy\u{202E}txt.exe\u{0007}'");
    let d = api.get(&path, &c).await.expect(200);
    for m in d.data()["ticketMessage"].as_array().unwrap() {
        assert_eq!(m["ticketAttachments"][0]["fileName"], "legacytxt.exe", "{m}");
    }
    let link = d.data()["ticketMessage"][0]["ticketAttachments"][0]["downloadUrl"].as_str().unwrap().to_owned();
    let r = api.download(&link, None).await;
    let disposition = r.header("content-disposition").unwrap().to_owned();
    assert!(!disposition.contains("%E2%80%AE") && !disposition.contains('\u{202E}'), "{disposition}");
}

async fn only_ones_own_unattached_uploads_can_be_attached(db: &TestDatabase) {
    let api = api(db).await;
    let cat = api.category("General", 0).await;
    let c1 = customer("c1");
    let c2 = customer("c2");
    let id = api.ticket(&c1, cat, "Attach").await;
    let path = format!("{API}/{id}");
    let theirs = api.attachment(&c2, "theirs.pdf").await;
    let mine = api.attachment(&c1, "mine.pdf").await;
    let unknown = json!({"fileName": "attachment1.pdf", "filePath": "/uploads/attachment1.pdf"});
    let unknown_key = json!({"fileName": "x.pdf", "filePath": format!("/uploads/{}", "a".repeat(32))});
    for (attachments, fields) in [
        (json!([theirs]), vec!["attachments[0].filePath"]),
        (json!([mine, unknown]), vec!["attachments[1].filePath"]),
        (json!([unknown_key]), vec!["attachments[0].filePath"]),
        (json!([mine, mine]), vec!["attachments[1].filePath"]),
    ] {
        let r = api.post(&path, &c1, json!({"message": "m", "attachments": attachments})).await.expect_error(400);
        assert_eq!(r.error_fields(), fields, "{attachments}");
    }
    assert_eq!(api.message_count(id).await, 0);
    api.post(&path, &c1, json!({"attachments": [mine]})).await.expect(200);
    let r = api.post(&path, &c1, json!({"attachments": [mine]})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["attachments[0].filePath"]);
    assert!(r.body["message"].as_str().unwrap().contains("attached"), "{:#}", r.body);
    assert_eq!(api.message_count(id).await, 1);
    // Even staff cannot attach a customer's upload.
    let other = api.attachment(&c1, "other.pdf").await;
    api.post(&path, &agent(), json!({"attachments": [other]})).await.expect_error(400);
}

async fn with_the_check_off_the_documented_request_works_verbatim(db: &TestDatabase) {
    let (desk, dir) = desk_over(db);
    let desk = desk.with_attachment_policy(AttachmentPolicy {
        require_uploaded: false,
        ..AttachmentPolicy::default()
    });
    let mut api = api_over(desk).await;
    api.files = Some(dir);
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Legacy").await;
    let mine = api.attachment(&c, "mine.pdf").await;
    let legacy = json!({"fileName": "attachment1.pdf", "filePath": "/uploads/attachment1.pdf"});
    api.post(&format!("{API}/{id}"), &c, json!({"message": "Can you provide an update on my request?", "attachments": [legacy, mine]})).await.expect(200);
    let d = api.get(&format!("{API}/{id}"), &c).await.expect(200);
    let atts = &d.data()["ticketMessage"][0]["ticketAttachments"];
    assert_eq!(atts[0]["filePath"], "/uploads/attachment1.pdf");
    assert_eq!(atts[0]["downloadUrl"], Value::Null);
    assert!(atts[1]["downloadUrl"].is_string());
    api.call(Method::GET, &format!("{API}/uploads/attachment1.pdf"), Some(&c), None).await.expect_error(404);
}

async fn malformed_upload_requests_get_clear_errors(db: &TestDatabase) {
    let api = api(db).await;
    let c = customer("c1");
    let req = TestRequest::post()
        .uri(&format!("{API}/uploads"))
        .insert_header(("Authorization", format!("Bearer {c}")))
        .set_json(json!({"files": ["x"]}));
    let r = api.send(req).await.expect_error(415);
    assert!(r.body["message"].as_str().unwrap().contains("multipart/form-data"));
    api.upload_parts(&c, &[]).await.expect_error(400);
    let r = api.upload_parts(&c, &[("file", "; filename=\"a.pdf\"", PDF)]).await.expect_error(400);
    assert_eq!(r.error_fields(), ["files"]);
    api.upload_parts(&c, &[("files", "", PDF)]).await.expect_error(400);
    api.upload_parts(&c, &[("files", "; filename=\"empty.pdf\"", b"")]).await.expect_error(400);
    let eleven: Vec<(&str, &str, &[u8])> = (0..11).map(|_| ("files", "; filename=\"a.pdf\"", PDF)).collect();
    api.upload_parts(&c, &eleven).await.expect_error(400);
    let req = TestRequest::post()
        .uri(&format!("{API}/uploads"))
        .insert_header(("Authorization", format!("Bearer {c}")))
        .insert_header(("Content-Type", "multipart/form-data; boundary=abc"))
        .set_payload("--abc\r\nnot a part header\r\n");
    api.send(req).await.expect_error(400);
    let (content_type, body) = multipart(&[("files", "; filename=\"a.pdf\"", PDF)]);
    let anonymous = TestRequest::post()
        .uri(&format!("{API}/uploads"))
        .insert_header(("Content-Type", content_type))
        .set_payload(body);
    api.send(anonymous).await.expect_error(401);
    assert!(stored_files(api.files.as_ref().unwrap()).is_empty());
    assert_eq!(unattached_uploads(db).await, 0);
}

async fn the_sweep_removes_old_unattached_uploads_and_keeps_attached_ones(db: &TestDatabase) {
    let (desk, dir, clock) = desk_and_clock(db);
    let desk = desk.with_attachment_policy(AttachmentPolicy {
        retention: chrono::Duration::seconds(1),
        ..AttachmentPolicy::default()
    });
    let api = api_over(desk.clone()).await;
    let cat = api.category("General", 0).await;
    let c = customer("c1");
    let id = api.ticket(&c, cat, "Sweep").await;
    let kept = api.attachment(&c, "kept.pdf").await;
    let old = api.upload(&c, "old.pdf", PDF).await;
    api.post(&format!("{API}/{id}"), &c, json!({"attachments": [kept]})).await.expect(200);
    // Nothing is old enough yet.
    assert_eq!(desk.sweep_uploads().await.unwrap().uploads, 0);
    assert_eq!(stored_files(&dir).len(), 2);
    clock.advance(std::time::Duration::from_secs(2));
    let report = desk.sweep_uploads().await.unwrap();
    assert_eq!((report.uploads, report.orphan_files), (1, 0));
    assert_eq!(stored_files(&dir), vec![key_of(&kept["filePath"])]);
    let url = |f: &Value| format!("{API}{}", f["filePath"].as_str().unwrap());
    api.call(Method::GET, &url(&old), Some(&c), None).await.expect_error(404);
    assert_eq!(api.download(&url(&kept), Some(&c)).await.bytes, PDF);
    // A swept upload can no longer be attached.
    let r = api.post(&format!("{API}/{id}"), &c, json!({"attachments": [{"fileName": "o.pdf", "filePath": old["filePath"]}]})).await.expect_error(400);
    assert_eq!(r.error_fields(), ["attachments[0].filePath"]);
    // A file this installation began to write and never recorded (a crash
    // between writing and recording) goes too; a file it did not write (another
    // installation's upload in a shared storage) stays.
    let crashed = ticketd_domain::UploadKey::parse(&"b".repeat(32)).unwrap();
    ticketd_ports::UploadRepository::note_written_file(&db.store, &crashed, desk.now()).await.unwrap();
    std::fs::write(dir.path().join(crashed.as_str()), PDF).unwrap();
    let foreign = "c".repeat(32);
    std::fs::write(dir.path().join(&foreign), PDF).unwrap();
    clock.advance(std::time::Duration::from_secs(2));
    let report = desk.sweep_uploads().await.unwrap();
    assert_eq!((report.uploads, report.orphan_files), (0, 1));
    let mut expected = vec![key_of(&kept["filePath"]), foreign];
    expected.sort();
    assert_eq!(stored_files(&dir), expected);
    // Nothing left to count the next time.
    assert_eq!(desk.sweep_uploads().await.unwrap().orphan_files, 0);
}
}

#[actix_web::test]
async fn the_upload_limits_are_the_documented_defaults() {
    let policy = AttachmentPolicy::default();
    assert_eq!(policy.max_file_bytes, 10 * 1024 * 1024);
    assert_eq!(policy.max_files, 10);
    assert!(policy.require_uploaded);
    assert_eq!(policy.retention, chrono::Duration::hours(24));
}
