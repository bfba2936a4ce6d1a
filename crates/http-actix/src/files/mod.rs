//! Uploading attachment files, and reading them back: with the Authorization
//! header, or through a download link the server signed.

mod download;

pub(crate) use download::{DownloadLinks, download_file, download_file_at_path};

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Serialize;
use ticketd_app::{AppError, SupportDesk, UploadBatch};
use ticketd_domain::Upload;
use utoipa::ToSchema;

use crate::envelope::Envelope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::input::{BodyLimit, declared_length, media_type, next_within};

const FILES_UPLOADED: &str = "Files uploaded successfully";

/// Room for the multipart framing (boundaries, part headers) beyond the files'
/// own bytes, when judging a declared Content-Length.
const FRAMING_ALLOWANCE: u64 = 64 * 1024;

/// The upload form: one or more files, each a part named `files` with its
/// filename.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the form; `upload_files` reads it as a stream
pub struct UploadForm {
    /// The files. Each is at most 10 MiB (configurable) and must be an image,
    /// PDF, plain text, an office document or a zip archive, judged by its
    /// bytes, not its name.
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1, max_items = 10)]
    files: Vec<Vec<u8>>,
}

/// A file just uploaded: send its `filePath` in a message's `attachments`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadedFileDto {
    /// Its name, made safe: no path parts or control characters.
    #[schema(example = "attachment1.pdf")]
    pub file_name: String,
    /// What to send as `filePath` when attaching it to a message, and where
    /// to download it (at this path, or under `/backend/api/support-ticket`).
    #[schema(example = "/uploads/3f9c2a7e5b1d4c8f9a0b1c2d3e4f5a6b")]
    pub file_path: String,
    /// Its size in bytes.
    #[schema(example = 48213, minimum = 1)]
    pub size: u64,
    /// Its media type, read from its bytes.
    #[schema(example = "application/pdf")]
    pub content_type: String,
    /// The SHA-256 of its bytes, in lowercase hexadecimal.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
}

impl From<&Upload> for UploadedFileDto {
    fn from(u: &Upload) -> Self {
        Self {
            file_name: u.file_name.as_str().to_owned(),
            file_path: u.file_path().as_str().to_owned(),
            size: u.size,
            content_type: u.content_type.clone(),
            sha256: u.sha256.clone(),
        }
    }
}

#[utoipa::path(
    tag = "Messages",
    summary = "Upload Files",
    description = "Uploads files to attach to a message: send them as `multipart/form-data`, \
                   each in a part named `files`. Each file is stored as it arrives, measured, \
                   hashed (SHA-256) and typed by its bytes. Then send each answered `filePath` \
                   (with any `fileName` to show) in `attachments` of \
                   `POST /backend/api/support-ticket/{id}`. A file never attached is removed \
                   after 24 hours.",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The files are stored", body = Envelope<Vec<UploadedFileDto>>,
         example = json!({"status": 1, "message": FILES_UPLOADED, "data": [{
            "fileName": "attachment1.pdf", "filePath": "/uploads/3f9c2a7e5b1d4c8f9a0b1c2d3e4f5a6b",
            "size": 48213, "contentType": "application/pdf",
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]})),
        (status = 400, description = "No file, an empty file, more than 10 files, a part not named `files` or without a filename, or a malformed body", body = ErrorEnvelope),
        (status = 401, description = "Missing or invalid Bearer token", body = ErrorEnvelope),
        (status = 408, description = "The body stopped arriving", body = ErrorEnvelope),
        (status = 413, description = "A file, or all of them together, is over the size limit, or the caller's uploads not attached yet would hold more than its quota; nothing is kept", body = ErrorEnvelope),
        (status = 415, description = "The body is not multipart/form-data, or a file's content is not of an accepted type; nothing is kept", body = ErrorEnvelope),
        (status = 429, description = "The caller uploaded its share of bytes (or made its share of requests) for now; `Retry-After` says when to come back; nothing is kept", body = ErrorEnvelope),
        (status = 503, description = "The database or the file storage is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[post("/support-ticket/uploads")]
async fn upload_files(
    user: crate::auth::Authenticated,
    req: HttpRequest,
    payload: web::Payload,
    desk: web::Data<SupportDesk>,
    limiter: web::Data<crate::RateLimiter>,
) -> Result<HttpResponse, ApiError> {
    if media_type(&req).as_deref() != Some("multipart/form-data") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Upload files as multipart/form-data, each in a part named `files`",
        ));
    }
    let limit = desk.attachment_policy().max_request_bytes;
    if declared_length(&req).is_some_and(|n| n > limit.saturating_add(FRAMING_ALLOWANCE)) {
        return Err(ApiError::from(AppError::TooLarge(format!(
            "the request is larger than {limit} bytes, the most one upload may carry"
        ))));
    }
    let timeout = BodyLimit::of(&req).timeout;
    let mut parts = Multipart::new(req.headers(), payload);
    let mut batch = desk.start_upload(&user.0);
    let bytes = |n: usize| limiter.take_upload_bytes(user.0.id.as_str(), n);
    if let Err(e) = receive(&mut parts, &mut batch, timeout, bytes).await {
        batch.abort().await;
        return Err(e);
    }
    let uploads = batch.commit().await?;
    let data: Vec<UploadedFileDto> = uploads.iter().map(UploadedFileDto::from).collect();
    Ok(HttpResponse::Created().json(Envelope::ok(FILES_UPLOADED, data)))
}

fn malformed(e: actix_multipart::MultipartError) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        format!("The multipart body could not be read: {e}"),
    )
}

/// The name a part gives its file (`filename*` before `filename`), as sent.
fn part_file_name(field: &actix_multipart::Field) -> Option<String> {
    let cd = field.content_disposition()?;
    if let Some(ext) = cd.get_filename_ext() {
        return Some(String::from_utf8_lossy(&ext.value).into_owned());
    }
    cd.get_filename().map(str::to_owned)
}

async fn receive(
    parts: &mut Multipart,
    batch: &mut UploadBatch,
    timeout: std::time::Duration,
    take_bytes: impl Fn(usize) -> crate::limit::Decision,
) -> Result<(), ApiError> {
    while let Some(part) = next_within(timeout, parts).await? {
        let mut field = part.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        if name != "files" {
            return Err(ApiError::invalid_field(
                "files",
                format!("send each file in a part named `files` (got a part named {name:?})"),
            ));
        }
        // A part without a filename is a form field, not a file.
        let Some(file_name) = part_file_name(&field) else {
            return Err(ApiError::invalid_field(
                "files",
                "each `files` part must be a file, with a filename",
            ));
        };
        batch.begin_file(&file_name).await?;
        while let Some(chunk) = next_within(timeout, &mut field).await? {
            let chunk = chunk.map_err(malformed)?;
            // Uploaded bytes count against the user's rate as well as requests.
            if let crate::limit::Decision::Deny { retry_after, .. } = take_bytes(chunk.len()) {
                return Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "You have uploaded your share of bytes for now; try again in {retry_after} s"
                    ),
                )
                .with_header(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from(retry_after),
                ));
            }
            batch.write(chunk).await?;
        }
        batch.end_file().await?;
    }
    Ok(())
}
