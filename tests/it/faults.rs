//! Fault injection: an inotify queue overflow, SIGTERM with a thousand idle
//! connections and a download in flight, SIGSTOP/SIGCONT and `strace -p`
//! during that graceful stop, a gigabyte of headers, trickling heads,
//! stalled big heads (memory given back, a flood refused with 503),
//! clients that reset or half-close mid-response, files and
//! directories deleted or renamed under a sendfile response, and (ignored,
//! `make load`) wrk with 1,000 and 10,000 connections.
//!
//! Each test holds [`common::measuring`]: it measures the time, memory or
//! descriptors of its own server, or loads the machine.

use crate::common;

use common::{Conn, IO_TIMEOUT, Response, Server, TempDir, find, rss_kib};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// Size of the big files served with sendfile.
const BIG: usize = 20 << 20;

/// The soft and hard RLIMIT_NOFILE of this process, from /proc/self/limits.
fn nofile_limits() -> (u64, u64) {
    let limits = std::fs::read_to_string("/proc/self/limits").expect("read /proc/self/limits");
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("Max open files in /proc/self/limits");
    let nums: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (nums[0], nums[1])
}

/// Raises this process's open-file limit with prlimit (to 65536, or at
/// least the soft limit to the hard one) and fails unless `need` fit.
fn need_fds(need: u64) {
    let pid = std::process::id().to_string();
    let run = |arg: String| {
        Command::new("prlimit")
            .args(["--pid", &pid, &arg])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if nofile_limits().0 < need && !run("--nofile=65536:65536".into()) {
        let hard = nofile_limits().1;
        run(format!("--nofile={hard}:"));
    }
    let (soft, hard) = nofile_limits();
    assert!(
        soft >= need,
        "this test needs {need} descriptors but RLIMIT_NOFILE is {soft} (hard {hard}) and prlimit could not raise it"
    );
}

/// How many descriptors the server has open (entries of /proc/PID/fd).
fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("read /proc/PID/fd")
        .count()
}

/// Sends `sig` (a name such as `STOP`) to process `pid`.
fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill -{sig} {pid} failed");
}

/// Resumes a process stopped with SIGSTOP when dropped, even if the test fails.
struct Resume(u32);

impl Drop for Resume {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-CONT", &self.0.to_string()])
            .status();
    }
}

/// A connected socket with [`IO_TIMEOUT`] on reads and writes.
fn dial(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
        .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    s
}

/// `GET path` with `Connection: close` on a fresh connection: the status and
/// the body, or why no complete response arrived (never panics on I/O).
fn fetch(addr: SocketAddr, path: &str) -> Result<(u16, Vec<u8>), String> {
    let mut s =
        TcpStream::connect_timeout(&addr, IO_TIMEOUT).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes())
        .map_err(|e| format!("send: {e}"))?;
    let mut raw = Vec::new();
    let read = s.read_to_end(&mut raw);
    let end = find(&raw, b"\r\n\r\n").ok_or_else(|| {
        format!(
            "no complete head ({read:?}): {:?}",
            String::from_utf8_lossy(&raw[..raw.len().min(200)])
        )
    })?;
    let r = Response::from_head(raw[..end + 4].to_vec());
    let body = raw[end + 4..].to_vec();
    let len = r.content_length().ok_or("no Content-Length")?;
    if body.len() != len {
        return Err(format!(
            "{path}: body of {} bytes, Content-Length {len} ({read:?})",
            body.len()
        ));
    }
    Ok((r.status, body))
}

/// Fails unless `GET path` answers `status` with exactly `body`.
fn expect(addr: SocketAddr, path: &str, status: u16, body: Option<&[u8]>) -> Result<(), String> {
    let (got, got_body) = fetch(addr, path)?;
    if got != status {
        return Err(format!("{path}: status {got}, want {status}"));
    }
    match body {
        Some(want) if got_body != want => Err(format!(
            "{path}: body {:?}, want {:?}",
            String::from_utf8_lossy(&got_body[..got_body.len().min(80)]),
            String::from_utf8_lossy(&want[..want.len().min(80)])
        )),
        _ => Ok(()),
    }
}

/// Retries `check` every 10 ms until it passes or `deadline` passes; the last error otherwise.
fn eventually(
    deadline: Instant,
    mut check: impl FnMut() -> Result<(), String>,
) -> Result<(), String> {
    loop {
        match check() {
            Ok(()) => return Ok(()),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// `/proc/sys/fs/inotify/max_queued_events` (16384 when unreadable).
fn max_queued_events() -> usize {
    std::fs::read_to_string("/proc/sys/fs/inotify/max_queued_events")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(16384)
}

/// The content the storm leaves in `storm/f{i}.txt` when it keeps that file.
fn storm_content(i: usize) -> String {
    format!("storm file {i}\n")
}

/// Creates, writes and deletes `n` files in `dir` as fast as possible (four
/// inotify events each), keeping every `keep`-th; `progress` follows the index.
fn storm(dir: &Path, n: usize, keep: usize, progress: &AtomicUsize) {
    for i in 0..n {
        let p = dir.join(format!("f{i}.txt"));
        std::fs::write(&p, storm_content(i)).expect("storm write");
        if i % keep != 0 {
            std::fs::remove_file(&p).expect("storm delete");
        }
        progress.store(i, Ordering::Relaxed);
    }
}

/// Checks every kept storm file (its content) and a sample of deleted ones (404).
fn storm_survivors(addr: SocketAddr, n: usize, keep: usize) -> Result<(), String> {
    for i in (0..n).step_by(keep) {
        expect(
            addr,
            &format!("/storm/f{i}.txt"),
            200,
            Some(storm_content(i).as_bytes()),
        )?;
    }
    for i in (1..n).step_by(keep * 3 + 1).filter(|i| i % keep != 0) {
        expect(addr, &format!("/storm/f{i}.txt"), 404, None)?;
    }
    Ok(())
}

/// What `cached.txt` holds before the storm.
const OLD_CONTENT: &[u8] = b"old content\n";

/// What `cached.txt` is rewritten with once the storm is over.
const NEW_CONTENT: &[u8] = b"new content, longer than before\n";

/// Has the server remember a 404 for a sample of the files the storm will
/// create and keep.
fn remember_404s(addr: SocketAddr, n: usize, keep: usize) {
    for i in (0..n).step_by(keep * 5) {
        expect(addr, &format!("/storm/f{i}.txt"), 404, None).unwrap();
    }
}

/// How long the cache may take to catch up after a storm: the server (a
/// debug build under `cargo test`) first works through a full inotify queue,
/// which took 1.8 s once on a loaded 2-core machine.
const AFTER_STORM: Duration = Duration::from_secs(5);

/// Waits up to [`AFTER_STORM`] from now for `/cached.txt` to serve
/// [`NEW_CONTENT`], failing as stale "after `when`"; returns that deadline
/// and how long it took.
fn await_new_content(addr: SocketAddr, when: &str) -> (Instant, Duration) {
    let t0 = Instant::now();
    let deadline = t0 + AFTER_STORM;
    eventually(deadline, || {
        expect(addr, "/cached.txt", 200, Some(NEW_CONTENT))
    })
    .unwrap_or_else(|e| panic!("cached file stale {AFTER_STORM:?} after {when}: {e}"));
    (deadline, t0.elapsed())
}

#[test]
fn inotify_overflow_while_stopped_flushes_the_cache() {
    let _measuring = common::measuring();
    let max_q = max_queued_events();
    // Four events a file: over twice what the queue holds (the server reads
    // nothing meanwhile, so more files would only take longer).
    let n = max_q / 2 + 1000;
    let keep = 97;
    let root = TempDir::new("overflow-stopped");
    root.file("cached.txt", OLD_CONTENT);
    root.file("doomed.txt", "doomed\n");
    let storm_dir = root.dir("storm");
    let server = Server::start(root.path(), &["--cache-ttl", "3600"]);
    let addr = server.addr();
    expect(addr, "/cached.txt", 200, Some(OLD_CONTENT)).unwrap();
    expect(addr, "/doomed.txt", 200, Some(b"doomed\n")).unwrap();
    // Remembered 404s for files the storm will create and keep.
    remember_404s(addr, n, keep);
    // The server cannot read its inotify queue while stopped, so the queue
    // certainly overflows and every later event (the rewrite too) is lost.
    signal(server.pid(), "STOP");
    let resume = Resume(server.pid());
    let t = Instant::now();
    storm(&storm_dir, n, keep, &AtomicUsize::new(0));
    let storm_time = t.elapsed();
    std::fs::remove_file(root.path().join("doomed.txt")).unwrap();
    std::fs::write(root.path().join("cached.txt"), NEW_CONTENT).unwrap();
    drop(resume);
    let (deadline, fresh) = await_new_content(addr, "an inotify overflow");
    eventually(deadline, || expect(addr, "/doomed.txt", 404, None))
        .unwrap_or_else(|e| panic!("deleted file still served after an overflow: {e}"));
    eventually(deadline, || storm_survivors(addr, n, keep))
        .unwrap_or_else(|e| panic!("storm files wrong after an overflow: {e}"));
    eprintln!(
        "overflow (stopped): {n} files ({} events) in {storm_time:?}, queue {max_q}; new content after {fresh:?}",
        4 * n
    );
    assert!(server.stop().success());
}

#[test]
fn inotify_storm_while_serving_keeps_the_cache_right() {
    let _measuring = common::measuring();
    let max_q = max_queued_events();
    let n = 20_000.max(max_q);
    let keep = 97;
    let root = TempDir::new("overflow-live");
    root.file("cached.txt", OLD_CONTENT);
    let storm_dir = root.dir("storm");
    let server = Server::start(root.path(), &["--cache-ttl", "3600"]);
    let addr = server.addr();
    expect(addr, "/cached.txt", 200, Some(OLD_CONTENT)).unwrap();
    remember_404s(addr, n, keep);
    // Clients keep filling the cache with the storm's files while it rages,
    // so fills race with invalidations and with the flush.
    let progress = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|k| {
            let (progress, done) = (progress.clone(), done.clone());
            thread::spawn(move || {
                let mut served = 0;
                while !done.load(Ordering::Relaxed) {
                    let i = progress.load(Ordering::Relaxed) + k;
                    let (status, body) = fetch(addr, &format!("/storm/f{i}.txt"))?;
                    // Empty between the writer's create and its write.
                    if status == 200 && !body.is_empty() && body != storm_content(i).as_bytes() {
                        return Err(format!("f{i}.txt served {body:?}"));
                    }
                    expect(addr, "/cached.txt", 200, Some(OLD_CONTENT))?;
                    served += 2;
                }
                Ok::<usize, String>(served)
            })
        })
        .collect();
    let t = Instant::now();
    // Two writers in the same directory, as fast as they go.
    let half = n / 2;
    let other = {
        let dir = storm_dir.clone();
        thread::spawn(move || {
            for i in half..n {
                let p = dir.join(format!("f{i}.txt"));
                std::fs::write(&p, storm_content(i)).expect("storm write");
                if i % keep != 0 {
                    std::fs::remove_file(&p).expect("storm delete");
                }
            }
        })
    };
    storm(&storm_dir, half, keep, &progress);
    other.join().unwrap();
    let storm_time = t.elapsed();
    done.store(true, Ordering::Relaxed);
    let mut served = 0;
    for r in readers {
        served += r
            .join()
            .unwrap()
            .unwrap_or_else(|e| panic!("during the storm: {e}"));
    }
    std::fs::write(root.path().join("cached.txt"), NEW_CONTENT).unwrap();
    let (deadline, fresh) = await_new_content(addr, "the storm");
    eventually(deadline, || storm_survivors(addr, n, keep))
        .unwrap_or_else(|e| panic!("storm files wrong after the storm: {e}"));
    eprintln!(
        "storm (live): {n} files ({} events) in {storm_time:?}, queue {max_q}, {served} requests meanwhile; new content after {fresh:?}",
        4 * n
    );
    assert!(server.stop().success());
}

#[test]
fn sigterm_closes_a_thousand_idle_connections_and_finishes_a_download() {
    let _measuring = common::measuring();
    let idle_count = 1000;
    need_fds(idle_count as u64 + 200);
    let root = TempDir::new("sigterm");
    root.file("small.txt", "small\n");
    let big = common::patterned_bytes(BIG, 21);
    root.file("big.bin", &big);
    let mut server = Server::start(root.path(), &[]);
    let addr = server.addr();
    let mut idle: Vec<Conn> = (0..idle_count)
        .map(|_| {
            let mut c = server.connect();
            c.send(b"GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
            assert_eq!(c.read_response(false).body, b"small\n");
            c
        })
        .collect();
    // A download in flight: head and a little body read, then read slowly.
    let mut dl = dial(addr);
    dl.write_all(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    while find(&got, b"\r\n\r\n").is_none() || got.len() < 256 << 10 {
        let n = dl.read(&mut chunk).expect("download start");
        assert!(n > 0, "download closed early");
        got.extend_from_slice(&chunk[..n]);
    }
    common::await_stalled(&dl);
    let downloader = thread::spawn(move || {
        loop {
            thread::sleep(Duration::from_millis(2));
            match dl.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
                Err(e) => panic!("download: {e} after {} bytes", got.len()),
            }
        }
        (got, Instant::now())
    });
    let t0 = Instant::now();
    server.term();
    let give_up = t0 + Duration::from_secs(3);
    for (i, c) in idle.iter_mut().enumerate() {
        let left = give_up.saturating_duration_since(Instant::now());
        c.stream
            .set_read_timeout(Some(left.max(Duration::from_millis(10))))
            .unwrap();
        let rest = c.read_to_eof();
        assert!(
            rest.is_empty(),
            "idle connection {i} got bytes at SIGTERM: {rest:?}"
        );
    }
    let idle_closed = t0.elapsed();
    // The listeners are closed: a new connection is refused or closed unanswered.
    if let Ok(mut late) = TcpStream::connect_timeout(&addr, IO_TIMEOUT) {
        late.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        let _ = late.write_all(b"GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        let mut buf = Vec::new();
        let _ = late.read_to_end(&mut buf);
        assert!(
            buf.is_empty(),
            "a connection after SIGTERM was served: {buf:?}"
        );
    }
    let exited = server.wait_exit(Duration::from_secs(2));
    let exit_time = t0.elapsed();
    let (raw, done_at) = downloader.join().unwrap();
    let end = find(&raw, b"\r\n\r\n").unwrap();
    let head = Response::from_head(raw[..end + 4].to_vec());
    assert_eq!(head.status, 200);
    common::assert_same_bytes(&raw[end + 4..], &big);
    let status = exited.unwrap_or_else(|| {
        panic!("staticd still running 2 s after SIGTERM (idle closed after {idle_closed:?})")
    });
    assert!(status.success(), "exit status after SIGTERM: {status}");
    assert!(
        idle_closed < Duration::from_secs(1),
        "{idle_count} idle connections took {idle_closed:?} to see EOF after SIGTERM"
    );
    eprintln!(
        "SIGTERM: {idle_count} idle closed after {idle_closed:?}, download done after {:?}, exit after {exit_time:?}",
        done_at.duration_since(t0)
    );
    assert_no_panic_in(&server);
}

/// The state letter of process `pid` (`R`, `S`, `T`, `t`, `Z`...); `None` once it is gone.
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.chars().next()
}

/// Whether process `pid` is still running (not gone, not a zombie).
fn alive(pid: u32) -> bool {
    !matches!(proc_state(pid), None | Some('Z' | 'X'))
}

/// Polls `check` every 5 ms until it holds, failing the test after 5 s with `what`.
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(Instant::now() < deadline, "still not {what} after 5 s");
        thread::sleep(Duration::from_millis(5));
    }
}

/// Waits (up to 5 s) until the main thread of `pid` sleeps in its timed futex
/// wait for the workers (202), or in the kernel's restart of it
/// (restart_syscall, 219), as it does through a graceful stop; false if the
/// process has ended instead.
fn main_thread_waits(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if !alive(pid) {
            return false;
        }
        let state = proc_state(pid);
        let call = std::fs::read_to_string(format!("/proc/{pid}/syscall")).unwrap_or_default();
        let nr = call.split_whitespace().next().unwrap_or_default();
        if state == Some('S') && (nr == "202" || nr == "219") {
            return true;
        }
        assert!(
            Instant::now() < deadline,
            "main thread not waiting for the workers 5 s into the graceful stop: state {state:?}, /proc/{pid}/syscall {call:?}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// Reads from `dl` into `got` until it holds `want` bytes or the server ends
/// the response (EOF or reset).
fn read_until(dl: &mut TcpStream, got: &mut Vec<u8>, want: usize) {
    let mut chunk = vec![0u8; 64 << 10];
    while got.len() < want {
        match dl.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
            Err(e) => panic!("download: {e} after {} bytes", got.len()),
        }
    }
}

/// Starts a graceful stop (`--grace 60`) while a download of [`BIG`] bytes
/// waits for its client, calls `interrupt` three times with the server's pid
/// while the main thread waits for the workers, reading a little more after
/// each, then reads the rest: every byte must arrive and staticd exit 0.
fn drain_through_interruptions(tag: &str, mut interrupt: impl FnMut(u32)) {
    let _measuring = common::measuring();
    let root = TempDir::new(tag);
    let big = common::patterned_bytes(BIG, 33);
    root.file("big.bin", &big);
    let mut server = Server::start(root.path(), &["--grace", "60"]);
    let pid = server.pid();
    let mut dl = dial(server.addr());
    dl.write_all(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    read_until(&mut dl, &mut got, 256 << 10);
    server.term();
    let mut rounds = 0;
    while rounds < 3 && main_thread_waits(pid) {
        interrupt(pid);
        rounds += 1;
        let want = got.len() + (1 << 20);
        read_until(&mut dl, &mut got, want);
    }
    read_until(&mut dl, &mut got, usize::MAX);
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("staticd still running 10 s after the download ended");
    let body = find(&got, b"\r\n\r\n").map_or(&got[..0], |end| &got[end + 4..]);
    eprintln!(
        "{tag}: {rounds} of 3 interruptions during the graceful stop; {} of {BIG} bytes downloaded; {status}",
        body.len()
    );
    assert!(
        status.success(),
        "{status} after {rounds} of 3 interruptions during the graceful stop, {} of {BIG} bytes downloaded; stderr:\n{}",
        body.len(),
        server.stderr()
    );
    assert_eq!(
        rounds, 3,
        "the graceful stop ended before the interruptions"
    );
    common::assert_same_bytes(body, &big);
    assert_no_panic_in(&server);
}

#[test]
fn sigstop_and_sigcont_during_a_graceful_stop_finish_the_download() {
    drain_through_interruptions("stop-cont", |pid| {
        let resume = Resume(pid);
        signal(pid, "STOP");
        wait_until("stopped by SIGSTOP", || proc_state(pid) == Some('T'));
        // Dropping the guard sends SIGCONT.
        drop(resume);
    });
}

#[test]
fn strace_attaching_and_detaching_during_a_graceful_stop_finish_the_download() {
    drain_through_interruptions("strace-attach", |pid| {
        let mut strace = Command::new("strace")
            .args(["-f", "-o", "/dev/null", "-p", &pid.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run strace (.ci/run installs it)");
        let tracer = || {
            std::fs::read_to_string(format!("/proc/{pid}/status"))
                .unwrap_or_default()
                .lines()
                .find_map(|l| l.strip_prefix("TracerPid:"))
                .map_or(0, |v| v.trim().parse().unwrap_or(0))
        };
        wait_until("traced by strace -p", || {
            tracer() == strace.id() || !alive(pid)
        });
        // Back asleep (or dead) under the tracer before strace detaches.
        main_thread_waits(pid);
        signal(strace.id(), "TERM");
        // strace cannot detach from a tracee the filter has killed: end it then.
        let deadline = Instant::now() + Duration::from_secs(5);
        while strace.try_wait().expect("wait for strace").is_none() {
            if Instant::now() > deadline {
                let _ = strace.kill();
                let _ = strace.wait();
                break;
            }
            thread::sleep(Duration::from_millis(5));
        }
    });
}

/// Fails if the server's stderr shows a panic.
fn assert_no_panic_in(server: &Server) {
    common::assert_no_panic(&server.stderr());
}

/// What one attacking connection of [`gigabyte_of_headers_is_cut_off`] saw.
struct Attack {
    written: u64,
    write_error: Option<ErrorKind>,
    reply: Vec<u8>,
    read_end: String,
    replied_after: Duration,
}

/// Sends the head start `prefix` and then `filler` over and over (up to
/// 1 GiB, until a write fails) while reading what comes back.
fn attack(addr: SocketAddr, prefix: &'static [u8], filler: &'static [u8]) -> Attack {
    let s = dial(addr);
    let mut w = s.try_clone().unwrap();
    let writer = thread::spawn(move || {
        let block: Vec<u8> = filler.iter().copied().cycle().take(64 << 10).collect();
        let mut written = prefix.len() as u64;
        if let Err(e) = w.write_all(prefix) {
            return (written, Some(e.kind()));
        }
        while written < 1 << 30 {
            match w.write(&block) {
                Ok(n) => written += n as u64,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return (written, Some(e.kind())),
            }
        }
        (written, None)
    });
    let t = Instant::now();
    let mut r = s;
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    let mut replied_after = Duration::ZERO;
    let read_end = loop {
        match r.read(&mut buf) {
            Ok(0) => break "EOF".to_string(),
            Ok(n) => {
                if reply.is_empty() {
                    replied_after = t.elapsed();
                }
                reply.extend_from_slice(&buf[..n]);
            }
            Err(e) => break format!("{:?}", e.kind()),
        }
    };
    if reply.is_empty() {
        replied_after = t.elapsed();
    }
    let (written, write_error) = writer.join().unwrap();
    Attack {
        written,
        write_error,
        reply,
        read_end,
        replied_after,
    }
}

#[test]
fn gigabyte_of_headers_is_cut_off() {
    let _measuring = common::measuring();
    let root = TempDir::new("huge-head");
    root.file("a.txt", "served\n");
    let server = Server::start(root.path(), &[]);
    let addr = server.addr();
    let pid = server.pid();
    for _ in 0..50 {
        expect(addr, "/a.txt", 200, Some(b"served\n")).unwrap();
    }
    let base = rss_kib(pid);
    let peak = Arc::new(AtomicUsize::new(base as usize));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid) as usize, Ordering::Relaxed);
                thread::sleep(Duration::from_millis(10));
            }
        })
    };
    // Endless field values, endless small fields and (for good measure) an
    // endless request target, each sent by several clients, eight times over.
    const VARIANTS: [(&[u8], &[u8], &str); 3] = [
        (b"GET /a.txt HTTP/1.1\r\nHost: t\r\nX-Long: ", b"a", "431"),
        (b"GET /a.txt HTTP/1.1\r\nHost: t\r\n", b"X-N: v\r\n", "431"),
        (b"GET /", b"a", "414"),
    ];
    let attackers: Vec<_> = (0..9)
        .map(|i| {
            thread::spawn(move || {
                let (prefix, filler, _) = VARIANTS[i % 3];
                (0..8)
                    .map(|_| attack(addr, prefix, filler))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    // Other clients are served meanwhile.
    let mut slowest = Duration::ZERO;
    let mut others = 0;
    while attackers.iter().any(|a| !a.is_finished()) && others < 2000 {
        let t = Instant::now();
        expect(addr, "/a.txt", 200, Some(b"served\n")).unwrap();
        slowest = slowest.max(t.elapsed());
        others += 1;
        thread::sleep(Duration::from_millis(5));
    }
    let results: Vec<Vec<Attack>> = attackers.into_iter().map(|a| a.join().unwrap()).collect();
    server.await_connections(0, "the attacks' connections closed");
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let peak = peak.load(Ordering::Relaxed).max(rss_kib(pid) as usize) as u64;
    for (v, (_, filler, status)) in VARIANTS.iter().enumerate() {
        let all: Vec<&Attack> = results.iter().skip(v).step_by(3).flatten().collect();
        let answered = all.iter().filter(|a| !a.reply.is_empty()).count();
        eprintln!(
            "headers: {} attacks with {:?}: {answered} answered {status}, wrote {} to {} KiB, slowest answer {:?}, writers ended {:?}, readers ended {:?}",
            all.len(),
            String::from_utf8_lossy(filler),
            all.iter().map(|a| a.written).min().unwrap_or(0) >> 10,
            all.iter().map(|a| a.written).max().unwrap_or(0) >> 10,
            all.iter()
                .map(|a| a.replied_after)
                .max()
                .unwrap_or_default(),
            all.iter()
                .map(|a| a.write_error)
                .collect::<std::collections::BTreeSet<_>>(),
            all.iter()
                .map(|a| a.read_end.as_str())
                .collect::<std::collections::BTreeSet<_>>(),
        );
        for a in all {
            let want = format!("HTTP/1.1 {status} ");
            assert!(
                a.reply.is_empty() || a.reply.starts_with(want.as_bytes()),
                "{:?} attack: expected {status} or a close, got {:?}",
                String::from_utf8_lossy(filler),
                String::from_utf8_lossy(&a.reply[..a.reply.len().min(200)])
            );
            assert!(
                matches!(
                    a.write_error,
                    Some(ErrorKind::BrokenPipe | ErrorKind::ConnectionReset)
                ),
                "{:?} attack: writer ended with {:?} after {} bytes, expected a reset or EPIPE",
                String::from_utf8_lossy(filler),
                a.write_error,
                a.written
            );
            assert!(
                a.written < 64 << 20,
                "{:?} attack: server took {} bytes before cutting it off",
                String::from_utf8_lossy(filler),
                a.written
            );
            assert!(
                a.replied_after < Duration::from_secs(2),
                "{:?} attack: no answer or close for {:?}",
                String::from_utf8_lossy(filler),
                a.replied_after
            );
        }
    }
    eprintln!(
        "headers: RSS {base} KiB before, peak {peak} KiB; {others} other requests, slowest {slowest:?}"
    );
    assert!(
        peak <= base + 4096,
        "RSS grew from {base} KiB to {peak} KiB under a gigabyte of headers"
    );
    assert!(
        others > 0 && slowest < Duration::from_millis(500),
        "other clients: slowest {slowest:?}"
    );
    assert!(server.stop().success());
}

/// One trickling connection of [`trickling_heads_time_out_without_starving_others`].
struct Trickle {
    stream: TcpStream,
    connected: Instant,
    head: Vec<u8>,
    sent: usize,
    got: Vec<u8>,
    closed: Option<Duration>,
}

impl Trickle {
    /// Reads what has arrived without blocking; records when the peer closed.
    fn poll_closed(&mut self) {
        let mut buf = [0u8; 1024];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => break self.closed = Some(self.connected.elapsed()),
                Ok(n) => self.got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => break self.closed = Some(self.connected.elapsed()),
            }
        }
    }

    /// Sends the next byte of the head; a failed write means the server closed.
    fn send_byte(&mut self) {
        let b = self.head.get(self.sent).copied().unwrap_or(b'a');
        match self.stream.write(&[b]) {
            Ok(_) => self.sent += 1,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => self.closed = Some(self.connected.elapsed()),
        }
    }
}

#[test]
fn trickling_heads_time_out_without_starving_others() {
    let _measuring = common::measuring();
    let count = 1000;
    need_fds(count as u64 + 200);
    let root = TempDir::new("trickle");
    root.file("a.txt", "fast\n");
    let server = Server::start(root.path(), &["--header-timeout", "1"]);
    let addr = server.addr();
    expect(addr, "/a.txt", 200, Some(b"fast\n")).unwrap();
    let head = b"GET /a.txt HTTP/1.1\r\nHost: t\r\nX-Slow: ".to_vec();
    let mut trickles: Vec<Trickle> = (0..count)
        .map(|i| {
            let mut stream = dial(addr);
            // Half send their request line at once, half trickle from the first byte.
            let sent = if i % 2 == 0 { 21 } else { 0 };
            stream.write_all(&head[..sent]).unwrap();
            stream.set_nonblocking(true).unwrap();
            Trickle {
                stream,
                connected: Instant::now(),
                head: head.clone(),
                sent,
                got: Vec::new(),
                closed: None,
            }
        })
        .collect();
    let trickler = thread::spawn(move || {
        let start = Instant::now();
        let mut round = 0u32;
        while start.elapsed() < Duration::from_secs(4)
            && trickles.iter().any(|t| t.closed.is_none())
        {
            for t in trickles.iter_mut().filter(|t| t.closed.is_none()) {
                t.poll_closed();
                if t.closed.is_none() && round.is_multiple_of(4) {
                    t.send_byte();
                }
            }
            round += 1;
            thread::sleep(Duration::from_millis(50));
        }
        trickles
    });
    let mut latencies = Vec::new();
    while !trickler.is_finished() && latencies.len() < 200 {
        let t = Instant::now();
        expect(addr, "/a.txt", 200, Some(b"fast\n")).unwrap();
        latencies.push(t.elapsed());
        thread::sleep(Duration::from_millis(25));
    }
    let trickles = trickler.join().unwrap();
    let slowest = latencies.iter().max().copied().unwrap_or_default();
    let closes: Vec<Duration> = trickles.iter().filter_map(|t| t.closed).collect();
    let (first, last) = (closes.iter().min(), closes.iter().max());
    eprintln!(
        "trickle: {} of {count} closed, first after {first:?}, last after {last:?}; {} normal requests, slowest {slowest:?}",
        closes.len(),
        latencies.len()
    );
    for (i, t) in trickles.iter().enumerate() {
        let closed = t.closed.unwrap_or_else(|| {
            panic!(
                "trickling connection {i} still open after 4 s ({} bytes sent)",
                t.sent
            )
        });
        assert!(
            closed >= Duration::from_millis(900) && closed <= Duration::from_millis(2000),
            "trickling connection {i} closed after {closed:?}, want about 1 s (header timeout 1 s, ticks of 100 ms)"
        );
        if !t.got.is_empty() {
            let end = find(&t.got, b"\r\n\r\n").unwrap_or_else(|| {
                panic!(
                    "trickling connection {i} got a partial response {:?}",
                    t.got
                )
            });
            let r = Response::from_head(t.got[..end + 4].to_vec());
            assert!(r.status >= 400, "trickling connection {i} got {}", r.status);
        }
    }
    assert!(
        slowest < Duration::from_millis(200),
        "a normal request took {slowest:?} during the trickle"
    );
    assert!(server.stop().success());
}

/// Opens `n` connections that each send `bytes` of a head that never ends.
fn stalled_heads(addr: SocketAddr, n: usize, bytes: usize) -> Vec<TcpStream> {
    let head = format!(
        "GET / HTTP/1.1\r\nHost: t\r\nCookie: {}",
        "c".repeat(bytes.saturating_sub(32))
    );
    (0..n)
        .map(|_| {
            let mut s = dial(addr);
            s.write_all(head.as_bytes()).expect("send a partial head");
            s
        })
        .collect()
}

/// Polls the server's RSS until `done` holds for it, for at most `limit`;
/// returns the last reading.
fn rss_when(pid: u32, limit: Duration, done: impl Fn(u64) -> bool) -> u64 {
    let deadline = Instant::now() + limit;
    loop {
        let rss = rss_kib(pid);
        if done(rss) || Instant::now() >= deadline {
            return rss;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn stalled_heads_give_their_memory_back() {
    let _measuring = common::measuring();
    let root = TempDir::new("stalled-heads");
    root.file("a.txt", "a");
    let server = Server::start(root.path(), &["-t", "2"]);
    let pid = server.pid();
    // Warm up the pools and the cache the way a served site would be.
    for _ in 0..100 {
        assert_eq!(server.get("/a.txt").body, b"a");
    }
    let before = rss_kib(pid);
    let heads = stalled_heads(server.addr(), 300, 20_000);
    let peak = rss_when(pid, Duration::from_secs(5), |rss| rss > before + 4096);
    assert!(
        peak > before + 4096,
        "300 heads of 20 KB took only {before} -> {peak} KiB: the test measures nothing"
    );
    drop(heads);
    let after = rss_when(pid, Duration::from_secs(5), |rss| rss <= before + 1024);
    eprintln!(
        "RSS: {before} KiB idle, {peak} KiB with 300 stalled 20 KB heads, {after} KiB after they closed"
    );
    assert!(
        after <= before + 1024,
        "RSS stayed at {after} KiB after the heads closed (from {before} KiB, peak {peak} KiB)"
    );
    assert_eq!(server.get("/a.txt").body, b"a");
    assert!(server.stop().success());
}

#[test]
fn a_flood_of_big_slow_heads_is_refused_instead_of_growing_the_process() {
    let _measuring = common::measuring();
    const N: usize = 2_000;
    need_fds(N as u64 + 64);
    let root = TempDir::new("head-flood");
    root.file("a.txt", "a");
    let server = Server::start(root.path(), &["-t", "2"]);
    let pid = server.pid();
    let before = rss_kib(pid);
    let mut heads = stalled_heads(server.addr(), N, 20_000);
    // Wait for the server to have read what it will of every head.
    let mut peak = rss_when(pid, Duration::from_secs(2), |_| false);
    let mut refused = 0;
    for s in &mut heads {
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .expect("set a read timeout");
        let mut got = [0u8; 64];
        if let Ok(n) = s.read(&mut got)
            && got[..n].starts_with(b"HTTP/1.1 503 ")
        {
            refused += 1;
        }
        peak = peak.max(rss_kib(pid));
        if refused > 0 {
            break;
        }
    }
    let grown = peak.saturating_sub(before);
    eprintln!(
        "{N} stalled 20 KB heads: RSS {before} -> {peak} KiB; 503 seen: {}",
        refused > 0
    );
    assert!(
        refused > 0,
        "no head was refused with 503 (RSS {before} -> {peak} KiB)"
    );
    // 16 MiB of grown heads plus each connection's first 8 KiB of buffers.
    assert!(
        grown < 16 * 1024 + N as u64 * 8 + 4096,
        "RSS grew by {grown} KiB for {N} heads"
    );
    // What stays is the connection slab and the small blocks (2 KiB and
    // under) that free lists keep for the next connections: under 1 KiB for
    // each connection of the peak, against 32 KiB each before.
    drop(heads);
    let kept = 1024 + N as u64;
    let after = rss_when(pid, Duration::from_secs(5), |rss| rss <= before + kept);
    eprintln!("after they closed: {after} KiB");
    assert!(
        after <= before + kept,
        "RSS stayed at {after} KiB (from {before})"
    );
    assert_eq!(server.get("/a.txt").body, b"a");
    assert!(server.stop().success());
}

#[test]
fn resets_and_half_closes_mid_response_leak_nothing() {
    let _measuring = common::measuring();
    let clients = 200;
    need_fds(clients as u64 + 200);
    let root = TempDir::new("resets");
    root.file("small.txt", "small\n");
    let big = common::patterned_bytes(BIG, 5);
    root.file("big.bin", &big);
    let server = Server::start(root.path(), &[]);
    let addr = server.addr();
    let pid = server.pid();
    // Warm up: the big file's descriptor and the small file's mapping are cached.
    let (status, body) = fetch(addr, "/big.bin").unwrap();
    assert_eq!(status, 200);
    common::assert_same_bytes(&body, &big);
    expect(addr, "/small.txt", 200, Some(b"small\n")).unwrap();
    server.await_connections(0, "the warm-up connections closed");
    let baseline = fd_count(pid);
    // All clients mid-response at once, then all vanish with unread data (a reset).
    let ready = Arc::new(AtomicUsize::new(0));
    let resetters: Vec<_> = (0..clients)
        .map(|i| {
            let ready = ready.clone();
            thread::spawn(move || {
                let mut s = dial(addr);
                s.write_all(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
                    .unwrap();
                let want = match i % 3 {
                    0 => 0,
                    1 => 1,
                    _ => 64 << 10,
                };
                let mut got = 0;
                let mut buf = vec![0u8; 16 << 10];
                while got < want {
                    let n = s.read(&mut buf).expect("read the start of the response");
                    assert!(n > 0, "closed before {want} bytes");
                    got += n;
                }
                // Wait for all (or 10 s, should one fail) before vanishing.
                ready.fetch_add(1, Ordering::SeqCst);
                let t = Instant::now();
                while ready.load(Ordering::SeqCst) < clients
                    && t.elapsed() < Duration::from_secs(10)
                {
                    thread::sleep(Duration::from_millis(5));
                }
                drop(s);
            })
        })
        .collect();
    for r in resetters {
        r.join().unwrap();
    }
    // Half-closed clients still get their whole responses.
    for _ in 0..5 {
        let mut c = server.connect();
        c.send(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
        c.shutdown_write();
        let r = c.read_response(false);
        assert_eq!(r.status, 200);
        common::assert_same_bytes(&r.body, &big);
        c.assert_closed();
    }
    let mut c = server.connect();
    c.send(b"GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /big.bin HTTP/1.1\r\nHost: t\r\n\r\nGET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    c.shutdown_write();
    let rs = common::read_responses(&mut c, &["GET", "GET", "GET"]);
    assert_eq!(rs[0].body, b"small\n");
    common::assert_same_bytes(&rs[1].body, &big);
    assert_eq!(rs[2].body, b"small\n");
    c.assert_closed();
    drop(c);
    expect(addr, "/small.txt", 200, Some(b"small\n")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut now = fd_count(pid);
    while now != baseline && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
        now = fd_count(pid);
    }
    eprintln!("resets: fds {baseline} before, {now} after {clients} resets and 6 half-closes");
    assert_eq!(
        now, baseline,
        "open descriptors did not return to the baseline"
    );
    assert!(server.stop().success());
}

/// Starts `GET url`, reads its head and 1 MiB of `want`, runs `mutate`, then
/// reads to the end: the body must be `want` or a prefix of it (a close).
/// Returns whether it was complete.
fn mutate_in_flight(addr: SocketAddr, url: &str, want: &[u8], mutate: impl FnOnce()) -> bool {
    let mut s = dial(addr);
    let req = format!("GET {url} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    let body_at = loop {
        if let Some(end) = find(&raw, b"\r\n\r\n")
            && raw.len() >= end + 4 + (1 << 20)
        {
            break end + 4;
        }
        let n = s.read(&mut buf).expect("read the start of the response");
        assert!(n > 0, "{url}: closed before 1 MiB");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = Response::from_head(raw[..body_at].to_vec());
    assert_eq!(head.status, 200, "{url}");
    assert_eq!(head.content_length(), Some(want.len()), "{url}");
    mutate();
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("{url}: response neither finished nor closed: {e}"),
        }
    }
    let body = &raw[body_at..];
    assert!(
        body.len() <= want.len(),
        "{url}: {} bytes, more than the file",
        body.len()
    );
    common::assert_same_bytes(body, &want[..body.len()]);
    body.len() == want.len()
}

#[test]
fn files_and_directories_vanishing_under_sendfile() {
    let _measuring = common::measuring();
    let root = TempDir::new("vanish");
    let big: Vec<Vec<u8>> = (0..6)
        .map(|s| common::patterned_bytes(BIG, 100 + s))
        .collect();
    root.file("ok.txt", "ok\n");
    root.file("d0/big.bin", &big[0]);
    root.file("d1/big.bin", &big[1]);
    root.file("d2/big.bin", &big[2]);
    root.file("d3/big.bin", &big[3]);
    root.file("d4/sub/big.bin", &big[4]);
    root.file("d5/big.bin", &big[5]);
    let server = Server::start(root.path(), &["--cache-ttl", "3600"]);
    let addr = server.addr();
    let p = |rel: &str| root.path().join(rel);
    let mut outcomes = Vec::new();
    // Deleted.
    outcomes.push(mutate_in_flight(addr, "/d0/big.bin", &big[0], || {
        std::fs::remove_file(p("d0/big.bin")).unwrap()
    }));
    // Renamed.
    outcomes.push(mutate_in_flight(addr, "/d1/big.bin", &big[1], || {
        std::fs::rename(p("d1/big.bin"), p("d1/moved.bin")).unwrap()
    }));
    // Replaced by another file renamed over it.
    outcomes.push(mutate_in_flight(addr, "/d2/big.bin", &big[2], || {
        std::fs::write(p("d2/new.tmp"), "replacement\n").unwrap();
        std::fs::rename(p("d2/new.tmp"), p("d2/big.bin")).unwrap();
    }));
    // Its directory renamed.
    outcomes.push(mutate_in_flight(addr, "/d3/big.bin", &big[3], || {
        std::fs::rename(p("d3"), p("d3-moved")).unwrap()
    }));
    // Its whole directory tree deleted.
    outcomes.push(mutate_in_flight(addr, "/d4/sub/big.bin", &big[4], || {
        std::fs::remove_dir_all(p("d4")).unwrap()
    }));
    // Truncated in place (the one case that must end early, never hang).
    outcomes.push(mutate_in_flight(addr, "/d5/big.bin", &big[5], || {
        std::fs::File::options()
            .write(true)
            .open(p("d5/big.bin"))
            .unwrap()
            .set_len(0)
            .unwrap()
    }));
    eprintln!(
        "vanish: complete responses (delete, rename, replace, dir rename, dir delete, truncate): {outcomes:?}"
    );
    // The server keeps serving, and serves what is on disk now.
    let deadline = Instant::now() + Duration::from_millis(1500);
    let check = |path: &str, status: u16, body: Option<&[u8]>| {
        eventually(deadline, || expect(addr, path, status, body))
            .unwrap_or_else(|e| panic!("after the in-flight changes: {e}"));
    };
    check("/ok.txt", 200, Some(b"ok\n"));
    check("/d0/big.bin", 404, None);
    check("/d1/big.bin", 404, None);
    check("/d1/moved.bin", 200, Some(&big[1]));
    check("/d2/big.bin", 200, Some(b"replacement\n"));
    check("/d3/big.bin", 404, None);
    check("/d3-moved/big.bin", 200, Some(&big[3]));
    check("/d4/sub/big.bin", 404, None);
    check("/d5/big.bin", 200, Some(b""));
    // Watches follow a renamed directory and cover a recreated one.
    std::fs::write(p("d3-moved/big.bin"), "rewritten after the move\n").unwrap();
    root.file("d4/sub/big.bin", "recreated\n");
    let deadline = Instant::now() + Duration::from_millis(1500);
    let check = |path: &str, status: u16, body: Option<&[u8]>| {
        eventually(deadline, || expect(addr, path, status, body))
            .unwrap_or_else(|e| panic!("after rewriting: {e}"));
    };
    check(
        "/d3-moved/big.bin",
        200,
        Some(b"rewritten after the move\n"),
    );
    check("/d4/sub/big.bin", 200, Some(b"recreated\n"));
    assert!(server.stop().success());
}

/// One wrk run's figures, as wrk prints them.
#[derive(Debug, Default)]
struct WrkRun {
    requests: u64,
    rps: f64,
    connect: u64,
    read: u64,
    write: u64,
    timeout: u64,
    non_2xx: u64,
    rss_kib: Vec<u64>,
}

/// Runs `wrk -t2 -cCONNS -dSECSs` against `url`, sampling the server's RSS every second.
fn wrk(url: &str, conns: usize, secs: u64, pid: u32) -> WrkRun {
    let child = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{conns}"),
            &format!("-d{secs}s"),
            "--timeout",
            "5s",
            url,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wrk");
    let mut rss = Vec::new();
    for s in 1..secs {
        thread::sleep(Duration::from_secs(1));
        // The first two seconds are warm-up.
        if s >= 2 {
            rss.push(rss_kib(pid));
        }
    }
    let out = child.wait_with_output().expect("wait for wrk");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "wrk failed: {}", out.status);
    let mut run = WrkRun {
        rss_kib: rss,
        ..WrkRun::default()
    };
    let num = |s: &str| {
        s.trim_matches(|c: char| !c.is_ascii_digit() && c != '.')
            .to_string()
    };
    for line in text.lines().map(str::trim) {
        if line.contains(" requests in ") {
            run.requests = num(line.split_whitespace().next().unwrap())
                .parse()
                .unwrap();
        } else if let Some(rest) = line.strip_prefix("Requests/sec:") {
            run.rps = num(rest).parse().unwrap();
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            for part in rest.split(',') {
                let mut it = part.split_whitespace();
                let (Some(name), Some(n)) = (it.next(), it.next()) else {
                    continue;
                };
                let n = n.parse().unwrap();
                match name {
                    "connect" => run.connect = n,
                    "read" => run.read = n,
                    "write" => run.write = n,
                    "timeout" => run.timeout = n,
                    _ => {}
                }
            }
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            run.non_2xx = num(rest).parse().unwrap();
        }
    }
    run
}

#[test]
#[ignore = "load test (10,000 connections, about 25 s): make load"]
fn wrk_with_thousands_of_connections() {
    let _measuring = common::measuring();
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("wrk is not installed: load test skipped");
        return;
    }
    // wrk and staticd each inherit this limit and each hold one descriptor a connection.
    need_fds(10_100);
    let root = TempDir::new("load");
    root.file("13.txt", "Hello, World!");
    let server = Server::start(root.path(), &[]);
    let url = format!("http://{}/13.txt", server.addr());
    let mut failures = Vec::new();
    // 30 s each, as a soak; STATICD_LOAD_SECS shortens it.
    let secs = std::env::var("STATICD_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    for conns in [1000, 10_000] {
        let run = wrk(&url, conns, secs, server.pid());
        let (lo, hi) = (
            run.rss_kib.iter().min().copied().unwrap_or(0),
            run.rss_kib.iter().max().copied().unwrap_or(0),
        );
        eprintln!(
            "wrk -c{conns}: {} requests, {:.0} req/s; socket errors connect {} read {} write {} timeout {}; non-2xx {}; RSS KiB {:?}",
            run.requests,
            run.rps,
            run.connect,
            run.read,
            run.write,
            run.timeout,
            run.non_2xx,
            run.rss_kib
        );
        if run.requests == 0 {
            failures.push(format!("-c{conns}: no requests"));
        }
        if run.read + run.write + run.timeout > 0 {
            failures.push(format!(
                "-c{conns}: socket errors read {} write {} timeout {}",
                run.read, run.write, run.timeout
            ));
        }
        if run.connect > 0 {
            eprintln!(
                "-c{conns}: {} connect errors (client fd limit {:?})",
                run.connect,
                nofile_limits()
            );
        }
        if run.non_2xx > 0 {
            failures.push(format!("-c{conns}: {} non-2xx responses", run.non_2xx));
        }
        if hi as f64 > lo as f64 * 1.2 {
            failures.push(format!("-c{conns}: RSS not flat: {:?} KiB", run.rss_kib));
        }
    }
    assert!(failures.is_empty(), "load: {failures:#?}");
    assert!(server.stop().success());
}
