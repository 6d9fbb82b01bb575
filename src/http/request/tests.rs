//! Unit tests of the request parser: every rule, byte class and limit, beside a reference.

use super::*;
use crate::testing::Rng;
use std::string::String;
use std::vec::Vec;

mod framing;
mod limits;
mod pipelining;
mod reference;

const BAD: Error = Error::BadRequest;
const LONG: Error = Error::UriTooLong;
const LARGE: Error = Error::HeadersTooLarge;
const V505: Error = Error::VersionNotSupported;

/// tchar from RFC 9110 §5.6.2, written independently of the parser's table.
fn tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn host_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:[]".contains(&b)
}

fn value_char(b: u8) -> bool {
    b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80
}

fn target_char(b: u8) -> bool {
    (0x21..=0x7e).contains(&b) || b >= 0x80
}

/// Checks what `parse` owes for `full`'s answer on every prefix of `input`.
fn check_prefix(input: &[u8], cut: usize, full: &Result<Parsed<'_>, Error>) {
    let got = parse(&input[..cut]);
    match (full, got) {
        (_, Ok(Parsed::Partial)) => {}
        (Err(a), Err(b)) => assert_eq!(*a, b, "prefix {cut} of {:?}", show(input)),
        (Ok(Parsed::Complete(r, n)), Ok(Parsed::Complete(r2, n2))) if cut >= *n => {
            assert_eq!((*r, *n), (r2, n2), "prefix {cut} of {:?}", show(input));
        }
        (full, got) => panic!(
            "prefix {cut} of {:?} gave {got:?}, full input {full:?}",
            show(input)
        ),
    }
}

/// Parses and checks the invariants every answer must keep: partial answers stay under
/// MAX_HEAD, no prefix contradicts the answer, and trailing bytes change nothing decided.
fn run(input: &[u8]) -> Result<Parsed<'_>, Error> {
    let full = parse(input);
    match full {
        Ok(Parsed::Partial) => assert!(input.len() < MAX_HEAD, "partial of {}", input.len()),
        Ok(Parsed::Complete(_, n)) => assert!(n <= input.len() && n <= MAX_HEAD),
        Err(_) => {}
    }
    if input.len() <= 1024 {
        for cut in 0..input.len() {
            check_prefix(input, cut, &full);
        }
    } else {
        let tail = input.len().saturating_sub(40);
        for cut in (0..input.len()).step_by(211).chain(tail..input.len()) {
            check_prefix(input, cut, &full);
        }
    }
    let mut longer = input.to_vec();
    longer.extend_from_slice(b"Z\r\n\r\n");
    match (&full, parse(&longer)) {
        (Ok(Parsed::Partial), _) => {}
        (Err(a), Err(b)) => assert_eq!(*a, b),
        (Ok(Parsed::Complete(r, n)), Ok(Parsed::Complete(r2, n2))) => {
            assert_eq!((*r, *n), (r2, n2));
        }
        (a, b) => panic!("{:?}: {a:?} then {b:?} once extended", show(input)),
    }
    full
}

fn show(b: &[u8]) -> String {
    b.escape_ascii().to_string()
}

#[track_caller]
fn ok(input: &[u8]) -> Request<'_> {
    match run(input) {
        Ok(Parsed::Complete(r, n)) => {
            assert_eq!(n, input.len(), "consumed of {:?}", show(input));
            r
        }
        other => panic!("{:?}: {other:?}", show(input)),
    }
}

#[track_caller]
fn err(input: &[u8]) -> Error {
    match run(input) {
        Err(e) => e,
        other => panic!("{:?}: {other:?}", show(input)),
    }
}

#[track_caller]
fn partial(input: &[u8]) {
    assert_eq!(run(input), Ok(Parsed::Partial), "{:?}", show(input));
}

/// A 1.1 GET with Host and the given extra field lines.
fn get_with(fields: &str) -> String {
    format!("GET / HTTP/1.1\r\nHost: h\r\n{fields}\r\n")
}

fn with_fields(fields: &str) -> Result<Request<'static>, Error> {
    let s: &'static [u8] = get_with(fields).into_bytes().leak();
    match run(s) {
        Ok(Parsed::Complete(r, n)) => {
            assert_eq!(n, s.len());
            Ok(r)
        }
        Ok(Parsed::Partial) => panic!("partial: {:?}", show(s)),
        Err(e) => Err(e),
    }
}

// ---- basics ----------------------------------------------------------------------

#[test]
fn versions_write_back_as_parsed() {
    for v in [Version::Http10, Version::Http11] {
        let mut raw = b"GET / ".to_vec();
        raw.extend_from_slice(v.as_bytes());
        raw.extend_from_slice(b"\r\nHost: h\r\n\r\n");
        assert_eq!(ok(&raw).version, v);
    }
}

#[test]
fn repeated_accept_encoding_lines_are_all_found() {
    let r = with_fields("Accept-Encoding: identity;q=0.5\r\nX-A: 1\r\naccept-encoding:gzip \r\n")
        .unwrap();
    assert_eq!(r.accept_encoding, Some(&b"identity;q=0.5"[..]));
    assert!(r.accept_encoding_repeated);
    let all: Vec<&[u8]> = field_values(r.head, b"accept-encoding").collect();
    assert_eq!(all, [&b"identity;q=0.5"[..], b"gzip"]);
    let one = with_fields("Accept-Encoding: br\r\n").unwrap();
    assert!(!one.accept_encoding_repeated);
    // Leading empty lines, the request line and the body are not fields.
    let raw = b"\r\n\r\nGET /accept-encoding:x HTTP/1.1\r\nHost: h\r\nAccept-Encoding: a\r\n\r\nAccept-Encoding: body";
    let Ok(Parsed::Complete(r, n)) = parse(raw) else {
        panic!("not parsed");
    };
    assert_eq!(r.head, &raw[..n]);
    assert_eq!(
        field_values(r.head, b"accept-encoding").collect::<Vec<_>>(),
        [&b"a"[..]]
    );
    assert_eq!(
        field_values(r.head, b"host").collect::<Vec<_>>(),
        [&b"h"[..]]
    );
    assert_eq!(field_values(r.head, b"x").count(), 0);
}

#[test]
fn repeated_x_forwarded_for_lines_are_all_found() {
    let r = with_fields(
        "X-Forwarded-For: 1.1.1.1, 2.2.2.2\r\nX-Real-IP: 9.9.9.9\r\nx-forwarded-for:3.3.3.3 \r\n",
    )
    .unwrap();
    assert_eq!(r.x_forwarded_for, Some(&b"1.1.1.1, 2.2.2.2"[..]));
    assert!(r.x_forwarded_for_repeated);
    assert_eq!(r.x_real_ip, Some(&b"9.9.9.9"[..]));
    let all: Vec<&[u8]> = field_values(r.head, b"x-forwarded-for").collect();
    assert_eq!(all, [&b"1.1.1.1, 2.2.2.2"[..], b"3.3.3.3"]);
    let one = with_fields("X-Forwarded-For: 1.1.1.1\r\nX-Forwarded-Foo: 2.2.2.2\r\n").unwrap();
    assert!(!one.x_forwarded_for_repeated);
    // Only the first Origin and X-Real-IP count.
    let r = with_fields("Origin: https://a.example\r\nOrigin: https://b.example\r\nX-Real-IP: 1.1.1.1\r\nX-Real-IP: 2.2.2.2\r\n")
        .unwrap();
    assert_eq!(r.origin, Some(&b"https://a.example"[..]));
    assert_eq!(r.x_real_ip, Some(&b"1.1.1.1"[..]));
}

#[test]
fn simple_get_fills_every_field() {
    let r = ok(b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n");
    assert_eq!(
        r,
        Request {
            method: Method::Get,
            method_bytes: b"GET",
            target: b"/index.html",
            version: Version::Http11,
            host: Some(b"example.com"),
            keep_alive: true,
            framing: Framing::None,
            if_none_match: None,
            if_modified_since: None,
            range: None,
            if_range: None,
            accept_encoding: None,
            accept_encoding_repeated: false,
            head: b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n",
            referer: None,
            user_agent: None,
            origin: None,
            x_forwarded_for: None,
            x_forwarded_for_repeated: false,
            x_real_ip: None,
        }
    );
}

#[test]
fn realistic_browser_request() {
    let s = b"GET /static/app.js?v=3 HTTP/1.1\r\n\
Host: localhost:8080\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\
Accept: */*\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Referer: http://localhost:8080/\r\n\
Connection: keep-alive\r\n\
Cookie: a=b; c=d\r\n\
Sec-Fetch-Dest: script\r\n\
If-Modified-Since: Tue, 01 Apr 2025 10:00:00 GMT\r\n\
If-None-Match: \"abc-123\"\r\n\
Priority: u=1\r\n\r\n";
    let r = ok(s);
    assert_eq!(r.method, Method::Get);
    assert_eq!(r.target, b"/static/app.js?v=3");
    assert_eq!(r.host, Some(&b"localhost:8080"[..]));
    assert_eq!(r.accept_encoding, Some(&b"gzip, deflate, br, zstd"[..]));
    assert_eq!(
        r.if_modified_since,
        Some(&b"Tue, 01 Apr 2025 10:00:00 GMT"[..])
    );
    assert_eq!(r.if_none_match, Some(&b"\"abc-123\""[..]));
    assert!(r.keep_alive);
    assert_eq!(r.framing, Framing::None);
}

#[test]
fn empty_and_tiny_buffers_are_partial() {
    partial(b"");
    partial(b"G");
    partial(b"GET");
    partial(b"GET ");
    partial(b"GET /");
    partial(b"GET / ");
    partial(b"GET / HTTP/1.1");
    partial(b"GET / HTTP/1.1\r");
    partial(b"GET / HTTP/1.1\r\n");
    partial(b"GET / HTTP/1.1\r\nHost: h\r\n");
    partial(b"GET / HTTP/1.1\r\nHost: h\r\n\r");
}

#[test]
fn http10_needs_no_host() {
    let r = ok(b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(r.version, Version::Http10);
    assert_eq!(r.host, None);
    assert!(!r.keep_alive);
}

#[test]
fn http10_with_host_reports_it() {
    let r = ok(b"HEAD /x HTTP/1.0\r\nHost: a.b\r\n\r\n");
    assert_eq!(r.method, Method::Head);
    assert_eq!(r.host, Some(&b"a.b"[..]));
}

#[test]
fn constants_are_consistent() {
    assert_eq!(MAX_HEAD, 8192 + 16384 + 20);
    assert_eq!(MAX_HEADERS, 100);
}

// ---- methods -----------------------------------------------------------------------

#[test]
fn method_classes() {
    let cases: &[(&str, Method)] = &[
        ("GET", Method::Get),
        ("HEAD", Method::Head),
        ("POST", Method::Other),
        ("PUT", Method::Other),
        ("DELETE", Method::Other),
        ("CONNECT", Method::Other),
        ("OPTIONS", Method::Other),
        ("TRACE", Method::Other),
        ("PATCH", Method::Other),
        ("get", Method::Unknown),
        ("Get", Method::Unknown),
        ("gET", Method::Unknown),
        ("head", Method::Unknown),
        ("Head", Method::Unknown),
        ("post", Method::Unknown),
        ("options", Method::Unknown),
        ("GE", Method::Unknown),
        ("GETS", Method::Unknown),
        ("HEADER", Method::Unknown),
        ("HEA", Method::Unknown),
        ("POSTS", Method::Unknown),
        ("PROPFIND", Method::Unknown),
        ("MKCOL", Method::Unknown),
        ("M-SEARCH", Method::Unknown),
        ("PRI", Method::Unknown),
        ("QUERY", Method::Unknown),
        ("X", Method::Unknown),
        ("1", Method::Unknown),
        ("!#$%&'*+-.^_`|~", Method::Unknown),
        ("GET1", Method::Unknown),
    ];
    for &(m, want) in cases {
        let s = format!("{m} / HTTP/1.1\r\nHost: h\r\n\r\n");
        let r = ok(s.as_bytes());
        assert_eq!(r.method, want, "{m}");
        assert_eq!(r.method_bytes, m.as_bytes());
    }
}

#[test]
fn method_at_the_request_line_limit_is_still_a_method() {
    let m = "A".repeat(MAX_REQUEST_LINE - 11);
    let s = format!("{m} / HTTP/1.1\r\nHost: h\r\n\r\n");
    let r = ok(s.as_bytes());
    assert_eq!(r.method, Method::Unknown);
    assert_eq!(r.method_bytes.len(), MAX_REQUEST_LINE - 11);
}

#[test]
fn malformed_methods() {
    let cases: &[&[u8]] = &[
        b" / HTTP/1.1\r\nHost: h\r\n\r\n",
        b" GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\tGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET\n\n",
        b"GET\r\nHost: h\r\n\r\n",
        b"GE(T / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET/ / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET: / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"G\"T / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"G\x00T / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"G\x7fT / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"G\xc3\xa9T / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"{GET} / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET,HEAD / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    ];
    for c in cases {
        assert_eq!(err(c), BAD, "{:?}", show(c));
    }
}

#[test]
fn malformed_methods_fail_before_the_line_ends() {
    assert_eq!(parse(b"GE("), Err(BAD));
    assert_eq!(parse(b" "), Err(BAD));
    assert_eq!(parse(b"GET\t"), Err(BAD));
    assert_eq!(parse(b"GET\r"), Err(BAD));
    assert_eq!(parse(b"\x16\x03"), Err(BAD));
}

#[test]
fn every_byte_inside_a_method() {
    for b in 0..=255u8 {
        let mut s = vec![b'G', b, b'T'];
        s.extend_from_slice(b" / HTTP/1.1\r\nHost: h\r\n\r\n");
        if tchar(b) {
            let r = ok(&s);
            assert_eq!(r.method_bytes, &[b'G', b, b'T']);
            let want = if b == b'E' {
                Method::Get
            } else {
                Method::Unknown
            };
            assert_eq!(r.method, want);
        } else {
            assert_eq!(err(&s), BAD, "byte {b:#x}");
        }
    }
}

#[test]
fn every_byte_opening_a_method() {
    for b in 0..=255u8 {
        let mut s = vec![b];
        s.extend_from_slice(b"ET / HTTP/1.1\r\nHost: h\r\n\r\n");
        if tchar(b) {
            assert_eq!(ok(&s).method_bytes, &[b, b'E', b'T']);
        } else if b == b'\n' {
            // An empty line before the request line is skipped.
            assert_eq!(ok(&s).method_bytes, b"ET");
        } else {
            assert_eq!(err(&s), BAD, "byte {b:#x}");
        }
    }
}

// ---- targets -----------------------------------------------------------------------

#[test]
fn target_forms_are_returned_raw() {
    let cases: &[(&str, &str)] = &[
        ("GET", "/"),
        ("GET", "/a/b/c.html"),
        ("GET", "/a?b=c&d=e"),
        ("GET", "/%2e%2e/%00"),
        ("GET", "/../../etc/passwd"),
        ("GET", "//double"),
        ("GET", "/a#frag"),
        ("GET", "/~user/"),
        ("GET", "/HTTP/1.1"),
        ("GET", "http://example.com/x?y"),
        ("GET", "https://example.com:8443/"),
        ("GET", "http://user@example.com/"),
        ("CONNECT", "example.com:443"),
        ("CONNECT", "[::1]:443"),
        ("OPTIONS", "*"),
        ("GET", "*"),
        ("GET", "noslash"),
        ("GET", "?"),
        ("GET", "/{}|\\^[]`\"<>"),
    ];
    for &(m, t) in cases {
        let s = format!("{m} {t} HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(ok(s.as_bytes()).target, t.as_bytes(), "{t}");
    }
}

#[test]
fn target_keeps_obs_text() {
    let r = ok(b"GET /caf\xc3\xa9/\xff\x80 HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_eq!(r.target, b"/caf\xc3\xa9/\xff\x80");
}

#[test]
fn malformed_targets() {
    let cases: &[&[u8]] = &[
        b"GET  HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET /  HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET /\tHTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET /\x00 HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET /\x1b[31m HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET /a\nb HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET /\n\n",
        b"GET /index.html\r\n",
        b"GET / \r\nHost: h\r\n\r\n",
        b"GET / \n\n",
    ];
    for c in cases {
        assert_eq!(err(c), BAD, "{:?}", show(c));
    }
}

#[test]
fn http09_style_request_fails_as_soon_as_its_line_ends() {
    assert_eq!(parse(b"GET /\r"), Err(BAD));
    assert_eq!(parse(b"GET /\n"), Err(BAD));
    assert_eq!(parse(b"GET /a\x00"), Err(BAD));
    assert_eq!(parse(b"GET  "), Err(BAD));
}

#[test]
fn every_byte_inside_a_target() {
    for b in 0..=255u8 {
        let mut s = b"GET /a".to_vec();
        s.extend_from_slice(&[b, b'b']);
        s.extend_from_slice(b" HTTP/1.1\r\nHost: h\r\n\r\n");
        if target_char(b) {
            assert_eq!(ok(&s).target, &[b'/', b'a', b, b'b']);
        } else {
            assert_eq!(err(&s), BAD, "byte {b:#x}");
        }
    }
}

#[test]
fn every_byte_at_every_offset_of_a_long_target() {
    for off in 1..27 {
        for b in 0..=255u8 {
            let mut t = vec![b'/'; 27];
            t[off] = b;
            let mut s = b"GET ".to_vec();
            s.extend_from_slice(&t);
            s.extend_from_slice(b" HTTP/1.1\r\nHost: h\r\n\r\n");
            if target_char(b) {
                assert_eq!(ok(&s).target, &t[..], "byte {b:#x} at {off}");
            } else {
                assert_eq!(err(&s), BAD, "byte {b:#x} at {off}");
            }
        }
    }
}

#[test]
fn every_byte_as_a_whole_target() {
    for b in 0..=255u8 {
        let mut s = b"GET ".to_vec();
        s.push(b);
        s.extend_from_slice(b" HTTP/1.1\r\nHost: h\r\n\r\n");
        if target_char(b) {
            assert_eq!(ok(&s).target, &[b]);
        } else {
            assert_eq!(err(&s), BAD, "byte {b:#x}");
        }
    }
}

// ---- versions ----------------------------------------------------------------------

#[test]
fn version_variants() {
    let cases: &[(&str, Result<Version, Error>)] = &[
        ("HTTP/1.1", Ok(Version::Http11)),
        ("HTTP/1.0", Ok(Version::Http10)),
        ("HTTP/2.0", Err(V505)),
        ("HTTP/3.0", Err(V505)),
        ("HTTP/0.9", Err(V505)),
        ("HTTP/0.0", Err(V505)),
        ("HTTP/1.2", Err(V505)),
        ("HTTP/1.9", Err(V505)),
        ("HTTP/2.1", Err(V505)),
        ("HTTP/9.9", Err(V505)),
        ("http/1.1", Err(BAD)),
        ("Http/1.1", Err(BAD)),
        ("HTTP/1.1 ", Err(BAD)),
        ("HTTP/1.1\t", Err(BAD)),
        ("HTTP/1.1x", Err(BAD)),
        ("HTTP/1.10", Err(BAD)),
        ("HTTP/1.1.1", Err(BAD)),
        ("HTTP/1", Err(BAD)),
        ("HTTP/2", Err(BAD)),
        ("HTTP/", Err(BAD)),
        ("HTTP", Err(BAD)),
        ("H", Err(BAD)),
        ("HTTP/11.1", Err(BAD)),
        ("HTTP/01.1", Err(BAD)),
        ("HTTP/1.01", Err(BAD)),
        ("HTTP/1,1", Err(BAD)),
        ("HTTP/1-1", Err(BAD)),
        ("HTTP/a.b", Err(BAD)),
        ("HTTP/+1.1", Err(BAD)),
        ("HTTP/1.+1", Err(BAD)),
        ("HTTP 1.1", Err(BAD)),
        ("HTTP /1.1", Err(BAD)),
        ("HTTP\\1.1", Err(BAD)),
        ("HTTPS/1.1", Err(BAD)),
        ("HTTX/1.1", Err(BAD)),
        ("ICE/1.0", Err(BAD)),
        ("RTSP/1.0", Err(BAD)),
        (" HTTP/1.1", Err(BAD)),
        ("HTTP/1.1 HTTP/1.1", Err(BAD)),
        ("HTTP/\u{0661}.1", Err(BAD)),
    ];
    for &(v, want) in cases {
        let s = format!("GET / {v}\r\nHost: h\r\n\r\n");
        match want {
            Ok(version) => assert_eq!(ok(s.as_bytes()).version, version, "{v}"),
            Err(e) => assert_eq!(err(s.as_bytes()), e, "{v}"),
        }
    }
}

#[test]
fn unsupported_version_is_known_once_the_request_line_ends() {
    assert_eq!(parse(b"GET / HTTP/2.0\r\n"), Err(V505));
    assert_eq!(parse(b"GET / HTTP/0.9\n"), Err(V505));
    assert_eq!(parse(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Err(V505));
    assert_eq!(parse(b"GET / HTTP/2.0\r"), Ok(Parsed::Partial));
    assert_eq!(parse(b"GET / HTTP/2.0\rX"), Err(BAD));
}

#[test]
fn bad_versions_fail_before_the_line_ends() {
    partial(b"GET / H");
    partial(b"GET / HTTP/");
    partial(b"GET / HTTP/2");
    partial(b"GET / HTTP/2.");
    assert_eq!(parse(b"GET / h"), Err(BAD));
    assert_eq!(parse(b"GET / HTTPS"), Err(BAD));
    assert_eq!(parse(b"GET / HTTP/x"), Err(BAD));
    assert_eq!(parse(b"GET / HTTP/1.1 "), Err(BAD));
    assert_eq!(parse(b"GET / HTTP/1.1/"), Err(BAD));
}

#[test]
fn every_byte_at_every_version_position() {
    let base = *b"HTTP/1.1";
    for i in 0..base.len() {
        for b in 0..=255u8 {
            let mut v = base;
            v[i] = b;
            let mut s = b"GET / ".to_vec();
            s.extend_from_slice(&v);
            s.extend_from_slice(b"\r\nHost: h\r\n\r\n");
            let pattern = match i {
                5 | 7 => b.is_ascii_digit(),
                _ => b == base[i],
            };
            if &v == b"HTTP/1.1" {
                assert_eq!(ok(&s).version, Version::Http11);
            } else if &v == b"HTTP/1.0" {
                assert_eq!(ok(&s).version, Version::Http10);
            } else if pattern {
                assert_eq!(err(&s), V505, "{:?}", show(&v));
            } else {
                assert_eq!(err(&s), BAD, "{:?}", show(&v));
            }
        }
    }
}

// ---- line endings and leading empty lines ------------------------------------------

#[test]
fn lf_only_request() {
    let s = b"GET /x HTTP/1.1\nHost: h\nRange: bytes=0-1\n\n";
    let r = ok(s);
    assert_eq!(r.target, b"/x");
    assert_eq!(r.host, Some(&b"h"[..]));
    assert_eq!(r.range, Some(&b"bytes=0-1"[..]));
}

#[test]
fn mixed_line_endings() {
    ok(b"GET / HTTP/1.1\nHost: h\r\n\n");
    ok(b"GET / HTTP/1.1\r\nHost: h\n\r\n");
    ok(b"GET / HTTP/1.1\nHost: h\n\r\n");
    ok(b"GET / HTTP/1.0\n\r\n");
    ok(b"GET / HTTP/1.0\r\n\n");
}

#[test]
fn bare_cr_is_rejected_everywhere() {
    let cases: &[&[u8]] = &[
        b"\rGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\r\rGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\r\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET / HTTP/1.1\rHost: h\r\n\r\n",
        b"GET / HTTP/1.1\r\rHost: h\r\n\r\n",
        b"GET / HTTP/1.1\r\r\nHost: h\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\nX: \r\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\n\r\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\n\rX",
        b"GET / HTTP/1.1\r\nHost: h\r\n\r\r",
        b"GET / HTTP/1.1\r\n\rHost: h\r\n\r\n",
    ];
    for c in cases {
        assert_eq!(err(c), BAD, "{:?}", show(c));
    }
}

#[test]
fn trailing_cr_waits_for_its_lf() {
    partial(b"\r");
    partial(b"\r\n\r");
    partial(b"GET / HTTP/1.1\r");
    partial(b"GET / HTTP/1.1\r\nHost: h\r");
    partial(b"GET / HTTP/1.1\r\nHost: h\r\nX: \r");
    partial(b"GET / HTTP/1.1\r\nHost: h\r\n\r");
}

#[test]
fn leading_empty_lines_are_skipped_and_counted() {
    let cases: &[&[u8]] = &[
        b"\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\n\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\n\n\n\n\n\n\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\n\r\n\n\r\n\n\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
    ];
    for c in cases {
        let r = ok(c);
        assert_eq!(r.method_bytes, b"GET");
        assert_eq!(r.target, b"/");
    }
}

#[test]
fn too_many_leading_empty_lines() {
    let cases: &[&[u8]] = &[
        b"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\n\n\n\n\n\n\n\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\n\n\n\n\n\n\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\n\n\n\n\n\n\n\n\r",
        b"\n\n\n\n\n\n\n\n\n",
    ];
    for c in cases {
        assert_eq!(err(c), BAD, "{:?}", show(c));
    }
    partial(b"\n\n\n\n\n\n\n\n");
    partial(b"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n");
}

#[test]
fn a_flood_of_crlf_ends_quickly() {
    let flood = b"\r\n".repeat(1 << 20);
    assert_eq!(parse(&flood), Err(BAD));
    let flood = b"\n".repeat(1 << 20);
    assert_eq!(parse(&flood), Err(BAD));
}

#[test]
fn empty_lines_between_field_lines_end_the_head() {
    // The second request would start with "X: y"; the first ends at the empty line.
    let s = b"GET / HTTP/1.1\r\nHost: h\r\n\r\nX: y\r\n\r\n";
    match run(s) {
        Ok(Parsed::Complete(r, n)) => {
            assert_eq!(n, 27);
            assert_eq!(r.host, Some(&b"h"[..]));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(parse(&s[27..]), Err(BAD));
}

// ---- header names --------------------------------------------------------------------

#[test]
fn malformed_field_names() {
    let cases: &[&str] = &[
        "Host : h\r\n",
        "X-A : v\r\n",
        "X-A\t: v\r\n",
        "X A: v\r\n",
        "X\tA: v\r\n",
        ": v\r\n",
        ":\r\n",
        "X-A\r\n",
        "X-A v\r\n",
        "X-A\n",
        "X(A): v\r\n",
        "X/A: v\r\n",
        "X@A: v\r\n",
        "X[A]: v\r\n",
        "X\"A\": v\r\n",
        "X{A}: v\r\n",
        "X,A: v\r\n",
        "X;A: v\r\n",
        "X=A: v\r\n",
        "X?A: v\r\n",
        "X\\A: v\r\n",
        "X<A>: v\r\n",
        "X\u{e9}: v\r\n",
        "X\u{7f}: v\r\n",
        "X\u{0}: v\r\n",
        " X-A: v\r\n",
        "\tX-A: v\r\n",
        "Content-Length : 5\r\n",
        "Transfer-Encoding : chunked\r\n",
    ];
    for c in cases {
        assert_eq!(with_fields(c), Err(BAD), "{c:?}");
    }
}

#[test]
fn odd_but_valid_field_names() {
    let cases: &[&str] = &[
        "X_A: v\r\n",
        "x: v\r\n",
        "1: v\r\n",
        "!#$%&'*+-.^_`|~: v\r\n",
        "X-A:: v\r\n",
        "X-A:v\r\n",
        "X-A:\r\n",
        "X-A:   \r\n",
        "Hos: h\r\n",
        "Hostt: h\r\n",
        "Content-Lengthx: abc\r\n",
        "XTransfer-Encoding: gzip\r\n",
    ];
    for c in cases {
        assert!(with_fields(c).is_ok(), "{c:?}");
    }
}

#[test]
fn whitespace_before_the_first_field_is_rejected() {
    assert_eq!(err(b"GET / HTTP/1.1\r\n Host: h\r\n\r\n"), BAD);
    assert_eq!(err(b"GET / HTTP/1.1\r\n\tHost: h\r\n\r\n"), BAD);
    assert_eq!(parse(b"GET / HTTP/1.1\r\n "), Err(BAD));
}

#[test]
fn every_byte_inside_a_field_name() {
    for b in 0..=255u8 {
        let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nX".to_vec();
        s.extend_from_slice(&[b, b'Y']);
        s.extend_from_slice(b": v\r\n\r\n");
        if tchar(b) || b == b':' {
            ok(&s);
        } else {
            assert_eq!(err(&s), BAD, "byte {b:#x}");
        }
    }
}

#[test]
fn every_byte_opening_a_field_line() {
    let head = b"GET / HTTP/1.1\r\nHost: h\r\n";
    for b in 0..=255u8 {
        let mut s = head.to_vec();
        s.push(b);
        s.extend_from_slice(b"X: v\r\n\r\n");
        if tchar(b) {
            ok(&s);
        } else if b == b'\n' {
            // A bare LF is the empty line that ends the head.
            match run(&s) {
                Ok(Parsed::Complete(_, n)) => assert_eq!(n, head.len() + 1),
                other => panic!("{other:?}"),
            }
        } else {
            assert_eq!(err(&s), BAD, "byte {b:#x}");
        }
    }
}

#[test]
fn field_names_compare_case_insensitively() {
    let r = with_fields(
        "CONTENT-LENGTH: 3\r\nconnection: CLOSE\r\nIF-NONE-MATCH: a\r\nif-modified-since: b\r\n\
RaNgE: c\r\nIf-RaNgE: d\r\nACCEPT-encoding: e\r\n",
    )
    .unwrap();
    assert_eq!(r.framing, Framing::Length(3));
    assert!(!r.keep_alive);
    assert_eq!(r.if_none_match, Some(&b"a"[..]));
    assert_eq!(r.if_modified_since, Some(&b"b"[..]));
    assert_eq!(r.range, Some(&b"c"[..]));
    assert_eq!(r.if_range, Some(&b"d"[..]));
    assert_eq!(r.accept_encoding, Some(&b"e"[..]));
    assert_eq!(
        ok(b"GET / HTTP/1.1\r\nHOST: x\r\n\r\n").host,
        Some(&b"x"[..])
    );
    assert_eq!(
        ok(b"GET / HTTP/1.1\r\nhOsT: x\r\n\r\n").host,
        Some(&b"x"[..])
    );
    assert_eq!(
        with_fields("tRANSFER-eNCODING: ChUnKeD\r\n")
            .unwrap()
            .framing,
        Framing::Chunked
    );
}

// ---- header values -------------------------------------------------------------------

#[test]
fn every_byte_inside_a_field_value() {
    for b in 0..=255u8 {
        let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nRange: a".to_vec();
        s.extend_from_slice(&[b, b'b']);
        s.extend_from_slice(b"\r\n\r\n");
        if value_char(b) {
            assert_eq!(ok(&s).range, Some(&[b'a', b, b'b'][..]));
        } else {
            assert_eq!(err(&s), BAD, "byte {b:#x}");
        }
    }
}

#[test]
fn every_byte_at_every_offset_of_a_long_value() {
    // Values are scanned a word at a time: a bad byte must be caught in any lane.
    for off in 0..27 {
        for b in 0..=255u8 {
            // Never last: a final LF would just end the line.
            let mut v = vec![b'v'; 28];
            v[off] = b;
            let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nRange: ".to_vec();
            s.extend_from_slice(&v);
            s.extend_from_slice(b"\r\n\r\n");
            if value_char(b) {
                let want = v.trim_ascii();
                assert_eq!(ok(&s).range, Some(want), "byte {b:#x} at {off}");
            } else {
                assert_eq!(err(&s), BAD, "byte {b:#x} at {off}");
            }
        }
    }
}

#[test]
fn tabs_in_a_long_value_do_not_end_it() {
    let v = b"a\tb\tc\td\te\tf\tg\th\ti\tj\tk\tl\tm\tn\to";
    let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nRange: ".to_vec();
    s.extend_from_slice(v);
    s.extend_from_slice(b"\r\n\r\n");
    assert_eq!(ok(&s).range, Some(&v[..]));
}

#[test]
fn every_byte_as_a_whole_field_value() {
    for b in 0..=255u8 {
        let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nRange:".to_vec();
        s.push(b);
        s.extend_from_slice(b"\r\n\r\n");
        if b == b' ' || b == b'\t' {
            assert_eq!(ok(&s).range, Some(&b""[..]));
        } else if value_char(b) {
            assert_eq!(ok(&s).range, Some(&[b][..]));
        } else if b == b'\n' {
            // "Range:\n" ends the field, the CRLF after it ends the head.
            match run(&s) {
                Ok(Parsed::Complete(r, n)) => {
                    assert_eq!(r.range, Some(&b""[..]));
                    assert_eq!(n, s.len() - 2);
                }
                other => panic!("{other:?}"),
            }
        } else {
            assert_eq!(err(&s), BAD, "byte {b:#x}");
        }
    }
}

#[test]
fn malformed_values() {
    let cases: &[&[u8]] = &[
        b"X: a\x00b\r\n",
        b"X: \x00\r\n",
        b"X: a\x7f\r\n",
        b"X: a\x0bb\r\n",
        b"X: a\x0cb\r\n",
        b"X: a\x1bb\r\n",
        b"X: a\x01\r\n",
        b"X: a\x1f\r\n",
        b"X: a\rb\r\n",
        b"X: a\r \r\n",
        b"Range: bytes=0-\x00\r\n",
        b"Host: h\x00\r\n",
    ];
    for c in cases {
        let mut s = b"GET / HTTP/1.0\r\n".to_vec();
        s.extend_from_slice(c);
        s.extend_from_slice(b"\r\n");
        assert_eq!(err(&s), BAD, "{:?}", show(c));
    }
}

#[test]
fn bad_value_bytes_fail_before_the_line_ends() {
    assert_eq!(parse(b"GET / HTTP/1.1\r\nX: a\x00"), Err(BAD));
    assert_eq!(parse(b"GET / HTTP/1.1\r\nX: a\x7f"), Err(BAD));
    assert_eq!(parse(b"GET / HTTP/1.1\r\nX A"), Err(BAD));
    assert_eq!(parse(b"GET / HTTP/1.1\r\nX\t"), Err(BAD));
}

#[test]
fn obs_fold_is_rejected() {
    let cases: &[&str] = &[
        "X: a\r\n b\r\n",
        "X: a\r\n\tb\r\n",
        "X: a\n b\n",
        "X:\r\n b\r\n",
        "Range: bytes=0-1,\r\n 3-4\r\n",
        "Connection: keep-alive,\r\n close\r\n",
        "Content-Length: 5\r\n 5\r\n",
        "X: a\r\n \r\n",
        "X: a\r\n\t\r\n",
    ];
    for c in cases {
        assert_eq!(with_fields(c), Err(BAD), "{c:?}");
    }
    assert_eq!(err(b"GET / HTTP/1.1\r\nHost: h\r\n  x\r\n\r\n"), BAD);
    assert_eq!(err(b"GET / HTTP/1.1\r\nHost:\r\n h\r\n\r\n"), BAD);
}

#[test]
fn values_are_trimmed_of_ows_only_at_the_ends() {
    let cases: &[(&str, &str)] = &[
        ("Range:bytes=0-1", "bytes=0-1"),
        ("Range: bytes=0-1", "bytes=0-1"),
        ("Range:    bytes=0-1", "bytes=0-1"),
        ("Range:\tbytes=0-1", "bytes=0-1"),
        ("Range: \t \tbytes=0-1\t \t", "bytes=0-1"),
        ("Range: bytes=0-1   ", "bytes=0-1"),
        ("Range: a b\tc", "a b\tc"),
        ("Range: a  b", "a  b"),
        ("Range:", ""),
        ("Range: ", ""),
        ("Range:\t\t", ""),
        ("Range: \u{e9}", "\u{e9}"),
    ];
    for &(line, want) in cases {
        let r = with_fields(&format!("{line}\r\n")).unwrap();
        assert_eq!(r.range, Some(want.as_bytes()), "{line:?}");
    }
}

#[test]
fn first_occurrence_of_each_tracked_field_wins() {
    let r = with_fields(
        "If-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\
If-Modified-Since: one\r\nIf-Modified-Since: two\r\n\
Range: bytes=0-0\r\nRange: bytes=1-1\r\n\
If-Range: \"x\"\r\nIf-Range: \"y\"\r\n\
Accept-Encoding: gzip\r\nAccept-Encoding: br\r\n",
    )
    .unwrap();
    assert_eq!(r.if_none_match, Some(&b"\"a\""[..]));
    assert_eq!(r.if_modified_since, Some(&b"one"[..]));
    assert_eq!(r.range, Some(&b"bytes=0-0"[..]));
    assert_eq!(r.if_range, Some(&b"\"x\""[..]));
    assert_eq!(r.accept_encoding, Some(&b"gzip"[..]));
}

#[test]
fn an_empty_first_occurrence_still_wins() {
    let r = with_fields("Range:\r\nRange: bytes=0-1\r\n").unwrap();
    assert_eq!(r.range, Some(&b""[..]));
}

#[test]
fn tracked_fields_absent_are_none() {
    let r = with_fields("X-Range: a\r\nRanges: b\r\nIf-Match: c\r\nAccept: d\r\n").unwrap();
    assert_eq!(r.range, None);
    assert_eq!(r.if_range, None);
    assert_eq!(r.if_none_match, None);
    assert_eq!(r.if_modified_since, None);
    assert_eq!(r.accept_encoding, None);
}

type Field = for<'a> fn(&Request<'a>) -> Option<&'a [u8]>;

#[test]
fn each_tracked_field_alone() {
    let cases: &[(&str, Field)] = &[
        ("If-None-Match", |r| r.if_none_match),
        ("If-Modified-Since", |r| r.if_modified_since),
        ("Range", |r| r.range),
        ("If-Range", |r| r.if_range),
        ("Accept-Encoding", |r| r.accept_encoding),
        ("Referer", |r| r.referer),
        ("User-Agent", |r| r.user_agent),
        ("Origin", |r| r.origin),
        ("X-Forwarded-For", |r| r.x_forwarded_for),
        ("X-Real-IP", |r| r.x_real_ip),
    ];
    for (i, &(name, get)) in cases.iter().enumerate() {
        let r = with_fields(&format!("{name}: v{i}\r\n")).unwrap();
        let want = format!("v{i}");
        for (j, &(_, other)) in cases.iter().enumerate() {
            let got = other(&r);
            if i == j {
                assert_eq!(got, Some(want.as_bytes()), "{name}");
            } else {
                assert_eq!(got, None, "{name} leaked");
            }
        }
        assert_eq!(get(&r), Some(want.as_bytes()));
    }
}

// ---- Host ----------------------------------------------------------------------------

type HostWant = Result<Option<&'static [u8]>, Error>;

#[test]
fn host_rules() {
    let cases: &[(&[u8], HostWant)] = &[
        (b"GET / HTTP/1.1\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nX-Host: h\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost:\r\nHost:\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.0\r\n\r\n", Ok(None)),
        (b"GET / HTTP/1.1\r\nHost:\r\n\r\n", Ok(Some(b""))),
        (b"GET / HTTP/1.1\r\nHost:   \r\n\r\n", Ok(Some(b""))),
        (b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", Ok(Some(b"h"))),
        (b"GET / HTTP/1.1\r\nHost:h\r\n\r\n", Ok(Some(b"h"))),
        (b"GET / HTTP/1.1\r\nHost: \th \t\r\n\r\n", Ok(Some(b"h"))),
        (
            b"GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
            Ok(Some(b"example.com:8080")),
        ),
        (
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            Ok(Some(b"127.0.0.1")),
        ),
        (
            b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
            Ok(Some(b"[::1]:8080")),
        ),
        (
            b"GET / HTTP/1.1\r\nHost: [fe80::1%25eth0]\r\n\r\n",
            Ok(Some(b"[fe80::1%25eth0]")),
        ),
        (
            b"GET / HTTP/1.1\r\nHost: xn--bcher-kva.example\r\n\r\n",
            Ok(Some(b"xn--bcher-kva.example")),
        ),
        (
            b"GET / HTTP/1.1\r\nHost: EXAMPLE.COM\r\n\r\n",
            Ok(Some(b"EXAMPLE.COM")),
        ),
        (b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: a\tb\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: h/\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: user@h\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: h?x\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: h#x\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: \"h\"\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: h\\x\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: <h>\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: h\xc3\xa9\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: h\x00\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: h\x7f\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", Err(BAD)),
        (b"GET / HTTP/1.0\r\nHost: a b\r\n\r\n", Err(BAD)),
    ];
    for &(s, want) in cases {
        match want {
            Ok(host) => assert_eq!(ok(s).host, host, "{:?}", show(s)),
            Err(e) => assert_eq!(err(s), e, "{:?}", show(s)),
        }
    }
}

#[test]
fn missing_host_is_only_known_at_the_end() {
    partial(b"GET / HTTP/1.1\r\nX: y\r\n");
    assert_eq!(parse(b"GET / HTTP/1.1\r\nX: y\r\n\r\n"), Err(BAD));
    assert_eq!(parse(b"GET / HTTP/1.1\n\n"), Err(BAD));
}

#[test]
fn duplicate_host_fails_before_the_head_ends() {
    assert_eq!(parse(b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n"), Err(BAD));
}

#[test]
fn absolute_form_still_needs_host_in_http11() {
    assert_eq!(err(b"GET http://h/ HTTP/1.1\r\n\r\n"), BAD);
    let r = ok(b"GET http://h/x HTTP/1.1\r\nHost: other\r\n\r\n");
    assert_eq!(r.target, b"http://h/x");
    assert_eq!(r.host, Some(&b"other"[..]));
}

#[test]
fn every_byte_inside_a_host() {
    for b in 0..=255u8 {
        let mut s = b"GET / HTTP/1.1\r\nHost: a".to_vec();
        s.extend_from_slice(&[b, b'b']);
        s.extend_from_slice(b"\r\n\r\n");
        if host_char(b) {
            assert_eq!(ok(&s).host, Some(&[b'a', b, b'b'][..]));
        } else {
            assert_eq!(err(&s), BAD, "byte {b:#x}");
        }
    }
}

/// `items` yields what splitting at every comma and trimming OWS yields, empty elements
/// and all.
#[test]
fn items_are_the_trimmed_comma_separated_elements() {
    let mut rng = Rng::new(14);
    let alphabet = b"a, \t,x";
    let mut cases: Vec<Vec<u8>> = [&b""[..], b",", b" , ", b"a", b"a,b", b" a , b ,", b",,a,,"]
        .iter()
        .map(|c| c.to_vec())
        .collect();
    for _ in 0..2000 {
        let n = rng.below(12) as usize;
        cases.push((0..n).map(|_| alphabet[rng.below(6) as usize]).collect());
    }
    for case in cases {
        let want: Vec<&[u8]> = case.split(|&b| b == b',').map(trim_ows).collect();
        assert_eq!(items(&case).collect::<Vec<_>>(), want, "{}", show(&case));
    }
}

#[test]
fn each_field_is_where_its_name_is_spelt() {
    for (field, name) in [
        (super::Field::Host, "host"),
        (super::Field::Range, "range"),
        (super::Field::Origin, "origin"),
        (super::Field::Referer, "referer"),
        (super::Field::IfRange, "if-range"),
        (super::Field::XRealIp, "x-real-ip"),
        (super::Field::Connection, "connection"),
        (super::Field::UserAgent, "user-agent"),
        (super::Field::IfNoneMatch, "if-none-match"),
        (super::Field::ContentLength, "content-length"),
        (super::Field::AcceptEncoding, "accept-encoding"),
        (super::Field::XForwardedFor, "x-forwarded-for"),
        (super::Field::TransferEncoding, "transfer-encoding"),
        (super::Field::IfModifiedSince, "if-modified-since"),
    ] {
        let at = field as usize;
        assert_eq!(&FIELD_NAMES[at..at + name.len()], name.as_bytes());
    }
}
