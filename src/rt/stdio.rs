//! Writing diagnostics to stderr: each message is formatted into a small
//! stack buffer and leaves in one write(2), so lines from threads never mix.

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

/// Writes one line, `staticd: ` + `args` + newline, to stderr in one write.
pub fn eprintln(args: fmt::Arguments<'_>) {
    let mut line = Line::new();
    let _ = line.write_str("staticd: ");
    let _ = line.write_fmt(args);
    if line.len == line.buf.len() {
        line.len -= 1;
    }
    let _ = line.write_str("\n");
    write_fd(2, line.as_bytes());
}

/// Prints a formatted line to stderr, prefixed with `staticd: `.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => { $crate::rt::stdio::eprintln(format_args!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_truncates_instead_of_overflowing() {
        let mut l = Line::new();
        for _ in 0..100 {
            write!(l, "0123456789").unwrap();
        }
        assert_eq!(l.as_bytes().len(), 512);
    }
}
