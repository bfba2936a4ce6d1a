//! Noticing a client that went away before its answer was ready.
//!
//! actix-web keeps a handler running when its client disconnects while the
//! handler waits (it reads the socket only between requests). Under overload
//! that leaves database work queued for answers nobody will read, delaying
//! the requests behind it. The server keeps a second handle on each
//! connection's socket ([`ClientSocket`], set up when the server accepts it);
//! [`until_gone`] resolves when the client has closed it, and the middleware
//! then drops the handler, whose queued database work is skipped.
//!
//! A client that half-closes its connection after sending a request, to read
//! the answer afterwards, looks gone too; HTTP/1.1 clients keep their side
//! open while they wait.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

/// A second handle on a client connection's socket, only to peek at it.
#[derive(Debug, Clone)]
pub struct ClientSocket(Arc<TcpStream>);

impl ClientSocket {
    /// Wraps a duplicate of a connection's socket (its file descriptor shares
    /// the connection's non-blocking mode, so peeking never waits).
    pub fn new(socket: TcpStream) -> Self {
        Self(Arc::new(socket))
    }

    /// Whether the client has closed the connection (or it broke). Bytes
    /// waiting to be read (a pipelined request) mean it is still there.
    pub fn is_gone(&self) -> bool {
        let mut byte = [0u8; 1];
        match self.0.peek(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted),
        }
    }
}

impl ClientSocket {
    /// Whether the connection's send buffer is full: the client is not taking
    /// what the server writes.
    #[cfg(unix)]
    fn cannot_take_writes(stream: &TcpStream) -> bool {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        let mut fds = [PollFd::new(stream, PollFlags::OUT)];
        let now = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        match poll(&mut fds, Some(&now)) {
            Ok(_) => !fds[0]
                .revents()
                .intersects(PollFlags::OUT | PollFlags::ERR | PollFlags::HUP),
            Err(_) => false,
        }
    }

    /// Closes the connection once its client has taken none of the server's
    /// writes for `stall` (see the watchdog below). Runs until the
    /// connection ends.
    pub fn close_when_writes_stall(
        &self,
        stall: Duration,
    ) -> impl std::future::Future<Output = ()> + 'static {
        close_when_writes_stall(Arc::downgrade(&self.0), stall)
    }
}

/// How often the write watchdog looks at a connection.
const WATCH_WRITES_EVERY: Duration = Duration::from_millis(250);
/// How long a client may leave its answers untaken while more of its
/// requests wait to be read.
const PILING_UP_AFTER: Duration = Duration::from_secs(1);

/// Whether bytes the client sent wait to be read.
fn has_unread_input(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(stream.peek(&mut byte), Ok(n) if n > 0)
}

/// A client that sends requests and never reads the answers (pipelining a
/// megabyte of them, say) leaves the server unable to write; actix-http then
/// polls that connection without pause (a worker at 100% CPU for as long as
/// the client keeps it open; see docs/upstream-actix-pipelining.md). This
/// watchdog closes such a connection once nothing could be written for a
/// second while more requests wait, or for `stall` in any case. A client that
/// reads, however slowly, keeps its connection. It holds the socket weakly:
/// it ends with the connection.
async fn close_when_writes_stall(socket: std::sync::Weak<TcpStream>, stall: Duration) {
    let mut blocked = Duration::ZERO;
    loop {
        actix_web::rt::time::sleep(WATCH_WRITES_EVERY).await;
        let Some(stream) = socket.upgrade() else {
            return;
        };
        #[cfg(unix)]
        let full = ClientSocket::cannot_take_writes(&stream);
        #[cfg(not(unix))]
        let full = false;
        blocked = if full {
            blocked + WATCH_WRITES_EVERY
        } else {
            Duration::ZERO
        };
        // More requests waiting behind answers the client does not take: a
        // pipelining client that never reads. Let it go after a second.
        let piling_up = blocked >= PILING_UP_AFTER && has_unread_input(&stream);
        if blocked >= stall || piling_up {
            log::info!(
                "closing a connection whose client took none of its answers for {blocked:?}{}",
                if piling_up {
                    " while sending more requests"
                } else {
                    ""
                }
            );
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
}

/// How often a waiting request looks at its client.
const LOOK_EVERY: Duration = Duration::from_millis(100);

/// Resolves once the client behind `socket` is gone.
pub(crate) async fn until_gone(socket: ClientSocket) {
    loop {
        actix_web::rt::time::sleep(LOOK_EVERY).await;
        if socket.is_gone() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_closed_peer_is_gone_and_an_open_one_is_not() -> std::io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let client = TcpStream::connect(listener.local_addr()?)?;
        let (server_side, _) = listener.accept()?;
        server_side.set_nonblocking(true)?;
        let reader = server_side.try_clone()?;
        let socket = ClientSocket::new(server_side);
        assert!(!socket.is_gone(), "an idle open connection is there");
        std::io::Write::write_all(&mut &client, b"GET / HTTP/1.1\r\n")?;
        std::thread::sleep(Duration::from_millis(50));
        assert!(!socket.is_gone(), "a pipelined request is not a goodbye");
        // The server reads what was sent, as it reads a request.
        let mut request = [0u8; 16];
        std::io::Read::read_exact(&mut &reader, &mut request)?;
        drop(client);
        std::thread::sleep(Duration::from_millis(50));
        assert!(socket.is_gone(), "a closed connection is gone");
        Ok(())
    }
}
