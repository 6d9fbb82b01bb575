//! System calls per request, seen with strace: a keep-alive GET of a small
//! file costs exactly the read of the request, the file's open, stat, read
//! and close, and one write of the response — nothing else between two
//! epoll waits.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Reads one response with a Content-Length body from `s`.
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

#[test]
fn keep_alive_get_of_a_small_file_costs_six_syscalls() {
    if Command::new("strace").arg("-V").output().is_err() {
        panic!("strace is not installed (.ci/run installs it)");
    }
    let dir = std::env::temp_dir().join(format!("staticd-strace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hello.txt"), "Hello, World!").unwrap();
    let trace: PathBuf = dir.join("trace.txt");
    let mut child = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_staticd"))
        .args(["-l", "127.0.0.1:0", "-t", "1"])
        .arg(&dir)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
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

    let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for marker in ["warm", "measured"] {
        let request = format!("GET /hello.txt?{marker} HTTP/1.1\r\nHost: x\r\n\r\n");
        s.write_all(request.as_bytes()).unwrap();
        assert_eq!(read_response(&mut s), b"Hello, World!");
    }
    drop(s);
    // SIGTERM goes to staticd itself, strace's child, not to strace.
    let children = format!("/proc/{0}/task/{0}/children", child.id());
    let server = std::fs::read_to_string(children).unwrap();
    let server = server
        .split_whitespace()
        .next()
        .expect("staticd under strace");
    Command::new("kill")
        .args(["-TERM", server])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());

    let text = std::fs::read_to_string(&trace).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("?measured"))
        .expect("the measured read");
    let tid = lines[start].split_whitespace().next().unwrap();
    let calls: Vec<&str> = lines[start..]
        .iter()
        .filter(|l| l.split_whitespace().next() == Some(tid))
        .map(|l| {
            l.split_whitespace()
                .nth(1)
                .unwrap()
                .split('(')
                .next()
                .unwrap()
        })
        .take_while(|name| !name.starts_with("epoll_wait") && !name.starts_with("epoll_pwait"))
        .collect();
    assert_eq!(
        calls,
        ["read", "openat2", "fstat", "read", "close", "sendto"],
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
