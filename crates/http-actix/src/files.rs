//! Uploading attachment files, and reading them back: with the Authorization
//! header, or through a download link the server signed.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::TryStreamExt;
use hmac::{Hmac, Mac};
use serde::Serialize;
use ticketd_app::{AppError, OpenedUpload, SupportDesk, UploadBatch};
use ticketd_domain::{FileName, Upload, UploadKey};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{JwtKeys, authenticate, hmac_sha256};
use crate::envelope::Envelope;
use crate::error::{ApiError, ErrorEnvelope};
use crate::input::{BodyLimit, declared_length, media_type, next_within};
use crate::query::QueryParams;

const FILES_UPLOADED: &str = "Files uploaded successfully";

/// Room for the multipart framing (boundaries, part headers) beyond the files'
/// own bytes, when judging a declared Content-Length.
const FRAMING_ALLOWANCE: u64 = 64 * 1024;

/// Makes and checks download links: the path of a file with an expiry time and
/// an HMAC-SHA256 signature of both, so that a link works without the
/// Authorization header (in `<img>` tags, or a browser's address bar) until
/// it expires.
#[derive(Clone)]
pub(crate) struct DownloadLinks {
    key: Arc<[u8; 32]>,
    ttl: chrono::Duration,
}

impl DownloadLinks {
    pub(crate) fn new(keys: &JwtKeys, ttl: std::time::Duration) -> Self {
        Self {
            key: keys.link_key(),
            ttl: chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::minutes(5)),
        }
    }

    fn mac(&self, key: &UploadKey, expires: i64) -> Hmac<sha2::Sha256> {
        let mut mac = hmac_sha256(self.key.as_slice());
        mac.update(format!("{key}:{expires}").as_bytes());
        mac
    }

    /// A link to `key` that expires a few minutes after `now`.
    pub(crate) fn url(&self, key: &UploadKey, now: chrono::DateTime<chrono::Utc>) -> String {
        let expires = (now + self.ttl).timestamp();
        let signature = hex::encode(self.mac(key, expires).finalize().into_bytes());
        format!(
            "{}{}?expires={expires}&signature={signature}",
            crate::routes::PREFIX,
            download_path(key)
        )
    }

    /// Whether a link's `expires` and `signature` are the server's and still
    /// good at `now`.
    fn check(&self, key: &UploadKey, expires: &str, signature: &str, now: i64) -> bool {
        let Ok(expires) = expires.parse::<i64>() else {
            return false;
        };
        let Ok(signature) = hex::decode(signature) else {
            return false;
        };
        expires >= now && self.mac(key, expires).verify_slice(&signature).is_ok()
    }
}

/// The path of a file under the API's support-ticket base.
fn download_path(key: &UploadKey) -> String {
    format!("/support-ticket{}", key.file_path().as_str())
}

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

/// A file's bytes, as a download answers them.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // documents the download's body
pub struct FileBytes(Vec<u8>);

/// A file just uploaded: send its `filePath` in a message's `attachments`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadedFileDto {
    /// Its name, made safe: no path parts or control characters.
    #[schema(example = "attachment1.pdf")]
    pub file_name: String,
    /// What to send as `filePath` when attaching it to a message (and, under
    /// `/backend/api/support-ticket`, where to download it).
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
    tag = "Attachments",
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

/// How a download link proves itself.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters; `download_file` reads them
pub struct DownloadQuery {
    /// With `signature`, from a `downloadUrl`: when the link expires (Unix
    /// seconds). A link needs no Authorization header.
    #[param(value_type = Option<i64>)]
    expires: Option<String>,
    /// With `expires`, from a `downloadUrl`: the server's signature.
    #[param(pattern = "^[0-9a-f]{64}$")]
    signature: Option<String>,
}

#[utoipa::path(
    tag = "Attachments",
    summary = "Download a File",
    description = "Streams back an attached file (or one's own upload not yet attached) to \
                   whoever may read its message: another customer's file, or an internal \
                   note's file for a customer, is a 404. The `downloadUrl` of each attachment \
                   in the ticket details is this path with a signature that works without the \
                   Authorization header for a few minutes.",
    params(
        ("key" = String, Path, description = "The key in the file's `filePath` (`/uploads/{key}`)", pattern = "^[0-9a-f]{32}$", example = "3f9c2a7e5b1d4c8f9a0b1c2d3e4f5a6b"),
        DownloadQuery,
    ),
    responses(
        (status = 200, description = "The file, as an attachment", content_type = "application/octet-stream", body = inline(FileBytes),
         headers(
            ("Content-Type" = String, description = "The type read from the file's bytes when it was uploaded"),
            ("Content-Length" = u64, description = "Its size in bytes"),
            ("Content-Disposition" = String, description = "`attachment`, with the file's safe name"),
            ("ETag" = String, description = "The file's SHA-256, quoted"),
            ("X-Content-Type-Options" = String, description = "`nosniff`"),
         )),
        (status = 304, description = "Not modified: `If-None-Match` names this file's ETag"),
        (status = 401, description = "Neither a Bearer token nor a signed link", body = ErrorEnvelope),
        (status = 403, description = "The link is incomplete, tampered with, or expired", body = ErrorEnvelope),
        (status = 404, description = "No file with this key that the caller may read", body = ErrorEnvelope),
        (status = 503, description = "The database or the file storage is unreachable", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []), ())
)]
#[get("/support-ticket/uploads/{key}")]
async fn download_file(
    req: HttpRequest,
    key: web::Path<String>,
    desk: web::Data<SupportDesk>,
    links: web::Data<DownloadLinks>,
) -> Result<HttpResponse, ApiError> {
    let q = QueryParams::parse(&req)?;
    let key = UploadKey::parse(&key).map_err(|_| ApiError::not_found("no such file"))?;
    let (expires, signature) = (q.one("expires"), q.one("signature"));
    let opened = if expires.is_some() || signature.is_some() {
        let now = desk.now().timestamp();
        let good =
            matches!((expires, signature), (Some(e), Some(s)) if links.check(&key, e, s, now));
        if !good {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "This download link is incomplete, invalid or expired; read the ticket again for a new one",
            ));
        }
        desk.open_upload_by_link(&key).await?
    } else {
        let actor = authenticate(&req)?;
        desk.open_upload(&actor, &key).await?
    };
    Ok(file_response(&req, opened))
}

fn file_response(req: &HttpRequest, opened: OpenedUpload) -> HttpResponse {
    let OpenedUpload { upload, file } = opened;
    let etag = format!("\"{}\"", upload.sha256);
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut res = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ));
    if not_modified {
        return res.finish();
    }
    res.insert_header((header::CONTENT_TYPE, upload.content_type.clone()))
        .insert_header((header::CONTENT_DISPOSITION, disposition(&upload.file_name)))
        .no_chunking(file.size)
        .streaming(
            file.bytes
                .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string())),
        )
}

/// `attachment`, with the name in ASCII (others as `_`) for old clients and
/// in full as `filename*` (RFC 6266).
fn disposition(name: &FileName) -> ContentDisposition {
    let ascii: String = name
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: name.as_str().as_bytes().to_vec(),
            }),
        ],
    }
}
