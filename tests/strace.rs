//! System calls per request, seen with strace (one trace file per thread):
//! a keep-alive GET of a cached small file costs one read of the request and
//! one writev of head and mapped body between two epoll waits, and sixteen
//! pipelined requests cost the same read and writev together.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Reads one response with a Content-Length body from `s`; returns the body.
fn read_response(s: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).expect("response head");
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .expect("Content-Length")
        .parse()
        .unwrap();
    let mut body = vec![0; len];
    s.read_exact(&mut body).unwrap();
    body
}

/// staticd with one worker under `strace -ff`, serving `dir`.
struct Traced {
    strace: Child,
    prefix: PathBuf,
    port: String,
}

impl Traced {
    fn start(dir: &Path) -> Traced {
        assert!(
            Command::new("strace").arg("-V").output().is_ok(),
            "strace is not installed (.ci/run installs it)"
        );
        let prefix = dir.join("trace");
        let mut strace = Command::new("strace")
            .args(["-ff", "-qq", "-o"])
            .arg(&prefix)
            .arg(env!("CARGO_BIN_EXE_staticd"))
            .args(["-l", "127.0.0.1:0", "-t", "1"])
            .arg(dir)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(strace.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .rsplit("127.0.0.1:")
            .next()
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string();
        Traced {
            strace,
            prefix,
            port,
        }
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(format!("127.0.0.1:{}", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s
    }

    /// Stops staticd with SIGTERM (sent to it, not to strace) and returns
    /// every thread's trace, concatenated per thread.
    fn stop(mut self) -> Vec<String> {
        let children = format!("/proc/{0}/task/{0}/children", self.strace.id());
        let server = std::fs::read_to_string(children).unwrap();
        let server = server
            .split_whitespace()
            .next()
            .expect("staticd under strace");
        Command::new("kill")
            .args(["-TERM", server])
            .status()
            .unwrap();
        assert!(self.strace.wait().unwrap().success());
        let dir = self.prefix.parent().unwrap();
        let name = self
            .prefix
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(&name))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

/// The syscall names from the line containing `marker` up to the next epoll wait.
fn calls_after(traces: &[String], marker: &str) -> Vec<String> {
    let trace = traces
        .iter()
        .find(|t| t.contains(marker))
        .expect("a thread read the marker");
    let lines: Vec<&str> = trace.lines().collect();
    let start = lines.iter().position(|l| l.contains(marker)).unwrap();
    lines[start..]
        .iter()
        .map(|l| l.split('(').next().unwrap().to_string())
        .take_while(|name| !name.starts_with("epoll_wait") && !name.starts_with("epoll_pwait"))
        .collect()
}

fn temp_root(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("staticd-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hello.txt"), "Hello, World!").unwrap();
    dir
}

#[test]
fn cached_keep_alive_hit_is_one_read_and_one_writev() {
    let dir = temp_root("strace-hit");
    let server = Traced::start(&dir);
    let mut s = server.connect();
    for marker in ["warm", "measured"] {
        let request = format!("GET /hello.txt?{marker} HTTP/1.1\r\nHost: x\r\n\r\n");
        s.write_all(request.as_bytes()).unwrap();
        assert_eq!(read_response(&mut s), b"Hello, World!");
    }
    drop(s);
    let traces = server.stop();
    assert_eq!(
        calls_after(&traces, "?measured"),
        ["read", "writev"],
        "{traces:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sixteen_pipelined_hits_are_one_read_and_one_writev() {
    let dir = temp_root("strace-pipeline");
    let server = Traced::start(&dir);
    let mut s = server.connect();
    s.write_all(b"GET /hello.txt?warm HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s), b"Hello, World!");
    let batch: String = (0..16)
        .map(|i| format!("GET /hello.txt?pipelined{i} HTTP/1.1\r\nHost: x\r\n\r\n"))
        .collect();
    s.write_all(batch.as_bytes()).unwrap();
    for _ in 0..16 {
        assert_eq!(read_response(&mut s), b"Hello, World!");
    }
    drop(s);
    let traces = server.stop();
    assert_eq!(
        calls_after(&traces, "?pipelined0"),
        ["read", "writev"],
        "{traces:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs `client` against staticd under `strace -f -c` and returns the
/// syscall counts by name (the summary table's `calls` column).
fn count_syscalls(
    dir: &Path,
    client: impl FnOnce(&str),
) -> std::collections::BTreeMap<String, u64> {
    let summary = dir.join(format!(
        "summary-{}",
        std::time::SystemTime::now()
            .elapsed()
            .map_or(0, |d| d.as_nanos())
    ));
    let mut strace = Command::new("strace")
        .args(["-f", "-c", "-U", "name,calls", "-o"])
        .arg(&summary)
        .arg(env!("CARGO_BIN_EXE_staticd"))
        .args(["-l", "127.0.0.1:0", "-t", "1"])
        .arg(dir)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(strace.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .rsplit("127.0.0.1:")
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    client(&format!("127.0.0.1:{port}"));
    let children = format!("/proc/{0}/task/{0}/children", strace.id());
    let server = std::fs::read_to_string(children).unwrap();
    Command::new("kill")
        .args(["-TERM", server.split_whitespace().next().unwrap()])
        .status()
        .unwrap();
    assert!(strace.wait().unwrap().success());
    let text = std::fs::read_to_string(&summary).unwrap();
    text.lines()
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
    let dir = temp_root("strace-report");
    let request = b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n";
    let baseline = count_syscalls(&dir, |_| {});
    let keep_alive = count_syscalls(&dir, |addr| {
        let mut s = TcpStream::connect(addr).unwrap();
        for _ in 0..10_000 {
            s.write_all(request).unwrap();
            read_response(&mut s);
        }
    });
    let pipelined = count_syscalls(&dir, |addr| {
        let mut s = TcpStream::connect(addr).unwrap();
        let batch = request.repeat(16);
        for _ in 0..10_000 / 16 {
            s.write_all(&batch).unwrap();
            for _ in 0..16 {
                read_response(&mut s);
            }
        }
    });
    let close = count_syscalls(&dir, |addr| {
        for _ in 0..1_000 {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            read_response(&mut s);
        }
    });
    println!("\n| client | requests | syscalls per request | breakdown per request |");
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
            if net > 0 {
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
    std::fs::remove_dir_all(&dir).unwrap();
}
