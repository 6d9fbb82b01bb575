//! Compressed variants over real sockets: the gzip (RFC 1952) and deflate
//! (zlib, RFC 1950) forms of compressible files, decoded with flate2 (zlib-rs,
//! independent of the server's miniz_oxide) and with `gzip -dc`; the
//! Accept-Encoding negotiation (q-values, `*`, `identity;q=0`, case,
//! whitespace, 406) as a table; `Vary: Accept-Encoding` on every response for
//! a compressible type and on none for other types; a strong ETag per variant
//! and conditional requests against it; ranges served from the identity form;
//! HEAD mirroring GET; pipelined mixes of codings; sendfile-sized files up to
//! `--compress-max-size`; `--compress-level`; `--no-compress`; the 256-byte
//! and 10 % thresholds; and invalidation of the variants when a file changes.

use crate::common;

use common::{
    Conn, Response, Rng, Server, TempDir, ask, ask_until_etag, assert_same_bytes, content_etag,
    eventually, find, must, random_bytes, read_responses, request_with, run_to_end, show, staticd,
    try_exchange, write_in_place,
};
use flate2::bufread::{GzDecoder, ZlibDecoder};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

/// The default `--compress-max-size`.
const DEFAULT_MAX: usize = 1 << 20;

/// What a request should get back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// 200, the file as it is, no Content-Encoding.
    Identity,
    /// 200, `Content-Encoding: gzip`.
    Gzip,
    /// 200, `Content-Encoding: deflate`.
    Deflate,
    /// 406 Not Acceptable.
    Refused,
}

impl Want {
    /// The Content-Encoding this answer carries, if any.
    fn coding(self) -> Option<&'static str> {
        match self {
            Want::Gzip => Some("gzip"),
            Want::Deflate => Some("deflate"),
            Want::Identity | Want::Refused => None,
        }
    }
}

/// The variants: the Accept-Encoding that asks for each, and what it gets.
const VARIANTS: [(&str, Want); 2] = [("gzip", Want::Gzip), ("deflate", Want::Deflate)];

/// Accept-Encoding values (`None`: no such field), variants asked for or
/// not, that must all get the file as it is where compression does not apply.
const OFFERS: [Option<&str>; 5] = [
    None,
    Some("gzip"),
    Some("deflate"),
    Some("gzip, deflate"),
    Some("*"),
];

/// SiteHeaders header fields of a request: name, value.
type Fields<'a> = Vec<(&'a str, &'a str)>;

/// One request of a pipelined batch: method, path, Accept-Encoding, what
/// comes back, the file.
type Step<'a> = (&'a str, &'a str, Option<&'a str>, Want, &'a [u8]);

// ---------------------------------------------------------------- helpers

/// A `METHOD path` request with `Accept-Encoding: ae` (no such field for `None`).
fn with_ae(method: &str, path: &str, ae: Option<&str>) -> String {
    match ae {
        Some(v) => request_with(method, path, &[("Accept-Encoding", v)]),
        None => request_with(method, path, &[]),
    }
}

/// GET `path` with `Accept-Encoding: ae` (none for `None`) on a fresh connection.
fn get_ae(server: &Server, path: &str, ae: Option<&str>) -> Response {
    server.exchange(with_ae("GET", path, ae).as_bytes())
}

/// Every field but Date (which may tick between two responses), in order.
fn fields_but_date(r: &Response) -> Vec<(String, String)> {
    r.headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("date"))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect()
}

/// Decodes one gzip member with flate2, failing on bad data, a wrong CRC-32 or
/// ISIZE, or any byte after the member.
fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut d = GzDecoder::new(data);
    let mut out = Vec::new();
    d.read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("gzip body ({} bytes) does not decode: {e}", data.len()));
    let rest = d.into_inner();
    assert!(
        rest.is_empty(),
        "{} bytes after the gzip member",
        rest.len()
    );
    out
}

/// Decodes one zlib stream (HTTP "deflate") with flate2, failing on bad data, a
/// wrong Adler-32 or any byte after the stream.
fn inflate(data: &[u8]) -> Vec<u8> {
    let mut d = ZlibDecoder::new(data);
    let mut out = Vec::new();
    d.read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("deflate body ({} bytes) does not decode: {e}", data.len()));
    let rest = d.into_inner();
    assert!(
        rest.is_empty(),
        "{} bytes after the zlib stream",
        rest.len()
    );
    out
}

/// Checks the framing a decoder does not insist on: gzip's magic, CM 8 and
/// no flags; zlib's CM 8, a 32 KiB window at most, FCHECK and no dictionary.
fn assert_framing(coding: &str, body: &[u8]) {
    match coding {
        "gzip" => {
            assert!(body.len() >= 18, "gzip body of {} bytes", body.len());
            assert_eq!(&body[..3], &[0x1f, 0x8b, 8], "gzip ID1 ID2 CM");
            assert_eq!(body[3], 0, "gzip FLG: no name, comment or extra expected");
        }
        "deflate" => {
            assert!(body.len() >= 6, "zlib body of {} bytes", body.len());
            let (cmf, flg) = (body[0], body[1]);
            assert_eq!(cmf & 0x0f, 8, "zlib CM must be 8 (deflate)");
            assert!(
                cmf >> 4 <= 7,
                "zlib CINFO {} above a 32 KiB window",
                cmf >> 4
            );
            assert_eq!((u16::from(cmf) * 256 + u16::from(flg)) % 31, 0, "FCHECK");
            assert_eq!(flg & 0x20, 0, "zlib FDICT set: not HTTP deflate");
        }
        other => panic!("unexpected Content-Encoding {other:?}"),
    }
}

/// The body decoded per its Content-Encoding (as is without one).
fn decoded(r: &Response) -> Vec<u8> {
    match r.header("content-encoding") {
        None => r.body.clone(),
        Some("gzip") => gunzip(&r.body),
        Some("deflate") => inflate(&r.body),
        Some(other) => panic!("unexpected Content-Encoding {other:?}: {}", show(r)),
    }
}

/// Fails unless `r` says `Vary: Accept-Encoding`, exactly once.
fn assert_vary(r: &Response, what: &str) {
    let vary = r.header_all("vary");
    assert!(
        vary.len() == 1 && vary[0].eq_ignore_ascii_case("accept-encoding"),
        "{what}: want one `Vary: Accept-Encoding`, got {vary:?} in {}",
        show(r)
    );
}

/// Fails if `r` carries Vary or Content-Encoding.
fn assert_plain(r: &Response, what: &str) {
    assert_eq!(r.header("vary"), None, "{what}: Vary in {}", show(r));
    assert_eq!(
        r.header("content-encoding"),
        None,
        "{what}: Content-Encoding in {}",
        show(r)
    );
}

/// Fails unless `r` is a 200 of `data` as it is, without Vary or Content-Encoding.
fn assert_plain_200(r: &Response, data: &[u8], what: &str) {
    assert_eq!(r.status, 200, "{what}: {}", show(r));
    assert_plain(r, what);
    assert_same_bytes(&r.body, data);
}

/// Fails unless `path`, asked on `c` with `Accept-Encoding: gzip`, answers a
/// 304 to If-None-Match `etag` and a 206 to `Range: bytes=0-9`, neither with
/// Vary or Content-Encoding (`label` starts the failure messages); returns
/// the 206.
fn assert_plain_304_and_206(c: &mut Conn, path: &str, etag: &str, label: &str) -> Response {
    let fields = [("Accept-Encoding", "gzip"), ("If-None-Match", etag)];
    let r = ask(c, &request_with("GET", path, &fields));
    assert_eq!(r.status, 304, "{label} If-None-Match: {}", show(&r));
    assert_plain(&r, &format!("{label} 304"));
    let fields = [("Accept-Encoding", "gzip"), ("Range", "bytes=0-9")];
    let r = ask(c, &request_with("GET", path, &fields));
    assert_eq!(r.status, 206, "{label} Range: {}", show(&r));
    assert_plain(&r, &format!("{label} 206"));
    r
}

/// Fails unless the GET response `r` for a compressible file holding `file`
/// is `want`: a 406 error page, or a 200 whose Content-Length is the body's
/// length and whose body (decoded) is `file`; a variant must be well framed
/// and save at least 10 %. Every answer says `Vary: Accept-Encoding`.
fn assert_gets(r: &Response, want: Want, file: &[u8], what: &str) {
    assert_vary(r, what);
    if want == Want::Refused {
        r.assert_error_page(406, false);
        assert_eq!(r.header("content-encoding"), None, "{what}: 406 encoded");
        return;
    }
    assert_eq!(r.status, 200, "{what}: {}", show(r));
    assert_eq!(
        r.header("content-encoding"),
        want.coding(),
        "{what}: {}",
        show(r)
    );
    assert_eq!(
        r.content_length(),
        Some(r.body.len()),
        "{what}: Content-Length"
    );
    match want.coding() {
        None => assert_same_bytes(&r.body, file),
        Some(coding) => {
            assert_framing(coding, &r.body);
            assert!(
                r.body.len() * 10 <= file.len() * 9,
                "{what}: a {coding} variant of {} bytes for {} saves under 10 %",
                r.body.len(),
                file.len()
            );
            assert_same_bytes(&decoded(r), file);
        }
    }
}

/// GET `path` on `c` with Accept-Encoding `ae` (none for `None`), checked
/// with [`assert_gets`] to be `want` for a file holding `file`.
fn ask_gets(
    c: &mut Conn,
    path: &str,
    ae: Option<&str>,
    want: Want,
    file: &[u8],
    what: &str,
) -> Response {
    let r = ask(c, &with_ae("GET", path, ae));
    assert_gets(&r, want, file, what);
    r
}

/// GET `path` on `c` with If-None-Match `inm` and Accept-Encoding `ae` (none for `None`).
fn cond(c: &mut Conn, path: &str, inm: &str, ae: Option<&str>) -> Response {
    let mut fields = vec![("If-None-Match", inm)];
    if let Some(ae) = ae {
        fields.push(("Accept-Encoding", ae));
    }
    ask(c, &request_with("GET", path, &fields))
}

/// Whether a `gzip` program can be run.
fn have_gzip() -> bool {
    Command::new("gzip")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `data` piped through `gzip -dc`; fails if gzip complains.
fn gzip_dc(data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .arg("-dc")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gzip -dc");
    let mut stdin = child.stdin.take().unwrap();
    let input = data.to_vec();
    // Written from a thread: gzip's output could fill its pipe before it has read all input.
    let writer = thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("wait for gzip -dc");
    writer.join().unwrap().expect("feed gzip -dc");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "gzip -dc failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

// ---------------------------------------------------------------- test data

/// Words for the generated prose.
const WORDS: &str = "the server static file cache request response header body client \
    compressed variant encoding gzip deflate identity quality value connection keep alive \
    pipeline range bytes content length type entity tag modified since match none accept vary \
    worker thread socket kernel sendfile mapping memory invalidate watch directory index html";

/// [`WORDS`] as a list.
fn words() -> Vec<&'static str> {
    WORDS.split_whitespace().collect()
}

/// `n` words of prose from `seed`, with sentences and punctuation.
fn prose(n: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed | 1);
    let words = words();
    let mut s = String::new();
    for i in 0..n {
        let w = *rng.pick(&words);
        if i % 12 == 0 {
            let mut c = w.chars();
            let first = c.next().unwrap().to_ascii_uppercase();
            s.push(first);
            s.push_str(c.as_str());
        } else {
            s.push_str(w);
        }
        s.push_str(match i % 12 {
            11 => ". ",
            5 => ", ",
            _ => " ",
        });
    }
    s
}

/// Exactly `len` bytes of prose from `seed` (for big text files).
fn text_of(len: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 4096);
    let mut k = 0;
    while out.len() < len {
        out.extend_from_slice(prose(400, seed.wrapping_add(k)).as_bytes());
        out.push(b'\n');
        k += 1;
    }
    out.truncate(len);
    out
}

/// An HTML page: head, navigation, paragraphs, a table (about 10 KiB).
fn html_page() -> Vec<u8> {
    let mut rng = Rng::new(11);
    let words = words();
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>staticd test page</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n\
         </head>\n<body>\n<nav><ul>\n",
    );
    for i in 0..12 {
        s.push_str(&format!(
            "  <li><a href=\"/{0}/{i}.html\">{0} {i}</a></li>\n",
            rng.pick(&words)
        ));
    }
    s.push_str("</ul></nav>\n<main>\n");
    for i in 0..16 {
        s.push_str(&format!(
            "<h2 id=\"s{i}\">{}</h2>\n<p>{}</p>\n",
            prose(4, 100 + i),
            prose(60, 200 + i)
        ));
    }
    s.push_str("<table>\n");
    for i in 0..30 {
        s.push_str(&format!(
            "<tr><td>{i}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
            rng.pick(&words),
            rng.index(100_000)
        ));
    }
    s.push_str("</table>\n</main>\n</body>\n</html>\n");
    s.into_bytes()
}

/// A stylesheet of many rules (about 7 KiB).
fn css_file() -> Vec<u8> {
    let mut rng = Rng::new(23);
    let words = words();
    let props = [
        "color",
        "margin",
        "padding",
        "border",
        "font-size",
        "line-height",
        "display",
        "width",
    ];
    let mut s = String::from(":root { --fg: #222; --bg: #fafafa; }\n");
    for i in 0..120 {
        s.push_str(&format!(
            ".{}-{i} > .{} {{ {}: {}px; {}: #{:06x}; }}\n",
            rng.pick(&words),
            rng.pick(&words),
            rng.pick(&props),
            rng.index(64),
            rng.pick(&props),
            rng.index(1 << 24)
        ));
    }
    s.into_bytes()
}

/// Minified-looking JavaScript on one line (about 40 KiB: over the 16 KiB mapping limit).
fn minified_js() -> Vec<u8> {
    let mut rng = Rng::new(37);
    let words = words();
    let mut s = String::from("\"use strict\";(function(){");
    let mut i = 0;
    while s.len() < 40 * 1024 {
        let a = (b'a' + rng.index(26) as u8) as char;
        let b = (b'a' + rng.index(26) as u8) as char;
        s.push_str(&match rng.index(4) {
            0 => format!(
                "var {a}{i}=function({b},{a}){{return {b}.{}({a}+{})}};",
                rng.pick(&words),
                rng.index(999)
            ),
            1 => format!(
                "if({a}{}&&{b}.length>{}){{{a}.push(\"{}\")}}",
                rng.index(i + 1),
                rng.index(64),
                rng.pick(&words)
            ),
            2 => format!(
                "for(let {a}=0;{a}<{};{a}++){b}[{a}]={a}*{};",
                rng.index(500),
                rng.index(9)
            ),
            _ => format!(
                "const {a}{b}{i}={{{}:{},{}:\"{}\"}};",
                rng.pick(&words),
                rng.index(1 << 16),
                rng.pick(&words),
                rng.pick(&words)
            ),
        });
        i += 1;
    }
    s.push_str("})();\n");
    s.into_bytes()
}

/// A JSON array of records (about 24 KiB: sent with sendfile).
fn json_file() -> Vec<u8> {
    let mut rng = Rng::new(41);
    let words = words();
    let mut s = String::from("[\n");
    let mut i = 0;
    while s.len() < 24 * 1024 {
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str(&format!(
            "  {{\"id\": {i}, \"name\": \"{} {}\", \"active\": {}, \"score\": {}.{:02}, \"tags\": [\"{}\", \"{}\"]}}",
            rng.pick(&words),
            rng.pick(&words),
            rng.index(2) == 1,
            rng.index(100),
            rng.index(100),
            rng.pick(&words),
            rng.pick(&words)
        ));
        i += 1;
    }
    s.push_str("\n]\n");
    s.into_bytes()
}

/// An SVG drawing of paths and circles (about 6 KiB).
fn svg_file() -> Vec<u8> {
    let mut rng = Rng::new(53);
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 512 512\" width=\"512\" height=\"512\">\n",
    );
    for _ in 0..40 {
        s.push_str(&format!(
            "  <path d=\"M{} {} L{} {} Q{} {} {} {} Z\" fill=\"#{:06x}\" stroke=\"none\"/>\n",
            rng.index(512),
            rng.index(512),
            rng.index(512),
            rng.index(512),
            rng.index(512),
            rng.index(512),
            rng.index(512),
            rng.index(512),
            rng.index(1 << 24)
        ));
        s.push_str(&format!(
            "  <circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"none\" stroke=\"#333\"/>\n",
            rng.index(512),
            rng.index(512),
            rng.index(40)
        ));
    }
    s.push_str("</svg>\n");
    s.into_bytes()
}

/// The real-ish files: URL path, contents.
fn real_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("/page.html", html_page()),
        ("/style.css", css_file()),
        ("/app.min.js", minified_js()),
        ("/data.json", json_file()),
        ("/logo.svg", svg_file()),
    ]
}

/// A root named after `tag` holding `files` (URL path, contents); returns both.
fn site(tag: &str, files: Vec<(&'static str, Vec<u8>)>) -> (TempDir, Vec<(&'static str, Vec<u8>)>) {
    let root = TempDir::new(tag);
    for (path, data) in &files {
        root.file(&path[1..], data);
    }
    (root, files)
}

/// A root holding the real-ish files.
fn real_site() -> (TempDir, Vec<(&'static str, Vec<u8>)>) {
    site("compress-real", real_files())
}

/// A root named after `tag` holding the HTML page (mapped) at `/page.html`
/// and 64 KiB of prose from `seed` (sent with sendfile) at `/big.txt`.
fn page_and_big(tag: &str, seed: u64) -> (TempDir, Vec<(&'static str, Vec<u8>)>) {
    site(
        tag,
        vec![
            ("/page.html", html_page()),
            ("/big.txt", text_of(64 * 1024, seed)),
        ],
    )
}

// ---------------------------------------------------------------- decoding

#[test]
fn every_variant_of_real_files_decodes_to_the_file() {
    let (root, files) = real_site();
    let server = Server::start(root.path(), &[]);
    let mut c = server.connect();
    for (path, data) in &files {
        let what = format!("{path} identity");
        let plain = ask_gets(&mut c, path, None, Want::Identity, data, &what);
        let ct = must(&plain, "content-type").to_string();
        let [gz, df] = VARIANTS.map(|(ae, want)| {
            ask_gets(&mut c, path, Some(ae), want, data, &format!("{path} {ae}"))
        });
        for r in [&gz, &df] {
            assert_eq!(
                must(r, "content-type"),
                ct,
                "{path}: a variant changed the type"
            );
            assert_eq!(
                r.header("last-modified"),
                plain.header("last-modified"),
                "{path}: Last-Modified"
            );
        }
        assert_eq!(
            gz.body.len(),
            df.body.len() + 12,
            "{path}: gzip's framing is 12 bytes longer than zlib's for the same data"
        );
        // Built once when cached: asked again, the very same bytes and tag.
        let again = ask(&mut c, &with_ae("GET", path, Some("gzip")));
        assert_eq!(
            again.body, gz.body,
            "{path}: gzip variant changed between requests"
        );
        assert_eq!(again.header("etag"), gz.header("etag"), "{path}: ETag");
    }
    assert!(server.stop().success());
}

#[test]
fn gzip_tool_decodes_the_gzip_bodies() {
    if !have_gzip() {
        eprintln!("no gzip program: skipping the gzip -dc check");
        return;
    }
    let (root, files) = real_site();
    let server = Server::start(root.path(), &[]);
    for (path, data) in &files {
        let r = get_ae(&server, path, Some("gzip"));
        assert_eq!(
            r.header("content-encoding"),
            Some("gzip"),
            "{path}: {}",
            show(&r)
        );
        assert_same_bytes(&gzip_dc(&r.body), data);
    }
    assert!(server.stop().success());
}

#[test]
fn compressible_types_get_variants() {
    let root = TempDir::new("compress-types");
    let data = text_of(3000, 5);
    let exts = [
        "html", "htm", "css", "js", "mjs", "json", "xml", "svg", "wasm", "ttf", "otf", "txt",
        "csv", "md",
    ];
    for ext in exts {
        root.file(&format!("f.{ext}"), &data);
    }
    let server = Server::start(root.path(), &[]);
    let mut c = server.connect();
    for ext in exts {
        let path = format!("/f.{ext}");
        for (ae, want) in VARIANTS {
            let what = format!("{path} {ae}");
            ask_gets(&mut c, &path, Some(ae), want, &data, &what);
        }
    }
    assert!(server.stop().success());
}

#[test]
fn non_compressible_types_are_never_compressed_nor_vary() {
    let root = TempDir::new("compress-binary");
    // As compressible as data gets: only the type keeps these uncompressed.
    let small = text_of(4096, 6);
    let big = text_of(64 * 1024, 7);
    let names = [
        "img.png",
        "photo.jpg",
        "anim.gif",
        "pic.webp",
        "data.bin",
        "font.woff",
        "font.woff2",
        "arch.zip",
        "arch.tar.gz",
        "movie.mp4",
        "clip.webm",
        "noext",
    ];
    for name in names {
        root.file(name, &small);
    }
    root.file("big.bin", &big);
    let server = Server::start(root.path(), &[]);
    let mut c = server.connect();
    let all = names
        .iter()
        .map(|n| (*n, &small))
        .chain([("big.bin", &big)]);
    for (name, data) in all {
        let path = format!("/{name}");
        for ae in OFFERS {
            let r = ask(&mut c, &with_ae("GET", &path, ae));
            assert_plain_200(&r, data, &format!("{path} with {ae:?}"));
        }
        let etag = must(&ask(&mut c, &with_ae("HEAD", &path, None)), "etag").to_string();
        let r = assert_plain_304_and_206(&mut c, &path, &etag, &path);
        assert_eq!(r.body, data[..10], "{path} 206 body");
    }
    assert!(server.stop().success());
}

// ---------------------------------------------------------------- negotiation

/// Accept-Encoding values and what each must get for a compressible file
/// that has both variants (deflate being the smaller, gzip preferred at equal
/// q). A coding listed with q > 0 is taken to beat identity left implicit
/// (`gzip;q=0.5` gets gzip), as nginx and Caddy do.
const TABLE: &[(Option<&str>, Want)] = &[
    (None, Want::Identity),
    (Some(""), Want::Identity),
    (Some("gzip"), Want::Gzip),
    (Some("deflate"), Want::Deflate),
    (Some("gzip, deflate"), Want::Gzip),
    (Some("deflate, gzip"), Want::Gzip),
    (Some("gzip, deflate, br, zstd"), Want::Gzip),
    (Some("GZIP"), Want::Gzip),
    (Some("DeFlAtE"), Want::Deflate),
    (Some("x-gzip"), Want::Gzip),
    (Some("br"), Want::Identity),
    (Some("br, zstd, compress"), Want::Identity),
    (Some("identity"), Want::Identity),
    (Some("gzip;q=0.5"), Want::Gzip),
    (Some("gzip;q=0.001"), Want::Gzip),
    (Some("gzip;q=0.8, deflate;q=0.5"), Want::Gzip),
    (Some("gzip;q=0.5, deflate;q=0.8"), Want::Deflate),
    (Some("gzip;q=1.0, deflate;q=0.999"), Want::Gzip),
    (Some("gzip;q=0.5, deflate;q=0.5"), Want::Gzip),
    (Some("identity;q=0.5, gzip;q=0.5"), Want::Gzip),
    (Some("identity, gzip;q=0.5"), Want::Identity),
    (Some("identity;q=1, deflate;q=0.9"), Want::Identity),
    (Some("br;q=1, gzip;q=0.1"), Want::Gzip),
    (Some("*"), Want::Gzip),
    (Some("*;q=0.5, gzip"), Want::Gzip),
    (Some("*;q=0.1, identity;q=0.2"), Want::Identity),
    (Some("*, identity;q=0"), Want::Gzip),
    (Some("gzip;q=0, *"), Want::Deflate),
    (Some("deflate;q=0, *"), Want::Gzip),
    (Some("identity;q=0"), Want::Refused),
    (Some("*;q=0"), Want::Refused),
    (Some("identity;q=0, br"), Want::Refused),
    (Some("gzip;q=0, deflate;q=0, identity;q=0"), Want::Refused),
    (Some("*;q=0, gzip;q=0"), Want::Refused),
    (Some("identity;q=0, gzip"), Want::Gzip),
    (Some("*;q=0, deflate"), Want::Deflate),
    (Some("*;q=0, identity"), Want::Identity),
    (Some("gzip;q=0"), Want::Identity),
    (Some("gzip;q=0, deflate;q=0"), Want::Identity),
    (Some("  gzip ;  q=0.5 ,\tdeflate;q=0.4  "), Want::Gzip),
    (Some("gzip;Q=0.3, deflate;q=0.2"), Want::Gzip),
    (Some("GZip;q=0.2, DEFLATE;Q=0.3"), Want::Deflate),
    (Some("deflate,gzip;q=0.9"), Want::Deflate),
];

/// Runs [`TABLE`] against `path` (holding `data`) on one keep-alive
/// connection; each row as a HEAD and a GET pipelined, the HEAD's fields
/// matching the GET's.
fn run_table(server: &Server, path: &str, data: &[u8]) {
    let mut c = server.connect();
    let mut failures = Vec::new();
    for &(ae, want) in TABLE {
        let both = with_ae("HEAD", path, ae) + &with_ae("GET", path, ae);
        c.send(both.as_bytes());
        let rs = read_responses(&mut c, &["HEAD", "GET"]);
        let (head, get) = (&rs[0], &rs[1]);
        let got = match (get.status, get.header("content-encoding")) {
            (406, _) => Want::Refused,
            (200, None) => Want::Identity,
            (200, Some("gzip")) => Want::Gzip,
            (200, Some("deflate")) => Want::Deflate,
            _ => panic!("{path} Accept-Encoding {ae:?}: {}", show(get)),
        };
        if got != want {
            failures.push(format!(
                "Accept-Encoding {ae:?}: want {want:?}, got {got:?}"
            ));
            continue;
        }
        assert_gets(get, want, data, &format!("{path} Accept-Encoding {ae:?}"));
        assert_eq!(
            fields_but_date(head),
            fields_but_date(get),
            "{path} Accept-Encoding {ae:?}: HEAD and GET differ"
        );
        assert_eq!(head.status, get.status);
    }
    assert!(
        failures.is_empty(),
        "{path}: {} of {} rows wrong:\n{}",
        failures.len(),
        TABLE.len(),
        failures.join("\n")
    );
}

#[test]
fn accept_encoding_table() {
    let (root, files) = page_and_big("compress-table", 8);
    let server = Server::start(root.path(), &[]);
    for (path, data) in &files {
        run_table(&server, path, data);
    }
    assert!(server.stop().success());
}

// ---------------------------------------------------------------- headers

#[test]
fn vary_on_every_response_for_a_compressible_type() {
    let (root, files) = page_and_big("compress-vary", 9);
    let server = Server::start(root.path(), &[]);
    let mut c = server.connect();
    for (path, data) in &files {
        let what = format!("{path} 200 identity");
        let plain = ask_gets(&mut c, path, None, Want::Identity, data, &what);
        let etag = must(&plain, "etag").to_string();
        let what = format!("{path} 200 gzip");
        let gz = ask_gets(&mut c, path, Some("gzip"), Want::Gzip, data, &what);
        let gz_tag = must(&gz, "etag").to_string();
        let cases: [(&str, Fields, u16); 9] = [
            ("HEAD", vec![], 200),
            ("HEAD", vec![("Accept-Encoding", "deflate")], 200),
            ("GET", vec![("If-None-Match", etag.as_str())], 304),
            (
                "GET",
                vec![
                    ("If-None-Match", gz_tag.as_str()),
                    ("Accept-Encoding", "gzip"),
                ],
                304,
            ),
            ("GET", vec![("Range", "bytes=0-99")], 206),
            (
                "GET",
                vec![("Range", "bytes=0-99"), ("Accept-Encoding", "gzip")],
                206,
            ),
            ("GET", vec![("Range", "bytes=0-9,20-29")], 206),
            ("GET", vec![("Range", "bytes=9999999-")], 416),
            ("GET", vec![("Accept-Encoding", "identity;q=0")], 406),
        ];
        for (method, fields, status) in cases {
            let what = format!("{method} {path} {fields:?}");
            let r = ask(&mut c, &request_with(method, path, &fields));
            assert_eq!(r.status, status, "{what}: {}", show(&r));
            assert_vary(&r, &what);
        }
    }
    assert!(server.stop().success());
}

#[test]
fn each_variant_has_its_own_etag() {
    let (root, files) = page_and_big("compress-etag", 10);
    let server = Server::start(root.path(), &[]);
    let mut c = server.connect();
    for (path, data) in &files {
        // Each tag is the hash of the bytes its representation sends.
        let plain = ask_until_etag(&mut c, &with_ae("GET", path, None));
        let id = must(&plain, "etag").to_string();
        assert_eq!(id, content_etag(data), "{path}: identity ETag");
        let mut tags = vec![id.clone()];
        for ae in ["gzip", "deflate"] {
            let r = ask(&mut c, &with_ae("GET", path, Some(ae)));
            let tag = must(&r, "etag").to_string();
            assert_eq!(tag, content_etag(&r.body), "{path}: {ae} ETag");
            assert!(!tags.contains(&tag), "{path}: {ae} shares the ETag {tag}");
            tags.push(tag);
        }
        let (gz, df) = (tags[1].clone(), tags[2].clone());

        let both = format!("{id}, {gz}");
        let weak = format!("W/{gz}");
        // The client's copy matches what it would get: 304 with that tag.
        for (inm, ae, tag) in [
            (gz.as_str(), Some("gzip"), &gz),
            (df.as_str(), Some("deflate"), &df),
            (gz.as_str(), Some("gzip, deflate"), &gz),
            (id.as_str(), None, &id),
            (id.as_str(), Some("br"), &id),
            (both.as_str(), Some("gzip"), &gz),
            (weak.as_str(), Some("gzip"), &gz),
        ] {
            let r = cond(&mut c, path, inm, ae);
            let what = format!("{path} If-None-Match {inm} Accept-Encoding {ae:?}");
            assert_eq!(r.status, 304, "{what}: {}", show(&r));
            assert_eq!(r.header("etag"), Some(tag.as_str()), "{what}");
            assert!(r.body.is_empty(), "{what}: 304 with a body");
            assert_vary(&r, &what);
        }
        // It does not: a full 200 of the representation negotiated.
        for (inm, ae, want, tag) in [
            (id.as_str(), Some("gzip"), Want::Gzip, &gz),
            (id.as_str(), Some("deflate"), Want::Deflate, &df),
            (gz.as_str(), None, Want::Identity, &id),
            (gz.as_str(), Some("deflate"), Want::Deflate, &df),
            (df.as_str(), Some("gzip, deflate"), Want::Gzip, &gz),
            (df.as_str(), Some("gzip"), Want::Gzip, &gz),
        ] {
            let r = cond(&mut c, path, inm, ae);
            let what = format!("{path} If-None-Match {inm} Accept-Encoding {ae:?}");
            assert_gets(&r, want, data, &what);
            assert_eq!(r.header("etag"), Some(tag.as_str()), "{what}");
        }
    }
    assert!(server.stop().success());
}

#[test]
fn ranges_come_from_the_identity_form() {
    let (root, files) = page_and_big("compress-range", 11);
    let server = Server::start(root.path(), &[]);
    let mut c = server.connect();
    for (path, data) in &files {
        let id = must(&ask(&mut c, &with_ae("GET", path, None)), "etag").to_string();
        let len = data.len();
        for ae in [
            "gzip",
            "deflate",
            "gzip, deflate",
            "*",
            "identity;q=0, gzip",
        ] {
            for (spec, start, end) in [
                ("bytes=0-99", 0, 99),
                ("bytes=1000-", 1000, len - 1),
                ("bytes=-300", len - 300, len - 1),
            ] {
                let what = format!("{path} Range {spec} Accept-Encoding {ae}");
                let r = ask(
                    &mut c,
                    &request_with("GET", path, &[("Accept-Encoding", ae), ("Range", spec)]),
                );
                assert_eq!(r.status, 206, "{what}: {}", show(&r));
                assert_eq!(r.header("content-encoding"), None, "{what}: {}", show(&r));
                let want_range = format!("bytes {start}-{end}/{len}");
                assert_eq!(
                    r.header("content-range"),
                    Some(want_range.as_str()),
                    "{what}"
                );
                assert_eq!(r.header("etag"), Some(id.as_str()), "{what}: identity ETag");
                assert_vary(&r, &what);
                assert_same_bytes(&r.body, &data[start..=end]);
            }
            // If-Range with the identity tag still allows the range.
            let fields = [
                ("Accept-Encoding", ae),
                ("Range", "bytes=10-19"),
                ("If-Range", &id),
            ];
            let r = ask(&mut c, &request_with("GET", path, &fields));
            assert_eq!(r.status, 206, "{path} If-Range {ae}: {}", show(&r));
            assert_eq!(r.header("content-encoding"), None, "{path} If-Range {ae}");
            assert_eq!(r.body, data[10..20], "{path} If-Range {ae}");
            // Several ranges: multipart of identity bytes.
            let fields = [("Accept-Encoding", ae), ("Range", "bytes=0-4,100-104")];
            let r = ask(&mut c, &request_with("GET", path, &fields));
            assert_eq!(r.status, 206, "{path} multipart {ae}: {}", show(&r));
            assert_eq!(r.header("content-encoding"), None, "{path} multipart {ae}");
            assert!(
                must(&r, "content-type").starts_with("multipart/byteranges"),
                "{path} multipart {ae}: {}",
                show(&r)
            );
            for part in [&data[0..5], &data[100..105]] {
                assert!(
                    find(&r.body, part).is_some(),
                    "{path} multipart {ae}: part missing"
                );
            }
        }
    }
    assert!(server.stop().success());
}

#[test]
fn head_mirrors_get() {
    let (root, files) = page_and_big("compress-head", 12);
    let server = Server::start(root.path(), &[]);
    let mut c = server.connect();
    for (path, _) in &files {
        let gz_tag = must(&ask(&mut c, &with_ae("GET", path, Some("gzip"))), "etag").to_string();
        let cases: [Fields; 7] = [
            vec![],
            vec![("Accept-Encoding", "gzip")],
            vec![("Accept-Encoding", "deflate")],
            vec![("Accept-Encoding", "gzip, deflate")],
            vec![("Accept-Encoding", "identity;q=0")],
            vec![
                ("Accept-Encoding", "gzip"),
                ("If-None-Match", gz_tag.as_str()),
            ],
            vec![("Accept-Encoding", "gzip"), ("Range", "bytes=5-50")],
        ];
        for fields in cases {
            let what = format!("{path} {fields:?}");
            // HEAD first: a body after it would be read as the GET's head.
            let both = request_with("HEAD", path, &fields) + &request_with("GET", path, &fields);
            c.send(both.as_bytes());
            let rs = read_responses(&mut c, &["HEAD", "GET"]);
            let (head, get) = (&rs[0], &rs[1]);
            assert_eq!(head.status, get.status, "{what}");
            assert_eq!(fields_but_date(head), fields_but_date(get), "{what}");
            if get.header("content-encoding").is_some() {
                assert_eq!(
                    head.content_length(),
                    Some(get.body.len()),
                    "{what}: HEAD's Content-Length is not the variant's"
                );
            }
        }
        c.assert_idle(100);
    }
    assert!(server.stop().success());
}

#[test]
fn pipelined_mixed_codings() {
    let (root, files) = real_site();
    let big = text_of(64 * 1024, 13);
    root.file("big.txt", &big);
    root.file("tiny.txt", "tiny\n");
    root.file("img.png", text_of(2048, 14));
    let server = Server::start(root.path(), &[]);
    let page = &files[0].1;
    let css = &files[1].1;
    let js = &files[2].1;
    let png = text_of(2048, 14);
    let batch: [Step; 14] = [
        ("GET", "/page.html", Some("gzip"), Want::Gzip, page),
        ("GET", "/page.html", None, Want::Identity, page),
        ("GET", "/page.html", Some("deflate"), Want::Deflate, page),
        ("HEAD", "/page.html", Some("gzip"), Want::Gzip, page),
        ("GET", "/style.css", Some("gzip"), Want::Gzip, css),
        ("GET", "/big.txt", Some("deflate"), Want::Deflate, &big),
        (
            "GET",
            "/app.min.js",
            Some("gzip;q=0.9, deflate;q=0.1"),
            Want::Gzip,
            js,
        ),
        (
            "GET",
            "/page.html",
            Some("identity;q=0"),
            Want::Refused,
            page,
        ),
        ("GET", "/big.txt", None, Want::Identity, &big),
        ("GET", "/img.png", Some("gzip"), Want::Identity, &png),
        ("HEAD", "/big.txt", Some("deflate"), Want::Deflate, &big),
        ("GET", "/tiny.txt", Some("gzip"), Want::Identity, b"tiny\n"),
        ("GET", "/big.txt", Some("gzip"), Want::Gzip, &big),
        ("GET", "/app.min.js", Some("deflate"), Want::Deflate, js),
    ];
    let mut c = server.connect();
    for round in 0..3 {
        let mut raw = String::new();
        for (method, path, ae, _, _) in &batch {
            raw.push_str(&with_ae(method, path, *ae));
        }
        c.send(raw.as_bytes());
        let methods: Vec<&str> = batch.iter().map(|b| b.0).collect();
        let rs = read_responses(&mut c, &methods);
        for ((method, path, ae, want, data), r) in batch.iter().zip(&rs) {
            let what = format!("round {round}: {method} {path} Accept-Encoding {ae:?}");
            if *path == "/img.png" {
                assert_plain_200(r, data, &what);
            } else if *method == "HEAD" {
                assert_eq!(r.status, 200, "{what}: {}", show(r));
                assert_eq!(r.header("content-encoding"), want.coding(), "{what}");
                assert_vary(r, &what);
            } else {
                assert_gets(r, *want, data, &what);
            }
        }
        c.assert_idle(50);
    }
    assert!(server.stop().success());
}

// ---------------------------------------------------------------- sizes

#[test]
fn sendfile_sized_files_get_variants_up_to_the_limit() {
    let root = TempDir::new("compress-big");
    let k64 = text_of(64 * 1024, 15);
    let k900 = text_of(900 * 1024, 16);
    let at_max = text_of(DEFAULT_MAX, 17);
    let over_max = text_of(DEFAULT_MAX + 1, 18);
    let m2 = text_of(2 << 20, 19);
    root.file("k64.txt", &k64);
    root.file("k900.txt", &k900);
    root.file("at-max.txt", &at_max);
    root.file("over-max.txt", &over_max);
    root.file("m2.txt", &m2);
    let server = Server::start(root.path(), &[]);
    let mut c = server.connect();
    for (path, data) in [
        ("/k64.txt", &k64),
        ("/k900.txt", &k900),
        ("/at-max.txt", &at_max),
    ] {
        for (ae, want) in VARIANTS {
            ask_gets(&mut c, path, Some(ae), want, data, &format!("{path} {ae}"));
        }
        let what = format!("{path} identity");
        ask_gets(&mut c, path, None, Want::Identity, data, &what);
    }
    for (path, data) in [("/over-max.txt", &over_max), ("/m2.txt", &m2)] {
        ask_gets(
            &mut c,
            path,
            Some("gzip, deflate"),
            Want::Identity,
            data,
            &format!("{path} over the default max"),
        );
    }
    assert!(server.stop().success());

    let server = Server::start(root.path(), &["--compress-max-size", "4M"]);
    let r = get_ae(&server, "/m2.txt", Some("gzip"));
    assert_gets(&r, Want::Gzip, &m2, "/m2.txt with --compress-max-size 4M");
    assert!(server.stop().success());
}

#[test]
fn compress_max_size_is_inclusive() {
    let root = TempDir::new("compress-max");
    let at = text_of(4096, 20);
    let over = text_of(4097, 21);
    root.file("at.txt", &at);
    root.file("over.txt", &over);
    let server = Server::start(root.path(), &["--compress-max-size", "4K"]);
    let mut c = server.connect();
    ask_gets(
        &mut c,
        "/at.txt",
        Some("gzip"),
        Want::Gzip,
        &at,
        "4096 bytes with --compress-max-size 4K",
    );
    ask_gets(
        &mut c,
        "/over.txt",
        Some("gzip"),
        Want::Identity,
        &over,
        "4097 bytes with --compress-max-size 4K",
    );
    // Identity refused and no variant: nothing acceptable.
    ask_gets(
        &mut c,
        "/over.txt",
        Some("identity;q=0"),
        Want::Refused,
        &over,
        "4097 bytes, identity;q=0",
    );
    assert!(server.stop().success());
}

#[test]
fn small_and_incompressible_files_stay_identity() {
    let root = TempDir::new("compress-small");
    let at_min: Vec<u8> = b"abcd".repeat(64);
    let under_min: Vec<u8> = b"abcd".repeat(64)[..255].to_vec();
    let random_small = random_bytes(4096, 22);
    let random_big = random_bytes(64 * 1024, 23);
    root.file("at-min.txt", &at_min);
    root.file("under-min.txt", &under_min);
    root.file("empty.txt", b"");
    root.file("hello.html", b"<p>hello</p>\n");
    root.file("random.txt", &random_small);
    root.file("random-big.js", &random_big);
    let server = Server::start(root.path(), &[]);
    let mut c = server.connect();
    ask_gets(
        &mut c,
        "/at-min.txt",
        Some("gzip"),
        Want::Gzip,
        &at_min,
        "256 compressible bytes",
    );
    for (path, data) in [
        ("/under-min.txt", &under_min[..]),
        ("/empty.txt", b""),
        ("/hello.html", b"<p>hello</p>\n"),
        ("/random.txt", &random_small),
        ("/random-big.js", &random_big),
    ] {
        for ae in ["gzip", "deflate", "gzip, deflate", "*"] {
            let what = format!("{path} Accept-Encoding {ae}");
            ask_gets(&mut c, path, Some(ae), Want::Identity, data, &what);
        }
        ask_gets(
            &mut c,
            path,
            Some("identity;q=0"),
            Want::Refused,
            data,
            &format!("{path} identity;q=0"),
        );
    }
    assert!(server.stop().success());
}

/// `n` random bytes drawn from the first `symbols` printable-ish byte values.
fn alphabet_bytes(n: usize, symbols: u8, seed: u64) -> Vec<u8> {
    random_bytes(n, seed)
        .into_iter()
        .map(|b| 0x20 + (u32::from(b) * u32::from(symbols) / 256) as u8)
        .collect()
}

#[test]
fn a_variant_must_save_ten_percent() {
    let root = TempDir::new("compress-ratio");
    // 128 equally likely symbols: 7 bits a byte, 12.5 % saved; 180: about
    // 7.6 bits with Huffman, 5 % saved.
    let saves_12 = alphabet_bytes(64 * 1024, 128, 24);
    let saves_5 = alphabet_bytes(64 * 1024, 180, 25);
    root.file("saves12.txt", &saves_12);
    root.file("saves5.txt", &saves_5);
    let server = Server::start(root.path(), &[]);
    let mut c = server.connect();
    for (ae, want) in VARIANTS {
        ask_gets(
            &mut c,
            "/saves12.txt",
            Some(ae),
            want,
            &saves_12,
            "128-symbol text",
        );
    }
    for ae in ["gzip", "deflate"] {
        ask_gets(
            &mut c,
            "/saves5.txt",
            Some(ae),
            Want::Identity,
            &saves_5,
            &format!("180-symbol text, {ae}"),
        );
    }
    assert!(server.stop().success());
}

// ---------------------------------------------------------------- flags

#[test]
fn compress_level_changes_the_output() {
    let root = TempDir::new("compress-level");
    let data = text_of(200 * 1024, 26);
    root.file("t.txt", &data);
    let mut sizes = Vec::new();
    for level in ["1", "6", "9"] {
        let server = Server::start(root.path(), &["--compress-level", level]);
        let [gz, _] = VARIANTS.map(|(ae, want)| {
            let what = format!("level {level} {ae}");
            let mut c = server.connect();
            ask_gets(&mut c, "/t.txt", Some(ae), want, &data, &what)
        });
        sizes.push(gz.body.len());
        assert!(server.stop().success());
    }
    let server = Server::start(root.path(), &[]);
    let default = get_ae(&server, "/t.txt", Some("gzip")).body.len();
    assert!(server.stop().success());
    assert_eq!(default, sizes[1], "the default level is not 6");
    assert!(
        sizes[0] > sizes[1] && sizes[1] >= sizes[2],
        "gzip sizes at levels 1, 6, 9: {sizes:?}"
    );
}

#[test]
fn bad_compress_flags_are_refused() {
    let root = TempDir::new("compress-flags");
    for args in [
        &["--compress-level", "0"][..],
        &["--compress-level", "10"],
        &["--compress-level", "x"],
        &["--compress-max-size", "lots"],
    ] {
        let mut cmd = staticd();
        cmd.args(["-l", "127.0.0.1:0"]).args(args).arg(root.path());
        let out = run_to_end(cmd, Duration::from_secs(5));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.starts_with(&format!("staticd: {}", args[0])),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn no_compress_turns_it_all_off() {
    let (root, files) = page_and_big("compress-off", 27);
    let server = Server::start(root.path(), &["--no-compress"]);
    let mut c = server.connect();
    for (path, data) in &files {
        for ae in OFFERS {
            let what = format!("--no-compress {path} Accept-Encoding {ae:?}");
            let r = ask(&mut c, &with_ae("GET", path, ae));
            assert_plain_200(&r, data, &what);
            let h = ask(&mut c, &with_ae("HEAD", path, ae));
            assert_plain(&h, &format!("HEAD {what}"));
        }
        let etag = must(&ask(&mut c, &with_ae("GET", path, None)), "etag").to_string();
        assert_plain_304_and_206(&mut c, path, &etag, &format!("--no-compress {path}"));
        let r = ask(&mut c, &with_ae("GET", path, Some("identity;q=0")));
        assert_plain(&r, &format!("--no-compress {path} identity;q=0"));
    }
    assert!(server.stop().success());
}

// ---------------------------------------------------------------- invalidation

/// `Ok` if GET `path` with Accept-Encoding `ae` is a `want` 200 whose body
/// decodes to `data` under an ETag other than `old_tag`.
fn serves_new(
    server: &Server,
    path: &str,
    ae: &str,
    want: Want,
    data: &[u8],
    old_tag: &str,
) -> Result<(), String> {
    let r = try_exchange(server, &with_ae("GET", path, Some(ae)))?;
    if r.status != 200 || r.header("content-encoding") != want.coding() {
        return Err(format!("want {want:?}, got {}", show(&r)));
    }
    let mut body = Vec::new();
    let read = match want {
        Want::Gzip => GzDecoder::new(&r.body[..]).read_to_end(&mut body),
        Want::Deflate => ZlibDecoder::new(&r.body[..]).read_to_end(&mut body),
        _ => (&r.body[..]).read_to_end(&mut body),
    };
    read.map_err(|e| format!("does not decode: {e}"))?;
    if body != data {
        return Err(format!("old or mixed content: {}", show(&r)));
    }
    match r.header("etag") {
        Some(tag) if tag == old_tag => Err(format!("new content under the old ETag {tag}")),
        None => Err(format!("no ETag: {}", show(&r))),
        Some(_) => Ok(()),
    }
}

/// A cached file of `size` bytes is rewritten in place with as many other
/// bytes, then with more: each time its variants must follow.
fn variants_follow_rewrites(size: usize) {
    let root = TempDir::new("compress-inval");
    let v1 = text_of(size, 30);
    let v2 = text_of(size, 31);
    let v3 = text_of(size + size / 2, 32);
    assert_ne!(v1, v2);
    let p = root.file("doc.txt", &v1);
    let server = Server::start(root.path(), &[]);
    let first = get_ae(&server, "/doc.txt", Some("gzip"));
    assert_gets(&first, Want::Gzip, &v1, "before the rewrite");
    let mut tag = must(&first, "etag").to_string();
    for (what, data) in [("same-size rewrite", &v2), ("longer rewrite", &v3)] {
        // The rewrite must get another mtime.
        common::tick_past(&p);
        if data.len() == size {
            write_in_place(&p, data);
        } else {
            std::fs::write(&p, data).unwrap();
        }
        eventually(&format!("{what} of {size} bytes, gzip"), || {
            serves_new(&server, "/doc.txt", "gzip", Want::Gzip, data, &tag)
        });
        let df = get_ae(&server, "/doc.txt", Some("deflate"));
        assert_gets(&df, Want::Deflate, data, &format!("{what}, deflate"));
        let plain = get_ae(&server, "/doc.txt", None);
        assert_gets(&plain, Want::Identity, data, &format!("{what}, identity"));
        let gz = get_ae(&server, "/doc.txt", Some("gzip"));
        // The old variant's tag must not validate the new variant.
        let fields = [("Accept-Encoding", "gzip"), ("If-None-Match", tag.as_str())];
        let r = server.exchange(request_with("GET", "/doc.txt", &fields).as_bytes());
        assert_gets(&r, Want::Gzip, data, &format!("{what}: old ETag sent"));
        tag = must(&gz, "etag").to_string();
    }
    assert!(server.stop().success());
}

#[test]
fn variants_follow_rewrites_of_a_mapped_file() {
    variants_follow_rewrites(8 * 1024);
}

#[test]
fn variants_follow_rewrites_of_a_sendfile_file() {
    variants_follow_rewrites(64 * 1024);
}

/// RFC 9110 §5.3: Accept-Encoding sent in several field lines is one list.
#[test]
fn accept_encoding_in_several_lines_is_one_list() {
    let (root, files) = real_site();
    let (path, data) = &files[0];
    let server = Server::start(root.path(), &[]);
    let mut c = server.connect();
    // The first line alone would mean identity; the second adds gzip.
    let r = ask(
        &mut c,
        &request_with(
            "GET",
            path,
            &[
                ("Accept-Encoding", "identity;q=0.5"),
                ("Accept-Encoding", "gzip"),
            ],
        ),
    );
    assert_gets(&r, Want::Gzip, data, "gzip in the second line");
    // A later line refusing everything but identity wins over nothing.
    let r = ask(
        &mut c,
        &request_with(
            "GET",
            path,
            &[
                ("Accept-Encoding", "gzip;q=0"),
                ("X-Other", "1"),
                ("accept-encoding", "deflate;q=0"),
            ],
        ),
    );
    assert_gets(
        &r,
        Want::Identity,
        data,
        "both codings refused across lines",
    );
    // Refusing identity in the second line, with nothing else acceptable: 406.
    let r = ask(
        &mut c,
        &request_with(
            "GET",
            path,
            &[
                ("Accept-Encoding", "br"),
                ("Accept-Encoding", "identity;q=0"),
            ],
        ),
    );
    assert_eq!(r.status, 406, "{}", show(&r));
    assert!(server.stop().success());
}
