//! Precompressed sidecars (`name.br`, `name.zst`, `name.gz`) and compression
//! under a file that is being truncated: sidecar precedence, staleness,
//! invalidation, and a server that never serves a broken variant or dies.

use crate::common;

use common::{Conn, Server, TempDir};
use std::io::Read;
use std::time::{Duration, Instant};

/// GET `path` with `Accept-Encoding: ae` on a fresh connection.
fn get_with(server: &Server, path: &str, ae: &str) -> common::Response {
    let mut c = Conn::open(server.addr());
    c.send(format!("GET {path} HTTP/1.1\r\nHost: t\r\nAccept-Encoding: {ae}\r\n\r\n").as_bytes());
    c.read_response(false)
}

/// Polls `check` for up to 1.5 s; true once it holds.
fn eventually(mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Some JavaScript that compresses well.
fn script() -> String {
    (0..400)
        .map(|i| format!("function f{i}(a){{return a*{i}+{};}}\n", i % 7))
        .collect()
}

/// Sets the file's mtime to `secs` after the epoch (with touch -d).
fn set_mtime(path: &std::path::Path, secs: i64) {
    let ok = std::process::Command::new("touch")
        .arg("-d")
        .arg(format!("@{secs}"))
        .arg(path)
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn sidecars_are_served_to_clients_that_accept_them() {
    let root = TempDir::new("sidecars");
    let js = root.file("app.js", script());
    // Sizes: br 10 < gzip 12 < zstd 24 bytes: preference wins, not size.
    let br = root.file("app.js.br", b"pretend-br");
    let zst = root.file("app.js.zst", b"pretend-zstandard-longer");
    let gz = root.file("app.js.gz", b"pretend-gzip");
    for p in [&br, &zst, &gz] {
        set_mtime(p, 2_000_000_000);
    }
    set_mtime(&js, 1_900_000_000);
    let server = Server::start(root.path(), &[]);
    for (ae, coding, body) in [
        ("br", Some("br"), &b"pretend-br"[..]),
        ("zstd", Some("zstd"), b"pretend-zstandard-longer"),
        ("gzip", Some("gzip"), b"pretend-gzip"),
        ("gzip, br, zstd", Some("br"), b"pretend-br"),
        ("gzip, zstd", Some("zstd"), b"pretend-zstandard-longer"),
        (
            "zstd, gzip;q=0.5",
            Some("zstd"),
            b"pretend-zstandard-longer",
        ),
    ] {
        let r = get_with(&server, "/app.js", ae);
        assert_eq!(r.status, 200, "{ae}");
        assert_eq!(r.header("Content-Encoding"), coding, "{ae}");
        assert_eq!(r.body, body, "{ae}");
        assert_eq!(
            r.header("Content-Type"),
            Some("text/javascript; charset=utf-8"),
            "{ae}"
        );
        assert_eq!(r.header("Vary"), Some("Accept-Encoding"), "{ae}");
    }
    // No Accept-Encoding: the file itself.
    let r = server.get("/app.js");
    assert_eq!(
        (r.header("Content-Encoding"), r.body.as_slice()),
        (None, script().as_bytes())
    );
    // The sidecar paths are plain files of their own.
    let r = server.get("/app.js.gz");
    assert_eq!(
        (r.status, r.header("Content-Encoding"), r.body.as_slice()),
        (200, None, &b"pretend-gzip"[..])
    );
    assert_eq!(r.header("Content-Type"), Some("application/gzip"));
    assert!(server.stop().success());
}

#[test]
fn stale_sidecars_are_ignored_and_changes_invalidate() {
    let root = TempDir::new("sidecars-stale");
    let css = root.file("site.css", "body { color: red; }\n".repeat(100));
    let br = root.file("site.css.br", b"old-brotli");
    set_mtime(&br, 1_000_000_000);
    set_mtime(&css, 1_500_000_000);
    let server = Server::start(root.path(), &[]);
    // Older than the file: not served.
    let r = get_with(&server, "/site.css", "br");
    assert_eq!(r.header("Content-Encoding"), None);
    // A fresh sidecar shows up without a restart.
    root.file("site.css.br", b"new-brotli");
    assert!(eventually(
        || get_with(&server, "/site.css", "br").body == b"new-brotli"
    ));
    // Deleting it falls back to the identity form.
    std::fs::remove_file(root.path().join("site.css.br")).unwrap();
    assert!(eventually(|| get_with(&server, "/site.css", "br")
        .header("Content-Encoding")
        .is_none()));
    assert!(server.stop().success());
}

#[test]
fn compression_races_with_truncation_without_harm() {
    let root = TempDir::new("compress-truncate");
    let text: String = (0..20_000)
        .map(|i| format!("line {i} of some text to compress\n"))
        .collect();
    let path = root.file("big.txt", &text);
    let server = Server::start(root.path(), &[]);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, path, text) = (stop.clone(), path.clone(), text.clone());
        std::thread::spawn(move || {
            let mut i = 0usize;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                f.set_len((i * 7919 % text.len()) as u64).unwrap();
                std::fs::write(&path, &text).unwrap();
                i += 1;
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut checked = 0;
    while Instant::now() < deadline {
        let mut c = Conn::open(server.addr());
        c.send(b"GET /big.txt HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
        let raw = c.read_to_eof();
        if raw.is_empty() {
            continue; // the file was truncated under a response: closed, nothing half-served
        }
        let Some(end) = common::find(&raw, b"\r\n\r\n") else {
            continue;
        };
        let r = common::Response::from_head(raw[..end + 4].to_vec());
        let body = &raw[end + 4..];
        if r.status != 200 || Some(body.len()) != r.content_length() {
            continue; // a short body with a closed connection is the honest outcome
        }
        if r.header("Content-Encoding") == Some("gzip") {
            // A complete gzip body must decode to a complete version of the file.
            let mut out = String::new();
            flate2::read::GzDecoder::new(body)
                .read_to_string(&mut out)
                .expect("a valid gzip body");
            assert!(
                text.starts_with(&out),
                "gzip body is not a version of the file"
            );
            checked += 1;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    std::fs::write(&path, &text).unwrap();
    assert!(eventually(|| get_with(&server, "/big.txt", "gzip")
        .header("Content-Encoding")
        == Some("gzip")));
    let r = get_with(&server, "/big.txt", "gzip");
    let mut out = String::new();
    flate2::read::GzDecoder::new(r.body.as_slice())
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, text);
    eprintln!("{checked} complete gzip bodies decoded during the race");
    assert!(server.stop().success());
}
