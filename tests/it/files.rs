//! What staticd serves and how: request targets (absolute form, query,
//! percent-decoding, dot-segments, traversal attempts, dot-files),
//! directories (301 to the slashed path, index files, `--index`), error
//! pages, empty/medium/big files byte for byte, symlinks inside and out of
//! ROOT, a slow reader not holding up others, clients vanishing
//! mid-transfer, and graceful shutdown on SIGTERM (in-flight downloads
//! finish, idle connections close, new connections are refused, the grace
//! period is bounded).

use crate::common;

use common::{
    Conn, HELLO, INDEX, Response, SUB_INDEX, Server, TempDir, assert_same_bytes, get_req, head_req,
    patterned_bytes, random_bytes,
};
use std::io::ErrorKind;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

const PAGE: &str = "<!DOCTYPE html><h1>page</h1>\n";
const SPACED: &str = "a file with a space\n";
const SECRET: &str = "root:x:0:0:secret outside the root\n";
const OUTSIDE: &str = "root:outside directory\n";

/// A base directory holding ROOT (`www`) and secrets beside it.
struct Site {
    base: TempDir,
}

impl Site {
    /// Populates ROOT with files, directories, dot-files and symlinks.
    fn new() -> Site {
        let base = TempDir::new("files");
        base.file("secret.txt", SECRET);
        base.file("outside/file.txt", OUTSIDE);
        base.usual_site("www");
        base.file("www/a b.txt", SPACED);
        base.file("www/sub/page.html", PAGE);
        base.file("www/sub/deeper/x.txt", "x\n");
        base.file("www/noindex/file.txt", "no index here\n");
        base.file("www/.hidden", "hidden\n");
        base.file("www/.git/config", "[core]\n");
        base.file("www/sub/.env", "SECRET=1\n");
        base.file("www/.well-known/security.txt", "Contact: x\n");
        base.file("www/empty.txt", "");
        base.symlink("hello.txt", "www/link-in");
        base.symlink("../hello.txt", "www/sub/link-up");
        base.symlink("sub", "www/sub-link");
        base.symlink("../secret.txt", "www/link-out");
        base.symlink(base.path().join("secret.txt"), "www/link-abs-out");
        base.symlink("/etc/passwd", "www/link-passwd");
        base.symlink("../outside", "www/dir-out");
        base.symlink(base.path().join("outside"), "www/dir-abs-out");
        Site { base }
    }

    /// The directory served.
    fn root(&self) -> PathBuf {
        self.base.path().join("www")
    }

    /// Writes `contents` to `rel` under ROOT.
    fn add(&self, rel: &str, contents: &[u8]) {
        self.base.file(&format!("www/{rel}"), contents);
    }

    /// Starts staticd on ROOT with `extra` arguments.
    fn serve(&self, extra: &[&str]) -> Server {
        Server::start(&self.root(), extra)
    }
}

/// Fails unless `r` is a 200 carrying exactly `body`.
fn assert_ok(r: &Response, body: &str, what: &str) {
    assert_eq!(
        r.status,
        200,
        "{what}: {:?}",
        String::from_utf8_lossy(&r.head)
    );
    assert_eq!(r.text(), body, "{what}");
}

/// Fails unless `r` refuses (`allowed` statuses) without leaking outside content.
fn assert_refused(r: &Response, allowed: &[u16], what: &str) {
    assert!(
        allowed.contains(&r.status),
        "{what}: got {} (want one of {allowed:?}): {:?}",
        r.status,
        String::from_utf8_lossy(&r.raw())
    );
    let text = r.text();
    assert!(
        !text.contains("root:") && !text.contains("secret"),
        "{what} leaked: {text:?}"
    );
}

#[test]
fn absolute_form_and_query() {
    let site = Site::new();
    let server = site.serve(&[]);
    for target in [
        "http://x/hello.txt",
        "http://example.com:8080/hello.txt?q=1",
        "/hello.txt?a=b",
        "/hello.txt?",
        "/hello.txt?../../etc/passwd",
    ] {
        assert_ok(&server.get(target), HELLO, target);
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn percent_decoding() {
    let site = Site::new();
    let server = site.serve(&[]);
    assert_ok(&server.get("/h%65llo.txt"), HELLO, "/h%65llo.txt");
    assert_ok(&server.get("/%68%65%6C%6c%6F.txt"), HELLO, "all escaped");
    assert_ok(&server.get("/a%20b.txt"), SPACED, "/a%20b.txt");
    assert_ok(&server.get("/s%75b/page.html"), PAGE, "/s%75b/page.html");
    for target in [
        "/%zz",
        "/%4",
        "/hello.txt%",
        "/%g0.txt",
        "/%00",
        "/hello%00.txt",
    ] {
        let r = server.get(target);
        assert_eq!(
            r.status,
            400,
            "{target}: {:?}",
            String::from_utf8_lossy(&r.head)
        );
        r.assert_error_page(400, false);
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn dot_segments_resolve_inside_root() {
    let site = Site::new();
    let server = site.serve(&[]);
    for (target, body) in [
        ("/sub/../hello.txt", HELLO),
        ("/./hello.txt", HELLO),
        ("/sub/./page.html", PAGE),
        ("/sub/deeper/../page.html", PAGE),
        ("/sub/deeper/../../hello.txt", HELLO),
        ("/sub//page.html", PAGE),
    ] {
        assert_ok(&server.get(target), body, target);
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn traversal_never_escapes_root() {
    let site = Site::new();
    let server = site.serve(&[]);
    for target in [
        "/../secret.txt",
        "/../../etc/passwd",
        "/../../../../../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/secret.txt",
        "/..%2f..%2fetc/passwd",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/sub/../../secret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/.%2e/secret.txt",
        "/sub/..%2f..%2fsecret.txt",
        "http://x/../secret.txt",
        "../secret.txt",
    ] {
        assert_refused(&server.get(target), &[400, 404], target);
    }
    // Climbing from ROOT itself stops at ROOT (RFC 3986 dot-segment removal):
    // refused or ROOT's own index, never anything outside.
    for target in ["/..", "/../", "/%2e%2e/"] {
        let r = server.get(target);
        assert_refused(&r, &[200, 400, 404], target);
        if r.status == 200 {
            assert_eq!(r.text(), INDEX, "{target}");
        }
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn dot_segments_are_hidden() {
    let site = Site::new();
    let server = site.serve(&[]);
    for target in [
        "/.hidden",
        "/.git/config",
        "/.git",
        "/.git/",
        "/sub/.env",
        "/%2ehidden",
        "/sub/%2eenv",
    ] {
        let r = server.get(target);
        assert_eq!(
            r.status,
            404,
            "{target}: {:?}",
            String::from_utf8_lossy(&r.raw())
        );
        r.assert_error_page(404, false);
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn directory_without_slash_redirects() {
    let site = Site::new();
    let server = site.serve(&[]);
    for (target, location) in [
        ("/sub", "/sub/"),
        ("/sub?x=1", "/sub/?x=1"),
        ("/sub/deeper", "/sub/deeper/"),
        ("/noindex", "/noindex/"),
    ] {
        let r = server.get(target);
        assert_eq!(
            r.status,
            301,
            "{target}: {:?}",
            String::from_utf8_lossy(&r.head)
        );
        assert_eq!(r.header("location"), Some(location), "{target}");
        r.assert_error_page(301, false);
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn directory_with_slash_serves_index_or_404() {
    let site = Site::new();
    let server = site.serve(&[]);
    assert_ok(&server.get("/"), INDEX, "/");
    assert_ok(&server.get("/sub/"), SUB_INDEX, "/sub/");
    let r = server.get("/sub/");
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    for target in ["/noindex/", "/sub/deeper/"] {
        server.get(target).assert_error_page(404, false);
    }
    // A file with a trailing slash is not a directory.
    assert_eq!(server.get("/hello.txt/").status, 404);
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn index_option_changes_index_name() {
    let site = Site::new();
    site.add("sub/home.htm", b"home.htm of sub\n");
    site.add("home.htm", b"home.htm of root\n");
    let server = site.serve(&["--index", "home.htm"]);
    assert_ok(&server.get("/"), "home.htm of root\n", "/");
    assert_ok(&server.get("/sub/"), "home.htm of sub\n", "/sub/");
    // noindex/ has no home.htm, sub/deeper has nothing.
    assert_eq!(server.get("/noindex/").status, 404);
    assert_eq!(server.get("/sub/deeper/").status, 404);
    // index.html is still an ordinary file.
    assert_ok(&server.get("/sub/index.html"), SUB_INDEX, "/sub/index.html");
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn error_responses_have_short_html_bodies() {
    let site = Site::new();
    let server = site.serve(&[]);
    server.get("/missing.txt").assert_error_page(404, false);
    server.get("/%zz").assert_error_page(400, false);
    server
        .exchange(b"DELETE /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
        .assert_error_page(405, false);
    server
        .exchange(b"FOO /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
        .assert_error_page(501, false);
    server
        .exchange(b"GET /hello.txt HTTP/2.0\r\nHost: t\r\n\r\n")
        .assert_error_page(505, false);
    // HEAD of a missing file: the same headers, no body, and the connection
    // carries on.
    let get = server.get("/missing.txt");
    let mut c = server.connect();
    c.send(head_req("/missing.txt").as_bytes());
    let head = c.read_response(true);
    head.assert_error_page(404, true);
    assert_eq!(head.header("content-length"), get.header("content-length"));
    c.send(get_req("/hello.txt").as_bytes());
    assert_ok(&c.read_response(false), HELLO, "GET after HEAD 404");
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn empty_file_is_200_with_zero_length() {
    let site = Site::new();
    let server = site.serve(&[]);
    let mut c = server.connect();
    c.send(get_req("/empty.txt").as_bytes());
    let r = c.read_response(false);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("0"));
    assert!(r.body.is_empty());
    c.send(get_req("/hello.txt").as_bytes());
    assert_ok(&c.read_response(false), HELLO, "after the empty file");
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn files_around_the_buffer_size_and_1mib_byte_for_byte() {
    let site = Site::new();
    let sizes = [16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 65_536, 1 << 20];
    let datas: Vec<Vec<u8>> = sizes.iter().map(|&n| random_bytes(n, n as u64)).collect();
    for (n, data) in sizes.iter().zip(&datas) {
        site.add(&format!("f{n}.bin"), data);
    }
    let server = site.serve(&[]);
    // All on one keep-alive connection, then all pipelined.
    let mut c = server.connect();
    for (n, data) in sizes.iter().zip(&datas) {
        c.send(get_req(&format!("/f{n}.bin")).as_bytes());
        let r = c.read_response(false);
        assert_eq!(r.status, 200, "{n}");
        assert_eq!(r.content_length(), Some(*n));
        assert_same_bytes(&r.body, data);
    }
    let all: String = sizes
        .iter()
        .map(|n| get_req(&format!("/f{n}.bin")))
        .collect();
    c.send(all.as_bytes());
    for data in &datas {
        assert_same_bytes(&c.read_response(false).body, data);
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn ten_mib_file_byte_for_byte() {
    let site = Site::new();
    let data = random_bytes(10 << 20, 10);
    site.add("big.bin", &data);
    let server = site.serve(&[]);
    let mut c = server.connect();
    c.send(get_req("/big.bin").as_bytes());
    let r = c.read_response(false);
    assert_eq!(r.status, 200);
    assert_eq!(r.content_length(), Some(10 << 20));
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    assert_same_bytes(&r.body, &data);
    // HEAD of it sends no body; the connection carries on.
    c.send(head_req("/big.bin").as_bytes());
    let h = c.read_response(true);
    assert_eq!(h.content_length(), Some(10 << 20));
    c.send(get_req("/hello.txt").as_bytes());
    assert_ok(&c.read_response(false), HELLO, "after 10 MiB");
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn symlinks_inside_root_are_followed() {
    let site = Site::new();
    let server = site.serve(&[]);
    assert_ok(&server.get("/link-in"), HELLO, "/link-in");
    assert_ok(&server.get("/sub/link-up"), HELLO, "/sub/link-up");
    assert_ok(
        &server.get("/sub-link/page.html"),
        PAGE,
        "/sub-link/page.html",
    );
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn symlinks_leading_outside_root_are_refused() {
    let site = Site::new();
    let server = site.serve(&[]);
    for target in [
        "/link-out",
        "/link-abs-out",
        "/link-passwd",
        "/dir-out/file.txt",
        "/dir-abs-out/file.txt",
        "/dir-out/",
        "/dir-out/../secret.txt",
    ] {
        assert_refused(&server.get(target), &[403, 404], target);
    }
    // The directory link without a slash may redirect, but never serves.
    assert_refused(&server.get("/dir-out"), &[301, 403, 404], "/dir-out");
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn slow_reader_does_not_block_others() {
    let site = Site::new();
    let data = random_bytes(10 << 20, 11);
    site.add("big.bin", &data);
    let server = site.serve(&[]);
    let mut slow = server.connect();
    slow.send(get_req("/big.bin").as_bytes());
    common::await_stalled(&slow.stream);
    // Several connections so that both workers (SO_REUSEPORT) are exercised.
    for i in 0..8 {
        let start = Instant::now();
        let r = server.get(&format!("/hello.txt?{i}"));
        let took = start.elapsed();
        assert_ok(&r, HELLO, "while a download stalls");
        assert!(
            took < Duration::from_secs(1),
            "small GET #{i} took {took:?}"
        );
    }
    let r = slow.read_response(false);
    assert_eq!(r.status, 200);
    assert_same_bytes(&r.body, &data);
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn sigterm_lets_a_slow_download_finish() {
    let site = Site::new();
    let data = random_bytes(10 << 20, 12);
    site.add("big.bin", &data);
    let mut server = site.serve(&[]);
    let mut c = server.connect();
    c.send(get_req("/big.bin").as_bytes());
    let head = c.read_head();
    assert_eq!(head.status, 200);
    let mut body = c.take(64 * 1024);
    server.term();
    let started = Instant::now();
    while body.len() < data.len() {
        let n = (256 * 1024).min(data.len() - body.len());
        body.extend(c.take(n));
        thread::sleep(Duration::from_millis(25));
    }
    assert!(
        started.elapsed() > Duration::from_millis(500),
        "the download was not slow"
    );
    assert_same_bytes(&body, &data);
    c.assert_closed();
    let status = server
        .wait_exit(Duration::from_secs(3))
        .expect("staticd still running 3 s after the download ended");
    assert_eq!(status.code(), Some(0), "{}", server.stderr());
}

#[test]
fn sigterm_closes_idle_keep_alive_connections_promptly() {
    let site = Site::new();
    let mut server = site.serve(&[]);
    let mut conns: Vec<Conn> = (0..4)
        .map(|i| {
            let mut c = server.connect();
            c.send(get_req(&format!("/hello.txt?{i}")).as_bytes());
            assert_ok(&c.read_response(false), HELLO, "before SIGTERM");
            c
        })
        .collect();
    // One more that connected but never sent anything.
    conns.push(server.connect());
    server.await_connections(5, "all five accepted");
    let start = Instant::now();
    server.term();
    let status = server
        .wait_exit(Duration::from_secs(2))
        .expect("staticd did not exit within 2 s of SIGTERM with idle connections");
    assert_eq!(status.code(), Some(0));
    assert!(start.elapsed() < Duration::from_secs(2));
    for mut c in conns {
        c.assert_closed();
    }
}

#[test]
fn sigterm_does_not_wait_for_connections_already_closed_by_the_server() {
    let site = Site::new();
    let mut server = site.serve(&[]);
    // Responses after which staticd closes (an error, a body it will not
    // skip); the client keeps its end open and sends nothing more.
    let mut long = b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n".to_vec();
    long.extend(vec![b'a'; 100_000]);
    let requests: [&[u8]; 3] = [
        b"GET /hello.txt HTTP/2.0\r\nHost: t\r\n\r\n",
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        &long,
    ];
    let mut conns = Vec::new();
    for raw in requests {
        let mut c = server.connect();
        c.send_lenient(raw);
        c.read_response(false);
        let _ = c.read_to_eof();
        conns.push(c);
    }
    let start = Instant::now();
    server.term();
    let status = server
        .wait_exit(Duration::from_secs(5))
        .expect("staticd did not exit within 5 s of SIGTERM");
    assert_eq!(status.code(), Some(0));
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "exit took {:?}: staticd waited on connections it had already closed",
        start.elapsed()
    );
}

#[test]
fn client_vanishing_mid_download_does_not_hurt_the_server() {
    let site = Site::new();
    site.add("big.bin", &patterned_bytes(32 << 20, 15));
    let server = site.serve(&[]);
    for _ in 0..3 {
        // Read a little, then close with unread data (the kernel sends RST).
        let mut c = server.connect();
        c.send(get_req("/big.bin").as_bytes());
        assert_eq!(c.read_head().status, 200);
        c.take(100_000);
        drop(c);
        // And one that hangs up before the response is even written.
        let mut c = server.connect();
        c.send(get_req("/big.bin").as_bytes());
        drop(c);
        // A half-sent request, then gone.
        let mut c = server.connect();
        c.send(b"GET /hello.txt HTTP/1.1\r\nHo");
        drop(c);
    }
    server.await_connections(0, "the vanished clients' connections closed");
    for i in 0..4 {
        assert_ok(&server.get(&format!("/hello.txt?{i}")), HELLO, "afterwards");
    }
    assert_eq!(server.stop().code(), Some(0));
}

/// Whether a TCP connect to `addr` is refused (as opposed to accepted). A
/// handshake caught by the listener's close is reset rather than refused:
/// not accepted either.
fn connect_refused(addr: SocketAddr) -> bool {
    match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
        Ok(_) => false,
        Err(e) => {
            assert!(
                matches!(
                    e.kind(),
                    ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset
                ),
                "connect: {e}"
            );
            true
        }
    }
}

#[test]
fn new_connections_refused_after_sigterm() {
    let site = Site::new();
    // Bigger than what the socket buffers hold, so the download stays in
    // flight (and staticd running) while connections are tried.
    let data = patterned_bytes(32 << 20, 13);
    site.add("big.bin", &data);
    let mut server = site.serve(&[]);
    let addr = server.addr();
    let mut c = server.connect();
    c.send(get_req("/big.bin").as_bytes());
    let head = c.read_head();
    assert_eq!(head.status, 200);
    server.term();
    let deadline = Instant::now() + Duration::from_secs(1);
    while !connect_refused(addr) {
        assert!(
            Instant::now() < deadline,
            "connections still accepted 1 s after SIGTERM"
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        server.wait_exit(Duration::from_millis(1)).is_none(),
        "staticd exited with a download in flight"
    );
    assert_same_bytes(&c.take(data.len()), &data);
    let status = server.wait_exit(Duration::from_secs(3)).expect("exit");
    assert_eq!(status.code(), Some(0));
    assert!(connect_refused(addr));
}

#[test]
fn grace_period_bounds_shutdown_with_a_stalled_reader() {
    let site = Site::new();
    // Bigger than what the socket buffers hold, so the response stays in flight.
    site.add("big.bin", &patterned_bytes(32 << 20, 14));
    let mut server = site.serve(&["--grace", "1"]);
    let mut c = server.connect();
    c.send(get_req("/big.bin").as_bytes());
    assert_eq!(c.read_head().status, 200);
    // Never read the body.
    let start = Instant::now();
    server.term();
    let status = server
        .wait_exit(Duration::from_secs(4))
        .expect("staticd did not exit within --grace 1 (+3 s)");
    assert_eq!(status.code(), Some(0));
    assert!(
        start.elapsed() >= Duration::from_millis(500),
        "exited before the grace period: {:?}",
        start.elapsed()
    );
}
