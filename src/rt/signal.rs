//! Signals without handlers: the process blocks the signals it cares about in
//! every thread and reads them from a signalfd in the control thread's epoll.
//!
//! Blocked signals are never discarded, not even for PID 1 in a container
//! (the kernel drops only *unblocked* default-action signals sent to init).

use crate::rt::sys;
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::io;

/// Hang-up, reserved for later use (reload); blocked so it cannot kill us.
pub const SIGHUP: u32 = 1;
/// Interrupt from the terminal (Ctrl-C): a graceful stop.
pub const SIGINT: u32 = 2;
/// Counters request.
pub const SIGUSR1: u32 = 10;
/// A write to a closed socket; blocked, so it never kills (the write returns EPIPE).
pub const SIGPIPE: u32 = 13;
/// The supervisor's stop request: a graceful stop.
pub const SIGTERM: u32 = 15;

/// The kernel sigset bit mask holding `signals`.
pub const fn set_of(signals: &[u32]) -> u64 {
    let mut set = 0u64;
    let mut i = 0;
    while i < signals.len() {
        set |= 1 << (signals[i] - 1);
        i += 1;
    }
    set
}

/// A signalfd delivering the signals blocked by [`SignalFd::block`].
pub struct SignalFd(OwnedFd);

impl SignalFd {
    /// Blocks the signals of the set `blocked` in the calling thread
    /// (threads started afterwards inherit the mask) and opens a non-blocking
    /// signalfd for those of `delivered` that should be read. Both are
    /// [`set_of`] lists, best built in a `const` block so no loop is left to run.
    pub fn block(blocked: u64, delivered: u64) -> io::Result<SignalFd> {
        sys::sigprocmask(sys::How::Block, blocked)?;
        sys::signalfd(delivered).map(SignalFd)
    }

    /// The next pending signal number, or `None` when none is pending.
    pub fn read(&self) -> io::Result<Option<u32>> {
        let mut info = [0u8; 128];
        match io::read(&self.0, &mut info) {
            Ok(n) if n >= 4 => Ok(Some(u32::from_ne_bytes([
                info[0], info[1], info[2], info[3],
            ]))),
            Ok(_) => Ok(None),
            Err(io::Errno::AGAIN) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl AsFd for SignalFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_bits_match_the_kernel_numbering() {
        assert_eq!(set_of(&[]), 0);
        assert_eq!(set_of(&[SIGHUP]), 1);
        assert_eq!(set_of(&[SIGTERM, SIGINT]), (1 << 14) | (1 << 1));
        assert_eq!(set_of(&[SIGPIPE, SIGPIPE]), 1 << 12);
    }
}
