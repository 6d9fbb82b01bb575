//! staticd as PID 1, the way a `FROM scratch` container runs it: in a new
//! PID namespace the kernel drops signals that init has no handler for, so
//! this checks that SIGTERM still stops it gracefully (exit 0).

use crate::common;

use common::Server;
use std::process::Command;

#[test]
fn sigterm_stops_staticd_running_as_pid_1() {
    let root = common::site("pid1");
    let probe = Command::new("unshare")
        .args(["--pid", "--fork", "true"])
        .output()
        .expect("unshare (util-linux) runs");
    if !probe.status.success() {
        eprintln!(
            "skipped: no PID namespace here: {}",
            String::from_utf8_lossy(&probe.stderr)
        );
        return;
    }
    let mut cmd = Command::new("unshare");
    cmd.args(["--pid", "--fork", "--kill-child"])
        .arg(common::BIN)
        .args(["-l", "127.0.0.1:0", "-t", "1"])
        .arg(root.path());
    let server = Server::launch(cmd);
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.inner_pid())).unwrap();
    let nspid = status.lines().find(|l| l.starts_with("NSpid:")).unwrap();
    assert!(
        nspid.ends_with("\t1"),
        "not PID 1 in its namespace: {nspid}"
    );
    let r = server.get("/hello.txt");
    assert_eq!((r.status, r.text()), (200, common::HELLO.to_string()));
    // stop_inner fails the test if PID 1 ignores SIGTERM (no exit within 12 s).
    assert!(server.stop_inner().success());
}
