//! Content-coding negotiation: reads `Accept-Encoding` (RFC 9110 §12.5.3) into a q-value per
//! coding staticd can send, and picks which stored variant of a file to serve. Pure: no
//! allocation, no system calls.
//!
//! Decisions where the RFC leaves room or real clients stray from the grammar:
//! - No `Accept-Encoding` field, or an empty one: identity only. RFC 9110 lets a server send
//!   any coding to a client that sends no field, but like nginx we compress only for clients
//!   that ask (an empty field explicitly means "no coding" anyway).
//! - Identity mentioned neither by name nor through `*` is acceptable but ranks below every
//!   coding the client listed with q > 0, so `gzip;q=0.5` gets gzip (as with nginx and Caddy).
//!   [`Accepted::q`] still reports 1000 for it. Naming it (`identity`, `*`) gives it the stated
//!   q like any other coding; `identity;q=0`, or `*;q=0` without `identity`, refuses it.
//! - A coding listed twice keeps its highest q (`x-gzip` counts as `gzip`); `*` likewise.
//! - Malformed elements are dropped one by one, never the whole field: a byte outside the
//!   token grammar, whitespace around `=` (RFC 9110 §5.6.6 forbids it), a `q` that is not a
//!   qvalue (above 1, more than three decimals, quoted, empty), a second `q`, junk after a
//!   value. An unterminated quoted string swallows the rest of the field.
//! - Parameters other than `q` are skipped (the Accept-Encoding grammar allows only the weight,
//!   but `gzip;level=1;q=0.3`-style extensions are harmless). Empty parameters (`gzip;`) are
//!   allowed, as in RFC 9110's `parameters` rule. Unknown codings are ignored.
//! - Among acceptable codings of equal q, [`choose`] prefers br, zstd, gzip, deflate, then
//!   identity, by a fixed order rather than by size.

use super::bytes::index_in;

/// A content coding staticd can serve a representation in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Coding {
    /// No transformation.
    Identity,
    /// gzip (RFC 1952); `x-gzip` is accepted as an alias.
    Gzip,
    /// HTTP "deflate": the zlib format (RFC 1950).
    Deflate,
    /// Brotli (RFC 7932).
    Br,
    /// Zstandard (RFC 8878).
    Zstd,
}

impl Coding {
    /// Every coding, in discriminant order.
    pub const ALL: [Coding; 5] = [
        Coding::Identity,
        Coding::Gzip,
        Coding::Deflate,
        Coding::Br,
        Coding::Zstd,
    ];

    /// The token that names this coding in `Content-Encoding` and `Accept-Encoding`.
    #[must_use]
    pub const fn token(self) -> &'static str {
        match self {
            Coding::Identity => "identity",
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Br => "br",
            Coding::Zstd => "zstd",
        }
    }

    /// A short name for ETag suffixes of variants in this coding.
    #[must_use]
    pub const fn suffix(self) -> &'static str {
        match self {
            Coding::Identity => "id",
            Coding::Gzip => "gz",
            Coding::Deflate => "zz",
            Coding::Br => "br",
            Coding::Zstd => "zst",
        }
    }

    /// Preference among acceptable codings of equal q: higher wins. br, zstd, gzip, deflate is
    /// the order nginx, Caddy and Apache use; identity comes last, so a client indifferent
    /// between a coding and identity gets the coding.
    const fn preference(self) -> u8 {
        match self {
            Coding::Br => 4,
            Coding::Zstd => 3,
            Coding::Gzip => 2,
            Coding::Deflate => 1,
            Coding::Identity => 0,
        }
    }
}

/// The highest q-value, 1.000, in thousandths.
const Q_MAX: u16 = 1000;

/// Marks a coding the field did not mention (q-values never exceed [`Q_MAX`]).
const UNLISTED: u16 = u16::MAX;

/// What a request's `Accept-Encoding` allows: a q-value in thousandths per coding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// Indexed by `Coding as usize`, `*` already applied.
    q: [u16; 5],
    /// Identity is acceptable only by default (neither named nor covered by `*`).
    implicit_identity: bool,
}

impl Accepted {
    /// The q-value of `c` in thousandths (0 = refused, 1000 = q=1).
    #[must_use]
    pub const fn q(&self, c: Coding) -> u16 {
        self.q[c as usize]
    }
}

/// Parses one `Accept-Encoding` field value; `None` (field absent) allows identity only.
#[must_use]
pub fn parse(header: Option<&[u8]>) -> Accepted {
    parse_fields(header)
}

/// Parses every `Accept-Encoding` field line of a request as one list (RFC 9110 §5.3).
#[must_use]
pub fn parse_fields<'a>(fields: impl IntoIterator<Item = &'a [u8]>) -> Accepted {
    let mut listed = [UNLISTED; SLOTS];
    for field in fields {
        parse_field(field, &mut listed);
    }
    accepted(&listed)
}

/// How many q-values a field can state: one per coding, in discriminant order, then `*`'s.
const SLOTS: usize = 6;
/// Where `*`'s q-value is kept (after the codings, as [`target`] names it).
const STAR: usize = 5;

/// The q-values the maxima in `listed` give, `*` applied; out of the generic
/// [`parse_fields`], so there is one copy for its callers.
fn accepted(listed: &[u16; SLOTS]) -> Accepted {
    let star = listed[STAR];
    let mut q = [0; 5];
    for (i, (out, &named)) in q.iter_mut().zip(listed).enumerate() {
        *out = if named != UNLISTED {
            named
        } else if star != UNLISTED {
            star
        } else if i == Coding::Identity as usize {
            Q_MAX
        } else {
            0
        };
    }
    Accepted {
        q,
        implicit_identity: listed[Coding::Identity as usize] == UNLISTED && star == UNLISTED,
    }
}

/// Which variant to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Send the variant in this coding.
    Use(Coding),
    /// No available variant is acceptable.
    NotAcceptable,
}

/// Picks from the codings `available`: highest q, then br > zstd > gzip > deflate > identity;
/// identity acceptable only by default ranks below any listed coding. Sizes play no part: a
/// client that gives gzip and deflate the same q gets gzip, though deflate is a few bytes
/// smaller, as from every major server (deflate has a history of broken clients).
#[must_use]
pub fn choose(accepted: &Accepted, available: &[Coding]) -> Choice {
    let mut best: Option<(u16, u8, Coding)> = None;
    for &c in available {
        let q = accepted.q(c);
        if q == 0 {
            continue;
        }
        // Listed codings have q >= 1, so rank 0 puts a default identity below all of them.
        let rank = if c == Coding::Identity && accepted.implicit_identity {
            0
        } else {
            q
        };
        let key = (rank, c.preference());
        if best.is_none_or(|(r, p, _)| key > (r, p)) {
            best = Some((rank, c.preference(), c));
        }
    }
    match best {
        Some((_, _, c)) => Choice::Use(c),
        None => Choice::NotAcceptable,
    }
}

/// Folds one field value into the per-coding maxima (and `*`'s).
fn parse_field(s: &[u8], listed: &mut [u16; SLOTS]) {
    let mut i = 0;
    loop {
        let (element, end) = element(s, i);
        if let Some((Some(slot), q)) = element
            && let Some(slot) = listed.get_mut(slot)
        {
            *slot = if *slot == UNLISTED { q } else { q.max(*slot) };
        }
        if end >= s.len() {
            return;
        }
        i = end + 1;
    }
}

/// Parses the list element starting at `i`: returns it (None if empty or malformed) and the
/// index of the comma that ends it, or `s.len()`.
fn element(s: &[u8], i: usize) -> (Option<(Option<usize>, u16)>, usize) {
    let mut i = skip_ows(s, i);
    let tok_end = token_end(s, i);
    if tok_end == i {
        return match s.get(i) {
            None | Some(b',') => (None, i),
            Some(_) => (None, recover(s, i, false)),
        };
    }
    let target = target(s.get(i..tok_end).unwrap_or_default());
    i = tok_end;
    let mut q = None;
    loop {
        i = skip_ows(s, i);
        match s.get(i) {
            None | Some(b',') => return (Some((target, q.unwrap_or(Q_MAX))), i),
            Some(b';') => i = skip_ows(s, i + 1),
            Some(_) => return (None, recover(s, i, false)),
        }
        if matches!(s.get(i), None | Some(b',' | b';')) {
            continue;
        }
        let name_end = token_end(s, i);
        if name_end == i || s.get(name_end) != Some(&b'=') {
            return (None, recover(s, name_end, false));
        }
        let is_q = matches!(s.get(i..name_end), Some([b'q' | b'Q']));
        let value = name_end + 1;
        if s.get(value) == Some(&b'"') {
            match quoted_end(s, value + 1) {
                // A quoted q is not a qvalue.
                Ok(end) if is_q => return (None, recover(s, end, false)),
                Ok(end) => i = end,
                Err(at) => return (None, recover(s, at, true)),
            }
            continue;
        }
        let value_end = token_end(s, value);
        if value_end == value {
            return (None, recover(s, value, false));
        }
        if is_q {
            match (q, qvalue(s.get(value..value_end).unwrap_or_default())) {
                (None, Some(v)) => q = Some(v),
                _ => return (None, recover(s, value_end, false)),
            }
        }
        i = value_end;
    }
}

/// The slot in the maxima a coding token names, case-insensitively; `None` for a coding
/// staticd does not know.
fn target(tok: &[u8]) -> Option<usize> {
    // The codings in discriminant order, then `*` and the alias.
    match index_in(b"identity gzip deflate br zstd * x-gzip", tok)? {
        6 => Some(Coding::Gzip as usize),
        i => Some(i),
    }
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
fn qvalue(v: &[u8]) -> Option<u16> {
    let (&int, rest) = v.split_first()?;
    let frac = match rest {
        [] => &[][..],
        [b'.', frac @ ..] if frac.len() <= 3 => frac,
        _ => return None,
    };
    // The decimals padded to three: `0.5` is 500 thousandths.
    let mut q: u16 = 0;
    for i in 0..3 {
        let d = match frac.get(i) {
            Some(&d) if d.is_ascii_digit() => d - b'0',
            Some(_) => return None,
            None => 0,
        };
        q = q * 10 + u16::from(d);
    }
    match int {
        b'0' => Some(q),
        b'1' if q == 0 => Some(Q_MAX),
        _ => None,
    }
}

/// Skips a malformed element up to its ending comma, honouring quoted strings, from `i`
/// (inside a quoted string if `in_quote`); returns the comma's index or `s.len()`.
fn recover(s: &[u8], i: usize, in_quote: bool) -> usize {
    let mut in_quote = in_quote;
    let mut escaped = false;
    for (at, &b) in s.iter().enumerate().skip(i) {
        if escaped {
            escaped = false;
        } else if in_quote {
            match b {
                b'\\' => escaped = true,
                b'"' => in_quote = false,
                _ => {}
            }
        } else {
            match b {
                b',' => return at,
                b'"' => in_quote = true,
                _ => {}
            }
        }
    }
    s.len()
}

/// Scans a quoted string whose opening quote precedes `i`: `Ok(index after the closing quote)`,
/// or `Err(index)` of a byte not allowed there (or `s.len()` if unterminated).
pub(crate) fn quoted_end(s: &[u8], i: usize) -> Result<usize, usize> {
    let mut at = i;
    while let Some(&b) = s.get(at) {
        match b {
            b'"' => return Ok(at + 1),
            b'\\' => match s.get(at + 1) {
                Some(&e) if e == b'\t' || (e >= b' ' && e != 0x7f) => at += 2,
                Some(_) => return Err(at + 1),
                None => return Err(s.len()),
            },
            b'\t' | b' ' | 0x21..=0x7e | 0x80..=0xff => at += 1,
            _ => return Err(at),
        }
    }
    Err(s.len())
}

/// Index of the first byte at or after `i` that is not SP or HTAB.
pub(crate) fn skip_ows(s: &[u8], i: usize) -> usize {
    let rest = s.get(i..).unwrap_or_default();
    i + rest
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(rest.len())
}

/// Index of the first byte at or after `i` that is not a `tchar`.
pub(crate) fn token_end(s: &[u8], i: usize) -> usize {
    let rest = s.get(i..).unwrap_or_default();
    i + rest
        .iter()
        .position(|&b| !super::bytes::is(b, super::bytes::TCHAR))
        .unwrap_or(rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;
    use Choice::{NotAcceptable, Use};
    use Coding::{Br, Deflate, Gzip, Identity, Zstd};

    /// What the cache typically holds for a text file: gzip and deflate made at fill.
    const SET_A: &[Coding] = &[Identity, Gzip, Deflate];
    /// Plus precompressed brotli and zstd sidecars.
    const SET_B: &[Coding] = &[Identity, Gzip, Deflate, Br, Zstd];

    const NA: Choice = NotAcceptable;
    const I: Choice = Use(Identity);
    const G: Choice = Use(Gzip);
    const D: Choice = Use(Deflate);
    const B: Choice = Use(Br);
    const Z: Choice = Use(Zstd);

    /// Field, q of [identity, gzip, deflate, br, zstd], identity implicit, choice in SET_A,
    /// choice in SET_B.
    type Row = (&'static [u8], [u16; 5], bool, Choice, Choice);

    #[rustfmt::skip]
    const TABLE: &[Row] = &[
        // Real clients.
        (b"gzip, deflate, br, zstd", [1000, 1000, 1000, 1000, 1000], true, G, B), // Chrome, Firefox 126+
        (b"gzip, deflate, br", [1000, 1000, 1000, 1000, 0], true, G, B), // Safari, older Firefox
        (b"deflate, gzip, br, zstd", [1000, 1000, 1000, 1000, 1000], true, G, B), // curl --compressed
        (b"deflate, gzip", [1000, 1000, 1000, 0, 0], true, G, G), // older curl
        (b"gzip, deflate", [1000, 1000, 1000, 0, 0], true, G, G), // IE, python-requests
        (b"gzip,deflate,sdch", [1000, 1000, 1000, 0, 0], true, G, G), // old Chrome
        (b"gzip, deflate, br, dcb, dcz", [1000, 1000, 1000, 1000, 0], true, G, B),
        (b"identity", [1000, 0, 0, 0, 0], false, I, I), // wget
        (b"gzip;q=1.0, deflate;q=0.6, identity;q=0.3", [300, 1000, 600, 0, 0], false, G, G), // Java
        (b"br;q=1.0, gzip;q=0.8, *;q=0.1", [100, 800, 100, 1000, 100], false, G, B),
        (b"gzip", [1000, 1000, 0, 0, 0], true, G, G), // Go net/http
        (b"*", [1000, 1000, 1000, 1000, 1000], false, G, B),
        // Refusing identity.
        (b"identity;q=0", [0, 0, 0, 0, 0], false, NA, NA),
        (b"Identity;Q=0", [0, 0, 0, 0, 0], false, NA, NA),
        (b"*;q=0", [0, 0, 0, 0, 0], false, NA, NA),
        (b"*;q=0.000", [0, 0, 0, 0, 0], false, NA, NA),
        (b"*;q=0, identity", [1000, 0, 0, 0, 0], false, I, I),
        (b"*;q=0, gzip", [0, 1000, 0, 0, 0], false, G, G),
        (b"*;q=0, x-gzip;q=0.5", [0, 500, 0, 0, 0], false, G, G),
        (b"identity;q=0, gzip", [0, 1000, 0, 0, 0], false, G, G),
        (b"identity;q=0, br", [0, 0, 0, 1000, 0], false, NA, B),
        (b"identity;q=0, *;q=0.5", [0, 500, 500, 500, 500], false, G, B),
        (b"*, identity;q=0", [0, 1000, 1000, 1000, 1000], false, G, B),
        (b"gzip;q=0.000, identity;q=0.000", [0, 0, 0, 0, 0], false, NA, NA),
        (b"gzip;q=1.0, identity; q=0.5, *;q=0", [500, 1000, 0, 0, 0], false, G, G),
        (b"identity, *;q=0", [1000, 0, 0, 0, 0], false, I, I),
        // `*` against named codings.
        (b"gzip;q=0, *", [1000, 0, 1000, 1000, 1000], false, D, B),
        (b"*;q=0.3, gzip", [300, 1000, 300, 300, 300], false, G, G),
        (b"identity;q=0.5, *;q=0.5", [500, 500, 500, 500, 500], false, G, B),
        (b"*;q=0.5, identity;q=0.6", [600, 500, 500, 500, 500], false, I, I),
        (b"gzip;q=0.5, *;q=0.8", [800, 500, 800, 800, 800], false, D, B),
        // Implicit identity ranks below anything listed.
        (b"gzip;q=0.5", [1000, 500, 0, 0, 0], true, G, G),
        (b"gzip;q=0.001", [1000, 1, 0, 0, 0], true, G, G),
        (b"gzip;q=0.5, identity", [1000, 500, 0, 0, 0], false, I, I),
        (b"gzip;q=1, deflate;q=1, identity;q=1", [1000, 1000, 1000, 0, 0], false, G, G),
        (b"br", [1000, 0, 0, 1000, 0], true, I, B),
        (b"zstd", [1000, 0, 0, 0, 1000], true, I, Z),
        (b"zstd, br", [1000, 0, 0, 1000, 1000], true, I, B),
        (b"zstd;q=1, br;q=0.999", [1000, 0, 0, 999, 1000], true, I, Z),
        (b"br;q=0, gzip;q=0", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=0", [1000, 0, 0, 0, 0], true, I, I),
        (b"deflate;q=0.5, gzip;q=0.6", [1000, 600, 500, 0, 0], true, G, G),
        (b"deflate;q=0.6, gzip;q=0.6", [1000, 600, 600, 0, 0], true, G, G),
        // Case and aliases.
        (b"GZIP", [1000, 1000, 0, 0, 0], true, G, G),
        (b"x-gzip", [1000, 1000, 0, 0, 0], true, G, G),
        (b"X-Gzip;q=0.8", [1000, 800, 0, 0, 0], true, G, G),
        (b"gzip;Q=0.5", [1000, 500, 0, 0, 0], true, G, G),
        (b"BR, Zstd, DEFLATE", [1000, 0, 1000, 1000, 1000], true, D, B),
        // Duplicates keep the highest q.
        (b"gzip, gzip;q=0", [1000, 1000, 0, 0, 0], true, G, G),
        (b"gzip;q=0, x-gzip;q=0.4", [1000, 400, 0, 0, 0], true, G, G),
        (b"*;q=0, *;q=0.2", [200, 200, 200, 200, 200], false, G, B),
        // qvalue grammar.
        (b"gzip;q=1.", [1000, 1000, 0, 0, 0], true, G, G),
        (b"gzip;q=1.000", [1000, 1000, 0, 0, 0], true, G, G),
        (b"gzip;q=0.", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=0.12", [1000, 120, 0, 0, 0], true, G, G),
        (b"gzip;q=0.999", [1000, 999, 0, 0, 0], true, G, G),
        (b"gzip;q=1.0001", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=1.001", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=0.1234", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=2", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=.5", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=-1", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=+1", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=01", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=1e0", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=0,5", [1000, 0, 0, 0, 0], true, I, I), // `5` is an unknown coding
        (b"gzip;q=", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=\"0.5\"", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=0.5;q=1", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=0.5garbage", [1000, 0, 0, 0, 0], true, I, I),
        // Whitespace.
        (b" gzip ; q = 0.5 ", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q =0.5", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q= 0.5", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip ;q=0.5", [1000, 500, 0, 0, 0], true, G, G),
        (b"gzip; q=0.5", [1000, 500, 0, 0, 0], true, G, G),
        (b"gzip;q=0.5 , br", [1000, 500, 0, 1000, 0], true, G, B),
        (b"\tgzip\t,\tdeflate\t", [1000, 1000, 1000, 0, 0], true, G, G),
        (b"", [1000, 0, 0, 0, 0], true, I, I),
        (b"   ", [1000, 0, 0, 0, 0], true, I, I),
        (b",,, ,", [1000, 0, 0, 0, 0], true, I, I),
        (b", gzip ,, br,", [1000, 1000, 0, 1000, 0], true, G, B),
        // Other parameters.
        (b"gzip;level=1;q=0.3", [1000, 300, 0, 0, 0], true, G, G),
        (b"gzip;q=0.4;level=9", [1000, 400, 0, 0, 0], true, G, G),
        (b"gzip;level=\"9\";q=0.4", [1000, 400, 0, 0, 0], true, G, G),
        (b"gzip;", [1000, 1000, 0, 0, 0], true, G, G),
        (b"gzip;;q=0.2", [1000, 200, 0, 0, 0], true, G, G),
        (b"gzip; ;q=0.2", [1000, 200, 0, 0, 0], true, G, G),
        (b"gzip;foo=\"a,b;q=0\", deflate", [1000, 1000, 1000, 0, 0], true, G, G),
        (br#"gzip;foo="esc\"aped, q", br;q=0.7"#, [1000, 1000, 0, 700, 0], true, G, G),
        (b"gzip;foo=\"unterminated, br", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;foo=\"a\"junk, br", [1000, 0, 0, 1000, 0], true, I, B),
        (b"gzip;=1, br", [1000, 0, 0, 1000, 0], true, I, B),
        (b"gzip;foo=, br", [1000, 0, 0, 1000, 0], true, I, B),
        (b"gzip;foo, br", [1000, 0, 0, 1000, 0], true, I, B),
        // Unknown codings and malformed elements.
        (b"compress, gzip", [1000, 1000, 0, 0, 0], true, G, G),
        (b"compress", [1000, 0, 0, 0, 0], true, I, I),
        (b"utf-8", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip br", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip br, deflate", [1000, 0, 1000, 0, 0], true, D, D),
        (b";q=0.5", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip=1", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip;q=0.5 garbage", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip\xff, br", [1000, 0, 0, 1000, 0], true, I, B),
        (b"\xffgzip, br", [1000, 0, 0, 1000, 0], true, I, B),
        (b"gzip\r\n", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip\0, br", [1000, 0, 0, 1000, 0], true, I, B),
        (b"\"gzip\", br", [1000, 0, 0, 1000, 0], true, I, B), // the comma after the quotes ends it
        (b"gzip/1, br", [1000, 0, 0, 1000, 0], true, I, B),
        (b"*gzip", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzip*", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzi", [1000, 0, 0, 0, 0], true, I, I),
        (b"gzipp", [1000, 0, 0, 0, 0], true, I, I),
        (b"x-br", [1000, 0, 0, 0, 0], true, I, I),
    ];

    #[test]
    fn table() {
        assert!(TABLE.len() >= 60);
        for &(field, q, implicit, a, b) in TABLE {
            let name = String::from_utf8_lossy(field);
            let acc = parse(Some(field));
            let got: Vec<u16> = Coding::ALL.iter().map(|&c| acc.q(c)).collect();
            assert_eq!(got, q, "q for {name:?}");
            assert_eq!(acc.implicit_identity, implicit, "implicit for {name:?}");
            assert_eq!(choose(&acc, SET_A), a, "set A for {name:?}");
            assert_eq!(choose(&acc, SET_B), b, "set B for {name:?}");
            // The order of `available` never matters.
            let mut rev = SET_B.to_vec();
            rev.reverse();
            assert_eq!(choose(&acc, &rev), b, "reversed set B for {name:?}");
        }
    }

    #[test]
    fn absent_means_identity_only() {
        let acc = parse(None);
        assert_eq!(acc, parse(Some(b"")));
        assert_eq!(acc.q(Identity), 1000);
        for c in [Gzip, Deflate, Br, Zstd] {
            assert_eq!(acc.q(c), 0);
        }
        assert_eq!(choose(&acc, SET_B), I);
        assert_eq!(choose(&acc, &[Gzip]), NA);
    }

    #[test]
    fn tokens() {
        let tokens: Vec<&str> = Coding::ALL.iter().map(|c| c.token()).collect();
        assert_eq!(tokens, ["identity", "gzip", "deflate", "br", "zstd"]);
        for (i, c) in Coding::ALL.into_iter().enumerate() {
            assert_eq!(c as usize, i);
            // A coding's own token, in any case, names it alone.
            for field in [c.token().to_owned(), c.token().to_ascii_uppercase()] {
                let acc = parse(Some(field.as_bytes()));
                for other in Coding::ALL {
                    let want = if other == c || other == Identity {
                        1000
                    } else {
                        0
                    };
                    assert_eq!(acc.q(other), want, "{field} / {other:?}");
                }
            }
        }
    }

    #[test]
    fn every_qvalue() {
        for n in 0..=1000u16 {
            let forms = [
                format!("{}.{:03}", n / 1000, n % 1000),
                format!("{}", f64::from(n) / 1000.0),
            ];
            for form in forms {
                let field = format!("br;q={form}");
                assert_eq!(parse(Some(field.as_bytes())).q(Br), n, "{field}");
            }
        }
        for bad in [
            "1.1", "1.01", "1.0001", "0.0000", "00", "10", "2", "9", "0.a", "1.x", "0..1",
        ] {
            let field = format!("br;q={bad}");
            assert_eq!(parse(Some(field.as_bytes())).q(Br), 0, "{field}");
        }
        assert_eq!(qvalue(b""), None);
        assert_eq!(qvalue(b"."), None);
        assert_eq!(qvalue(b"0"), Some(0));
        assert_eq!(qvalue(b"0.5"), Some(500));
        assert_eq!(qvalue(b"0.05"), Some(50));
        assert_eq!(qvalue(b"0.005"), Some(5));
        assert_eq!(qvalue(b"1.00"), Some(1000));
        assert_eq!(qvalue(b"0."), Some(0));
        assert_eq!(qvalue(b"1."), Some(1000));
        assert_eq!(qvalue(b"1.000"), Some(1000));
        for bad in [
            &b".5"[..],
            b"1.001",
            b"0.5x",
            b"0.-1",
            b"0,5",
            b"-0",
            b"0.1234",
        ] {
            assert_eq!(qvalue(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn equal_q_follows_preference() {
        let all = parse(Some(b"*"));
        // Whatever the order offered.
        for set in [
            [Identity, Deflate, Gzip, Zstd, Br],
            [Br, Zstd, Gzip, Deflate, Identity],
            [Gzip, Identity, Br, Deflate, Zstd],
        ] {
            assert_eq!(choose(&all, &set), B);
            let without = |gone: &[Coding]| -> Vec<Coding> {
                set.iter().copied().filter(|c| !gone.contains(c)).collect()
            };
            assert_eq!(choose(&all, &without(&[Br])), Z);
            assert_eq!(choose(&all, &without(&[Br, Zstd])), G);
            assert_eq!(choose(&all, &without(&[Br, Zstd, Gzip])), D);
            assert_eq!(choose(&all, &without(&[Br, Zstd, Gzip, Deflate])), I);
        }
        // Every pair of codings at equal q, named or through `*`.
        let order = [Br, Zstd, Gzip, Deflate];
        for (i, &hi) in order.iter().enumerate() {
            for &lo in &order[i + 1..] {
                let field = format!("{}, {}", lo.token(), hi.token());
                let acc = parse(Some(field.as_bytes()));
                assert_eq!(choose(&acc, &[lo, hi]), Use(hi), "{field}");
                assert_eq!(choose(&acc, &[Identity, hi, lo]), Use(hi), "{field}");
            }
        }
        // q beats preference, both ways.
        let q = parse(Some(b"br;q=0.9, gzip;q=0.8, identity"));
        assert_eq!(choose(&q, &[Identity, Br, Gzip]), I);
        let q = parse(Some(b"gzip, deflate;q=0.9"));
        assert_eq!(choose(&q, &[Deflate, Gzip]), G);
        let q = parse(Some(b"gzip;q=0.9, deflate"));
        assert_eq!(choose(&q, &[Deflate, Gzip]), D);
        let q = parse(Some(b"br;q=0.9, gzip;q=0.8"));
        assert_eq!(choose(&q, &[Identity, Br, Gzip]), B);
        // A default identity loses to a listed coding of any q.
        let q = parse(Some(b"deflate;q=0.001"));
        assert_eq!(choose(&q, &[Identity, Deflate]), D);
        // An explicit identity at equal q loses to the coding.
        let q = parse(Some(b"identity, gzip"));
        assert_eq!(choose(&q, &[Gzip, Identity]), G);
        // The same coding offered twice is still that coding.
        assert_eq!(choose(&q, &[Gzip, Identity, Gzip]), G);
    }

    #[test]
    fn nothing_available() {
        assert_eq!(choose(&parse(Some(b"*")), &[]), NA);
        assert_eq!(choose(&parse(None), &[]), NA);
        assert_eq!(choose(&parse(Some(b"gzip")), &[Br, Zstd]), NA);
        assert_eq!(choose(&parse(Some(b"gzip")), &[Br, Identity]), I);
    }

    #[test]
    fn several_field_lines() {
        let acc = parse_fields([&b"gzip;q=0.2"[..], b"br", b""]);
        assert_eq!(acc, parse(Some(b"gzip;q=0.2, br")));
        let acc = parse_fields([&b"gzip"[..], b"identity;q=0"]);
        assert_eq!(acc.q(Identity), 0);
        assert_eq!(acc.q(Gzip), 1000);
        // A quote left open in one line does not leak into the next.
        let acc = parse_fields([&b"gzip;a=\"open"[..], b"br"]);
        assert_eq!((acc.q(Gzip), acc.q(Br)), (0, 1000));
        assert_eq!(parse_fields(core::iter::empty::<&[u8]>()), parse(None));
    }

    #[test]
    fn every_single_byte() {
        for b in 0..=255u8 {
            let field = [b];
            let acc = parse(Some(&field));
            let want_star = b == b'*';
            for c in Coding::ALL {
                let want = if want_star || c == Identity { 1000 } else { 0 };
                assert_eq!(acc.q(c), want, "byte {b:#04x} / {c:?}");
            }
            assert_eq!(
                crate::http::bytes::is(b, crate::http::bytes::TCHAR),
                b"!#$%&'*+-.^_`|~".contains(&b) || b.is_ascii_alphanumeric()
            );
            // Any byte glued to a valid element kills only that element.
            let mut field = b"gzip".to_vec();
            field.push(b);
            field.extend_from_slice(b", br");
            let acc = parse(Some(&field));
            let gzip_ok = matches!(b, b' ' | b'\t' | b',' | b';');
            assert_eq!(
                acc.q(Gzip),
                if gzip_ok { 1000 } else { 0 },
                "gzip{b:#04x}, br"
            );
            // A quote opens a string that swallows `, br`.
            assert_eq!(
                acc.q(Br),
                if b == b'"' { 0 } else { 1000 },
                "gzip{b:#04x}, br"
            );
        }
    }

    #[test]
    fn quoted_strings() {
        assert_eq!(quoted_end(b"\"ab\"", 1), Ok(4));
        assert_eq!(quoted_end(b"\"a\\\"b\"", 1), Ok(6));
        assert_eq!(quoted_end(b"\"a\\", 1), Err(3));
        assert_eq!(quoted_end(b"\"ab", 1), Err(3));
        assert_eq!(quoted_end(b"\"a\x01b\"", 1), Err(2));
        assert_eq!(quoted_end(b"\"a\\\x01b\"", 1), Err(3));
        assert_eq!(quoted_end(b"\"\xe9\t \"", 1), Ok(5));
        // A bad byte inside quotes: recovery stays in the string, so its comma is not the end.
        let acc = parse(Some(b"gzip;a=\"x\x01,y\", br"));
        assert_eq!((acc.q(Gzip), acc.q(Br)), (0, 1000));
        let acc = parse(Some(b"gzip;a=\"x\\\x01,y\", br"));
        assert_eq!((acc.q(Gzip), acc.q(Br)), (0, 1000));
        assert_eq!(recover(b"a,b", 0, false), 1);
        assert_eq!(recover(b"a,b", 0, true), 3);
        assert_eq!(recover(b"a\",\"b,c", 0, false), 5);
        assert_eq!(recover(b"a\\\",b", 0, true), 5);
        assert_eq!(recover(b"ab", 7, false), 2);
    }

    #[test]
    fn fuzz_never_panics_and_stays_in_range() {
        const ALPHABET: &[u8] = b"gzipdeflatebrzstdidentity*x-q=0.15;, \t\"\\\xff\x00";
        let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
        for _ in 0..200_000 {
            let len = rng.index(24);
            let field: Vec<u8> = (0..len)
                .map(|_| {
                    let r = rng.next();
                    if r.is_multiple_of(8) {
                        (r >> 8) as u8
                    } else {
                        ALPHABET[(r >> 8) as usize % ALPHABET.len()]
                    }
                })
                .collect();
            let acc = parse(Some(&field));
            for c in Coding::ALL {
                assert!(acc.q(c) <= 1000, "{field:?}");
            }
            match choose(&acc, SET_B) {
                Use(c) => assert!(acc.q(c) > 0, "{field:?}"),
                NotAcceptable => assert!(Coding::ALL.iter().all(|&c| acc.q(c) == 0), "{field:?}"),
            }
            // Splitting a field at any comma into two lines changes nothing (outside quotes).
            if !field.contains(&b'"')
                && let Some(at) = field.iter().position(|&b| b == b',')
            {
                assert_eq!(
                    parse_fields([&field[..at], &field[at + 1..]]),
                    acc,
                    "{field:?}"
                );
            }
        }
    }

    #[test]
    fn every_prefix_of_real_fields() {
        for &(field, ..) in TABLE {
            for end in 0..=field.len() {
                let acc = parse(Some(&field[..end]));
                assert!(Coding::ALL.iter().all(|&c| acc.q(c) <= 1000));
            }
        }
    }
}
