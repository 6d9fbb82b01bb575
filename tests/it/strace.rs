//! System calls per request, seen with strace (one trace file per thread):
//! a keep-alive GET of a cached small file costs one read of the request and
//! one writev of head and mapped body between two epoll waits, and sixteen
//! pipelined requests cost the same read and writev together. Also the
//! `make strace` report.

use crate::common;

use common::{Conn, Server, TempDir, get_req};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// staticd with one worker serving `root` under `strace ARGS`.
fn traced(root: &Path, strace_args: &[&str], out: &Path) -> Server {
    traced_with(root, strace_args, out, &[])
}

/// [`traced`], with extra staticd arguments.
fn traced_with(root: &Path, strace_args: &[&str], out: &Path, extra: &[&str]) -> Server {
    assert!(
        Command::new("strace").arg("-V").output().is_ok(),
        "strace is not installed (.ci/run installs it)"
    );
    let mut cmd = Command::new("strace");
    cmd.args(strace_args)
        .arg("-o")
        .arg(out)
        .arg(common::BIN)
        .args(["-l", "127.0.0.1:0", "-t", "1"])
        .args(extra)
        .arg(root);
    Server::launch(cmd)
}

/// A root holding `hello.txt`.
fn hello_root(tag: &str) -> TempDir {
    let dir = TempDir::new(tag);
    dir.file("hello.txt", "Hello, World!");
    dir
}

/// The system calls, whole lines, in the thread that read `marker`, from that read up to
/// the next epoll wait.
fn lines_after(traces: &Path, marker: &str) -> Vec<String> {
    let prefix = traces.file_name().unwrap().to_str().unwrap().to_string();
    let trace = std::fs::read_dir(traces.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(&prefix)
        })
        .map(|p| std::fs::read_to_string(p).unwrap())
        .find(|t| t.contains(marker))
        .expect("a thread read the marker");
    let lines: Vec<&str> = trace.lines().collect();
    let start = lines.iter().position(|l| l.contains(marker)).unwrap();
    lines[start..]
        .iter()
        .take_while(|l| !l.starts_with("epoll_wait") && !l.starts_with("epoll_pwait"))
        .map(|l| l.to_string())
        .collect()
}

/// The syscall names of [`lines_after`].
fn calls_after(traces: &Path, marker: &str) -> Vec<String> {
    lines_after(traces, marker)
        .iter()
        .map(|l| l.split('(').next().unwrap().to_string())
        .collect()
}

#[test]
fn cached_keep_alive_hit_is_one_read_and_one_writev() {
    let root = hello_root("strace-hit");
    let traces = TempDir::new("strace-hit-out");
    let prefix = traces.path().join("trace");
    let server = traced(root.path(), &["-ff", "-qq"], &prefix);
    let mut c = server.connect();
    for marker in ["warm", "measured"] {
        c.send(get_req(&format!("/hello.txt?{marker}")).as_bytes());
        assert_eq!(c.read_response(false).body, b"Hello, World!");
    }
    drop(c);
    assert!(server.stop_inner().success());
    assert_eq!(calls_after(&prefix, "?measured"), ["read", "writev"]);
}

/// With `--cors` and a trusted proxy's forwarded client in the access log, a cached hit
/// is still one read and one writev: the Allow-Origin line goes into the head per
/// response, and the client is read from the request.
#[test]
fn a_cors_hit_through_a_trusted_proxy_is_one_read_and_one_writev() {
    let root = hello_root("strace-cors");
    let traces = TempDir::new("strace-cors-out");
    let prefix = traces.path().join("trace");
    let log = traces.path().join("access.log");
    let server = traced_with(
        root.path(),
        &["-ff", "-qq"],
        &prefix,
        &[
            "--cors",
            "https://app.example",
            "--real-ip-from",
            "127.0.0.1",
            "--access-log",
            log.to_str().unwrap(),
        ],
    );
    let mut c = server.connect();
    for marker in ["warm", "measured"] {
        c.send(
            format!(
                "GET /hello.txt?{marker} HTTP/1.1\r\nHost: t\r\nOrigin: https://app.example\r\n\
                 X-Forwarded-For: 203.0.113.7\r\n\r\n"
            )
            .as_bytes(),
        );
        let r = c.read_response(false);
        assert_eq!(r.body, b"Hello, World!");
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("https://app.example")
        );
    }
    drop(c);
    assert!(server.stop_inner().success());
    assert_eq!(calls_after(&prefix, "?measured"), ["read", "writev"]);
    let lines = std::fs::read_to_string(&log).unwrap();
    assert!(
        lines.lines().all(|l| l.starts_with("203.0.113.7 ")),
        "{lines}"
    );
}

#[test]
fn an_idle_server_makes_no_system_calls() {
    let _measuring = common::measuring();
    let root = hello_root("strace-idle");
    let traces = TempDir::new("strace-idle-out");
    let prefix = traces.path().join("trace");
    let server = traced(root.path(), &["-ff", "-qq", "-ttt"], &prefix);
    // A served request and its closed connection leave nothing pending.
    let mut c = server.connect();
    c.send(get_req("/hello.txt?last").as_bytes());
    assert_eq!(c.read_response(false).body, b"Hello, World!");
    drop(c);
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    let stopped_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(server.stop_inner().success());
    // Every call any thread made in the quiet second before SIGTERM.
    let mut late = Vec::new();
    for entry in std::fs::read_dir(traces.path()).unwrap() {
        let trace = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in trace.lines() {
            let at: f64 = line.split(' ').next().unwrap().parse().unwrap_or(0.0);
            if at > stopped_at - 1.5 && at < stopped_at - 0.1 {
                late.push(line.to_string());
            }
        }
    }
    assert!(
        late.is_empty(),
        "an idle server woke up:\n{}",
        late.join("\n")
    );
}

#[test]
fn the_access_log_costs_no_system_call_per_request() {
    let root = hello_root("strace-log");
    let traces = TempDir::new("strace-log-out");
    let prefix = traces.path().join("trace");
    let log = traces.path().join("access.log");
    let server = traced_with(
        root.path(),
        &["-ff", "-qq", "-s", "64"],
        &prefix,
        &["--access-log", log.to_str().unwrap()],
    );
    let mut c = server.connect();
    let started = std::time::Instant::now();
    for i in 0..200 {
        c.send(get_req(&format!("/hello.txt?n{i}")).as_bytes());
        assert_eq!(c.read_response(false).body, b"Hello, World!");
    }
    // At most one write per 100 ms while requests came, and the last at stop.
    let most = started.elapsed().as_millis() / 100 + 2;
    drop(c);
    assert!(server.stop_inner().success());
    // Each request is still one read and one writev ...
    assert_eq!(calls_after(&prefix, "?n100 "), ["read", "writev"]);
    // ... and the 200 lines went out in a few writes.
    let mut writes = 0;
    for entry in std::fs::read_dir(traces.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.starts_with(&log) {
            continue;
        }
        let trace = std::fs::read_to_string(path).unwrap();
        writes += trace
            .lines()
            .filter(|l| l.starts_with("write(") && l.contains("GET /hello.txt?n"))
            .count();
    }
    assert!(
        (1..=most).contains(&(writes as u128)),
        "{writes} writes for 200 lines, want 1 to {most}"
    );
    let lines = std::fs::read_to_string(&log).unwrap();
    assert_eq!(lines.lines().count(), 200);
}

#[test]
fn sixteen_pipelined_hits_are_one_read_and_one_writev() {
    let root = hello_root("strace-pipeline");
    let traces = TempDir::new("strace-pipeline-out");
    let prefix = traces.path().join("trace");
    let server = traced(root.path(), &["-ff", "-qq"], &prefix);
    let mut c = server.connect();
    c.send(get_req("/hello.txt?warm").as_bytes());
    assert_eq!(c.read_response(false).body, b"Hello, World!");
    let batch: String = (0..16)
        .map(|i| get_req(&format!("/hello.txt?pipelined{i}")))
        .collect();
    c.send(batch.as_bytes());
    for _ in 0..16 {
        assert_eq!(c.read_response(false).body, b"Hello, World!");
    }
    drop(c);
    assert!(server.stop_inner().success());
    assert_eq!(calls_after(&prefix, "?pipelined0"), ["read", "writev"]);
}

/// A cached hit on a connection the client asks to close is its read, the
/// response held back with MSG_MORE, a shutdown that sends the FIN in the same
/// packet, and the close: no packet of its own for the FIN.
#[test]
fn a_closing_hit_sends_its_fin_with_the_response() {
    let root = hello_root("strace-close");
    let traces = TempDir::new("strace-close-out");
    let prefix = traces.path().join("trace");
    let server = traced(root.path(), &["-ff", "-qq"], &prefix);
    let mut c = server.connect();
    c.send(get_req("/hello.txt?warm").as_bytes());
    assert_eq!(c.read_response(false).body, b"Hello, World!");
    c.send(b"GET /hello.txt?closing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!(r.body, b"Hello, World!");
    assert!(c.read_to_eof().is_empty(), "more after the response");
    drop(c);
    assert!(server.stop_inner().success());
    let lines = lines_after(&prefix, "?closing");
    let names: Vec<&str> = lines.iter().map(|l| l.split('(').next().unwrap()).collect();
    assert_eq!(names, ["read", "sendmsg", "shutdown", "close"]);
    assert!(lines[1].contains("MSG_MORE"), "{}", lines[1]);
    assert!(lines[2].contains("SHUT_WR"), "{}", lines[2]);
}

/// Every clock read (each worker's per turn, the deadlines of the control
/// thread) goes through the vDSO that start-up found: no thread makes a
/// clock_gettime system call.
#[test]
fn clocks_are_read_without_a_system_call() {
    let root = hello_root("strace-clock");
    let counts = count_syscalls(root.path(), |server| {
        let mut c = server.connect();
        for _ in 0..3 {
            c.send(get_req("/hello.txt").as_bytes());
            assert_eq!(c.read_response(false).body, b"Hello, World!");
        }
    });
    assert!(counts.contains_key("writev"), "{counts:?}");
    assert_eq!(counts.get("clock_gettime"), None, "{counts:?}");
}

/// Runs `client` against staticd under `strace -f -c` and returns the
/// syscall counts by name (the summary table's `calls` column).
fn count_syscalls(root: &Path, client: impl FnOnce(&Server)) -> BTreeMap<String, u64> {
    let out = TempDir::new("strace-count");
    let summary = out.path().join("summary");
    let server = traced(root, &["-f", "-c", "-U", "name,calls"], &summary);
    client(&server);
    assert!(server.stop_inner().success());
    std::fs::read_to_string(&summary)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let (name, calls) = (it.next()?, it.next()?.parse().ok()?);
            (name != "total").then(|| (name.to_string(), calls))
        })
        .collect()
}

/// `make strace`: system calls per request for keep-alive, pipelined and
/// one-request-per-connection clients, net of start-up and shutdown.
#[test]
#[ignore = "a report, run by `make strace`"]
fn report_syscalls_per_request() {
    let root = hello_root("strace-report");
    let request = get_req("/hello.txt");
    let baseline = count_syscalls(root.path(), |_| {});
    let keep_alive = count_syscalls(root.path(), |server| {
        let mut c = server.connect();
        for _ in 0..10_000 {
            c.send(request.as_bytes());
            c.read_response(false);
        }
    });
    let pipelined = count_syscalls(root.path(), |server| {
        let mut c = server.connect();
        let batch = request.repeat(16);
        for _ in 0..10_000 / 16 {
            c.send(batch.as_bytes());
            for _ in 0..16 {
                c.read_response(false);
            }
        }
    });
    let close = count_syscalls(root.path(), |server| {
        for _ in 0..1_000 {
            let mut c = Conn::open(server.addr());
            c.send(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            c.read_response(false);
        }
    });
    println!("\n| client | requests | syscalls per request | per request, by call |");
    println!("|---|---:|---:|---|");
    for (name, counts, requests) in [
        ("keep-alive", &keep_alive, 10_000u64),
        ("pipelined, 16 deep", &pipelined, 10_000 / 16 * 16),
        ("connect, request, close", &close, 1_000),
    ] {
        let mut total = 0i64;
        let mut parts = Vec::new();
        for (call, n) in counts.iter() {
            let net = *n as i64 - *baseline.get(call).unwrap_or(&0) as i64;
            if net * 100 >= requests as i64 {
                total += net;
                parts.push(format!("{call} {:.2}", net as f64 / requests as f64));
            }
        }
        println!(
            "| {name} | {requests} | {:.2} | {} |",
            total as f64 / requests as f64,
            parts.join(", ")
        );
    }
}
