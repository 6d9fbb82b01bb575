//! Request framing: Content-Length, Transfer-Encoding, smuggling variants and keep-alive.

use super::*;

fn body(fields: &str) -> Result<Framing, Error> {
    let s = format!("POST /upload HTTP/1.1\r\nHost: h\r\n{fields}\r\n");
    let s: &'static [u8] = s.into_bytes().leak();
    match run(s) {
        Ok(Parsed::Complete(r, n)) => {
            assert_eq!(n, s.len());
            assert_eq!(r.method, Method::Other);
            Ok(r.framing)
        }
        Ok(Parsed::Partial) => panic!("partial"),
        Err(e) => Err(e),
    }
}

#[test]
fn content_length_values() {
    let cases: &[(&str, Result<Framing, Error>)] = &[
        ("0", Ok(Framing::Length(0))),
        ("5", Ok(Framing::Length(5))),
        ("00", Ok(Framing::Length(0))),
        ("0005", Ok(Framing::Length(5))),
        ("1234567890", Ok(Framing::Length(1_234_567_890))),
        ("18446744073709551615", Ok(Framing::Length(u64::MAX))),
        ("018446744073709551615", Ok(Framing::Length(u64::MAX))),
        ("18446744073709551616", Err(BAD)),
        ("99999999999999999999", Err(BAD)),
        ("184467440737095516150", Err(BAD)),
        ("  5  ", Ok(Framing::Length(5))),
        ("\t5\t", Ok(Framing::Length(5))),
        ("5, 5", Ok(Framing::Length(5))),
        ("5,5", Ok(Framing::Length(5))),
        ("5 ,\t5 , 5", Ok(Framing::Length(5))),
        ("5, 05", Ok(Framing::Length(5))),
        ("", Err(BAD)),
        (" ", Err(BAD)),
        ("+5", Err(BAD)),
        ("-5", Err(BAD)),
        ("-0", Err(BAD)),
        ("5 5", Err(BAD)),
        ("5\t5", Err(BAD)),
        ("5, 6", Err(BAD)),
        ("6, 5", Err(BAD)),
        ("5, 5, 6", Err(BAD)),
        ("5,", Err(BAD)),
        (",5", Err(BAD)),
        ("5,,5", Err(BAD)),
        (",", Err(BAD)),
        ("0x5", Err(BAD)),
        ("5.0", Err(BAD)),
        ("1e3", Err(BAD)),
        ("5;", Err(BAD)),
        ("five", Err(BAD)),
        ("\u{0665}", Err(BAD)),
        ("\u{ff15}", Err(BAD)),
        ("5\"", Err(BAD)),
        ("\"5\"", Err(BAD)),
    ];
    for &(v, want) in cases {
        assert_eq!(body(&format!("Content-Length: {v}\r\n")), want, "{v:?}");
    }
}

#[test]
fn repeated_content_length_fields() {
    let cases: &[(&str, Result<Framing, Error>)] = &[
        (
            "Content-Length: 5\r\nContent-Length: 5\r\n",
            Ok(Framing::Length(5)),
        ),
        (
            "Content-Length:5\r\nContent-Length: 5\r\n",
            Ok(Framing::Length(5)),
        ),
        (
            "Content-Length: 5\r\ncontent-length: 5, 5\r\n",
            Ok(Framing::Length(5)),
        ),
        ("Content-Length: 5\r\nContent-Length: 6\r\n", Err(BAD)),
        ("Content-Length: 5\r\nContent-Length: 5, 6\r\n", Err(BAD)),
        ("Content-Length: 0\r\nContent-Length: 1\r\n", Err(BAD)),
        ("Content-Length: 5\r\nContent-Length:\r\n", Err(BAD)),
        ("Content-Length: 5\r\nContent-Length: x\r\n", Err(BAD)),
    ];
    for &(f, want) in cases {
        assert_eq!(body(f), want, "{f:?}");
    }
}

#[test]
fn transfer_encoding_values() {
    let cases: &[(&str, Result<Framing, Error>)] = &[
        ("chunked", Ok(Framing::Chunked)),
        ("Chunked", Ok(Framing::Chunked)),
        ("CHUNKED", Ok(Framing::Chunked)),
        ("  chunked\t", Ok(Framing::Chunked)),
        ("gzip, chunked", Ok(Framing::Chunked)),
        ("gzip,chunked", Ok(Framing::Chunked)),
        ("deflate, gzip, chunked", Ok(Framing::Chunked)),
        ("identity, chunked", Ok(Framing::Chunked)),
        ("chunked, identity", Err(BAD)),
        ("chunked, gzip", Err(BAD)),
        ("chunked, chunked", Err(BAD)),
        ("chunked,", Err(BAD)),
        (", chunked", Err(BAD)),
        ("gzip,, chunked", Err(BAD)),
        ("identity", Err(BAD)),
        ("gzip", Err(BAD)),
        ("", Err(BAD)),
        (" ", Err(BAD)),
        (",", Err(BAD)),
        ("chunk", Err(BAD)),
        ("chunkedx", Err(BAD)),
        ("xchunked", Err(BAD)),
        ("chunked;q=1", Err(BAD)),
        ("\"chunked\"", Err(BAD)),
        ("chunked chunked", Err(BAD)),
        ("gzip chunked", Err(BAD)),
        ("ch unked", Err(BAD)),
        ("\u{0441}hunked", Err(BAD)),
    ];
    for &(v, want) in cases {
        assert_eq!(body(&format!("Transfer-Encoding: {v}\r\n")), want, "{v:?}");
    }
}

#[test]
fn transfer_encoding_fields_combine() {
    let cases: &[(&str, Result<Framing, Error>)] = &[
        (
            "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
            Ok(Framing::Chunked),
        ),
        (
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
            Err(BAD),
        ),
        (
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            Err(BAD),
        ),
        (
            "Transfer-Encoding: chunked\r\nTransfer-Encoding:\r\n",
            Err(BAD),
        ),
        (
            "Transfer-Encoding: gzip\r\nTransfer-Encoding: identity\r\n",
            Err(BAD),
        ),
    ];
    for &(f, want) in cases {
        assert_eq!(body(f), want, "{f:?}");
    }
}

#[test]
fn smuggling_variants() {
    for f in crate::testing::SMUGGLING_FRAMINGS {
        let s = format!("POST / HTTP/1.1\r\nHost: h\r\n{f}\r\n");
        assert_eq!(parse(s.as_bytes()), Err(BAD), "{f:?}");
    }
    // Identical repeats are one value.
    assert_eq!(
        body("Content-Length:5\r\nContent-Length: 5\r\n"),
        Ok(Framing::Length(5))
    );
}

#[test]
fn framing_conflicts_fail_before_the_head_ends() {
    let cases: &[&[u8]] = &[
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: x\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n",
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n",
    ];
    for c in cases {
        assert_eq!(parse(c), Err(BAD), "{:?}", show(c));
    }
}

#[test]
fn transfer_encoding_in_http10() {
    let cases: &[&[u8]] = &[
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST / HTTP/1.0\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        b"POST / HTTP/1.0\r\nTransfer-Encoding: identity\r\n\r\n",
        b"POST / HTTP/1.0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
        b"GET / HTTP/1.0\r\nHost: h\r\ntransfer-encoding: CHUNKED\r\n\r\n",
    ];
    for c in cases {
        assert_eq!(err(c), BAD, "{:?}", show(c));
    }
    let r = ok(b"POST / HTTP/1.0\r\nContent-Length: 7\r\n\r\n");
    assert_eq!(r.framing, Framing::Length(7));
}

#[test]
fn no_framing_fields_means_no_body() {
    assert_eq!(body(""), Ok(Framing::None));
    assert_eq!(body("Content-Type: text/plain\r\n"), Ok(Framing::None));
    assert_eq!(body("Content-Length-X: 5\r\n"), Ok(Framing::None));
}

// ---- keep-alive ----------------------------------------------------------------------

#[test]
fn keep_alive_decisions() {
    let cases: &[(&str, &str, bool)] = &[
        ("1.1", "", true),
        ("1.1", "Connection: close\r\n", false),
        ("1.1", "Connection: Close\r\n", false),
        ("1.1", "Connection: CLOSE\r\n", false),
        ("1.1", "Connection:close\r\n", false),
        ("1.1", "Connection:  close  \r\n", false),
        ("1.1", "Connection: keep-alive\r\n", true),
        ("1.1", "Connection: Keep-Alive\r\n", true),
        ("1.1", "Connection: keep-alive, close\r\n", false),
        ("1.1", "Connection: close, keep-alive\r\n", false),
        ("1.1", "Connection: upgrade, close\r\n", false),
        ("1.1", "Connection: foo,close\r\n", false),
        ("1.1", "Connection: ,close,\r\n", false),
        ("1.1", "Connection: upgrade\r\n", true),
        ("1.1", "Connection: closed\r\n", true),
        ("1.1", "Connection: close-ish\r\n", true),
        ("1.1", "Connection: \"close\"\r\n", true),
        ("1.1", "Connection: clos e\r\n", true),
        ("1.1", "Connection:\r\n", true),
        ("1.1", "Connection: ,\r\n", true),
        ("1.1", "Connection: te\r\nConnection: close\r\n", false),
        (
            "1.1",
            "Connection: close\r\nConnection: keep-alive\r\n",
            false,
        ),
        ("1.1", "X-Connection: close\r\n", true),
        ("1.1", "Proxy-Connection: close\r\n", true),
        ("1.1", "Keep-Alive: timeout=5\r\n", true),
        ("1.0", "", false),
        ("1.0", "Connection: keep-alive\r\n", true),
        ("1.0", "Connection: Keep-Alive\r\n", true),
        ("1.0", "Connection: KEEP-ALIVE\r\n", true),
        ("1.0", "Connection:keep-alive\r\n", true),
        ("1.0", "Connection: foo, keep-alive\r\n", true),
        ("1.0", "Connection: keep-alive, foo\r\n", true),
        ("1.0", "Connection: keep-alive, close\r\n", false),
        ("1.0", "Connection: close, keep-alive\r\n", false),
        ("1.0", "Connection: close\r\n", false),
        (
            "1.0",
            "Connection: keep-alive\r\nConnection: close\r\n",
            false,
        ),
        (
            "1.0",
            "Connection: close\r\nConnection: keep-alive\r\n",
            false,
        ),
        ("1.0", "Connection: foo\r\nConnection: keep-alive\r\n", true),
        ("1.0", "Connection: keepalive\r\n", false),
        ("1.0", "Connection: keep-alive2\r\n", false),
        ("1.0", "Connection: keep alive\r\n", false),
        ("1.0", "Keep-Alive: timeout=5\r\n", false),
        ("1.0", "X-Connection: keep-alive\r\n", false),
    ];
    for &(v, fields, want) in cases {
        let host = if v == "1.1" { "Host: h\r\n" } else { "" };
        let s = format!("GET / HTTP/{v}\r\n{host}{fields}\r\n");
        assert_eq!(ok(s.as_bytes()).keep_alive, want, "{v} {fields:?}");
    }
}
