//! Several requests in one buffer, and every split point of one.

use super::*;

/// Parses every request in `buf` in turn; returns them with where each began.
fn parse_all(buf: &[u8]) -> Vec<(usize, Request<'_>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        match parse(&buf[at..]) {
            Ok(Parsed::Complete(r, n)) => {
                out.push((at, r));
                at += n;
            }
            other => panic!("at {at}: {other:?}"),
        }
    }
    out
}

#[test]
fn pipelined_gets() {
    let buf = b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n\
HEAD /c HTTP/1.0\r\n\r\nGET /d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    let all = parse_all(buf);
    let targets: Vec<&[u8]> = all.iter().map(|(_, r)| r.target).collect();
    assert_eq!(targets, [&b"/a"[..], b"/b", b"/c", b"/d"]);
    let at: Vec<usize> = all.iter().map(|&(a, _)| a).collect();
    assert_eq!(at, [0, 28, 56, 76]);
    assert_eq!(all[2].1.method, Method::Head);
    assert!(all[1].1.keep_alive);
    assert!(!all[2].1.keep_alive);
    assert!(!all[3].1.keep_alive);
}

#[test]
fn bodyless_get_followed_by_another() {
    let buf = b"GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n";
    match run(buf) {
        Ok(Parsed::Complete(r, n)) => {
            assert_eq!(r.target, b"/");
            assert_eq!(r.framing, Framing::None);
            assert_eq!(n, 27);
            assert_eq!(ok(&buf[n..]).target, b"/next");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pipelined_with_partial_second_request() {
    let buf = b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHo";
    match parse(buf) {
        Ok(Parsed::Complete(r, n)) => {
            assert_eq!(r.target, b"/a");
            assert_eq!(parse(&buf[n..]), Ok(Parsed::Partial));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pipelined_after_a_body_and_stray_crlf() {
    // The caller skips the body; a client's extra CRLF after it is skipped here.
    let buf = b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello\r\n\
GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    let Ok(Parsed::Complete(first, n)) = parse(buf) else {
        panic!()
    };
    assert_eq!(first.framing, Framing::Length(5));
    let rest = &buf[n + 5..];
    let r = ok(rest);
    assert_eq!(r.target, b"/b");
}

#[test]
fn pipelined_lf_only_requests() {
    let buf = b"GET /1 HTTP/1.1\nHost: h\n\nGET /2 HTTP/1.0\n\n\nGET /3 HTTP/1.1\nHost: h\n\n";
    let all = parse_all(buf);
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].1.target, b"/3");
}

#[test]
fn pipelined_error_after_a_good_request() {
    let buf = b"GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: a b\r\n\r\n";
    let Ok(Parsed::Complete(_, n)) = parse(buf) else {
        panic!()
    };
    assert_eq!(parse(&buf[n..]), Err(BAD));
}

// ---- every split point ---------------------------------------------------------------

#[test]
fn every_prefix_of_a_valid_request_is_partial() {
    let requests: &[&[u8]] = &[
        b"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\r\n\nGET /x?y HTTP/1.1\r\nHost: example.com:80\r\nConnection: keep-alive\r\n\
Range: bytes=0-99\r\nIf-Range: \"e\"\r\nAccept-Encoding: gzip\r\n\
If-None-Match: \"e\"\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n",
        b"POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        b"PUT /u HTTP/1.1\nHost: h\nContent-Length: 10, 10\n\n",
        b"HEAD * HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\nHost:\r\n\r\n",
    ];
    for req in requests {
        let Ok(Parsed::Complete(r, n)) = parse(req) else {
            panic!("{:?}", show(req))
        };
        assert_eq!(n, req.len());
        for cut in 0..req.len() {
            assert_eq!(parse(&req[..cut]), Ok(Parsed::Partial), "cut {cut}");
        }
        // Followed by anything at all, the same request is found.
        for b in 0..=255u8 {
            let mut more = req.to_vec();
            more.push(b);
            assert_eq!(parse(&more), Ok(Parsed::Complete(r, n)));
        }
    }
}
