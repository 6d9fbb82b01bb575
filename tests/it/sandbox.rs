//! The sandbox: the seccomp filter is on by default (and off with
//! --no-seccomp), --user drops root for good after binding, and a kernel
//! without openat2 (faked with a filter of the test's own) stops start-up.

use crate::common;

use common::{Server, TempDir};
use staticd::rt::sys::SockFilter;
use std::os::unix::process::CommandExt;

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

/// A seccomp filter failing openat2 with ENOSYS and allowing every
/// other call: a kernel older than Linux 5.6, as far as staticd can tell.
const WITHOUT_OPENAT2: [SockFilter; 6] = {
    const LD_W_ABS: u16 = 0x20;
    const JEQ_K: u16 = 0x15;
    const RET_K: u16 = 0x06;
    const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
    const RET_ERRNO_ENOSYS: u32 = 0x0005_0000 | 38;
    const RET_ALLOW: u32 = 0x7FFF_0000;
    const fn op(code: u16, jt: u8, jf: u8, k: u32) -> SockFilter {
        SockFilter { code, jt, jf, k }
    }
    [
        op(LD_W_ABS, 0, 0, 4), // the architecture
        op(JEQ_K, 0, 3, AUDIT_ARCH_X86_64),
        op(LD_W_ABS, 0, 0, 0), // the system call number
        op(JEQ_K, 0, 1, staticd::rt::sys::nr::OPENAT2),
        op(RET_K, 0, 0, RET_ERRNO_ENOSYS),
        op(RET_K, 0, 0, RET_ALLOW),
    ]
};

#[test]
fn a_kernel_without_openat2_is_a_start_up_error() {
    let root = TempDir::new("no-openat2");
    root.file("a.txt", "hello");
    let mut cmd = common::staticd();
    cmd.args(["-l", "127.0.0.1:0", "-t", "1"]).arg(root.path());
    // SAFETY: the closure runs in the forked child before exec and only makes
    // two system calls on a constant program; it allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            let os = |e: rustix::io::Errno| std::io::Error::from_raw_os_error(e.raw_os_error());
            rustix::thread::set_no_new_privs(true).map_err(os)?;
            staticd::rt::sys::seccomp_set_filter(&WITHOUT_OPENAT2).map_err(os)
        });
    }
    let out = common::run_to_end(cmd, std::time::Duration::from_secs(5));
    assert_eq!(out.status.code(), Some(2), "stderr: {:?}", out.stderr);
    assert_eq!(
        out.stderr,
        "staticd: openat2: not supported by this kernel (Linux 5.6 or later is required)\n"
    );
}
