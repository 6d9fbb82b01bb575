//! Site options: --cache-control on 200/206/304, --header on every response
//! (checked at start-up), --fallback for single-page apps, --404 pages.

use crate::common;

use common::{Server, TempDir};
use std::time::Duration;

/// A small site: an app shell, an asset, a custom 404 page.
fn site() -> TempDir {
    let root = TempDir::new("site");
    root.file("index.html", "<h1>app</h1>");
    root.file("app.js", "console.log(1)");
    root.file("errors/404.html", "<h1>not here</h1>");
    root.file(".env", "SECRET=1");
    root
}

#[test]
fn cache_control_on_successes_and_headers_everywhere() {
    let root = site();
    let server = Server::start(
        root.path(),
        &[
            "--cache-control",
            "public, max-age=3600",
            "--header",
            "Content-Security-Policy: default-src 'self'",
            "--header",
            "X-Frame-Options: DENY",
        ],
    );
    let ok = server.get("/app.js");
    let etag = ok.header("ETag").unwrap().to_string();
    let mut c = server.connect();
    c.send(format!("GET /app.js HTTP/1.1\r\nHost: t\r\nIf-None-Match: {etag}\r\n\r\n").as_bytes());
    let not_modified = c.read_response(false);
    c.send(b"GET /app.js HTTP/1.1\r\nHost: t\r\nRange: bytes=0-3\r\n\r\n");
    let partial = c.read_response(false);
    assert_eq!(
        (ok.status, not_modified.status, partial.status),
        (200, 304, 206)
    );
    for r in [&ok, &not_modified, &partial] {
        assert_eq!(
            r.header("Cache-Control"),
            Some("public, max-age=3600"),
            "{}",
            r.status
        );
    }
    let missing = server.get("/missing");
    let redirect = server.get("/errors");
    assert_eq!((missing.status, redirect.status), (404, 301));
    for r in [&missing, &redirect] {
        assert_eq!(r.header("Cache-Control"), None, "{}", r.status);
    }
    for r in [&ok, &not_modified, &partial, &missing, &redirect] {
        assert_eq!(
            r.header("Content-Security-Policy"),
            Some("default-src 'self'"),
            "{}",
            r.status
        );
        assert_eq!(r.header("X-Frame-Options"), Some("DENY"), "{}", r.status);
    }
    assert!(server.stop().success());
}

#[test]
fn bad_headers_are_start_up_errors() {
    let root = site();
    for bad in [
        "NoColon",
        "Bad Name: x",
        "X-Empty:",
        "Content-Length: 5",
        "ETag: \"x\"",
        "X: a\r\nSet-Cookie: b",
    ] {
        let mut cmd = common::staticd();
        cmd.args(["--header", bad, "-l", "127.0.0.1:0"])
            .arg(root.path());
        let out = common::run_to_end(cmd, Duration::from_secs(5));
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("staticd: --header: "),
            "{bad:?}: {}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "{bad:?}: {}", out.stderr);
    }
    let mut cmd = common::staticd();
    cmd.args(["--cache-control", "a\u{7f}b", "-l", "127.0.0.1:0"])
        .arg(root.path());
    assert_eq!(
        common::run_to_end(cmd, Duration::from_secs(5))
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn fallback_serves_the_app_shell_for_missing_paths_only() {
    let root = site();
    let server = Server::start(root.path(), &["--fallback", "/index.html"]);
    for path in ["/dashboard", "/users/42/edit", "/missing.js", "/deep/"] {
        let r = server.get(path);
        assert_eq!(
            (r.status, r.body.as_slice()),
            (200, &b"<h1>app</h1>"[..]),
            "{path}"
        );
        assert_eq!(
            r.header("Content-Type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
    }
    assert_eq!(server.get("/app.js").body, b"console.log(1)");
    // Hidden and malformed paths are never rescued by the fallback.
    assert_eq!(server.get("/.env").status, 404);
    assert_eq!(server.get("/%zz").status, 400);
    assert!(server.stop().success());
}

#[test]
fn custom_404_page_and_its_absence() {
    let root = site();
    let server = Server::start(root.path(), &["--404", "/errors/404.html"]);
    let r = server.get("/nope");
    assert_eq!(
        (r.status, r.body.as_slice()),
        (404, &b"<h1>not here</h1>"[..])
    );
    assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
    let hidden = server.get("/.env");
    assert_eq!(
        (hidden.status, hidden.body.as_slice()),
        (404, &b"<h1>not here</h1>"[..])
    );
    // HEAD gets the same head and no body (the next response parses right after).
    let mut c = server.connect();
    c.send(b"HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\nGET /app.js HTTP/1.1\r\nHost: t\r\n\r\n");
    let head = c.read_response(true);
    assert_eq!((head.status, head.content_length()), (404, Some(17)));
    assert_eq!(c.read_response(false).body, b"console.log(1)");
    // The page removed: the built-in one takes over.
    std::fs::remove_file(root.path().join("errors/404.html")).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_millis(1500);
    while server.get("/nope").body == b"<h1>not here</h1>" {
        assert!(
            std::time::Instant::now() < deadline,
            "404 page still served after removal"
        );
    }
    assert!(server.get("/nope").text().contains("404 Not Found"));
    assert!(server.stop().success());
}

#[test]
fn fallback_and_404_paths_are_checked_at_start_up() {
    let root = site();
    for (flag, bad) in [
        ("--fallback", "index.html"),
        ("--fallback", "/../x"),
        ("--404", "/.hidden"),
        ("--404", "/dir/"),
    ] {
        let mut cmd = common::staticd();
        cmd.args([flag, bad, "-l", "127.0.0.1:0"]).arg(root.path());
        let out = common::run_to_end(cmd, Duration::from_secs(5));
        assert_eq!(out.status.code(), Some(2), "{flag} {bad}: {}", out.stderr);
    }
}
