//! Response heads and error bodies, written straight into a reused output
//! buffer without `core::fmt` (numbers are formatted by hand). No syscalls.

use crate::http::cors::{Allow, Policy};
use crate::http::numfmt;
use crate::http::status::Status;
use crate::text::{HEX, HEX_UPPER};
use alloc::vec::Vec;

/// What the head says about the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// HTTP/1.1 keep-alive: nothing to say.
    Default,
    /// An HTTP/1.0 client asked for keep-alive and gets it.
    KeepAlive,
    /// The server closes after this response.
    Close,
}

/// The fields of a response head; `None` fields are left out.
#[derive(Clone, Copy, Debug)]
pub struct Head<'a> {
    /// The status line's code.
    pub status: Status,
    /// The current IMF-fixdate for `Date`.
    pub date: &'a [u8],
    /// `Content-Type`.
    pub content_type: Option<&'a str>,
    /// `Content-Encoding` of a compressed variant.
    pub content_encoding: Option<&'a str>,
    /// `Content-Length` (always sent: every response is length-delimited).
    pub content_length: u64,
    /// `Last-Modified`, preformatted as IMF-fixdate.
    pub last_modified: Option<&'a [u8]>,
    /// `ETag`, quotes included.
    pub etag: Option<&'a [u8]>,
    /// `Location` for a directory redirect: the decoded path relative to the
    /// root (a slash is put before and after it) and the raw query.
    pub location: Option<(&'a [u8], Option<&'a [u8]>)>,
    /// Whether to send `Allow: GET, HEAD`.
    pub allow: bool,
    /// Whether to send `Accept-Ranges: bytes`.
    pub accept_ranges: bool,
    /// Whether to send `Vary: Accept-Encoding` (the resource has compressed variants).
    pub vary: bool,
    /// `Cache-Control`, sent on 200, 206 and 304 only.
    pub cache_control: Option<&'a [u8]>,
    /// Further complete field lines, each ending in CRLF (e.g. `Content-Range`).
    pub extra: &'a [u8],
    /// What the response says to a CORS request (`--cors`).
    pub cors: Allow<'a>,
    /// Site-wide additions from the command line.
    pub site: &'a SiteHeaders,
    /// The connection's fate.
    pub connection: Connection,
}

/// Header lines the operator adds to responses (`--cache-control`,
/// `--cache-control-for`, `--header`, and `--cors`'s, which depend on the request).
#[derive(Debug, Default)]
pub struct SiteHeaders {
    /// `Cache-Control` value for 200, 206 and 304 responses no rule matches.
    pub cache_control: Option<Vec<u8>>,
    /// `(PATTERN, VALUE)` rules over the URL path, the first match winning.
    pub cache_control_for: Vec<(Vec<u8>, Vec<u8>)>,
    /// Complete `Name: value\r\n` lines for every response.
    pub lines: Vec<u8>,
    /// Which origins may read responses (`--cors`).
    pub cors: Policy,
}

/// No additions.
pub static NO_SITE_HEADERS: SiteHeaders = SiteHeaders {
    cache_control: None,
    cache_control_for: Vec::new(),
    lines: Vec::new(),
    cors: Policy::Off,
};

impl SiteHeaders {
    /// The additions for `cache_control`, the `cache_control_for` rules
    /// and `headers` (`Name: value`), all already checked; the first two
    /// are taken as they are, the headers joined into lines.
    pub fn new(
        cache_control: Option<Vec<u8>>,
        cache_control_for: Vec<(Vec<u8>, Vec<u8>)>,
        headers: &[Vec<u8>],
    ) -> SiteHeaders {
        let mut lines = Vec::new();
        for h in headers {
            lines.extend_from_slice(h);
            lines.extend_from_slice(b"\r\n");
        }
        SiteHeaders {
            cache_control,
            cache_control_for,
            lines,
            cors: Policy::Off,
        }
    }

    /// The `--cache-control-for` rule the path `key` (normalised, without
    /// its leading `/`) falls under; `None` for the site-wide value.
    pub fn cache_rule(&self, key: &[u8]) -> Option<usize> {
        self.cache_control_for
            .iter()
            .position(|(pattern, _)| match pattern.split_first() {
                Some((b'/', pattern)) => crate::http::glob::matches(pattern, key),
                _ => false,
            })
    }

    /// The `Cache-Control` value under `rule` (from [`SiteHeaders::cache_rule`]).
    pub fn cache_control(&self, rule: Option<usize>) -> Option<&[u8]> {
        match rule {
            Some(i) => self.cache_control_for.get(i).map(|(_, v)| v.as_slice()),
            None => self.cache_control.as_deref(),
        }
    }
}

impl<'a> Head<'a> {
    /// A head with only a status, a date and the connection's fate; callers
    /// set the other fields on what it returns.
    pub const fn new(status: Status, date: &'a [u8], connection: Connection) -> Head<'a> {
        Head {
            status,
            date,
            content_type: None,
            content_encoding: None,
            content_length: 0,
            last_modified: None,
            etag: None,
            location: None,
            allow: false,
            accept_ranges: false,
            vary: false,
            cache_control: None,
            extra: b"",
            cors: Allow::Nothing,
            site: &NO_SITE_HEADERS,
            connection,
        }
    }
}

/// A strong ETag made from a 128-bit hash of the bytes a representation
/// sends: `"` and 32 lowercase hex digits and `"`; kept on the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Etag {
    buf: [u8; 34],
}

impl Etag {
    /// The tag of content whose hash is `digest`.
    pub fn from_digest(digest: u128) -> Etag {
        let mut buf = [b'"'; 34];
        let mut rest = digest;
        for b in buf[1..33].iter_mut().rev() {
            *b = HEX[(rest & 15) as usize];
            rest >>= 4;
        }
        Etag { buf }
    }

    /// The tag's bytes, quotes included.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }
}

/// Appends `bytes`, percent-encoding anything that is not safe in a header
/// value or a URI (controls, space, non-ASCII, quotes), plus `also`, so a
/// Location never splits a header or changes meaning.
fn push_uri(out: &mut Vec<u8>, bytes: &[u8], also: &[u8]) {
    for &b in bytes {
        if b <= b' ' || b >= 0x7f || b == b'"' || also.contains(&b) {
            out.extend_from_slice(&[
                b'%',
                HEX_UPPER[usize::from(b >> 4)],
                HEX_UPPER[usize::from(b & 15)],
            ]);
        } else {
            out.push(b);
        }
    }
}

/// Appends the response head, ending with the empty line.
pub fn write_head(out: &mut Vec<u8>, h: &Head<'_>) {
    write_fields(out, h);
    write_tail(out, h.date, h.connection);
}

/// Appends the status line and every field that does not change from one
/// response to the next (all but `Date` and `Connection`), each ending in
/// CRLF: the part of a head that a cache entry can keep prebuilt.
pub fn write_fields(out: &mut Vec<u8>, h: &Head<'_>) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(h.status.text().as_bytes());
    out.extend_from_slice(b"\r\nServer: staticd\r\n");
    if let Some(ct) = h.content_type {
        put_field(out, b"Content-Type: ", ct.as_bytes());
    }
    if let Some(ce) = h.content_encoding {
        put_field(out, b"Content-Encoding: ", ce.as_bytes());
    }
    if !h.status.is_bodiless() {
        out.extend_from_slice(b"Content-Length: ");
        numfmt::push(out, h.content_length);
        out.extend_from_slice(b"\r\n");
    }
    if let Some(lm) = h.last_modified {
        put_field(out, b"Last-Modified: ", lm);
    }
    if let Some(etag) = h.etag {
        put_field(out, b"ETag: ", etag);
    }
    if let Some((path, query)) = h.location {
        // The path is decoded and normalised (never `//host`), so it is
        // encoded again; the query is passed on as the client sent it.
        out.extend_from_slice(b"Location: /");
        push_uri(out, path, b"%?#\\");
        out.push(b'/');
        if let Some(q) = query {
            out.push(b'?');
            push_uri(out, q, b"#");
        }
        out.extend_from_slice(b"\r\n");
    }
    if h.allow {
        out.extend_from_slice(b"Allow: GET, HEAD\r\n");
    }
    if h.accept_ranges {
        out.extend_from_slice(b"Accept-Ranges: bytes\r\n");
    }
    if h.vary {
        out.extend_from_slice(b"Vary: Accept-Encoding\r\n");
    }
    out.extend_from_slice(h.extra);
    h.cors.write(out);
    if let Some(cc) = h.cache_control
        && matches!(
            h.status,
            Status::Ok | Status::PartialContent | Status::NotModified
        )
    {
        put_field(out, b"Cache-Control: ", cc);
    }
    out.extend_from_slice(&h.site.lines);
}

/// Appends `name`, `value` and CRLF: a field line (`name` with its colon and space), or a
/// multipart delimiter line.
pub(crate) fn put_field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Appends an `ETag` field line.
pub fn write_etag(out: &mut Vec<u8>, tag: &Etag) {
    out.extend_from_slice(b"ETag: ");
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Appends the per-response end of a head: `Date`, `Connection` if it must
/// be said, and the empty line.
pub fn write_tail(out: &mut Vec<u8>, date: &[u8], connection: Connection) {
    out.extend_from_slice(b"Date: ");
    out.extend_from_slice(date);
    match connection {
        Connection::Default => out.extend_from_slice(b"\r\n\r\n"),
        Connection::KeepAlive => out.extend_from_slice(b"\r\nConnection: keep-alive\r\n\r\n"),
        Connection::Close => out.extend_from_slice(b"\r\nConnection: close\r\n\r\n"),
    }
}

const ERROR_PREFIX: &[u8] = b"<!DOCTYPE html>\n<html><head><title>";
const ERROR_MIDDLE: &[u8] = b"</title></head><body><h1>";
const ERROR_SUFFIX: &[u8] = b"</h1></body></html>\n";

/// Length of the HTML body [`write_error`] sends for `status`.
pub fn error_body_len(status: Status) -> u64 {
    let title = status.text().len();
    (ERROR_PREFIX.len() + ERROR_MIDDLE.len() + ERROR_SUFFIX.len() + 2 * title) as u64
}

/// Appends a complete response for `status` carrying a short HTML body
/// (`head_only` leaves the body out, for HEAD). `head` supplies the other
/// fields; its status, type and length are overridden.
pub fn write_error(out: &mut Vec<u8>, head: &Head<'_>, head_only: bool) {
    let status = head.status;
    // Copied whole and then changed: struct update syntax moved each field on its own.
    let mut h = *head;
    h.content_type = Some("text/html; charset=utf-8");
    h.content_length = error_body_len(status);
    h.last_modified = None;
    h.etag = None;
    write_head(out, &h);
    if head_only {
        return;
    }
    let title = status.text().as_bytes();
    out.extend_from_slice(ERROR_PREFIX);
    out.extend_from_slice(title);
    out.extend_from_slice(ERROR_MIDDLE);
    out.extend_from_slice(title);
    out.extend_from_slice(ERROR_SUFFIX);
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATE: &[u8] = b"Sun, 06 Nov 1994 08:49:37 GMT";

    fn head(status: Status) -> Head<'static> {
        Head::new(status, DATE, Connection::Default)
    }

    fn text(out: &[u8]) -> &str {
        std::str::from_utf8(out).unwrap()
    }

    #[test]
    fn ok_head_has_every_field_in_order() {
        let mut out = Vec::new();
        let h = Head {
            content_type: Some("text/plain; charset=utf-8"),
            content_length: 13,
            last_modified: Some(DATE),
            etag: Some(b"\"1-d\""),
            accept_ranges: true,
            ..head(Status::Ok)
        };
        write_head(&mut out, &h);
        assert_eq!(
            text(&out),
            "HTTP/1.1 200 OK\r\nServer: staticd\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n\
             Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\nETag: \"1-d\"\r\n\
             Accept-Ranges: bytes\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n"
        );
    }

    #[test]
    fn cors_lines_sit_beside_vary_and_a_204_has_no_length() {
        let mut out = Vec::new();
        let h = Head {
            vary: true,
            cors: Allow::Origin(b"https://a.example"),
            ..head(Status::Ok)
        };
        write_head(&mut out, &h);
        assert!(
            text(&out).contains(
                "Vary: Accept-Encoding\r\n\
                 Access-Control-Allow-Origin: https://a.example\r\nVary: Origin\r\n"
            ),
            "{}",
            text(&out)
        );
        out.clear();
        write_head(&mut out, &head(Status::NoContent));
        assert_eq!(
            text(&out),
            "HTTP/1.1 204 No Content\r\nServer: staticd\r\n\
             Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n"
        );
    }

    #[test]
    fn connection_variants() {
        for (c, line) in [
            (Connection::Default, None),
            (Connection::KeepAlive, Some("Connection: keep-alive\r\n")),
            (Connection::Close, Some("Connection: close\r\n")),
        ] {
            let mut out = Vec::new();
            write_head(
                &mut out,
                &Head {
                    connection: c,
                    ..head(Status::Ok)
                },
            );
            let s = text(&out);
            assert_eq!(s.contains("Connection:"), line.is_some());
            if let Some(l) = line {
                assert!(s.ends_with(&format!("{l}\r\n")), "{s}");
            }
        }
    }

    #[test]
    fn redirect_keeps_query_and_encodes_unsafe_bytes() {
        let mut out = Vec::new();
        let h = Head {
            location: Some((b"a b/\xc3\xa9", Some(b"x=1&y=%20"))),
            ..head(Status::MovedPermanently)
        };
        write_head(&mut out, &h);
        assert!(text(&out).contains("\r\nLocation: /a%20b/%C3%A9/?x=1&y=%20\r\n"));
        let mut out = Vec::new();
        write_head(
            &mut out,
            &Head {
                location: Some((b"dir", None)),
                ..head(Status::MovedPermanently)
            },
        );
        assert!(text(&out).contains("\r\nLocation: /dir/\r\n"));
        let mut out = Vec::new();
        let h = Head {
            location: Some((b"100%?#\r\nX: y", Some(b"a#b"))),
            ..head(Status::MovedPermanently)
        };
        write_head(&mut out, &h);
        assert!(
            text(&out).contains("\r\nLocation: /100%25%3F%23%0D%0AX:%20y/?a%23b\r\n"),
            "{}",
            text(&out)
        );
    }

    #[test]
    fn site_headers_go_everywhere_and_cache_control_on_success_only() {
        let site = SiteHeaders::new(
            Some(b"public, max-age=60".to_vec()),
            Vec::new(),
            &[b"X-Frame-Options: DENY".to_vec(), b"X-A: b".to_vec()],
        );
        for (status, cc) in [
            (Status::Ok, true),
            (Status::PartialContent, true),
            (Status::NotModified, true),
            (Status::NotFound, false),
            (Status::MovedPermanently, false),
        ] {
            let mut out = Vec::new();
            write_head(
                &mut out,
                &Head {
                    site: &site,
                    cache_control: site.cache_control(None),
                    ..head(status)
                },
            );
            let s = text(&out);
            assert!(s.contains("\r\nX-Frame-Options: DENY\r\nX-A: b\r\n"), "{s}");
            assert_eq!(
                s.contains("\r\nCache-Control: public, max-age=60\r\n"),
                cc,
                "{s}"
            );
        }
    }

    #[test]
    fn the_first_matching_rule_gives_cache_control() {
        let rules = [
            (
                b"/assets/**".to_vec(),
                b"public, max-age=31536000, immutable".to_vec(),
            ),
            (b"/**/*.html".to_vec(), b"no-cache".to_vec()),
            (b"/*".to_vec(), b"max-age=60".to_vec()),
            (b"not-a-path".to_vec(), b"never".to_vec()),
        ];
        let site = SiteHeaders::new(Some(b"max-age=5".to_vec()), rules.to_vec(), &[]);
        let immutable = Some(&b"public, max-age=31536000, immutable"[..]);
        for (key, want) in [
            (&b"assets/app.3f2a.js"[..], immutable),
            (b"assets/deep/x.html", immutable),
            (b"assets/", immutable),
            (b"index.html", Some(b"no-cache")),
            (b"docs/a/b.html", Some(b"no-cache")),
            (b"robots.txt", Some(b"max-age=60")),
            (b"", Some(b"max-age=60")),
            (b"docs/", Some(b"max-age=5")),
            (b"docs/readme.txt", Some(b"max-age=5")),
            // The fourth pattern lacks its `/`, so it never matches.
            (b"not-a-path", Some(b"max-age=60")),
            (b"x/not-a-path", Some(b"max-age=5")),
        ] {
            let rule = site.cache_rule(key);
            assert_eq!(site.cache_control(rule), want, "{}", text(key));
        }
        let bare = SiteHeaders::new(None, rules[1..2].to_vec(), &[]);
        assert_eq!(bare.cache_control(bare.cache_rule(b"x.txt")), None);
        assert_eq!(bare.cache_control(Some(9)), None);
    }

    #[test]
    fn not_modified_has_no_length() {
        let mut out = Vec::new();
        write_head(&mut out, &head(Status::NotModified));
        assert!(!text(&out).contains("Content-Length"));
    }

    #[test]
    fn error_bodies_match_their_length() {
        for status in [
            Status::BadRequest,
            Status::NotFound,
            Status::MethodNotAllowed,
            Status::HeadersTooLarge,
            Status::VersionNotSupported,
        ] {
            let mut out = Vec::new();
            write_error(
                &mut out,
                &Head {
                    allow: status == Status::MethodNotAllowed,
                    ..head(status)
                },
                false,
            );
            let s = text(&out);
            let (h, body) = s.split_once("\r\n\r\n").unwrap();
            assert_eq!(body.len() as u64, error_body_len(status));
            assert!(h.contains(&format!("Content-Length: {}", body.len())));
            assert!(h.contains("Content-Type: text/html; charset=utf-8"));
            assert!(body.contains(&format!("<h1>{} {}</h1>", status.code(), status.reason())));
            assert_eq!(
                h.contains("Allow: GET, HEAD"),
                status == Status::MethodNotAllowed
            );
            let mut only = Vec::new();
            write_error(&mut only, &head(status), true);
            assert!(text(&only).ends_with("\r\n\r\n"));
            assert!(text(&only).contains(&format!("Content-Length: {}", body.len())));
        }
    }

    #[test]
    fn etags_spell_the_whole_digest() {
        let tag = |d| String::from_utf8(Etag::from_digest(d).as_bytes().to_vec()).unwrap();
        assert_eq!(tag(0), format!("\"{}\"", "0".repeat(32)));
        assert_eq!(tag(u128::MAX), format!("\"{}\"", "f".repeat(32)));
        assert_eq!(
            tag(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210),
            "\"0123456789abcdeffedcba9876543210\""
        );
        assert_ne!(tag(1), tag(1 << 64));
    }
}
