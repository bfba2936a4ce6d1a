//! Downloads end to end through the API, on SQLite and on PostgreSQL, with
//! files in a real directory: byte for byte, only to readers, signed links,
//! and the sweep.

use crate::common::*;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use ticketd_app::AttachmentPolicy;
use ticketd_store_diesel::test_on_both_databases;

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

    // The same file at the API base and at `filePath` itself (host +
    // filePath), with the token or through the signed link.
    let link_at_path = link.strip_prefix(API).unwrap().to_owned();
    assert!(link_at_path.starts_with(up["filePath"].as_str().unwrap()), "{link_at_path}");
    let file_path = up["filePath"].as_str().unwrap().to_owned();
    for (path, token) in [
        (format!("{API}/uploads/{key}"), Some(c.as_str())),
        (link.clone(), None),
        (file_path, Some(c.as_str())),
        (link_at_path, None),
    ] {
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
    // At the API base and at `filePath` itself (host + filePath), by the
    // same rules.
    for base in [API, ""] {
        let url = |f: &Value| format!("{base}{}", f["filePath"].as_str().unwrap());
        assert_eq!(api.download(&url(&public), Some(&c1)).await.status.as_u16(), 200);
        assert_eq!(api.download(&url(&public), Some(&admin())).await.status.as_u16(), 200);
        // Another customer, and a customer against an internal note: 404, as if
        // there were no such file.
        let r = api.call(Method::GET, &url(&public), Some(&c2), None).await.expect_error(404);
        let not_there = api.call(Method::GET, &format!("{base}/uploads/{}", "0".repeat(32)), Some(&c2), None).await.expect_error(404);
        assert_eq!(r.body["message"], not_there.body["message"]);
        api.call(Method::GET, &url(&note), Some(&c1), None).await.expect_error(404);
        assert_eq!(api.download(&url(&note), Some(&token_for("agent2", ticketd_domain::UserType::Agent))).await.status.as_u16(), 200);
        // An upload not attached yet is its owner's only.
        assert_eq!(api.download(&url(&loose), Some(&c1)).await.status.as_u16(), 200);
        api.call(Method::GET, &url(&loose), Some(&agent()), None).await.expect_error(404);
        // Without a token or a link: 401.
        api.call(Method::GET, &url(&public), None, None).await.expect_error(401);
    }

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
        // Refused at the API base and at the file's own path alike.
        let at_path = bad.strip_prefix(API).unwrap().to_owned();
        for bad in [bad, at_path] {
            let r = api.call(Method::GET, &bad, None, None).await.expect_error(403);
            assert!(r.body["message"].as_str().unwrap().contains("link"), "{bad}");
        }
    }
    // Expired: the link stops working after its time.
    clock.advance(std::time::Duration::from_secs(2));
    api.call(Method::GET, &links[0], None, None).await.expect_error(403);
    api.call(Method::GET, links[0].strip_prefix(API).unwrap(), None, None).await.expect_error(403);
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
