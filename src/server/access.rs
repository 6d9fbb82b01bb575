//! The access log (`--access-log`): every worker formats its lines into its
//! own buffer and writes the buffer out in one `write` when it holds
//! [`FLUSH_BYTES`] or its oldest line is [`FLUSH_MS`] old, and when the
//! worker stops: never a system call per request, and nothing lost at SIGTERM.
//! SIGHUP reopens the file, for log rotation by renaming.

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
    /// Workers write whole buffers one at a time under this lock, so lines
    /// never interleave, even on a pipe where writes above PIPE_BUF are not
    /// atomic; a reopen swaps the descriptor under it.
    fd: spin::Mutex<OwnedFd>,
    /// The file's path, to reopen; `None` for stdout.
    path: Option<alloc::vec::Vec<u8>>,
    format: Format,
    /// A write error has been reported (once, not per batch).
    warned: core::sync::atomic::AtomicBool,
}

impl Sink {
    /// Lines in `format` appended to the file `path` (created 0644), or to
    /// a duplicate of stdout for `-`.
    pub fn open(path: &[u8], format: Format) -> rustix::io::Result<Sink> {
        let (fd, path) = if path == b"-" {
            // SAFETY: descriptor 1 is open for the life of the process; it is
            // only borrowed long enough to duplicate it.
            let stdout = unsafe { rustix::stdio::stdout() };
            (rustix::io::fcntl_dupfd_cloexec(stdout, 0)?, None)
        } else {
            (open_file(path)?, Some(path.to_vec()))
        };
        Ok(Sink {
            fd: spin::Mutex::new(fd),
            path,
            format,
            warned: core::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Opens the file again by its path, so lines go to a new file after the
    /// old one was renamed away; stdout is left as it is.
    pub fn reopen(&self) -> rustix::io::Result<()> {
        if let Some(path) = &self.path {
            let fresh = open_file(path)?;
            *self.fd.lock() = fresh;
            self.warned
                .store(false, core::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    /// Writes all of `bytes`, retrying short and interrupted writes; gives up
    /// (dropping the rest, and saying so once) only on a real error such as
    /// a full disk.
    fn write_all(&self, mut bytes: &[u8]) {
        let fd = self.fd.lock();
        while !bytes.is_empty() {
            match rustix::io::write(&*fd, bytes) {
                Ok(0) => return,
                Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
                Err(Errno::INTR) => {}
                // A non-blocking stdout that is full: wait for it rather than lose lines.
                Err(Errno::AGAIN) => {
                    let _ = rustix::event::poll(
                        &mut [rustix::event::PollFd::new(
                            &*fd,
                            rustix::event::PollFlags::OUT,
                        )],
                        None,
                    );
                }
                Err(e) => {
                    if !self
                        .warned
                        .swap(true, core::sync::atomic::Ordering::Relaxed)
                    {
                        crate::log!(
                            "access log: {} (os error {}); lines are being lost",
                            crate::rt::errno::describe(e),
                            e.raw_os_error()
                        );
                    }
                    return;
                }
            }
        }
    }
}

/// Opens `path` for appending, created 0644 if missing.
fn open_file(path: &[u8]) -> rustix::io::Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    rustix::fs::open(
        path,
        OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::from_raw_mode(0o644),
    )
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
                r.version.as_bytes(),
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
