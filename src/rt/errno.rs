//! Human-readable text for the error numbers staticd can report at start-up,
//! since there is no libc `strerror`.

use rustix::io::Errno;

/// The strerror(3) texts of the numbers staticd may report.
const TEXTS: [(Errno, &str); 17] = [
    (Errno::NOENT, "No such file or directory"),
    (Errno::NOTDIR, "Not a directory"),
    (Errno::ACCESS, "Permission denied"),
    (Errno::PERM, "Operation not permitted"),
    (Errno::ADDRINUSE, "Address already in use"),
    (Errno::ADDRNOTAVAIL, "Cannot assign requested address"),
    (
        Errno::AFNOSUPPORT,
        "Address family not supported by protocol",
    ),
    (Errno::INVAL, "Invalid argument"),
    (Errno::MFILE, "Too many open files"),
    (Errno::NFILE, "Too many open files in system"),
    (Errno::NOMEM, "Cannot allocate memory"),
    (Errno::LOOP, "Too many levels of symbolic links"),
    (Errno::NAMETOOLONG, "File name too long"),
    (Errno::AGAIN, "Resource temporarily unavailable"),
    (Errno::NOSYS, "Function not implemented"),
    (Errno::IO, "Input/output error"),
    (Errno::BADF, "Bad file descriptor"),
];

/// What [`describe`] says of other numbers.
const OTHER: &str = "system error";

/// [`TEXTS`] packed at compile time, each entry its number, its text's length and the
/// text: two bytes an entry where a match costs a jump table and code per arm.
static PACKED: [u8; packed_len()] = pack();

const fn packed_len() -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < TEXTS.len() {
        len += 2 + TEXTS[i].1.len();
        i += 1;
    }
    len
}

const fn pack() -> [u8; packed_len()] {
    let mut out = [0; packed_len()];
    let (mut i, mut at) = (0, 0);
    while i < TEXTS.len() {
        let (e, text) = TEXTS[i];
        let (n, text) = (e.raw_os_error(), text.as_bytes());
        assert!(n > 0 && n < 256 && text.len() < 256);
        out[at] = n as u8;
        out[at + 1] = text.len() as u8;
        let mut k = 0;
        while k < text.len() {
            out[at + 2 + k] = text[k];
            k += 1;
        }
        at += 2 + text.len();
        i += 1;
    }
    out
}

/// The strerror(3) text for `e`, or a generic one for rare numbers.
pub fn describe(e: Errno) -> &'static str {
    let mut rest = &PACKED[..];
    while let [n, len, tail @ ..] = rest {
        let (text, after) = tail.split_at_checked(usize::from(*len)).unwrap_or_default();
        if i32::from(*n) == e.raw_os_error() {
            return crate::rt::utf8::str(text).unwrap_or(OTHER);
        }
        rest = after;
    }
    OTHER
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

    #[test]
    fn every_packed_text_reads_back() {
        for (e, text) in TEXTS {
            assert_eq!(describe(e), text);
        }
    }
}
