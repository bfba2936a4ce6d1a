//! A webhook receiver on a local port: it keeps every request it gets, and
//! answers each with the next status it was told (204 when told none).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A request the receiver got, and the status it answered.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    pub status: u16,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let receiver = Self {
            addr,
            got: Arc::default(),
            answers: Arc::default(),
        };
        let r = receiver.clone();
        actix_web::rt::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let r = r.clone();
                actix_web::rt::spawn(async move { r.serve(stream).await });
            }
        });
        receiver
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The statuses of the next answers, in order.
    pub fn answer(&self, statuses: &[u16]) {
        self.answers.lock().unwrap().extend(statuses);
    }

    /// Forgets the statuses not used yet: answers are 204 again.
    pub fn recover(&self) {
        self.answers.lock().unwrap().clear();
    }

    pub fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    async fn serve(&self, mut stream: tokio::net::TcpStream) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            let Ok(n) = stream.read(&mut chunk).await else {
                return;
            };
            if n == 0 {
                return;
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let headers: HashMap<String, String> = head
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let Ok(n) = stream.read(&mut chunk).await else {
                return;
            };
            if n == 0 {
                return;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let status = self.answers.lock().unwrap().pop_front().unwrap_or(204);
        self.got.lock().unwrap().push(Received {
            headers,
            body: buf[head_end..head_end + length].to_vec(),
            status,
        });
        let body = if status >= 300 {
            "receiver says no"
        } else {
            ""
        };
        let answer = format!(
            "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    }
}

/// Verifies a Standard Webhooks signature, written from the specification
/// apart from the server's own code: the key is the base64 after `whsec_`;
/// the signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the
/// header holds space-separated `v1,<base64 HMAC-SHA256>` signatures, any one
/// of which may match; the timestamp must be within five minutes of `now`.
pub fn verify(secret: &str, received: &Received, now: i64) -> Result<(), String> {
    use base64::Engine;
    use hmac::Mac;
    let engine = base64::engine::general_purpose::STANDARD;
    let key = engine
        .decode(
            secret
                .strip_prefix("whsec_")
                .ok_or("secret without whsec_")?,
        )
        .map_err(|e| e.to_string())?;
    let id = received.header("webhook-id");
    let ts = received.header("webhook-timestamp");
    let ts_num: i64 = ts.parse().map_err(|_| "bad timestamp")?;
    if (now - ts_num).abs() > 300 {
        return Err(format!("timestamp {ts} is too far from {now}"));
    }
    let mut content = format!("{id}.{ts}.").into_bytes();
    content.extend_from_slice(&received.body);
    for sig in received.header("webhook-signature").split(' ') {
        let Some(("v1", b64)) = sig.split_once(',') else {
            continue;
        };
        let Ok(given) = engine.decode(b64) else {
            continue;
        };
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(&content);
        if mac.verify_slice(&given).is_ok() {
            return Ok(());
        }
    }
    Err("no signature matches".into())
}
