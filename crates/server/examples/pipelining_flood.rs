//! A minimal reproduction, with no ticketd code, of actix-http spinning on a
//! connection whose client pipelines requests and never reads the answers
//! (see docs/upstream-actix-pipelining.md):
//!
//!     cargo run --release -p ticketd --example pipelining_flood
//!
//! It serves one route (answers of 1 KiB) with a bare actix-web app, sends it
//! 1 MB of pipelined
//! `GET /` over one connection without reading, and prints the CPU time the
//! process used in the next five seconds, while nothing more is asked of it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a demonstration

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use actix_web::{App, HttpServer, web};

/// CPU time of this process so far, in clock ticks (Linux).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    // utime and stime are the 14th and 15th fields; the split drops the first two.
    fields
        .get(11)
        .and_then(|u| u.parse::<u64>().ok())
        .unwrap_or(0)
        + fields
            .get(12)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
}

fn main() -> std::io::Result<()> {
    let system = actix_web::rt::System::new();
    // Answers of 1 KiB: more than the socket buffers hold, so that writing
    // stops while the client reads nothing.
    let server =
        HttpServer::new(|| App::new().route("/", web::get().to(|| async { "x".repeat(1024) })))
            .workers(1)
            .bind("127.0.0.1:0")?;
    let port = server.addrs()[0].port();
    let running = server.run();
    let handle = running.handle();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        let request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
        let flood = request.repeat(1_000_000 / request.len());
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_write_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let _ = stream.write_all(&flood);
        std::thread::sleep(Duration::from_secs(1));
        let before = cpu_ticks();
        std::thread::sleep(Duration::from_secs(5));
        let used = cpu_ticks() - before;
        println!(
            "CPU used in 5 s with one idle, unread connection: {used} ticks ({}% of one core)",
            used * 100 / 5 / 100
        );
        drop(stream);
        actix_web::rt::System::new().block_on(handle.stop(false));
    });
    system.block_on(running)
}
