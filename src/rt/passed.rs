//! Descriptors a supervisor passes at start (socket activation, as
//! sd_listen_fds(3) describes it): numbered from [`FIRST`] on, open in the
//! process but owned by nothing in it until [`adopt`] turns them into
//! `OwnedFd`s, once.
#![allow(unsafe_code)]

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use rustix::fd::{BorrowedFd, FromRawFd, OwnedFd};
use rustix::io;

/// The first passed descriptor, after stdin, stdout and stderr.
pub const FIRST: i32 = 3;

/// Set by the first [`adopt`]: descriptors are adopted only once.
static ADOPTED: AtomicBool = AtomicBool::new(false);

/// Takes ownership of the `count` descriptors passed from [`FIRST`] on, in
/// order, each once `check` has accepted a borrowed view of it (so one that
/// is not what the caller wants is never owned, nor closed); made
/// close-on-exec, as staticd opens its own. On failure, the descriptor at
/// fault and why; adopted ones are closed again when the Vec drops.
///
/// Call it before opening any descriptor, so none of the passed numbers can
/// be one of staticd's own; a second call adopts nothing and fails with
/// EALREADY.
pub fn adopt(
    count: u32,
    mut check: impl FnMut(BorrowedFd<'_>) -> io::Result<()>,
) -> Result<Vec<OwnedFd>, (i32, io::Errno)> {
    if ADOPTED.swap(true, Ordering::Relaxed) {
        return Err((FIRST, io::Errno::ALREADY));
    }
    let mut fds = Vec::with_capacity(count as usize);
    let mut raw = FIRST - 1;
    for _ in 0..count {
        raw += 1;
        // SAFETY: a view for the checks only, which fail harmlessly with
        // EBADF when nothing is open at `raw`; it ends before ownership is taken.
        let borrowed = unsafe { BorrowedFd::borrow_raw(raw) };
        check(borrowed).map_err(|e| (raw, e))?;
        // SAFETY: the supervisor passed `raw` to this process alone; it is
        // open (the check succeeded on it), and nothing in staticd owns it:
        // no descriptor of staticd's own is open yet, and ADOPTED makes this
        // the only time it is taken.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        io::fcntl_setfd(&fd, io::FdFlags::CLOEXEC).map_err(|e| (raw, e))?;
        fds.push(fd);
    }
    Ok(fds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_adopted_only_once() {
        // Nothing is passed to the test process, so the first call adopts none.
        assert!(adopt(0, |_| Ok(())).is_ok_and(|fds| fds.is_empty()));
        let again = adopt(1, |_| panic!("a second adoption looked at a descriptor"));
        assert_eq!(again.err(), Some((FIRST, io::Errno::ALREADY)));
    }
}
