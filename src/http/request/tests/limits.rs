//! The size limits: request line, header section, field count and `MAX_HEAD`.

use super::*;

/// A request line of exactly `len` bytes: GET, a padded target, HTTP/1.1.
fn request_line(len: usize) -> Vec<u8> {
    let mut s = b"GET /".to_vec();
    s.resize(len - 9, b'a');
    s.extend_from_slice(b" HTTP/1.1");
    assert_eq!(s.len(), len);
    s
}

#[test]
fn request_line_at_the_limit() {
    for eol in [&b"\r\n"[..], b"\n"] {
        let mut s = request_line(MAX_REQUEST_LINE);
        s.extend_from_slice(eol);
        s.extend_from_slice(b"Host: h\r\n\r\n");
        assert_eq!(ok(&s).target.len(), MAX_REQUEST_LINE - 13);
    }
}

#[test]
fn request_line_one_over_the_limit() {
    for eol in [&b"\r\n"[..], b"\n"] {
        let mut s = request_line(MAX_REQUEST_LINE + 1);
        s.extend_from_slice(eol);
        s.extend_from_slice(b"Host: h\r\n\r\n");
        assert_eq!(err(&s), LONG);
    }
}

#[test]
fn request_line_limit_on_partial_input() {
    let line = request_line(MAX_REQUEST_LINE + 1);
    // Every byte of the line but the last may still end in time.
    assert_eq!(parse(&line[..MAX_REQUEST_LINE]), Ok(Parsed::Partial));
    assert_eq!(parse(&line), Err(LONG));
    let mut at = request_line(MAX_REQUEST_LINE);
    at.push(b'\r');
    assert_eq!(parse(&at), Ok(Parsed::Partial));
    at.push(b'\n');
    assert_eq!(parse(&at), Ok(Parsed::Partial));
}

#[test]
fn request_line_limit_in_each_part() {
    // The line runs out inside the method, the target, or the version.
    let method = vec![b'A'; MAX_REQUEST_LINE + 1];
    assert_eq!(parse(&method[..MAX_REQUEST_LINE]), Ok(Parsed::Partial));
    assert_eq!(parse(&method), Err(LONG));
    let mut target = b"GET /".to_vec();
    target.resize(MAX_REQUEST_LINE + 1, b'x');
    assert_eq!(parse(&target[..MAX_REQUEST_LINE]), Ok(Parsed::Partial));
    assert_eq!(parse(&target), Err(LONG));
    let mut version = b"GET /".to_vec();
    version.resize(MAX_REQUEST_LINE - 4, b'x');
    version.extend_from_slice(b" HTTP/1.1");
    assert_eq!(version.len(), MAX_REQUEST_LINE + 5);
    assert_eq!(parse(&version[..MAX_REQUEST_LINE]), Ok(Parsed::Partial));
    assert_eq!(parse(&version[..=MAX_REQUEST_LINE]), Err(LONG));
    assert_eq!(parse(&version), Err(LONG));
    version.extend_from_slice(b"\r\nHost: h\r\n\r\n");
    assert_eq!(err(&version), LONG);
}

#[test]
fn request_line_limit_is_per_line_after_empty_lines() {
    let mut s = b"\r\n".repeat(MAX_EMPTY_LINES);
    s.extend_from_slice(&request_line(MAX_REQUEST_LINE));
    s.extend_from_slice(b"\r\nHost: h\r\n\r\n");
    ok(&s);
    let mut s = b"\n".repeat(MAX_EMPTY_LINES);
    s.extend_from_slice(&request_line(MAX_REQUEST_LINE + 1));
    assert_eq!(err(&s), LONG);
}

#[test]
fn request_line_limit_counts_no_bytes_of_a_huge_buffer_beyond_it() {
    let mut s = b"GET /".to_vec();
    s.resize(1 << 20, b'a');
    assert_eq!(parse(&s), Err(LONG));
}

/// A head whose header section (field lines with endings) is exactly `bytes` long.
fn head_with_header_bytes(bytes: usize, eol: &[u8]) -> Vec<u8> {
    let mut s = b"GET / HTTP/1.1\r\n".to_vec();
    let start = s.len();
    s.extend_from_slice(b"Host: h");
    s.extend_from_slice(eol);
    s.extend_from_slice(b"X-Pad: ");
    let pad_to = start + bytes - eol.len();
    assert!(s.len() <= pad_to);
    s.resize(pad_to, b'v');
    s.extend_from_slice(eol);
    assert_eq!(s.len() - start, bytes);
    s.extend_from_slice(eol);
    s
}

#[test]
fn header_section_at_the_limit() {
    for eol in [&b"\r\n"[..], b"\n"] {
        let s = head_with_header_bytes(MAX_HEADER_BYTES, eol);
        assert_eq!(ok(&s).host, Some(&b"h"[..]));
    }
}

#[test]
fn header_section_one_over_the_limit() {
    for eol in [&b"\r\n"[..], b"\n"] {
        let s = head_with_header_bytes(MAX_HEADER_BYTES + 1, eol);
        assert_eq!(err(&s), LARGE);
    }
}

#[test]
fn header_section_limit_on_partial_input() {
    let start = b"GET / HTTP/1.1\r\n".len();
    let end = start + MAX_HEADER_BYTES;
    // Exactly at the limit: complete once the final empty line comes.
    let s = head_with_header_bytes(MAX_HEADER_BYTES, b"\r\n");
    assert_eq!(parse(&s[..end]), Ok(Parsed::Partial));
    assert_eq!(parse(&s[..=end]), Ok(Parsed::Partial));
    // One over with CRLF: the CR that lands on the limit seals it.
    let s = head_with_header_bytes(MAX_HEADER_BYTES + 1, b"\r\n");
    assert_eq!(parse(&s[..end - 1]), Ok(Parsed::Partial));
    assert_eq!(parse(&s[..end]), Err(LARGE));
    // A field line still open at the limit can no longer fit.
    let mut open = b"GET / HTTP/1.1\r\nHost: h\r\nX: ".to_vec();
    open.resize(end - 1, b'v');
    assert_eq!(parse(&open), Ok(Parsed::Partial));
    let mut lf = open.clone();
    lf.extend_from_slice(b"\n\r\n");
    ok(&lf);
    open.push(b'v');
    assert_eq!(parse(&open), Err(LARGE));
    // The same inside a field name that never gets its colon.
    let mut name = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
    name.resize(end - 1, b'N');
    assert_eq!(parse(&name), Ok(Parsed::Partial));
    name.push(b'N');
    assert_eq!(parse(&name), Err(LARGE));
}

#[test]
fn header_section_limit_stops_a_huge_buffer() {
    let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nX: ".to_vec();
    s.resize(1 << 20, b'v');
    assert_eq!(parse(&s), Err(LARGE));
}

#[test]
fn final_empty_line_is_not_counted_in_the_header_section() {
    let s = head_with_header_bytes(MAX_HEADER_BYTES, b"\r\n");
    match parse(&s) {
        Ok(Parsed::Complete(_, n)) => assert_eq!(n, 16 + MAX_HEADER_BYTES + 2),
        other => panic!("{other:?}"),
    }
}

/// A head with Host and `n - 1` more field lines.
fn head_with_fields(n: usize, version: &str) -> Vec<u8> {
    let mut s = format!("GET / HTTP/{version}\r\nHost: h\r\n");
    for i in 1..n {
        s.push_str(&format!("X-{i}: {i}\r\n"));
    }
    s.push_str("\r\n");
    s.into_bytes()
}

#[test]
fn header_count_at_the_limit() {
    ok(&head_with_fields(MAX_HEADERS, "1.1"));
    ok(&head_with_fields(MAX_HEADERS, "1.0"));
    // Repeated tracked fields count too.
    let mut s = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
    for _ in 1..MAX_HEADERS {
        s.extend_from_slice(b"Range: bytes=0-0\r\n");
    }
    s.extend_from_slice(b"\r\n");
    ok(&s);
}

#[test]
fn header_count_one_over_the_limit() {
    assert_eq!(err(&head_with_fields(MAX_HEADERS + 1, "1.1")), LARGE);
    assert_eq!(err(&head_with_fields(MAX_HEADERS + 1, "1.0")), LARGE);
    let mut empties = b"GET / HTTP/1.0\r\n".to_vec();
    for _ in 0..=MAX_HEADERS {
        empties.extend_from_slice(b"X:\n");
    }
    empties.push(b'\n');
    assert_eq!(err(&empties), LARGE);
}

#[test]
fn header_count_limit_on_partial_input() {
    let full = head_with_fields(MAX_HEADERS, "1.1");
    let body = &full[..full.len() - 2];
    assert_eq!(parse(body), Ok(Parsed::Partial));
    let mut s = body.to_vec();
    s.push(b'\r');
    assert_eq!(parse(&s), Ok(Parsed::Partial));
    let mut s = body.to_vec();
    s.push(b'X');
    assert_eq!(parse(&s), Err(LARGE));
    let mut s = body.to_vec();
    s.push(b'\n');
    assert!(matches!(parse(&s), Ok(Parsed::Complete(..))));
}

/// The largest head the limits allow: every allowance used to the full.
fn largest_head() -> Vec<u8> {
    let mut s = b"\r\n".repeat(MAX_EMPTY_LINES);
    s.extend_from_slice(&request_line(MAX_REQUEST_LINE));
    s.extend_from_slice(b"\r\nHost: h\r\nX: ");
    let start = 2 * MAX_EMPTY_LINES + MAX_REQUEST_LINE + 2;
    s.resize(start + MAX_HEADER_BYTES - 2, b'v');
    s.extend_from_slice(b"\r\n\r\n");
    s
}

#[test]
fn max_head_is_the_largest_valid_head() {
    let s = largest_head();
    assert_eq!(s.len(), MAX_HEAD);
    ok(&s);
}

#[test]
fn partial_never_reaches_max_head() {
    let s = largest_head();
    assert_eq!(parse(&s[..MAX_HEAD - 1]), Ok(Parsed::Partial));
    // One more byte anywhere in the head breaks a limit.
    let mut more_empty = b"\n".to_vec();
    more_empty.extend_from_slice(&s);
    assert_eq!(parse(&more_empty), Err(BAD));
    let mut longer = s.clone();
    longer.insert(2 * MAX_EMPTY_LINES + 5, b'a');
    assert_eq!(parse(&longer), Err(LONG));
    let mut larger = s.clone();
    larger.insert(MAX_HEAD - 6, b'v');
    assert_eq!(parse(&larger), Err(LARGE));
    // Its field line's CR now sits on the last byte the section may use.
    assert_eq!(parse(&larger[..MAX_HEAD - 3]), Ok(Parsed::Partial));
    assert_eq!(parse(&larger[..MAX_HEAD - 2]), Err(LARGE));
}

#[test]
fn partial_bound_holds_for_long_inputs_of_every_shape() {
    // Whatever the shape, a buffer of MAX_HEAD bytes always gets an answer.
    let shapes: Vec<Vec<u8>> = vec![
        vec![b'A'; MAX_HEAD],
        {
            let mut s = b"GET /".to_vec();
            s.resize(MAX_HEAD, b'a');
            s
        },
        {
            let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nX: ".to_vec();
            s.resize(MAX_HEAD, b'v');
            s
        },
        {
            let mut s = largest_head();
            s.truncate(MAX_HEAD - 2);
            s.extend_from_slice(b"\r\r");
            s
        },
        head_with_fields(MAX_HEADERS, "1.1")
            .into_iter()
            .chain(b"X-Y: z\r\n".repeat(4000))
            .take(MAX_HEAD)
            .collect(),
    ];
    for s in &shapes {
        assert_ne!(parse(s), Ok(Parsed::Partial));
    }
}
