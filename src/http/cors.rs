//! CORS (the Fetch standard's CORS protocol) for a read-only server: which origins may
//! read responses ([`Policy`], from `--cors`), the lines a response carries for a
//! request's `Origin` ([`Allow`]), and the answer to a preflight ([`write_preflight`]).
//! Pure: no syscalls; lines are written into the caller's buffer, nothing is allocated
//! per request.
//!
//! With `*` every response says `Access-Control-Allow-Origin: *`, whatever the request:
//! the response then does not depend on `Origin`, so shared caches need no `Vary` for
//! it. With a list of origins a response names the request's origin only when it is in
//! the list, and every response says `Vary: Origin`, so a cache never hands one origin's
//! answer to another. That `Vary` is a field line of its own: a cached file's prebuilt
//! head may already have `Vary: Accept-Encoding`, and two `Vary` lines are one list
//! (RFC 9110 §5.3).

use crate::http::bytes;
use crate::http::request::items;
use alloc::vec::Vec;

/// How long a browser may keep a preflight's answer, in seconds: Chromium's cap, so the
/// value means what it says there (Firefox allows a day).
pub const MAX_AGE_SECS: u32 = 7200;

/// The preflight's last line, [`MAX_AGE_SECS`] written out.
const MAX_AGE_LINE: &[u8] = b"Access-Control-Max-Age: 7200\r\n";

/// Which origins may read responses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// No CORS: no Access-Control lines, and OPTIONS is not allowed.
    #[default]
    Off,
    /// `*`: any origin.
    Any,
    /// These origins (`scheme://host[:port]`), matched in any case; one space-separated
    /// list (no origin holds a space), read by [`bytes::index_in`].
    Origins(Vec<u8>),
}

/// What a response says about CORS: which lines [`Allow::write`] adds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Allow<'a> {
    /// Nothing.
    #[default]
    Nothing,
    /// `Vary: Origin` alone: the origin is not in the list.
    Vary,
    /// `Access-Control-Allow-Origin: *`.
    Any,
    /// `Access-Control-Allow-Origin: ORIGIN` and `Vary: Origin`; the origin as the request
    /// sent it, which matched a checked one.
    Origin(&'a [u8]),
}

impl Policy {
    /// Adds `*` or one origin, checked: `scheme://host[:port]` with no path (not even
    /// `/`); `*` goes alone.
    pub fn add(&mut self, v: &[u8]) -> Result<(), &'static str> {
        match (v, &mut *self) {
            (b"*", Policy::Off) => *self = Policy::Any,
            (b"*", _) | (_, Policy::Any) => return Err("'*' allows every origin: give it alone"),
            (v, _) if !is_origin(v) => {
                return Err(
                    "not an origin like https://example.com or http://localhost:3000 (scheme://host[:port], no path)",
                );
            }
            (_, Policy::Off) => *self = Policy::Origins(Vec::new()),
            _ => {}
        }
        // One place copies the origin in, whether the list is new or not.
        if let Policy::Origins(list) = self {
            if !list.is_empty() {
                list.push(b' ');
            }
            list.extend_from_slice(v);
        }
        Ok(())
    }

    /// What a response to a request with this `Origin` says.
    pub fn allow<'a>(&self, origin: Option<&'a [u8]>) -> Allow<'a> {
        match self {
            Policy::Off => Allow::Nothing,
            Policy::Any => Allow::Any,
            Policy::Origins(list) => match origin {
                Some(o) if bytes::index_in(list, o).is_some() => Allow::Origin(o),
                _ => Allow::Vary,
            },
        }
    }
}

/// Whether `v` is a serialized origin: a URI scheme, `://`, a host (a DNS name, an IPv4
/// address or a bracketed IPv6 one) and an optional port.
fn is_origin(v: &[u8]) -> bool {
    // The scheme runs up to its first byte that cannot be in one, which must start `://`.
    let mut scheme = 0;
    while v
        .get(scheme)
        .is_some_and(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        scheme += 1;
    }
    let Some(rest) = v[scheme..].strip_prefix(b"://") else {
        return false;
    };
    if !v.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    // A port follows the last colon, unless that colon is inside an IPv6 address's brackets.
    let (host, port) = match rest.iter().rposition(|&b| b == b':') {
        Some(i) if !rest[i..].contains(&b']') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if port.is_some_and(|p| p.len() > 5 || crate::http::numfmt::parse(p).is_none()) {
        return false;
    }
    match host {
        [b'[', v6 @ .., b']'] => crate::text::parse_addr::ipv6(v6).is_some(),
        [] => false,
        _ => host
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'),
    }
}

impl Allow<'_> {
    /// Appends the lines, each ending in CRLF.
    pub fn write(self, out: &mut Vec<u8>) {
        match self {
            Allow::Nothing => {}
            Allow::Vary => out.extend_from_slice(b"Vary: Origin\r\n"),
            Allow::Any => out.extend_from_slice(b"Access-Control-Allow-Origin: *\r\n"),
            Allow::Origin(o) => {
                out.extend_from_slice(b"Access-Control-Allow-Origin: ");
                out.extend_from_slice(o);
                out.extend_from_slice(b"\r\nVary: Origin\r\n");
            }
        }
    }

    /// Whether the request's origin may read the response.
    pub fn allows(self) -> bool {
        matches!(self, Allow::Any | Allow::Origin(_))
    }
}

/// Answers an OPTIONS request: when it is a preflight this server says yes to (its origin
/// is allowed, `Access-Control-Request-Method`, `request_method` OWS-trimmed as
/// [`crate::http::request::field_values`] gives it, is `GET` or `HEAD`, and every
/// `Access-Control-Request-Headers` value, each field line `request_headers` yields, is a
/// list of field names), appends `Access-Control-Allow-Methods`, `Access-Control-Allow-Headers`
/// with the requested names when there are any, and `Access-Control-Max-Age`, each ending
/// in CRLF, and returns true. Otherwise returns false and what `out` holds means nothing.
/// One walk of the requested names both checks and writes them, so the two cannot disagree.
pub fn write_preflight<'a>(
    out: &mut Vec<u8>,
    allow: Allow<'_>,
    request_method: Option<&[u8]>,
    request_headers: impl Iterator<Item = &'a [u8]>,
) -> bool {
    if !(allow.allows() && matches!(request_method, Some(b"GET" | b"HEAD"))) {
        return false;
    }
    out.extend_from_slice(b"Access-Control-Allow-Methods: GET, HEAD\r\n");
    // Plain loops: the iterator chain this was compiled to three times its size.
    let mut any = false;
    for value in request_headers {
        for name in items(value) {
            if !name.iter().all(|&b| bytes::is(b, bytes::TCHAR)) {
                return false;
            }
            if !name.is_empty() {
                out.extend_from_slice(if any {
                    b", "
                } else {
                    b"Access-Control-Allow-Headers: "
                });
                out.extend_from_slice(name);
                any = true;
            }
        }
    }
    if any {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(MAX_AGE_LINE);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_line_says_max_age_secs() {
        assert_eq!(
            MAX_AGE_LINE,
            format!("Access-Control-Max-Age: {MAX_AGE_SECS}\r\n").as_bytes()
        );
    }

    fn policy(origins: &[&str]) -> Policy {
        let mut p = Policy::default();
        for o in origins {
            p.add(o.as_bytes()).unwrap_or_else(|e| panic!("{o}: {e}"));
        }
        p
    }

    fn lines(allow: Allow<'_>) -> String {
        let mut out = Vec::new();
        allow.write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn origins_are_checked() {
        for good in [
            "https://example.com",
            "http://localhost:3000",
            "https://a-b.example.co.uk:8443",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "http://[2001:db8::1]",
            "HTTPS://EXAMPLE.COM",
            "app+x.y-z://host",
        ] {
            assert_eq!(Policy::default().add(good.as_bytes()), Ok(()), "{good}");
        }
        for bad in [
            "",
            "example.com",
            "https://",
            "https://example.com/",
            "https://example.com/app",
            "https://example.com:",
            "https://example.com:123456",
            "https://example.com:80x",
            "https://user@example.com",
            "https://exa mple.com",
            "https://example.com\r\nX-Evil: 1",
            "https://example.com?q",
            "https://example.com#f",
            "null",
            "://example.com",
            "1http://example.com",
            "ht tp://example.com",
            "http://[::1",
            "http://[nope]",
            "http://::1",
            "*.example.com",
            "https://*.example.com",
            "https://\u{e9}.example",
        ] {
            assert!(Policy::default().add(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn star_goes_alone() {
        assert_eq!(policy(&["*"]), Policy::Any);
        assert!(policy(&["https://a.example"]).add(b"*").is_err());
        assert!(policy(&["*"]).add(b"https://a.example").is_err());
        assert!(policy(&["*"]).add(b"*").is_err());
        assert_eq!(
            policy(&["https://a.example", "https://b.example"]),
            Policy::Origins(b"https://a.example https://b.example".to_vec())
        );
    }

    #[test]
    fn what_each_policy_answers() {
        assert_eq!(
            Policy::Off.allow(Some(b"https://a.example")),
            Allow::Nothing
        );
        assert_eq!(Policy::Off.allow(None), Allow::Nothing);
        assert_eq!(policy(&["*"]).allow(Some(b"https://x.example")), Allow::Any);
        assert_eq!(policy(&["*"]).allow(None), Allow::Any);
        let list = policy(&["https://a.example", "http://localhost:3000"]);
        assert_eq!(
            list.allow(Some(b"https://a.example")),
            Allow::Origin(b"https://a.example")
        );
        assert_eq!(
            list.allow(Some(b"http://LOCALHOST:3000")),
            Allow::Origin(b"http://LOCALHOST:3000"),
            "the request's own spelling is echoed"
        );
        for other in [
            &b"https://b.example"[..],
            b"http://a.example",
            b"https://a.example:443",
            b"https://a.example/",
            b"https://a.exampl",
            b"https://a.example.evil",
            b"null",
            b"",
            b" ",
            // Two listed origins are not one: the list is kept space-separated.
            b"https://a.example http://localhost:3000",
            b"https://a.example ",
        ] {
            assert_eq!(list.allow(Some(other)), Allow::Vary, "{other:?}");
        }
        assert_eq!(list.allow(None), Allow::Vary);
    }

    #[test]
    fn lines_of_each_answer() {
        assert_eq!(lines(Allow::Nothing), "");
        assert_eq!(lines(Allow::Vary), "Vary: Origin\r\n");
        assert_eq!(lines(Allow::Any), "Access-Control-Allow-Origin: *\r\n");
        assert_eq!(
            lines(Allow::Origin(b"https://a.example")),
            "Access-Control-Allow-Origin: https://a.example\r\nVary: Origin\r\n"
        );
    }

    fn preflight(allow: Allow<'_>, method: Option<&str>, headers: &[&str]) -> Option<String> {
        let values = headers.iter().map(|h| h.as_bytes());
        let mut out = Vec::new();
        if !write_preflight(&mut out, allow, method.map(str::as_bytes), values) {
            return None;
        }
        Some(String::from_utf8(out).unwrap())
    }

    #[test]
    fn preflights_for_get_and_head() {
        let a = Allow::Origin(b"https://a.example");
        assert_eq!(
            preflight(a, Some("GET"), &[]).as_deref(),
            Some("Access-Control-Allow-Methods: GET, HEAD\r\nAccess-Control-Max-Age: 7200\r\n")
        );
        assert_eq!(
            preflight(Allow::Any, Some("HEAD"), &["x-requested-with,Content-Type"]).as_deref(),
            Some(
                "Access-Control-Allow-Methods: GET, HEAD\r\n\
                 Access-Control-Allow-Headers: x-requested-with, Content-Type\r\n\
                 Access-Control-Max-Age: 7200\r\n"
            )
        );
        // Several lines are one list; empty members are skipped.
        assert_eq!(
            preflight(a, Some("GET"), &["a, ,b", "", "c,"]).as_deref(),
            Some(
                "Access-Control-Allow-Methods: GET, HEAD\r\n\
                 Access-Control-Allow-Headers: a, b, c\r\n\
                 Access-Control-Max-Age: 7200\r\n"
            )
        );
        assert!(preflight(a, Some("GET"), &[" , "]).is_some_and(|s| !s.contains("Headers")));
    }

    #[test]
    fn preflights_refused() {
        let a = Allow::Origin(b"https://a.example");
        // Not an allowed origin.
        assert_eq!(preflight(Allow::Nothing, Some("GET"), &[]), None);
        assert_eq!(preflight(Allow::Vary, Some("GET"), &[]), None);
        // Not a method this server allows, or no method at all (not a preflight).
        for m in [
            "POST",
            "PUT",
            "DELETE",
            "OPTIONS",
            "get",
            "GET, HEAD",
            "",
            "GETX",
        ] {
            assert_eq!(preflight(a, Some(m), &[]), None, "{m:?}");
        }
        assert_eq!(preflight(a, None, &[]), None);
        // Headers that are not field names: nothing would echo them safely.
        for h in [
            "x y", "x:y", "a,b c", "\"a\"", "a\r\nb", "a;b", "(a)", "\u{e9}",
        ] {
            assert_eq!(preflight(a, Some("GET"), &[h]), None, "{h:?}");
        }
        assert_eq!(preflight(a, Some("GET"), &["ok", "bad header"]), None);
    }
}
