//! The access log (`--access-log PATH|-`, `--log-format common|json`):
//! buffered per worker, written at most every 100 ms, nothing lost at SIGTERM;
//! and the SIGUSR1 counters line.

mod common;

use common::{Conn, Server, TempDir, eventually, get_req};
use std::path::Path;
use std::process::Command;

fn root() -> TempDir {
    let root = TempDir::new("logs");
    root.file("hello.txt", "Hello, World!");
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

#[test]
fn dash_logs_to_stdout() {
    let root = root();
    let logs = TempDir::new("logs-stdout");
    let out = logs.path().join("stdout.txt");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("exec \"$0\" \"$@\" >\"$OUT\"")
        .env("OUT", &out)
        .arg(common::BIN)
        .args(["-l", "127.0.0.1:0", "-t", "1", "--access-log", "-"])
        .arg(root.path());
    let server = Server::launch(cmd);
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
    eventually("a current stats line", || {
        let ok = Command::new("kill")
            .args(["-USR1", &server.pid().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let err = server.stderr();
        let line = err
            .lines()
            .rev()
            .find(|l| l.contains("stats: "))
            .unwrap_or("");
        want.iter()
            .all(|w| line.contains(w))
            .then_some(())
            .ok_or(line.to_string())
    });
    let err = server.stderr();
    let line = err.lines().rev().find(|l| l.contains("stats: ")).unwrap();
    let sent: u64 = line
        .split("bytes_sent=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
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
