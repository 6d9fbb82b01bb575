//! [`HELP`], rendered from the option table at compile time: each option's spellings, its
//! help lines, then its default and variable, which go on the last line when they fit; and
//! packed there into [`HELP_PACKED`], which [`help`] unpacks.

use super::{NAMES, OPTIONS, Opt, Preset, ROOT};

const USAGE: &str =
    "Usage: staticd [OPTIONS] [ROOT]\n\nServe the files under ROOT over HTTP/1.1.\n";

const FOOTER: &str = "\nAn option on the command line overrides its environment variable.\n\
Sockets passed by a supervisor (LISTEN_PID, LISTEN_FDS) replace --listen.\n";

/// The widest line the help writes.
pub(super) const WIDTH: usize = 80;

/// The usage text, generated from the option table.
pub const HELP: &str = match core::str::from_utf8(&HELP_BYTES) {
    Ok(s) => s,
    Err(_) => panic!("help text is not UTF-8"),
};

/// [`HELP`] as the binary holds it, LZ77-packed to about a third of its size: the help repeats
/// itself a lot (its columns, `[default: `, `[env: STATICD_`), and copies may also reach
/// back into the option names, defaults and variables the parser keeps ([`NAMES`], the
/// dictionary the packing starts from). Each code is one byte, or two or three for a copy
/// (which may overlap what it writes):
/// - `0x00..=0x5E`: the ASCII character 0x20 higher (`' '..='~'`); `0x5F`: a newline;
/// - `0x60..=0x6F`: 2 to 17 spaces;
/// - `0x70..=0x7F` and two bytes: a far copy of 4 to 19 bytes ((code & 15) + 4) from
///   1 to 65,536 bytes back (the two bytes, big-endian, plus 1);
/// - `0x80..=0xFF` and a byte: a near copy of 3 to 10 bytes ((code >> 4 & 7) + 3) from
///   1 to 4096 bytes back ((code & 15) << 8 | the byte, plus 1).
///
/// [`unpack`] gives the text back.
pub static HELP_PACKED: [u8; PACKED.len] = {
    let mut buf = [0; PACKED.len];
    let mut i = 0;
    while i < buf.len() {
        buf[i] = PACKED.bytes[i];
        i += 1;
    }
    buf
};

const PACKED: Packed<{ NAMES.len() + HELP_LEN }> = pack(&DICT_AND_HELP, NAMES.len());

/// [`NAMES`] and then [`HELP`], what [`pack`] reads.
const DICT_AND_HELP: [u8; NAMES.len() + HELP_LEN] = {
    let mut all = [0; NAMES.len() + HELP_LEN];
    let mut i = 0;
    while i < all.len() {
        all[i] = if i < NAMES.len() {
            NAMES.as_bytes()[i]
        } else {
            HELP_BYTES[i - NAMES.len()]
        };
        i += 1;
    }
    all
};

/// A packed text: its first `len` bytes of `bytes` (packing never grows a text).
pub(super) struct Packed<const N: usize> {
    pub(super) bytes: [u8; N],
    pub(super) len: usize,
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

/// Packs `text[start..]` (printable ASCII and newlines) in the form [`HELP_PACKED`]
/// describes, its copies reaching back into `text[..start]` too, the dictionary (`N` at least
/// `text.len()`, which is less than 65,535), with the fewest bytes for the copies it finds:
/// a pass that finds the longest copy at each position, then one from the end that picks,
/// at each position, the code that leaves the fewest bytes to the end.
pub(super) const fn pack<const N: usize>(text: &[u8], start: usize) -> Packed<N> {
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
                    assert!(c >= b' ' && c <= b'~', "the help is printable ASCII");
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
pub fn unpack(dict: &[u8], packed: &[u8]) -> alloc::vec::Vec<u8> {
    let mut text = alloc::vec::Vec::with_capacity(HELP_LEN);
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

/// The help, unpacked from [`HELP_PACKED`].
pub fn help() -> alloc::vec::Vec<u8> {
    unpack(NAMES.as_bytes(), &HELP_PACKED)
}

pub(super) const HELP_LEN: usize = render(&mut []);
const HELP_BYTES: [u8; HELP_LEN] = {
    let mut buf = [0; HELP_LEN];
    render(&mut buf);
    buf
};

/// A const-evaluable writer that counts what does not fit, so one pass sizes the buffer.
struct Out<'a> {
    buf: &'a mut [u8],
    len: usize,
    col: usize,
}

impl Out<'_> {
    const fn byte(&mut self, b: u8) {
        if self.len < self.buf.len() {
            self.buf[self.len] = b;
        }
        self.len += 1;
        self.col = if b == b'\n' { 0 } else { self.col + 1 };
    }

    const fn str(&mut self, s: &str) {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            self.byte(b[i]);
            i += 1;
        }
    }

    const fn pad_to(&mut self, col: usize) {
        while self.col < col {
            self.byte(b' ');
        }
    }

    /// Writes help text at `col`, indenting its continuation lines, then its default and
    /// variable: on the last line if they fit in [`WIDTH`], else on a line of their own (two
    /// lines if one is too narrow for both).
    const fn describe(&mut self, col: usize, help: &str, default: Preset, env: Option<&str>) {
        self.pad_to(col);
        let b = help.as_bytes();
        let mut i = 0;
        while i < b.len() {
            self.byte(b[i]);
            if b[i] == b'\n' {
                self.pad_to(col);
            }
            i += 1;
        }
        let shown = match default {
            Preset::Value(v) | Preset::Note(v) => Some(v),
            Preset::None => None,
        };
        let mut tail = 0;
        if let Some(v) = shown {
            tail += " [default: ]".len() + v.len();
        }
        if let Some(env) = env {
            tail += " [env: ]".len() + env.len();
        }
        let mut sep = " ";
        if tail > 0 && self.col + tail > WIDTH {
            self.byte(b'\n');
            self.pad_to(col);
            sep = "";
        }
        if let Some(v) = shown {
            self.str(sep);
            self.str("[default: ");
            self.str(v);
            self.byte(b']');
            sep = " ";
        }
        if let Some(env) = env {
            // A long default and variable, even on a line of their own, take two.
            if self.col + sep.len() + "[env: ]".len() + env.len() > WIDTH {
                self.byte(b'\n');
                self.pad_to(col);
                sep = "";
            }
            self.str(sep);
            self.str("[env: ");
            self.str(env);
            self.byte(b']');
        }
        self.byte(b'\n');
    }
}

/// The width of an option's `  -x, --long VALUE` column.
const fn opt_width(o: &Opt) -> usize {
    let value = match o.value {
        Some(v) => 1 + v.len(),
        None => 0,
    };
    "  -x, --".len() + o.long.len() + value
}

/// Writes the help into `buf` as far as it fits; returns its full length.
const fn render(buf: &mut [u8]) -> usize {
    let mut col = "  [".len() + ROOT.name.len() + "]".len();
    let mut i = 0;
    while i < OPTIONS.len() {
        let w = opt_width(&OPTIONS[i]);
        if w > col {
            col = w;
        }
        i += 1;
    }
    col += 2;

    let mut out = Out {
        buf,
        len: 0,
        col: 0,
    };
    out.str(USAGE);
    out.str("\nArguments:\n  [");
    out.str(ROOT.name);
    out.byte(b']');
    out.describe(col, ROOT.help, ROOT.default, ROOT.env);
    out.str("\nOptions:\n");
    let mut i = 0;
    while i < OPTIONS.len() {
        let o = &OPTIONS[i];
        match o.short {
            Some(s) => {
                out.str("  -");
                out.byte(s);
                out.str(", --");
            }
            None => out.str("      --"),
        }
        out.str(o.long);
        if let Some(v) = o.value {
            out.byte(b' ');
            out.str(v);
        }
        out.describe(col, o.help, o.default, o.env);
        i += 1;
    }
    out.str(FOOTER);
    out.len
}
