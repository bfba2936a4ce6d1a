//! Uploads: read back, attached once, swept when old and unattached.

use super::support::*;

/// An upload reads back and knows where it is attached.
pub async fn an_upload_reads_back_and_knows_where_it_is_attached(db: &impl Ports) {
    let cat = category(db, "Refund", None).await;
    let c = who("c1", UserType::Customer);
    let agent = who("agent1", UserType::Agent);
    let id = ticket(db, cat, "c1", "Refund", t0()).await;
    let made = db
        .create_uploads(vec![
            new_upload(&c, "a.pdf", t0()),
            new_upload(&agent, "Résumé.pdf", t0()),
        ])
        .await
        .unwrap();
    let read = db.get_upload(&made[0].key).await.unwrap().unwrap();
    assert_eq!(read, made[0]);
    assert_eq!(read.size, 1234);
    assert_eq!(read.owner, c);
    assert_eq!(read.attached_to, None);
    let note = db
        .add_message(
            id,
            attaching(&agent, &made[1].key, Visibility::Internal),
            log(LogAction::AddedMessage, &agent, t0()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(note.attachments[0].upload, Some(made[1].key.clone()));
    let read = db.get_upload(&made[1].key).await.unwrap().unwrap();
    let at = read.attached_to.unwrap();
    assert_eq!(
        (at.ticket_id, at.message_id, at.visibility),
        (id, note.id, Visibility::Internal)
    );
    assert_eq!(read.file_name.as_str(), "Résumé.pdf");
    let details = db.ticket_details(id, &EVERYTHING).await.unwrap().unwrap();
    assert_eq!(
        details.messages[0].attachments[0].upload,
        Some(made[1].key.clone())
    );
    let unknown = UploadKey::from_random([1; 16]);
    assert!(db.get_upload(&unknown).await.unwrap().is_none());
    let _ = unknown;
}

// The files this installation writes are noted first; recording the upload
// clears the note, and what stays noted past the cut-off is what the sweep
// may remove: nothing else.

// The files this installation writes are noted first; recording the upload
// clears the note, and what stays noted past the cut-off is what the sweep
// may remove: nothing else.

/// Noted files that no upload records are the sweeps only candidates.
pub async fn noted_files_that_no_upload_records_are_the_sweeps_only_candidates(db: &impl Ports) {
    let c = who("c1", UserType::Customer);
    let kept = UploadKey::from_random([1; 16]);
    let left = UploadKey::from_random([2; 16]);
    let fresh = UploadKey::from_random([3; 16]);
    db.note_written_file(&kept, t0()).await.unwrap();
    db.note_written_file(&left, t0()).await.unwrap();
    db.note_written_file(&fresh, t0() + Duration::hours(2))
        .await
        .unwrap();
    let mut upload = new_upload(&c, "kept.pdf", t0());
    upload.key = kept.clone();
    db.create_uploads(vec![upload]).await.unwrap();
    let cutoff = t0() + Duration::hours(1);
    assert_eq!(
        db.unrecorded_files(cutoff, 10).await.unwrap(),
        vec![left.clone()]
    );
    assert_eq!(
        db.unrecorded_files(cutoff + Duration::hours(2), 1)
            .await
            .unwrap(),
        vec![left.clone()]
    );
    db.forget_written_files(std::slice::from_ref(&left))
        .await
        .unwrap();
    assert!(db.unrecorded_files(cutoff, 10).await.unwrap().is_empty());
    // Noting a key again moves its time (a retried write).
    db.note_written_file(&fresh, t0()).await.unwrap();
    assert_eq!(db.unrecorded_files(cutoff, 10).await.unwrap(), vec![fresh]);
}

/// An upload is attached once and a swept one not at all.
pub async fn an_upload_is_attached_once_and_a_swept_one_not_at_all(db: &impl Ports) {
    let cat = category(db, "Refund", None).await;
    let c = who("c1", UserType::Customer);
    let id = ticket(db, cat, "c1", "Refund", t0()).await;
    let made = db
        .create_uploads(vec![
            new_upload(&c, "a.pdf", t0()),
            new_upload(&c, "b.pdf", t0()),
        ])
        .await
        .unwrap();
    let add = |key: &UploadKey| {
        db.add_message(
            id,
            attaching(&c, key, Visibility::Public),
            log(LogAction::AddedMessage, &c, t0()),
            None,
        )
    };
    add(&made[0].key).await.unwrap();
    // The database's words (constraint and table names) stay out of the message.
    match add(&made[0].key).await {
        Err(RepoError::Conflict(m)) => assert_eq!(m, "the upload is already attached to a message"),
        other => panic!("{other:?}"),
    }
    let swept = db
        .delete_unattached_uploads(t0() + Duration::hours(1), 100)
        .await
        .unwrap();
    assert_eq!(swept, vec![made[1].key.clone()]);
    assert!(matches!(
        add(&made[1].key).await,
        Err(RepoError::Conflict(_))
    ));
    // One message (the first), two log entries (opened, one message).
    let details = db.ticket_details(id, &EVERYTHING).await.unwrap().unwrap();
    assert_eq!(details.messages.len(), 1);
    assert_eq!(log_count(db, id).await, 2);
}

/// The sweep takes only old unattached uploads.
pub async fn the_sweep_takes_only_old_unattached_uploads(db: &impl Ports) {
    let cat = category(db, "Refund", None).await;
    let c = who("c1", UserType::Customer);
    let id = ticket(db, cat, "c1", "Refund", t0()).await;
    let old = t0() - Duration::hours(30);
    let made = db
        .create_uploads(vec![
            new_upload(&c, "old-attached.pdf", old),
            new_upload(&c, "old.pdf", old),
            new_upload(&c, "new.pdf", t0()),
        ])
        .await
        .unwrap();
    db.add_message(
        id,
        attaching(&c, &made[0].key, Visibility::Public),
        log(LogAction::AddedMessage, &c, t0()),
        None,
    )
    .await
    .unwrap();
    let cutoff = t0() - Duration::hours(24);
    assert_eq!(
        db.delete_unattached_uploads(cutoff, 100).await.unwrap(),
        vec![made[1].key.clone()]
    );
    assert!(
        db.delete_unattached_uploads(cutoff, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(db.get_upload(&made[0].key).await.unwrap().is_some());
    assert!(db.get_upload(&made[1].key).await.unwrap().is_none());
    assert!(db.get_upload(&made[2].key).await.unwrap().is_some());
}
