//! Issue 15, items 3 to 5, over real sockets: which coding wins among equal q-values;
//! `--mime` and `--default-type` (and their variables) giving the Content-Type and the
//! compressibility that follows from it, and refusing bad values at start-up.

mod common;

use common::{Conn, Response, Server, TempDir, run_to_end, show, staticd};
use flate2::read::{GzDecoder, ZlibDecoder};
use std::io::Read;
use std::time::Duration;

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
