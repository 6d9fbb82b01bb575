//! The access log (`--access-log`): every worker formats its lines into its
//! own buffer and hands the buffer over when it holds [`FLUSH_BYTES`] or its
//! oldest line is [`FLUSH_MS`] old, and when the worker stops: never a system
//! call per request, and nothing lost at SIGTERM.
//!
//! Only the log's own writer thread ([`Writer`]) writes, so a reader that
//! stalls (a full pipe to docker or journald) holds up that thread alone: a
//! worker never waits on the log. What is handed over waits in a queue of at
//! most [`QUEUE_BYTES`]; a worker whose lines do not fit drops them, whole,
//! and counts them (`log_dropped` in the SIGUSR1 line), and the writer says
//! so once on stderr. SIGHUP reopens the file, for log rotation by renaming:
//! the control thread opens it, the writer switches to it before its next write.

use crate::http::access_log::{self, Format, Record};
use crate::http::request::Request;
use crate::http::status::Status;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::thread::futex;

/// A buffer this full is handed over at once.
pub const FLUSH_BYTES: usize = 64 * 1024;
/// A line waits at most this long, in milliseconds.
pub const FLUSH_MS: u64 = 100;
/// Bytes handed over and not yet taken by the writer; beyond this, lines are dropped.
pub const QUEUE_BYTES: usize = 256 * 1024;
/// How long the writer waits for a stalled reader before it looks again at
/// the drops to report and at a stop.
const STALL_CHECK_MS: i64 = 250;
/// At stop, the writer gives up after this many stall checks without progress.
const STOP_CHECKS: u32 = 4;

/// Where the lines go, shared by every worker, the writer and the control thread.
pub struct Sink {
    /// Held only to append one worker's buffer or to swap the queue out,
    /// never across a system call.
    queue: spin::Mutex<Queue>,
    /// Bumped by every hand-over, reopen and stop: the idle writer sleeps on it.
    handed: AtomicU32,
    /// Lines lost: the queue was full, or the write failed.
    dropped: AtomicU64,
    /// The server is stopping: the writer writes what is queued and ends.
    closing: AtomicBool,
    /// The file's path, to reopen; `None` for stdout.
    path: Option<Vec<u8>>,
    format: Format,
}

/// What waits for the writer.
struct Queue {
    /// Whole lines, in the order they were handed over; allocated once at
    /// [`QUEUE_BYTES`] and never grown, so no allocation happens under the lock.
    bytes: Vec<u8>,
    /// The file opened again by SIGHUP, for the writer to switch to.
    reopened: Option<OwnedFd>,
}

impl Sink {
    /// Lines in `format` appended to the file `path` (created 0644), or to a
    /// duplicate of stdout for `-`; the [`Writer`] is to run on its own thread.
    pub fn open(path: &[u8], format: Format) -> rustix::io::Result<(Arc<Sink>, Writer)> {
        let (fd, path) = if path == b"-" {
            // SAFETY: descriptor 1 is open for the life of the process; it is
            // only borrowed long enough to duplicate it.
            let stdout = unsafe { rustix::stdio::stdout() };
            (rustix::io::fcntl_dupfd_cloexec(stdout, 0)?, None)
        } else {
            (open_file(path)?, Some(path.to_vec()))
        };
        let sink = Arc::new(Sink {
            queue: spin::Mutex::new(Queue {
                bytes: Vec::with_capacity(QUEUE_BYTES),
                reopened: None,
            }),
            handed: AtomicU32::new(0),
            dropped: AtomicU64::new(0),
            closing: AtomicBool::new(false),
            path,
            format,
        });
        let writer = Writer {
            sink: sink.clone(),
            may_block: may_block(&fd),
            fd,
            batch: Vec::with_capacity(QUEUE_BYTES),
            warned_error: false,
            warned_drops: false,
        };
        Ok((sink, writer))
    }

    /// Opens the file again by its path, so lines go to a new file after the
    /// old one was renamed away; stdout is left as it is.
    pub fn reopen(&self) -> rustix::io::Result<()> {
        if let Some(path) = &self.path {
            let fresh = open_file(path)?;
            // A reopen the writer has not taken yet is closed here, after the lock.
            let unused = self.queue.lock().reopened.replace(fresh);
            drop(unused);
            self.wake_writer();
        }
        Ok(())
    }

    /// Tells the writer to write what is queued and end (the workers are done).
    pub fn close(&self) {
        self.closing.store(true, Ordering::Release);
        self.wake_writer();
    }

    /// Lines dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Queues a worker's whole lines for the writer, or drops and counts them
    /// if the queue is full; `lines` is left empty either way.
    fn hand_over(&self, lines: &mut Vec<u8>) {
        let queued = {
            let mut queue = self.queue.lock();
            let fits = queue.bytes.capacity() - queue.bytes.len() >= lines.len();
            if fits {
                queue.bytes.extend_from_slice(lines);
            }
            fits
        };
        if queued {
            self.wake_writer();
        } else {
            self.dropped
                .fetch_add(count_lines(lines), Ordering::Relaxed);
        }
        lines.clear();
    }

    fn wake_writer(&self) {
        self.handed.fetch_add(1, Ordering::Release);
        let _ = futex::wake(&self.handed, futex::Flags::PRIVATE, 1);
    }
}

/// The thread that writes the queue out: the only one that may block on the
/// log's descriptor.
pub struct Writer {
    sink: Arc<Sink>,
    fd: OwnedFd,
    /// The descriptor is a pipe, socket or terminal, not a regular file: a
    /// write may block until the reader makes room, so each waits in poll
    /// for room first and carries at most [`PIPE_BUF`], which that room
    /// then takes at once.
    ///
    /// [`PIPE_BUF`]: rustix::pipe::PIPE_BUF
    may_block: bool,
    /// The queue as last taken, written out from here.
    batch: Vec<u8>,
    /// A write error has been reported (once per file, not per batch).
    warned_error: bool,
    /// Dropped lines have been reported (once).
    warned_drops: bool,
}

impl Writer {
    /// Writes what workers hand over until the server stops.
    pub fn run(mut self) {
        loop {
            let seen = self.sink.handed.load(Ordering::Acquire);
            // Read before taking the queue: once the stop is seen, every
            // worker has handed over its last lines, so this take is the last.
            let closing = self.sink.closing.load(Ordering::Acquire);
            let reopened = {
                let mut queue = self.sink.queue.lock();
                core::mem::swap(&mut queue.bytes, &mut self.batch);
                queue.reopened.take()
            };
            if let Some(fd) = reopened {
                self.may_block = may_block(&fd);
                self.fd = fd;
                self.warned_error = false;
            }
            if !self.batch.is_empty() {
                let written = self.write_batch();
                self.batch.clear();
                if written {
                    continue;
                }
                // Given up on a stalled reader at stop: what is left is lost.
                return;
            }
            report_drops(&self.sink, &mut self.warned_drops);
            if closing {
                return;
            }
            // Returns at once if anything was handed over since `seen`.
            let _ = futex::wait(&self.sink.handed, futex::Flags::PRIVATE, seen, None);
        }
    }

    /// Writes the batch, retrying short and interrupted writes and waiting
    /// for room on a full pipe; gives up (counting the lines lost, and saying
    /// so once) on a real error such as a full disk, or at stop when the
    /// reader has stalled, which returns false.
    fn write_batch(&mut self) -> bool {
        let mut rest: &[u8] = &self.batch;
        let mut stalls = 0;
        while !rest.is_empty() {
            if self.may_block && !self.wait_for_room() {
                stalls += 1;
                report_drops(&self.sink, &mut self.warned_drops);
                if self.sink.closing.load(Ordering::Acquire) && stalls >= STOP_CHECKS {
                    self.sink
                        .dropped
                        .fetch_add(count_lines(rest), Ordering::Relaxed);
                    return false;
                }
                continue;
            }
            stalls = 0;
            let chunk = if self.may_block {
                chunk_end(rest, rustix::pipe::PIPE_BUF)
            } else {
                rest.len()
            };
            match rustix::io::write(&self.fd, &rest[..chunk]) {
                Ok(n) if n > 0 => rest = rest.get(n..).unwrap_or_default(),
                // A non-blocking stdout that filled up: poll waits for room.
                Err(Errno::INTR | Errno::AGAIN) => {}
                result => {
                    let e = result.err().unwrap_or(Errno::IO);
                    if !core::mem::replace(&mut self.warned_error, true) {
                        crate::log!(
                            "access log: {} (os error {}); lines are being lost",
                            crate::rt::errno::describe(e),
                            e.raw_os_error()
                        );
                    }
                    self.sink
                        .dropped
                        .fetch_add(count_lines(rest), Ordering::Relaxed);
                    return true;
                }
            }
        }
        true
    }

    /// Waits up to [`STALL_CHECK_MS`] until the descriptor takes a chunk
    /// without blocking; false if it still would not.
    fn wait_for_room(&self) -> bool {
        use rustix::event::{PollFd, PollFlags};
        let timeout = rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: STALL_CHECK_MS * 1_000_000,
        };
        let mut fds = [PollFd::new(&self.fd, PollFlags::OUT)];
        // An error or hang-up shows as ready: the write then reports it.
        !matches!(rustix::event::poll(&mut fds, Some(&timeout)), Ok(0))
    }
}

/// Says once on stderr that lines are being dropped.
fn report_drops(sink: &Sink, warned: &mut bool) {
    if !*warned && sink.dropped() > 0 {
        *warned = true;
        crate::log!(
            "access log: the reader is not keeping up; dropping lines (log_dropped in the SIGUSR1 stats)"
        );
    }
}

/// How many bytes of `rest` to write when at most `chunk` fit: up to the last
/// whole line that fits, so a reader that stalls for good sees no torn line
/// (unless one line alone is longer than `chunk`).
fn chunk_end(rest: &[u8], chunk: usize) -> usize {
    if rest.len() <= chunk {
        return rest.len();
    }
    match rest[..chunk].iter().rposition(|&b| b == b'\n') {
        Some(i) => i + 1,
        None => chunk,
    }
}

/// Whether a write to `fd` may block: see [`Writer::may_block`].
fn may_block(fd: &OwnedFd) -> bool {
    use rustix::fs::FileType;
    !rustix::fs::fstat(fd)
        .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::RegularFile)
}

/// Lines in `bytes`, a partial last one included.
fn count_lines(bytes: &[u8]) -> u64 {
    let ends = bytes.iter().filter(|&&b| b == b'\n').count();
    (ends + usize::from(bytes.last().is_some_and(|&b| b != b'\n'))) as u64
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
    sink: Arc<Sink>,
    buf: Vec<u8>,
    /// When the oldest buffered line was added (monotonic ms).
    since_ms: Option<u64>,
}

impl Lines {
    /// An empty buffer for `sink`.
    pub fn new(sink: Arc<Sink>) -> Lines {
        Lines {
            sink,
            buf: Vec::with_capacity(FLUSH_BYTES + 1024),
            since_ms: None,
        }
    }

    /// Adds the line for one answered request (`req` is `None` for a request
    /// that could not be parsed); hands the buffer over if it is full.
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

    /// Milliseconds until the buffer is due to be handed over, if it holds anything.
    pub fn due_in(&self, now_ms: u64) -> Option<u64> {
        self.since_ms
            .map(|since| (since + FLUSH_MS).saturating_sub(now_ms))
    }

    /// Hands the buffer over if its oldest line has waited long enough.
    pub fn flush_if_due(&mut self, now_ms: u64) {
        if self.due_in(now_ms) == Some(0) {
            self.flush();
        }
    }

    /// Hands whatever is buffered to the writer (or drops it if the queue is
    /// full): never waits on the log's descriptor.
    pub fn flush(&mut self) {
        if !self.buf.is_empty() {
            self.sink.hand_over(&mut self.buf);
        }
        self.since_ms = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_on_a_whole_line_when_one_fits() {
        assert_eq!(chunk_end(b"ab\ncd\nef", 100), 8);
        assert_eq!(chunk_end(b"ab\ncd\nef", 7), 6);
        assert_eq!(chunk_end(b"ab\ncd\nef", 5), 3);
        assert_eq!(chunk_end(b"abcdef\n", 4), 4);
    }

    #[test]
    fn counts_lines_and_a_partial_last_one() {
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"a\nb\n"), 2);
        assert_eq!(count_lines(b"a\nb"), 2);
    }

    /// A worker never waits for the writer: with none running, what does not
    /// fit in the queue is dropped and counted, and the writer later writes
    /// exactly what was queued, in whole lines.
    #[test]
    fn a_full_queue_drops_whole_lines_and_counts_them() {
        let path = std::env::temp_dir().join(alloc::format!(
            "staticd-access-unit-{}.log",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        let (sink, writer) = Sink::open(path.to_str().unwrap().as_bytes(), Format::Common).unwrap();
        let mut lines = Lines::new(sink.clone());
        let mut added = 0u64;
        while sink.dropped() == 0 {
            for _ in 0..100 {
                lines.add(b"127.0.0.1", None, Status::BadRequest, 0, 0, 0);
                added += 1;
            }
            lines.flush();
        }
        // Nothing is written until the writer runs.
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        sink.close();
        writer.run();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let written = text.lines().count() as u64;
        assert!(text.lines().all(|l| l.ends_with("\"-\" 400 0 \"-\" \"-\"")));
        assert!(written > 0 && text.len() <= QUEUE_BYTES, "{}", text.len());
        assert_eq!(written + sink.dropped(), added);
    }
}
