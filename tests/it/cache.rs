//! The file cache of staticd over real sockets: invalidation by inotify
//! (in-place rewrites, rename over, delete, create after a cached 404, growing
//! past and shrinking below the mapping threshold, new and renamed
//! directories, index files, `mkdir -p` trees), revalidation after
//! `--cache-ttl` of what is reached through symlinks (made before or after
//! start-up) and of files with hard links, never with a torn body, files
//! truncated while a response from them is in flight (mapped and sendfile),
//! conditional requests (`If-None-Match`, `If-Modified-Since` in all three
//! date formats), byte
//! ranges (single, multipart, unsatisfiable, invalid, `If-Range`, sendfile
//! files, HEAD), bounded memory under many distinct paths, small cache limits,
//! no stale entry left by fills racing with changes, and identical answers to
//! repeated and pipelined requests.
//!
//! Changes on disk must show within 1 s; each is polled for up to 1.5 s.

use crate::common;

use common::{
    Conn, MONTHS, Response, Server, TempDir, WEEKDAYS, ask, ask_until_etag, assert_same_bytes,
    content_etag, days_from_civil, eventually, get_req, head_req, must, parse_imf_fixdate,
    random_bytes, request_with, show, try_exchange, write_in_place,
};
use std::fs::OpenOptions;
use std::io::{ErrorKind, Read, Write};
use std::path::Path;
use std::thread;
use std::time::{Duration, UNIX_EPOCH};

/// Small files (mapped with the default 16 KiB threshold).
const SMALL: usize = 1024;

/// Big files (sent with sendfile with the default threshold).
const BIG: usize = 64 * 1024;

/// Starts staticd on `root` with the given extra flags.
fn serve(root: &TempDir, extra: &[&str]) -> Server {
    Server::start(root.path(), extra)
}

/// A `GET path HTTP/1.1` request with a Host header and the given extra fields.
fn get_with(path: &str, fields: &[(&str, &str)]) -> String {
    request_with("GET", path, fields)
}

/// `Ok` if `r` is a 200 whose Content-Length and body are exactly `want`.
fn check_body(r: &Response, want: &[u8]) -> Result<(), String> {
    if r.status != 200 || r.content_length() != Some(want.len()) || r.body != want {
        return Err(format!(
            "want 200 with {} bytes, got {}",
            want.len(),
            show(r)
        ));
    }
    Ok(())
}

/// `GET path` on a fresh connection; see [`try_exchange`].
fn try_get(server: &Server, path: &str) -> Result<Response, String> {
    try_exchange(server, &get_req(path))
}

/// `Ok` if `GET path` on a fresh connection is a 200 with exactly `want`.
fn serves(server: &Server, path: &str, want: &[u8]) -> Result<(), String> {
    check_body(&try_get(server, path)?, want)
}

/// `Ok` if `GET path` on a fresh connection is a 404.
fn missing(server: &Server, path: &str) -> Result<(), String> {
    let r = try_get(server, path)?;
    if r.status != 404 {
        return Err(format!("want 404, got {}", show(&r)));
    }
    Ok(())
}

/// Fails unless `check` passes now.
fn now(what: &str, check: Result<(), String>) {
    if let Err(e) = check {
        panic!("{what}: {e}");
    }
}

/// Truncates (or extends) `path` to `len` bytes in place.
fn set_len(path: &Path, len: u64) {
    OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

/// Sets the modification time of `path` to `secs` after the epoch.
fn set_mtime(path: &Path, secs: i64) {
    OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(UNIX_EPOCH + Duration::from_secs(secs as u64))
        .unwrap();
}

/// Splits Unix seconds into (year, month 1-12, day, hour, minute, second, weekday 0 = Sunday).
fn civil(secs: i64) -> (i64, usize, i64, i64, i64, i64, usize) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let weekday = (days + 4).rem_euclid(7) as usize;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rem / 3600, rem / 60 % 60, rem % 60);
    (year, month as usize, day, h, m, s, weekday)
}

/// Formats Unix seconds as an IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`.
fn imf_fixdate(secs: i64) -> String {
    let (y, mo, d, h, mi, s, wd) = civil(secs);
    format!(
        "{}, {d:02} {} {y:04} {h:02}:{mi:02}:{s:02} GMT",
        &WEEKDAYS[wd][..3],
        MONTHS[mo - 1]
    )
}

/// Formats Unix seconds as an RFC 850 date, `Sunday, 06-Nov-94 08:49:37 GMT`.
fn rfc850(secs: i64) -> String {
    let (y, mo, d, h, mi, s, wd) = civil(secs);
    format!(
        "{}, {d:02}-{}-{:02} {h:02}:{mi:02}:{s:02} GMT",
        WEEKDAYS[wd],
        MONTHS[mo - 1],
        y % 100
    )
}

/// Formats Unix seconds as an asctime date, `Sun Nov  6 08:49:37 1994`.
fn asctime(secs: i64) -> String {
    let (y, mo, d, h, mi, s, wd) = civil(secs);
    format!(
        "{} {} {d:>2} {h:02}:{mi:02}:{s:02} {y}",
        &WEEKDAYS[wd][..3],
        MONTHS[mo - 1]
    )
}

/// The boundary named by a `multipart/byteranges; boundary=...` Content-Type.
fn boundary_of(content_type: &str) -> String {
    assert!(
        content_type.starts_with("multipart/byteranges"),
        "Content-Type {content_type:?} is not multipart/byteranges"
    );
    let (_, b) = content_type
        .split_once("boundary=")
        .unwrap_or_else(|| panic!("no boundary in {content_type:?}"));
    b.split(';')
        .next()
        .unwrap()
        .trim()
        .trim_matches('"')
        .to_string()
}

/// One part of a multipart body: its header fields and its bytes.
struct Part {
    /// Header fields, names as sent.
    headers: Vec<(String, String)>,
    /// The part's content.
    body: Vec<u8>,
}

impl Part {
    /// The value of the field `name` (case-insensitive).
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits a multipart body on `boundary`, failing on any framing error.
fn parse_multipart(body: &[u8], boundary: &str) -> Vec<Part> {
    let delim = format!("--{boundary}");
    let first = common::find(body, delim.as_bytes()).expect("no first boundary");
    assert!(
        body[..first].iter().all(|b| matches!(b, b'\r' | b'\n')),
        "junk before the first boundary: {:?}",
        String::from_utf8_lossy(&body[..first])
    );
    let next_delim = format!("\r\n--{boundary}");
    let mut rest = &body[first + delim.len()..];
    let mut parts = Vec::new();
    loop {
        if let Some(after) = rest.strip_prefix(b"--") {
            assert!(
                after.is_empty() || after == b"\r\n",
                "junk after the closing boundary: {:?}",
                String::from_utf8_lossy(after)
            );
            return parts;
        }
        rest = rest.strip_prefix(b"\r\n").unwrap_or_else(|| {
            panic!(
                "no CRLF after a boundary: {:?}",
                String::from_utf8_lossy(rest)
            )
        });
        let end = common::find(rest, b"\r\n\r\n").expect("part head without an end");
        let head = String::from_utf8_lossy(&rest[..end]).into_owned();
        let headers = head
            .split("\r\n")
            .map(|l| {
                let (n, v) = l
                    .split_once(':')
                    .unwrap_or_else(|| panic!("bad part field {l:?}"));
                (n.to_string(), v.trim().to_string())
            })
            .collect();
        rest = &rest[end + 4..];
        let stop = common::find(rest, next_delim.as_bytes()).expect("part without a next boundary");
        parts.push(Part {
            headers,
            body: rest[..stop].to_vec(),
        });
        rest = &rest[stop + next_delim.len()..];
    }
}

/// Reads one response to GET from a raw stream until its body is complete or
/// the server closes; returns the Content-Length and the body bytes that came.
/// A read timeout (the server neither finishing nor closing) fails the test.
fn read_full_or_closed(stream: &mut std::net::TcpStream) -> (usize, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 256 * 1024];
    let mut want: Option<(usize, usize)> = None;
    loop {
        if want.is_none()
            && let Some(end) = common::find(&buf, b"\r\n\r\n")
        {
            let head = Response::from_head(buf[..end + 4].to_vec());
            assert_eq!(head.status, 200, "{}", show(&head));
            let len = head.content_length().expect("Content-Length");
            want = Some((end + 4, len));
        }
        if let Some((start, len)) = want
            && buf.len() >= start + len
        {
            assert_eq!(buf.len(), start + len, "bytes beyond Content-Length");
            return (len, buf.split_off(start));
        }
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "server neither finished the body nor closed ({e}); got {} bytes, head {:?}",
                buf.len(),
                want
            ),
        }
    }
    let (start, len) = want.expect("connection closed before the response head");
    (len, buf.split_off(start))
}

/// VmRSS of process `pid` in KiB.
fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS line");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

// ---------------------------------------------------------------- invalidation

/// Rewrites a cached file of `size` bytes in place with other bytes of the
/// same size; the new content and a new ETag must show.
fn rewrite_in_place(size: usize) {
    let root = TempDir::new("cache-inplace");
    let old = random_bytes(size, 1);
    let new = random_bytes(size, 2);
    let p = root.file("f.bin", &old);
    let server = serve(&root, &[]);
    let first = ask_until_etag(&mut server.connect(), &get_req("/f.bin"));
    now("before the rewrite", check_body(&first, &old));
    let etag = must(&first, "etag").to_string();
    assert_eq!(etag, content_etag(&old));
    // The rewrite must get another mtime.
    common::tick_past(&p);
    write_in_place(&p, &new);
    eventually("same-size rewrite in place", || {
        let r = try_get(&server, "/f.bin")?;
        check_body(&r, &new)?;
        if r.header("etag") == Some(etag.as_str()) {
            return Err(format!("new content under the old ETag {etag}"));
        }
        Ok(())
    });
    // The old ETag no longer validates.
    let r = server.exchange(get_with("/f.bin", &[("If-None-Match", &etag)]).as_bytes());
    now("If-None-Match with the old ETag", check_body(&r, &new));
    assert!(server.stop().success());
}

#[test]
fn rewrite_in_place_same_size_small() {
    rewrite_in_place(SMALL);
}

#[test]
fn rewrite_in_place_same_size_big() {
    rewrite_in_place(BIG);
}

/// Writes a temp file beside a cached file of `size` bytes and renames it over.
fn rename_over(size: usize) {
    let root = TempDir::new("cache-rename");
    let old = random_bytes(size, 3);
    let new = random_bytes(size + 7, 4);
    root.file("f.bin", &old);
    let server = serve(&root, &[]);
    now("before", serves(&server, "/f.bin", &old));
    // Editors and rsync write a dot file and rename it over the name.
    let tmp = root.file(".f.bin.tmp", &new);
    std::fs::rename(&tmp, root.path().join("f.bin")).unwrap();
    eventually("rename over", || serves(&server, "/f.bin", &new));
    // A visible (non-dot) temp name, too.
    let newer = random_bytes(size, 5);
    let tmp = root.file("f.bin.new", &newer);
    now("temp file", serves(&server, "/f.bin.new", &newer));
    std::fs::rename(&tmp, root.path().join("f.bin")).unwrap();
    eventually("second rename over", || serves(&server, "/f.bin", &newer));
    eventually("renamed-away temp name", || missing(&server, "/f.bin.new"));
    assert!(server.stop().success());
}

#[test]
fn rename_over_small() {
    rename_over(SMALL);
}

#[test]
fn rename_over_big() {
    rename_over(BIG);
}

/// Deletes a cached file of `size` bytes, then creates it again.
fn delete_then_create(size: usize) {
    let root = TempDir::new("cache-delete");
    let old = random_bytes(size, 6);
    let p = root.file("sub/f.bin", &old);
    let server = serve(&root, &[]);
    now("before", serves(&server, "/sub/f.bin", &old));
    std::fs::remove_file(&p).unwrap();
    eventually("delete", || missing(&server, "/sub/f.bin"));
    let new = random_bytes(size / 2, 7);
    root.file("sub/f.bin", &new);
    eventually("create after a cached 404", || {
        serves(&server, "/sub/f.bin", &new)
    });
    assert!(server.stop().success());
}

#[test]
fn delete_then_create_small() {
    delete_then_create(SMALL);
}

#[test]
fn delete_then_create_big() {
    delete_then_create(BIG);
}

#[test]
fn create_after_cached_404() {
    let root = TempDir::new("cache-create");
    root.dir("sub");
    let server = serve(&root, &[]);
    for _ in 0..3 {
        now("before", missing(&server, "/new.txt"));
        now("before", missing(&server, "/sub/new.txt"));
    }
    root.file("new.txt", "new at the root\n");
    root.file("sub/new.txt", "new below\n");
    eventually("created at the root", || {
        serves(&server, "/new.txt", b"new at the root\n")
    });
    eventually("created in a subdirectory", || {
        serves(&server, "/sub/new.txt", b"new below\n")
    });
    assert!(server.stop().success());
}

#[test]
fn grow_past_the_threshold() {
    let root = TempDir::new("cache-grow");
    let small = random_bytes(1024, 8);
    let p = root.file("f.bin", &small);
    let server = serve(&root, &[]);
    now("before", serves(&server, "/f.bin", &small));
    let big = random_bytes(100 * 1024, 9);
    std::fs::write(&p, &big).unwrap();
    eventually("1 KiB grown to 100 KiB", || serves(&server, "/f.bin", &big));
    // And back below the threshold.
    let small2 = random_bytes(2000, 10);
    std::fs::write(&p, &small2).unwrap();
    eventually("100 KiB shrunk to 2000 bytes", || {
        serves(&server, "/f.bin", &small2)
    });
    assert!(server.stop().success());
}

/// Truncates a cached file of `size` bytes to `to` bytes in place.
fn truncate_to(size: usize, to: usize) {
    let root = TempDir::new("cache-truncate");
    let data = random_bytes(size, 11);
    let p = root.file("f.bin", &data);
    let server = serve(&root, &[]);
    now("before", serves(&server, "/f.bin", &data));
    set_len(&p, to as u64);
    eventually("truncated", || serves(&server, "/f.bin", &data[..to]));
    set_len(&p, 0);
    eventually("truncated to 0", || serves(&server, "/f.bin", b""));
    assert!(server.stop().success());
}

#[test]
fn truncate_small() {
    truncate_to(10 * 1024, 3000);
}

#[test]
fn truncate_big() {
    truncate_to(100 * 1024, 50 * 1024);
}

#[test]
fn new_subdirectory_after_start_is_served() {
    let root = TempDir::new("cache-newdir");
    let server = serve(&root, &[]);
    now("before", missing(&server, "/fresh/a.txt"));
    now("before", missing(&server, "/fresh/"));
    std::fs::create_dir(root.path().join("fresh")).unwrap();
    root.file("fresh/a.txt", "in a new directory\n");
    eventually("file in a new directory", || {
        serves(&server, "/fresh/a.txt", b"in a new directory\n")
    });
    // The new directory is watched: changes inside it show too.
    root.file("fresh/a.txt", "changed in the new directory\n");
    eventually("change in a new directory", || {
        serves(&server, "/fresh/a.txt", b"changed in the new directory\n")
    });
    root.file("fresh/index.html", "<p>fresh index</p>\n");
    eventually("index in a new directory", || {
        serves(&server, "/fresh/", b"<p>fresh index</p>\n")
    });
    assert!(server.stop().success());
}

#[test]
fn renamed_directory() {
    let root = TempDir::new("cache-dirmove");
    root.file("d1/f.txt", "f in d1\n");
    root.file("d1/deep/g.txt", "g in d1/deep\n");
    let server = serve(&root, &[]);
    now("before", serves(&server, "/d1/f.txt", b"f in d1\n"));
    now(
        "before",
        serves(&server, "/d1/deep/g.txt", b"g in d1/deep\n"),
    );
    now("before", missing(&server, "/d2/f.txt"));
    std::fs::rename(root.path().join("d1"), root.path().join("d2")).unwrap();
    eventually("old name", || missing(&server, "/d1/f.txt"));
    eventually("old name, deeper", || missing(&server, "/d1/deep/g.txt"));
    eventually("new name", || serves(&server, "/d2/f.txt", b"f in d1\n"));
    eventually("new name, deeper", || {
        serves(&server, "/d2/deep/g.txt", b"g in d1/deep\n")
    });
    // The moved directory is still watched under its new name.
    root.file("d2/f.txt", "f changed in d2\n");
    root.file("d2/deep/g.txt", "g changed in d2/deep\n");
    eventually("change after the move", || {
        serves(&server, "/d2/f.txt", b"f changed in d2\n")
    });
    eventually("change after the move, deeper", || {
        serves(&server, "/d2/deep/g.txt", b"g changed in d2/deep\n")
    });
    // A new directory under the old name is a different tree.
    root.file("d1/f.txt", "a new d1\n");
    eventually("new directory under the old name", || {
        serves(&server, "/d1/f.txt", b"a new d1\n")
    });
    now(
        "moved tree",
        serves(&server, "/d2/f.txt", b"f changed in d2\n"),
    );
    assert!(server.stop().success());
}

#[test]
fn index_changes_show_on_the_directory_url() {
    let root = TempDir::new("cache-index");
    root.file("index.html", "<p>one</p>\n");
    root.file("sub/index.html", "<p>sub one</p>\n");
    let server = serve(&root, &[]);
    now("before", serves(&server, "/", b"<p>one</p>\n"));
    now("before", serves(&server, "/index.html", b"<p>one</p>\n"));
    now("before", serves(&server, "/sub/", b"<p>sub one</p>\n"));
    root.file("index.html", "<p>two, longer</p>\n");
    eventually("GET / after index.html changed", || {
        serves(&server, "/", b"<p>two, longer</p>\n")
    });
    now(
        "GET /index.html",
        serves(&server, "/index.html", b"<p>two, longer</p>\n"),
    );
    let tmp = root.file(".index.html.swp", "<p>three</p>\n");
    std::fs::rename(tmp, root.path().join("index.html")).unwrap();
    eventually("GET / after index.html renamed over", || {
        serves(&server, "/", b"<p>three</p>\n")
    });
    root.file("sub/index.html", "<p>sub two</p>\n");
    eventually("GET /sub/ after sub/index.html changed", || {
        serves(&server, "/sub/", b"<p>sub two</p>\n")
    });
    std::fs::remove_file(root.path().join("sub/index.html")).unwrap();
    eventually("GET /sub/ after its index was deleted", || {
        missing(&server, "/sub/")
    });
    root.file("sub/index.html", "<p>sub back</p>\n");
    eventually("GET /sub/ after its index came back", || {
        serves(&server, "/sub/", b"<p>sub back</p>\n")
    });
    assert!(server.stop().success());
}

#[test]
fn file_moved_into_a_new_mkdir_p_tree() {
    let root = TempDir::new("cache-mkdirp");
    root.file("x.txt", "travelling file\n");
    let server = serve(&root, &[]);
    now("before", serves(&server, "/x.txt", b"travelling file\n"));
    now("before", missing(&server, "/a/b/c/x.txt"));
    std::fs::create_dir_all(root.path().join("a/b/c")).unwrap();
    std::fs::rename(root.path().join("x.txt"), root.path().join("a/b/c/x.txt")).unwrap();
    eventually("old place", || missing(&server, "/x.txt"));
    eventually("new place", || {
        serves(&server, "/a/b/c/x.txt", b"travelling file\n")
    });
    // The new tree is watched all the way down.
    root.file("a/b/c/x.txt", "changed deep down\n");
    eventually("change deep in the new tree", || {
        serves(&server, "/a/b/c/x.txt", b"changed deep down\n")
    });
    assert!(server.stop().success());
}

#[test]
fn symlinked_file_revalidates_after_ttl() {
    let root = TempDir::new("cache-symlink");
    let real = root.file("real.txt", "version one\n");
    root.symlink("real.txt", "link.txt");
    let server = serve(&root, &["--cache-ttl", "0.2"]);
    now("before", serves(&server, "/link.txt", b"version one\n"));
    now("before", serves(&server, "/real.txt", b"version one\n"));
    // Same size, rewritten in place, then replaced with another size.
    write_in_place(&real, b"version two\n");
    eventually("same-size change through the link", || {
        serves(&server, "/link.txt", b"version two\n")
    });
    std::fs::write(&real, "version three, longer\n").unwrap();
    eventually("change through the link", || {
        serves(&server, "/link.txt", b"version three, longer\n")
    });
    now(
        "the target itself",
        serves(&server, "/real.txt", b"version three, longer\n"),
    );
    std::fs::remove_file(&real).unwrap();
    eventually("dangling link", || missing(&server, "/link.txt"));
    assert!(server.stop().success());
}

// -------------------------------------------- links that appear after start-up

/// Polls `GET path` until it serves `new` under another ETag than `old_etag`.
/// Every answer on the way must be whole and true to one state of the file:
/// `old` under `old_etag`, empty (caught between a truncate and its write), or
/// `new`; never a body cut short or padded to a length the file no longer has.
fn settles(server: &Server, path: &str, old: &[u8], old_etag: &str, new: &[u8]) {
    eventually(&format!("{path} after the change"), || {
        let r = match try_get(server, path) {
            Ok(r) => r,
            Err(e) => panic!("{path}: a short answer: {e}"),
        };
        let etag = r.header("etag").unwrap_or_default();
        let whole = r.status == 200 && r.content_length() == Some(r.body.len());
        // A sendfile file refilled has no ETag until it is hashed again.
        let old_tag = etag == old_etag || etag.is_empty();
        let known = (r.body == old && old_tag) || r.body.is_empty() || r.body == new;
        assert!(whole && known, "{path}: a torn answer: {}", show(&r));
        if r.body == new && etag != old_etag {
            Ok(())
        } else {
            Err(format!("not yet the new bytes: {}", show(&r)))
        }
    });
}

/// GETs `path`, which must serve `want`; returns its ETag.
fn etag_of(server: &Server, path: &str, want: &[u8]) -> String {
    let r = ask_until_etag(&mut server.connect(), &get_req(path));
    now(&format!("{path} first"), check_body(&r, want));
    must(&r, "etag").to_string()
}

/// A symlink to a directory made after start-up: a file of `size` bytes
/// read through it, then rewritten shorter in place, is served whole and new
/// within the TTL, under the link and under its own name.
fn symlink_made_after_start(size: usize) {
    let root = TempDir::new("cache-late-symlink");
    let old = random_bytes(size, 21);
    let p = root.file("d1/f.bin", &old);
    let server = serve(&root, &["--cache-ttl", "0.2"]);
    root.symlink("d1", "cur");
    eventually("the new link", || serves(&server, "/cur/f.bin", &old));
    let etag = etag_of(&server, "/cur/f.bin", &old);
    now("the target", serves(&server, "/d1/f.bin", &old));
    common::tick_past(&p);
    let new = random_bytes(size / 3, 22);
    std::fs::write(&p, &new).unwrap();
    settles(&server, "/cur/f.bin", &old, &etag, &new);
    // The target's own entry is not aliased: it waits for the inotify event,
    // which the control thread may not have read yet on a loaded machine.
    eventually("the target", || serves(&server, "/d1/f.bin", &new));
    assert!(server.stop().success());
}

#[test]
fn symlink_made_after_start_small() {
    symlink_made_after_start(SMALL);
}

#[test]
fn symlink_made_after_start_big() {
    symlink_made_after_start(BIG);
}

#[test]
fn missing_through_a_later_symlink_appears() {
    let root = TempDir::new("cache-late-404");
    root.file("d1/f.txt", "f\n");
    let server = serve(&root, &["--cache-ttl", "0.2"]);
    root.symlink("d1", "cur");
    eventually("the new link", || serves(&server, "/cur/f.txt", b"f\n"));
    for _ in 0..3 {
        now("before", missing(&server, "/cur/new.txt"));
    }
    root.file("d1/new.txt", "new behind the link\n");
    eventually("created behind the link", || {
        serves(&server, "/cur/new.txt", b"new behind the link\n")
    });
    std::fs::remove_file(root.path().join("d1/new.txt")).unwrap();
    eventually("deleted behind the link", || {
        missing(&server, "/cur/new.txt")
    });
    assert!(server.stop().success());
}

#[test]
fn rename_over_behind_a_later_symlink() {
    let root = TempDir::new("cache-late-rename");
    let old = random_bytes(SMALL, 23);
    root.file("d1/f.bin", &old);
    root.file("d2/f.bin", b"in d2\n");
    let server = serve(&root, &["--cache-ttl", "0.2"]);
    // Renamed in under its name, the way `ln -sfn` replaces a link.
    let tmp = root.symlink("d1", ".cur.tmp");
    std::fs::rename(tmp, root.path().join("cur")).unwrap();
    eventually("the link renamed in", || {
        serves(&server, "/cur/f.bin", &old)
    });
    let etag = etag_of(&server, "/cur/f.bin", &old);
    let new = random_bytes(SMALL + 100, 24);
    let tmp = root.file("d1/.f.bin.tmp", &new);
    std::fs::rename(tmp, root.path().join("d1/f.bin")).unwrap();
    settles(&server, "/cur/f.bin", &old, &etag, &new);
    // The link re-pointed by rename-over shows the other directory.
    let tmp = root.symlink("d2", ".cur.tmp");
    std::fs::rename(tmp, root.path().join("cur")).unwrap();
    eventually("the link re-pointed", || {
        serves(&server, "/cur/f.bin", b"in d2\n")
    });
    assert!(server.stop().success());
}

#[test]
fn listing_of_a_later_symlink_follows_its_target() {
    let root = TempDir::new("cache-late-listing");
    // Two levels down: a change in d/e drops the listings of d/e/ and d/ only.
    let real = root.file("d/e/real.txt", "0123456789");
    let server = serve(&root, &["--listing", "--cache-ttl", "0.2"]);
    root.symlink("d/e/real.txt", "link.txt");
    let shows = |size: &str| {
        let r = try_get(&server, "/")?;
        let row = format!(">link.txt</a></td><td>{size}</td>");
        if r.status == 200 && r.text().contains(&row) {
            Ok(())
        } else {
            Err(format!(
                "want the link listed at {size} bytes: {}",
                show(&r)
            ))
        }
    };
    eventually("the new link listed", || shows("10"));
    std::fs::write(&real, "0123456789abcdef").unwrap();
    eventually("the target grown", || shows("16"));
    assert!(server.stop().success());
}

/// A file with a second name (made by `link` before start-up, or after the
/// first GET), inside the root or `outside` it, is rewritten shorter through
/// that name: its own URL serves the new bytes, whole, within the TTL.
fn changed_through_a_hard_link(link_first: bool, outside: bool) {
    let root = TempDir::new("cache-hardlink");
    let elsewhere = TempDir::new("cache-hardlink-out");
    let old = random_bytes(SMALL, 25);
    let p = root.file("d/f.bin", &old);
    root.dir("e");
    let other = if outside {
        elsewhere.path().join("f.bin")
    } else {
        // A dot name: never served, but writes through it still count.
        root.path().join("e/.other.bin")
    };
    if link_first {
        std::fs::hard_link(&p, &other).unwrap();
    }
    let server = serve(&root, &["--cache-ttl", "0.2"]);
    let etag = etag_of(&server, "/d/f.bin", &old);
    if !link_first {
        now("before", missing(&server, "/e/marker.txt"));
        std::fs::hard_link(&p, &other).unwrap();
        // Events come in order: once the marker made after the link shows,
        // the watcher has seen the link too.
        root.file("e/marker.txt", "m\n");
        eventually("a file made after the link", || {
            serves(&server, "/e/marker.txt", b"m\n")
        });
    }
    common::tick_past(&p);
    let new = random_bytes(SMALL / 4, 26);
    std::fs::write(&other, &new).unwrap();
    settles(&server, "/d/f.bin", &old, &etag, &new);
    assert!(server.stop().success());
}

#[test]
fn hard_link_outside_the_root() {
    changed_through_a_hard_link(true, true);
}

#[test]
fn hard_link_inside_the_root() {
    changed_through_a_hard_link(true, false);
}

#[test]
fn hard_link_made_inside_the_root_after_the_fill() {
    changed_through_a_hard_link(false, false);
}

#[test]
fn no_stale_entry_survives_concurrent_fills() {
    let root = TempDir::new("cache-race");
    root.file("hot.txt", "v0\n");
    let server = serve(&root, &[]);
    let addr = server.addr();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Two clients keep missing and refilling the entry while it changes.
    let hammers: Vec<_> = (0..2)
        .map(|_| {
            let stop = stop.clone();
            thread::spawn(move || {
                let mut c = Conn::open(addr);
                let mut n = 0u32;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let r = ask(&mut c, &get_req("/hot.txt"));
                    assert!(
                        r.status == 200 && r.body.starts_with(b"v"),
                        "while changing: {}",
                        show(&r)
                    );
                    n += 1;
                }
                n
            })
        })
        .collect();
    for round in 1..=150 {
        let want = format!("v{round} {}\n", "y".repeat(round % 37));
        let tmp = root.file(".hot.txt.tmp", &want);
        std::fs::rename(tmp, root.path().join("hot.txt")).unwrap();
        eventually(&format!("round {round}"), || {
            serves(&server, "/hot.txt", want.as_bytes())
        });
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for h in hammers {
        let n = h.join().expect("client thread");
        assert!(n > 0, "a client got no answer");
    }
    assert!(server.stop().success());
}

// ------------------------------------------------------- truncation in flight

/// GETs a 16 MiB file without reading, truncates it to 0 while the response
/// is in flight, then checks the answer and that the server lives on.
fn truncate_in_flight(extra: &[&str]) {
    let root = TempDir::new("cache-inflight");
    let data = random_bytes(16 << 20, 12);
    let p = root.file("big.bin", &data);
    root.file("other.txt", "still here\n");
    let server = serve(&root, extra);
    let addr = server.addr();
    // Fill the cache first, so the in-flight response comes from the cached entry.
    let r = server.exchange(head_req("/big.bin").as_bytes());
    assert_eq!(r.content_length(), Some(data.len()), "{}", show(&r));

    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(get_req("/big.bin").as_bytes()).unwrap();
    // The response fills the socket buffers while nothing is read.
    common::await_stalled(&stream);
    set_len(&p, 0);
    let (len, body) = read_full_or_closed(&mut stream);
    assert!(
        len == data.len() || len == 0,
        "Content-Length {len}, want {} or 0",
        data.len()
    );
    assert!(body.len() <= len);
    // What came is the file as it was: no zero fill, no garbage.
    assert_same_bytes(&body, &data[..body.len()]);
    eprintln!(
        "truncate in flight {extra:?}: {} of {len} body bytes arrived",
        body.len()
    );

    // The server lives on and sees the truncation.
    now(
        "another file",
        serves(&server, "/other.txt", b"still here\n"),
    );
    eventually("the truncated file", || serves(&server, "/big.bin", b""));
    let again = random_bytes(3 << 20, 13);
    std::fs::write(&p, &again).unwrap();
    eventually("the file rewritten", || serves(&server, "/big.bin", &again));
    let stderr = server.stderr();
    assert!(!stderr.to_lowercase().contains("panic"), "stderr: {stderr}");
    assert!(server.stop().success());
}

#[test]
fn truncate_mapped_file_while_in_flight() {
    truncate_in_flight(&["--cache-max-file-size", "64M"]);
}

#[test]
fn truncate_sendfile_file_while_in_flight() {
    truncate_in_flight(&[]);
}

// ------------------------------------------------------------- conditionals

/// A root with one text file whose mtime is 2021-03-07 08:49:37 UTC (a Sunday,
/// a one-digit day for asctime's padding).
fn dated_site() -> (TempDir, i64) {
    let root = TempDir::new("cache-cond");
    let p = root.file("doc.txt", "conditional requests\n");
    let mtime = days_from_civil(2021, 3, 7) * 86_400 + 8 * 3600 + 49 * 60 + 37;
    set_mtime(&p, mtime);
    root.file("other.txt", "next\n");
    (root, mtime)
}

#[test]
fn date_formats_of_the_helpers() {
    let t = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT
    assert_eq!(imf_fixdate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(rfc850(t), "Sunday, 06-Nov-94 08:49:37 GMT");
    assert_eq!(asctime(t), "Sun Nov  6 08:49:37 1994");
    assert_eq!(parse_imf_fixdate(&imf_fixdate(t)), Some(t));
}

/// Sends `req` then a plain GET of /other.txt on `conn`; returns the first
/// response after checking that the second parses right behind it.
fn ask_then_next(conn: &mut Conn, req: &str) -> Response {
    let mut both = req.to_string();
    both.push_str(&get_req("/other.txt"));
    conn.send(both.as_bytes());
    let r = conn.read_response(req.starts_with("HEAD "));
    let next = conn.read_response(false);
    if let Err(e) = check_body(&next, b"next\n") {
        panic!(
            "response after {req:?} (which got {}) is wrong: {e}",
            show(&r)
        );
    }
    r
}

/// Fails unless `r` is a bodiless 304 carrying `etag`.
fn assert_304(r: &Response, etag: &str, what: &str) {
    assert_eq!(r.status, 304, "{what}: {}", show(r));
    assert_eq!(r.header("etag"), Some(etag), "{what}: {}", show(r));
    assert!(r.body.is_empty(), "{what}: 304 with a body");
}

/// Fails unless `r` is the full 200 for doc.txt.
fn assert_full(r: &Response, what: &str) {
    if let Err(e) = check_body(r, b"conditional requests\n") {
        panic!("{what}: {e}");
    }
}

#[test]
fn if_none_match() {
    let (root, _) = dated_site();
    let server = serve(&root, &[]);
    let mut c = server.connect();
    let first = ask(&mut c, &get_req("/doc.txt"));
    assert_full(&first, "plain GET");
    let etag = must(&first, "etag").to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2,
        "ETag {etag:?} is not a strong entity-tag"
    );
    let weak = format!("W/{etag}");
    let list = format!("\"x\", {etag}");
    for (value, what) in [
        (etag.as_str(), "exact ETag"),
        (weak.as_str(), "weak form of the ETag"),
        (list.as_str(), "list ending in the ETag"),
        ("*", "*"),
    ] {
        for method in ["GET", "HEAD"] {
            let req = request_with(method, "/doc.txt", &[("If-None-Match", value)]);
            let r = ask_then_next(&mut c, &req);
            assert_304(&r, &etag, &format!("{method} If-None-Match: {what}"));
        }
    }
    for value in ["\"other\"", "W/\"other\"", "\"x\", \"y\""] {
        let r = ask_then_next(&mut c, &get_with("/doc.txt", &[("If-None-Match", value)]));
        assert_full(&r, &format!("If-None-Match: {value}"));
    }
    // Twice more, now that everything is cached.
    for _ in 0..2 {
        let r = ask_then_next(&mut c, &get_with("/doc.txt", &[("If-None-Match", &etag)]));
        assert_304(&r, &etag, "repeated");
    }
    c.assert_idle(100);
    assert!(server.stop().success());
}

#[test]
fn if_modified_since_in_all_three_formats() {
    let (root, mtime) = dated_site();
    let server = serve(&root, &[]);
    let mut c = server.connect();
    let first = ask(&mut c, &get_req("/doc.txt"));
    assert_full(&first, "plain GET");
    let etag = must(&first, "etag").to_string();
    let lm = must(&first, "last-modified").to_string();
    assert_eq!(lm, imf_fixdate(mtime), "Last-Modified");
    let secs = parse_imf_fixdate(&lm).expect("Last-Modified is an IMF-fixdate");
    for date in [imf_fixdate(secs), rfc850(secs), asctime(secs)] {
        for method in ["GET", "HEAD"] {
            let req = request_with(method, "/doc.txt", &[("If-Modified-Since", &date)]);
            let r = ask_then_next(&mut c, &req);
            assert_304(&r, &etag, &format!("{method} If-Modified-Since: {date}"));
        }
    }
    // A later date (still in the past) is "not modified since" too.
    let later = imf_fixdate(secs + 86_400);
    let r = ask_then_next(
        &mut c,
        &get_with("/doc.txt", &[("If-Modified-Since", &later)]),
    );
    assert_304(&r, &etag, &format!("If-Modified-Since: {later}"));
    // Older dates in each format, and garbage, give the file.
    for date in [
        imf_fixdate(secs - 1),
        rfc850(secs - 60),
        asctime(secs - 86_400),
        "yesterday".to_string(),
        "Sun, 32 Nov 1994 08:49:37 GMT".to_string(),
        String::new(),
    ] {
        let r = ask_then_next(
            &mut c,
            &get_with("/doc.txt", &[("If-Modified-Since", &date)]),
        );
        assert_full(&r, &format!("If-Modified-Since: {date:?}"));
    }
    // If-None-Match decides when present.
    let r = ask_then_next(
        &mut c,
        &get_with(
            "/doc.txt",
            &[("If-None-Match", "\"nope\""), ("If-Modified-Since", &lm)],
        ),
    );
    assert_full(
        &r,
        "If-None-Match not matching + If-Modified-Since matching",
    );
    let old = imf_fixdate(secs - 3600);
    let r = ask_then_next(
        &mut c,
        &get_with(
            "/doc.txt",
            &[("If-None-Match", &etag), ("If-Modified-Since", &old)],
        ),
    );
    assert_304(
        &r,
        &etag,
        "If-None-Match matching + If-Modified-Since older",
    );
    assert!(server.stop().success());
}

// ------------------------------------------------------------------- ranges

/// 100 bytes of distinct-looking text: `0123456789abcdef...` repeated.
fn range_text() -> Vec<u8> {
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        .iter()
        .cycle()
        .take(100)
        .copied()
        .collect()
}

/// A root with `r.txt` (100 bytes of text) and `other.txt`, and staticd on it.
fn range_site() -> (TempDir, Server, Vec<u8>) {
    let root = TempDir::new("cache-range");
    let text = range_text();
    root.file("r.txt", &text);
    root.file("other.txt", "next\n");
    let server = serve(&root, &[]);
    (root, server, text)
}

/// Fails unless `r` is a 206 for `start..=end` of `data` (Content-Range, length, bytes).
fn assert_206(r: &Response, data: &[u8], start: usize, end: usize, what: &str) {
    assert_eq!(r.status, 206, "{what}: {}", show(r));
    let want_range = format!("bytes {start}-{end}/{}", data.len());
    assert_eq!(
        r.header("content-range"),
        Some(want_range.as_str()),
        "{what}: {}",
        show(r)
    );
    assert_eq!(
        r.content_length(),
        Some(end + 1 - start),
        "{what}: {}",
        show(r)
    );
    assert_same_bytes(&r.body, &data[start..=end]);
}

#[test]
fn single_ranges() {
    let (_root, server, text) = range_site();
    let len = text.len();
    let mut c = server.connect();
    let full = ask(&mut c, &get_req("/r.txt"));
    now("plain GET", check_body(&full, &text));
    assert_eq!(
        full.header("accept-ranges"),
        Some("bytes"),
        "{}",
        show(&full)
    );
    for (spec, start, end) in [
        ("bytes=0-4", 0, 4),
        ("bytes=5-", 5, len - 1),
        ("bytes=-3", len - 3, len - 1),
        ("bytes=10-10", 10, 10),
        ("bytes=90-1000", 90, len - 1),
        ("bytes=0-", 0, len - 1),
    ] {
        let r = ask_then_next(&mut c, &get_with("/r.txt", &[("Range", spec)]));
        assert_206(&r, &text, start, end, spec);
        assert!(
            r.header("content-type")
                .unwrap_or("")
                .starts_with("text/plain"),
            "{spec}: {}",
            show(&r)
        );
    }
    assert!(server.stop().success());
}

#[test]
fn multipart_ranges() {
    let (_root, server, text) = range_site();
    let len = text.len();
    let mut c = server.connect();
    for (spec, want) in [
        ("bytes=0-1,4-5", vec![(0, 1), (4, 5)]),
        ("bytes=0-0,-1", vec![(0, 0), (len - 1, len - 1)]),
        (
            "bytes=50-59,10-19,90-",
            vec![(50, 59), (10, 19), (90, len - 1)],
        ),
    ] {
        let r = ask_then_next(&mut c, &get_with("/r.txt", &[("Range", spec)]));
        assert_eq!(r.status, 206, "{spec}: {}", show(&r));
        assert!(r.header("content-range").is_none(), "{spec}: {}", show(&r));
        let boundary = boundary_of(must(&r, "content-type"));
        let parts = parse_multipart(&r.body, &boundary);
        assert_eq!(parts.len(), want.len(), "{spec}: parts");
        for (part, (start, end)) in parts.iter().zip(want) {
            assert!(
                part.header("content-type")
                    .unwrap_or("")
                    .starts_with("text/plain"),
                "{spec}: part fields {:?}",
                part.headers
            );
            let range = format!("bytes {start}-{end}/{len}");
            assert_eq!(
                part.header("content-range"),
                Some(range.as_str()),
                "{spec}: part fields {:?}",
                part.headers
            );
            assert_eq!(part.body, &text[start..=end], "{spec}: part {range}");
        }
    }
    assert!(server.stop().success());
}

#[test]
fn unsatisfiable_and_invalid_ranges() {
    let (_root, server, text) = range_site();
    let len = text.len();
    let mut c = server.connect();
    for spec in [
        format!("bytes={len}-"),
        format!("bytes={}-{}", len + 5, len + 9),
    ] {
        let r = ask_then_next(&mut c, &get_with("/r.txt", &[("Range", &spec)]));
        assert_eq!(r.status, 416, "{spec}: {}", show(&r));
        let want = format!("bytes */{len}");
        assert_eq!(
            r.header("content-range"),
            Some(want.as_str()),
            "{spec}: {}",
            show(&r)
        );
    }
    for spec in [
        "bytes=5-1",
        "bytes=abc",
        "items=0-1",
        "bytes=",
        "bytes=1-2-3",
    ] {
        let r = ask_then_next(&mut c, &get_with("/r.txt", &[("Range", spec)]));
        if let Err(e) = check_body(&r, &text) {
            panic!("Range: {spec}: {e}");
        }
    }
    assert!(server.stop().success());
}

#[test]
fn if_range() {
    let (root, server, text) = range_site();
    let mut c = server.connect();
    let full = ask(&mut c, &get_req("/r.txt"));
    let etag = must(&full, "etag").to_string();
    let lm = must(&full, "last-modified").to_string();
    let secs = parse_imf_fixdate(&lm).expect("Last-Modified");
    let range = [("Range", "bytes=0-4")];
    let with = |if_range: &str| get_with("/r.txt", &[range[0], ("If-Range", if_range)]);
    let r = ask_then_next(&mut c, &with(&etag));
    assert_206(&r, &text, 0, 4, "If-Range: current ETag");
    let r = ask_then_next(&mut c, &with(&lm));
    assert_206(&r, &text, 0, 4, "If-Range: Last-Modified");
    for other in [
        "\"another\"".to_string(),
        format!("W/{etag}"),
        imf_fixdate(secs - 10),
    ] {
        let r = ask_then_next(&mut c, &with(&other));
        if let Err(e) = check_body(&r, &text) {
            panic!("If-Range: {other}: {e}");
        }
    }
    // After a change (with another mtime) the old validator no longer allows the range.
    common::tick_past(&root.path().join("r.txt"));
    let changed = range_text().iter().rev().copied().collect::<Vec<u8>>();
    root.file("r.txt", &changed);
    eventually("If-Range with the old ETag after a change", || {
        check_body(&try_exchange(&server, &with(&etag))?, &changed)
    });
    assert!(server.stop().success());
}

#[test]
fn ranges_of_a_sendfile_file() {
    let root = TempDir::new("cache-bigrange");
    let data = random_bytes(5 << 20, 14);
    root.file("big.bin", &data);
    root.file("other.txt", "next\n");
    let server = serve(&root, &[]);
    let mut c = server.connect();
    for _ in 0..2 {
        let r = ask_then_next(
            &mut c,
            &get_with("/big.bin", &[("Range", "bytes=4000000-4000009")]),
        );
        assert_206(&r, &data, 4_000_000, 4_000_009, "bytes=4000000-4000009");
        let r = ask_then_next(&mut c, &get_with("/big.bin", &[("Range", "bytes=-5")]));
        assert_206(&r, &data, data.len() - 5, data.len() - 1, "bytes=-5");
        let spec = "bytes=0-9,4000000-4000009";
        let r = ask_then_next(&mut c, &get_with("/big.bin", &[("Range", spec)]));
        assert_eq!(r.status, 206, "{spec}: {}", show(&r));
        let parts = parse_multipart(&r.body, &boundary_of(must(&r, "content-type")));
        assert_eq!(parts.len(), 2, "{spec}");
        assert_eq!(parts[0].body, &data[..10]);
        assert_eq!(parts[1].body, &data[4_000_000..4_000_010]);
        assert_eq!(
            parts[1].header("content-range"),
            Some(format!("bytes 4000000-4000009/{}", data.len()).as_str())
        );
    }
    assert!(server.stop().success());
}

#[test]
fn head_with_range() {
    let (_root, server, text) = range_site();
    let mut c = server.connect();
    let r = ask_then_next(
        &mut c,
        &request_with("HEAD", "/r.txt", &[("Range", "bytes=0-4")]),
    );
    assert_eq!(r.status, 206, "{}", show(&r));
    assert_eq!(r.header("content-range"), Some("bytes 0-4/100"));
    assert_eq!(r.content_length(), Some(5));
    let r = ask_then_next(
        &mut c,
        &request_with("HEAD", "/r.txt", &[("Range", "bytes=0-1,4-5")]),
    );
    assert_eq!(r.status, 206, "{}", show(&r));
    boundary_of(must(&r, "content-type"));
    let r = ask_then_next(
        &mut c,
        &request_with("HEAD", "/r.txt", &[("Range", "bytes=100-")]),
    );
    assert_eq!(r.status, 416, "{}", show(&r));
    // The GET after them still lines up, and so does this one.
    let r = ask(&mut c, &get_with("/r.txt", &[("Range", "bytes=1-2")]));
    assert_206(&r, &text, 1, 2, "GET after HEADs");
    c.assert_idle(100);
    assert!(server.stop().success());
}

// ----------------------------------------------------------- bounded memory

/// Distinct missing paths asked for on each of the four connections.
const MISSES: usize = 5000;

/// The `i`th missing path of connection `w`, long enough that keeping every
/// 404 would show in the RSS.
fn missing_path(w: usize, i: usize) -> String {
    format!("/missing/{w}/{i:05}-{}.txt", "x".repeat(80))
}

#[test]
fn memory_stays_bounded_over_many_distinct_paths() {
    let _measuring = common::measuring();
    let root = TempDir::new("cache-memory");
    let files: Vec<Vec<u8>> = (0..200)
        .map(|i| random_bytes(512 + 37 * i, i as u64 + 100))
        .collect();
    for (i, data) in files.iter().enumerate() {
        root.file(&format!("f/{i}.bin"), data);
    }
    let server = serve(&root, &["--cache-max-entries", "64"]);
    let base = vm_rss_kib(server.pid());
    let addr = server.addr();
    let files = std::sync::Arc::new(files);
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let files = files.clone();
            thread::spawn(move || {
                let mut c = Conn::open(addr);
                // MISSES misses and 50 files per connection, 50 pipelined at a time.
                let mut jobs: Vec<(String, Option<usize>)> =
                    (0..MISSES).map(|i| (missing_path(w, i), None)).collect();
                for i in (w..200).step_by(4) {
                    jobs.insert((i * 7) % jobs.len(), (format!("/f/{i}.bin"), Some(i)));
                }
                for batch in jobs.chunks(50) {
                    let raw: String = batch.iter().map(|(p, _)| get_req(p)).collect();
                    c.send(raw.as_bytes());
                    for (path, file) in batch {
                        let r = c.read_response(false);
                        match file {
                            Some(i) => {
                                if let Err(e) = check_body(&r, &files[*i]) {
                                    panic!("{path}: {e}");
                                }
                            }
                            None => assert_eq!(r.status, 404, "{path}: {}", show(&r)),
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("client thread");
    }
    let rss = vm_rss_kib(server.pid());
    eprintln!(
        "VmRSS: {base} KiB at start, {rss} KiB after {} distinct paths",
        4 * MISSES + 200
    );
    // Unbounded, the misses alone would hold well over 8 MiB.
    assert!(
        rss < 8 * 1024 && rss - base.min(rss) < 3 * 1024,
        "VmRSS {rss} KiB after the flood (start {base} KiB)"
    );
    // Everything still answers right, and a cached-then-evicted 404 can turn into a file.
    for i in (0..200).step_by(13) {
        now(
            "file after the flood",
            serves(&server, &format!("/f/{i}.bin"), &files[i]),
        );
    }
    for i in (0..MISSES).step_by(397) {
        now(
            "miss after the flood",
            missing(&server, &missing_path(2, i)),
        );
    }
    let back = missing_path(1, MISSES - 1);
    root.file(&back[1..], "appeared\n");
    eventually("file where a 404 was", || {
        serves(&server, &back, b"appeared\n")
    });
    assert!(server.stop().success());
}

#[test]
fn small_cache_limits_still_serve_right() {
    let root = TempDir::new("cache-limits");
    let files: Vec<Vec<u8>> = (0..40)
        .map(|i| random_bytes(300 * i + 1, i as u64 + 500))
        .collect();
    for (i, data) in files.iter().enumerate() {
        root.file(&format!("{i}.bin"), data);
    }
    let server = serve(
        &root,
        &[
            "--cache-max-file-size",
            "4K",
            "--cache-max-bytes",
            "16K",
            "--cache-max-entries",
            "8",
            "--cache-ttl",
            "0.5",
        ],
    );
    let mut c = server.connect();
    for round in 0..3 {
        for (i, data) in files.iter().enumerate() {
            let r = ask(&mut c, &get_req(&format!("/{i}.bin")));
            if let Err(e) = check_body(&r, data) {
                panic!("round {round}, /{i}.bin: {e}");
            }
        }
    }
    // Invalidation still works for an entry that was evicted and filled again.
    root.file("3.bin", "replaced\n");
    eventually("change after evictions", || {
        serves(&server, "/3.bin", b"replaced\n")
    });
    assert!(server.stop().success());
}

// ------------------------------------------------------ repeats and pipelines

/// The head of `r` without its Date field (which changes every second).
fn head_without_date(r: &Response) -> String {
    String::from_utf8_lossy(&r.head)
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("date:"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

#[test]
fn repeated_hits_are_identical() {
    let root = TempDir::new("cache-repeat");
    let small = random_bytes(3000, 15);
    let big = random_bytes(40 * 1024, 16);
    root.file("s.bin", &small);
    root.file("b.bin", &big);
    let server = serve(&root, &[]);
    let mut c = server.connect();
    for (path, data, times) in [("/s.bin", &small, 1000), ("/b.bin", &big, 200)] {
        // A sendfile file's head gains its ETag once it is hashed; then no more changes.
        let first = ask_until_etag(&mut c, &get_req(path));
        now(path, check_body(&first, data));
        let want = head_without_date(&first);
        for i in 0..times {
            let r = ask(&mut c, &get_req(path));
            assert_eq!(
                head_without_date(&r),
                want,
                "{path} request {i}: head changed"
            );
            if r.body != *data {
                assert_same_bytes(&r.body, data);
            }
        }
    }
    c.assert_idle(100);
    assert!(server.stop().success());
}

#[test]
fn pipelined_mixed_requests_come_back_in_order() {
    let root = TempDir::new("cache-pipeline");
    let text = range_text();
    let big = random_bytes(200 * 1024, 17);
    root.file("r.txt", &text);
    root.file("big.bin", &big);
    root.file("index.html", "<p>home</p>\n");
    let server = serve(&root, &[]);
    let etag = must(&server.get("/r.txt"), "etag").to_string();
    let mut c = server.connect();
    for round in 0..3 {
        let reqs = [
            get_req("/r.txt"),
            get_req("/nope.txt"),
            get_with("/r.txt", &[("If-None-Match", &etag)]),
            get_with("/r.txt", &[("Range", "bytes=0-4")]),
            head_req("/big.bin"),
            get_req("/big.bin"),
            get_with("/r.txt", &[("Range", "bytes=0-1,4-5")]),
            get_with("/r.txt", &[("Range", "bytes=100-")]),
            get_req("/"),
            get_with("/big.bin", &[("Range", "bytes=-10")]),
            get_req("/nope.txt"),
            get_req("/r.txt"),
        ];
        let raw: String = reqs.concat();
        c.send(raw.as_bytes());
        let ctx = |i: usize, r: &Response| format!("round {round}, response {i}: {}", show(r));
        let r = c.read_response(false);
        now(&ctx(0, &r), check_body(&r, &text));
        let r = c.read_response(false);
        assert_eq!(r.status, 404, "{}", ctx(1, &r));
        let r = c.read_response(false);
        assert_304(&r, &etag, &ctx(2, &r));
        let r = c.read_response(false);
        assert_206(&r, &text, 0, 4, &ctx(3, &r));
        let r = c.read_response(true);
        assert_eq!(r.status, 200, "{}", ctx(4, &r));
        assert_eq!(r.content_length(), Some(big.len()), "{}", ctx(4, &r));
        let r = c.read_response(false);
        now(&ctx(5, &r), check_body(&r, &big));
        let r = c.read_response(false);
        assert_eq!(r.status, 206, "{}", ctx(6, &r));
        let parts = parse_multipart(&r.body, &boundary_of(must(&r, "content-type")));
        assert_eq!(parts.len(), 2, "{}", ctx(6, &r));
        assert_eq!(parts[0].body, &text[0..2]);
        assert_eq!(parts[1].body, &text[4..6]);
        let r = c.read_response(false);
        assert_eq!(r.status, 416, "{}", ctx(7, &r));
        let r = c.read_response(false);
        now(&ctx(8, &r), check_body(&r, b"<p>home</p>\n"));
        let r = c.read_response(false);
        assert_206(&r, &big, big.len() - 10, big.len() - 1, &ctx(9, &r));
        let r = c.read_response(false);
        assert_eq!(r.status, 404, "{}", ctx(10, &r));
        let r = c.read_response(false);
        now(&ctx(11, &r), check_body(&r, &text));
        c.assert_idle(50);
    }
    assert!(server.stop().success());
}
