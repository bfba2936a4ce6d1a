//! The fake of `UploadRepository`.

use super::*;

#[async_trait]
impl UploadRepository for InMemoryStore {
    async fn create_uploads(&self, uploads: Vec<NewUpload>) -> Result<Vec<Upload>, RepoError> {
        let mut s = self.lock()?;
        if uploads
            .iter()
            .any(|n| s.uploads.iter().any(|u| u.key == n.key))
        {
            return Err(RepoError::Conflict("upload key taken".into()));
        }
        let made: Vec<Upload> = uploads
            .into_iter()
            .map(|n| Upload {
                key: n.key,
                owner: n.owner,
                file_name: n.file_name,
                content_type: n.content_type,
                size: n.size,
                sha256: n.sha256,
                created_at: n.at,
                attached_to: None,
            })
            .collect();
        s.uploads.extend(made.iter().cloned());
        s.written_files
            .retain(|(k, _)| !made.iter().any(|u| &u.key == k));
        Ok(made)
    }

    async fn get_upload(&self, key: &UploadKey) -> Result<Option<Upload>, RepoError> {
        let s = self.lock()?;
        Ok(s.uploads.iter().find(|u| &u.key == key).cloned())
    }

    async fn delete_unattached_uploads(
        &self,
        created_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<UploadKey>, RepoError> {
        let mut s = self.lock()?;
        let doomed: Vec<UploadKey> = s
            .uploads
            .iter()
            .filter(|u| u.attached_to.is_none() && u.created_at < created_before)
            .take(limit as usize)
            .map(|u| u.key.clone())
            .collect();
        s.uploads.retain(|u| !doomed.contains(&u.key));
        Ok(doomed)
    }

    async fn note_written_file(&self, key: &UploadKey, at: Timestamp) -> Result<(), RepoError> {
        let mut s = self.lock()?;
        s.written_files.retain(|(k, _)| k != key);
        s.written_files.push((key.clone(), at));
        Ok(())
    }

    async fn unrecorded_files(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<UploadKey>, RepoError> {
        let s = self.lock()?;
        let mut left: Vec<&(UploadKey, Timestamp)> = s
            .written_files
            .iter()
            .filter(|(k, at)| *at < before && !s.uploads.iter().any(|u| &u.key == k))
            .collect();
        left.sort_by_key(|(_, at)| *at);
        Ok(left
            .into_iter()
            .take(limit as usize)
            .map(|(k, _)| k.clone())
            .collect())
    }

    async fn unattached_bytes(&self, owner: &UserId) -> Result<u64, RepoError> {
        let s = self.lock()?;
        Ok(s.uploads
            .iter()
            .filter(|u| &u.owner.id == owner && u.attached_to.is_none())
            .map(|u| u.size)
            .sum())
    }

    async fn forget_written_files(&self, keys: &[UploadKey]) -> Result<(), RepoError> {
        self.lock()?
            .written_files
            .retain(|(k, _)| !keys.contains(k));
        Ok(())
    }
}
