//! [`HELP`], rendered from the option table at compile time: each option's spellings, its
//! help lines, then its default and variable, which go on the last line when they fit; and
//! packed there into [`HELP_PACKED`], which [`help`] unpacks.

use super::{NAMES, OPTIONS, Opt, Preset, ROOT};
use crate::text::pack::{Packed, pack, unpack};

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

/// [`HELP`] as the binary holds it, packed by [`pack`] to about a third of its size: the help
/// repeats itself a lot (its columns, `[default: `, `[env: STATICD_`), and copies may also
/// reach back into the option names, defaults and variables the parser keeps ([`NAMES`], the
/// dictionary the packing starts from). [`help`] unpacks it.
pub static HELP_PACKED: [u8; PACKED.len] = PACKED.bytes();

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
