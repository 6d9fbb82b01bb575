//! A connection's outgoing bytes: a queue of segments (bytes formatted into
//! the connection's own buffer, slices of shared cache entries, file ranges)
//! that leaves in as few system calls as possible: every run of in-memory
//! segments goes out in one writev (or sendmsg with MSG_MORE when a file
//! range or the connection's FIN follows), a file range with sendfile.
//!
//! EAGAIN, EINTR and short writes are handled here and nowhere else.

use crate::cache::entry::{Body, Entry, Part};
use alloc::sync::Arc;
use alloc::vec::Vec;
use rustix::fd::OwnedFd;
use rustix::io::{Errno, IoSlice};
use rustix::net::{self, SendFlags};

/// Iovecs per writev: far below IOV_MAX (1024), and enough for 16 pipelined
/// responses of three pieces each (cached head, per-response tail, body).
const IOVECS: usize = 128;
/// The most one sendfile call moves, so one big download cannot starve the
/// other connections of the worker.
const SENDFILE_CHUNK: usize = 1 << 20;
/// The most one connection sends per turn of the event loop.
const TURN_BUDGET: u64 = 4 << 20;

/// How a flush ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Everything queued went out.
    Done,
    /// The socket is full (or the turn's budget is spent): wait for EPOLLOUT.
    Blocked,
    /// The connection is broken, or a file ended early: close it.
    Failed,
}

/// One piece of output.
pub enum Seg {
    /// `buf[start..end]`.
    Buf { start: usize, end: usize },
    /// Bytes `offset..end` of one part of a cache entry, kept alive by the Arc.
    Entry {
        entry: Arc<Entry>,
        part: Part,
        offset: usize,
        end: usize,
    },
    /// Bytes `offset..end` of the big file a cache entry holds open.
    File {
        entry: Arc<Entry>,
        offset: u64,
        end: u64,
    },
}

/// The queue of outgoing segments and the buffer for formatted bytes.
pub struct Output {
    buf: Vec<u8>,
    /// `buf[..committed]` is covered by segments.
    committed: usize,
    /// Segments `segs[head..]` are queued; those before `head` are sent and
    /// hold nothing. A plain vector and an index cost less code than a ring.
    segs: Vec<Seg>,
    head: usize,
    /// Bytes queued in memory (not counting file ranges).
    queued: usize,
    /// File ranges among the segments.
    files: usize,

    /// Bytes ever written to the socket.
    sent: u64,
}

impl Default for Output {
    fn default() -> Self {
        Self::new()
    }
}

impl Output {
    /// An empty queue that owns no memory until buffers are attached.
    pub fn new() -> Output {
        Output {
            buf: Vec::new(),
            committed: 0,
            segs: Vec::new(),
            head: 0,
            queued: 0,
            files: 0,

            sent: 0,
        }
    }

    /// Gives the queue memory to work with (the byte buffer and the segment
    /// vector), both empty: new, or emptied by [`Output::detach`].
    pub fn attach(&mut self, buf: Vec<u8>, segs: Vec<Seg>) {
        debug_assert!(buf.is_empty() && segs.is_empty() && self.files == 0);
        // The buffers replaced are the empty ones `new` or `detach` left,
        // which own no memory: forgetting them skips drop code that frees none.
        debug_assert!(self.buf.capacity() == 0 && self.segs.capacity() == 0);
        core::mem::forget(core::mem::replace(&mut self.buf, buf));
        core::mem::forget(core::mem::replace(&mut self.segs, segs));
        self.committed = 0;
        self.queued = 0;
    }

    /// Takes the queue's memory back, emptied, leaving it with none; only
    /// when nothing is queued does nothing get lost.
    pub fn detach(&mut self) -> (Vec<u8>, Vec<Seg>) {
        let mut buf = core::mem::take(&mut self.buf);
        let mut segs = core::mem::take(&mut self.segs);
        buf.clear();
        segs.clear();
        self.head = 0;
        self.committed = 0;
        self.queued = 0;
        self.files = 0;
        (buf, segs)
    }

    /// Whether nothing is waiting to be sent.
    pub fn is_empty(&self) -> bool {
        self.head == self.segs.len() && self.committed == self.buf.len()
    }

    /// Bytes waiting in memory.
    pub fn queued(&self) -> usize {
        self.queued + (self.buf.len() - self.committed)
    }

    /// Bytes ever written to the socket on this connection.
    pub fn total_sent(&self) -> u64 {
        self.sent
    }

    /// Whether a file range is queued (it must go before later requests are read).
    pub fn has_file(&self) -> bool {
        self.files > 0
    }

    /// The buffer to format bytes into; they join the queue at the next push or flush.
    pub fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Turns bytes formatted since the last commit into a segment.
    fn commit(&mut self) {
        let end = self.buf.len();
        if end == self.committed {
            return;
        }
        self.queued += end - self.committed;

        match self.segs.get_mut(self.head..).and_then(<[Seg]>::last_mut) {
            Some(Seg::Buf { end: last, .. }) if *last == self.committed => *last = end,
            _ => self.queue(Seg::Buf {
                start: self.committed,
                end,
            }),
        }
        self.committed = end;
    }

    /// Queues the whole of `part` of the entry: its prebuilt head, or a
    /// compressed variant's head or bytes.
    pub fn push(&mut self, entry: &Arc<Entry>, part: Part) {
        self.push_part(entry, part, 0, u64::MAX);
    }

    /// Queues bytes `start..end` of the entry's body (mapped or on disk).
    pub fn push_body(&mut self, entry: &Arc<Entry>, start: u64, end: u64) {
        match &entry.body {
            Body::Mapped(_) => self.push_part(entry, Part::Body, start, end),
            Body::File(_) if start < end => {
                self.commit();
                self.files += 1;
                self.queue(Seg::File {
                    entry: entry.clone(),
                    offset: start,
                    end,
                })
            }
            Body::File(_) | Body::Missing => {}
        }
    }

    /// Queues bytes `start..end` of `part` of the entry, cut to its length.
    fn push_part(&mut self, entry: &Arc<Entry>, part: Part, start: u64, end: u64) {
        self.commit();
        let len = entry.bytes(part).len();
        let end = usize::try_from(end).map_or(len, |end| end.min(len));
        let offset = usize::try_from(start).map_or(end, |start| start.min(end));
        if offset < end {
            self.queued += end - offset;
            self.queue(Seg::Entry {
                entry: entry.clone(),
                part,
                offset,
                end,
            });
        }
    }

    /// Sends what the socket takes, in order. `last`: nothing follows on the
    /// connection, which is shut down for writing or closed once this is
    /// sent, and before any more input is read.
    pub fn flush(&mut self, sock: &OwnedFd, last: bool) -> Progress {
        self.commit();
        let mut budget = TURN_BUDGET;
        loop {
            match self.segs.get_mut(self.head) {
                None => break,
                Some(Seg::File { entry, offset, end }) => {
                    if budget == 0 {
                        return Progress::Blocked;
                    }
                    let Body::File(fd) = &entry.body else {
                        return Progress::Failed;
                    };
                    let want = (*end - *offset).min(SENDFILE_CHUNK as u64) as usize;
                    match rustix::fs::sendfile(sock, fd, Some(offset), want) {
                        // The file shrank under us: the promised length cannot be met.
                        Ok(0) => return Progress::Failed,
                        Ok(n) => {
                            self.sent += n as u64;
                            budget = budget.saturating_sub(n as u64);
                        }
                        Err(Errno::INTR) => continue,
                        Err(Errno::AGAIN) => return Progress::Blocked,
                        Err(_) => return Progress::Failed,
                    }
                    if *offset >= *end {
                        self.files -= 1;
                        self.pop_front();
                    }
                }
                Some(_) => match self.write_memory(sock, last) {
                    Ok(n) => {
                        self.consume(n);
                        self.sent += n as u64;
                        budget = budget.saturating_sub(n as u64);
                    }
                    Err(p) => return p,
                },
            }
        }
        self.buf.clear();
        self.segs.clear();
        self.head = 0;
        self.committed = 0;
        self.queued = 0;
        Progress::Done
    }

    /// One writev of the leading in-memory segments; with a file range right
    /// behind them, sendmsg with MSG_MORE instead, so the head shares a packet
    /// with the first bytes of the file. So too for the `last` bytes of a
    /// connection: held back, they leave with the FIN the shutdown or close
    /// right after adds, one packet (and one ACK) fewer.
    fn write_memory(&self, sock: &OwnedFd, last: bool) -> Result<usize, Progress> {
        let mut iov = [IoSlice::new(&[]); IOVECS];
        let mut n = 0;
        let mut more = last;
        while n < IOVECS
            && let Some(seg) = self.segs.get(self.head + n)
        {
            iov[n] = match seg {
                Seg::Buf { start, end } => IoSlice::new(&self.buf[*start..*end]),
                // To the kernel, which copies the bytes and reports a fault (a
                // mapped file truncated meanwhile) as EFAULT.
                Seg::Entry {
                    entry,
                    part,
                    offset,
                    end,
                } => IoSlice::new(&entry.bytes(*part)[*offset..*end]),
                Seg::File { .. } => {
                    more = true;
                    break;
                }
            };
            n += 1;
        }
        loop {
            let sent = if more {
                net::sendmsg(
                    sock,
                    &iov[..n],
                    &mut Default::default(),
                    SendFlags::NOSIGNAL | SendFlags::MORE,
                )
            } else {
                // SIGPIPE is blocked, so writev to a reset peer just fails with EPIPE.
                rustix::io::writev(sock, &iov[..n])
            };
            return match sent {
                Ok(n) => Ok(n),
                Err(Errno::INTR) => continue,
                Err(Errno::AGAIN) => Err(Progress::Blocked),
                Err(_) => Err(Progress::Failed),
            };
        }
    }

    /// Appends `seg`; first moves the queued segments to the front when the
    /// sent ones are at least as many, so a queue that never empties (a long
    /// pipeline to a slow reader) does not grow by a slot per response.
    fn queue(&mut self, seg: Seg) {
        if self.head > 0 && 2 * self.head >= self.segs.len() {
            for i in self.head..self.segs.len() {
                self.segs.swap(i - self.head, i);
            }
            self.segs.truncate(self.segs.len() - self.head);
            self.head = 0;
        }
        self.segs.push(seg);
    }

    /// Lets go of the front segment (and the entry it holds).
    fn pop_front(&mut self) {
        if let Some(seg) = self.segs.get_mut(self.head) {
            *seg = Seg::Buf { start: 0, end: 0 };
            self.head += 1;
        }
    }

    /// Drops `n` sent bytes from the front of the queue.
    fn consume(&mut self, mut n: usize) {
        self.queued -= n.min(self.queued);
        while n > 0 {
            let Some(front) = self.segs.get_mut(self.head) else {
                return;
            };
            let len = match front {
                Seg::Buf { start, end }
                | Seg::Entry {
                    offset: start, end, ..
                } => *end - *start,
                Seg::File { .. } => return,
            };
            if n >= len {
                n -= len;
                self.pop_front();
                continue;
            }
            match front {
                Seg::Buf { start, .. } | Seg::Entry { offset: start, .. } => *start += n,
                Seg::File { .. } => {}
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::entry::{Found, Variant};
    use crate::http::encoding::Coding;
    use rustix::net::{AddressFamily, SocketFlags, SocketType, socketpair};

    /// An entry whose one compressed variant holds `bytes`.
    fn entry(bytes: &[u8]) -> Arc<Entry> {
        let mut found = Found::missing();
        found
            .compressed
            .push(Variant::new(Coding::Gzip, bytes.to_vec()));
        Entry::new(
            found,
            &crate::http::response::NO_SITE_HEADERS,
            Default::default(),
            b"k",
            0,
        )
    }

    /// A socketpair with the smallest send buffer, so writes come out short.
    fn pair() -> (OwnedFd, OwnedFd) {
        let (a, b) = socketpair(
            AddressFamily::UNIX,
            SocketType::STREAM,
            SocketFlags::NONBLOCK,
            None,
        )
        .unwrap();
        rustix::net::sockopt::set_socket_send_buffer_size(&a, 1).unwrap();
        (a, b)
    }

    /// Reads what the socket holds now.
    fn drain(sock: &OwnedFd, into: &mut Vec<u8>) {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = rustix::io::read(sock, &mut chunk) {
            into.extend_from_slice(&chunk[..n]);
        }
    }

    /// Formatted bytes and entry bytes, interleaved, come out in the order
    /// queued, through short writes, and the queue then holds nothing.
    #[test]
    fn segments_leave_in_order_through_short_writes() {
        let (ours, theirs) = pair();
        let body: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        let e = entry(&body);
        let mut out = Output::new();
        out.attach(Vec::new(), Vec::new());
        let mut want = Vec::new();
        for i in 0..20u8 {
            out.buf().extend_from_slice(&[b'<', i, b'>']);
            want.extend_from_slice(&[b'<', i, b'>']);
            out.push(&e, Part::VariantBody(0));
            want.extend_from_slice(&body);
        }
        let mut got = Vec::new();
        let mut turns = 0;
        while out.flush(&ours, false) == Progress::Blocked {
            drain(&theirs, &mut got);
            turns += 1;
        }
        drain(&theirs, &mut got);
        assert!(turns > 20, "{turns} turns: the writes were not short");
        assert!(got == want, "{} bytes of {}", got.len(), want.len());
        assert!(out.is_empty() && out.queued() == 0);
        assert_eq!(out.total_sent(), want.len() as u64);
    }

    /// A queue that never empties, because responses are added as fast as the
    /// reader takes them, keeps its vector as long as what is queued, not as
    /// long as all it ever sent.
    #[test]
    fn a_queue_that_never_empties_stays_small() {
        let (ours, theirs) = pair();
        let e = entry(&[b'x'; 3000]);
        let mut out = Output::new();
        out.attach(Vec::new(), Vec::new());
        let mut got = Vec::new();
        for _ in 0..10_000 {
            out.push(&e, Part::VariantBody(0));
            out.push(&e, Part::VariantBody(0));
            assert_ne!(out.flush(&ours, false), Progress::Failed);
            drain(&theirs, &mut got);
            assert!(out.segs.len() <= 2 * (out.segs.len() - out.head) + 2);
        }
        while out.flush(&ours, false) == Progress::Blocked {
            drain(&theirs, &mut got);
        }
        drain(&theirs, &mut got);
        assert_eq!(got.len(), 10_000 * 2 * 3000);
        assert!(got.iter().all(|&b| b == b'x'));
    }

    #[test]
    fn a_segment_is_four_words() {
        // The segments are walked on every flush: an entry's part must
        // not make every segment bigger than a file range already is.
        assert_eq!(
            core::mem::size_of::<Seg>(),
            4 * core::mem::size_of::<usize>()
        );
    }
}
