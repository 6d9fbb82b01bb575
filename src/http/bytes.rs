//! Byte classes of the grammars staticd reads and writes, as bits of one 256-entry table
//! (a table per class cost 256 bytes each). Pure.

/// Visible bytes: VCHAR and obs-text (%x21-7E / %x80-FF), what a request target may hold.
pub const VISIBLE: u8 = 1 << 0;
/// `tchar` of RFC 9110 §5.6.2.
pub const TCHAR: u8 = 1 << 1;
/// Bytes nginx escapes inside quoted log fields: `"`, `\`, controls, DEL and non-ASCII.
pub const QUOTED_ESCAPE: u8 = 1 << 2;
/// The unquoted peer field of a log line also escapes spaces, which would otherwise
/// shift every column.
pub const PEER_ESCAPE: u8 = 1 << 3;
/// Bytes that stand for themselves in a relative href: unreserved plus the sub-delims
/// and `@` that are harmless in a path segment and inside a double-quoted attribute.
pub const HREF_SAFE: u8 = 1 << 4;
/// ASCII bytes that cannot go into HTML text as they are: markup, quotes, C0 controls
/// and DEL.
pub const TEXT_SPECIAL: u8 = 1 << 5;
/// `uri-host [":" port]` (RFC 3986 reg-name, IPv4, IP-literal): no userinfo, no path.
pub const HOST: u8 = 1 << 6;
/// SP and HTAB, which a field value may hold besides [`VISIBLE`] bytes (RFC 9110 §5.5).
pub const BLANK: u8 = 1 << 7;

static TABLE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut bits = 0;
        if c >= 0x21 && c != 0x7f {
            bits |= VISIBLE;
        }
        if crate::http::request::is_tchar(c) {
            bits |= TCHAR;
        }
        if c < 0x20 || c >= 0x7f || c == b'"' || c == b'\\' {
            bits |= QUOTED_ESCAPE | PEER_ESCAPE;
        }
        if c == b' ' {
            bits |= PEER_ESCAPE;
        }
        if c.is_ascii_alphanumeric()
            || matches!(c, b'-' | b'.' | b'_' | b'~')
            || matches!(
                c,
                b'!' | b'$' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b'@'
            )
        {
            bits |= HREF_SAFE;
        }
        if c < 0x20 || c == 0x7f || matches!(c, b'&' | b'<' | b'>' | b'"' | b'\'') {
            bits |= TEXT_SPECIAL;
        }
        if crate::http::request::is_host(c) {
            bits |= HOST;
        }
        if c == b' ' || c == b'\t' {
            bits |= BLANK;
        }
        t[i] = bits;
        i += 1;
    }
    t
};

/// Whether `b` is in `class` (one of this module's constants, or several or-ed).
#[inline(always)]
pub fn is(b: u8, class: u8) -> bool {
    TABLE[usize::from(b)] & class != 0
}

/// etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3): a visible byte but `"`.
#[inline(always)]
pub fn is_etagc(b: u8) -> bool {
    b != b'"' && is(b, VISIBLE)
}

/// Whether `a` and `b` are equal but for ASCII case: the one comparison of names, tokens and
/// schemes (the standard library's is vectorised into several times the code, and these
/// strings are a few bytes long).
pub fn eq_ignore_case(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while let (Some(x), Some(y)) = (a.get(i), b.get(i)) {
        if !x.eq_ignore_ascii_case(y) {
            return false;
        }
        i += 1;
    }
    true
}

/// The index of `name` (in any case) among the space-separated words of `list`: one
/// string for a list of names rather than a table of pointers or a comparison per name.
pub fn index_in(list: &[u8], name: &[u8]) -> Option<usize> {
    let mut rest = list;
    let mut i = 0;
    loop {
        let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
        if eq_ignore_case(rest.get(..end).unwrap_or_default(), name) {
            return Some(i);
        }
        rest = rest.get(end + 1..)?;
        i += 1;
    }
}

/// `s` up to its first `sep`, and what follows that `sep` if there is one: how
/// addresses, `--user`, /etc/passwd and /proc lines and the metrics families
/// are taken apart.
pub fn cut(s: &[u8], sep: u8) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&b| b == sep) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_splits_at_the_first_separator_only() {
        assert_eq!(cut(b"a:b:c", b':'), (&b"a"[..], Some(&b"b:c"[..])));
        assert_eq!(cut(b":x", b':'), (&b""[..], Some(&b"x"[..])));
        assert_eq!(cut(b"x:", b':'), (&b"x"[..], Some(&b""[..])));
        assert_eq!(cut(b"abc", b':'), (&b"abc"[..], None));
        assert_eq!(cut(b"", b':'), (&b""[..], None));
    }

    #[test]
    fn eq_ignore_case_is_the_standard_comparison() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                assert_eq!(
                    eq_ignore_case(&[a, b'x'], &[b, b'X']),
                    [a].eq_ignore_ascii_case(&[b])
                );
            }
        }
        assert!(eq_ignore_case(b"Content-Length", b"content-LENGTH"));
        assert!(!eq_ignore_case(b"host", b"hosts"));
        assert!(!eq_ignore_case(b"hosts", b"host"));
        assert!(eq_ignore_case(b"", b""));
    }

    #[test]
    fn index_in_finds_whole_words_in_any_case() {
        let list = b"identity gzip x-gzip *";
        assert_eq!(index_in(list, b"identity"), Some(0));
        assert_eq!(index_in(list, b"GZip"), Some(1));
        assert_eq!(index_in(list, b"X-GZIP"), Some(2));
        assert_eq!(index_in(list, b"*"), Some(3));
        for absent in [&b""[..], b"gz", b"gzipx", b"gzip ", b"identity gzip", b" "] {
            assert_eq!(index_in(list, absent), None, "{absent:?}");
        }
    }

    #[test]
    fn each_class_is_its_grammar() {
        for b in 0..=255u8 {
            let c = char::from(b);
            assert_eq!(
                is_etagc(b),
                b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80
            );
            let visible = (0x21..=0x7e).contains(&b) || b >= 0x80;
            assert_eq!(is(b, VISIBLE), visible);
            assert_eq!(is(b, VISIBLE | BLANK), visible || b == b' ' || b == b'\t');
            assert_eq!(
                is(b, HOST),
                b.is_ascii_alphanumeric() || "-._~%!$&'()*+,;=:[]".contains(c) && b < 0x80
            );
            assert_eq!(
                is(b, TCHAR),
                b.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c) && b < 0x80
            );
            let quoted = !(0x20..0x7f).contains(&b) || b == b'"' || b == b'\\';
            assert_eq!(is(b, QUOTED_ESCAPE), quoted);
            assert_eq!(is(b, PEER_ESCAPE), quoted || b == b' ');
            assert_eq!(
                is(b, HREF_SAFE),
                b.is_ascii_alphanumeric() || "-._~!$()*+,;=@".contains(c) && b < 0x80
            );
            assert_eq!(
                is(b, TEXT_SPECIAL),
                b < 0x20 || b == 0x7f || "&<>\"'".contains(c) && b < 0x80
            );
        }
    }
}
