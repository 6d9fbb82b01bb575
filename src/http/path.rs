//! Request-target handling: splits a raw request-target into path and query and turns the
//! still-encoded path into a safe path relative to the served root. Makes no system calls.
//!
//! Rules applied by [`normalize`], in this order, in one pass:
//! - Percent-decoding comes first, so `%2F` is an ordinary slash and `%2e%2e` is an ordinary `..`.
//!   That cannot escape the root, because dot-segments are resolved after decoding. Decoding happens
//!   once: `%252e` becomes the literal name `%2e`, never a dot.
//! - Dot-segments are resolved as in RFC 3986 `remove_dot_segments`: `..` at the root is dropped,
//!   so the result never climbs above the root. Empty segments (`//`) collapse.
//! - Any segment left that starts with `.` (dotfiles, `.git`, `.env`) is a 404, except a first
//!   segment that is exactly `.well-known` (RFC 8615: `security.txt`, ACME challenges, app
//!   associations live there). Below it, dot names are hidden as anywhere else; nothing else
//!   is special about it, so `..` out of it lands where `..` always does, and the result is
//!   checked after dot-segments are resolved, however they were spelt. [`is_hidden`] is the
//!   rule, for listings and the inotify watcher too.
//! - Backslash is an ordinary file-name byte (Linux does not treat it as a separator). Bytes that
//!   are not UTF-8 are kept as they are (Linux file names are bytes; `%c0%ae` is not a dot).
//!   NUL and the other control bytes (0x01-0x1F, 0x7F), literal or encoded, are a 400.

use crate::http::bytes::eq_ignore_case;
use alloc::vec::Vec;

/// Why a target was refused; each maps to one response status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Malformed target or path: answer 400.
    BadRequest,
    /// A hidden (dot-prefixed) path segment: answer 404.
    NotFound,
}

/// A request-target split into its still-encoded path and its optional query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// The raw path, still percent-encoded; always starts with `/`.
    pub path: &'a [u8],
    /// The query after `?` (without it), `Some(b"")` for a bare `?`; `None` without `?`.
    pub query: Option<&'a [u8]>,
}

/// Splits an origin-form (`/a?q`) or absolute-form (`http://host/a?q`) target into path and query.
///
/// The scheme of the absolute form is matched case-insensitively and may be `http` or `https`;
/// the authority is skipped (not checked against `Host`) but must not be empty; `http://host`
/// or `http://host?q` have the path `/`. A `#fragment` (which clients must not send) ends the
/// target. Asterisk-form, authority-form, relative and empty targets are [`Error::BadRequest`].
pub fn split_target(target: &[u8]) -> Result<Target<'_>, Error> {
    let target = match target.iter().position(|&b| b == b'#') {
        Some(end) => target.get(..end).unwrap_or(target),
        None => target,
    };
    if target.first() == Some(&b'/') {
        return Ok(split_query(target));
    }
    let rest = strip_scheme(target).ok_or(Error::BadRequest)?;
    let auth_len = rest
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .unwrap_or(rest.len());
    if auth_len == 0 {
        return Err(Error::BadRequest);
    }
    let (_, after) = rest.split_at(auth_len);
    match after.first() {
        Some(b'/') => Ok(split_query(after)),
        // `http://host?q` or `http://host`: an absolute URI with an empty path means the
        // root; the query is what follows the `?`, none when nothing does.
        _ => Ok(Target {
            path: b"/",
            query: after.get(1..),
        }),
    }
}

/// Splits `path?query` at the first `?`.
fn split_query(target: &[u8]) -> Target<'_> {
    match target.iter().position(|&b| b == b'?') {
        Some(q) => {
            let (path, query) = target.split_at(q);
            Target {
                path,
                query: query.get(1..),
            }
        }
        None => Target {
            path: target,
            query: None,
        },
    }
}

/// Returns what follows `http://` or `https://` (scheme case-insensitive), or `None`.
fn strip_scheme(target: &[u8]) -> Option<&[u8]> {
    let colon = target.iter().position(|&b| b == b':')?;
    let (scheme, rest) = target.split_at(colon);
    if !eq_ignore_case(scheme, b"http") && !eq_ignore_case(scheme, b"https") {
        return None;
    }
    rest.strip_prefix(b"://")
}

/// The one dot-named directory served, and only at the root (RFC 8615).
pub const WELL_KNOWN: &[u8] = b".well-known";

/// Whether a path segment (a file or directory name) is never served: any name starting
/// with `.`, except [`WELL_KNOWN`] at the root (`at_root`: the name's directory is ROOT).
#[must_use]
pub fn is_hidden(name: &[u8], at_root: bool) -> bool {
    name.first() == Some(&b'.') && !(at_root && name == WELL_KNOWN)
}

/// Byte classes of the raw path (bits 4 and 5 of [`BYTE`]), so the hot loop does one table
/// load per byte.
const CLASS: u8 = 0x30;
const PLAIN: u8 = 0;
const PERCENT: u8 = 0x10;
const SLASH: u8 = 0x20;
const CONTROL: u8 = 0x30;
/// Set in [`BYTE`] for a byte that is no hex digit; below it, a digit's value.
const NOT_HEX: u8 = 0x40;

/// A byte's class and hex value, one table for both.
static BYTE: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] |= CONTROL;
        b += 1;
    }
    t[0x7F] |= CONTROL;
    t[b'%' as usize] |= PERCENT;
    t[b'/' as usize] |= SLASH;
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

#[inline(always)]
fn class(b: u8) -> u8 {
    BYTE[usize::from(b)] & CLASS
}

/// Value of an ASCII hex digit, or something above 0x0F for anything else.
#[inline(always)]
fn hex(b: u8) -> u8 {
    BYTE[usize::from(b)] & (NOT_HEX | 0x0F)
}

/// Decodes and normalises a raw path (which must start with `/`) into `out`, relative to the root.
///
/// `out` is cleared first and holds no leading slash; the root is `""`. `out` ends with `b'/'`
/// exactly when a directory was requested with a trailing slash, which includes paths ending in
/// `/.` or `/..` (`/a/b/..` gives `a/`, as RFC 3986 does). It never contains a `.` or `..`
/// segment, an empty segment, a hidden segment ([`is_hidden`]), or a control byte. Apart from growing
/// `out` to the length of `raw_path`, nothing is allocated. On error `out` is left empty.
/// [`Error::BadRequest`] (bad escape, control byte, no leading slash) wins over [`Error::NotFound`].
pub fn normalize(raw_path: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    out.clear();
    let r = normalize_into(raw_path, out);
    if r.is_err() {
        out.clear();
    }
    r
}

fn normalize_into(raw: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    let rest = match raw.split_first() {
        Some((b'/', rest)) => rest,
        _ => return Err(Error::BadRequest),
    };
    // The output is never longer than the input: decoding and resolving only shrink it.
    out.reserve(rest.len());
    // `out` is always `""` or complete segments each followed by `/`, then the segment being read,
    // which starts at `seg`. `hidden` counts the complete hidden segments in it.
    let mut seg = 0usize;
    let mut hidden = 0usize;
    let mut i = 0usize;
    while let Some(run) = rest.get(i..) {
        let plain = run
            .iter()
            .position(|&b| class(b) != PLAIN)
            .unwrap_or(run.len());
        let (literal, tail) = run.split_at(plain);
        out.extend_from_slice(literal);
        i += plain;
        let Some(&b) = tail.first() else { break };
        i += 1;
        let byte = match class(b) {
            PERCENT => {
                let hi = tail.get(1).map_or(NOT_HEX, |&h| hex(h));
                let lo = tail.get(2).map_or(NOT_HEX, |&l| hex(l));
                if hi > 0x0F || lo > 0x0F {
                    return Err(Error::BadRequest);
                }
                i += 2;
                (hi << 4) | lo
            }
            _ => b,
        };
        match class(byte) {
            CONTROL => return Err(Error::BadRequest),
            SLASH => {
                if end_segment(out, seg, &mut hidden) {
                    out.push(b'/');
                }
                seg = out.len();
            }
            // A decoded `%` or ordinary byte is part of the name.
            _ => out.push(byte),
        }
    }
    end_segment(out, seg, &mut hidden);
    if hidden != 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Resolves the segment `out[seg..]`; returns true if it stays (and so needs a `/` after it).
fn end_segment(out: &mut Vec<u8>, seg: usize, hidden: &mut usize) -> bool {
    match out.get(seg..).unwrap_or_default() {
        b"" => false,
        b"." => {
            out.truncate(seg);
            false
        }
        b".." => {
            out.truncate(seg);
            // Drop the previous complete segment, if any; at the root `..` is simply dropped.
            if let Some(prev) = seg.checked_sub(1).and_then(|s| out.get(..s)) {
                let start = prev.iter().rposition(|&b| b == b'/').map_or(0, |p| p + 1);
                if is_hidden(prev.get(start..).unwrap_or_default(), start == 0) {
                    *hidden -= 1;
                }
                out.truncate(start);
            }
            false
        }
        name => {
            if is_hidden(name, seg == 0) {
                *hidden += 1;
            }
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;

    fn norm(raw: &[u8]) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        normalize(raw, &mut out).map(|()| out)
    }

    fn ok(raw: &str, want: &str) {
        assert_eq!(
            norm(raw.as_bytes()),
            Ok(want.as_bytes().to_vec()),
            "normalize({raw:?})"
        );
    }

    fn err(raw: &str, want: Error) {
        assert_eq!(norm(raw.as_bytes()), Err(want), "normalize({raw:?})");
    }

    fn target(t: &str) -> Result<(&[u8], Option<&[u8]>), Error> {
        split_target(t.as_bytes()).map(|t| (t.path, t.query))
    }

    /// split_target then normalize, as the server does.
    fn full(t: &str) -> Result<Vec<u8>, Error> {
        let tg = split_target(t.as_bytes())?;
        norm(tg.path)
    }

    #[test]
    fn split_origin_form() {
        assert_eq!(target("/"), Ok((&b"/"[..], None)));
        assert_eq!(target("/a/b"), Ok((&b"/a/b"[..], None)));
        assert_eq!(
            target("/a/b?x=1&y"),
            Ok((&b"/a/b"[..], Some(&b"x=1&y"[..])))
        );
        assert_eq!(target("/a?"), Ok((&b"/a"[..], Some(&b""[..]))));
        assert_eq!(target("/?q"), Ok((&b"/"[..], Some(&b"q"[..]))));
        assert_eq!(target("/a?b?c"), Ok((&b"/a"[..], Some(&b"b?c"[..]))));
        assert_eq!(target("/a?b/c"), Ok((&b"/a"[..], Some(&b"b/c"[..]))));
        assert_eq!(target("//a"), Ok((&b"//a"[..], None)));
        assert_eq!(target("/%3F?x"), Ok((&b"/%3F"[..], Some(&b"x"[..]))));
    }

    #[test]
    fn split_fragment_is_dropped() {
        assert_eq!(target("/a#frag"), Ok((&b"/a"[..], None)));
        assert_eq!(target("/a?q#frag"), Ok((&b"/a"[..], Some(&b"q"[..]))));
        assert_eq!(target("/a#f?q"), Ok((&b"/a"[..], None)));
        assert_eq!(target("/#"), Ok((&b"/"[..], None)));
        assert_eq!(target("/a?#"), Ok((&b"/a"[..], Some(&b""[..]))));
        assert_eq!(target("#"), Err(Error::BadRequest));
        assert_eq!(target("#/a"), Err(Error::BadRequest));
        assert_eq!(target("http://h#/x"), Ok((&b"/"[..], None)));
        assert_eq!(target("http://h/a#x?y"), Ok((&b"/a"[..], None)));
        assert_eq!(target("http://#/x"), Err(Error::BadRequest));
    }

    #[test]
    fn split_absolute_form() {
        assert_eq!(target("http://host/a?q"), Ok((&b"/a"[..], Some(&b"q"[..]))));
        assert_eq!(target("https://host/a"), Ok((&b"/a"[..], None)));
        assert_eq!(target("HTTP://host/a"), Ok((&b"/a"[..], None)));
        assert_eq!(target("HtTpS://host/a"), Ok((&b"/a"[..], None)));
        assert_eq!(target("http://host:8080/a/b"), Ok((&b"/a/b"[..], None)));
        assert_eq!(target("http://[::1]:80/x"), Ok((&b"/x"[..], None)));
        assert_eq!(target("http://u:p@host/x"), Ok((&b"/x"[..], None)));
        assert_eq!(target("http://host"), Ok((&b"/"[..], None)));
        assert_eq!(target("http://host:80"), Ok((&b"/"[..], None)));
        assert_eq!(target("http://host/"), Ok((&b"/"[..], None)));
        assert_eq!(
            target("http://host?q=1"),
            Ok((&b"/"[..], Some(&b"q=1"[..])))
        );
        assert_eq!(target("http://host?"), Ok((&b"/"[..], Some(&b""[..]))));
        assert_eq!(target("http://host//a"), Ok((&b"//a"[..], None)));
        assert_eq!(
            target("http://host/a?b/c"),
            Ok((&b"/a"[..], Some(&b"b/c"[..])))
        );
    }

    #[test]
    fn split_rejects() {
        for t in [
            "",
            "*",
            "**",
            "*/a",
            "a",
            "a/b",
            "./a",
            "../a",
            "?q",
            "host:80",
            "example.com:443",
            "http:",
            "http:/",
            "http:/a",
            "http:a",
            "http//host/a",
            "http:///a",
            "http://",
            "http://?q",
            "https://",
            "ftp://host/a",
            "file:///etc/passwd",
            "httpx://host/a",
            "htt://host/a",
            "xhttp://host/a",
            " http://host/a",
            "\\a",
            "%2Fa",
            ":://a",
        ] {
            assert_eq!(target(t), Err(Error::BadRequest), "{t:?}");
        }
    }

    #[test]
    fn plain_paths() {
        ok("/", "");
        ok("/a", "a");
        ok("/a/", "a/");
        ok("/a/b", "a/b");
        ok("/a/b/", "a/b/");
        ok("/index.html", "index.html");
        ok("/a.b.c/d-e_f~g", "a.b.c/d-e_f~g");
        ok("/a..b", "a..b");
        ok("/a.", "a.");
        ok("/a..", "a..");
        ok("/a...", "a...");
        ok("/a./b.", "a./b.");
    }

    #[test]
    fn empty_segments_collapse() {
        ok("//", "");
        ok("///", "");
        ok("//a", "a");
        ok("/a//b", "a/b");
        ok("/a///b//", "a/b/");
        ok("/a/%2F/b", "a/b");
        ok("/%2F%2F", "");
    }

    #[test]
    fn dot_segments() {
        ok("/.", "");
        ok("/./", "");
        ok("/..", "");
        ok("/../", "");
        ok("/a/./b", "a/b");
        ok("/a/.", "a/");
        ok("/a/./", "a/");
        ok("/a/b/..", "a/");
        ok("/a/b/../", "a/");
        ok("/a/b/../c", "a/c");
        ok("/a/b/../../c", "c");
        ok("/a/b/../../../x", "x");
        ok("/a/b/c/../../d/./e/..", "a/d/");
        ok("//..//..//x", "x");
        ok("/a//..", "");
        ok("/a/b//../c", "a/c");
        ok("/./././a", "a");
        ok("/../../../../a/../../b", "b");
        ok("/a/../", "");
        ok("/a/..", "");
    }

    #[test]
    fn traversal_encoded_every_way() {
        ok("/../etc/passwd", "etc/passwd");
        ok("/%2e%2e/", "");
        ok("/%2e%2e/etc/passwd", "etc/passwd");
        ok("/%2E%2E%2F", "");
        ok("/%2E%2E%2Fetc%2Fpasswd", "etc/passwd");
        ok("/..%2f", "");
        ok("/..%2F..%2F..%2Fetc/passwd", "etc/passwd");
        ok("/.%2e/", "");
        ok("/%2e./x", "x");
        ok("/%2E%2e/x", "x");
        ok("/a/%2e%2e", "");
        ok("/a/b/%2e%2e", "a/");
        ok("/a/b/%2e%2e%2f%2e%2e%2f%2e%2e%2fx", "x");
        ok("/%2e", "");
        ok("/a/%2e/b", "a/b");
        ok("/a%2f..%2f..%2f..%2fx", "x");
        // Double encoding decodes once: a file literally named `%2e%2e`.
        ok("/%252e%252e/", "%2e%2e/");
        ok("/%252e%252e/etc/passwd", "%2e%2e/etc/passwd");
        ok("/%252e%252e%252f", "%2e%2e%2f");
        ok("/%25", "%");
        // Overlong UTF-8 for `.` stays bytes, not dots.
        assert_eq!(norm(b"/%c0%ae%c0%ae/x"), Ok(b"\xc0\xae\xc0\xae/x".to_vec()));
        assert_eq!(norm(b"/%c0%ae%c0%ae/"), Ok(b"\xc0\xae\xc0\xae/".to_vec()));
        assert_eq!(norm(b"/%e0%80%ae/"), Ok(b"\xe0\x80\xae/".to_vec()));
        // `..;` is not `..`: it is a dot-prefixed name.
        err("/..;/", Error::NotFound);
        err("/..;/etc/passwd", Error::NotFound);
        err("/a/..;/b", Error::NotFound);
        // A dot segment with trailing junk is a hidden name, not traversal.
        err("/.. /x", Error::NotFound);
        err("/..%20/x", Error::NotFound);
        err("/...", Error::NotFound);
        err("/..../x", Error::NotFound);
    }

    #[test]
    fn traversal_via_absolute_form() {
        assert_eq!(full("http://h/../etc/passwd"), Ok(b"etc/passwd".to_vec()));
        assert_eq!(full("http://h/%2e%2e/%2e%2e/x"), Ok(b"x".to_vec()));
        assert_eq!(full("http://h/a/../../.."), Ok(b"".to_vec()));
        assert_eq!(full("http://h/..?../x"), Ok(b"".to_vec()));
        assert_eq!(full("http://../etc/passwd"), Ok(b"etc/passwd".to_vec()));
        assert_eq!(full("http://h/.git/config"), Err(Error::NotFound));
        assert_eq!(full("/a/..#/../../x"), Ok(b"".to_vec()));
        assert_eq!(full("/a?/../../x"), Ok(b"a".to_vec()));
    }

    #[test]
    fn backslash_is_literal() {
        assert_eq!(norm(b"/a\\b"), Ok(b"a\\b".to_vec()));
        assert_eq!(norm(b"/\\"), Ok(b"\\".to_vec()));
        assert_eq!(norm(b"/a%5Cb"), Ok(b"a\\b".to_vec()));
        assert_eq!(norm(b"/a\\..\\..\\x"), Ok(b"a\\..\\..\\x".to_vec()));
        assert_eq!(norm(b"/\\..\\x"), Ok(b"\\..\\x".to_vec()));
        // A segment `..\x` starts with a dot: hidden, never a parent reference.
        assert_eq!(norm(b"/..\\..\\etc\\passwd"), Err(Error::NotFound));
        assert_eq!(norm(b"/%2e%2e%5c%2e%2e%5cetc"), Err(Error::NotFound));
    }

    #[test]
    fn hidden_segments_are_not_found() {
        err("/.git", Error::NotFound);
        err("/.git/", Error::NotFound);
        err("/.git/config", Error::NotFound);
        err("/a/.env", Error::NotFound);
        err("/a/.hidden/b", Error::NotFound);
        err("/%2egit/config", Error::NotFound);
        err("/%2Ehtaccess", Error::NotFound);
        err("/a/%2e%2e%2e", Error::NotFound);
        err("/a/.b/../.c", Error::NotFound);
        err("/.a/.b/..", Error::NotFound);
        err("/.a/b/../c", Error::NotFound);
        // Hidden segments resolved away by a later `..` are gone, so nothing hidden is served.
        ok("/.git/..", "");
        ok("/.git/../x", "x");
        ok("/a/.b/../c", "a/c");
        ok("/.a/.b/../../c", "c");
        ok("/.a/b/../../c", "c");
        ok("/a/.b/c/../..", "a/");
    }

    #[test]
    fn is_hidden_rule() {
        for name in [
            &b".git"[..],
            b".env",
            b".",
            b"..",
            b".well-known",
            b".hidden",
        ] {
            assert!(is_hidden(name, false), "{name:?}");
        }
        assert!(!is_hidden(b".well-known", true));
        for name in [
            &b".git"[..],
            b".WELL-KNOWN",
            b".Well-Known",
            b".well-known.",
            b".well-knownx",
            b".well-known/",
            b".well-known\\",
            b"..well-known",
            b".well_known",
            b".",
            b"..",
        ] {
            assert!(is_hidden(name, true), "{name:?}");
        }
        for name in [&b""[..], b"well-known", b"a", b"a.", b"a.git", b"\xff"] {
            assert!(
                !is_hidden(name, true) && !is_hidden(name, false),
                "{name:?}"
            );
        }
    }

    #[test]
    fn well_known_is_served() {
        ok("/.well-known", ".well-known");
        ok("/.well-known/", ".well-known/");
        ok("/.well-known/security.txt", ".well-known/security.txt");
        ok(
            "/.well-known/acme-challenge/tok-EN_1",
            ".well-known/acme-challenge/tok-EN_1",
        );
        ok(
            "/.well-known/apple-app-site-association",
            ".well-known/apple-app-site-association",
        );
        // However it is spelt: encoded, with empty and dot segments, after a `..`.
        ok("/%2ewell-known/security.txt", ".well-known/security.txt");
        ok("/%2Ewell%2Dknown%2Fx", ".well-known/x");
        ok("//.well-known//x", ".well-known/x");
        ok("/./.well-known/./x", ".well-known/x");
        ok("/a/../.well-known/x", ".well-known/x");
        ok("/../.well-known/x", ".well-known/x");
        ok("/.git/../.well-known/x", ".well-known/x");
        ok("/.well-known/a/../b", ".well-known/b");
        ok("/.well-known/../.well-known/x", ".well-known/x");
        assert_eq!(
            full("http://h/.well-known/x?y"),
            Ok(b".well-known/x".to_vec())
        );
        // `..` out of it goes where `..` always goes: to what is beside it, checked there.
        ok("/.well-known/..", "");
        ok("/.well-known/../x", "x");
        ok("/.well-known/%2e%2e/x", "x");
        ok("/.well-known/..%2fx", "x");
        ok("/.well-known%2f..%2fx", "x");
        ok("/.well-known/a/../../x", "x");
        // Decoded once: `%2e%2e` is a name inside it, not a parent.
        ok("/.well-known/%252e%252e/x", ".well-known/%2e%2e/x");
        ok(
            "/.well-known/%252e%252e%252f.git",
            ".well-known/%2e%2e%2f.git",
        );
    }

    #[test]
    fn nothing_hidden_through_well_known() {
        for raw in [
            // Out of it to a hidden name, in every spelling of `..` and `/`.
            "/.well-known/../.git/config",
            "/.well-known/../.env",
            "/.well-known/%2e%2e/.env",
            "/.well-known/%2E%2E/%2Eenv",
            "/.well-known/..%2f.git",
            "/.well-known/..%2F.git%2Fconfig",
            "/.well-known/%2e%2e%2f.git/config",
            "/.well-known%2f%2e%2e%2f.git",
            "/.well-known/./../.git",
            "/.well-known/a/../../.git",
            "/.well-known/../.well-known/../.env",
            "/.git/../.well-known/../.env",
            // Double encoding is a literal name, and a dot name below it is still hidden.
            "/.well-known/%252e%252e/.git",
            // Backslash is a name byte: these are dot names, not separators.
            "/.well-known/..\\.git\\config",
            "/.well-known/%2e%2e%5c.git",
            "/.well-known\\..\\.git",
            "/.well-known%5c..%5c.git",
            // Dot names inside it, at any depth.
            "/.well-known/.hidden",
            "/.well-known/.well-known/x",
            "/.well-known/.git/config",
            "/.well-known/x/.git/config",
            "/.well-known/acme-challenge/.htaccess",
            "/.well-known/acme-challenge/..x",
            "/.well-known/%2ehtaccess",
            // Only at the root, and only spelt exactly.
            "/a/.well-known/x",
            "/.well-known/../a/.well-known/x",
            "/.WELL-KNOWN/x",
            "/.Well-Known/x",
            "/.well-known./x",
            "/.well-knownx/x",
            "/.well_known/x",
            "/..well-known/x",
            "/.well-known;/x",
            "/.well-known%20/x",
        ] {
            err(raw, Error::NotFound);
        }
        assert_eq!(
            full("http://h/.well-known/../.git/config"),
            Err(Error::NotFound)
        );
        err("/.well-known/%00", Error::BadRequest);
        err("/.well-known/%", Error::BadRequest);
    }

    #[test]
    fn percent_decoding() {
        ok("/%41%42%43", "ABC");
        ok("/%61%62%63", "abc");
        ok("/%7e", "~");
        ok("/%7E", "~");
        ok("/a%20b", "a b");
        ok("/%3F%23", "?#");
        ok("/caf%C3%A9", "café");
        ok("/café", "café");
        assert_eq!(norm(b"/%ff%FE"), Ok(b"\xff\xfe".to_vec()));
        assert_eq!(norm(b"/\xff\x80"), Ok(b"\xff\x80".to_vec()));
        assert_eq!(norm(b"/%80"), Ok(b"\x80".to_vec()));
    }

    #[test]
    fn bad_escapes() {
        for raw in [
            "/%",
            "/%4",
            "/%zz",
            "/%g0",
            "/%0g",
            "/a%",
            "/a%2",
            "/%%",
            "/%%41",
            "/%-1",
            "/% 1",
            "/%+1",
            "/%2",
            "/%/a",
            "/%2/",
            "/a/%",
            "/%G1",
            "/%1G",
            "/%\u{e9}1",
        ] {
            err(raw, Error::BadRequest);
        }
    }

    #[test]
    fn control_bytes_rejected() {
        err("/%00", Error::BadRequest);
        err("/a%00b", Error::BadRequest);
        err("/a%00.html", Error::BadRequest);
        for b in (0u8..0x20).chain([0x7F]) {
            assert_eq!(norm(&[b'/', b'a', b]), Err(Error::BadRequest), "raw {b:#x}");
            let enc = format!("/a%{b:02X}");
            err(&enc, Error::BadRequest);
            let enc = format!("/a%{b:02x}b");
            err(&enc, Error::BadRequest);
        }
        // BadRequest wins over NotFound, wherever it is.
        err("/.git/%00", Error::BadRequest);
        err("/.git/%", Error::BadRequest);
        // 0x20 and 0x80+ are fine.
        ok("/%20", " ");
        assert_eq!(norm(b"/%80%9f"), Ok(b"\x80\x9f".to_vec()));
    }

    #[test]
    fn requires_leading_slash() {
        err("", Error::BadRequest);
        err("a", Error::BadRequest);
        err("%2Fa", Error::BadRequest);
        err(".", Error::BadRequest);
    }

    #[test]
    fn out_is_cleared_and_reused() {
        let mut out = b"garbage".to_vec();
        assert_eq!(normalize(b"/a", &mut out), Ok(()));
        assert_eq!(out, b"a");
        assert_eq!(normalize(b"/", &mut out), Ok(()));
        assert_eq!(out, b"");
        out.extend_from_slice(b"junk");
        assert_eq!(normalize(b"/.git/x", &mut out), Err(Error::NotFound));
        assert!(out.is_empty());
        out.extend_from_slice(b"junk");
        assert_eq!(normalize(b"/abc/%", &mut out), Err(Error::BadRequest));
        assert!(out.is_empty());
        // No growth beyond the first call for the same input size.
        let long = [b'a'; 300];
        let mut raw = vec![b'/'];
        raw.extend_from_slice(&long);
        let mut out = Vec::new();
        normalize(&raw, &mut out).unwrap();
        let cap = out.capacity();
        let ptr = out.as_ptr();
        for _ in 0..10 {
            normalize(&raw, &mut out).unwrap();
            normalize(b"/x/../y/", &mut out).unwrap();
        }
        assert_eq!(out.capacity(), cap);
        assert_eq!(out.as_ptr(), ptr);
    }

    /// Reference model: decode everything, then split and resolve with a segment stack.
    fn model(raw: &[u8]) -> Result<Vec<u8>, Error> {
        let Some(rest) = raw.strip_prefix(b"/") else {
            return Err(Error::BadRequest);
        };
        let mut dec = Vec::new();
        let mut i = 0;
        while i < rest.len() {
            let b = rest[i];
            if b == b'%' {
                let h = rest.get(i + 1..i + 3).ok_or(Error::BadRequest)?;
                let s = core::str::from_utf8(h).map_err(|_| Error::BadRequest)?;
                if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
                    return Err(Error::BadRequest);
                }
                dec.push(u8::from_str_radix(s, 16).unwrap());
                i += 3;
            } else {
                dec.push(b);
                i += 1;
            }
        }
        if dec.iter().any(|&b| b < 0x20 || b == 0x7F) {
            return Err(Error::BadRequest);
        }
        let parts: Vec<&[u8]> = dec.split(|&b| b == b'/').collect();
        let mut stack: Vec<&[u8]> = Vec::new();
        let last = parts.len() - 1;
        let mut dir = false;
        for (n, p) in parts.iter().enumerate() {
            match *p {
                b"." | b".." | b"" if n == last => {
                    if *p == b".." {
                        stack.pop();
                    }
                    dir = true;
                }
                b"" | b"." => {}
                b".." => {
                    stack.pop();
                }
                s => stack.push(s),
            }
        }
        let hidden =
            |(i, s): (usize, &&[u8])| s.starts_with(b".") && !(i == 0 && *s == b".well-known");
        if stack.iter().enumerate().any(hidden) {
            return Err(Error::NotFound);
        }
        let mut out = stack.join(&b'/');
        if dir && !out.is_empty() {
            out.push(b'/');
        }
        Ok(out)
    }

    const TOKENS: &[&[u8]] = &[
        b"/",
        b"/",
        b"/",
        b".",
        b".",
        b"..",
        b"%2e",
        b"%2E",
        b"%2f",
        b"%2F",
        b"%25",
        b"%252e",
        b"a",
        b"b",
        b"c",
        b"\\",
        b"%",
        b"%0",
        b"%00",
        b"%c0%ae",
        b";",
        b"?",
        b"#",
        b"%5c",
        b"%20",
        b"%7f",
        b"\x01",
        b"\xff",
        b"~",
        b"git",
        b"%2e%2e",
        b"%2e%2e%2f",
        b"..%2f",
        b"//",
        b".well-known",
        b"%2ewell-known",
        b".WELL-KNOWN",
    ];

    fn check_invariants(raw: &[u8], out: &[u8]) {
        assert!(!out.starts_with(b"/"), "{raw:?} -> {out:?}");
        assert!(!out.windows(2).any(|w| w == b"//"), "{raw:?} -> {out:?}");
        assert!(!out.contains(&0), "{raw:?} -> {out:?}");
        assert!(
            !out.iter().any(|&b| b < 0x20 || b == 0x7F),
            "{raw:?} -> {out:?}"
        );
        for (i, seg) in out.split(|&b| b == b'/').enumerate() {
            assert_ne!(seg, b"..", "{raw:?} -> {out:?}");
            assert_ne!(seg, b".", "{raw:?} -> {out:?}");
            assert!(
                !seg.starts_with(b".") || i == 0 && seg == b".well-known",
                "{raw:?} -> {out:?}"
            );
        }
        assert!(out.len() < raw.len().max(1), "{raw:?} -> {out:?}");
    }

    #[test]
    fn property_tokens_match_model_and_invariants() {
        let mut rng = Rng::new(0x5EED);
        let (mut oks, mut bads, mut nfs) = (0, 0, 0);
        let mut out = Vec::new();
        for _ in 0..200_000 {
            let mut raw = vec![b'/'];
            for _ in 0..rng.below(12) {
                let token = rng.pick(TOKENS);
                raw.extend_from_slice(token);
            }
            let got = normalize(&raw, &mut out).map(|()| out.clone());
            assert_eq!(got, model(&raw), "raw {raw:?}");
            match got {
                Ok(o) => {
                    oks += 1;
                    check_invariants(&raw, &o);
                    // Re-normalising a result without `%` changes nothing.
                    if !o.contains(&b'%') {
                        let mut again = vec![b'/'];
                        again.extend_from_slice(&o);
                        assert_eq!(norm(&again), Ok(o.clone()), "raw {raw:?}");
                    }
                }
                Err(Error::BadRequest) => bads += 1,
                Err(Error::NotFound) => nfs += 1,
            }
        }
        // The generator must reach every outcome, or the test proves little.
        assert!(
            oks > 10_000 && bads > 10_000 && nfs > 10_000,
            "{oks} {bads} {nfs}"
        );
    }

    #[test]
    fn property_random_bytes_match_model_and_invariants() {
        let mut rng = Rng::new(42);
        let alphabet = b"/./.%2eEfF0a\\\x00\x7f\xc0";
        let mut out = Vec::new();
        let mut oks = 0;
        for _ in 0..200_000 {
            let mut raw = vec![b'/'];
            for _ in 0..rng.below(16) {
                let b = if rng.one_in(8) {
                    rng.byte()
                } else {
                    *rng.pick(alphabet)
                };
                raw.push(b);
            }
            let got = normalize(&raw, &mut out).map(|()| out.clone());
            assert_eq!(got, model(&raw), "raw {raw:?}");
            if let Ok(o) = got {
                oks += 1;
                check_invariants(&raw, &o);
            }
        }
        assert!(oks > 10_000, "{oks}");
    }

    #[test]
    fn property_absolute_form() {
        let mut rng = Rng::new(7);
        let prefixes: &[&[u8]] = &[b"http://h", b"HTTPS://h:1", b"/", b"http://h?", b"*", b""];
        for _ in 0..50_000 {
            let mut raw = rng.pick(prefixes).to_vec();
            for _ in 0..rng.below(10) {
                let token = rng.pick(TOKENS);
                raw.extend_from_slice(token);
            }
            if let Ok(t) = split_target(&raw) {
                assert!(t.path.starts_with(b"/"), "{raw:?}");
                assert!(!t.path.contains(&b'?') && !t.path.contains(&b'#'));
                if let Some(q) = t.query {
                    assert!(!q.contains(&b'#'));
                }
                let mut out = Vec::new();
                if normalize(t.path, &mut out).is_ok() {
                    check_invariants(t.path, &out);
                }
            }
        }
    }
}
