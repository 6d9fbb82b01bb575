//! LZ77 packing of long constant texts at compile time ([`pack`],
//! [`packed!`](crate::packed!)), unpacked when they are needed ([`unpack`]): the help,
//! the built-in content-type table, the compressible types and the metrics families
//! repeat themselves a lot, and a third to a half of their bytes hold them. Pure.
//!
//! Each code is one byte, or two or three for a copy (which may overlap what it writes):
//! - `0x00..=0x5E`: the ASCII character 0x20 higher (`' '..='~'`); `0x5F`: a newline;
//! - `0x60..=0x6F`: 2 to 17 spaces;
//! - `0x70..=0x7F` and two bytes: a far copy of 4 to 19 bytes ((code & 15) + 4) from
//!   1 to 65,536 bytes back (the two bytes, big-endian, plus 1);
//! - `0x80..=0xFF` and a byte: a near copy of 3 to 10 bytes ((code >> 4 & 7) + 3) from
//!   1 to 4096 bytes back ((code & 15) << 8 | the byte, plus 1).
//!
//! Copies may reach back before the text, into a dictionary both sides know.

use alloc::vec::Vec;

/// The bytes of the constant text `$text` packed at compile time (no dictionary), as a
/// `&'static [u8]` of just their length: what the binary holds in its place.
#[macro_export]
macro_rules! packed {
    ($text:expr) => {{
        const PACKED: $crate::text::pack::Packed<{ $text.len() }> =
            $crate::text::pack::pack($text.as_bytes(), 0);
        static BYTES: [u8; PACKED.len] = PACKED.bytes();
        &BYTES
    }};
}

/// A packed text: its first `len` bytes of `bytes` (packing never grows a text).
pub struct Packed<const N: usize> {
    pub bytes: [u8; N],
    pub len: usize,
}

impl<const N: usize> Packed<N> {
    /// The packed bytes, for a static of exactly their length (`M` is `len`).
    #[must_use]
    pub const fn bytes<const M: usize>(&self) -> [u8; M] {
        assert!(M == self.len);
        let mut out = [0; M];
        let mut i = 0;
        while i < M {
            out[i] = self.bytes[i];
            i += 1;
        }
        out
    }
}

/// The farthest back a near copy reaches.
const WINDOW: usize = 4096;
/// The shortest near copy: two bytes for fewer would gain nothing.
const MIN_COPY: usize = 3;
/// The longest near copy.
const MAX_COPY: usize = 10;
/// The shortest far copy, three bytes.
const MIN_FAR: usize = 4;
/// The longest far copy.
const MAX_FAR: usize = 19;
/// The longest run of spaces one code gives.
const MAX_RUN: usize = 17;
/// How many earlier places with the same first three bytes are tried for the longest copy:
/// more finds next to nothing more and slows the build.
const TRIES: usize = 16;
/// Buckets of the three-byte hash that finds those places.
const HASH: usize = 4096;
/// No position.
const NONE: u16 = u16::MAX;

/// Packs `text[start..]` (printable ASCII and newlines) in the form the module doc
/// describes, its copies reaching back into `text[..start]` too, the dictionary (`N` at least
/// `text.len()`, which is less than 65,535), with the fewest bytes for the copies it finds:
/// a pass that finds the longest copy at each position, then one from the end that picks,
/// at each position, the code that leaves the fewest bytes to the end.
pub const fn pack<const N: usize>(text: &[u8], start: usize) -> Packed<N> {
    let n = text.len();
    assert!(n <= N && n < NONE as usize && start <= n);
    // The longest near and far copy at each position and how far back each is.
    let mut copy_len = [0u8; N];
    let mut copy_back = [0u16; N];
    let mut far_len = [0u8; N];
    let mut far_back = [0u16; N];
    let mut head = [NONE; HASH];
    let mut prev = [NONE; N];
    let mut i = 0;
    while i + MIN_COPY <= n {
        let h = (text[i] as usize * 961 + text[i + 1] as usize * 31 + text[i + 2] as usize) % HASH;
        let mut j = head[h];
        let mut tries = 0;
        while i >= start && j != NONE && tries < TRIES {
            let from = j as usize;
            let mut len = 0;
            while len < MAX_FAR && i + len < n && text[from + len] == text[i + len] {
                len += 1;
            }
            let near = if len < MAX_COPY { len } else { MAX_COPY };
            if i - from <= WINDOW && near > copy_len[i] as usize {
                copy_len[i] = near as u8;
                copy_back[i] = (i - from) as u16;
            }
            if len > far_len[i] as usize {
                far_len[i] = len as u8;
                far_back[i] = (i - from) as u16;
            }
            if len == MAX_FAR {
                break;
            }
            j = prev[from];
            tries += 1;
        }
        prev[i] = head[h];
        head[h] = i as u16;
        i += 1;
    }
    // From the end: the fewest bytes that pack the text from i, and the code that starts
    // them (`take` bytes of text, and whether as a copy: 0 none, 1 near, 2 far).
    let mut cost = [0u16; N];
    let mut take = [1u8; N];
    let mut copied = [0u8; N];
    let mut i = n;
    while i > start {
        i -= 1;
        let mut best = rest(&cost, i + 1) + 1;
        // The spaces from here, as many as one code takes.
        let mut run = 0;
        while run < MAX_RUN && i + run < n && text[i + run] == b' ' {
            run += 1;
        }
        // Each code that can start here: its kind (as `copied` keeps it), the fewest and
        // most bytes of text it takes, and its own size.
        let codes = [
            (0, 2, run, 1),
            (1, MIN_COPY, copy_len[i] as usize, 2),
            (2, MIN_FAR, far_len[i] as usize, 3),
        ];
        let mut c = 0;
        while c < codes.len() {
            let (kind, fewest, most, size) = codes[c];
            let mut k = fewest;
            while k <= most {
                if rest(&cost, i + k) + size < best {
                    best = rest(&cost, i + k) + size;
                    take[i] = k as u8;
                    copied[i] = kind;
                }
                k += 1;
            }
            c += 1;
        }
        cost[i] = best;
    }
    let mut out = Packed {
        bytes: [0; N],
        len: 0,
    };
    let mut i = start;
    while i < n {
        let k = take[i] as usize;
        if copied[i] == 2 {
            let back = far_back[i] as usize - 1;
            out.bytes[out.len] = 0x70 | (k - MIN_FAR) as u8;
            out.bytes[out.len + 1] = (back >> 8) as u8;
            out.bytes[out.len + 2] = back as u8;
            out.len += 3;
        } else if copied[i] == 1 {
            let back = copy_back[i] as usize - 1;
            out.bytes[out.len] = 0x80 | ((k - MIN_COPY) << 4) as u8 | (back >> 8) as u8;
            out.bytes[out.len + 1] = back as u8;
            out.len += 2;
        } else if k > 1 {
            out.bytes[out.len] = 0x5e + k as u8;
            out.len += 1;
        } else {
            out.bytes[out.len] = match text[i] {
                b'\n' => 0x5f,
                c => {
                    assert!(c >= b' ' && c <= b'~', "a packed text is printable ASCII");
                    c - b' '
                }
            };
            out.len += 1;
        }
        i += k;
    }
    out
}

/// What packing from `at` on costs, as far as [`pack`] has worked it out: nothing at the end.
const fn rest<const N: usize>(cost: &[u16; N], at: usize) -> u16 {
    if at < N { cost[at] } else { 0 }
}

/// The text [`pack`] packed after `dict`.
pub fn unpack(dict: &[u8], packed: &[u8]) -> Vec<u8> {
    let mut text = Vec::new();
    let mut codes = packed.iter();
    while let Some(&c) = codes.next() {
        let mut next = || usize::from(codes.next().copied().unwrap_or(0));
        let (back, len) = match c {
            0x80.. => ((usize::from(c & 15) << 8 | next()) + 1, (c >> 4 & 7) + 3),
            0x70.. => ((next() << 8 | next()) + 1, (c & 15) + 4),
            0x60.. => {
                text.resize(text.len() + usize::from(c - 0x5e), b' ');
                continue;
            }
            0x5f => {
                text.push(b'\n');
                continue;
            }
            _ => {
                text.push(c + b' ');
                continue;
            }
        };
        for _ in 0..len {
            // Before the text is the end of the dictionary.
            let b = match text.len().checked_sub(back) {
                Some(k) => text.get(k),
                None => dict.get((dict.len() + text.len()).wrapping_sub(back)),
            };
            text.push(b.copied().unwrap_or(b' '));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::String;

    /// Packs `text` after `dict` and unpacks it again; the packed length.
    fn round_trip_after(dict: &[u8], text: &[u8]) -> usize {
        let all = [dict, text].concat();
        let packed = pack::<20_000>(&all, dict.len());
        let packed = &packed.bytes[..packed.len];
        assert_eq!(
            unpack(dict, packed),
            text,
            "{:?}",
            String::from_utf8_lossy(text)
        );
        packed.len()
    }

    /// Packs `text` and unpacks it again; the packed length.
    fn round_trip(text: &[u8]) -> usize {
        round_trip_after(b"", text)
    }

    #[test]
    fn packing_round_trips_runs_and_copies() {
        for run in [0usize, 1, 2, 3, 32, 33, 34, 35, 66, 67, 300] {
            for text in [
                format!("a{}b", " ".repeat(run)),
                " ".repeat(run),
                format!("{}x\n{}", " ".repeat(run), " ".repeat(run)),
                "ab".repeat(run),
                "abcdefghijk".repeat(run),
            ] {
                let packed = round_trip(text.as_bytes());
                if run >= 3 {
                    assert!(packed < text.len(), "run {run} not packed: {text:?}");
                }
            }
        }
        // Every character a code stands for, and copies at the edges of the near window: a word
        // again 4,096 bytes on is a near copy (two bytes), 4,097 a far one (three); far copies
        // take up to 19 bytes.
        let all: Vec<u8> = (b' '..=b'~').chain([b'\n']).collect();
        round_trip(&all);
        for (word, gap, cost) in [
            (&b"0123456789"[..], 4_080, 2),
            (b"0123456789", 4_085, 2),
            (b"0123456789", 4_086, 2),
            (b"0123456789", 4_087, 3),
            (b"0123456789", 9_000, 3),
            (b"0123456789ABCDEFGHI", 9_000, 3),
            (b"0123456789ABCDEFGHIJ", 9_000, 4),
        ] {
            let mut rng = crate::testing::Rng::new(gap as u64);
            let mut text = word.to_vec();
            text.extend((0..gap).map(|_| b'a' + rng.below(26) as u8));
            let without = round_trip(&text);
            text.extend_from_slice(word);
            let with = round_trip(&text);
            assert_eq!(with - without, cost, "{gap} {word:?}");
        }
        // Copies from the dictionary, also from its very start and across its end.
        let dict = b"0123456789 abcdefghij";
        for (text, packed) in [
            (&b"0123456789"[..], 2),
            (b"abcdefghij", 2),
            (b"hij0123", 4),
            (b"ghijghijgh", 2),
            (b"xyz", 3),
        ] {
            assert_eq!(round_trip_after(dict, text), packed, "{text:?}");
        }
        // Random texts of few letters, where copies overlap what they write.
        let mut rng = crate::testing::Rng::new(7);
        for _ in 0..200 {
            let len = rng.below(300) as usize;
            let text: Vec<u8> = (0..len).map(|_| *rng.pick(b"ab \n")).collect();
            round_trip(&text);
        }
    }
}
