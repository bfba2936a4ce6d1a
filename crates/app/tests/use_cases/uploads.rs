//! Uploads: measured, typed and named safely, attached by their owner only, served to readers, swept.

use crate::fixture::*;

#[tokio::test]
async fn an_upload_is_measured_hashed_typed_and_named_safely() {
    let w = world().await;
    let c = customer("c1");
    let u = upload(&w, &c, "../../Résumé.pdf", PDF).await;
    assert_eq!(u.file_name.as_str(), "Résumé.pdf");
    assert_eq!(u.size, PDF.len() as u64);
    assert_eq!(u.content_type, "application/pdf");
    // sha256 of PDF, computed independently (sha256sum).
    let expected: String = {
        use sha2::Digest;
        sha2::Sha256::digest(PDF)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(u.sha256, expected);
    assert_eq!(u.owner, c);
    assert_eq!(w.files.keys(), vec![u.key.clone()]);
    let opened = w.desk.open_upload(&c, &u.key).await.unwrap();
    assert_eq!(opened.file.size, PDF.len() as u64);
}

#[tokio::test]
async fn a_refused_upload_leaves_no_file_and_no_record() {
    let w = world().await;
    let c = customer("c1");
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0\x40\0\0\0\0\0";
    assert!(matches!(
        try_upload(&w, &c, "invoice.pdf", exe).await,
        Err(AppError::UnsupportedType(_))
    ));
    let small = w.desk.clone().with_attachment_policy(AttachmentPolicy {
        max_file_bytes: 20,
        ..AttachmentPolicy::default()
    });
    let w2 = World {
        desk: small,
        store: w.store.clone(),
        files: w.files.clone(),
        top: w.top,
        sub: w.sub,
    };
    assert!(matches!(
        try_upload(&w2, &c, "big.pdf", PDF).await,
        Err(AppError::TooLarge(_))
    ));
    assert!(matches!(
        try_upload(&w, &c, "empty.txt", b"").await,
        Err(AppError::Invalid(_))
    ));
    assert!(w.files.keys().is_empty());
    assert!(w.store.all_upload_keys().is_empty());
}

#[tokio::test]
async fn only_the_senders_own_unattached_uploads_can_be_attached() {
    let w = world().await;
    let c1 = customer("c1");
    let c2 = customer("c2");
    let id = open(&w, &c1, "Refund").await;
    let mine = upload(&w, &c1, "mine.pdf", PDF).await;
    let theirs = upload(&w, &c2, "theirs.pdf", PDF).await;
    let unknown = AttachmentInput {
        file_name: FileName::parse("x.pdf").unwrap(),
        file_path: FilePath::parse("/uploads/attachment1.pdf").unwrap(),
    };
    let e = w
        .desk
        .add_message(
            &c1,
            id,
            files_message(vec![
                attach("ok.pdf", &mine),
                attach("t.pdf", &theirs),
                unknown,
            ]),
        )
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(e),
        ["attachments[1].filePath", "attachments[2].filePath"]
    );
    assert!(w.store.all_messages().is_empty());
    let m = w
        .desk
        .add_message(&c1, id, files_message(vec![attach("ok.pdf", &mine)]))
        .await
        .unwrap();
    assert_eq!(m.attachments[0].upload, Some(mine.key.clone()));
    assert_eq!(m.attachments[0].file_name.as_str(), "ok.pdf");
    let again = w
        .desk
        .add_message(&c1, id, files_message(vec![attach("ok.pdf", &mine)]))
        .await
        .unwrap_err();
    assert_eq!(field_errors(again), ["attachments[0].filePath"]);
    let twice = upload(&w, &c1, "b.pdf", PDF).await;
    let e = w
        .desk
        .add_message(
            &c1,
            id,
            files_message(vec![attach("1.pdf", &twice), attach("2.pdf", &twice)]),
        )
        .await
        .unwrap_err();
    assert_eq!(field_errors(e), ["attachments[1].filePath"]);
}

#[tokio::test]
async fn with_the_check_off_older_paths_are_kept_and_uploads_still_linked() {
    let w = world().await;
    let desk = w.desk.clone().with_attachment_policy(AttachmentPolicy {
        require_uploaded: false,
        ..AttachmentPolicy::default()
    });
    let c1 = customer("c1");
    let id = open(&w, &c1, "Refund").await;
    let mine = upload(&w, &c1, "mine.pdf", PDF).await;
    let theirs = upload(&w, &customer("c2"), "theirs.pdf", PDF).await;
    let legacy = AttachmentInput {
        file_name: FileName::parse("attachment1.pdf").unwrap(),
        file_path: FilePath::parse("/uploads/attachment1.pdf").unwrap(),
    };
    let m = desk
        .add_message(
            &c1,
            id,
            files_message(vec![
                legacy,
                attach("m.pdf", &mine),
                attach("t.pdf", &theirs),
            ]),
        )
        .await
        .unwrap();
    let links: Vec<_> = m.attachments.iter().map(|a| a.upload.clone()).collect();
    // Another user's upload is never linked, so its file stays theirs.
    assert_eq!(links, [None, Some(mine.key.clone()), None]);
    assert!(desk.open_upload(&c1, &theirs.key).await.is_err());
}

#[tokio::test]
async fn files_are_served_only_to_who_may_read_their_message() {
    let w = world().await;
    let c1 = customer("c1");
    let c2 = customer("c2");
    let id = open(&w, &c1, "Refund").await;
    let public = upload(&w, &c1, "p.pdf", PDF).await;
    let note = upload(&w, &agent(), "n.pdf", PDF).await;
    let loose = upload(&w, &c1, "l.pdf", PDF).await;
    w.desk
        .add_message(&c1, id, files_message(vec![attach("p.pdf", &public)]))
        .await
        .unwrap();
    let mut internal = files_message(vec![attach("n.pdf", &note)]);
    internal.visibility = Visibility::Internal;
    w.desk.add_message(&agent(), id, internal).await.unwrap();
    let can = |who: Actor, key: UploadKey| {
        let desk = w.desk.clone();
        async move { desk.open_upload(&who, &key).await.is_ok() }
    };
    assert!(can(c1.clone(), public.key.clone()).await);
    assert!(can(admin(), public.key.clone()).await);
    assert!(!can(c2.clone(), public.key.clone()).await);
    assert!(!can(c1.clone(), note.key.clone()).await);
    assert!(can(actor("agent2", UserType::Agent), note.key.clone()).await);
    assert!(can(c1.clone(), loose.key.clone()).await);
    assert!(!can(agent(), loose.key.clone()).await);
    assert!(w.desk.open_upload_by_link(&public.key).await.is_ok());
    assert!(w.desk.open_upload_by_link(&loose.key).await.is_err());
}

#[tokio::test]
async fn the_sweep_removes_old_unattached_uploads_and_its_own_orphan_files_only() {
    let w = world().await;
    let c = customer("c1");
    let id = open(&w, &c, "Refund").await;
    let kept = upload(&w, &c, "kept.pdf", PDF).await;
    let old = upload(&w, &c, "old.pdf", PDF).await;
    w.desk
        .add_message(&c, id, files_message(vec![attach("kept.pdf", &kept)]))
        .await
        .unwrap();
    // A file an interrupted upload of this installation left (noted before
    // it was written, never recorded), and a file someone else put there.
    let orphan = UploadKey::from_random([9; 16]);
    let start = chrono::Utc.with_ymd_and_hms(2025, 4, 1, 10, 0, 0).unwrap();
    ticketd_ports::UploadRepository::note_written_file(
        w.store.as_ref(),
        &orphan,
        start - chrono::Duration::days(3),
    )
    .await
    .unwrap();
    w.files.insert(
        orphan.clone(),
        PDF.to_vec(),
        start - chrono::Duration::days(3),
    );
    let foreign = UploadKey::from_random([8; 16]);
    w.files.insert(
        foreign.clone(),
        PDF.to_vec(),
        start - chrono::Duration::days(3),
    );
    // A day less a minute later, nothing is old enough.
    let later = |d: chrono::Duration| {
        let clock = Arc::new(FixedClock(start + d));
        SupportDesk::new(StoragePorts::of(w.store.clone()), w.files.clone(), clock)
    };
    let report = later(chrono::Duration::minutes(23 * 60 + 59))
        .sweep_uploads()
        .await
        .unwrap();
    assert_eq!(report.uploads, 0);
    assert_eq!(report.orphan_files, 1);
    let report = later(chrono::Duration::hours(25))
        .sweep_uploads()
        .await
        .unwrap();
    assert_eq!(report.uploads, 1);
    assert_eq!(
        report.orphan_files, 0,
        "each orphan is removed and counted once"
    );
    let mut left = w.files.keys();
    left.sort();
    let mut expected = vec![kept.key.clone(), foreign.clone()];
    expected.sort();
    assert_eq!(left, expected, "the foreign file is never touched");
    assert!(w.desk.open_upload(&c, &old.key).await.is_err());
    assert!(w.desk.open_upload(&c, &kept.key).await.is_ok());
}
