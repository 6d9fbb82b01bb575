//! The access log (`--access-log`): every worker formats its lines into its
//! own buffer and writes the buffer out in one `write` when it holds
//! [`FLUSH_BYTES`] or its oldest line is [`FLUSH_MS`] old, and when the
//! worker stops: never a system call per request, and nothing lost at SIGTERM.

use crate::http::access_log::{self, Format, Record};
use crate::http::request::Request;
use crate::http::status::Status;
use alloc::vec::Vec;
use rustix::fd::OwnedFd;
use rustix::io::Errno;

/// A buffer this full is written at once.
pub const FLUSH_BYTES: usize = 64 * 1024;
/// A line waits at most this long, in milliseconds.
pub const FLUSH_MS: u64 = 100;

/// Where the lines go, shared by every worker.
pub struct Sink {
    fd: OwnedFd,
    format: Format,
    /// Workers write whole buffers one at a time, so lines never interleave,
    /// even on a pipe where writes above PIPE_BUF are not atomic.
    lock: spin::Mutex<()>,
}

impl Sink {
    /// Lines in `format` to `fd` (opened for appending, or a duplicate of stdout).
    pub fn new(fd: OwnedFd, format: Format) -> Sink {
        Sink {
            fd,
            format,
            lock: spin::Mutex::new(()),
        }
    }

    /// Writes all of `bytes`, retrying short and interrupted writes; gives up
    /// (dropping the rest) only on a real error such as a full disk.
    fn write_all(&self, mut bytes: &[u8]) {
        let _serial = self.lock.lock();
        while !bytes.is_empty() {
            match rustix::io::write(&self.fd, bytes) {
                Ok(0) => return,
                Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
                Err(Errno::INTR) => {}
                // A non-blocking stdout that is full: wait for it rather than lose lines.
                Err(Errno::AGAIN) => {
                    let _ = rustix::event::poll(
                        &mut [rustix::event::PollFd::new(
                            &self.fd,
                            rustix::event::PollFlags::OUT,
                        )],
                        None,
                    );
                }
                Err(_) => return,
            }
        }
    }
}

/// One worker's buffered lines.
pub struct Lines {
    sink: alloc::sync::Arc<Sink>,
    buf: Vec<u8>,
    /// When the oldest buffered line was added (monotonic ms).
    since_ms: Option<u64>,
}

impl Lines {
    /// An empty buffer for `sink`.
    pub fn new(sink: alloc::sync::Arc<Sink>) -> Lines {
        Lines {
            sink,
            buf: Vec::with_capacity(FLUSH_BYTES + 1024),
            since_ms: None,
        }
    }

    /// Adds the line for one answered request (`req` is `None` for a request
    /// that could not be parsed); writes the buffer if it is full.
    pub fn add(
        &mut self,
        peer: &[u8],
        req: Option<&Request<'_>>,
        status: Status,
        bytes: u64,
        now_secs: i64,
        now_ms: u64,
    ) {
        let (method, target, version, referer, user_agent): (&[u8], &[u8], &[u8], _, _) = match req
        {
            Some(r) => (
                r.method_bytes,
                r.target,
                match r.version {
                    crate::http::request::Version::Http10 => b"HTTP/1.0",
                    crate::http::request::Version::Http11 => b"HTTP/1.1",
                },
                r.referer,
                r.user_agent,
            ),
            None => (b"", b"", b"", None, None),
        };
        let record = Record {
            peer,
            time: now_secs,
            method,
            target,
            version,
            status: status.code(),
            bytes,
            referer,
            user_agent,
        };
        access_log::write(self.sink.format, &record, &mut self.buf);
        self.since_ms.get_or_insert(now_ms);
        if self.buf.len() >= FLUSH_BYTES {
            self.flush();
        }
    }

    /// Milliseconds until the buffer is due to be written, if it holds anything.
    pub fn due_in(&self, now_ms: u64) -> Option<u64> {
        self.since_ms
            .map(|since| (since + FLUSH_MS).saturating_sub(now_ms))
    }

    /// Writes the buffer if its oldest line has waited long enough.
    pub fn flush_if_due(&mut self, now_ms: u64) {
        if self.due_in(now_ms) == Some(0) {
            self.flush();
        }
    }

    /// Writes whatever is buffered.
    pub fn flush(&mut self) {
        if !self.buf.is_empty() {
            self.sink.write_all(&self.buf);
            self.buf.clear();
        }
        self.since_ms = None;
    }
}
