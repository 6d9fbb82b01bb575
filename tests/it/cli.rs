//! The command line of staticd: `--help`/`-h` and `--version`/`-V`, usage
//! errors (exit 2 with exactly one `staticd: ` line on stderr) for unknown
//! flags, bad thread counts, bad or busy listen addresses and bad roots, the
//! start-up line, the `STATICD_ROOT`/`STATICD_LISTEN`/`STATICD_THREADS`
//! fallbacks and flags winning over them, IPv6 and several listen addresses.

use crate::common;

use common::{Outcome, Server, TempDir, run_to_end, staticd};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::Duration;

/// How long a staticd that should exit at once may run.
const QUICK: Duration = Duration::from_secs(5);

/// Runs staticd with `args` and `envs` to completion.
fn run(args: &[&str], envs: &[(&str, &str)]) -> Outcome {
    let mut cmd = staticd();
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    run_to_end(cmd, QUICK)
}

/// A root holding one file, `which.txt`, whose content is `name`.
fn root_named(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    dir.file("which.txt", name);
    dir
}

/// The path as a `&str` (the temp dirs are ASCII).
fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

/// Fails unless `o` is a usage error: exit 2, nothing on stdout, exactly one
/// stderr line starting `staticd: ` and containing `mention`.
fn assert_usage_error(o: &Outcome, mention: &str, what: &str) {
    assert_eq!(o.status.code(), Some(2), "{what}: stderr {:?}", o.stderr);
    assert_eq!(o.stdout, "", "{what}: stdout");
    assert!(
        o.stderr.ends_with('\n') && o.stderr.lines().count() == 1,
        "{what}: want exactly one stderr line, got {:?}",
        o.stderr
    );
    assert!(
        o.stderr.starts_with("staticd: "),
        "{what}: stderr {:?}",
        o.stderr
    );
    assert!(
        o.stderr.contains(mention),
        "{what}: stderr {:?} does not mention {mention:?}",
        o.stderr
    );
}

/// GETs /which.txt from `addr` and returns the body.
fn which(addr: SocketAddr) -> String {
    let mut c = common::Conn::open(addr);
    c.send(common::get_req("/which.txt").as_bytes());
    let r = c.read_response(false);
    assert_eq!(r.status, 200, "GET /which.txt from {addr}");
    r.text()
}

#[test]
fn help_prints_usage_on_stdout() {
    for flag in ["--help", "-h"] {
        let o = run(&[flag], &[]);
        assert_eq!(o.status.code(), Some(0), "{flag}");
        assert!(
            o.stdout.starts_with("Usage: staticd"),
            "{flag}: {:?}",
            o.stdout
        );
        // Byte for byte the help rendered from the option table, which the binary packs.
        assert_eq!(o.stdout, staticd::config::HELP, "{flag}");
        for option in [
            "--listen",
            "--threads",
            "--index",
            "--help",
            "--version",
            "ROOT",
        ] {
            assert!(o.stdout.contains(option), "{flag}: help lacks {option}");
        }
        assert_eq!(o.stderr, "", "{flag}");
    }
}

#[test]
fn version_prints_name_and_version() {
    let want = format!("staticd {}\n", env!("CARGO_PKG_VERSION"));
    for flag in ["--version", "-V"] {
        let o = run(&[flag], &[]);
        assert_eq!(o.status.code(), Some(0), "{flag}");
        assert_eq!(o.stdout, want, "{flag}");
        assert_eq!(o.stderr, "", "{flag}");
    }
}

#[test]
fn unknown_flags_are_usage_errors() {
    let root = root_named("cli");
    for flag in ["--bogus", "-Z", "--thread"] {
        let o = run(&["-l", "127.0.0.1:0", flag, s(root.path())], &[]);
        assert_usage_error(&o, flag, flag);
    }
}

#[test]
fn bad_thread_counts_are_usage_errors() {
    let root = root_named("cli");
    for n in ["abc", "0", "-1", "1.5", "", "99999999999999999999"] {
        let o = run(&["-l", "127.0.0.1:0", "--threads", n, s(root.path())], &[]);
        assert_usage_error(&o, "threads", &format!("--threads {n:?}"));
        let o = run(&["-l", "127.0.0.1:0", "-t", n, s(root.path())], &[]);
        assert_usage_error(&o, "threads", &format!("-t {n:?}"));
    }
}

#[test]
fn missing_root_is_a_usage_error() {
    let base = TempDir::new("cli-missing");
    let missing = base.path().join("no-such-dir");
    let o = run(&["-l", "127.0.0.1:0", s(&missing)], &[]);
    assert_usage_error(&o, s(&missing), "missing ROOT");
}

#[test]
fn root_that_is_a_file_is_a_usage_error() {
    let base = TempDir::new("cli-file");
    let file = base.file("plain.txt", "x");
    let o = run(&["-l", "127.0.0.1:0", s(&file)], &[]);
    assert_usage_error(&o, s(&file), "ROOT is a file");
}

#[test]
fn port_in_use_is_a_usage_error() {
    let root = root_named("cli");
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let o = run(&["-l", &addr, s(root.path())], &[]);
    assert_usage_error(&o, &port.to_string(), "port in use");
    drop(busy);
}

#[test]
fn garbage_listen_addresses_are_usage_errors() {
    let root = root_named("cli");
    for addr in [
        "garbage",
        "127.0.0.1:99999",
        "127.0.0.1:",
        "127.0.0.1:x",
        "localhost:80",
        "[::1]",
        "::1:80",
        "1.2.3:80",
        "",
        // Well formed but not an address of this machine: bind fails.
        "192.0.2.1:0",
    ] {
        let o = run(&["-l", addr, s(root.path())], &[]);
        assert_usage_error(&o, "staticd: ", &format!("-l {addr:?}"));
    }
}

#[test]
fn bad_environment_values_are_usage_errors() {
    let root = root_named("cli");
    let o = run(
        &["-l", "127.0.0.1:0", s(root.path())],
        &[("STATICD_THREADS", "lots")],
    );
    assert_usage_error(&o, "STATICD_THREADS", "STATICD_THREADS=lots");
    let o = run(&[s(root.path())], &[("STATICD_LISTEN", "nowhere")]);
    assert_usage_error(&o, "STATICD_LISTEN", "STATICD_LISTEN=nowhere");
}

#[test]
fn startup_line_names_root_address_and_workers() {
    let root = root_named("cli");
    let server = Server::start(root.path(), &[]);
    let want = format!(
        "staticd: serving {} on http://127.0.0.1:{}/ with 2 workers",
        s(root.path()),
        server.port()
    );
    assert_eq!(server.announce(), want);
    assert_ne!(server.port(), 0);
    assert_eq!(which(server.addr()), "cli");
    assert_eq!(server.stop().code(), Some(0));

    let mut cmd = staticd();
    cmd.args(["-l", "127.0.0.1:0", "-t", "1"]).arg(root.path());
    let server = Server::launch(cmd);
    assert!(
        server.announce().ends_with("/ with 1 worker"),
        "{}",
        server.announce()
    );
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn environment_fallbacks_work() {
    let root = root_named("env");
    let mut cmd = staticd();
    cmd.env("STATICD_ROOT", root.path())
        .env("STATICD_LISTEN", "127.0.0.1:0")
        .env("STATICD_THREADS", "3");
    let server = Server::launch(cmd);
    let line = server.announce().to_string();
    assert!(
        line.contains(&format!("serving {} on", s(root.path()))),
        "{line}"
    );
    assert!(line.ends_with(" with 3 workers"), "{line}");
    assert_eq!(server.addrs().len(), 1, "{line}");
    assert_eq!(server.addr().ip().to_string(), "127.0.0.1", "{line}");
    assert_eq!(which(server.addr()), "env");
    assert_eq!(server.stop().code(), Some(0));

    // Comma-separated STATICD_LISTEN gives several addresses.
    let mut cmd = staticd();
    cmd.env("STATICD_LISTEN", "127.0.0.1:0, 127.0.0.1:0")
        .args(["-t", "2"])
        .arg(root.path());
    let server = Server::launch(cmd);
    assert_eq!(server.addrs().len(), 2, "{}", server.announce());
    for &addr in server.addrs() {
        assert_eq!(which(addr), "env");
    }
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn flags_win_over_environment() {
    let env_root = root_named("from-env");
    let flag_root = root_named("from-flag");
    let mut cmd = staticd();
    cmd.env("STATICD_ROOT", env_root.path())
        .env("STATICD_LISTEN", "127.0.0.2:0")
        .env("STATICD_THREADS", "3")
        .args(["-l", "127.0.0.1:0", "-t", "2"])
        .arg(flag_root.path());
    let server = Server::launch(cmd);
    let line = server.announce().to_string();
    assert!(
        line.contains(&format!("serving {} on", s(flag_root.path()))),
        "{line}"
    );
    assert!(line.ends_with(" with 2 workers"), "{line}");
    assert_eq!(server.addrs().len(), 1, "{line}");
    assert_eq!(server.addr().ip().to_string(), "127.0.0.1", "{line}");
    assert_eq!(which(server.addr()), "from-flag");
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn ipv6_loopback_serves() {
    if TcpListener::bind("[::1]:0").is_err() {
        eprintln!("skipped: no IPv6 loopback on this machine");
        return;
    }
    let root = root_named("v6");
    let mut cmd = staticd();
    cmd.args(["-l", "[::1]:0", "-t", "2"]).arg(root.path());
    let server = Server::launch(cmd);
    assert!(
        server.announce().contains("http://[::1]:"),
        "{}",
        server.announce()
    );
    let addr = server.addr();
    assert!(addr.is_ipv6() && addr.ip().is_loopback(), "{addr}");
    assert_eq!(which(addr), "v6");
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn two_listen_addresses_both_serve() {
    let root = root_named("two");
    let mut cmd = staticd();
    cmd.args(["-l", "127.0.0.1:0", "-l", "127.0.0.1:0", "-t", "2"])
        .arg(root.path());
    let server = Server::launch(cmd);
    let addrs = server.addrs().to_vec();
    assert_eq!(addrs.len(), 2, "{}", server.announce());
    assert_ne!(addrs[0].port(), addrs[1].port());
    for addr in addrs {
        assert_eq!(which(addr), "two");
    }
    assert_eq!(server.stop().code(), Some(0));
}
