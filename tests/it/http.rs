//! Protocol rules of staticd over real sockets: the headers of GET and HEAD
//! responses (Content-Type, Last-Modified, ETag, Date, Server), methods (405,
//! 501), request-line and version errors (400, 505), Host rules, size limits
//! (414, 431), header syntax errors that close the connection, request bodies
//! on GET (skipped, never parsed as requests), keep-alive for HTTP/1.0 and
//! 1.1, pipelining, and many parallel connections.

use crate::common;

use common::{
    Conn, HELLO, INDEX, Response, SUB_INDEX, Server, TempDir, get_req, head_req, mtime_secs,
    now_secs, parse_imf_fixdate, parse_responses, random_bytes, read_responses,
};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

const CSS: &str = "body { color: red; }\n";
const JS: &str = "console.log(1);\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

/// The usual site plus a few typed files and a 200 KiB binary.
fn site() -> TempDir {
    let root = common::site("http");
    root.file("style.css", CSS);
    root.file("app.js", JS);
    root.file("pic.png", PNG);
    root.file("blob.xyzzy", "unknown kind\n");
    root.file("big.bin", random_bytes(200 * 1024, 7));
    root
}

/// Starts staticd on `site()`; the root must outlive the server.
fn serve() -> (TempDir, Server) {
    let root = site();
    let server = Server::start(root.path(), &[]);
    (root, server)
}

/// Sends `raw` on a fresh connection, expects the error page `status`, then
/// expects the server to close the connection.
fn rejected_and_closed(server: &Server, raw: &[u8], status: u16) {
    let mut c = server.connect();
    c.send_lenient(raw);
    let r = c.read_response(false);
    assert_eq!(
        r.status,
        status,
        "request {:?} got {:?}",
        String::from_utf8_lossy(&raw[..raw.len().min(200)]),
        String::from_utf8_lossy(&r.head)
    );
    r.assert_error_page(status, false);
    c.assert_closed();
}

/// Sends `raw` on a fresh connection and expects the error page `status`.
fn rejected(server: &Server, raw: &[u8], status: u16) -> Response {
    let r = server.exchange(raw);
    assert_eq!(
        r.status,
        status,
        "request {:?} got {:?}",
        String::from_utf8_lossy(raw),
        String::from_utf8_lossy(&r.head)
    );
    r.assert_error_page(status, raw.starts_with(b"HEAD "));
    r
}

#[test]
fn get_serves_file_with_standard_headers() {
    let (root, server) = serve();
    let r = server.get("/hello.txt");
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.version, "HTTP/1.1");
    assert_eq!(r.text(), HELLO);
    assert_eq!(r.header("content-length"), Some("13"));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("server"), Some("staticd"));

    let date = r.header("date").expect("Date");
    let date = parse_imf_fixdate(date).unwrap_or_else(|| panic!("Date not IMF-fixdate: {date}"));
    assert!(
        (date - now_secs()).abs() <= 5,
        "Date is off by {}",
        date - now_secs()
    );

    let lm = r.header("last-modified").expect("Last-Modified");
    let lm = parse_imf_fixdate(lm).unwrap_or_else(|| panic!("Last-Modified not IMF-fixdate: {lm}"));
    assert_eq!(lm, mtime_secs(&root.path().join("hello.txt")));

    let etag = r.header("etag").expect("ETag");
    let opaque = etag.strip_prefix("W/").unwrap_or(etag);
    assert!(
        opaque.len() > 2 && opaque.starts_with('"') && opaque.ends_with('"'),
        "ETag is not a quoted entity-tag: {etag}"
    );
    assert_eq!(server.get("/hello.txt").header("etag"), Some(etag));
    assert_ne!(server.get("/style.css").header("etag"), Some(etag));

    // Each field appears once.
    for name in [
        "content-length",
        "content-type",
        "date",
        "server",
        "etag",
        "last-modified",
    ] {
        assert_eq!(r.header_all(name).len(), 1, "{name} repeated: {r:?}");
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn content_type_follows_extension() {
    let (_root, server) = serve();
    let cases = [
        ("/index.html", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/pic.png", "image/png"),
        ("/blob.xyzzy", "application/octet-stream"),
    ];
    for (path, want) in cases {
        let r = server.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(want), "{path}");
    }
    let js = server.get("/app.js");
    let ct = js.header("content-type").unwrap_or("");
    assert!(
        ct.starts_with("text/javascript") || ct.starts_with("application/javascript"),
        "/app.js Content-Type {ct:?}"
    );
    assert_eq!(server.get("/pic.png").body, PNG);
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn head_has_get_headers_and_no_body() {
    let (_root, server) = serve();
    let mut c = server.connect();
    // A small file, a big (streamed) one and a 404, each followed by a GET that
    // must parse: any body bytes after a HEAD would corrupt it.
    for (path, status) in [("/hello.txt", 200), ("/big.bin", 200), ("/missing", 404)] {
        // A sendfile file's head gains its ETag once it is hashed.
        if status == 200 {
            common::ask_until_etag(&mut c, &get_req(path));
        }
        c.send(head_req(path).as_bytes());
        let head = c.read_response(true);
        c.send(get_req(path).as_bytes());
        let get = c.read_response(false);
        assert_eq!(head.status, status, "HEAD {path}");
        assert_eq!(get.status, status, "GET {path}");
        for name in [
            "content-length",
            "content-type",
            "etag",
            "last-modified",
            "server",
        ] {
            assert_eq!(head.header(name), get.header(name), "{name} of {path}");
        }
        assert!(head.header("date").is_some(), "HEAD {path} lacks Date");
        c.send(get_req("/hello.txt").as_bytes());
        let next = c.read_response(false);
        assert_eq!(next.status, 200, "GET after HEAD {path}");
        assert_eq!(next.text(), HELLO, "GET after HEAD {path}");
    }
    c.assert_idle(300);
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn other_standard_methods_are_405_with_allow() {
    let (_root, server) = serve();
    for method in ["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"] {
        let raw = format!("{method} /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
        let r = rejected(&server, raw.as_bytes(), 405);
        assert_eq!(r.header("allow"), Some("GET, HEAD"), "{method}");
    }
    let r = rejected(
        &server,
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        405,
    );
    assert_eq!(r.header("allow"), Some("GET, HEAD"), "CONNECT");
    // A POST with a body: still 405, and the body is not taken for a request.
    let mut c = server.connect();
    c.send(b"POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\n\r\nGET / x\r\n");
    c.send(get_req("/hello.txt").as_bytes());
    let r = read_responses(&mut c, &["POST", "GET"]);
    assert_eq!(r[0].status, 405);
    assert_eq!((r[1].status, r[1].text()), (200, HELLO.to_string()));
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn unknown_and_lowercase_methods_are_501() {
    let (_root, server) = serve();
    rejected(&server, b"FOO /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", 501);
    rejected(&server, b"get /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", 501);
    rejected(&server, b"Get /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", 501);
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn malformed_request_lines_are_400_and_close() {
    let (_root, server) = serve();
    let lines: [&[u8]; 8] = [
        b"GET  / HTTP/1.1",
        b"GET /",
        b"GET / ",
        b"GET HTTP/1.1",
        b"GET / HTTP/1.1 x",
        b" GET / HTTP/1.1",
        b"GET / HTTP/1.1\t",
        b"GET hello.txt HTTP/1.1",
    ];
    for line in lines {
        let mut raw = line.to_vec();
        raw.extend_from_slice(b"\r\nHost: t\r\n\r\n");
        rejected_and_closed(&server, &raw, 400);
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn unsupported_versions_are_505_and_bad_ones_400() {
    let (_root, server) = serve();
    for version in ["HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "HTTP/3.0"] {
        let raw = format!("GET /hello.txt {version}\r\nHost: t\r\n\r\n");
        rejected_and_closed(&server, raw.as_bytes(), 505);
    }
    for version in ["http/1.1", "HTTP/1", "HTTP/1.1.1", "HTTP/a.b", "HTTPS/1.1"] {
        let raw = format!("GET /hello.txt {version}\r\nHost: t\r\n\r\n");
        rejected_and_closed(&server, raw.as_bytes(), 400);
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn host_header_rules() {
    let (_root, server) = serve();
    rejected_and_closed(&server, b"GET /hello.txt HTTP/1.1\r\n\r\n", 400);
    rejected_and_closed(
        &server,
        b"GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        400,
    );
    rejected_and_closed(
        &server,
        b"GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
        400,
    );
    let r = server.exchange(b"GET /hello.txt HTTP/1.0\r\n\r\n");
    assert_eq!((r.status, r.text()), (200, HELLO.to_string()));
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn request_line_over_8k_is_414_and_closes() {
    let (_root, server) = serve();
    // Just under the limit (the query is ignored): served.
    let ok = format!(
        "GET /hello.txt?{} HTTP/1.1\r\nHost: t\r\n\r\n",
        "q".repeat(8000)
    );
    let r = server.exchange(ok.as_bytes());
    assert_eq!((r.status, r.text()), (200, HELLO.to_string()));
    for len in [8300, 20_000, 70_000] {
        let raw = format!(
            "GET /hello.txt?{} HTTP/1.1\r\nHost: t\r\n\r\n",
            "q".repeat(len)
        );
        rejected_and_closed(&server, raw.as_bytes(), 414);
    }
    // A long request line that never ends is cut off too.
    rejected_and_closed(
        &server,
        format!("GET /{}", "a".repeat(9000)).as_bytes(),
        414,
    );
    assert_eq!(server.stop().code(), Some(0));
}

/// A GET for /hello.txt whose header fields are `n` fields of `size` bytes each, plus Host.
fn many_fields(n: usize, size: usize) -> String {
    let mut raw = String::from("GET /hello.txt HTTP/1.1\r\nHost: t\r\n");
    for i in 0..n {
        let name = format!("X-Field-{i:03}: ");
        raw.push_str(&name);
        raw.push_str(&"v".repeat(size.saturating_sub(name.len() + 2)));
        raw.push_str("\r\n");
    }
    raw.push_str("\r\n");
    raw
}

#[test]
fn headers_over_16k_are_431_and_close() {
    let (_root, server) = serve();
    // 15 KiB of fields in 15 lines: accepted.
    let r = server.exchange(many_fields(15, 1024).as_bytes());
    assert_eq!((r.status, r.text()), (200, HELLO.to_string()));
    // 17 KiB: too large, in many lines or in one.
    rejected_and_closed(&server, many_fields(17, 1024).as_bytes(), 431);
    rejected_and_closed(&server, many_fields(1, 17 * 1024).as_bytes(), 431);
    rejected_and_closed(&server, many_fields(40, 2048).as_bytes(), 431);
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn more_than_100_fields_is_431_and_closes() {
    let (_root, server) = serve();
    // Host plus 99 fields = 100 fields: accepted.
    let r = server.exchange(many_fields(99, 20).as_bytes());
    assert_eq!((r.status, r.text()), (200, HELLO.to_string()));
    // Host plus 100 fields = 101: too many.
    rejected_and_closed(&server, many_fields(100, 20).as_bytes(), 431);
    rejected_and_closed(&server, many_fields(300, 12).as_bytes(), 431);
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn bad_header_syntax_is_400_and_closes() {
    let (_root, server) = serve();
    let cases: [&[u8]; 11] = [
        // obs-fold
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n  folded\r\n\r\n",
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n\tfolded\r\n\r\n",
        // whitespace before the colon
        b"GET /hello.txt HTTP/1.1\r\nHost : t\r\n\r\n",
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nX-A\t: 1\r\n\r\n",
        // invalid field-name characters, or none
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nX[A]: 1\r\n\r\n",
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nX\"A: 1\r\n\r\n",
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n: 1\r\n\r\n",
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nNoColon\r\n\r\n",
        // Content-Length with Transfer-Encoding
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        // two different Content-Lengths
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 4\r\n\r\nabcd",
    ];
    for raw in cases {
        rejected_and_closed(&server, raw, 400);
    }
    assert_eq!(server.stop().code(), Some(0));
}

/// RFC 9112 §6.1, §6.3 and §11.2: every ambiguous or malformed framing is
/// rejected before anything is served, and the connection closed, so no
/// byte of it can be read as the start of another request.
#[test]
fn request_smuggling_framing_is_rejected_and_the_connection_closed() {
    let (_root, server) = serve();
    for method in ["GET", "POST"] {
        for framing in common::SMUGGLING_FRAMINGS {
            let raw = format!(
                "{method} /hello.txt HTTP/1.1\r\nHost: t\r\n{framing}\r\n0\r\n\r\nGET /style.css HTTP/1.1\r\nHost: t\r\n\r\n"
            );
            rejected_and_closed(&server, raw.as_bytes(), 400);
        }
    }
    // HTTP/1.0 has no transfer codings: its framing would be a guess.
    rejected_and_closed(
        &server,
        b"GET /hello.txt HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    );
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn control_bytes_in_target_are_400_and_close() {
    let (_root, server) = serve();
    for ctl in [0u8, 1, 0x08, 0x1b, 0x7f] {
        let mut raw = b"GET /hel".to_vec();
        raw.push(ctl);
        raw.extend_from_slice(b"lo.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        rejected_and_closed(&server, &raw, 400);
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn get_body_is_skipped_never_parsed() {
    let (_root, server) = serve();
    // Five bytes that would turn the next request line into a 404 if parsed.
    let mut c = server.connect();
    c.send(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nGET /");
    c.send(b"GET /style.css HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = read_responses(&mut c, &["GET", "GET"]);
    assert_eq!((r[0].status, r[0].text()), (200, HELLO.to_string()));
    assert_eq!((r[1].status, r[1].text()), (200, CSS.to_string()));

    // A whole request as the body, sent in one write with the next request.
    let body = "GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n";
    let raw = format!(
        "GET /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{body}\
         GET /style.css HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut c = server.connect();
    c.send(raw.as_bytes());
    let all = parse_responses(&c.read_to_eof());
    let got: Vec<(u16, String)> = all.iter().map(|r| (r.status, r.text())).collect();
    assert_eq!(
        got,
        [(200, HELLO.to_string()), (200, CSS.to_string())],
        "the body was answered as a request"
    );
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn chunked_get_body_never_parsed_as_request() {
    let (_root, server) = serve();
    let chunk = "GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n";
    let raw = format!(
        "GET /hello.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{chunk}\r\n0\r\n\r\n\
         GET /style.css HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        chunk.len()
    );
    let mut c = server.connect();
    c.send_lenient(raw.as_bytes());
    let all = parse_responses(&c.read_to_eof());
    assert!(
        all.len() == 1 || all.len() == 2,
        "want one response then close, or two: {all:?}"
    );
    if all.len() == 2 {
        assert_eq!((all[1].status, all[1].text()), (200, CSS.to_string()));
    }
    for r in &all {
        assert_ne!(r.text(), INDEX, "the chunk data was answered as a request");
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn http11_keeps_alive_by_default() {
    let (_root, server) = serve();
    let mut c = server.connect();
    for path in ["/hello.txt", "/style.css", "/missing", "/hello.txt"] {
        c.send(get_req(path).as_bytes());
        let r = c.read_response(false);
        assert!(!r.connection_has("close"), "{path}: {r:?}");
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn connection_close_is_honoured() {
    let (_root, server) = serve();
    let mut c = server.connect();
    c.send(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!((r.status, r.text()), (200, HELLO.to_string()));
    assert!(r.connection_has("close"), "{r:?}");
    c.assert_closed();
    // Also when the token is not alone and in another case.
    let mut c = server.connect();
    c.send(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: foo, CLOSE\r\n\r\n");
    let r = c.read_response(false);
    assert!(r.connection_has("close"), "{r:?}");
    c.assert_closed();
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn http10_closes_by_default() {
    let (_root, server) = serve();
    let mut c = server.connect();
    c.send(b"GET /hello.txt HTTP/1.0\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!((r.status, r.text()), (200, HELLO.to_string()));
    assert!(!r.connection_has("keep-alive"), "{r:?}");
    c.assert_closed();
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn http10_keep_alive_stays_open() {
    let (_root, server) = serve();
    let mut c = server.connect();
    for path in ["/hello.txt", "/style.css", "/hello.txt"] {
        let raw = format!("GET {path} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        c.send(raw.as_bytes());
        let r = c.read_response(false);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.connection_has("keep-alive"), "{path}: {r:?}");
    }
    // The last request without keep-alive closes it.
    c.send(b"GET /hello.txt HTTP/1.0\r\n\r\n");
    assert_eq!(c.read_response(false).status, 200);
    c.assert_closed();
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn request_split_across_writes() {
    let (_root, server) = serve();
    let mut c = server.connect();
    // Byte by byte.
    for b in get_req("/hello.txt").as_bytes() {
        c.send(&[*b]);
        thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(c.read_response(false).text(), HELLO);
    // Two requests cut in the middle of a header line and of the final CRLF.
    let two = format!("{}{}", get_req("/style.css"), get_req("/hello.txt"));
    for piece in [&two[..20], &two[20..two.len() - 1], &two[two.len() - 1..]] {
        c.send(piece.as_bytes());
        thread::sleep(Duration::from_millis(50));
    }
    let r = read_responses(&mut c, &["GET", "GET"]);
    assert_eq!(
        (r[0].text(), r[1].text()),
        (CSS.to_string(), HELLO.to_string())
    );
    c.assert_idle(200);
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn fifty_pipelined_requests_answered_in_order() {
    let (_root, server) = serve();
    let kinds: [(&str, &str, u16, &str); 6] = [
        ("GET", "/hello.txt", 200, HELLO),
        ("GET", "/style.css", 200, CSS),
        ("GET", "/missing.txt", 404, ""),
        ("HEAD", "/hello.txt", 200, ""),
        ("GET", "/sub/", 200, SUB_INDEX),
        ("GET", "/index.html", 200, INDEX),
    ];
    let mut raw = String::new();
    let mut methods = Vec::new();
    for i in 0..50 {
        let (method, path, _, _) = kinds[i % kinds.len()];
        raw.push_str(&format!(
            "{method} {path}?n={i} HTTP/1.1\r\nHost: t\r\n\r\n"
        ));
        methods.push(method);
    }
    let mut c = server.connect();
    c.send(raw.as_bytes());
    let responses = read_responses(&mut c, &methods);
    for (i, r) in responses.iter().enumerate() {
        let (method, path, status, body) = kinds[i % kinds.len()];
        assert_eq!(r.status, status, "#{i} {method} {path}");
        if status == 200 {
            assert_eq!(r.text(), body, "#{i} {method} {path}");
        }
    }
    // The connection is still usable.
    c.send(get_req("/hello.txt").as_bytes());
    assert_eq!(c.read_response(false).text(), HELLO);
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn two_hundred_parallel_connections() {
    let (_root, server) = serve();
    let n = 200;
    let barrier = Arc::new(Barrier::new(n));
    let addr = server.addr();
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    // Connect failures must not leave the others waiting forever.
                    let c = std::panic::catch_unwind(|| Conn::open(addr));
                    barrier.wait();
                    let mut c = c.expect("connect");
                    for (path, body) in [
                        ("/hello.txt", HELLO),
                        ("/style.css", CSS),
                        ("/sub/", SUB_INDEX),
                    ] {
                        c.send(format!("GET {path}?c={i} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes());
                        let r = c.read_response(false);
                        assert_eq!((r.status, r.text()), (200, body.to_string()), "{path}");
                    }
                })
                .unwrap()
        })
        .collect();
    let failed = handles
        .into_iter()
        .map(|h| h.join())
        .filter(Result::is_err)
        .count();
    assert_eq!(failed, 0, "{failed} of {n} connections failed");
    assert_eq!(server.stop().code(), Some(0));
}
