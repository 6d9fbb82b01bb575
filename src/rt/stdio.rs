//! Writing diagnostics to stderr: each message is joined from its pieces
//! and leaves in one write(2), so lines from threads never mix.
//! Threads that serve use [`log_nowait!`], which drops a line rather than
//! wait for a stalled reader of stderr.
#![allow(unsafe_code)]

use alloc::string::String;
use rustix::fd::BorrowedFd;

use crate::text::Piece;

/// Standard output, borrowed for the life of the process.
pub fn stdout() -> BorrowedFd<'static> {
    // SAFETY: descriptor 1 is the standard output whoever started us opened,
    // and staticd never closes it, so it outlives the borrow.
    unsafe { rustix::stdio::stdout() }
}

/// Writes all of `bytes` to a raw descriptor that the process keeps open for its lifetime.
pub fn write_fd(fd: i32, mut bytes: &[u8]) {
    // SAFETY: fds 1 and 2 are the standard streams, opened by whoever started us
    // and never closed by staticd; if one is closed, write fails with EBADF, harmlessly.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    while !bytes.is_empty() {
        match rustix::io::write(fd, bytes) {
            Ok(0) => return,
            Ok(n) => bytes = &bytes[n..],
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return,
        }
    }
}

/// Writes `bytes` (at most PIPE_BUF) to `fd` only if that cannot wait:
/// with MSG_DONTWAIT on a socket, else only once poll says there is room,
/// which on a pipe means room for PIPE_BUF bytes. False if dropped.
pub fn write_fd_nowait(fd: i32, bytes: &[u8]) -> bool {
    use rustix::event::{PollFd, PollFlags};
    use rustix::io::Errno;
    use rustix::net::SendFlags;
    // SAFETY: as in `write_fd`: a standard stream, never closed by staticd.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    match rustix::net::send(fd, bytes, SendFlags::DONTWAIT | SendFlags::NOSIGNAL) {
        Ok(n) => return n == bytes.len(),
        Err(Errno::NOTSOCK) => {}
        Err(_) => return false,
    }
    let mut ready = [PollFd::new(&fd, PollFlags::OUT)];
    let now = rustix::time::Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    match rustix::event::poll(&mut ready, Some(&now)) {
        Ok(1) if ready[0].revents().contains(PollFlags::OUT) => {
            matches!(rustix::io::write(fd, bytes), Ok(n) if n == bytes.len())
        }
        _ => false,
    }
}

/// The longest line, newline included: longer messages are cut, so a line
/// always leaves in one write, whole.
const LINE_MAX: usize = 512;

/// `staticd: ` + the message ([`crate::text::fill`]'s) + newline, cut to [`LINE_MAX`] bytes.
fn line(template: &str, args: &[&dyn Piece]) -> String {
    let mut line = String::from("staticd: ");
    crate::text::fill(&mut line, template, args);
    if line.len() >= LINE_MAX {
        let mut end = LINE_MAX - 1;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
    }
    line.push('\n');
    line
}

/// Writes one line, `staticd: ` + the pieces + newline, to stderr in one
/// write; with `nowait`, only if stderr can take it at once, else the line
/// is dropped.
#[inline(never)]
pub fn eprintln(template: &str, args: &[&dyn Piece], nowait: bool) {
    let line = line(template, args);
    if nowait {
        write_fd_nowait(2, line.as_bytes());
    } else {
        write_fd(2, line.as_bytes());
    }
}

/// Prints a line to stderr, prefixed with `staticd: `: `log!("listen ", addr, ": ", why)`,
/// each argument a [`Piece`](crate::text::Piece).
#[macro_export]
macro_rules! log {
    ($($piece:tt)+) => {
        $crate::pieces!($crate::rt::stdio::eprintln [false] [] [] $($piece)+)
    };
}

/// [`log!`] for threads that must never wait: the line is dropped when
/// stderr (a stalled pipe or socket) cannot take it at once.
#[macro_export]
macro_rules! log_nowait {
    ($($piece:tt)+) => {
        $crate::pieces!($crate::rt::stdio::eprintln [true] [] [] $($piece)+)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_pipe_drops_the_line_instead_of_waiting() {
        let (r, w) = rustix::pipe::pipe().unwrap();
        let fd = rustix::fd::AsRawFd::as_raw_fd(&w);
        assert!(write_fd_nowait(fd, b"first\n"));
        // Fill the pipe through a second, non-blocking description of it.
        let other = rustix::fs::open(
            format!("/proc/self/fd/{fd}").as_str(),
            rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::NONBLOCK,
            rustix::fs::Mode::empty(),
        )
        .unwrap();
        while rustix::io::write(&other, &[b'x'; 4096]).is_ok() {}
        // The descriptor itself blocks, so a plain write would wait forever.
        assert!(!write_fd_nowait(fd, b"second\n"));
        let mut buf = [0u8; 6];
        rustix::io::read(&r, &mut buf).unwrap();
        assert_eq!(&buf, b"first\n");
    }

    #[test]
    fn a_socket_takes_lines_without_waiting() {
        use rustix::net::{AddressFamily, SocketFlags, SocketType, socketpair};
        let (a, b) = socketpair(
            AddressFamily::UNIX,
            SocketType::STREAM,
            SocketFlags::empty(),
            None,
        )
        .unwrap();
        let fd = rustix::fd::AsRawFd::as_raw_fd(&a);
        assert!(write_fd_nowait(fd, b"line\n"));
        let mut sent = 5;
        while write_fd_nowait(fd, &[b'x'; 512]) {
            sent += 512;
            assert!(sent < 64 << 20, "a blocking socket never filled");
        }
        let mut buf = [0u8; 5];
        rustix::io::read(&b, &mut buf).unwrap();
        assert_eq!(&buf, b"line\n");
    }

    #[test]
    fn line_truncates_instead_of_overflowing() {
        let long = "é".repeat(400);
        let l = line("x\0", &[&long.as_str()]);
        assert!(l.len() <= LINE_MAX && l.len() > LINE_MAX - 3, "{}", l.len());
        assert!(l.starts_with("staticd: xéé") && l.ends_with("é\n"));
        assert_eq!(line("short \0", &[&7u8]), "staticd: short 7\n");
    }
}
