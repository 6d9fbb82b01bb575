//! A connection's outgoing bytes: a queue of segments (bytes formatted into
//! the connection's own buffer, slices of shared cache entries, file ranges)
//! that leaves in as few system calls as possible: every run of in-memory
//! segments goes out in one writev, a file range with sendfile.
//!
//! EAGAIN, EINTR and short writes are handled here and nowhere else.

use crate::cache::entry::{Body, Entry};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use rustix::fd::{AsFd, OwnedFd};
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

/// Where a file range comes from.
pub enum Source {
    /// A file opened for this response only.
    Owned(OwnedFd),
    /// A big file held open by a cache entry.
    Cached(Arc<Entry>),
}

/// One piece of output.
pub enum Seg {
    /// `buf[start..end]`.
    Buf { start: usize, end: usize },
    /// Bytes owned by a cache entry (its head or its mapping), kept alive by the Arc.
    Shared {
        _owner: Arc<Entry>,
        ptr: *const u8,
        len: usize,
    },
    /// Bytes `offset..end` of a file.
    File {
        source: Source,
        offset: u64,
        end: u64,
    },
}

// SAFETY: `Shared` points into memory owned by the Arc it holds, which is
// Send + Sync and read-only; the queue moves between threads only as a whole.
unsafe impl Send for Seg {}

/// The queue of outgoing segments and the buffer for formatted bytes.
pub struct Output {
    buf: Vec<u8>,
    /// `buf[..committed]` is covered by segments.
    committed: usize,
    segs: VecDeque<Seg>,
    /// Bytes queued in memory (not counting file ranges).
    queued: usize,

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
            segs: VecDeque::new(),
            queued: 0,

            sent: 0,
        }
    }

    /// Gives the queue memory to work with (the byte buffer and the segment ring).
    pub fn attach(&mut self, mut buf: Vec<u8>, mut segs: VecDeque<Seg>) {
        buf.clear();
        segs.clear();
        self.buf = buf;
        self.segs = segs;
        self.committed = 0;
        self.queued = 0;
    }

    /// Takes the queue's memory back, emptied, leaving it with none; only
    /// when nothing is queued does nothing get lost.
    pub fn detach(&mut self) -> (Vec<u8>, VecDeque<Seg>) {
        let mut buf = core::mem::take(&mut self.buf);
        let mut segs = core::mem::take(&mut self.segs);
        buf.clear();
        segs.clear();
        self.committed = 0;
        self.queued = 0;
        (buf, segs)
    }

    /// Whether nothing is waiting to be sent.
    pub fn is_empty(&self) -> bool {
        self.segs.is_empty() && self.committed == self.buf.len()
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
        self.segs.iter().any(|s| matches!(s, Seg::File { .. }))
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

        match self.segs.back_mut() {
            Some(Seg::Buf { end: last, .. }) if *last == self.committed => *last = end,
            _ => self.segs.push_back(Seg::Buf {
                start: self.committed,
                end,
            }),
        }
        self.committed = end;
    }

    /// Queues the entry's prebuilt head.
    pub fn push_head(&mut self, entry: &Arc<Entry>) {
        self.commit();
        let (ptr, len) = (entry.head.as_ptr(), entry.head.len());
        self.push_shared(entry, ptr, len);
    }

    /// Queues the prebuilt head of the entry's compressed variant `index`.
    pub fn push_variant_head(&mut self, entry: &Arc<Entry>, index: usize) {
        self.commit();
        if let Some(v) = entry.variants.get(index) {
            self.push_shared(entry, v.head.as_ptr(), v.head.len());
        }
    }

    /// Queues the bytes of the entry's compressed variant `index`.
    pub fn push_variant_body(&mut self, entry: &Arc<Entry>, index: usize) {
        self.commit();
        if let Some(v) = entry.variants.get(index) {
            self.push_shared(entry, v.bytes.as_ptr(), v.bytes.len());
        }
    }

    /// Queues bytes `start..end` of the entry's body (mapped or on disk).
    pub fn push_body(&mut self, entry: &Arc<Entry>, start: u64, end: u64) {
        self.commit();
        match &entry.body {
            Body::Mapped(m) => {
                let (ptr, len) = m.raw();
                let end = (end as usize).min(len);
                let start = (start as usize).min(end);
                // SAFETY: start <= end <= len keeps the pointer inside the mapping.
                let ptr = unsafe { ptr.add(start) };
                self.push_shared(entry, ptr, end - start);
            }
            Body::File(_) => self.push_file(Source::Cached(entry.clone()), start, end),
            Body::Missing => {}
        }
    }

    fn push_shared(&mut self, entry: &Arc<Entry>, ptr: *const u8, len: usize) {
        if len > 0 {
            self.queued += len;
            self.segs.push_back(Seg::Shared {
                _owner: entry.clone(),
                ptr,
                len,
            });
        }
    }

    /// Queues bytes `offset..end` of a file.
    pub fn push_file(&mut self, source: Source, offset: u64, end: u64) {
        self.commit();
        if offset < end {
            self.segs.push_back(Seg::File {
                source,
                offset,
                end,
            });
        }
    }

    /// Sends what the socket takes, in order.
    pub fn flush(&mut self, sock: &OwnedFd) -> Progress {
        self.commit();
        let mut budget = TURN_BUDGET;
        loop {
            match self.segs.front_mut() {
                None => break,
                Some(Seg::File {
                    source,
                    offset,
                    end,
                }) => {
                    if budget == 0 {
                        return Progress::Blocked;
                    }
                    let fd = match &*source {
                        Source::Owned(fd) => fd.as_fd(),
                        Source::Cached(e) => match &e.body {
                            Body::File(fd) => fd.as_fd(),
                            _ => return Progress::Failed,
                        },
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
                        self.segs.pop_front();
                    }
                }
                Some(_) => match self.write_memory(sock) {
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
        self.committed = 0;
        self.queued = 0;
        Progress::Done
    }

    /// One writev of the leading in-memory segments; with a file range right
    /// behind them, sendmsg with MSG_MORE instead, so the head shares a packet
    /// with the first bytes of the file.
    fn write_memory(&self, sock: &OwnedFd) -> Result<usize, Progress> {
        let mut iov = [IoSlice::new(&[]); IOVECS];
        let mut n = 0;
        let mut file_follows = false;
        for seg in self.segs.iter() {
            if n == IOVECS {
                break;
            }
            iov[n] = match seg {
                Seg::Buf { start, end } => IoSlice::new(&self.buf[*start..*end]),
                // SAFETY: the Arc in the segment keeps the entry (and its head or
                // mapping) alive; the slice only goes to the kernel, which copies
                // it and reports a fault (a truncated file) as EFAULT.
                Seg::Shared { ptr, len, .. } => {
                    IoSlice::new(unsafe { core::slice::from_raw_parts(*ptr, *len) })
                }
                Seg::File { .. } => {
                    file_follows = true;
                    break;
                }
            };
            n += 1;
        }
        loop {
            let sent = if file_follows {
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

    /// Drops `n` sent bytes from the front of the queue.
    fn consume(&mut self, mut n: usize) {
        self.queued -= n.min(self.queued);
        while n > 0 {
            let Some(front) = self.segs.front_mut() else {
                return;
            };
            let len = match front {
                Seg::Buf { start, end } => *end - *start,
                Seg::Shared { len, .. } => *len,
                Seg::File { .. } => return,
            };
            if n >= len {
                n -= len;
                self.segs.pop_front();
                continue;
            }
            match front {
                Seg::Buf { start, .. } => *start += n,
                Seg::Shared { ptr, len, .. } => {
                    // SAFETY: n < len, so the pointer stays inside the same slice.
                    *ptr = unsafe { ptr.add(n) };
                    *len -= n;
                }
                Seg::File { .. } => {}
            }
            return;
        }
    }
}
