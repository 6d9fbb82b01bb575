//! Connection limits and timeouts: --max-connections refuses the surplus at
//! once (and says so without waiting on a stalled stderr), the header,
//! keep-alive and send timeouts close on time, and running out of
//! descriptors pauses accepting instead of spinning.

use crate::common;

use common::{Conn, Server, TempDir, cpu_ticks, rss_kib};
use std::io::Read;
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

/// Reads until the peer closes; returns how long that took.
fn time_to_close(s: &mut TcpStream, limit: Duration) -> Duration {
    s.set_read_timeout(Some(limit)).unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => continue,
            Err(e) => panic!("not closed within {limit:?}: {e}"),
        }
    }
}

#[test]
fn connections_over_the_limit_are_closed_at_once() {
    let _measuring = common::measuring();
    let root = TempDir::new("max-conn");
    root.file("a.txt", "a");
    let server = Server::start(root.path(), &["--max-connections", "3"]);
    let held: Vec<Conn> = (0..3).map(|_| server.connect()).collect();
    server.await_connections(3, "the three held connections accepted");
    let mut extra = TcpStream::connect(server.addr()).unwrap();
    assert!(time_to_close(&mut extra, Duration::from_secs(2)) < Duration::from_secs(1));
    drop(held);
    // Room again once the held connections are gone.
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let mut c = server.connect();
        c.send(b"GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        let raw = c.read_to_eof();
        if raw.starts_with(b"HTTP/1.1 200 OK") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no room after the held connections closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = server.stop();
    assert!(status.success());
}

#[test]
fn header_keepalive_and_send_timeouts_close_on_time() {
    let _measuring = common::measuring();
    let root = TempDir::new("timeouts");
    root.file("small.txt", "hello");
    root.file("big.bin", common::random_bytes(32 << 20, 9));
    let server = Server::start(
        root.path(),
        &[
            "--header-timeout",
            "0.3",
            "--keepalive-timeout",
            "1.5",
            "--send-timeout",
            "0.5",
        ],
    );
    // A head that never completes.
    let mut partial = TcpStream::connect(server.addr()).unwrap();
    std::io::Write::write_all(&mut partial, b"GET /small.txt HTTP/1.1\r\nHo").unwrap();
    let t = time_to_close(&mut partial, Duration::from_secs(3));
    assert!(
        t >= Duration::from_millis(250) && t < Duration::from_millis(1500),
        "header timeout after {t:?}"
    );
    // A connection that never sends a byte owes its first request within
    // the header timeout, not the longer keep-alive one.
    let mut silent = TcpStream::connect(server.addr()).unwrap();
    let t = time_to_close(&mut silent, Duration::from_secs(3));
    assert!(
        t >= Duration::from_millis(250) && t < Duration::from_millis(1200),
        "a silent new connection closed after {t:?}"
    );
    // An idle keep-alive connection after one response.
    let mut idle = server.connect();
    idle.send(b"GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(idle.read_response(false).body, b"hello");
    let t = time_to_close(&mut idle.stream, Duration::from_secs(3));
    assert!(
        t >= Duration::from_millis(1400) && t < Duration::from_millis(2700),
        "keep-alive timeout after {t:?}"
    );
    // A client that stops reading a big response.
    let mut stalled = TcpStream::connect(server.addr()).unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    std::io::Write::write_all(&mut stalled, b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    // Closed by the send timeout while the test reads nothing.
    common::await_stalled(&stalled);
    server.await_connections(0, "the stalled download closed");
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match stalled.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => panic!("stalled download neither finished nor closed: {e}"),
        }
    }
    assert!(
        got < 32 << 20,
        "the stalled client got the whole file ({got} bytes)"
    );
    // Everyone else is still served.
    assert_eq!(server.get("/small.txt").body, b"hello");
    assert!(server.stop().success());
}

#[test]
fn running_out_of_descriptors_pauses_accepting_without_spinning() {
    let _measuring = common::measuring();
    let root = TempDir::new("emfile");
    root.file("a.txt", "a");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "ulimit -n 32 && exec {} -l 127.0.0.1:0 -t 1 \"$0\"",
            common::BIN
        ))
        .arg(root.path());
    let server = Server::launch(cmd);
    let held: Vec<TcpStream> = (0..60)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    common::wait_for("out of descriptors", Duration::from_secs(5), || {
        every_descriptor_used(server.pid())
    });
    let before = cpu_ticks(server.pid());
    std::thread::sleep(Duration::from_secs(1));
    let spent = cpu_ticks(server.pid()) - before;
    assert!(
        spent <= 10,
        "{spent} ticks of CPU in 1 s while out of descriptors"
    );
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let mut c = Conn::open(server.addr());
        c.send(b"GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        if c.read_to_eof().starts_with(b"HTTP/1.1 200 OK") {
            break;
        }
        assert!(Instant::now() < deadline, "service did not resume");
    }
    assert!(server.stop().success());
}

#[test]
fn running_out_of_descriptors_during_start_up_stops_nothing() {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let _measuring = common::measuring();
    let root = TempDir::new("emfile-start");
    root.file("a.txt", "a");
    // Connections queued before staticd starts: its worker takes every
    // descriptor as soon as it runs.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let held: Vec<TcpStream> = (0..60).map(|_| TcpStream::connect(addr).unwrap()).collect();
    // A full stderr holds the main thread at its start-up line meanwhile.
    let (mut reader, writer) = std::io::pipe().unwrap();
    let mut filler = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(0o4000) // O_NONBLOCK, on a description of our own
        .open(format!("/proc/self/fd/{}", writer.as_raw_fd()))
        .unwrap();
    while filler.write(&[b'x'; 4096]).is_ok() {}
    let dir = root.path().to_str().unwrap();
    let mut child = common::passing(
        &listener,
        "ulimit -n 32 && LISTEN_PID=$$ LISTEN_FDS=1",
        &["-t", "1", dir],
    )
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::null())
    .stderr(writer)
    .spawn()
    .unwrap();
    drop(listener);
    let pid = child.id();
    common::wait_for("out of descriptors", Duration::from_secs(5), || {
        every_descriptor_used(pid)
    });
    // Let the start-up line out; stderr is read from now on.
    drop(filler);
    let stderr = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = reader.read_to_end(&mut all);
        String::from_utf8_lossy(&all)
            .trim_start_matches('x')
            .to_string()
    });
    // Out of descriptors still, the main thread goes on to its control loop
    // (an epoll wait) or gives up.
    common::wait_for("the control loop running", Duration::from_secs(5), || {
        if child.try_wait().unwrap().is_some() {
            return Ok(());
        }
        let call = std::fs::read_to_string(format!("/proc/{pid}/syscall")).unwrap_or_default();
        let nr = call.split_whitespace().next().unwrap_or_default();
        // epoll_wait, epoll_pwait, epoll_pwait2 (x86_64).
        ["232", "281", "441"]
            .contains(&nr)
            .then_some(())
            .ok_or(format!("main thread in system call {call:?}"))
    });
    drop(held);
    let served = match child.try_wait().unwrap() {
        Some(_) => Vec::new(),
        None => {
            let mut c = Conn::open(addr);
            c.send(b"GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            let served = c.read_to_eof();
            common::sigterm(pid);
            served
        }
    };
    let status = child.wait().unwrap();
    let stderr = stderr.join().unwrap();
    assert!(
        served.starts_with(b"HTTP/1.1 200 OK"),
        "not served after start-up ran out of descriptors: {:?}; {status}; stderr:\n{stderr}",
        String::from_utf8_lossy(&served)
    );
    assert!(status.success(), "{status}; stderr:\n{stderr}");
}

/// Whether process `pid` holds every descriptor number below its limit.
fn every_descriptor_used(pid: u32) -> Result<(), String> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let limit: usize = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .expect("Max open files in /proc/PID/limits");
    let used = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<usize>().ok())
        .filter(|&fd| fd < limit)
        .count();
    (used == limit)
        .then_some(())
        .ok_or(format!("{used} of {limit} descriptors used"))
}

#[test]
fn idle_keep_alive_connections_hold_no_buffers() {
    let _measuring = common::measuring();
    let root = TempDir::new("idle-memory");
    root.file("a.txt", "hello");
    let server = Server::start(root.path(), &[]);
    // Warm up: the first connections fill the pools and the cache.
    let warm: Vec<Conn> = (0..50).map(|_| server.connect()).collect();
    drop(warm);
    let before = rss_kib(server.pid());
    let mut conns: Vec<Conn> = (0..800).map(|_| server.connect()).collect();
    for c in &mut conns {
        c.send(b"GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    }
    for c in &mut conns {
        assert_eq!(c.read_response(false).body, b"hello");
    }
    // 4 KiB of input buffer plus 4 KiB of output each if buffers stayed attached.
    common::wait_for(
        "idle connections without buffers",
        Duration::from_secs(2),
        || {
            let per_conn = (rss_kib(server.pid()).saturating_sub(before)) * 1024 / 800;
            (per_conn < 2048)
                .then_some(())
                .ok_or(format!("{per_conn} bytes of RSS per idle connection"))
        },
    );
    drop(conns);
    assert!(server.stop().success());
}

#[test]
fn a_stalled_stderr_never_holds_up_a_worker() {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let root = TempDir::new("stalled-stderr");
    root.file("a.txt", "a");
    let (mut reader, writer) = std::io::pipe().unwrap();
    let mut child = common::staticd()
        .args(["-l", "127.0.0.1:0", "-t", "1", "--max-connections", "2"])
        .arg(root.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(writer)
        .spawn()
        .unwrap();
    // The start-up line, byte by byte so nothing after it is consumed.
    let mut announce = Vec::new();
    let mut byte = [0u8; 1];
    while byte[0] != b'\n' {
        reader.read_exact(&mut byte).unwrap();
        announce.push(byte[0]);
    }
    let addr = common::parse_announce(&String::from_utf8_lossy(&announce))[0];
    // Fill the pipe through a non-blocking description of our own: the
    // server's stderr stays blocking, as a stalled reader leaves it.
    let mut filler = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(0o4000) // O_NONBLOCK
        .open(format!("/proc/{}/fd/2", child.id()))
        .unwrap();
    while filler.write(&[b'x'; 4096]).is_ok() {}
    let mut held: Vec<Conn> = (0..2).map(|_| Conn::open(addr)).collect();
    for c in &mut held {
        c.send(b"GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_eq!(c.read_response(false).body, b"a");
    }
    // Over the limit: refused, which the worker wants to say on stderr.
    let mut refused = TcpStream::connect(addr).unwrap();
    refused
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(refused.read(&mut [0u8; 16]).unwrap_or(0), 0);
    // The same worker still answers the held connections.
    for c in &mut held {
        c.send(b"GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_eq!(c.read_response(false).body, b"a");
    }
    let _ = child.kill();
    let _ = child.wait();
}
