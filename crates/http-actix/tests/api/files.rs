//! Uploads and attachments end to end through the API, on SQLite and on
//! PostgreSQL, with files in a real directory: limits, quotas, types, names,
//! who may attach what, malformed requests. (Downloads: downloads.rs.)

use crate::common::*;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use ticketd_app::AttachmentPolicy;
use ticketd_store_diesel::test_on_both_databases;

test_on_both_databases! { actix_web::test;

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

}

#[actix_web::test]
async fn the_upload_limits_are_the_documented_defaults() {
    let policy = AttachmentPolicy::default();
    assert_eq!(policy.max_file_bytes, 10 * 1024 * 1024);
    assert_eq!(policy.max_files, 10);
    assert!(policy.require_uploaded);
    assert_eq!(policy.retention, chrono::Duration::hours(24));
}
