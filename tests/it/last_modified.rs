//! `--last-modified auto|on|off`: files whose mtime a reproducible build
//! pinned (before 1980-01-02) get no `Last-Modified` by default, and then
//! `If-Modified-Since` cannot turn a changed file into a 304, nor a date in
//! `If-Range` into a partial answer; real mtimes are sent as before.

use crate::common;

use common::{Server, TempDir, request_with, show};
use std::time::{Duration, SystemTime};

/// 1980-01-01T00:00:00Z, what zip-based and many reproducible builds pin.
const PINNED: u64 = 315_532_800;
/// 2021-01-01T00:00:00Z.
const REAL: u64 = 1_609_459_200;
const REAL_DATE: &str = "Fri, 01 Jan 2021 00:00:00 GMT";

/// A site whose files have the given mtimes: small (mapped), big
/// (sendfile) and compressible (with gzip variants) ones for each.
fn site(tag: &str) -> TempDir {
    let root = TempDir::new(tag);
    for (name, secs) in [("zero", 0), ("one", 1), ("pinned", PINNED), ("real", REAL)] {
        let text = format!("{name} {}\n", "text ".repeat(200));
        let files = [
            (format!("{name}.txt"), text.into_bytes()),
            (format!("{name}.bin"), common::random_bytes(100_000, secs)),
        ];
        for (file, bytes) in files {
            let path = root.file(&file, bytes);
            let f = std::fs::File::options().write(true).open(path).unwrap();
            f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
                .unwrap();
        }
    }
    root
}

fn get(server: &Server, path: &str, fields: &[(&str, &str)]) -> common::Response {
    server.exchange(request_with("GET", path, fields).as_bytes())
}

#[test]
fn auto_leaves_out_pinned_mtimes_and_ignores_dates_against_them() {
    let root = site("lm-auto");
    let server = Server::start(root.path(), &[]);
    for name in ["zero", "one", "pinned"] {
        for ext in ["txt", "bin"] {
            let path = format!("/{name}.{ext}");
            for ae in ["identity", "gzip"] {
                let r = get(&server, &path, &[("Accept-Encoding", ae)]);
                assert_eq!(r.status, 200, "{path} {ae}: {}", show(&r));
                assert_eq!(r.header("Last-Modified"), None, "{path} {ae}: {}", show(&r));
                // The client's copy is dated later than the pinned mtime:
                // without a Last-Modified it must not be told "not modified".
                let r = get(
                    &server,
                    &path,
                    &[("Accept-Encoding", ae), ("If-Modified-Since", REAL_DATE)],
                );
                assert_eq!(r.status, 200, "{path} {ae} with IMS: {}", show(&r));
            }
            // A date in If-Range has nothing to match: the whole file comes back.
            let pinned_date = "Tue, 01 Jan 1980 00:00:00 GMT";
            let r = get(
                &server,
                &path,
                &[("Range", "bytes=0-9"), ("If-Range", pinned_date)],
            );
            assert_eq!(r.status, 200, "{path} If-Range: {}", show(&r));
            // An entity-tag in If-Range still works.
            let r = common::ask_until_etag(&mut server.connect(), &common::get_req(&path));
            let etag = common::must(&r, "ETag").to_string();
            let r = get(
                &server,
                &path,
                &[("Range", "bytes=0-9"), ("If-Range", &etag)],
            );
            assert_eq!(r.status, 206, "{path} If-Range ETag: {}", show(&r));
        }
    }
    for ext in ["txt", "bin"] {
        let path = format!("/real.{ext}");
        let r = get(&server, &path, &[]);
        assert_eq!(r.header("Last-Modified"), Some(REAL_DATE), "{}", show(&r));
        let r = get(&server, &path, &[("If-Modified-Since", REAL_DATE)]);
        assert_eq!(r.status, 304, "{path}: {}", show(&r));
        assert_eq!(r.header("Last-Modified"), Some(REAL_DATE));
        let r = get(
            &server,
            &path,
            &[("Range", "bytes=0-9"), ("If-Range", REAL_DATE)],
        );
        assert_eq!(r.status, 206, "{path}: {}", show(&r));
    }
    assert!(server.stop().success());
}

#[test]
fn on_always_and_off_never() {
    let root = site("lm-on-off");
    let on = Server::start(root.path(), &["--last-modified", "on"]);
    let r = get(&on, "/zero.txt", &[]);
    assert_eq!(
        r.header("Last-Modified"),
        Some("Thu, 01 Jan 1970 00:00:00 GMT"),
        "{}",
        show(&r)
    );
    let r = get(&on, "/zero.bin", &[("If-Modified-Since", REAL_DATE)]);
    assert_eq!(r.status, 304, "{}", show(&r));
    assert!(on.stop().success());

    let mut off = common::staticd();
    off.env("STATICD_LAST_MODIFIED", "off")
        .args(["-l", "127.0.0.1:0", "-t", "1"])
        .arg(root.path());
    let off = Server::launch(off);
    for path in ["/real.txt", "/real.bin"] {
        let r = get(&off, path, &[("If-Modified-Since", REAL_DATE)]);
        assert_eq!(r.status, 200, "{path}: {}", show(&r));
        assert_eq!(r.header("Last-Modified"), None, "{path}: {}", show(&r));
    }
    assert!(off.stop().success());
}

#[test]
fn a_bad_policy_is_a_start_up_error() {
    let out = common::staticd()
        .args(["--last-modified", "sometimes", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--last-modified"), "{err}");
    assert!(err.contains("'auto', 'on' or 'off'"), "{err}");
}
