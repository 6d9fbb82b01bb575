//! Byte ranges (RFC 9110 §14): parses a `Range` header against a representation length
//! into the response to give (200, 206 single part, 206 multipart/byteranges or 416), and
//! writes `Content-Range` values and the multipart/byteranges framing with exact lengths.
//! Pure byte handling: no allocation while parsing, no system calls.
//!
//! Decisions a caller must know:
//! - Anything this module cannot use gives [`Ranges::Ignore`] (serve the whole file with 200,
//!   which RFC 9110 §14.2 always permits): a unit other than `bytes`, any syntax error in
//!   any element, `last-pos < first-pos`, a number that does not fit a `u64`, or more than
//!   [`MAX_RANGES`] range specs.
//! - Whitespace (SP / HTAB) is accepted around every list element, including right after
//!   `bytes=`, and empty elements (`bytes=,0-1,`) are skipped, as the RFC 9110 §5.6.1 list
//!   rule asks recipients to; whitespace inside an element (`0 - 1`) is a syntax error.
//! - Overlapping or adjacent ranges are coalesced (§14.2 allows it); otherwise the client's
//!   order is kept, and a merged range takes the place of its earliest member. If one range
//!   is left the answer is [`Ranges::Single`].
//! - A range covering the whole file (`bytes=0-`) is still [`Ranges::Single`], i.e. 206:
//!   players and download managers send it to learn that ranges work and the total length.
//! - An empty representation has no byte a 206 could name. `bytes=-N` with `N > 0` is
//!   satisfiable there by §14.1.1 (it means "the whole, empty, representation"), so such a
//!   header gives [`Ranges::Ignore`] (200 with an empty body); only int-ranges and `-0`
//!   give [`Ranges::Unsatisfiable`] (416). nginx answers 416 to both.

use crate::http::bytes::eq_ignore_case;
use alloc::vec::Vec;

use crate::http::numfmt;
use crate::http::request::{items, trim_ows};
use crate::http::response::put_field;

/// Most range specs honoured in one header; more is answered with the whole file (200).
///
/// Each part costs a seek, a part header and a syscall, and ranges may overlap, so an
/// unbounded list lets a tiny request cost a lot (CVE-2011-3192, the Apache "Range of death";
/// nginx offers `max_ranges` for the same reason). Coalescing already bounds the bytes sent to the
/// file size; this bounds the parts and the parsing work.
pub const MAX_RANGES: usize = 16;

/// The boundary as a literal, so [`MULTIPART_TYPE`] can be joined at compile time.
macro_rules! boundary {
    () => {
        "staticd-byteranges-7d4a1f0c93e2b685"
    };
}

/// Boundary for multipart/byteranges bodies.
///
/// Fixed rather than random, as nginx's counter-based one effectively is: a served file that
/// happens to contain `CRLF "--" BOUNDARY` would confuse a multipart parser. That needs the
/// file to quote this exact string, which is vanishingly unlikely for real content; a caller
/// that cares can pass any other boundary to the functions below.
pub const BOUNDARY: &str = boundary!();

/// The `Content-Type` of a multipart 206: `multipart/byteranges` with [`BOUNDARY`].
pub const MULTIPART_TYPE: &str = concat!("multipart/byteranges; boundary=", boundary!());

/// A satisfiable byte range `[start, end)`, always `start < end <= len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    /// Offset of the first byte.
    pub start: u64,
    /// Offset one past the last byte.
    pub end: u64,
}

impl ByteRange {
    /// Number of bytes in the range.
    #[must_use]
    pub const fn len(self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the range is empty; never true for a range produced by [`parse`].
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// Up to [`MAX_RANGES`] byte ranges in a fixed array, in the order they are to be sent.
#[derive(Clone, Copy)]
pub struct RangeList {
    items: [ByteRange; MAX_RANGES],
    len: usize,
}

impl RangeList {
    const fn new() -> Self {
        Self {
            items: [ByteRange { start: 0, end: 0 }; MAX_RANGES],
            len: 0,
        }
    }

    /// Number of ranges.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no ranges; never true inside [`Ranges::Multi`].
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ranges as a slice.
    #[must_use]
    pub fn as_slice(&self) -> &[ByteRange] {
        self.items.get(..self.len).unwrap_or(&[])
    }

    /// Iterates over the ranges in sending order.
    pub fn iter(&self) -> core::slice::Iter<'_, ByteRange> {
        self.as_slice().iter()
    }

    /// Adds `r`, merging it with every range it overlaps or touches; false when full.
    fn add(&mut self, mut r: ByteRange) -> bool {
        let n = self.len;
        let Some(items) = self.items.get_mut(..n) else {
            return false;
        };
        // The list stays pairwise disjoint and non-adjacent, so only ranges touching `r`
        // (or what `r` grows into) can merge; the first of them keeps its position.
        let mut first = None;
        let mut kept = 0;
        for i in 0..n {
            let cur = items[i];
            if cur.start <= r.end && r.start <= cur.end {
                r = ByteRange {
                    start: cur.start.min(r.start),
                    end: cur.end.max(r.end),
                };
                if first.is_none() {
                    first = Some(kept);
                    kept += 1;
                }
            } else {
                items[kept] = cur;
                kept += 1;
            }
        }
        if let Some(at) = first {
            items[at] = r;
            self.len = kept;
            return true;
        }
        match self.items.get_mut(n) {
            Some(slot) => {
                *slot = r;
                self.len = n + 1;
                true
            }
            None => false,
        }
    }
}

impl core::fmt::Debug for RangeList {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for RangeList {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for RangeList {}

impl<'a> IntoIterator for &'a RangeList {
    type Item = &'a ByteRange;
    type IntoIter = core::slice::Iter<'a, ByteRange>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// What a `Range` header asks of a representation of a given length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "lives briefly on the stack; boxing would allocate on the hot path"
)]
pub enum Ranges {
    /// No usable Range header (absent, invalid, another unit, too many ranges): serve 200.
    Ignore,
    /// One satisfiable range: 206 with `Content-Range`.
    Single(ByteRange),
    /// Several disjoint satisfiable ranges: 206 multipart/byteranges.
    Multi(RangeList),
    /// Valid, but no range overlaps the representation: 416 with `Content-Range: bytes */LEN`.
    Unsatisfiable,
}

/// Parses a `Range` field value against a representation of `len` bytes.
#[must_use]
pub fn parse(header: &[u8], len: u64) -> Ranges {
    let Some(set) = strip_bytes_unit(trim_ows(header)) else {
        return Ranges::Ignore;
    };
    let mut list = RangeList::new();
    let mut specs = 0usize;
    // A suffix range on an empty representation: satisfiable, but nothing a 206 can name.
    let mut empty_whole = false;
    for element in items(set) {
        if element.is_empty() {
            continue;
        }
        specs += 1;
        if specs > MAX_RANGES {
            return Ranges::Ignore;
        }
        let Some((first, last)) = spec(element) else {
            return Ranges::Ignore;
        };
        let range = match first {
            // `-suffix`: the last bytes.
            None if last == 0 => continue,
            None if len == 0 => {
                empty_whole = true;
                continue;
            }
            None => ByteRange {
                start: len.saturating_sub(last),
                end: len,
            },
            // `first-last` or `first-`.
            Some(first) if first >= len => continue,
            Some(first) => ByteRange {
                start: first,
                end: last.min(len - 1) + 1,
            },
        };
        // Never false: at most MAX_RANGES specs are added and merging only shrinks.
        if !list.add(range) {
            return Ranges::Ignore;
        }
    }
    match list.as_slice() {
        _ if specs == 0 => Ranges::Ignore,
        [] if empty_whole => Ranges::Ignore,
        [] => Ranges::Unsatisfiable,
        [one] => Ranges::Single(*one),
        _ => Ranges::Multi(list),
    }
}

/// One range spec as its first position (`None` for a suffix) and its last position (the
/// suffix length, or `u64::MAX` when open); `None` if malformed.
fn spec(s: &[u8]) -> Option<(Option<u64>, u64)> {
    let dash = s.iter().position(|&b| b == b'-')?;
    let (first, last) = (&s[..dash], &s[dash + 1..]);
    if first.is_empty() {
        return Some((None, numfmt::parse(last)?));
    }
    let first = numfmt::parse(first)?;
    if last.is_empty() {
        return Some((Some(first), u64::MAX));
    }
    let last = numfmt::parse(last).filter(|&last| last >= first)?;
    Some((Some(first), last))
}

/// Returns what follows a case-insensitive `bytes=`.
fn strip_bytes_unit(h: &[u8]) -> Option<&[u8]> {
    match h.split_at_checked(6) {
        Some((unit, rest)) if eq_ignore_case(unit, b"bytes=") => Some(rest),
        _ => None,
    }
}

/// Appends a `Content-Range` value such as `bytes 0-99/1234` (the last byte is inclusive).
pub fn write_content_range(out: &mut Vec<u8>, r: ByteRange, len: u64) {
    out.extend_from_slice(b"bytes ");
    numfmt::push(out, r.start);
    out.push(b'-');
    numfmt::push(out, r.end.saturating_sub(1));
    out.push(b'/');
    numfmt::push(out, len);
}

/// Appends the `Content-Range` value of a 416 response, such as `bytes */1234`.
pub fn write_unsatisfied_range(out: &mut Vec<u8>, len: u64) {
    out.extend_from_slice(b"bytes */");
    numfmt::push(out, len);
}

/// Appends the delimiter and headers that precede range `r`'s bytes in a multipart body.
///
/// The `Content-Type` line is left out when `content_type` is empty.
pub fn part_head(out: &mut Vec<u8>, boundary: &str, content_type: &str, r: ByteRange, len: u64) {
    put_field(out, b"\r\n--", boundary.as_bytes());
    if !content_type.is_empty() {
        put_field(out, b"Content-Type: ", content_type.as_bytes());
    }
    out.extend_from_slice(b"Content-Range: ");
    write_content_range(out, r, len);
    out.extend_from_slice(b"\r\n\r\n");
}

/// Appends the close delimiter that ends a multipart body.
pub fn closing(out: &mut Vec<u8>, boundary: &str) {
    out.extend_from_slice(b"\r\n--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"--\r\n");
}

/// Exact `Content-Length` of the multipart body that [`part_head`], the ranges' bytes and
/// [`closing`] produce, computed without writing it.
#[must_use]
pub fn multipart_length(ranges: &[ByteRange], boundary: &str, content_type: &str, len: u64) -> u64 {
    let b = boundary.len() as u64;
    let ct = if content_type.is_empty() {
        0
    } else {
        "Content-Type: \r\n".len() as u64 + content_type.len() as u64
    };
    // "\r\n--" B "\r\n" [ct] "Content-Range: bytes " a "-" z "/" len "\r\n\r\n"
    let fixed =
        4 + b + 2 + ct + "Content-Range: bytes ".len() as u64 + 1 + 1 + numfmt::len(len) + 4;
    // Saturating: only a representation near u64::MAX bytes could overflow, and no file is.
    let mut total = 4 + b + 4;
    for r in ranges {
        total = total
            .saturating_add(fixed + numfmt::len(r.start) + numfmt::len(r.end.saturating_sub(1)))
            .saturating_add(r.len());
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;

    fn br(start: u64, end: u64) -> ByteRange {
        ByteRange { start, end }
    }

    fn multi(rs: &[(u64, u64)]) -> Ranges {
        let mut l = RangeList::new();
        for &(s, e) in rs {
            l.items[l.len] = br(s, e);
            l.len += 1;
        }
        Ranges::Multi(l)
    }

    fn single(s: u64, e: u64) -> Ranges {
        Ranges::Single(br(s, e))
    }

    fn p(h: &str, len: u64) -> Ranges {
        parse(h.as_bytes(), len)
    }

    #[track_caller]
    fn check(h: &str, len: u64, want: Ranges) {
        assert_eq!(p(h, len), want, "{h:?} len {len}");
    }

    #[test]
    fn single_int_ranges() {
        check("bytes=0-0", 10, single(0, 1));
        check("bytes=0-9", 10, single(0, 10));
        check("bytes=0-10", 10, single(0, 10));
        check("bytes=0-99999", 10, single(0, 10));
        check("bytes=3-5", 10, single(3, 6));
        check("bytes=9-9", 10, single(9, 10));
        check("bytes=9-", 10, single(9, 10));
        check("bytes=0-", 10, single(0, 10));
        check("bytes=5-", 10, single(5, 10));
        check("bytes=007-008", 10, single(7, 9));
        check("bytes=0-18446744073709551615", 10, single(0, 10));
        check(
            "bytes=0-18446744073709551614",
            u64::MAX,
            single(0, u64::MAX),
        );
        check(
            "bytes=18446744073709551614-",
            u64::MAX,
            single(u64::MAX - 1, u64::MAX),
        );
    }

    #[test]
    fn suffix_ranges() {
        check("bytes=-1", 10, single(9, 10));
        check("bytes=-3", 10, single(7, 10));
        check("bytes=-10", 10, single(0, 10));
        check("bytes=-11", 10, single(0, 10));
        check("bytes=-18446744073709551615", 10, single(0, 10));
        check("bytes=-0", 10, Ranges::Unsatisfiable);
        check("bytes=-000", 10, Ranges::Unsatisfiable);
        check("bytes=-1", 1, single(0, 1));
        check("bytes=-2", 1, single(0, 1));
    }

    #[test]
    fn unsatisfiable() {
        check("bytes=10-", 10, Ranges::Unsatisfiable);
        check("bytes=10-20", 10, Ranges::Unsatisfiable);
        check("bytes=11-11", 10, Ranges::Unsatisfiable);
        check("bytes=10-,20-30,-0", 10, Ranges::Unsatisfiable);
        check("bytes=1-", 1, Ranges::Unsatisfiable);
        check("bytes=18446744073709551615-", 10, Ranges::Unsatisfiable);
        // Unsatisfiable members are dropped from an otherwise satisfiable set.
        check("bytes=10-20,0-0", 10, single(0, 1));
        check("bytes=-0,0-0", 10, single(0, 1));
        check("bytes=0-0,10-", 10, single(0, 1));
    }

    #[test]
    fn empty_representation() {
        check("bytes=0-", 0, Ranges::Unsatisfiable);
        check("bytes=0-0", 0, Ranges::Unsatisfiable);
        check("bytes=0-5", 0, Ranges::Unsatisfiable);
        check("bytes=-0", 0, Ranges::Unsatisfiable);
        check("bytes=5-", 0, Ranges::Unsatisfiable);
        // A non-zero suffix is satisfiable (§14.1.1) by the whole empty representation.
        check("bytes=-5", 0, Ranges::Ignore);
        check("bytes=-1", 0, Ranges::Ignore);
        check("bytes=0-0,-1", 0, Ranges::Ignore);
        check("bytes=-1,0-0", 0, Ranges::Ignore);
        // Syntax still matters first.
        check("bytes=1-0", 0, Ranges::Ignore);
        check("bytes=", 0, Ranges::Ignore);
    }

    #[test]
    fn one_byte_representation() {
        check("bytes=0-0", 1, single(0, 1));
        check("bytes=0-", 1, single(0, 1));
        check("bytes=0-100", 1, single(0, 1));
        check("bytes=-1", 1, single(0, 1));
        check("bytes=-100", 1, single(0, 1));
        check("bytes=1-1", 1, Ranges::Unsatisfiable);
        check("bytes=0-0,0-0", 1, single(0, 1));
        check("bytes=0-0,-1", 1, single(0, 1));
    }

    #[test]
    fn unit_and_prefix() {
        check("Bytes=0-1", 10, single(0, 2));
        check("BYTES=0-1", 10, single(0, 2));
        check("bYtEs=0-1", 10, single(0, 2));
        check("bytes =0-1", 10, Ranges::Ignore);
        check("bytes:0-1", 10, Ranges::Ignore);
        check("bytes0-1", 10, Ranges::Ignore);
        check("bytes", 10, Ranges::Ignore);
        check("bytes=", 10, Ranges::Ignore);
        check("byte=0-1", 10, Ranges::Ignore);
        check("bytess=0-1", 10, Ranges::Ignore);
        check("items=0-1", 10, Ranges::Ignore);
        check("none", 10, Ranges::Ignore);
        check("=0-1", 10, Ranges::Ignore);
        check("0-1", 10, Ranges::Ignore);
        check("", 10, Ranges::Ignore);
        check("   ", 10, Ranges::Ignore);
        check("b", 10, Ranges::Ignore);
        check("bytes\t=0-1", 10, Ranges::Ignore);
        // Non-ASCII bytes that would fold to ASCII under a sloppy case-insensitive compare.
        assert_eq!(parse(b"byt\xc5\x9b=0-1", 10), Ranges::Ignore);
        assert_eq!(parse(b"\xffbytes=0-1", 10), Ranges::Ignore);
    }

    #[test]
    fn whitespace() {
        check(" bytes=0-1", 10, single(0, 2));
        check("bytes=0-1 ", 10, single(0, 2));
        check("\tbytes=0-1\t", 10, single(0, 2));
        check("bytes= 0-1", 10, single(0, 2));
        check("bytes=\t0-1", 10, single(0, 2));
        check("bytes=0-1 , 3-4", 10, multi(&[(0, 2), (3, 5)]));
        check("bytes=0-1,\t3-4", 10, multi(&[(0, 2), (3, 5)]));
        check("bytes=0-1 ,3-4", 10, multi(&[(0, 2), (3, 5)]));
        check("bytes=0-1   ,   3-4   ", 10, multi(&[(0, 2), (3, 5)]));
        // Whitespace inside an element is not OWS.
        check("bytes=0 -1", 10, Ranges::Ignore);
        check("bytes=0- 1", 10, Ranges::Ignore);
        check("bytes=- 1", 10, Ranges::Ignore);
        check("bytes=1 2-3", 10, Ranges::Ignore);
        // Other whitespace is not OWS.
        check("bytes=0-1\r", 10, Ranges::Ignore);
        check("bytes=0-1\n", 10, Ranges::Ignore);
        check("bytes=\x0b0-1", 10, Ranges::Ignore);
        check("bytes=0-1,\x0c", 10, Ranges::Ignore);
        assert_eq!(parse(b"bytes=\xa00-1", 10), Ranges::Ignore);
    }

    #[test]
    fn empty_elements() {
        check("bytes=,0-1", 10, single(0, 2));
        check("bytes=0-1,", 10, single(0, 2));
        check("bytes=,,0-1,,", 10, single(0, 2));
        check("bytes=0-1,,3-4", 10, multi(&[(0, 2), (3, 5)]));
        check("bytes= , 0-1 , ", 10, single(0, 2));
        check("bytes=,", 10, Ranges::Ignore);
        check("bytes=,,,", 10, Ranges::Ignore);
        check("bytes= , ", 10, Ranges::Ignore);
        check("bytes=\t", 10, Ranges::Ignore);
    }

    #[test]
    fn syntax_errors() {
        for h in [
            "bytes=-",
            "bytes=--1",
            "bytes=--",
            "bytes=0--1",
            "bytes=1-0",
            "bytes=5-4",
            "bytes=0x10-",
            "bytes=0x10-0x20",
            "bytes=+1-2",
            "bytes=1-+2",
            "bytes=-+2",
            "bytes=1-2-3",
            "bytes=1",
            "bytes=a",
            "bytes=a-b",
            "bytes=1-b",
            "bytes=1.5-2",
            "bytes=1e3-",
            "bytes=1_000-",
            "bytes=0-1;",
            "bytes=0-1;q=1",
            "bytes=0-1,x",
            "bytes=x,0-1",
            "bytes=0-1,1-0",
            "bytes=1-0,0-1",
            "bytes=0-1,-",
            "bytes=0-1 3-4",
            "bytes=0-1=",
            "bytes==0-1",
            "bytes=bytes=0-1",
            "bytes=0-1,bytes=2-3",
            "bytes=\"0-1\"",
            "bytes=(0-1)",
            "bytes=\u{ff11}-2",
            "bytes=٠-1",
        ] {
            for len in [0, 1, 10, u64::MAX] {
                check(h, len, Ranges::Ignore);
            }
        }
    }

    #[test]
    fn overflow_is_ignored() {
        check("bytes=18446744073709551616-", 10, Ranges::Ignore);
        check("bytes=0-18446744073709551616", 10, Ranges::Ignore);
        check("bytes=-18446744073709551616", 10, Ranges::Ignore);
        check("bytes=99999999999999999999999999-", 10, Ranges::Ignore);
        check("bytes=0-1,-99999999999999999999999999", 10, Ranges::Ignore);
        // Leading zeros are not overflow.
        check("bytes=00000000000000000000000000001-2", 10, single(1, 3));
        // Largest values are fine.
        check(
            "bytes=18446744073709551615-18446744073709551615",
            10,
            Ranges::Unsatisfiable,
        );
    }

    #[test]
    fn multi_keeps_client_order() {
        check("bytes=0-1,4-5", 10, multi(&[(0, 2), (4, 6)]));
        check("bytes=4-5,0-1", 10, multi(&[(4, 6), (0, 2)]));
        check("bytes=-1,0-0", 10, multi(&[(9, 10), (0, 1)]));
        check("bytes=8-,0-0,4-4", 10, multi(&[(8, 10), (0, 1), (4, 5)]));
        check(
            "bytes=0-0,2-2,4-4,6-6,8-8",
            10,
            multi(&[(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]),
        );
    }

    #[test]
    fn multi_coalesces() {
        // Overlapping.
        check("bytes=0-5,3-8", 10, single(0, 9));
        check("bytes=3-8,0-5", 10, single(0, 9));
        check("bytes=0-9,2-3", 10, single(0, 10));
        check("bytes=2-3,0-9", 10, single(0, 10));
        check("bytes=0-,0-", 10, single(0, 10));
        check("bytes=-5,5-", 10, single(5, 10));
        check("bytes=0-0,0-0,0-0", 10, single(0, 1));
        // Adjacent.
        check("bytes=0-1,2-3", 10, single(0, 4));
        check("bytes=2-3,0-1", 10, single(0, 4));
        check("bytes=0-4,-5", 10, single(0, 10));
        // Clamping creates the overlap.
        check("bytes=5-100,9-200", 10, single(5, 10));
        // A bridge merges two earlier ranges; the merged one takes the earliest position.
        check("bytes=6-7,0-1,3-3,2-5", 10, single(0, 8));
        check("bytes=8-8,0-1,4-5,2-3", 10, multi(&[(8, 9), (0, 6)]));
        check("bytes=8-8,4-5,0-1,2-3", 10, multi(&[(8, 9), (0, 6)]));
        check("bytes=0-0,9-9,2-2,4-4,1-8", 10, single(0, 10));
        check(
            "bytes=0-0,9-9,3-3,5-5,4-4",
            10,
            multi(&[(0, 1), (9, 10), (3, 6)]),
        );
        check(
            "bytes=0-0,9-9,3-3,5-5,4-4,7-7",
            10,
            multi(&[(0, 1), (9, 10), (3, 6), (7, 8)]),
        );
        // Not adjacent: one byte gap.
        check("bytes=0-1,3-4", 10, multi(&[(0, 2), (3, 5)]));
    }

    #[test]
    fn many_ranges() {
        let spec = |n: usize| {
            let mut s = String::from("bytes=");
            for i in 0..n {
                if i > 0 {
                    s.push(',');
                }
                s.push_str(&format!("{}-{}", 2 * i, 2 * i));
            }
            s
        };
        let mut want = Vec::new();
        for i in 0..16u64 {
            want.push((2 * i, 2 * i + 1));
        }
        check(&spec(16), 100, multi(&want));
        check(&spec(17), 100, Ranges::Ignore);
        check(&spec(1000), 100, Ranges::Ignore);
        // Unsatisfiable and merged specs count too.
        let s16 = format!("{},200-", spec(15));
        assert!(matches!(p(&s16, 100), Ranges::Multi(l) if l.len() == 15));
        check(&format!("{},200-,300-", spec(15)), 100, Ranges::Ignore);
        check(
            &format!("bytes={}", ["0-"; 17].join(",")),
            100,
            Ranges::Ignore,
        );
        check(
            &format!("bytes={}", ["0-"; 16].join(",")),
            100,
            single(0, 100),
        );
        // Empty elements do not count.
        check(&format!("bytes={}0-0", ",".repeat(100)), 100, single(0, 1));
        check(&format!("bytes=0-0{}", ", ".repeat(100)), 100, single(0, 1));
        // A syntax error beyond the limit is still Ignore.
        check(&format!("{},x", spec(16)), 100, Ranges::Ignore);
    }

    #[test]
    fn range_list_api() {
        let Ranges::Multi(l) = p("bytes=0-0,2-3,-1", 10) else {
            panic!("not multi");
        };
        assert_eq!(l.len(), 3);
        assert!(!l.is_empty());
        assert_eq!(l.as_slice(), &[br(0, 1), br(2, 4), br(9, 10)]);
        assert_eq!(l.iter().map(|r| r.len()).sum::<u64>(), 4);
        assert_eq!((&l).into_iter().count(), 3);
        assert_eq!(
            format!("{l:?}"),
            "[ByteRange { start: 0, end: 1 }, ByteRange { start: 2, end: 4 }, ByteRange { start: 9, end: 10 }]"
        );
        let e = RangeList::new();
        assert!(e.is_empty());
        assert_eq!(e.as_slice(), &[]);
        assert_ne!(e, l);
        assert_eq!(br(3, 7).len(), 4);
        assert!(!br(3, 7).is_empty());
        assert!(br(3, 3).is_empty());
    }

    #[test]
    fn add_refuses_when_full() {
        let mut l = RangeList::new();
        for i in 0..MAX_RANGES as u64 {
            assert!(l.add(br(3 * i, 3 * i + 1)));
        }
        assert!(!l.add(br(1000, 1001)));
        assert_eq!(l.len(), MAX_RANGES);
        // Merging still works on a full list.
        assert!(l.add(br(1, 3)));
        assert_eq!(l.len(), MAX_RANGES - 1);
        assert_eq!(l.as_slice()[0], br(0, 4));
    }

    /// Reference semantics: the set of bytes requested, as a bitmap.
    fn wanted_bytes(specs: &[(Option<u64>, Option<u64>)], len: u64) -> Vec<bool> {
        let mut v = vec![false; len as usize];
        for &(a, b) in specs {
            match (a, b) {
                (Some(a), b) => {
                    let end = b.map_or(len, |b| (b + 1).min(len));
                    for i in a..end {
                        v[i as usize] = true;
                    }
                }
                (None, Some(n)) => {
                    for i in len.saturating_sub(n)..len {
                        v[i as usize] = true;
                    }
                }
                (None, None) => unreachable!(),
            }
        }
        v
    }

    #[test]
    fn property_ranges_cover_exactly_what_was_asked() {
        let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut seen = [0usize; 4];
        for _ in 0..20_000 {
            let len = match rng.below(4) {
                0 => rng.below(3),
                _ => rng.below(64),
            };
            let n = 1 + rng.index(MAX_RANGES + 2);
            let mut specs = Vec::new();
            let mut h = String::from("bytes=");
            for i in 0..n {
                if i > 0 {
                    let sep = rng.pick(&[",", ", ", " ,", ",,"]);
                    h.push_str(sep);
                }
                let a = rng.below(len + 8);
                let spec = match rng.below(3) {
                    0 => (Some(a), Some(a + rng.below(len + 4))),
                    1 => (Some(a), None),
                    _ => (None, Some(rng.below(len + 4))),
                };
                match spec {
                    (Some(a), Some(b)) => h.push_str(&format!("{a}-{b}")),
                    (Some(a), None) => h.push_str(&format!("{a}-")),
                    (None, Some(s)) => h.push_str(&format!("-{s}")),
                    (None, None) => unreachable!(),
                }
                specs.push(spec);
            }
            let got = p(&h, len);
            let want = wanted_bytes(&specs, len);
            let any_suffix = specs.iter().any(|s| matches!(s, (None, Some(n)) if *n > 0));
            let ranges: Vec<ByteRange> = match got {
                Ranges::Ignore => {
                    seen[0] += 1;
                    assert!(n > MAX_RANGES || (len == 0 && any_suffix), "{h} {len}");
                    continue;
                }
                Ranges::Unsatisfiable => {
                    seen[1] += 1;
                    assert!(n <= MAX_RANGES, "{h}");
                    assert!(want.iter().all(|&w| !w), "{h} {len}");
                    assert!(len > 0 || !any_suffix);
                    continue;
                }
                Ranges::Single(r) => {
                    seen[2] += 1;
                    vec![r]
                }
                Ranges::Multi(l) => {
                    seen[3] += 1;
                    assert!(l.len() >= 2);
                    l.as_slice().to_vec()
                }
            };
            assert!(n <= MAX_RANGES);
            let mut covered = vec![false; len as usize];
            for r in &ranges {
                assert!(r.start < r.end && r.end <= len, "{h} {len} {r:?}");
                for i in r.start..r.end {
                    assert!(!covered[i as usize], "overlap {h} {len} {ranges:?}");
                    covered[i as usize] = true;
                }
            }
            assert_eq!(covered, want, "{h} {len} {ranges:?}");
            // Coalesced: no two ranges touch.
            for (i, a) in ranges.iter().enumerate() {
                for b in &ranges[i + 1..] {
                    assert!(a.end < b.start || b.end < a.start, "{h} {ranges:?}");
                }
            }
        }
        assert!(seen.iter().all(|&c| c > 100), "{seen:?}");
    }

    #[test]
    fn property_random_bytes_never_escape_bounds() {
        let mut rng = Rng::new(0x1234_5678_9abc_def1);
        let alphabet = b"bytes=BYTES0123456789-, \t,-x";
        for _ in 0..50_000 {
            let n = rng.index(24);
            let mut h = b"bytes=".to_vec();
            for _ in 0..n {
                h.push(*rng.pick(alphabet));
            }
            let len = rng.below(20);
            match parse(&h, len) {
                Ranges::Single(r) => assert!(r.start < r.end && r.end <= len),
                Ranges::Multi(l) => {
                    assert!(l.len() >= 2 && l.len() <= MAX_RANGES);
                    for r in &l {
                        assert!(r.start < r.end && r.end <= len);
                    }
                }
                Ranges::Ignore | Ranges::Unsatisfiable => {}
            }
        }
    }

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn content_range_values() {
        assert_eq!(
            s(|o| write_content_range(o, br(0, 100), 1234)),
            "bytes 0-99/1234"
        );
        assert_eq!(s(|o| write_content_range(o, br(0, 1), 1)), "bytes 0-0/1");
        assert_eq!(s(|o| write_content_range(o, br(9, 10), 10)), "bytes 9-9/10");
        assert_eq!(
            s(|o| write_content_range(o, br(u64::MAX - 1, u64::MAX), u64::MAX)),
            "bytes 18446744073709551614-18446744073709551614/18446744073709551615"
        );
        assert_eq!(s(|o| write_unsatisfied_range(o, 1234)), "bytes */1234");
        assert_eq!(s(|o| write_unsatisfied_range(o, 0)), "bytes */0");
        assert_eq!(
            s(|o| write_unsatisfied_range(o, u64::MAX)),
            "bytes */18446744073709551615"
        );
        // Appends rather than overwrites.
        let mut v = b"Content-Range: ".to_vec();
        write_content_range(&mut v, br(5, 10), 10);
        assert_eq!(v, b"Content-Range: bytes 5-9/10");
    }

    #[test]
    fn multipart_framing() {
        assert_eq!(
            s(|o| part_head(o, "B", "text/plain", br(0, 100), 1234)),
            "\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-99/1234\r\n\r\n"
        );
        assert_eq!(
            s(|o| part_head(o, "B", "", br(5, 6), 7)),
            "\r\n--B\r\nContent-Range: bytes 5-5/7\r\n\r\n"
        );
        assert_eq!(s(|o| closing(o, "B")), "\r\n--B--\r\n");
        assert_eq!(
            MULTIPART_TYPE,
            format!("multipart/byteranges; boundary={BOUNDARY}")
        );
        // RFC 2046 boundary: 1-70 bchars, not ending in a space.
        assert!(!BOUNDARY.is_empty() && BOUNDARY.len() <= 70);
        assert!(
            BOUNDARY
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        );
    }

    #[test]
    fn multipart_whole_body_example() {
        let file = b"0123456789abcdefghij";
        let ranges = [br(0, 3), br(18, 20)];
        let mut body = Vec::new();
        for r in ranges {
            part_head(&mut body, "XX", "text/plain", r, 20);
            body.extend_from_slice(&file[r.start as usize..r.end as usize]);
        }
        closing(&mut body, "XX");
        assert_eq!(
            String::from_utf8(body.clone()).unwrap(),
            "\r\n--XX\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-2/20\r\n\r\n012\
             \r\n--XX\r\nContent-Type: text/plain\r\nContent-Range: bytes 18-19/20\r\n\r\nij\
             \r\n--XX--\r\n"
        );
        assert_eq!(
            multipart_length(&ranges, "XX", "text/plain", 20),
            body.len() as u64
        );
    }

    #[test]
    fn multipart_length_matches_output() {
        let mut rng = Rng::new(0xdead_beef_cafe_f00d);
        let cts = [
            "",
            "text/plain",
            "application/octet-stream",
            "text/html; charset=utf-8",
        ];
        let boundaries = ["", "a", BOUNDARY, "0123456789"];
        for _ in 0..5_000 {
            let kind = rng.below(3);
            let len = match kind {
                0 => 1 + rng.below(10),
                1 => 1 + rng.below(1 << 40),
                _ => u64::MAX - rng.below(5),
            };
            let n = rng.index(MAX_RANGES + 1);
            let ranges: Vec<ByteRange> = (0..n)
                .map(|_| {
                    let a = rng.below(len);
                    // Near u64::MAX keep parts short so the test's own sum cannot overflow.
                    let room = if kind == 2 {
                        (len - a).min(1000)
                    } else {
                        len - a
                    };
                    br(a, a + 1 + rng.below(room))
                })
                .collect();
            let ct = *rng.pick(&cts);
            let b = *rng.pick(&boundaries);
            let mut out = Vec::new();
            let mut payload = 0u64;
            for &r in &ranges {
                part_head(&mut out, b, ct, r, len);
                payload += r.len();
            }
            closing(&mut out, b);
            assert_eq!(
                multipart_length(&ranges, b, ct, len),
                out.len() as u64 + payload,
                "{ranges:?} {b:?} {ct:?} {len}"
            );
        }
    }

    #[test]
    fn multipart_length_from_parse() {
        let Ranges::Multi(l) = p("bytes=0-9,20-29,-5", 1000) else {
            panic!();
        };
        let mut out = Vec::new();
        for &r in &l {
            part_head(&mut out, BOUNDARY, "image/png", r, 1000);
        }
        closing(&mut out, BOUNDARY);
        assert_eq!(
            multipart_length(l.as_slice(), BOUNDARY, "image/png", 1000),
            out.len() as u64 + 25
        );
        assert_eq!(
            multipart_length(&[], "B", "", 5),
            "\r\n--B--\r\n".len() as u64
        );
    }
}
