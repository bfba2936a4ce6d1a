//! Reading files back: with the Authorization header, or through a download
//! link the server signed; at the API base (`/backend/api/support-ticket/uploads/<key>`)
//! and at the `filePath` itself (`/uploads/<key>`), by the same rules.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, get, web};
use futures_util::TryStreamExt;
use hmac::{Hmac, Mac};
use ticketd_app::{OpenedUpload, SupportDesk};
use ticketd_domain::{FileName, UploadKey};
use utoipa::{IntoParams, IntoResponses, ToSchema};

use crate::auth::{JwtKeys, authenticate, hmac_sha256};
use crate::error::{ApiError, ErrorEnvelope};
use crate::query::QueryParams;
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

/// A file's bytes, as a download answers them.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // documents the download's body
pub struct FileBytes(Vec<u8>);

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

/// What a download answers, at either path.
#[derive(IntoResponses)]
#[allow(dead_code)] // documents the answers; `file_response` and ApiError make them
pub enum DownloadAnswers {
    /// The file, as an attachment, in the type read from its bytes when it was
    /// uploaded (an image, PDF, text, an office document or a zip archive)
    #[response(
        status = 200,
        content_type = "*/*",
        headers(
            ("Content-Type" = String, description = "The type read from the file's bytes when it was uploaded"),
            ("Content-Length" = u64, description = "Its size in bytes"),
            ("Content-Disposition" = String, description = "`attachment`, with the file's safe name"),
            ("ETag" = String, description = "The file's SHA-256, quoted"),
            ("X-Content-Type-Options" = String, description = "`nosniff`"),
        )
    )]
    File(#[to_schema] FileBytes),
    /// Not modified: `If-None-Match` names this file's ETag
    #[response(status = 304)]
    NotModified,
    /// Neither a Bearer token nor a signed link
    #[response(status = 401)]
    Unauthenticated(ErrorEnvelope),
    /// The link is incomplete, tampered with, or expired
    #[response(status = 403)]
    BadLink(ErrorEnvelope),
    /// No file with this key that the caller may read
    #[response(status = 404)]
    NotFound(ErrorEnvelope),
    /// The database or the file storage is unreachable
    #[response(status = 503)]
    Unavailable(ErrorEnvelope),
}

#[utoipa::path(
    tag = "Attachments",
    summary = "Download a File",
    description = "Streams back an attached file (or one's own upload not yet attached) to \
                   whoever may read its message: another customer's file, or an internal \
                   note's file for a customer, is a 404. The `downloadUrl` of each attachment \
                   in the ticket details is this path with a signature that works without the \
                   Authorization header for a few minutes. The same file is also served at \
                   its `filePath` itself (`GET /uploads/{key}`), by the same rules.",
    params(
        ("key" = String, Path, description = "The key in the file's `filePath` (`/uploads/{key}`)", pattern = "^[0-9a-f]{32}$", example = "3f9c2a7e5b1d4c8f9a0b1c2d3e4f5a6b"),
        DownloadQuery,
    ),
    responses(DownloadAnswers),
    security(("bearerAuth" = []), ())
)]
#[get("/support-ticket/uploads/{key}")]
async fn download_file(
    req: HttpRequest,
    key: web::Path<String>,
    desk: web::Data<SupportDesk>,
    links: web::Data<DownloadLinks>,
) -> Result<HttpResponse, ApiError> {
    download(&req, &key, &desk, &links).await
}

#[utoipa::path(
    tag = "Attachments",
    summary = "Download a File at its filePath",
    description = "The same file as `GET /backend/api/support-ticket/uploads/{key}`, with the \
                   same rules (a Bearer token, or a `downloadUrl`'s `expires` and `signature`), \
                   at the path the attachment's `filePath` names: a client that fetches the \
                   host followed by `filePath` gets the file.",
    params(
        ("key" = String, Path, description = "The key in the file's `filePath` (`/uploads/{key}`)", pattern = "^[0-9a-f]{32}$", example = "3f9c2a7e5b1d4c8f9a0b1c2d3e4f5a6b"),
        DownloadQuery,
    ),
    responses(DownloadAnswers),
    security(("bearerAuth" = []), ())
)]
#[get("/uploads/{key}")]
pub(crate) async fn download_file_at_path(
    req: HttpRequest,
    key: web::Path<String>,
    desk: web::Data<SupportDesk>,
    links: web::Data<DownloadLinks>,
) -> Result<HttpResponse, ApiError> {
    download(&req, &key, &desk, &links).await
}

/// Checks the caller (a token, or a signed link) and streams the file.
async fn download(
    req: &HttpRequest,
    key: &str,
    desk: &SupportDesk,
    links: &DownloadLinks,
) -> Result<HttpResponse, ApiError> {
    let q = QueryParams::parse(req)?;
    let key = UploadKey::parse(key).map_err(|_| ApiError::not_found("no such file"))?;
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
        let actor = authenticate(req).await?;
        desk.open_upload(&actor, &key).await?
    };
    Ok(file_response(req, opened))
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
