//! Writing diagnostics to stderr: each message is formatted into a small
//! stack buffer and leaves in one write(2), so lines from threads never mix.
//! Threads that serve use [`log_nowait!`], which drops a line rather than
//! wait for a stalled reader of stderr.
#![allow(unsafe_code)]

use core::fmt::{self, Write};
use rustix::fd::BorrowedFd;

/// A fixed-size line buffer that drops what does not fit rather than allocating.
pub struct Line {
    buf: [u8; 512],
    len: usize,
}

impl Line {
    /// An empty line buffer.
    pub const fn new() -> Self {
        Line {
            buf: [0; 512],
            len: 0,
        }
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len() - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

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

/// `staticd: ` + `args` + newline, cut to fit one line buffer.
fn line(args: fmt::Arguments<'_>) -> Line {
    let mut line = Line::new();
    let _ = line.write_str("staticd: ");
    let _ = line.write_fmt(args);
    if line.len == line.buf.len() {
        line.len -= 1;
    }
    let _ = line.write_str("\n");
    line
}

/// Writes one line, `staticd: ` + `args` + newline, to stderr in one write.
pub fn eprintln(args: fmt::Arguments<'_>) {
    write_fd(2, line(args).as_bytes());
}

/// [`eprintln`], unless stderr cannot take the line at once: then it is dropped.
pub fn eprintln_nowait(args: fmt::Arguments<'_>) {
    write_fd_nowait(2, line(args).as_bytes());
}

/// Prints a formatted line to stderr, prefixed with `staticd: `.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => { $crate::rt::stdio::eprintln(format_args!($($arg)*)) };
}

/// [`log!`] for threads that must never wait: the line is dropped when
/// stderr (a stalled pipe or socket) cannot take it at once.
#[macro_export]
macro_rules! log_nowait {
    ($($arg:tt)*) => { $crate::rt::stdio::eprintln_nowait(format_args!($($arg)*)) };
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
        let mut l = Line::new();
        for _ in 0..100 {
            write!(l, "0123456789").unwrap();
        }
        assert_eq!(l.as_bytes().len(), 512);
    }
}
