//! Issue 15, items 3 to 5, over real sockets: `/.well-known/` served (types, listings,
//! sidecars, inotify invalidation) while every way through it to a hidden name is a 404;
//! which coding wins among equal q-values; `--mime` and `--default-type` (and their
//! variables) giving the Content-Type and the compressibility that follows from it, and
//! refusing bad values at start-up.

use crate::common;

use common::{Conn, Response, Server, TempDir, run_to_end, show, staticd};
use flate2::read::{GzDecoder, ZlibDecoder};
use std::io::Read;
use std::time::{Duration, Instant};

/// GET `path` on a fresh connection, with `Accept-Encoding: ae` if given.
fn get_ae(server: &Server, path: &str, ae: Option<&str>) -> Response {
    let mut c = Conn::open(server.addr());
    let field = ae.map_or(String::new(), |ae| format!("Accept-Encoding: {ae}\r\n"));
    c.send(format!("GET {path} HTTP/1.1\r\nHost: t\r\n{field}\r\n").as_bytes());
    c.read_response(false)
}

/// Some JavaScript that compresses well.
fn script() -> String {
    (0..400)
        .map(|i| format!("function f{i}(a){{return a*{i}+{};}}\n", i % 7))
        .collect()
}

// ---------------------------------------------------------------- .well-known

const SECURITY: &str = "Contact: mailto:security@example.com\nExpires: 2030-01-01T00:00:00Z\n";
const AASA: &str = "{\"applinks\":{\"details\":[{\"appIDs\":[\"ABCDE.com.example\"]}]}}\n";
const ASSETLINKS: &str = "[{\"relation\":[\"delegate_permission/common.handle_all_urls\"]}]\n";

/// A site with the usual `.well-known` files and hidden things in and around it.
fn well_known_site(tag: &str) -> TempDir {
    let root = TempDir::new(tag);
    let files: &[(&str, &str)] = &[
        ("index.html", "home\n"),
        (".well-known/security.txt", SECURITY),
        (
            ".well-known/acme-challenge/Tok-EN_123",
            "Tok-EN_123.thumbprint",
        ),
        (".well-known/apple-app-site-association", AASA),
        (".well-known/assetlinks.json", ASSETLINKS),
        (".well-known/.hidden", "hidden in well-known\n"),
        (".well-known/.git/config", "[core] in well-known\n"),
        (".well-known/x/.git/config", "[core] deeper\n"),
        (".well-known/acme-challenge/.htaccess", "deny\n"),
        (".well-known/%2e%2e/.git", "literal name\n"),
        (".well-known/..\\.git\\config", "backslashes\n"),
        (".git/config", "[core] secret\n"),
        (".env", "SECRET=1\n"),
        ("a/.well-known/x", "not at the root\n"),
        (".WELL-KNOWN/x", "other case\n"),
    ];
    for (path, body) in files {
        root.file(path, body);
    }
    root
}

#[test]
fn well_known_files_are_served_with_their_types() {
    let root = well_known_site("wk-serve");
    let server = Server::start(root.path(), &[]);
    for (target, body, ct) in [
        (
            "/.well-known/security.txt",
            SECURITY,
            "text/plain; charset=utf-8",
        ),
        (
            "/.well-known/acme-challenge/Tok-EN_123",
            "Tok-EN_123.thumbprint",
            "application/octet-stream",
        ),
        (
            "/.well-known/apple-app-site-association",
            AASA,
            "application/json",
        ),
        (
            "/.well-known/assetlinks.json",
            ASSETLINKS,
            "application/json; charset=utf-8",
        ),
        // The same resource however the path is spelt.
        (
            "/%2ewell-known/security.txt",
            SECURITY,
            "text/plain; charset=utf-8",
        ),
        (
            "/%2Ewell-known%2Fsecurity.txt",
            SECURITY,
            "text/plain; charset=utf-8",
        ),
        (
            "//.well-known//./security.txt",
            SECURITY,
            "text/plain; charset=utf-8",
        ),
        (
            "/a/../.well-known/security.txt",
            SECURITY,
            "text/plain; charset=utf-8",
        ),
        (
            "/.git/../.well-known/security.txt",
            SECURITY,
            "text/plain; charset=utf-8",
        ),
        (
            "http://h/.well-known/security.txt?x",
            SECURITY,
            "text/plain; charset=utf-8",
        ),
        // A name inside it, decoded once.
        ("/.well-known/%252e%252e/.git", "", ""),
        // `..` out of it goes to the root, as anywhere.
        (
            "/.well-known/../index.html",
            "home\n",
            "text/html; charset=utf-8",
        ),
        (
            "/.well-known/%2e%2e/index.html",
            "home\n",
            "text/html; charset=utf-8",
        ),
    ] {
        let r = server.get(target);
        if body.is_empty() {
            assert_eq!(r.status, 404, "{target}: {}", show(&r));
            continue;
        }
        assert_eq!(r.status, 200, "{target}: {}", show(&r));
        assert_eq!(r.text(), body, "{target}");
        assert_eq!(r.header("content-type"), Some(ct), "{target}");
    }
    let r = server.get("/.well-known");
    assert_eq!(
        (r.status, r.header("location")),
        (301, Some("/.well-known/"))
    );
    // No index and no --listing: a directory is a 404, as anywhere.
    assert_eq!(server.get("/.well-known/").status, 404);
    // --default-type reaches the extensionless files, but not the one Apple needs as JSON.
    drop(server);
    let server = Server::start(root.path(), &["--default-type", "text/plain"]);
    let r = server.get("/.well-known/acme-challenge/Tok-EN_123");
    assert_eq!(r.header("content-type"), Some("text/plain"));
    let r = server.get("/.well-known/apple-app-site-association");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(server.stop().success());
}

#[test]
fn nothing_hidden_is_reached_through_well_known() {
    let root = well_known_site("wk-hidden");
    // No index, so the root gets a listing.
    std::fs::remove_file(root.path().join("index.html")).unwrap();
    let server = Server::start(root.path(), &["--listing"]);
    for target in [
        "/.git/config",
        "/.env",
        "/.well-known/../.git/config",
        "/.well-known/../.env",
        "/.well-known/%2e%2e/.env",
        "/.well-known/%2E%2E/%2Egit/config",
        "/.well-known/..%2f.git",
        "/.well-known/..%2f.git%2fconfig",
        "/.well-known/%2e%2e%2f.env",
        "/.well-known%2f..%2f.env",
        "/.well-known/a/../../.env",
        "/.well-known/./../.env",
        "http://h/.well-known/../.git/config",
        // Double encoding decodes once; what is below is still a dot name.
        "/.well-known/%252e%252e/.git",
        "/.well-known/%25252e%25252e/.env",
        // Backslashes are name bytes, not separators.
        "/.well-known/..\\.git\\config",
        "/.well-known/%2e%2e%5c.git%5cconfig",
        "/.well-known\\..\\.env",
        "/.well-known%5c..%5c.env",
        // Dot names inside it.
        "/.well-known/.hidden",
        "/.well-known/%2ehidden",
        "/.well-known/.git/config",
        "/.well-known/x/.git/config",
        "/.well-known/acme-challenge/.htaccess",
        // Only `.well-known` itself, only at the root.
        "/a/.well-known/x",
        "/.WELL-KNOWN/x",
        "/.well-known./security.txt",
        "/.well-knownx/security.txt",
    ] {
        let r = server.get(target);
        assert_eq!(r.status, 404, "{target}: {}", show(&r));
        for secret in [
            "secret",
            "SECRET",
            "hidden",
            "core",
            "deny",
            "backslashes",
            "other case",
            "not at the root",
        ] {
            assert!(!r.text().contains(secret), "{target}: {secret}");
        }
    }
    // Listings: the root shows .well-known/ (a request could be served it), and nothing
    // else hidden; its own page shows no dot names.
    let root_page = server.get("/").text();
    assert!(root_page.contains("href=\".well-known/\""), "{root_page}");
    for hidden in [".git", ".env", ".WELL-KNOWN"] {
        assert!(!root_page.contains(hidden), "{hidden}: {root_page}");
    }
    let page = server.get("/.well-known/").text();
    for shown in [
        "security.txt",
        "acme-challenge/",
        "apple-app-site-association",
        "x/",
        "%252e%252e/",
    ] {
        assert!(
            page.contains(&format!("href=\"{shown}\"")),
            "{shown}: {page}"
        );
    }
    for hidden in [".hidden", ".git", "href=\"..%5C"] {
        assert!(!page.contains(hidden), "{hidden}: {page}");
    }
    assert!(
        !server
            .get("/.well-known/acme-challenge/")
            .text()
            .contains(".htaccess")
    );
    assert!(server.stop().success());
}

/// Polls `path` until `want` holds of its response, for up to 5 s; fails with the last one.
fn until(server: &Server, path: &str, ae: Option<&str>, want: impl Fn(&Response) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = get_ae(server, path, ae);
        if want(&r) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{path} {ae:?}: still {}",
            show(&r)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn well_known_present_at_start_is_watched() {
    let root = well_known_site("wk-watch-start");
    let server = Server::start(root.path(), &[]);
    let text = "/.well-known/security.txt";
    assert_eq!(server.get(text).text(), SECURITY);
    // Longer, so a mapping of the old file could not show it.
    let changed = format!("{SECURITY}Policy: https://example.com/policy\n");
    root.file(".well-known/security.txt", &changed);
    until(&server, text, None, |r| r.text() == changed);
    let token = "/.well-known/acme-challenge/Tok-EN_123";
    assert_eq!(server.get(token).status, 200);
    std::fs::remove_file(root.path().join(".well-known/acme-challenge/Tok-EN_123")).unwrap();
    until(&server, token, None, |r| r.status == 404);
    assert!(server.stop().success());
}

#[test]
fn changes_under_well_known_reach_clients() {
    // No .well-known at start: certbot makes it while the server runs.
    let root = TempDir::new("wk-watch");
    root.file("index.html", "home\n");
    let server = Server::start(root.path(), &[]);
    let token = "/.well-known/acme-challenge/tok1";
    // Asked for too early: a 404, which the cache remembers.
    assert_eq!(server.get(token).status, 404);
    assert_eq!(server.get("/.well-known/security.txt").status, 404);
    root.file(".well-known/acme-challenge/tok1", "first");
    until(&server, token, None, |r| {
        r.status == 200 && r.body == b"first"
    });
    // Rewritten in place, same size and then longer.
    root.file(".well-known/acme-challenge/tok1", "secnd");
    until(&server, token, None, |r| r.body == b"secnd");
    root.file(".well-known/acme-challenge/tok1", "third, longer");
    until(&server, token, None, |r| r.body == b"third, longer");
    // A directory made later below it is watched too.
    let deep = "/.well-known/acme-challenge/new/tok2";
    assert_eq!(server.get(deep).status, 404);
    root.file(".well-known/acme-challenge/new/tok2", "deep");
    until(&server, deep, None, |r| r.body == b"deep");
    root.file(".well-known/acme-challenge/new/tok2", "deeper");
    until(&server, deep, None, |r| r.body == b"deeper");
    // A file that was cached, then changed, then removed.
    let text = "/.well-known/security.txt";
    let long = SECURITY.repeat(20);
    root.file(".well-known/security.txt", &long);
    until(&server, text, Some("gzip"), |r| {
        r.header("content-encoding") == Some("gzip")
            && decode(GzDecoder::new(&r.body[..])) == long.as_bytes()
    });
    // A sidecar made later is picked up, and so is a change to it.
    root.file(".well-known/security.txt.br", "pretend-br-1");
    until(&server, text, Some("br"), |r| r.body == b"pretend-br-1");
    root.file(".well-known/security.txt.br", "pretend-br-2");
    until(&server, text, Some("br"), |r| r.body == b"pretend-br-2");
    std::fs::remove_file(root.path().join(".well-known/security.txt")).unwrap();
    until(&server, text, None, |r| r.status == 404);
    // Removing the whole directory forgets what was below it.
    std::fs::remove_dir_all(root.path().join(".well-known")).unwrap();
    until(&server, token, None, |r| r.status == 404);
    // Dot names below it stay unserved whatever happens to them.
    root.file(".well-known/.env", "SECRET=1");
    assert_eq!(server.get("/.well-known/.env").status, 404);
    assert!(server.stop().success());
}

// ---------------------------------------------------------------- coding preference

#[test]
fn equal_q_prefers_br_then_zstd_then_gzip_then_deflate() {
    let root = TempDir::new("wk-prefer");
    let page = script();
    root.file("page.js", &page);
    // Sidecars written after the file, so not older than it; deliberately larger than the
    // gzip staticd makes, so only preference can pick them.
    root.file("app.js", &page);
    let br = "b".repeat(3000);
    let zst = "z".repeat(2000);
    root.file("app.js.br", &br);
    root.file("app.js.zst", &zst);
    let server = Server::start(root.path(), &[]);

    let gzip = get_ae(&server, "/page.js", Some("gzip"));
    let deflate = get_ae(&server, "/page.js", Some("deflate"));
    assert_eq!(
        gzip.header("content-encoding"),
        Some("gzip"),
        "{}",
        show(&gzip)
    );
    assert_eq!(deflate.header("content-encoding"), Some("deflate"));
    // The tie is not decided by size: deflate is the smaller form.
    assert!(deflate.body.len() < gzip.body.len());
    assert!(get_ae(&server, "/app.js", Some("gzip")).body.len() < zst.len());

    for (path, ae, want) in [
        // What browsers send.
        ("/page.js", "gzip, deflate, br, zstd", "gzip"),
        ("/page.js", "gzip, deflate, br", "gzip"),
        ("/page.js", "gzip, deflate", "gzip"),
        ("/page.js", "deflate, gzip", "gzip"),
        ("/page.js", "*", "gzip"),
        ("/page.js", "identity, deflate, gzip", "gzip"),
        ("/page.js", "gzip;q=0.5, deflate;q=0.5", "gzip"),
        // Deflate when asked for alone or ranked highest.
        ("/page.js", "deflate", "deflate"),
        ("/page.js", "gzip;q=0.9, deflate", "deflate"),
        ("/page.js", "gzip;q=0, *", "deflate"),
        ("/app.js", "gzip, deflate, br, zstd", "br"),
        ("/app.js", "zstd, gzip, br", "br"),
        ("/app.js", "gzip, deflate, zstd", "zstd"),
        ("/app.js", "*;q=0.5, br;q=0.4", "zstd"),
        ("/app.js", "br;q=0.5, gzip", "gzip"),
    ] {
        let r = get_ae(&server, path, Some(ae));
        assert_eq!(r.status, 200, "{path} {ae}: {}", show(&r));
        assert_eq!(r.header("content-encoding"), Some(want), "{path} {ae}");
        let body = match want {
            "gzip" => decode(GzDecoder::new(&r.body[..])),
            "deflate" => decode(ZlibDecoder::new(&r.body[..])),
            "br" => {
                assert_eq!(r.body, br.as_bytes(), "{path} {ae}");
                continue;
            }
            _ => {
                assert_eq!(r.body, zst.as_bytes(), "{path} {ae}");
                continue;
            }
        };
        assert!(
            body == page.as_bytes(),
            "{path} {ae}: body does not decode to the file"
        );
    }
    assert!(server.stop().success());
}

/// Everything `r` decodes to.
fn decode(mut r: impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    r.read_to_end(&mut out).expect("a valid compressed body");
    out
}

// ---------------------------------------------------------------- --mime and --default-type

/// A site with files of known, overridden and unknown extensions, each big enough and
/// repetitive enough to be compressed when its type is compressible.
fn typed_site(tag: &str) -> TempDir {
    let root = TempDir::new(tag);
    for name in [
        "doc.adoc",
        "APP.JS",
        "data.json",
        "Makefile",
        "notes.unknownext",
        "pic.png",
        "guide.md",
    ] {
        root.file(name, script());
    }
    root
}

/// The Content-Type of `path`, and whether a client accepting gzip gets gzip.
fn served_as(server: &Server, path: &str) -> (String, bool) {
    let r = get_ae(server, path, Some("gzip"));
    assert_eq!(r.status, 200, "{path}: {}", show(&r));
    let ct = r.header("content-type").unwrap_or("").to_string();
    let gzip = r.header("content-encoding") == Some("gzip");
    if gzip {
        assert!(
            decode(GzDecoder::new(&r.body[..])) == script().as_bytes(),
            "{path}"
        );
        assert_eq!(r.header("vary"), Some("Accept-Encoding"), "{path}");
    }
    (ct, gzip)
}

#[test]
fn mime_adds_and_overrides_types_and_compression_follows() {
    let root = typed_site("wk-mime");
    let server = Server::start(
        root.path(),
        &[
            "--mime",
            "adoc=text/asciidoc; charset=utf-8",
            "--mime=js=application/x-not-compressible, JSON=image/x-json",
            "--mime",
            "md=text/plain",
            "--mime",
            "md=text/x-markdown; variant=\"GFM, tables\"",
        ],
    );
    for (path, ct, gzip) in [
        // Added: a text type, so compressed.
        ("/doc.adoc", "text/asciidoc; charset=utf-8", true),
        // Overridden, in any case: no longer compressible types, so not compressed.
        ("/APP.JS", "application/x-not-compressible", false),
        ("/data.json", "image/x-json", false),
        // The later of two for one extension.
        (
            "/guide.md",
            "text/x-markdown; variant=\"GFM, tables\"",
            true,
        ),
        // The rest as built in.
        ("/pic.png", "image/png", false),
        ("/Makefile", "application/octet-stream", false),
        ("/notes.unknownext", "application/octet-stream", false),
    ] {
        assert_eq!(served_as(&server, path), (ct.to_string(), gzip), "{path}");
    }
    assert!(server.stop().success());
}

#[test]
fn default_type_is_for_unknown_extensions_only() {
    let root = typed_site("wk-default");
    let server = Server::start(
        root.path(),
        &["--default-type", "text/plain; charset=utf-8"],
    );
    for (path, ct, gzip) in [
        ("/Makefile", "text/plain; charset=utf-8", true),
        ("/notes.unknownext", "text/plain; charset=utf-8", true),
        ("/doc.adoc", "text/plain; charset=utf-8", true),
        ("/pic.png", "image/png", false),
        ("/APP.JS", "text/javascript; charset=utf-8", true),
    ] {
        assert_eq!(served_as(&server, path), (ct.to_string(), gzip), "{path}");
    }
    assert!(server.stop().success());
}

#[test]
fn mime_variables_work_and_flags_replace_them() {
    let root = typed_site("wk-mime-env");
    let mut cmd = staticd();
    cmd.args(["-l", "127.0.0.1:0", "-t", "1"])
        .arg(root.path())
        .env("STATICD_MIME", "adoc=text/asciidoc, png=image/x-png")
        .env("STATICD_DEFAULT_TYPE", "application/x-unknown");
    let server = Server::launch(cmd);
    assert_eq!(served_as(&server, "/doc.adoc").0, "text/asciidoc");
    assert_eq!(served_as(&server, "/pic.png").0, "image/x-png");
    assert_eq!(served_as(&server, "/Makefile").0, "application/x-unknown");
    assert!(server.stop().success());

    let mut cmd = staticd();
    cmd.args(["-l", "127.0.0.1:0", "-t", "1", "--mime", "png=image/y"])
        .args(["--default-type", "a/b"])
        .arg(root.path())
        .env("STATICD_MIME", "adoc=text/asciidoc")
        .env("STATICD_DEFAULT_TYPE", "bad");
    let server = Server::launch(cmd);
    assert_eq!(served_as(&server, "/doc.adoc").0, "a/b");
    assert_eq!(served_as(&server, "/pic.png").0, "image/y");
    assert!(server.stop().success());
}

/// Arguments, variables, and how the one line on stderr starts.
type BadRun = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn bad_types_stop_start_up_with_one_line() {
    let root = TempDir::new("wk-mime-bad");
    let runs: &[BadRun] = &[
        (
            &["--mime", "md"],
            &[],
            "staticd: --mime: 'md': not EXT=TYPE",
        ),
        (
            &["--mime", ".md=text/plain"],
            &[],
            "staticd: --mime: '.md=text/plain': EXT is written without its dot",
        ),
        (
            &["--mime", "tar.gz=a/b"],
            &[],
            "staticd: --mime: 'tar.gz=a/b': EXT is a file name's end after its last dot",
        ),
        (
            &["--mime", "a/b=c/d"],
            &[],
            "staticd: --mime: 'a/b=c/d': EXT is a file name's end after its last dot",
        ),
        (
            &["--mime", "=c/d"],
            &[],
            "staticd: --mime: '=c/d': empty EXT",
        ),
        (
            &["--mime", "md=text"],
            &[],
            "staticd: --mime: 'md=text': TYPE is not a media type",
        ),
        (
            &["--mime", "md=text/plain\r\nX-Evil: 1"],
            &[],
            "staticd: --mime: 'md=text/plain\\x0d\\x0aX-Evil: 1'",
        ),
        (
            &["--mime", "md=text/plain,"],
            &[],
            "staticd: --mime: 'md=text/plain,': empty entry in list",
        ),
        (
            &["--default-type", "text/plain; charset"],
            &[],
            "staticd: --default-type: 'text/plain; charset' is not a media type",
        ),
        (
            &["--default-type", "text\x07/plain"],
            &[],
            "staticd: --default-type: 'text\\x07/plain' is not a media type",
        ),
        (
            &[],
            &[("STATICD_MIME", "md=x")],
            "staticd: STATICD_MIME: 'md=x': TYPE is not a media type",
        ),
        (
            &[],
            &[("STATICD_DEFAULT_TYPE", "x/")],
            "staticd: STATICD_DEFAULT_TYPE: 'x/' is not a media type",
        ),
    ];
    for &(args, envs, want) in runs {
        let mut cmd = staticd();
        cmd.args(["-l", "127.0.0.1:0"]).args(args).arg(root.path());
        for &(k, v) in envs {
            cmd.env(k, v);
        }
        let o = run_to_end(cmd, Duration::from_secs(10));
        let what = format!("{args:?} {envs:?}");
        assert_eq!(o.status.code(), Some(2), "{what}: {:?}", o.stderr);
        assert!(o.stdout.is_empty(), "{what}");
        assert_eq!(o.stderr.lines().count(), 1, "{what}: {:?}", o.stderr);
        assert!(o.stderr.starts_with(want), "{what}: {:?}", o.stderr);
    }
}
