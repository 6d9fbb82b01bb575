//! Content ETags: every representation's tag is the hash of the bytes it
//! sends, so replicas built from the same content agree whatever their
//! mtimes, and other bytes get another tag even where size and mtime stay.

use crate::common;

use common::{Server, TempDir, ask, ask_until_etag, content_etag, must, request_with, show};
use std::time::{Duration, SystemTime};

/// A site with a small (mapped) and a big (sendfile) file, compressible text
/// of both kinds (gzip and deflate made here), and a precompressed sidecar;
/// every file's mtime set to `mtime`.
fn site(tag: &str, mtime: u64) -> TempDir {
    let root = TempDir::new(tag);
    let text = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|i| format!("line {i} of the text\n"))
            .collect::<String>()
            .into_bytes()
    };
    let files: [(&str, Vec<u8>); 5] = [
        ("small.txt", text(100)),
        ("big.txt", text(10_000)),
        ("big.bin", common::random_bytes(3 << 20, 8)),
        ("app.js", text(300)),
        // A sidecar: served as is for `br`.
        ("app.js.br", common::random_bytes(900, 9)),
    ];
    for (name, bytes) in files {
        let path = root.file(name, bytes);
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(mtime))
            .unwrap();
    }
    root
}

/// Every representation: path, Accept-Encoding, and the coding served.
const REPRESENTATIONS: &[(&str, &str, Option<&str>)] = &[
    ("/small.txt", "identity", None),
    ("/small.txt", "gzip", Some("gzip")),
    ("/small.txt", "deflate", Some("deflate")),
    ("/big.txt", "identity", None),
    ("/big.txt", "gzip", Some("gzip")),
    ("/big.bin", "identity", None),
    ("/app.js", "br", Some("br")),
    ("/app.js", "deflate", Some("deflate")),
    ("/app.js", "identity", None),
];

/// The ETag of each representation, checked to be the hash of its bytes.
fn etags(server: &Server) -> Vec<String> {
    let mut c = server.connect();
    REPRESENTATIONS
        .iter()
        .map(|&(path, ae, coding)| {
            let req = request_with("GET", path, &[("Accept-Encoding", ae)]);
            let r = ask_until_etag(&mut c, &req);
            let what = format!("{path} {ae}");
            assert_eq!(r.status, 200, "{what}: {}", show(&r));
            assert_eq!(r.header("content-encoding"), coding, "{what}: {}", show(&r));
            let tag = must(&r, "etag").to_string();
            assert_eq!(
                tag,
                content_etag(&r.body),
                "{what}: not the hash of its bytes"
            );
            // The tag validates: 304 with the same tag.
            let req = request_with(
                "GET",
                path,
                &[("Accept-Encoding", ae), ("If-None-Match", &tag)],
            );
            let r = ask(&mut c, &req);
            assert_eq!(r.status, 304, "{what}: {}", show(&r));
            assert_eq!(r.header("etag"), Some(tag.as_str()), "{what}");
            tag
        })
        .collect()
}

#[test]
fn replicas_with_other_mtimes_give_the_same_etags() {
    let a = site("etag-replica-a", 1_600_000_000);
    let b = site("etag-replica-b", 1_700_000_000);
    let one = Server::start(a.path(), &[]);
    let other = Server::start(b.path(), &["--compress-level", "6"]);
    let tags = etags(&one);
    assert_eq!(tags, etags(&other));
    // Each representation has a tag of its own.
    let mut distinct = tags.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), tags.len(), "{tags:#?}");
    assert!(one.stop().success());
    assert!(other.stop().success());
}

#[test]
fn same_size_content_with_its_mtime_put_back_gets_a_new_etag() {
    for (name, size) in [("small.bin", 3_000), ("big.bin", 2 << 20)] {
        let root = TempDir::new("etag-restored-mtime");
        let path = root.file(name, common::random_bytes(size, 1));
        let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(315_532_800);
        let pin = |p: &std::path::Path| {
            let f = std::fs::File::options().write(true).open(p).unwrap();
            f.set_modified(mtime).unwrap();
        };
        pin(&path);
        let server = Server::start(root.path(), &[]);
        let url = format!("/{name}");
        let before = ask_until_etag(&mut server.connect(), &common::get_req(&url));
        let old = must(&before, "etag").to_string();
        // Other bytes, the same length, the same pinned mtime: what a
        // reproducible build of a changed file looks like.
        let new = common::random_bytes(size, 2);
        common::write_in_place(&path, &new);
        pin(&path);
        common::eventually(&format!("{url} rewritten"), || {
            let r = ask_until_etag(&mut server.connect(), &common::get_req(&url));
            if r.body != new {
                return Err(format!("old bytes still served: {}", show(&r)));
            }
            match r.header("etag") {
                Some(tag) if tag == old => Err(format!("new bytes under the old ETag {tag}")),
                Some(tag) if tag == content_etag(&new) => Ok(()),
                other => Err(format!("ETag {other:?}")),
            }
        });
        // The old tag no longer validates.
        let r = server
            .exchange(request_with("GET", &url, &[("If-None-Match", old.as_str())]).as_bytes());
        assert_eq!(r.status, 200, "{}", show(&r));
        assert!(server.stop().success());
    }
}
