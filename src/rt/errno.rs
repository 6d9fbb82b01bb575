//! Human-readable text for the error numbers staticd can report at start-up,
//! since there is no libc `strerror`.

use rustix::io::Errno;

/// The strerror(3) text for `e`, or a generic one for rare numbers.
pub fn describe(e: Errno) -> &'static str {
    match e {
        Errno::NOENT => "No such file or directory",
        Errno::NOTDIR => "Not a directory",
        Errno::ACCESS => "Permission denied",
        Errno::PERM => "Operation not permitted",
        Errno::ADDRINUSE => "Address already in use",
        Errno::ADDRNOTAVAIL => "Cannot assign requested address",
        Errno::AFNOSUPPORT => "Address family not supported by protocol",
        Errno::INVAL => "Invalid argument",
        Errno::MFILE => "Too many open files",
        Errno::NFILE => "Too many open files in system",
        Errno::NOMEM => "Cannot allocate memory",
        Errno::LOOP => "Too many levels of symbolic links",
        Errno::NAMETOOLONG => "File name too long",
        Errno::AGAIN => "Resource temporarily unavailable",
        Errno::NOSYS => "Function not implemented",
        Errno::IO => "Input/output error",
        Errno::BADF => "Bad file descriptor",
        _ => "system error",
    }
}

/// An error in messages: its strerror(3) text and number, `Permission denied (os error 13)`.
impl crate::text::Piece for Errno {
    fn put(&self, out: &mut alloc::string::String) {
        out.push_str(describe(*self));
        out.push_str(" (os error ");
        crate::text::put_u64(out, u64::from(self.raw_os_error().unsigned_abs()));
        out.push(')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_errno_shows_its_text_and_number() {
        assert_eq!(
            crate::text!(Errno::ACCESS),
            "Permission denied (os error 13)"
        );
    }

    #[test]
    fn common_errors_read_like_strerror() {
        assert_eq!(describe(Errno::NOENT), "No such file or directory");
        assert_eq!(describe(Errno::ADDRINUSE), "Address already in use");
        assert_eq!(describe(Errno::TXTBSY), "system error");
    }
}
