//! One client connection: its input and output buffers, the request loop
//! that answers every complete pipelined request, and the flush that moves
//! buffered bytes and file bodies to the socket without blocking.

use crate::cache::Cache;
use crate::http::request::{self, Body, Parsed};
use crate::server::out::{Output, Progress, Seg};
use crate::server::respond::{self, DISCARD_MAX, Now, OUT_HIGH_WATER, Scratch};
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use rustix::fd::OwnedFd;
use rustix::io::Errno;

/// The most a lingering connection drains before it is closed anyway.
const LINGER_MAX: usize = 1 << 20;
/// Initial input buffer size; it grows up to [`request::MAX_HEAD`] for big heads.
pub const IN_INITIAL: usize = 4096;

/// What the connection waits for next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// More request bytes (or none pending: idle).
    Read,
    /// Room in the socket's send buffer.
    Write,
    /// Nothing: close it now.
    Close,
    /// Our side is done but the client may still be sending: shut down our
    /// side, drain its bytes for a moment, then close, so the kernel does not
    /// answer those bytes with a reset that destroys the response in flight.
    Linger,
}

/// Where a connection is in its life, for choosing its timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Between requests.
    Idle,
    /// Part of a request head has arrived.
    Head,
    /// A response is waiting for the client to read.
    Send,
    /// Draining the client's last bytes before closing.
    Linger,
}

/// A connection's working memory. An idle connection gives it back to its
/// worker's pool, so thousands of idle keep-alive connections cost only
/// their [`Conn`] structs; the next request takes a set from the pool.
pub struct Buffers {
    input: Vec<u8>,
    out: Vec<u8>,
    segs: VecDeque<Seg>,
}

impl Buffers {
    /// Fresh buffers.
    pub fn new() -> Self {
        Buffers {
            input: alloc::vec![0; IN_INITIAL],
            out: Vec::with_capacity(IN_INITIAL),
            segs: VecDeque::with_capacity(16),
        }
    }
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
    input: Vec<u8>,
    /// Unparsed input is `input[start..end]`.
    start: usize,
    end: usize,
    out: Output,
    /// Request-body bytes still to skip.
    discard: u64,
    /// Close once everything is sent.
    close: bool,
    /// The client closed its side.
    eof: bool,
    /// A request was rejected, so the client may still be sending its rest.
    rejected: bool,
    /// Shut down for writing and draining; counts bytes drained.
    lingering: Option<usize>,
    /// The last parse found the head incomplete and `input[..scanned]` holds
    /// no line end it has not seen: parsing again is pointless until one
    /// arrives (this keeps a client that sends one byte at a time linear).
    scanned: Option<usize>,
    /// Where the partial head's first line ends (relative to `start`), once
    /// it has: then only the header-size limit can newly fail without a line end.
    line_end: Option<usize>,
    /// Monotonic ms after which the worker closes the connection.
    pub deadline: u64,
    /// The phase the deadline was set for.
    pub phase: Phase,
    /// The timing-wheel tick the connection is queued for; 0 before it is.
    pub scheduled: u64,
    /// The client's address as text, kept only when there is an access log.
    pub peer: Option<alloc::boxed::Box<[u8]>>,
}

impl Conn {
    /// Wraps an accepted socket; it needs [`Conn::attach`] before use.
    pub fn new(fd: OwnedFd) -> Self {
        Conn {
            fd,
            input: Vec::new(),
            start: 0,
            end: 0,
            out: Output::new(),
            discard: 0,
            close: false,
            eof: false,
            rejected: false,
            lingering: None,
            scanned: None,
            line_end: None,
            deadline: 0,
            phase: Phase::Idle,
            scheduled: 0,
            peer: None,
        }
    }

    /// Whether the connection holds buffers.
    pub fn has_buffers(&self) -> bool {
        !self.input.is_empty()
    }

    /// Gives the connection buffers to work with.
    pub fn attach(&mut self, bufs: Buffers) {
        self.input = bufs.input;
        self.out.attach(bufs.out, bufs.segs);
    }

    /// Takes the buffers back; only for a connection in [`Phase::Idle`]
    /// (no partial request, nothing queued), which loses nothing by it.
    pub fn detach(&mut self) -> Buffers {
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

    /// The phase implied by the buffers: what the connection is waiting on.
    pub fn current_phase(&self) -> Phase {
        if self.lingering.is_some() {
            Phase::Linger
        } else if !self.out.is_empty() {
            Phase::Send
        } else if self.start < self.end || self.discard > 0 {
            Phase::Head
        } else {
            Phase::Idle
        }
    }

    /// Asks the connection to close as soon as its in-flight response is out.
    pub fn finish(&mut self) {
        self.close = true;
    }

    /// Reads once from the socket and answers what arrived.
    pub fn on_readable(&mut self, cache: &Cache, now: Now<'_>, scratch: &mut Scratch) -> Want {
        if let Some(drained) = self.lingering.as_mut() {
            return match rustix::io::read(&self.fd, &mut self.input[..]) {
                Ok(n) if n > 0 && *drained + n <= LINGER_MAX => {
                    *drained += n;
                    Want::Read
                }
                Err(Errno::AGAIN) | Err(Errno::INTR) => Want::Read,
                _ => Want::Close,
            };
        }
        if self.end == self.input.len() {
            if self.start > 0 {
                self.input.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
                self.scanned = None;
            } else if self.input.len() < request::MAX_HEAD {
                let grown = (self.input.len() * 2).min(request::MAX_HEAD);
                self.input.resize(grown, 0);
            }
        }
        match rustix::io::read(&self.fd, &mut self.input[self.end..]) {
            Ok(0) => {
                self.eof = true;
                // A client that half-closes after its requests still gets the answers.
            }
            Ok(n) => self.end += n,
            Err(Errno::AGAIN) | Err(Errno::INTR) => return Want::Read,
            Err(_) => return Want::Close,
        }
        self.process_counted(cache, now, scratch)
    }

    /// Sends what is pending; called when the socket became writable.
    pub fn on_writable(&mut self, cache: &Cache, now: Now<'_>, scratch: &mut Scratch) -> Want {
        self.process_counted(cache, now, scratch)
    }

    /// [`Conn::process`], adding the bytes it sent to the worker's count.
    fn process_counted(&mut self, cache: &Cache, now: Now<'_>, scratch: &mut Scratch) -> Want {
        let sent = self.out.total_sent();
        let want = self.process(cache, now, scratch);
        scratch.counters.sent += self.out.total_sent() - sent;
        want
    }

    /// Answers every complete request in the input, in order, flushing as
    /// needed; returns what to wait for next.
    fn process(&mut self, cache: &Cache, now: Now<'_>, scratch: &mut Scratch) -> Want {
        loop {
            if self.out.has_file() || self.out.queued() >= OUT_HIGH_WATER {
                match self.out.flush(&self.fd) {
                    Progress::Done => {}
                    Progress::Blocked => return Want::Write,
                    Progress::Failed => return Want::Close,
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
            if self.close || self.start == self.end {
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
                        self.close = true;
                    }
                    break;
                }
                Err(e) => {
                    let reply = respond::parse_error(e, now, &mut self.out);
                    scratch.record(self.peer.as_deref().unwrap_or_default(), None, reply, now);
                    self.close = true;
                    self.rejected = true;
                    break;
                }
                Ok(Parsed::Complete(req, used)) => {
                    let (skip_body, body_closes) = match req.body {
                        Body::None => (0, false),
                        Body::Length(n) => (n, n > DISCARD_MAX),
                        Body::Chunked => (0, true),
                    };
                    let reply =
                        respond::respond(cache, &req, now, body_closes, scratch, &mut self.out);
                    let peer = self.peer.as_deref().unwrap_or_default();
                    scratch.record(peer, Some(&req), reply, now);
                    self.start += used;
                    self.discard = skip_body;
                    self.close |= reply.close;
                }
            }
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        match self.out.flush(&self.fd) {
            Progress::Done => {}
            Progress::Blocked => return Want::Write,
            Progress::Failed => return Want::Close,
        }
        if self.eof && self.start == self.end {
            Want::Close
        } else if self.close {
            let unread = self.rejected || self.start < self.end || self.discard > 0;
            if unread && !self.eof {
                self.linger()
            } else {
                Want::Close
            }
        } else {
            Want::Read
        }
    }

    /// Shuts down our side and starts draining, or closes if that fails.
    fn linger(&mut self) -> Want {
        match rustix::net::shutdown(&self.fd, rustix::net::Shutdown::Write) {
            Ok(()) => {
                self.lingering = Some(0);
                Want::Linger
            }
            Err(_) => Want::Close,
        }
    }
}
