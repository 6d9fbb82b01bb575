//! Deployment paths end to end: sockets passed by a supervisor (systemd's
//! socket activation) and IPv6 listeners.

use crate::common;

use common::{HELLO, Server, TempDir};
use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::time::Duration;

fn root() -> TempDir {
    common::site("deploy")
}

fn assert_hello(addr: SocketAddr) {
    let mut conn = common::Conn::open(addr);
    conn.send(common::get_req("/hello.txt").as_bytes());
    let r = conn.read_response(false);
    assert_eq!((r.status, r.text()), (200, HELLO.to_string()));
}

#[test]
fn serves_sockets_passed_by_a_supervisor() {
    let root = root();
    let server = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback listener");
        let want = listener.local_addr().unwrap();
        let cmd = common::passing(
            &listener,
            "LISTEN_PID=$$ LISTEN_FDS=1",
            // --listen is ignored when sockets are passed.
            &[
                "-l",
                "127.0.0.1:0",
                "-t",
                "3",
                root.path().to_str().unwrap(),
            ],
        );
        let server = Server::launch(cmd);
        assert_eq!(server.addrs(), &[want], "{}", server.announce());
        assert!(
            server.announce().contains("(1 passed by LISTEN_FDS)"),
            "{}",
            server.announce()
        );
        // Only staticd holds the socket now.
        drop(listener);
        server
    };
    // Three workers share one socket: every connection is still answered.
    let conns: Vec<_> = (0..30).map(|_| common::Conn::open(server.addr())).collect();
    for mut conn in conns {
        conn.send(common::get_req("/hello.txt").as_bytes());
        let r = conn.read_response(false);
        assert_eq!((r.status, r.text()), (200, HELLO.to_string()));
    }
    assert_hello(server.addr());
    assert!(server.stop().success());
}

#[test]
fn sockets_meant_for_another_process_are_ignored() {
    let root = root();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback listener");
    let passed = listener.local_addr().unwrap();
    let cmd = common::passing(
        &listener,
        "LISTEN_PID=1 LISTEN_FDS=1",
        &[
            "-l",
            "127.0.0.1:0",
            "-t",
            "1",
            root.path().to_str().unwrap(),
        ],
    );
    let server = Server::launch(cmd);
    drop(listener);
    assert_ne!(server.addr(), passed);
    assert!(!server.announce().contains("LISTEN_FDS"));
    assert_hello(server.addr());
    assert!(server.stop().success());
}

#[test]
fn a_passed_descriptor_that_is_not_a_listening_socket_stops_start_up() {
    let root = root();
    let dir = root.path().to_str().unwrap().to_owned();
    for (setup, want) in [
        (
            "exec 3</dev/null; ",
            "staticd: LISTEN_FDS: descriptor 3: not a listening stream socket",
        ),
        (
            "exec 3<&-; ",
            "staticd: LISTEN_FDS: descriptor 3: Bad file descriptor (os error 9)",
        ),
    ] {
        let cmd = common::supervised(setup, "LISTEN_PID=$$ LISTEN_FDS=1", &["-t", "1", &dir]);
        let out = common::run_to_end(cmd, Duration::from_secs(5));
        assert_eq!(out.status.code(), Some(2), "{setup}: {}", out.stderr);
        assert_eq!(out.stderr.trim_end(), want, "{setup}");
    }
}

/// Whether this machine has a loopback IPv6 address.
fn has_ipv6() -> bool {
    match TcpListener::bind("[::1]:0") {
        Ok(_) => true,
        Err(e) => {
            eprintln!("skipped: no IPv6 loopback here: {e}");
            false
        }
    }
}

#[test]
fn listens_on_ipv6_addresses() {
    if !has_ipv6() {
        return;
    }
    let root = root();
    let server = Server::start(root.path(), &["-l", "[::1]:0"]);
    let addrs = server.addrs().to_vec();
    assert_eq!(addrs.len(), 2, "{}", server.announce());
    let v6 = addrs[1];
    assert!(
        v6.is_ipv6() && v6.ip().is_loopback(),
        "{}",
        server.announce()
    );

    assert!(
        server
            .announce()
            .contains(&format!("http://[::1]:{}/", v6.port()))
    );
    assert_hello(addrs[0]);
    assert_hello(v6);
    assert!(server.stop().success());
}

#[test]
fn the_ipv6_wildcard_serves_ipv6_only() {
    if !has_ipv6() {
        return;
    }
    let root = root();
    let mut cmd = common::staticd();
    cmd.args(["-l", "[::]:0", "-t", "1"]).arg(root.path());
    let server = Server::launch(cmd);
    let addr = server.addr();
    assert!(
        addr.is_ipv6() && addr.ip().is_unspecified(),
        "{}",
        server.announce()
    );
    assert_hello(SocketAddr::from(([0u16, 0, 0, 0, 0, 0, 0, 1], addr.port())));
    // IPV6_V6ONLY: the IPv4 wildcard on the same port stays free for `-l 0.0.0.0:P`.
    let v4 = TcpListener::bind(("0.0.0.0", addr.port()));
    assert!(v4.is_ok(), "[::]:{} also took IPv4: {v4:?}", addr.port());
    drop(v4);
    assert!(server.stop().success());
}

/// `chroot` as root, or inside a new user namespace (`unshare -r`) when not;
/// `None` where neither is allowed.
fn chroot_command() -> Option<Command> {
    let probe = |cmd: &mut Command| cmd.output().is_ok_and(|o| o.status.success());
    if probe(Command::new("chroot").args(["/", "true"])) {
        return Some(Command::new("chroot"));
    }
    if probe(Command::new("unshare").args(["-r", "chroot", "/", "true"])) {
        let mut cmd = Command::new("unshare");
        cmd.args(["-r", "chroot"]);
        return Some(cmd);
    }
    eprintln!("skipped: neither chroot nor unshare -r chroot is allowed here");
    None
}

#[test]
fn runs_in_an_empty_root_with_nothing_but_itself() {
    let Some(mut cmd) = chroot_command() else {
        return;
    };
    // The whole file system staticd sees: itself and the served directory.
    let jail = TempDir::new("jail");
    // Copied by cp: a child that another test forks while this process holds
    // the copy open for writing would make exec fail with ETXTBSY.
    let copied = Command::new("cp")
        .arg(common::BIN)
        .arg(jail.path().join("staticd"))
        .status()
        .expect("run cp");
    assert!(copied.success(), "copy the binary: {copied}");
    jail.usual_site("www");
    jail.file("www/docs/index.html", "<h1>docs</h1>");
    let mut entries: Vec<_> = std::fs::read_dir(jail.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    entries.sort();
    assert_eq!(entries, ["staticd", "www"]);
    cmd.arg(jail.path())
        .args(["/staticd", "-l", "127.0.0.1:0", "-t", "2", "/www"]);
    // No /proc, /dev, /etc, libc or loader inside: exec itself would fail
    // for a dynamically linked binary.
    let server = Server::launch(cmd);
    assert_hello(server.addr());
    let r = server.get("/docs/");
    assert_eq!((r.status, r.body.as_slice()), (200, &b"<h1>docs</h1>"[..]));
    assert_eq!(server.get("/missing").status, 404);
    assert!(server.stop().success());
}
