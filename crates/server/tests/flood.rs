//! A client that pipelines requests and never reads the answers
//! is let go: the server closes the connection instead of holding it (and,
//! through actix-http, a worker at 100% CPU) for as long as the client likes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::Server;

#[test]
fn a_client_that_pipelines_and_never_reads_is_disconnected() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), None);
    // Answers far larger than any socket buffer (the OpenAPI document), so
    // that the server cannot write them all ahead of a client that reads
    // nothing; and more than 128 KiB of requests, actix-http's read buffer.
    let request = b"GET /api-docs/openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let count = 400_000 / request.len();
    let flood: Vec<u8> = request.repeat(count);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    // Send as much as the server takes, reading nothing, for 4 s.
    let started = Instant::now();
    let mut sent = 0;
    while started.elapsed() < Duration::from_secs(4) && sent < flood.len() {
        match stream.write(&flood[sent..]) {
            Ok(n) => sent += n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    std::thread::sleep(Duration::from_secs(3));
    // Now read: the server gave up on the connection, so far fewer answers
    // than requests arrive, and the connection ends.
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut answers = Vec::new();
    let read_started = Instant::now();
    let _ = stream.read_to_end(&mut answers);
    let answered = answers
        .windows(15)
        .filter(|w| w == b"HTTP/1.1 200 OK")
        .count();
    assert!(
        answered < count / 2,
        "the server kept answering the flood: {answered} of {count} answered"
    );
    assert!(
        read_started.elapsed() < Duration::from_secs(15),
        "the connection stayed open"
    );
    // The server still serves everyone else.
    assert_eq!(
        support::http(server.port, "GET", "/health", None, None).0,
        200
    );
}
