//! One client connection: its life as one [`State`] that only the
//! connection moves, its input and output buffers, the request loop that
//! answers every complete pipelined request, and the flush that moves
//! buffered bytes and file bodies to the socket without blocking.

use crate::cache::Cache;
use crate::http::request::{self, Framing, Parsed};
use crate::http::status::Status;
use crate::server::out::{Output, Progress, Seg};
use crate::server::respond::{self, Context, DISCARD_MAX, OUT_HIGH_WATER, WorkerLocal};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use rustix::fd::OwnedFd;
use rustix::io::Errno;

/// The most a lingering connection drains before it is closed anyway.
const LINGER_MAX: usize = 1 << 20;
/// Initial input buffer size; it grows up to [`request::MAX_HEAD`] for big heads.
pub const IN_INITIAL: usize = 4096;

/// Where a connection is in its life. Only the connection moves it, once
/// at the end of every event it handles; the worker reads it to choose what
/// epoll watches for, which timeout runs, and when to close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Reading: between requests, nothing of the next one has arrived.
    Idle,
    /// Reading: a request head is awaited since the connection opened, or
    /// part of one has arrived.
    Head,
    /// Reading: draining the body of a request already answered.
    Body,
    /// Writing: a response waits for room in the socket's send buffer.
    Writing,
    /// Our side is shut down and the client's last bytes are drained for a
    /// moment, so the kernel does not answer them with a reset that destroys
    /// the response in flight; counts the bytes drained.
    Lingering {
        /// Bytes drained so far.
        drained: usize,
    },
    /// Done: the worker closes the socket.
    Closing,
}

/// Why a connection answers no more requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// A response said `Connection: close`, or the server is stopping.
    Close,
    /// A request was rejected: the client may still be sending its rest.
    Reject,
}

/// A connection's working memory. An idle connection gives it back to its
/// worker's pool, so thousands of idle keep-alive connections cost only
/// their [`Conn`] structs; the next request takes a set from the pool.
pub struct Buffers {
    input: Vec<u8>,
    out: Vec<u8>,
    segs: Vec<Seg>,
}

/// Segments a pooled output queue keeps room for.
const SEGS_INITIAL: usize = 16;

impl Buffers {
    /// Fresh buffers: the input at its first size, the output queue empty
    /// until a response needs it, so a connection that only ever sends part
    /// of a head holds one buffer.
    pub fn new() -> Self {
        Buffers {
            input: alloc::vec![0; IN_INITIAL],
            out: Vec::new(),
            segs: Vec::new(),
        }
    }

    /// Brings buffers that grew for a big head or a long pipeline back to
    /// their first size; returns the input bytes given up, which the
    /// [`HeadBudget`] had lent.
    pub fn shrink(&mut self) -> usize {
        let grown = self.input.len().saturating_sub(IN_INITIAL);
        if grown > 0 {
            self.input.truncate(IN_INITIAL);
            self.input.shrink_to_fit();
        }
        self.out.shrink_to(IN_INITIAL);
        // Given back only when empty, so a new vector loses nothing (and is
        // less code than another instance of shrink_to).
        if self.segs.capacity() > SEGS_INITIAL {
            self.segs = Vec::with_capacity(SEGS_INITIAL);
        }
        grown
    }
}

/// The memory that input buffers may take beyond their first
/// [`IN_INITIAL`] bytes, shared by every connection of every worker, so a
/// flood of big slow heads is refused instead of growing the process.
pub struct HeadBudget {
    used: AtomicUsize,
    max: usize,
}

impl HeadBudget {
    /// A budget of `max` bytes, none lent.
    pub fn new(max: usize) -> Self {
        HeadBudget {
            used: AtomicUsize::new(0),
            max,
        }
    }

    /// Lends `n` bytes if the budget has them.
    fn take(&self, n: usize) -> bool {
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(n).filter(|&total| total <= self.max)
            })
            .is_ok()
    }

    /// Takes back `n` bytes lent earlier.
    pub fn give(&self, n: usize) {
        if n > 0 {
            self.used.fetch_sub(n, Ordering::Relaxed);
        }
    }

    /// Bytes lent now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

/// What one read of a request brought.
enum Input {
    /// Bytes, or the client's end of the stream.
    Arrived,
    /// Nothing yet.
    Nothing,
    /// The connection is broken.
    Broken,
    /// The head fills the buffer and the [`HeadBudget`] has no room to grow it.
    NoRoom,
}

impl Default for Buffers {
    fn default() -> Self {
        Self::new()
    }
}

/// A client connection.
pub struct Conn {
    /// The socket.
    pub fd: OwnedFd,
    state: State,
    input: Vec<u8>,
    /// Unparsed input is `input[start..end]`.
    start: usize,
    end: usize,
    out: Output,
    /// Request-body bytes still to skip.
    discard: u64,
    /// Set once no more requests are answered: close after what is queued.
    end_after: Option<End>,
    /// The client closed its side.
    eof: bool,
    /// The last parse found the head incomplete and `input[..scanned]` holds
    /// no line end it has not seen: parsing again is pointless until one
    /// arrives (this keeps a client that sends one byte at a time linear).
    scanned: Option<usize>,
    /// Where the partial head's first line ends (relative to `start`), once
    /// it has: then only the header-size limit can newly fail without a line end.
    line_end: Option<usize>,
    /// The client's address as text, kept only when there is an access log.
    pub peer: Option<alloc::boxed::Box<[u8]>>,
}

impl Conn {
    /// Wraps an accepted socket, awaiting its first request; it needs
    /// [`Conn::attach`] before use.
    pub fn new(fd: OwnedFd) -> Self {
        Conn {
            fd,
            state: State::Head,
            input: Vec::new(),
            start: 0,
            end: 0,
            out: Output::new(),
            discard: 0,
            end_after: None,
            eof: false,
            scanned: None,
            line_end: None,
            peer: None,
        }
    }

    /// Where the connection is in its life.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether the connection holds buffers.
    pub fn has_buffers(&self) -> bool {
        !self.input.is_empty()
    }

    /// Gives the connection buffers to work with: a spare set from `pool`,
    /// or a new one when the pool is empty.
    #[inline(never)]
    pub fn attach(&mut self, pool: &mut Vec<Buffers>) {
        let bufs = pool.pop().unwrap_or_default();
        // The input replaced is the empty one `new` or `detach` left, which
        // owns no memory: forgetting it skips drop code that would free none.
        debug_assert_eq!(self.input.capacity(), 0);
        core::mem::forget(core::mem::replace(&mut self.input, bufs.input));
        self.out.attach(bufs.out, bufs.segs);
    }

    /// Hands the buffers back when they hold nothing: no byte of a request
    /// and nothing queued (an idle connection, or a new one still silent).
    pub fn spare(&mut self) -> Option<Buffers> {
        let empty = matches!(self.state, State::Idle | State::Head)
            && self.start == self.end
            && self.out.is_empty();
        (empty && self.has_buffers()).then(|| self.detach())
    }

    /// The buffers of a connection being closed, emptied.
    pub fn into_buffers(mut self) -> Option<Buffers> {
        self.has_buffers().then(|| self.detach())
    }

    /// Takes the buffers back, dropping whatever they hold.
    fn detach(&mut self) -> Buffers {
        self.start = 0;
        self.end = 0;
        self.scanned = None;
        let (out, segs) = self.out.detach();
        Buffers {
            input: core::mem::take(&mut self.input),
            out,
            segs,
        }
    }

    /// The server is stopping: a response in flight is finished and then
    /// the connection closes; any other connection closes now.
    pub fn stop(&mut self) -> State {
        self.state = match self.state {
            State::Writing => {
                self.end_after.get_or_insert(End::Close);
                State::Writing
            }
            _ => State::Closing,
        };
        self.state
    }

    /// Handles readiness as its state asks: while writing, sends what is
    /// pending (the socket became writable); while lingering, drains;
    /// otherwise reads once from the socket and answers what arrived.
    pub fn on_ready(&mut self, cache: &Cache, cx: Context<'_>, local: &mut WorkerLocal) -> State {
        let next = match self.state {
            State::Lingering { drained } => self.drain(drained),
            State::Closing => State::Closing,
            State::Writing => self.process_counted(cache, cx, local),
            _ => match self.read(cx.heads) {
                Input::Nothing => self.state,
                Input::Broken => State::Closing,
                input => {
                    if let Input::NoRoom = input {
                        self.reject(Status::ServiceUnavailable, cx, local);
                    }
                    self.process_counted(cache, cx, local)
                }
            },
        };
        self.enter(next, cx)
    }

    /// Moves to `next`; a stopping server does not wait out idle or
    /// lingering connections, as neither has anything left to send.
    fn enter(&mut self, next: State, cx: Context<'_>) -> State {
        self.state = match next {
            State::Idle | State::Lingering { .. } if cx.stopping => State::Closing,
            next => next,
        };
        self.state
    }

    /// One read of a lingering connection's bytes, which are thrown away.
    fn drain(&mut self, drained: usize) -> State {
        match rustix::io::read(&self.fd, &mut self.input[..]) {
            Ok(n) if n > 0 && drained + n <= LINGER_MAX => State::Lingering {
                drained: drained + n,
            },
            Err(Errno::AGAIN) | Err(Errno::INTR) => State::Lingering { drained },
            _ => State::Closing,
        }
    }

    /// One read into the input buffer, making room first: moving a
    /// partial head to the front, or growing the buffer with memory lent by
    /// `heads` (given back when the worker takes the buffers back).
    fn read(&mut self, heads: &HeadBudget) -> Input {
        if self.end == self.input.len() {
            if self.start > 0 {
                self.input.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
                self.scanned = None;
            } else if self.input.len() < request::MAX_HEAD {
                let grown = (self.input.len() * 2).min(request::MAX_HEAD);
                if !heads.take(grown - self.input.len()) {
                    return Input::NoRoom;
                }
                self.input.resize(grown, 0);
            }
        }
        match rustix::io::read(&self.fd, &mut self.input[self.end..]) {
            // A client that half-closes after its requests still gets the answers.
            Ok(0) => self.eof = true,
            Ok(n) => self.end += n,
            Err(Errno::AGAIN) | Err(Errno::INTR) => return Input::Nothing,
            Err(_) => return Input::Broken,
        }
        Input::Arrived
    }

    /// [`Conn::process`], adding the bytes it sent to the worker's count.
    fn process_counted(
        &mut self,
        cache: &Cache,
        cx: Context<'_>,
        local: &mut WorkerLocal,
    ) -> State {
        let sent = self.out.total_sent();
        let next = self.process(cache, cx, local);
        local.counters.sent += self.out.total_sent() - sent;
        next
    }

    /// Answers every complete request in the input, in order, flushing as
    /// needed; returns the state that follows.
    fn process(&mut self, cache: &Cache, cx: Context<'_>, local: &mut WorkerLocal) -> State {
        loop {
            if self.out.has_file() || self.out.queued() >= OUT_HIGH_WATER {
                match self.out.flush(&self.fd, false) {
                    Progress::Done => {}
                    Progress::Blocked => return State::Writing,
                    Progress::Failed => return State::Closing,
                }
            }
            if self.discard > 0 {
                let skip = self.discard.min((self.end - self.start) as u64);
                self.start += skip as usize;
                self.discard -= skip;
                if self.discard > 0 {
                    break;
                }
            }
            if self.end_after.is_some() || self.start == self.end {
                break;
            }
            let pending = self.end - self.start;
            if let Some(seen) = self.scanned
                && !self.eof
                && pending < request::MAX_HEAD
                && match self.line_end {
                    Some(line) => pending - line <= request::MAX_HEADER_BYTES,
                    None => pending <= request::MAX_REQUEST_LINE,
                }
                && !self.input[seen.max(self.start)..self.end].contains(&b'\n')
            {
                self.scanned = Some(self.end);
                break;
            }
            self.scanned = None;
            match request::parse(&self.input[self.start..self.end]) {
                Ok(Parsed::Partial) => {
                    self.scanned = Some(self.end);
                    self.line_end = self.input[self.start..self.end]
                        .iter()
                        .position(|&b| b == b'\n');
                    if self.eof {
                        // The client will never finish this request.
                        self.end_after = Some(End::Close);
                    }
                    break;
                }
                Err(e) => {
                    self.reject(e.into(), cx, local);
                    break;
                }
                Ok(Parsed::Complete(req, used)) => {
                    let (skip_body, body_closes) = match req.framing {
                        Framing::None => (0, false),
                        Framing::Length(n) => (n, n > DISCARD_MAX),
                        Framing::Chunked => (0, true),
                    };
                    let reply =
                        respond::respond(cache, &req, cx, body_closes, local, &mut self.out);
                    let peer = self.peer.as_deref().unwrap_or_default();
                    local.record(peer, Some(&req), reply, cx);
                    self.start += used;
                    self.discard = skip_body;
                    if reply.close {
                        self.end_after.get_or_insert(End::Close);
                    }
                }
            }
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        // The connection's last bytes: the FIN of the shutdown below (or of
        // the close, or of lingering's shutdown) goes out with them. A client
        // that shuts down its side after a request is not told apart: its
        // FIN is seen by the read after the response has gone.
        match self.out.flush(&self.fd, self.end_after.is_some()) {
            Progress::Done => {}
            Progress::Blocked => return State::Writing,
            Progress::Failed => return State::Closing,
        }
        let unread = self.start < self.end || self.discard > 0;
        match self.end_after {
            _ if self.eof && self.start == self.end => State::Closing,
            Some(end) if !self.eof && (unread || end == End::Reject) => self.linger(),
            // Shut down before the close: the FIN leaves with the held-back
            // response now, where a close that meets input arrived meanwhile
            // would drop the response and reset the connection instead.
            Some(_) => {
                let _ = rustix::net::shutdown(&self.fd, rustix::net::Shutdown::Write);
                State::Closing
            }
            None if self.discard > 0 => State::Body,
            None if unread => State::Head,
            None => State::Idle,
        }
    }

    /// Answers `status` to a request that is not read to its end, and no
    /// request after it.
    fn reject(&mut self, status: Status, cx: Context<'_>, local: &mut WorkerLocal) {
        let reply = respond::reject(status, cx, &mut self.out);
        local.record(self.peer.as_deref().unwrap_or_default(), None, reply, cx);
        self.end_after = Some(End::Reject);
    }

    /// Shuts down our side and starts draining, or closes if that fails.
    fn linger(&mut self) -> State {
        match rustix::net::shutdown(&self.fd, rustix::net::Shutdown::Write) {
            Ok(()) => State::Lingering { drained: 0 },
            Err(_) => State::Closing,
        }
    }
}

#[cfg(test)]
mod tests {
    //! Each state a connection can reach, driven over a socketpair with a
    //! real cache over a temporary directory.
    use super::*;
    use crate::cache::root::Root;
    use crate::cache::{self, Cache};
    use crate::http::response::SiteHeaders;
    use crate::server::respond::Routes;
    use rustix::net::{AddressFamily, SocketFlags, SocketType, socketpair};
    use std::os::unix::ffi::OsStrExt;

    /// A cache over a directory with a small and a big file.
    struct Site {
        cache: Cache,
        site: SiteHeaders,
        routes: Routes,
        local: WorkerLocal,
        heads: HeadBudget,
        clock: crate::server::clock::Clock,
        dir: std::path::PathBuf,
    }

    const BIG: usize = 8 << 20;

    impl Site {
        fn new(name: &str) -> Site {
            let dir =
                std::env::temp_dir().join(format!("staticd-conn-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("small.txt"), "hello").unwrap();
            std::fs::write(dir.join("big.bin"), vec![7u8; BIG]).unwrap();
            let root = Root::open(dir.as_os_str().as_bytes()).unwrap();
            let cache = Cache::new(
                root,
                b"index.html".to_vec(),
                cache::Settings::from(&crate::config::Config::default()),
                SiteHeaders::new(None, Vec::new(), &[]),
            );
            Site {
                cache,
                site: SiteHeaders::new(None, Vec::new(), &[]),
                routes: Routes::default(),
                local: WorkerLocal::default(),
                heads: HeadBudget::new(64 << 10),
                clock: crate::server::clock::Clock::new(),
                dir,
            }
        }

        /// Hands the connection one readiness event, as the worker does.
        fn event(&mut self, conn: &mut Conn, stopping: bool) -> State {
            let cx = Context {
                clock: &self.clock,
                stopping,
                site: &self.site,
                routes: &self.routes,
                heads: &self.heads,
                cors: crate::http::cors::Allow::Nothing,
            };
            conn.on_ready(&self.cache, cx, &mut self.local)
        }

        fn readable(&mut self, conn: &mut Conn, stopping: bool) -> State {
            self.event(conn, stopping)
        }

        /// The event of a socket that became writable: the same entry.
        fn writable(&mut self, conn: &mut Conn) -> State {
            self.event(conn, false)
        }
    }

    impl Drop for Site {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// A connection on one end of a socketpair, and the client's end.
    fn pair() -> (Conn, OwnedFd) {
        let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
        let (ours, theirs) =
            socketpair(AddressFamily::UNIX, SocketType::STREAM, flags, None).unwrap();
        let mut conn = Conn::new(ours);
        conn.attach(&mut Vec::new());
        (conn, theirs)
    }

    fn send(client: &OwnedFd, bytes: &[u8]) {
        assert_eq!(rustix::io::write(client, bytes).unwrap(), bytes.len());
    }

    /// Everything the server has sent so far.
    fn received(client: &OwnedFd) -> Vec<u8> {
        let mut all = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match rustix::io::read(client, &mut buf) {
                Ok(0) | Err(Errno::AGAIN) => return all,
                Ok(n) => all.extend_from_slice(&buf[..n]),
                Err(e) => panic!("read: {e}"),
            }
        }
    }

    fn responses(bytes: &[u8]) -> usize {
        bytes.windows(9).filter(|w| w == b"HTTP/1.1 ").count()
    }

    #[test]
    fn a_new_connection_awaits_a_head_and_is_idle_after_its_answer() {
        let mut site = Site::new("idle");
        let (mut conn, client) = pair();
        assert_eq!(conn.state(), State::Head);
        // Nothing arrived yet: still awaiting the first head.
        assert_eq!(site.readable(&mut conn, false), State::Head);
        send(&client, b"GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_eq!(site.readable(&mut conn, false), State::Idle);
        let got = received(&client);
        assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n"), "{got:?}");
        assert!(got.ends_with(b"\r\n\r\nhello"));
    }

    #[test]
    fn a_partial_head_is_head_until_it_completes() {
        let mut site = Site::new("head");
        let (mut conn, client) = pair();
        send(&client, b"GET /small.txt HTTP/1.1\r\nHo");
        assert_eq!(site.readable(&mut conn, false), State::Head);
        send(&client, b"st: t\r\n");
        assert_eq!(site.readable(&mut conn, false), State::Head);
        assert!(received(&client).is_empty());
        send(&client, b"\r\n");
        assert_eq!(site.readable(&mut conn, false), State::Idle);
        assert_eq!(responses(&received(&client)), 1);
    }

    #[test]
    fn an_unread_body_is_drained_before_the_next_request() {
        let mut site = Site::new("body");
        let (mut conn, client) = pair();
        send(
            &client,
            b"POST /small.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc",
        );
        assert_eq!(site.readable(&mut conn, false), State::Body);
        send(&client, b"defghij");
        assert_eq!(site.readable(&mut conn, false), State::Idle);
        send(&client, b"GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_eq!(site.readable(&mut conn, false), State::Idle);
        assert_eq!(responses(&received(&client)), 2);
    }

    #[test]
    fn a_full_socket_is_writing_until_the_client_reads() {
        let mut site = Site::new("writing");
        let (mut conn, client) = pair();
        send(&client, b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_eq!(site.readable(&mut conn, false), State::Writing);
        let mut got = received(&client).len();
        let mut state = State::Writing;
        for _ in 0..10_000 {
            state = site.writable(&mut conn);
            got += received(&client).len();
            if state != State::Writing {
                break;
            }
        }
        assert_eq!(state, State::Idle);
        assert!(got > BIG, "{got} bytes");
    }

    #[test]
    fn a_rejected_request_lingers_then_closes() {
        let mut site = Site::new("linger");
        let (mut conn, client) = pair();
        send(&client, b"GET / HTTP/1.1\r\nBad Header\r\n\r\n");
        assert_eq!(
            site.readable(&mut conn, false),
            State::Lingering { drained: 0 }
        );
        let got = received(&client);
        assert!(got.starts_with(b"HTTP/1.1 400 "), "{got:?}");
        send(&client, b"more of the bad request");
        assert_eq!(
            site.readable(&mut conn, false),
            State::Lingering { drained: 23 }
        );
        drop(client);
        assert_eq!(site.readable(&mut conn, false), State::Closing);
    }

    #[test]
    fn connection_close_closes_or_lingers_over_unread_requests() {
        let mut site = Site::new("close");
        let (mut conn, client) = pair();
        send(
            &client,
            b"GET /small.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(site.readable(&mut conn, false), State::Closing);
        assert_eq!(responses(&received(&client)), 1);

        let (mut conn, client) = pair();
        send(
            &client,
            b"GET /small.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /small.txt HTTP/1.1\r\n",
        );
        assert_eq!(
            site.readable(&mut conn, false),
            State::Lingering { drained: 0 }
        );
        assert_eq!(responses(&received(&client)), 1);
    }

    #[test]
    fn a_client_that_half_closes_gets_its_answers_then_the_connection_closes() {
        let mut site = Site::new("eof");
        let (mut conn, client) = pair();
        send(
            &client,
            b"GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        );
        rustix::net::shutdown(&client, rustix::net::Shutdown::Write).unwrap();
        // The first read takes both requests; the next finds the end.
        let mut state = site.readable(&mut conn, false);
        if state == State::Idle {
            state = site.readable(&mut conn, false);
        }
        assert_eq!(state, State::Closing);
        assert_eq!(responses(&received(&client)), 2);

        // A head cut short by the client's close is never answered.
        let (mut conn, client) = pair();
        send(&client, b"GET /small.txt HTTP/1.1\r\nHo");
        rustix::net::shutdown(&client, rustix::net::Shutdown::Write).unwrap();
        let mut state = site.readable(&mut conn, false);
        if state == State::Head {
            state = site.readable(&mut conn, false);
        }
        assert_eq!(state, State::Closing);
        assert!(received(&client).is_empty());
    }

    #[test]
    fn stopping_closes_all_but_a_response_in_flight() {
        let mut site = Site::new("stop");
        for request in [
            &b""[..],
            b"GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n",
            b"GET /small.txt HTTP/1.1\r\nHo",
            b"POST /small.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc",
        ] {
            let (mut conn, client) = pair();
            send(&client, request);
            assert_ne!(site.readable(&mut conn, false), State::Writing);
            assert_eq!(conn.stop(), State::Closing);
        }
        // A download in flight is finished, and then the connection closes.
        let (mut conn, client) = pair();
        send(&client, b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_eq!(site.readable(&mut conn, false), State::Writing);
        assert_eq!(conn.stop(), State::Writing);
        let mut got = 0;
        let mut state = State::Writing;
        while state == State::Writing {
            got += received(&client).len();
            state = site.writable(&mut conn);
        }
        got += received(&client).len();
        assert_eq!(state, State::Closing);
        assert!(got > BIG);
        // A request answered while stopping closes its connection.
        let (mut conn, client) = pair();
        send(&client, b"GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_eq!(site.readable(&mut conn, true), State::Closing);
        let got = received(&client);
        assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n"));
    }

    #[test]
    fn big_heads_borrow_from_the_shared_budget_and_are_refused_past_it() {
        let mut site = Site::new("budget");
        // Room for two 16 KiB buffers and one 8 KiB one.
        let budget = 2 * (16384 - IN_INITIAL) + 4096;
        site.heads = HeadBudget::new(budget);
        let cookie = format!("Cookie: {}\r\n", "c".repeat(10_000));
        let head = format!("GET /small.txt HTTP/1.1\r\nHost: t\r\n{cookie}\r\n");
        // Two connections hold partial 10 KB heads: 4 KiB + 8 KiB more each.
        let mut held = Vec::new();
        for _ in 0..2 {
            let (mut conn, client) = pair();
            send(&client, &head.as_bytes()[..head.len() - 2]);
            while site.readable(&mut conn, false) == State::Head && conn.input.len() < 16384 {}
            assert_eq!(conn.state(), State::Head);
            held.push((conn, client));
        }
        assert_eq!(site.heads.used(), 2 * (16384 - IN_INITIAL));
        // A third cannot grow past 8 KiB:
        // it is refused with 503 and drained, never answered.
        let (mut conn, client) = pair();
        send(&client, head.as_bytes());
        let mut state = State::Head;
        for _ in 0..4 {
            if state == State::Head {
                state = site.readable(&mut conn, false);
            }
        }
        assert_eq!(state, State::Lingering { drained: 0 });
        assert_eq!(conn.input.len(), 8192);
        let got = received(&client);
        assert!(got.starts_with(b"HTTP/1.1 503 "), "{got:?}");
        assert_eq!(responses(&got), 1);
        assert_eq!(site.heads.used(), budget);
        // Finishing the held heads answers them; buffers given back to
        // their first size return what they borrowed.
        let mut lent = site.heads.used();
        for (mut conn, client) in held.into_iter().chain([(conn, client)]) {
            send(&client, b"\r\n");
            site.readable(&mut conn, false);
            let mut bufs = conn.into_buffers().unwrap();
            let back = bufs.shrink();
            site.heads.give(back);
            lent -= back;
            assert_eq!(site.heads.used(), lent);
            assert_eq!(bufs.input.len(), IN_INITIAL);
        }
        assert_eq!(site.heads.used(), 0);
    }
}
