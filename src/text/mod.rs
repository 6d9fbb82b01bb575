//! Messages built from pieces without `core::fmt`, whose machinery (padding, the
//! `Display`/`Debug` impls it drags in, address printing) costs tens of kilobytes of
//! a binary that must stay small. A message is a list of [`Piece`]s: text, numbers,
//! escaped bytes and addresses, joined by [`join`] (`text!`) and written by `log!`; the
//! literal pieces of a message are joined at compile time into one template. Also
//! [`pack`], which packs long constant texts at compile time.
//! Pure: makes no system calls and cannot panic.

pub mod addr;
pub mod pack;
pub mod parse_addr;

use alloc::string::String;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::http::numfmt::Decimal;

/// Something a message can show: it appends its text to `out`.
pub trait Piece {
    /// Appends this piece's text.
    fn put(&self, out: &mut String);
}

/// `template` with each NUL in it replaced by the next of `args`, as one string: what
/// `text!` compiles to.
#[inline(never)]
pub fn join(template: &str, args: &[&dyn Piece]) -> String {
    let mut out = String::new();
    fill(&mut out, template, args);
    out
}

/// Appends `template` to `out`, each NUL in it replaced by the next of `args`. The
/// macros join their literal pieces into `template` at compile time, so a literal piece
/// costs no code where a message is built.
pub fn fill(out: &mut String, template: &str, args: &[&dyn Piece]) {
    let (mut rest, mut args) = (template, args.iter());
    loop {
        let end = rest.bytes().position(|b| b == 0).unwrap_or(rest.len());
        out.push_str(rest.get(..end).unwrap_or_default());
        let Some(after) = rest.get(end + 1..) else {
            debug_assert!(args.next().is_none(), "more pieces than places");
            return;
        };
        let arg = args.next();
        debug_assert!(arg.is_some(), "a NUL in a literal piece");
        if let Some(arg) = arg {
            arg.put(out);
        }
        rest = after;
    }
}

/// Lowercase hexadecimal digits, for escapes, IPv6 groups, ETags and JSON.
pub(crate) const HEX: &[u8; 16] = b"0123456789abcdef";
/// Uppercase hexadecimal digits, for percent-encoding and the access log's `\xHH`.
pub(crate) const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Joins its arguments, each a [`Piece`], into a `String`: `text!("port ", 80)`.
#[macro_export]
macro_rules! text {
    ($($piece:tt)+) => {
        $crate::pieces!($crate::text::join [] [] [] $($piece)+)
    };
}

/// Calls `$f(template, &[other pieces] $(, extra)?)` for a list of pieces: the literal
/// ones (text, characters, numbers) joined at compile time into one template, a NUL in
/// place of each of the others. The one expansion behind `text!`, `log!` and `log_nowait!`.
#[doc(hidden)]
#[macro_export]
macro_rules! pieces {
    ($f:path [$($extra:expr)?] [$($tpl:tt)*] [$($arg:expr),*]) => {
        $f(concat!($($tpl)*), &[$(&$arg as &dyn $crate::text::Piece),*] $(, $extra)?)
    };
    ($f:path [$($extra:expr)?] [$($tpl:tt)*] [$($arg:expr),*] $lit:literal $(, $($rest:tt)*)?) => {
        $crate::pieces!($f [$($extra)?] [$($tpl)* $lit,] [$($arg),*] $($($rest)*)?)
    };
    ($f:path [$($extra:expr)?] [$($tpl:tt)*] [$($arg:expr),*] $piece:expr $(, $($rest:tt)*)?) => {
        $crate::pieces!($f [$($extra)?] [$($tpl)* "\0",] [$($arg,)* $piece] $($($rest)*)?)
    };
}

impl Piece for str {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn put(&self, out: &mut String) {
        (**self).put(out);
    }
}

impl Piece for String {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for char {
    fn put(&self, out: &mut String) {
        out.push(*self);
    }
}

/// Appends `v` in decimal; the one integer writer behind every integer piece.
#[inline(never)]
pub fn put_u64(out: &mut String, v: u64) {
    for &b in Decimal::new(v).as_bytes() {
        out.push(char::from(b));
    }
}

macro_rules! unsigned_pieces {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn put(&self, out: &mut String) {
                put_u64(out, *self as u64);
            }
        }
    )*};
}
unsigned_pieces!(u8, u16, u32, u64, usize);

macro_rules! signed_pieces {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn put(&self, out: &mut String) {
                if *self < 0 {
                    out.push('-');
                }
                put_u64(out, self.unsigned_abs() as u64);
            }
        }
    )*};
}
signed_pieces!(i32, i64);

impl Piece for Ipv4Addr {
    fn put(&self, out: &mut String) {
        addr::put_v4(out, *self);
    }
}

impl Piece for Ipv6Addr {
    fn put(&self, out: &mut String) {
        addr::put_v6(out, *self);
    }
}

impl Piece for IpAddr {
    fn put(&self, out: &mut String) {
        match self {
            IpAddr::V4(a) => addr::put_v4(out, *a),
            IpAddr::V6(a) => addr::put_v6(out, *a),
        }
    }
}

impl Piece for SocketAddr {
    fn put(&self, out: &mut String) {
        addr::put_socket(out, *self);
    }
}

/// Bytes shown as text: printable ASCII as is, a backslash doubled, anything else
/// `\xNN`; so a message quoting input is one line of plain ASCII whatever it held.
pub struct Escaped<'a>(pub &'a [u8]);

impl Piece for Escaped<'_> {
    fn put(&self, out: &mut String) {
        escape(out, self.0, None);
    }
}

/// Bytes meant as UTF-8 (a path, a header line): valid UTF-8 shown as it is, control
/// characters, a backslash and bytes that are not UTF-8 escaped as [`Escaped`] does.
pub struct Utf8<'a>(pub &'a [u8]);

impl Piece for Utf8<'_> {
    fn put(&self, out: &mut String) {
        let bytes = self.0;
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            // A lead byte's length; the sequence it starts is kept when it is a character.
            let len = match b {
                0xc2..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf4 => 4,
                _ => 1,
            };
            if len > 1
                && let Some(seq) = bytes.get(i..i + len)
                && let Some(c) = crate::rt::utf8::str(seq)
            {
                out.push_str(c);
                i += len;
            } else {
                escape(out, &[b], None);
                i += 1;
            }
        }
    }
}

/// Appends `bytes` escaped as [`Escaped`] does, and also `quote` (when given) as `\'`.
pub fn escape(out: &mut String, bytes: &[u8], quote: Option<u8>) {
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            _ if Some(b) == quote => {
                out.push('\\');
                out.push(char::from(b));
            }
            b' '..=b'~' => out.push(char::from(b)),
            _ => {
                out.push_str("\\x");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn pieces_join_in_order() {
        let s = crate::text!("a", 1u8, '-', 65_535u16, " ", String::from("x"), -7i32);
        assert_eq!(s, "a1-65535 x-7");
    }

    #[test]
    fn literal_and_other_pieces_interleave_in_order() {
        let (a, b) = (String::from("a"), String::from("b"));
        assert_eq!(crate::text!(1u8 + 1, 'x', a, b, "z", 3u64), "2xabz3");
        assert_eq!(crate::text!(a, b), "ab");
        assert_eq!(crate::text!("only"), "only");
        assert_eq!(crate::text!("é", 'ß', -1, a, ""), "éß-1a");
        let mut out = String::from(">");
        fill(&mut out, "\0 and \0", &[&a, &7u8]);
        assert_eq!(out, ">a and 7");
    }

    #[test]
    fn integers_match_their_decimal_form_at_every_edge() {
        for v in [0u64, 1, 9, 10, 99, 100, 4_294_967_295, u64::MAX] {
            assert_eq!(crate::text!(v), format!("{v}"));
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            assert_eq!(crate::text!(v), format!("{v}"));
        }
        assert_eq!(crate::text!(i32::MIN), format!("{}", i32::MIN));
        assert_eq!(crate::text!(usize::MAX), format!("{}", usize::MAX));
    }

    #[test]
    fn utf8_stays_and_the_rest_is_escaped() {
        assert_eq!(crate::text!(Utf8("/srv/café".as_bytes())), "/srv/café");
        assert_eq!(
            crate::text!(Utf8(b"a\xffb\xc3\n\\\xe2\x82")),
            "a\\xffb\\xc3\\x0a\\\\\\xe2\\x82"
        );
        assert_eq!(crate::text!(Utf8(b"")), "");
    }

    /// What [`Utf8`] shows, by the definition: the valid parts as they are but ASCII
    /// escaped, every byte of an invalid sequence escaped.
    fn utf8_by_definition(mut rest: &[u8]) -> String {
        let mut out = String::new();
        while !rest.is_empty() {
            let (valid, bad) = match core::str::from_utf8(rest) {
                Ok(all) => (all, 0),
                Err(e) => (
                    core::str::from_utf8(&rest[..e.valid_up_to()]).unwrap(),
                    e.error_len().unwrap_or(rest.len() - e.valid_up_to()),
                ),
            };
            for c in valid.chars() {
                if c.is_ascii() {
                    out.push_str(&crate::text!(Escaped(&[c as u8])));
                } else {
                    out.push(c);
                }
            }
            let end = valid.len() + bad;
            out.push_str(&crate::text!(Escaped(&rest[valid.len()..end])));
            rest = &rest[end..];
        }
        out
    }

    #[test]
    fn utf8_shows_what_the_definition_shows() {
        // Lead bytes of every length and their edges, continuation bytes at their edges,
        // surrogates' and overlong forms' bytes, bytes never in UTF-8, ASCII.
        const BYTES: &[u8] = &[
            b'a', b'\\', b'\n', 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
            0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
        ];
        let mut rng = crate::testing::Rng::new(0x07f8);
        for _ in 0..200_000 {
            let text: alloc::vec::Vec<u8> = (0..rng.below(9)).map(|_| *rng.pick(BYTES)).collect();
            assert_eq!(
                crate::text!(Utf8(&text)),
                utf8_by_definition(&text),
                "{text:x?}"
            );
        }
        for c in [
            '\u{80}',
            '\u{7ff}',
            '\u{800}',
            '\u{d7ff}',
            '\u{e000}',
            '\u{ffff}',
            '\u{10000}',
            '\u{10ffff}',
        ] {
            let s = alloc::format!("x{c}y");
            assert_eq!(crate::text!(Utf8(s.as_bytes())), s);
        }
    }

    #[test]
    fn escaped_bytes_stay_one_ascii_line() {
        let s = crate::text!(Escaped(b"a b\\c'\n\x00\x7f\xff~"));
        assert_eq!(s, "a b\\\\c'\\x0a\\x00\\x7f\\xff~");
        let mut q = String::new();
        escape(&mut q, b"it's", Some(b'\''));
        assert_eq!(q, "it\\'s");
    }
}
