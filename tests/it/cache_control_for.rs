//! `--cache-control-for PATTERN=VALUE`: the first rule whose pattern matches
//! the URL path gives `Cache-Control` on 200, 206 and 304 alike, for files
//! mapped, sent with sendfile or compressed; `--cache-control` covers the rest.

use crate::common;

use common::{Server, TempDir, request_with, show};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn get(server: &Server, path: &str, fields: &[(&str, &str)]) -> common::Response {
    server.exchange(request_with("GET", path, fields).as_bytes())
}

#[test]
fn the_first_matching_rule_gives_cache_control_on_200_206_and_304() {
    let root = TempDir::new("cc-for");
    let js = format!("console.log(1);\n{}", "// padding\n".repeat(100));
    root.file("assets/app.3f2a.js", &js);
    root.file("assets/fonts/big.woff2", common::random_bytes(200_000, 3));
    root.file("index.html", format!("<p>{}</p>", "home ".repeat(100)));
    root.file("docs/page.html", format!("<p>{}</p>", "doc ".repeat(100)));
    root.file("robots.txt", "User-agent: *\n");
    let rule = format!("/assets/**={IMMUTABLE}");
    let server = Server::start(
        root.path(),
        &[
            "--cache-control",
            "max-age=60",
            "--cache-control-for",
            &rule,
            "--cache-control-for",
            "/**/*.html=no-cache",
            "--cache-control-for",
            "/assets/**=never used: an earlier rule matches first",
        ],
    );
    for (path, want) in [
        ("/assets/app.3f2a.js", IMMUTABLE),
        ("/assets/fonts/big.woff2", IMMUTABLE),
        ("/index.html", "no-cache"),
        ("/docs/page.html", "no-cache"),
        ("/robots.txt", "max-age=60"),
        // The URL path, not the file behind it, is matched.
        ("/", "max-age=60"),
    ] {
        for ae in ["identity", "gzip"] {
            let req = request_with("GET", path, &[("Accept-Encoding", ae)]);
            let r = common::ask_until_etag(&mut server.connect(), &req);
            assert_eq!(r.status, 200, "{path} {ae}: {}", show(&r));
            assert_eq!(
                r.header("Cache-Control"),
                Some(want),
                "{path} {ae}: {}",
                show(&r)
            );
            let etag = r.header("ETag").unwrap().to_string();
            let r = get(
                &server,
                path,
                &[("Accept-Encoding", ae), ("If-None-Match", &etag)],
            );
            assert_eq!(r.status, 304, "{path} {ae}: {}", show(&r));
            assert_eq!(
                r.header("Cache-Control"),
                Some(want),
                "{path} 304: {}",
                show(&r)
            );
        }
        for range in ["bytes=0-3", "bytes=0-1,4-5"] {
            let r = get(&server, path, &[("Range", range)]);
            assert_eq!(r.status, 206, "{path} {range}: {}", show(&r));
            assert_eq!(
                r.header("Cache-Control"),
                Some(want),
                "{path} 206: {}",
                show(&r)
            );
        }
    }
    // Errors carry none.
    let r = get(&server, "/assets/missing.js", &[]);
    assert_eq!(r.status, 404);
    assert_eq!(r.header("Cache-Control"), None, "{}", show(&r));
    assert!(server.stop().success());
}

#[test]
fn rules_come_from_the_environment_one_per_line() {
    let root = TempDir::new("cc-for-env");
    root.file("a/x.css", "a{}");
    root.file("b.txt", "b");
    let mut cmd = common::staticd();
    cmd.env(
        "STATICD_CACHE_CONTROL_FOR",
        "/a/*.css=max-age=3600\n/*.txt=no-store",
    )
    .args(["-l", "127.0.0.1:0", "-t", "1"])
    .arg(root.path());
    let server = Server::launch(cmd);
    assert_eq!(
        get(&server, "/a/x.css", &[]).header("Cache-Control"),
        Some("max-age=3600")
    );
    assert_eq!(
        get(&server, "/b.txt", &[]).header("Cache-Control"),
        Some("no-store")
    );
    assert!(server.stop().success());
}

#[test]
fn a_bad_rule_is_a_start_up_error() {
    for bad in ["assets/**=max-age=1", "/a", "/a=bad\u{1}value"] {
        let out = common::staticd()
            .args(["--cache-control-for", bad, "."])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{bad:?}: {err}");
        assert!(err.contains("--cache-control-for"), "{bad:?}: {err}");
    }
}
