//! The access log (`--access-log PATH|-`, `--log-format common|json`):
//! buffered per worker, written at most every 100 ms, nothing lost at SIGTERM,
//! a stalled reader holding up no worker; and the SIGUSR1 counters line.

use crate::common;

use common::{Conn, Server, TempDir, cpu_ticks, eventually, get_req};
use std::path::Path;
use std::process::Command;

fn root() -> TempDir {
    let root = common::site("logs");
    root.file("page.html", "<p>".repeat(200));
    root
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Sends `raw` on one connection and reads `n` responses.
fn exchange_on(server: &Server, raw: &[u8], head_only: &[bool]) {
    let mut c = Conn::open(server.addr());
    c.send(raw);
    for &h in head_only {
        c.read_response(h);
    }
}

#[test]
fn common_log_format_lines_with_referer_and_user_agent() {
    let root = root();
    let logs = TempDir::new("logs-out");
    let log = logs.path().join("access.log");
    // One worker: lines from several workers' buffers need not be in order.
    let server = Server::start(
        root.path(),
        &["-t", "1", "--access-log", log.to_str().unwrap()],
    );
    exchange_on(
        &server,
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nReferer: http://r/\"x\r\nUser-Agent: probe/1.0\r\n\r\n\
          HEAD /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n\
          GET /missing HTTP/1.1\r\nHost: t\r\n\r\n\
          GET /page.html HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\nRange: bytes=0-1\r\n\r\n",
        &[false, true, false, false],
    );
    exchange_on(&server, b"BREW / HTTP/1.1\r\nHost: t\r\n\r\n", &[false]);
    exchange_on(&server, b"GET /\x01 HTTP/1.1\r\n\r\n", &[false]);
    eventually("six lines are written", || {
        let got = lines(&log);
        (got.len() == 6).then_some(()).ok_or(format!("{got:#?}"))
    });
    let got = lines(&log);
    let date = regex_free_date(&got[0]);
    assert_eq!(
        got[0],
        format!(
            "127.0.0.1 - - [{date}] \"GET /hello.txt HTTP/1.1\" 200 13 \"http://r/\\x22x\" \"probe/1.0\""
        )
    );
    assert!(
        got[1].ends_with("\"HEAD /hello.txt HTTP/1.1\" 200 0 \"-\" \"-\""),
        "{}",
        got[1]
    );
    assert!(
        got[2].contains("\"GET /missing HTTP/1.1\" 404 "),
        "{}",
        got[2]
    );
    // A range is served from the identity form: two bytes.
    assert!(
        got[3].contains("\"GET /page.html HTTP/1.1\" 206 2 "),
        "{}",
        got[3]
    );
    assert!(got[4].contains("\"BREW / HTTP/1.1\" 501 "), "{}", got[4]);
    // A request that could not be parsed is logged too, with no request line.
    assert!(got[5].contains("] \"-\" 400 "), "{}", got[5]);
    assert!(server.stop().success());
}

/// The `[29/Nov/2026:04:45:09 +0000]` part of a line, checked for shape.
fn regex_free_date(line: &str) -> String {
    let start = line.find('[').unwrap() + 1;
    let end = line.find(']').unwrap();
    let date = &line[start..end];
    assert_eq!(date.len(), 26, "{date}");
    assert!(date.ends_with(" +0000"), "{date}");
    date.to_string()
}

#[test]
fn json_lines() {
    let root = root();
    let logs = TempDir::new("logs-json");
    let log = logs.path().join("access.json");
    let server = Server::start(
        root.path(),
        &[
            "--access-log",
            log.to_str().unwrap(),
            "--log-format",
            "json",
        ],
    );
    exchange_on(
        &server,
        b"GET /page.html HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\nUser-Agent: caf\xc3\xa9 \"q\"\r\n\r\n",
        &[false],
    );
    eventually("the line is written", || {
        (lines(&log).len() == 1)
            .then_some(())
            .ok_or(format!("{:?}", lines(&log)))
    });
    let line = &lines(&log)[0];
    assert!(line.starts_with("{\"time\":\""), "{line}");
    assert!(line.contains("\"remote\":\"127.0.0.1\",\"method\":\"GET\",\"target\":\"/page.html\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"bytes\":"), "{line}");
    assert!(
        line.ends_with("\"referer\":null,\"user_agent\":\"café \\\"q\\\"\"}"),
        "{line}"
    );
    assert!(server.stop().success());
}

#[test]
fn nothing_is_lost_at_sigterm() {
    let root = root();
    let logs = TempDir::new("logs-term");
    let log = logs.path().join("access.log");
    let server = Server::start(root.path(), &["--access-log", log.to_str().unwrap()]);
    let mut c = Conn::open(server.addr());
    let batch = get_req("/hello.txt").repeat(100);
    for _ in 0..10 {
        c.send(batch.as_bytes());
        for _ in 0..100 {
            c.read_response(false);
        }
    }
    drop(c);
    // Stopped at once: the last lines are at most a few ms old, not yet due.
    assert!(server.stop().success());
    let got = lines(&log);
    assert_eq!(got.len(), 1000);
    assert!(
        got.iter()
            .all(|l| l.contains("\"GET /hello.txt HTTP/1.1\" 200 13 "))
    );
}

/// staticd with `--access-log -` and `threads` workers, its stdout redirected to `out`.
fn logging_to_stdout(root: &TempDir, out: &Path, threads: &str) -> Server {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("exec \"$0\" \"$@\" >\"$OUT\"")
        .env("OUT", out)
        .arg(common::BIN)
        .args(["-l", "127.0.0.1:0", "-t", threads, "--access-log", "-"])
        .arg(root.path());
    Server::launch(cmd)
}

#[test]
fn dash_logs_to_stdout() {
    let root = root();
    let logs = TempDir::new("logs-stdout");
    let out = logs.path().join("stdout.txt");
    let server = logging_to_stdout(&root, &out, "1");
    assert_eq!(server.get("/hello.txt").status, 200);
    assert!(server.stop().success());
    let got = lines(&out);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("\"GET /hello.txt HTTP/1.1\" 200 13 "));
}

#[test]
fn a_log_that_cannot_be_opened_stops_start_up() {
    let root = root();
    let mut cmd = common::staticd();
    cmd.args([
        "--access-log",
        "/nonexistent-dir/access.log",
        "-l",
        "127.0.0.1:0",
    ])
    .arg(root.path());
    let out = common::run_to_end(cmd, std::time::Duration::from_secs(5));
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert_eq!(
        out.stderr.trim_end(),
        "staticd: --access-log '/nonexistent-dir/access.log': No such file or directory (os error 2)"
    );
}

#[test]
fn sigusr1_prints_counters() {
    let root = root();
    let server = Server::start(root.path(), &[]);
    exchange_on(
        &server,
        format!(
            "{}{}GET /page.html HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n",
            get_req("/hello.txt"),
            get_req("/hello.txt")
        )
        .as_bytes(),
        &[false, false, false],
    );
    let mut idle = Conn::open(server.addr());
    idle.send(get_req("/hello.txt").as_bytes());
    idle.read_response(false);
    let want = [
        "connections=1 ",
        "requests=4 ",
        "cache_hits=2 ",
        "cache_misses=2 ",
        "evictions=0 ",
        "compressed=1",
    ];
    // Workers publish after each batch of events: ask until the line is current.
    let line = server.stats_with(&want);
    let sent = stat(&line, "bytes_sent");
    assert!(sent > 13 * 2, "{line}");
    drop(idle);
    assert!(server.stop().success());
}

#[test]
fn sighup_reopens_the_log_after_a_rename() {
    let root = root();
    let logs = TempDir::new("logs-rotate");
    let log = logs.path().join("access.log");
    let rotated = logs.path().join("access.log.1");
    let server = Server::start(
        root.path(),
        &["-t", "1", "--access-log", log.to_str().unwrap()],
    );
    assert_eq!(server.get("/hello.txt?before").status, 200);
    eventually("the first line is written", || {
        (lines(&log).len() == 1)
            .then_some(())
            .ok_or(format!("{:?}", lines(&log)))
    });
    std::fs::rename(&log, &rotated).unwrap();
    let ok = Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    eventually("the log is reopened", || {
        let err = server.stderr();
        err.contains("SIGHUP: access log reopened")
            .then_some(())
            .ok_or(err)
    });
    assert_eq!(server.get("/hello.txt?after").status, 200);
    eventually("the next line goes to a new file", || {
        (lines(&log).len() == 1)
            .then_some(())
            .ok_or(format!("{:?}", lines(&log)))
    });
    assert!(lines(&rotated)[0].contains("/hello.txt?before"));
    assert!(lines(&log)[0].contains("/hello.txt?after"));
    assert_eq!(lines(&rotated).len(), 1);
    assert!(server.stop().success());
}

/// The long query that makes every stall-test line about 1.6 KB, so a few
/// hundred requests fill a pipe and the log's queue behind it.
fn padding() -> String {
    "x".repeat(1500)
}

/// Whether `line` is the whole line of `GET /hello.txt?<digits or tag>-<padding>`.
fn whole_stall_line(line: &str) -> bool {
    let tail = format!("-{} HTTP/1.1\" 200 13 \"-\" \"-\"", padding());
    let Some(rest) = line.strip_prefix("127.0.0.1 - - [") else {
        return false;
    };
    let Some((_, request)) = rest.split_once("] \"GET /hello.txt?") else {
        return false;
    };
    request
        .strip_suffix(&tail)
        .is_some_and(|tag| !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// staticd with `--access-log -` into a FIFO the test reads only when it
/// wants to, and the FIFO's read end (non-blocking).
fn server_logging_to_a_pipe(root: &TempDir, dir: &TempDir) -> (Server, std::fs::File) {
    use std::os::unix::fs::OpenOptionsExt;
    let fifo = dir.path().join("stdout");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // O_NONBLOCK (x86_64): opening needs no writer, reading never waits.
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(0o4000)
        .open(&fifo)
        .unwrap();
    (logging_to_stdout(root, &fifo, "2"), reader)
}

/// Sends `rounds` batches of 20 padded requests on each of 8 connections
/// (spread over both workers) and returns the slowest batch's round trip.
fn requests_while_stalled(server: &Server, rounds: usize) -> std::time::Duration {
    let mut conns: Vec<Conn> = (0..8).map(|_| Conn::open(server.addr())).collect();
    let mut slowest = std::time::Duration::ZERO;
    let mut n = 0;
    for _ in 0..rounds {
        for c in &mut conns {
            let batch: String = (0..20)
                .map(|_| {
                    n += 1;
                    get_req(&format!("/hello.txt?{n}-{}", padding()))
                })
                .collect();
            let started = std::time::Instant::now();
            c.send(batch.as_bytes());
            for _ in 0..20 {
                assert_eq!(c.read_response(false).status, 200);
            }
            slowest = slowest.max(started.elapsed());
        }
    }
    slowest
}

/// Sends SIGUSR1: the server prints its stats line.
fn ask_for_stats(server: &Server) {
    let ok = Command::new("kill")
        .args(["-USR1", &server.pid().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// The number after `name=` in a stats line.
fn stat(line: &str, name: &str) -> u64 {
    line.split(&format!(" {name}="))
        .nth(1)
        .unwrap_or_else(|| panic!("no {name} in {line:?}"))
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// `log_dropped` from a stats line asked for afresh.
fn log_dropped(server: &Server) -> u64 {
    let before = server.stderr().matches("stats: ").count();
    ask_for_stats(server);
    let mut line = String::new();
    eventually("a stats line", || {
        let err = server.stderr();
        line = err
            .lines()
            .filter(|l| l.contains("stats: "))
            .nth(before)
            .unwrap_or("")
            .to_string();
        (!line.is_empty()).then_some(()).ok_or(err)
    });
    stat(&line, "log_dropped")
}

#[test]
fn a_stalled_log_reader_neither_stalls_nor_spins_the_workers() {
    let _measuring = common::measuring();
    use std::io::Read;
    use std::time::{Duration, Instant};
    let root = root();
    let dir = TempDir::new("logs-stall");
    let (server, mut reader) = server_logging_to_a_pipe(&root, &dir);
    // About 5 MB of lines into a 64 KiB pipe nobody reads.
    let slowest = requests_while_stalled(&server, 20);
    eprintln!("slowest batch of 20 requests while the log is stalled: {slowest:?}");
    assert!(slowest < Duration::from_secs(2), "{slowest:?}");

    // Still stalled: the server answers at once and burns no CPU.
    let ticks_before = cpu_ticks(server.pid());
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut idle = 0;
    while started.elapsed() < Duration::from_millis(1500) {
        idle += 1;
        let asked = Instant::now();
        let r = server.get(&format!("/hello.txt?idle-{}", padding()));
        assert_eq!(r.status, 200);
        slowest = slowest.max(asked.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    let ticks = cpu_ticks(server.pid()) - ticks_before;
    eprintln!(
        "over {:?} of stall: {ticks} CPU ticks, slowest request {slowest:?}",
        started.elapsed()
    );
    assert!(ticks <= 30, "{ticks} ticks of CPU in 1.5 s");
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");

    let dropped = log_dropped(&server);
    assert!(dropped > 0, "log_dropped={dropped}");
    let reports = |err: &str| err.lines().filter(|l| l.contains("dropping lines")).count();
    eventually("one line says lines are dropped", || {
        let err = server.stderr();
        (reports(&err) == 1).then_some(()).ok_or(err)
    });

    // The reader comes back: lines flow again, all of them whole.
    let mut out = Vec::new();
    let mut chunk = vec![0; 1 << 16];
    let mut drain = |out: &mut Vec<u8>| loop {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("reading the pipe: {e}"),
        }
    };
    drain(&mut out);
    let markers: Vec<String> = (0..20).map(|i| format!("after{i}")).collect();
    for m in &markers {
        let r = server.get(&format!("/hello.txt?{m}-{}", padding()));
        assert_eq!(r.status, 200);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        drain(&mut out);
        let text = String::from_utf8_lossy(&out);
        let complete = text.ends_with('\n');
        if complete && markers.iter().all(|m| text.contains(&format!("?{m}-x"))) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "lines did not flow again; {} bytes read",
            out.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let torn: Vec<&&str> = lines.iter().filter(|l| !whole_stall_line(l)).collect();
    assert!(
        torn.is_empty(),
        "{} of {} lines torn, first: {:?}",
        torn.len(),
        lines.len(),
        torn[0].chars().take(200).collect::<String>()
    );
    // Every request answered was either written or counted as dropped.
    let dropped = log_dropped(&server);
    let answered = 8 * 20 * 20 + idle + markers.len() as u64;
    assert_eq!(lines.len() as u64 + dropped, answered, "{dropped} dropped");
    assert_eq!(reports(&server.stderr()), 1, "{}", server.stderr());
    assert!(server.stop().success());
}

#[test]
fn a_stalled_log_reader_does_not_hold_up_the_stop() {
    let _measuring = common::measuring();
    use std::time::{Duration, Instant};
    let root = root();
    let dir = TempDir::new("logs-stall-stop");
    let (mut server, _reader) = server_logging_to_a_pipe(&root, &dir);
    requests_while_stalled(&server, 5);
    let asked = Instant::now();
    server.term();
    // The grace period is 10 s; the log gets about a second of no progress.
    let status = server.wait_exit(Duration::from_secs(8));
    let took = asked.elapsed();
    eprintln!("stop with a stalled log reader took {took:?}");
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?} after {took:?}"
    );
}
