//! The sandbox: the seccomp filter is on by default (and off with
//! --no-seccomp), and --user drops root for good after binding.

mod common;

use common::{Server, TempDir};

/// The value of `field` in /proc/PID/status.
fn status_field(pid: u32, field: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field}"));
    line.split_once(':').unwrap().1.trim().to_string()
}

/// Whether the tests run as root (needed to change users).
fn is_root() -> bool {
    status_field(std::process::id(), "Uid")
        .split_whitespace()
        .next()
        == Some("0")
}

#[test]
fn seccomp_filter_is_on_by_default_and_serving_works_under_it() {
    let root = TempDir::new("seccomp");
    root.file("a.txt", "hello");
    root.file("big.txt", "some text to compress ".repeat(5000));
    let server = Server::start(root.path(), &[]);
    assert_eq!(status_field(server.pid(), "Seccomp"), "2");
    assert_eq!(status_field(server.pid(), "NoNewPrivs"), "1");
    // The paths a filter would break first: mapped hits, sendfile with
    // MSG_MORE, compression, a new directory walked by the watcher, 404s.
    assert_eq!(server.get("/a.txt").body, b"hello");
    let mut c = server.connect();
    c.send(b"GET /big.txt HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n");
    assert_eq!(
        c.read_response(false).header("Content-Encoding"),
        Some("gzip")
    );
    root.file("sub/dir/new.txt", "new");
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(1500);
    while server.get("/sub/dir/new.txt").status != 200 {
        assert!(std::time::Instant::now() < deadline, "new file not served");
    }
    assert_eq!(server.get("/missing").status, 404);
    assert!(server.stop().success());
}

#[test]
fn no_seccomp_turns_the_filter_off() {
    let root = TempDir::new("no-seccomp");
    root.file("a.txt", "hello");
    let server = Server::start(root.path(), &["--no-seccomp"]);
    assert_eq!(status_field(server.pid(), "Seccomp"), "0");
    assert_eq!(server.get("/a.txt").body, b"hello");
    assert!(server.stop().success());
}

#[test]
fn user_drops_root_after_binding() {
    if !is_root() {
        eprintln!("skipped: changing users needs root");
        return;
    }
    let root = TempDir::new("user");
    root.file("a.txt", "hello");
    std::process::Command::new("chmod")
        .args(["755"])
        .arg(root.path())
        .status()
        .unwrap();
    let server = Server::start(root.path(), &["--user", "65534:65534"]);
    assert_eq!(
        status_field(server.pid(), "Uid"),
        "65534\t65534\t65534\t65534"
    );
    assert_eq!(
        status_field(server.pid(), "Gid"),
        "65534\t65534\t65534\t65534"
    );
    assert_eq!(status_field(server.pid(), "Groups"), "");
    assert_eq!(server.get("/a.txt").body, b"hello");
    assert!(server.stop().success());
}

#[test]
fn an_unknown_user_is_a_start_up_error() {
    let root = TempDir::new("user-bad");
    let out = common::run_to_end(
        {
            let mut cmd = common::staticd();
            cmd.args(["--user", "no-such-user-here", "-l", "127.0.0.1:0"])
                .arg(root.path());
            cmd
        },
        std::time::Duration::from_secs(5),
    );
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(out.stderr.starts_with("staticd: --user"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}
