//! Issue 15, items 3 to 5, over real sockets: which coding wins among equal q-values.

mod common;

use common::{Conn, Response, Server, TempDir, show};
use flate2::read::{GzDecoder, ZlibDecoder};
use std::io::Read;

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
