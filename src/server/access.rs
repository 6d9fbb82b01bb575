//! The access log (`--access-log`): every worker formats its lines into its
//! own buffer and writes it out, in whole lines, when it holds
//! [`FLUSH_BYTES`] or its oldest line is [`FLUSH_MS`] old, and when the
//! worker stops: never a system call per request, and nothing lost at SIGTERM.
//!
//! A worker never waits on the log's reader. To a regular file it writes
//! the buffer itself, in one `write`, which the kernel keeps whole. To a
//! pipe, socket or terminal, whose reader may stall (a full pipe to docker
//! or journald), it hands the buffer to the log's writer thread
//! ([`Writer`]), which alone writes there: what waits for it is bounded by
//! [`QUEUE_BYTES`], beyond which a worker drops its lines, whole, and counts
//! them (`log_dropped` in the SIGUSR1 line), and the writer says so once on
//! stderr. SIGHUP reopens the file, for log rotation by renaming: the new
//! descriptor is swapped in under a lock held for nothing but the swap, and
//! each holder of the old one switches at its next write.
//!
//! A line names the peer, or behind a trusted proxy (`--real-ip-from`) the
//! client the proxy forwards for, as [`forwarded::client`] reads it from the
//! request: the peer's address is taken at accept only when there is a log,
//! and nothing about it costs a system call.

use crate::http::access_log::{self, Format, Record};
use crate::http::forwarded::{self, Cidr};
use crate::http::request::{self, Request};
use crate::http::status::Status;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::thread::futex;

/// A buffer this full is written at once.
pub const FLUSH_BYTES: usize = 64 * 1024;
/// A line waits at most this long, in milliseconds.
pub const FLUSH_MS: u64 = 100;
/// Bytes handed to the writer thread and not yet taken; beyond this, lines are dropped.
pub const QUEUE_BYTES: usize = 256 * 1024;
/// How long the writer waits for a stalled reader before it looks again at
/// the drops to report and at a stop.
const STALL_CHECK_MS: i64 = 250;
/// At stop, the writer gives up after this many stall checks without progress.
const STOP_CHECKS: u32 = 4;

/// Where the lines go, shared by every worker, the writer and the control thread.
pub struct Sink {
    /// The descriptor lines go to. Held only to clone or swap the `Arc`,
    /// never across a system call: whoever drops the last clone of a
    /// replaced descriptor closes it.
    fd: spin::Mutex<Arc<OwnedFd>>,
    /// Bumped by every reopen, so holders of a clone fetch the new one.
    generation: AtomicU32,
    /// Lines waiting for the writer thread, for a descriptor that may block;
    /// `None` for a regular file, which workers write themselves.
    queue: Option<spin::Mutex<Vec<u8>>>,
    /// Bumped by every hand-over and at stop: the idle writer sleeps on it.
    handed: AtomicU32,
    /// Lines lost: the queue was full, or the write failed.
    dropped: AtomicU64,
    /// A write error has been reported (once per file, not per batch).
    warned: AtomicBool,
    /// The server is stopping: the writer writes what is queued and ends.
    closing: AtomicBool,
    /// The file's path, to reopen; `None` for stdout.
    path: Option<Vec<u8>>,
    format: Format,
    /// Proxies trusted to name the client (`--real-ip-from`).
    real_ip_from: Vec<Cidr>,
}

impl Sink {
    /// Lines in `format` appended to the file `path` (created 0644), or to a
    /// duplicate of stdout for `-`; with the [`Writer`] to run on its own
    /// thread when that is not a regular file. Requests from `real_ip_from`
    /// are logged with the client they forward for.
    pub fn open(
        path: &[u8],
        format: Format,
        real_ip_from: Vec<Cidr>,
    ) -> rustix::io::Result<(&'static Sink, Option<Writer>)> {
        if path == b"-" {
            let stdout = rustix::io::fcntl_dupfd_cloexec(crate::rt::stdio::stdout(), 0)?;
            Ok(Sink::new(stdout, None, format, real_ip_from))
        } else {
            let file = open_file(path)?;
            Ok(Sink::new(file, Some(path.to_vec()), format, real_ip_from))
        }
    }

    /// The sink over `fd`, reopened by `path`; decides once, by what `fd`
    /// is, whether workers write themselves or hand over to a [`Writer`].
    fn new(
        fd: OwnedFd,
        path: Option<Vec<u8>>,
        format: Format,
        real_ip_from: Vec<Cidr>,
    ) -> (&'static Sink, Option<Writer>) {
        use rustix::fs::FileType;
        let regular = rustix::fs::fstat(&fd)
            .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::RegularFile);
        let fd = Arc::new(fd);
        // Lives as long as the process (workers, the writer and the control
        // thread use it until exit): leaked, not counted, so it has no drop code.
        let sink: &'static Sink = alloc::boxed::Box::leak(alloc::boxed::Box::new(Sink {
            fd: spin::Mutex::new(fd.clone()),
            generation: AtomicU32::new(0),
            // Allocated once and never grown: no allocation under the lock.
            queue: (!regular).then(|| spin::Mutex::new(Vec::with_capacity(QUEUE_BYTES))),
            handed: AtomicU32::new(0),
            dropped: AtomicU64::new(0),
            warned: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            path,
            format,
            real_ip_from,
        }));
        if regular {
            return (sink, None);
        }
        let writer = Writer {
            sink,
            fd: Current { fd, generation: 0 },
            batch: Vec::with_capacity(QUEUE_BYTES),
            warned_drops: false,
        };
        (sink, Some(writer))
    }

    /// Opens the file again by its path, so lines go to a new file after the
    /// old one was renamed away; stdout is left as it is.
    pub fn reopen(&self) -> rustix::io::Result<()> {
        if let Some(path) = &self.path {
            let fresh = Arc::new(open_file(path)?);
            let old = core::mem::replace(&mut *self.fd.lock(), fresh);
            self.generation.fetch_add(1, Ordering::Release);
            self.warned.store(false, Ordering::Relaxed);
            // Closed here unless a worker or the writer still holds it.
            drop(old);
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
    fn hand_over(&self, queue: &spin::Mutex<Vec<u8>>, lines: &mut Vec<u8>) {
        let queued = {
            let mut queue = queue.lock();
            let fits = queue.capacity() - queue.len() >= lines.len();
            if fits {
                queue.extend_from_slice(lines);
            }
            fits
        };
        if queued {
            self.wake_writer();
        } else {
            self.lost(lines);
        }
        lines.clear();
    }

    fn wake_writer(&self) {
        self.handed.fetch_add(1, Ordering::Release);
        let _ = futex::wake(&self.handed, futex::Flags::PRIVATE, 1);
    }

    /// Counts the lines in `bytes` as dropped.
    fn lost(&self, bytes: &[u8]) {
        self.dropped
            .fetch_add(count_lines(bytes), Ordering::Relaxed);
    }

    /// Counts the lines in `rest` as lost to write error `e`, saying so once.
    fn write_failed(&self, e: Errno, rest: &[u8]) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            crate::log_nowait!("access log: ", e, "; lines are being lost");
        }
        self.lost(rest);
    }
}

/// One holder's clone of the sink's descriptor, refreshed after a reopen.
struct Current {
    fd: Arc<OwnedFd>,
    generation: u32,
}

impl Current {
    /// The sink's descriptor as of now.
    fn get(&mut self, sink: &Sink) -> &OwnedFd {
        let generation = sink.generation.load(Ordering::Acquire);
        if generation != self.generation {
            let fresh = sink.fd.lock().clone();
            // The old clone goes after the lock: it may be the last one.
            self.fd = fresh;
            self.generation = generation;
        }
        &self.fd
    }
}

/// Writes all of `bytes` to a regular file, retrying short and interrupted
/// writes; gives up (counting the lines lost, and saying so once) on a real
/// error such as a full disk.
fn write_file(sink: &Sink, fd: &OwnedFd, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        match rustix::io::write(fd, bytes) {
            Ok(n) if n > 0 => bytes = bytes.get(n..).unwrap_or_default(),
            Err(Errno::INTR) => {}
            result => return sink.write_failed(result.err().unwrap_or(Errno::IO), bytes),
        }
    }
}

/// The thread that writes the queue out to a pipe, socket or terminal: the
/// only one that may wait on such a descriptor.
pub struct Writer {
    sink: &'static Sink,
    fd: Current,
    /// The queue as last taken, written out from here.
    batch: Vec<u8>,
    /// Dropped lines have been reported (once).
    warned_drops: bool,
}

impl Writer {
    /// Writes what workers hand over until the server stops.
    pub fn run(mut self) {
        let sink = self.sink;
        let Some(queue) = sink.queue.as_ref() else {
            return;
        };
        loop {
            let seen = sink.handed.load(Ordering::Acquire);
            // Read before taking the queue: once the stop is seen, every
            // worker has handed over its last lines, so this take is the last.
            let closing = sink.closing.load(Ordering::Acquire);
            core::mem::swap(&mut *queue.lock(), &mut self.batch);
            if !self.batch.is_empty() {
                let written = self.write_batch();
                self.batch.clear();
                if written {
                    continue;
                }
                // Given up on a stalled reader at stop: what is left is lost.
                return;
            }
            report_drops(sink, &mut self.warned_drops);
            if closing {
                return;
            }
            // Returns at once if anything was handed over since `seen`.
            let _ = futex::wait(&sink.handed, futex::Flags::PRIVATE, seen, None);
        }
    }

    /// Writes the batch: each write waits in poll for room first and
    /// carries at most [`PIPE_BUF`] bytes, cut at a line end, which that
    /// room takes at once, so the writer checks for drops to report and for
    /// the stop while the reader stalls. Gives up (counting the lines lost)
    /// on a real error, or at stop when the reader has stalled, which
    /// returns false.
    ///
    /// [`PIPE_BUF`]: rustix::pipe::PIPE_BUF
    fn write_batch(&mut self) -> bool {
        let sink = self.sink;
        let mut rest: &[u8] = &self.batch;
        let mut stalls = 0;
        while !rest.is_empty() {
            let fd = self.fd.get(sink);
            if !wait_for_room(fd) {
                stalls += 1;
                report_drops(sink, &mut self.warned_drops);
                if sink.closing.load(Ordering::Acquire) && stalls >= STOP_CHECKS {
                    sink.lost(rest);
                    return false;
                }
                continue;
            }
            stalls = 0;
            let chunk = chunk_end(rest, rustix::pipe::PIPE_BUF);
            match rustix::io::write(fd, &rest[..chunk]) {
                Ok(n) if n > 0 => rest = rest.get(n..).unwrap_or_default(),
                // A non-blocking stdout that filled up: poll waits for room.
                Err(Errno::INTR | Errno::AGAIN) => {}
                result => {
                    sink.write_failed(result.err().unwrap_or(Errno::IO), rest);
                    return true;
                }
            }
        }
        true
    }
}

/// Waits up to [`STALL_CHECK_MS`] until `fd` takes a chunk without
/// blocking; false if it still would not.
fn wait_for_room(fd: &OwnedFd) -> bool {
    use rustix::event::{PollFd, PollFlags};
    let timeout = rustix::time::Timespec {
        tv_sec: 0,
        tv_nsec: STALL_CHECK_MS * 1_000_000,
    };
    let mut fds = [PollFd::new(fd, PollFlags::OUT)];
    // An error or hang-up shows as ready: the write then reports it.
    !matches!(rustix::event::poll(&mut fds, Some(&timeout)), Ok(0))
}

/// Says once on stderr that lines are being dropped.
fn report_drops(sink: &Sink, warned: &mut bool) {
    if !*warned && sink.dropped() > 0 {
        *warned = true;
        crate::log_nowait!(
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

/// Lines in `bytes`, a partial last one included.
fn count_lines(bytes: &[u8]) -> u64 {
    let ends = bytes.iter().filter(|&&b| b == b'\n').count();
    (ends + usize::from(bytes.last().is_some_and(|&b| b != b'\n'))) as u64
}

/// Opens `path` for appending, created 0644 if missing.
fn open_file(path: &[u8]) -> rustix::io::Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    rustix::fs::open(
        crate::rt::cstr::terminated(path).ok_or(rustix::io::Errno::INVAL)?,
        OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::from_raw_mode(0o644),
    )
}

/// One worker's buffered lines.
pub struct Lines {
    sink: &'static Sink,
    /// The descriptor, for a regular file that the worker writes itself.
    fd: Current,
    buf: Vec<u8>,
    /// When the oldest buffered line was added (monotonic ms).
    since_ms: Option<u64>,
}

impl Sink {
    /// The client to log for `req` from `peer` (its address as text): `peer` itself
    /// unless it is a trusted proxy that names another, which is written into `text`.
    fn client<'a>(&self, peer: &'a [u8], req: &Request<'_>, text: &'a mut String) -> &'a [u8] {
        let Some(ip) = crate::text::parse_addr::ip(peer) else {
            return peer;
        };
        let ranges = &self.real_ip_from;
        let client = if req.x_forwarded_for_repeated {
            let mut values = request::field_values(req.head, b"x-forwarded-for");
            forwarded::client(ip, ranges, &mut values, req.x_real_ip)
        } else {
            let mut values = req.x_forwarded_for.into_iter();
            forwarded::client(ip, ranges, &mut values, req.x_real_ip)
        };
        if client == ip {
            return peer;
        }
        crate::text::Piece::put(&client, text);
        text.as_bytes()
    }
}

impl Lines {
    /// An empty buffer for `sink`.
    pub fn new(sink: &'static Sink) -> Lines {
        let fd = Current {
            fd: sink.fd.lock().clone(),
            generation: sink.generation.load(Ordering::Acquire),
        };
        Lines {
            fd,
            sink,
            buf: Vec::with_capacity(FLUSH_BYTES + 1024),
            since_ms: None,
        }
    }

    /// Adds the line for one answered request (`req` is `None` for a request
    /// that could not be parsed); writes the buffer out if it is full.
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
        let mut client = String::new();
        let peer = match req {
            Some(r) if !self.sink.real_ip_from.is_empty() => self.sink.client(peer, r, &mut client),
            _ => peer,
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

    /// Writes the buffer out if its oldest line has waited long enough.
    pub fn flush_if_due(&mut self, now_ms: u64) {
        if self.due_in(now_ms) == Some(0) {
            self.flush();
        }
    }

    /// Writes whatever is buffered to a regular file, or hands it to the
    /// writer thread (dropping it if the queue is full): never waits on a
    /// reader.
    pub fn flush(&mut self) {
        if !self.buf.is_empty() {
            match &self.sink.queue {
                Some(queue) => self.sink.hand_over(queue, &mut self.buf),
                None => {
                    write_file(self.sink, self.fd.get(self.sink), &self.buf);
                    self.buf.clear();
                }
            }
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

    /// `n` lines of a request that could not be parsed.
    fn add(lines: &mut Lines, n: usize) {
        for _ in 0..n {
            lines.add(b"127.0.0.1", None, Status::BadRequest, 0, 0, 0);
        }
    }

    /// A worker never waits for the writer: with none running, what does not
    /// fit in the queue is dropped and counted, and the writer later writes
    /// exactly what was queued, in whole lines.
    #[test]
    fn a_full_queue_drops_whole_lines_and_counts_them() {
        let (read, write) = rustix::pipe::pipe().unwrap();
        let (sink, writer) = Sink::new(write, None, Format::Common, Vec::new());
        let writer = writer.expect("a pipe has a writer thread");
        let mut lines = Lines::new(sink);
        let mut added = 0u64;
        while sink.dropped() == 0 {
            add(&mut lines, 100);
            added += 100;
            lines.flush();
        }
        sink.close();
        let dropped = sink.dropped();
        drop(lines);
        let writing = std::thread::spawn(move || writer.run());
        // The leaked sink keeps the pipe open, so no end of file comes: read
        // until the pipe is empty after the writer has ended.
        rustix::io::ioctl_fionbio(&read, true).unwrap();
        let mut out = Vec::new();
        let mut chunk = [0; 4096];
        loop {
            let ended = writing.is_finished();
            match rustix::io::read(&read, &mut chunk) {
                Ok(n) => out.extend_from_slice(&chunk[..n]),
                Err(rustix::io::Errno::AGAIN) if ended => break,
                Err(rustix::io::Errno::AGAIN) => {
                    std::thread::sleep(std::time::Duration::from_millis(1))
                }
                Err(e) => panic!("{e}"),
            }
        }
        writing.join().unwrap();
        let text = std::string::String::from_utf8(out).unwrap();
        assert!(text.lines().all(|l| l.ends_with("\"-\" 400 0 \"-\" \"-\"")));
        assert!(text.len() <= QUEUE_BYTES, "{}", text.len());
        assert_eq!(text.lines().count() as u64 + dropped, added);
    }

    /// A regular file is written by the worker itself, so nothing waits in
    /// a queue and nothing is dropped however fast lines come.
    #[test]
    fn a_regular_file_is_written_at_once_and_drops_nothing() {
        let path = std::env::temp_dir().join(alloc::format!(
            "staticd-access-unit-{}.log",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        let (sink, writer) = Sink::open(
            path.to_str().unwrap().as_bytes(),
            Format::Common,
            Vec::new(),
        )
        .unwrap();
        assert!(writer.is_none());
        let mut lines = Lines::new(sink);
        for _ in 0..100 {
            add(&mut lines, 100);
            lines.flush();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(text.lines().count(), 10_000);
        assert_eq!(sink.dropped(), 0);
    }
}
