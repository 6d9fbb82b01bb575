//! `--listing`: HTML directory listings for directories without an index
//! file: sorted, escaped, dotfiles and unreachable symlinks hidden, cached,
//! compressed and invalidated like files, and bounded to fit the cache.
//! Off by default.

use crate::common;

use common::{Server, TempDir, cpu_ticks, eventually, find};

/// A tree with files, a subdirectory, a dotfile, names to escape, symlinks
/// inside and outside the root, and a directory that has its own index.
fn tree() -> (TempDir, TempDir) {
    let root = TempDir::new("listing");
    let outside = TempDir::new("listing-outside");
    outside.file("secret.txt", "outside the root");
    root.file("b.txt", "bee");
    root.file("a.txt", "a");
    root.file("sub/inner.txt", "inner");
    root.file(".hidden", "no");
    root.dir(".git");
    root.file("x <y> & \"z\".txt", "odd name");
    root.file("site/index.html", "<h1>site</h1>");
    root.symlink("a.txt", "link-in.txt");
    root.symlink(outside.path().join("secret.txt"), "link-out.txt");
    (root, outside)
}

/// The hrefs of a listing's rows, in order.
fn hrefs(body: &str) -> Vec<String> {
    body.split("<tr><td><a href=\"")
        .skip(1)
        .map(|row| row.split('"').next().unwrap().to_string())
        .collect()
}

/// The count on a listing's truncation line, or `None` without one.
fn omitted(body: &str) -> Option<usize> {
    let line = body.split("<p>\u{2026} and ").nth(1)?;
    let (count, rest) = line.split_once(" more ")?;
    assert!(rest.starts_with("entries not shown</p>") || rest.starts_with("entry not shown</p>"));
    count.replace(',', "").parse().ok()
}

#[test]
fn directories_without_an_index_are_404_unless_asked() {
    let (root, _outside) = tree();
    let server = Server::start(root.path(), &[]);
    assert_eq!(server.get("/").status, 404);
    assert_eq!(server.get("/sub/").status, 404);
    assert!(server.stop().success());
}

#[test]
fn lists_sorted_escaped_with_sizes_and_without_hidden_names() {
    let (root, _outside) = tree();
    let server = Server::start(root.path(), &["--listing"]);
    let r = server.get("/");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.content_length(), Some(r.body.len()));
    let body = r.text();
    assert!(body.starts_with("<!DOCTYPE html>"), "{body}");
    assert!(body.contains("<title>Index of /</title>"), "{body}");
    // Directories first, then files, bytewise; no ../ at the root; the
    // outside symlink, dotfiles and .git are not there.
    assert_eq!(
        hrefs(&body),
        [
            "site/",
            "sub/",
            "a.txt",
            "b.txt",
            "link-in.txt",
            "x%20%3Cy%3E%20%26%20%22z%22.txt"
        ]
    );
    assert!(
        body.contains(">x &lt;y&gt; &amp; &quot;z&quot;.txt</a>"),
        "{body}"
    );
    assert!(!body.contains("hidden") && !body.contains(".git") && !body.contains("link-out"));
    // Sizes: b.txt has 3 bytes; directories show "-".
    assert!(body.contains(">b.txt</a></td><td>3</td>"), "{body}");
    assert!(body.contains(">sub/</a></td><td>-</td>"), "{body}");
    // Every link works, the escaped one too.
    for href in hrefs(&body) {
        let r = server.get(&format!("/{href}"));
        assert_eq!(r.status, 200, "/{href}");
    }
    assert_eq!(
        server.get("/x%20%3Cy%3E%20%26%20%22z%22.txt").text(),
        "odd name"
    );
    // A subdirectory has ../; a directory with an index serves the index.
    let sub = server.get("/sub/").text();
    assert_eq!(hrefs(&sub), ["../", "inner.txt"]);
    assert!(sub.contains("<title>Index of /sub/</title>"));
    assert_eq!(server.get("/site/").text(), "<h1>site</h1>");
    // Without the slash, a directory still redirects.
    assert_eq!(server.get("/sub").status, 301);
    assert!(server.stop().success());
}

#[test]
fn listings_are_cached_conditional_and_compressed() {
    let (root, _outside) = tree();
    for i in 0..40 {
        root.file(&format!("many/file-{i:02}.txt"), "x");
    }
    let server = Server::start(root.path(), &["--listing"]);
    let first = server.get("/many/");
    assert_eq!(first.status, 200);
    let etag = first.header("ETag").unwrap().to_string();
    assert!(first.header("Last-Modified").is_some());
    assert_eq!(first.header("Vary"), Some("Accept-Encoding"));
    let again = server.get("/many/");
    assert_eq!(
        (again.body.clone(), again.header("ETag")),
        (first.body.clone(), Some(etag.as_str()))
    );
    let r = server.exchange(
        format!("GET /many/ HTTP/1.1\r\nHost: t\r\nIf-None-Match: {etag}\r\n\r\n").as_bytes(),
    );
    assert_eq!(r.status, 304);
    let r = server.exchange(b"GET /many/ HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n");
    assert_eq!(r.header("Content-Encoding"), Some("gzip"));
    assert!(
        r.body.len() < first.body.len() / 2,
        "{} of {}",
        r.body.len(),
        first.body.len()
    );
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&r.body[..]), &mut plain).unwrap();
    assert_eq!(plain, first.body);
    let head = server.exchange(b"HEAD /many/ HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!((head.status, head.body.len()), (200, 0));
    assert_eq!(head.content_length(), Some(first.body.len()));
    assert!(server.stop().success());
}

#[test]
fn listings_follow_changes_on_disk() {
    // No symlinks: inotify alone keeps the listing right (no TTL rechecks).
    let root = TempDir::new("listing-changes");
    root.file("sub/inner.txt", "inner");
    let server = Server::start(root.path(), &["--listing"]);
    assert_eq!(hrefs(&server.get("/sub/").text()), ["../", "inner.txt"]);
    // A new file, a new directory, a deletion, a rename, a size change.
    root.file("sub/new.txt", "new");
    eventually("a created file is listed", || {
        let got = hrefs(&server.get("/sub/").text());
        (got == ["../", "inner.txt", "new.txt"])
            .then_some(())
            .ok_or(format!("{got:?}"))
    });
    root.dir("sub/deeper");
    std::fs::remove_file(root.path().join("sub/inner.txt")).unwrap();
    std::fs::rename(
        root.path().join("sub/new.txt"),
        root.path().join("sub/renamed.txt"),
    )
    .unwrap();
    eventually("deletes, renames and new directories are listed", || {
        let got = hrefs(&server.get("/sub/").text());
        (got == ["../", "deeper/", "renamed.txt"])
            .then_some(())
            .ok_or(format!("{got:?}"))
    });
    root.file("sub/renamed.txt", "now eleven!");
    eventually("a new size is listed", || {
        let body = server.get("/sub/").text();
        find(body.as_bytes(), b">renamed.txt</a></td><td>11</td>")
            .map(|_| ())
            .ok_or(body)
    });
    // An index file appearing takes over from the listing, and leaving gives it back.
    root.file("sub/index.html", "<h1>index</h1>");
    eventually("an index replaces the listing", || {
        let body = server.get("/sub/").text();
        (body == "<h1>index</h1>").then_some(()).ok_or(body)
    });
    std::fs::remove_file(root.path().join("sub/index.html")).unwrap();
    eventually("the listing comes back", || {
        let body = server.get("/sub/").text();
        body.contains("Index of /sub/").then_some(()).ok_or(body)
    });
    assert!(server.stop().success());
}

#[test]
fn huge_listings_are_bounded_cached_and_cheap() {
    // The directory: 20,000 names of 250 bytes escaping to 2 KB a row, a 40 MB page
    // unbounded, which a 32M cache never kept: each request listed, stat'ed and compressed again.
    let root = TempDir::new("listing-huge");
    let big = root.dir("big");
    for i in 0..20_000 {
        let name = format!("{i:05}{}", "&".repeat(245));
        std::fs::File::create(big.join(name)).unwrap();
    }
    let server = Server::start(root.path(), &["--listing", "--cache-max-bytes", "32M"]);
    let first = server.get("/big/");
    assert_eq!(first.status, 200);
    let len = first.body.len();
    assert!(len <= 1 << 20, "a page of {len} bytes");
    // The first names in order, then a line counting the rest.
    let body = first.text();
    let rows = hrefs(&body);
    assert_eq!(rows[0], "../");
    let names = &rows[1..];
    assert!(names.len() > 400, "{} rows in {len} bytes", names.len());
    for (i, href) in names.iter().enumerate() {
        assert!(href.starts_with(&format!("{i:05}%26%26")), "{href}");
    }
    assert_eq!(
        omitted(&body),
        Some(20_000 - names.len()),
        "{}",
        &body[len - 200..]
    );
    // Kept: the next requests are hits that cost next to nothing (each cost 0.46 s before).
    let before = cpu_ticks(server.pid());
    for _ in 0..20 {
        let r = server.get("/big/");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("ETag"), first.header("ETag"));
        assert!(r.body == first.body);
    }
    let spent = cpu_ticks(server.pid()) - before;
    server.stats_with(&["cache_hits=20 ", "cache_misses=1 "]);
    assert!(spent < 50, "20 cached requests took {spent} ticks");
    assert!(server.stop().success());
    // A smaller cache gets a smaller page: an eighth of its budget.
    let server = Server::start(root.path(), &["--listing", "--cache-max-bytes", "2M"]);
    let r = server.get("/big/");
    let len = r.body.len();
    assert!(
        (200 << 10..=256 << 10).contains(&len),
        "a page of {len} bytes"
    );
    let shown = hrefs(&r.text()).len() - 1;
    assert_eq!(omitted(&r.text()), Some(20_000 - shown));
    assert!(server.stop().success());
}

#[test]
fn listings_over_compress_max_size_are_sent_uncompressed() {
    let root = TempDir::new("listing-compress-max");
    for i in 0..40 {
        root.file(&format!("file-{i:02}.txt"), "x");
    }
    for name in ["a.txt", "b.txt", "c.txt"] {
        root.file(&format!("few/{name}"), "x");
    }
    let server = Server::start(root.path(), &["--listing", "--compress-max-size", "2K"]);
    let plain = server.get("/");
    assert!(plain.body.len() > 2048, "{}", plain.body.len());
    let gzip = b"GET / HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip, deflate\r\n\r\n";
    let r = server.exchange(gzip);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Encoding"), None);
    assert_eq!(r.header("Vary"), Some("Accept-Encoding"));
    assert!(r.body == plain.body);
    // A listing within the limit is compressed as before.
    let few = server.get("/few/");
    assert!(few.body.len() < 2048, "{}", few.body.len());
    let r = server.exchange(b"GET /few/ HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n");
    assert_eq!(r.header("Content-Encoding"), Some("gzip"));
    assert!(server.stop().success());
}
