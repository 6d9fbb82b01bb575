//! Moving bytes to a socket without blocking: buffered output with send(2)
//! and file bodies with sendfile(2), resumed on EPOLLOUT. EAGAIN, EINTR and
//! short writes are handled here and nowhere else.

use crate::server::respond::FileBody;
use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::net::{self, SendFlags};

/// The most one sendfile call moves, so one big download cannot starve the
/// other connections of the worker.
const SENDFILE_CHUNK: usize = 1 << 20;
/// The most one connection sends per turn of the event loop.
const TURN_BUDGET: u64 = 4 << 20;

/// How a send attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Everything asked for went out.
    Done,
    /// The socket is full (or the turn's budget is spent): wait for EPOLLOUT.
    Blocked,
    /// The connection is broken, or the file ended early: close it.
    Failed,
}

/// Sends as much of `buf` as the socket takes; `more` says a file body follows,
/// so the kernel holds the head back to share a packet with the body's start.
pub fn send_buffer(fd: &OwnedFd, buf: &[u8], more: bool) -> Result<usize, Progress> {
    let flags = if more {
        SendFlags::NOSIGNAL | SendFlags::MORE
    } else {
        SendFlags::NOSIGNAL
    };
    loop {
        match net::send(fd, buf, flags) {
            Ok(n) => return Ok(n),
            Err(Errno::INTR) => continue,
            Err(Errno::AGAIN) => return Err(Progress::Blocked),
            Err(_) => return Err(Progress::Failed),
        }
    }
}

/// Streams the rest of `body` with sendfile until done or the socket is full.
pub fn send_file(fd: &OwnedFd, body: &mut FileBody) -> Progress {
    let mut budget = TURN_BUDGET;
    while body.offset < body.end {
        if budget == 0 {
            return Progress::Blocked;
        }
        let want = (body.end - body.offset).min(SENDFILE_CHUNK as u64) as usize;
        match rustix::fs::sendfile(fd, &body.fd, Some(&mut body.offset), want) {
            // The file shrank under us: the promised length cannot be met.
            Ok(0) => return Progress::Failed,
            Ok(n) => budget = budget.saturating_sub(n as u64),
            Err(Errno::INTR) => continue,
            Err(Errno::AGAIN) => return Progress::Blocked,
            Err(_) => return Progress::Failed,
        }
    }
    Progress::Done
}
