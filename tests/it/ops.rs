//! Operating staticd behind a load balancer: `--health` answered from
//! memory and turning 503 at SIGTERM, `--drain` serving on before the
//! graceful stop (cut short by a second signal), `--probe` checking the
//! health path, and `--metrics` scraped in the Prometheus text format,
//! checked line by line here and by Prometheus' own Python parser.

use crate::common;

use common::{Conn, Response, Server, TempDir, get_req, head_req, probe, run_to_end, staticd};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long a state the server is heading for may take to show on a slow,
/// loaded machine.
const SETTLE: Duration = Duration::from_secs(10);

/// Polls `check` until it gives a value, failing after [`SETTLE`] with
/// its last complaint.
fn until<T>(what: &str, mut check: impl FnMut() -> Result<T, String>) -> T {
    let start = Instant::now();
    loop {
        match check() {
            Ok(v) => return v,
            Err(e) if start.elapsed() > SETTLE => panic!("{what}: {e}"),
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// A root with the usual site and a file where the health path points,
/// which the health path must not serve.
fn site(tag: &str) -> TempDir {
    let root = common::site(tag);
    root.file("healthz", "from disk\n");
    root
}

/// Fails unless `r` is the health answer `status` with `body`.
fn assert_health(r: &Response, status: u16, body: &str) {
    assert_eq!(r.status, status, "{:?}", String::from_utf8_lossy(&r.head));
    assert_eq!(r.header("Cache-Control"), Some("no-store"));
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.content_length(), Some(body.len()));
    assert_eq!(String::from_utf8_lossy(&r.body), body);
}

#[test]
fn health_is_200_then_503_through_the_drain_while_files_are_still_served() {
    let root = site("health-drain");
    let log = root.path().join("access.log");
    let log_arg = log.to_str().unwrap();
    let args = [
        "--health",
        "/healthz",
        "--drain",
        "6",
        "--access-log",
        log_arg,
    ];
    let mut server = Server::start(root.path(), &args);
    // From memory, whatever ROOT holds; HEAD gets the head alone.
    assert_health(&server.get("/healthz"), 200, "ok\n");
    assert_health(&server.get("/healthz?verbose"), 200, "ok\n");
    let head = server.exchange(head_req("/healthz").as_bytes());
    assert_eq!(head.status, 200);
    assert_eq!(head.header("Cache-Control"), Some("no-store"));
    assert_eq!(head.content_length(), Some(3));
    assert!(head.body.is_empty());
    // Other paths are files as before; other methods are refused as before.
    assert_eq!(server.get("/healthz/").status, 404);
    let post = common::request_with("POST", "/healthz", &[("Content-Length", "0")]);
    assert_eq!(server.exchange(post.as_bytes()).status, 405);
    assert_eq!(server.get("/hello.txt").body, common::HELLO.as_bytes());

    // A keep-alive connection opened before the signal, used during the drain.
    let mut kept = server.connect();
    assert_health(&common::ask(&mut kept, &get_req("/healthz")), 200, "ok\n");

    let termed = Instant::now();
    server.term();
    until("health turning 503 after SIGTERM", || {
        let r = server.get("/healthz");
        (r.status == 503).then_some(()).ok_or(r.status.to_string())
    });
    // Draining: new connections are still accepted and served, and the
    // health path says 503 on every connection.
    assert_health(&server.get("/healthz"), 503, "stopping\n");
    assert_health(
        &common::ask(&mut kept, &get_req("/healthz")),
        503,
        "stopping\n",
    );
    let during = server.get("/hello.txt");
    assert_eq!(during.status, 200);
    assert_eq!(during.body, common::HELLO.as_bytes());
    assert_eq!(
        common::ask(&mut kept, &get_req("/hello.txt")).body,
        common::HELLO.as_bytes()
    );
    assert!(
        termed.elapsed() < Duration::from_secs(6),
        "too slow to see the drain: {:?}",
        termed.elapsed()
    );
    let status = server
        .wait_exit(Duration::from_secs(6 + 12))
        .expect("staticd exits after the drain and the graceful stop");
    let took = termed.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(took >= Duration::from_secs(6), "stopped after {took:?}");
    let err = server.stderr();
    assert!(err.contains("SIGTERM: draining for 6 s"), "{err}");

    // Every request but the health path's is in the log.
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        text.matches("\"GET /hello.txt HTTP/1.1\" 200").count(),
        3,
        "{text}"
    );
    assert!(text.contains("\"POST /healthz HTTP/1.1\" 405"), "{text}");
    assert!(text.contains("\"GET /healthz/ HTTP/1.1\" 404"), "{text}");
    assert!(!text.contains("\"GET /healthz HTTP"), "{text}");
    assert!(!text.contains("\"GET /healthz?"), "{text}");
    assert!(!text.contains("\"HEAD /healthz"), "{text}");
}

#[test]
fn a_second_signal_cuts_the_drain_short() {
    for second in ["TERM", "INT"] {
        let root = site("health-cut");
        let mut server = Server::start(root.path(), &["--health", "/healthz", "--drain", "600"]);
        let termed = Instant::now();
        server.term();
        until("health turning 503 after SIGTERM", || {
            let r = server.get("/healthz");
            (r.status == 503).then_some(()).ok_or(r.status.to_string())
        });
        assert_eq!(server.get("/hello.txt").status, 200);
        common::signal(server.pid(), second);
        let status = server
            .wait_exit(SETTLE)
            .unwrap_or_else(|| panic!("SIG{second} did not end the 600 s drain"));
        assert!(status.success(), "SIG{second}: {status:?}");
        assert!(termed.elapsed() < SETTLE + Duration::from_secs(5));
    }
}

#[test]
fn probe_checks_the_health_path_when_there_is_one() {
    // No index.html: a probe of / would see 404.
    let root = TempDir::new("health-probe");
    root.file("a.txt", "a");
    let mut server = Server::start(root.path(), &["--health", "/healthz", "--drain", "600"]);
    let listen = server.addr().to_string();
    let (code, line) = probe(&["-l", &listen]);
    assert_eq!(code, Some(1), "{line}");
    assert!(line.contains("404"), "{line}");
    let (code, line) = probe(&["-l", &listen, "--health", "/healthz"]);
    assert_eq!(code, Some(0), "{line}");
    assert!(
        line.contains(&format!("http://{listen}/healthz: HTTP/1.1 200 OK")),
        "{line}"
    );
    // The probe takes the variable too, as the server does.
    let mut cmd = staticd();
    cmd.args(["--probe", "-l", &listen])
        .env("STATICD_HEALTH", "/healthz");
    assert_eq!(
        run_to_end(cmd, Duration::from_secs(10)).status.code(),
        Some(0)
    );
    server.term();
    let line = until("the probe failing during the drain", || {
        let (code, line) = probe(&["-l", &listen, "--health", "/healthz"]);
        (code == Some(1)).then_some(line.clone()).ok_or(line)
    });
    assert!(line.contains("unhealthy: HTTP/1.1 503"), "{line}");
    common::signal(server.pid(), "INT");
    assert!(server.wait_exit(SETTLE).expect("exit").success());
}

// ---- --metrics ----

/// The metrics address from the start-up line's `metrics on http://ADDR/metrics`.
fn metrics_addr(server: &Server) -> SocketAddr {
    let line = server.announce();
    let rest = line
        .rsplit_once("metrics on http://")
        .unwrap_or_else(|| panic!("no metrics address in {line:?}"))
        .1;
    rest.strip_suffix("/metrics")
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("no metrics address in {line:?}"))
}

/// One request to the metrics listener on a fresh connection, read to the
/// server's close.
fn scrape_raw(addr: SocketAddr, request: &str) -> Response {
    let mut c = Conn::open(addr);
    c.send(request.as_bytes());
    let raw = c.read_to_eof();
    if request.starts_with("HEAD ") {
        let end = common::find(&raw, b"\r\n\r\n").expect("a head");
        assert_eq!(end + 4, raw.len(), "HEAD got a body");
        return Response::from_head(raw);
    }
    Response::parse(&raw)
}

/// Scrapes `/metrics` and parses it strictly; every series and its value.
fn scrape(addr: SocketAddr) -> BTreeMap<String, u64> {
    let r = scrape_raw(addr, &get_req("/metrics"));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("Content-Type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = String::from_utf8(r.body).expect("UTF-8");
    parse_exposition(&text)
}

/// The text exposition format, checked strictly: every line a `# HELP` or
/// `# TYPE` of the family whose samples follow (HELP, then TYPE, each once,
/// before any sample), or a sample `name{labels} value` of that family;
/// metric and label names well formed, label values quoted, no series
/// twice, the text ending in a newline.
fn parse_exposition(text: &str) -> BTreeMap<String, u64> {
    let name_ok = |n: &str| {
        !n.is_empty()
            && !n.starts_with(|c: char| c.is_ascii_digit())
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    assert!(text.ends_with('\n'), "{text:?}");
    let mut families: Vec<(String, Option<String>)> = Vec::new();
    let mut series = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect(line);
            assert!(name_ok(name) && !help.trim().is_empty(), "{line}");
            assert!(
                families.iter().all(|(n, _)| n != name),
                "family {name} declared twice"
            );
            families.push((name.to_string(), None));
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect(line);
            let last = families.last_mut().expect("TYPE after HELP");
            assert_eq!(last.0, name, "TYPE of another family than HELP: {line}");
            assert!(last.1.is_none(), "TYPE twice: {line}");
            assert!(kind == "counter" || kind == "gauge", "{line}");
            assert_eq!(kind == "counter", name.ends_with("_total"), "{line}");
            last.1 = Some(kind.to_string());
        } else {
            assert!(!line.starts_with('#') && !line.is_empty(), "{line:?}");
            let (key, value) = line.rsplit_once(' ').expect(line);
            let (name, labels) = match key.split_once('{') {
                Some((name, labels)) => (name, labels.strip_suffix('}').expect(line)),
                None => (key, ""),
            };
            let family = families.last().expect("a sample before any HELP");
            assert_eq!(family.0, name, "sample outside its family: {line}");
            assert!(family.1.is_some(), "sample before TYPE: {line}");
            for label in labels.split(',').filter(|l| !l.is_empty()) {
                let (k, v) = label.split_once('=').expect(line);
                assert!(name_ok(k) && !k.starts_with("__"), "{line}");
                assert!(
                    v.len() >= 2 && v.starts_with('"') && v.ends_with('"'),
                    "{line}"
                );
                assert!(!v[1..v.len() - 1].contains(['"', '\\', '\n']), "{line}");
            }
            let value: u64 = value
                .parse()
                .unwrap_or_else(|_| panic!("not a whole number: {line}"));
            assert!(
                series.insert(key.to_string(), value).is_none(),
                "{key} twice"
            );
        }
    }
    for (name, kind) in &families {
        assert!(kind.is_some(), "{name} has no TYPE");
        assert!(
            series.keys().any(|k| k.split('{').next() == Some(name)),
            "{name} has no sample"
        );
    }
    series
}

/// What Prometheus' own parser (the Python client's) reads in `text`:
/// every sample as `name{labels} value`, labels in name order.
fn prometheus_reads(text: &str) -> BTreeMap<String, u64> {
    const SCRIPT: &str = "import sys\n\
        from prometheus_client.parser import text_string_to_metric_families\n\
        for f in text_string_to_metric_families(sys.stdin.read()):\n\
        \x20   for s in f.samples:\n\
        \x20       labels = ','.join('%s=\"%s\"' % kv for kv in sorted(s.labels.items()))\n\
        \x20       print('%s%s %d' % (s.name, '{%s}' % labels if labels else '', s.value))\n";
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (.ci/run installs it with prometheus_client)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client rejects the exposition (or is missing: \
         pip install prometheus_client, as .ci/run does): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (k.to_string(), v.parse().unwrap())
        })
        .collect()
}

/// The change of every counter between two scrapes.
fn rise(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>, key: &str) -> u64 {
    after[key] - before[key]
}

#[test]
fn metrics_rise_by_exactly_what_was_served() {
    let root = common::site("metrics");
    let log = root.path().join("access.log");
    let args = [
        "--metrics",
        "127.0.0.1:0",
        "--access-log",
        log.to_str().unwrap(),
    ];
    let server = Server::start(root.path(), &args);
    let metrics = metrics_addr(&server);
    assert_ne!(metrics.port(), server.port());
    let before = scrape(metrics);
    for key in [
        "staticd_requests_total",
        "staticd_responses_total{class=\"1xx\"}",
        "staticd_responses_total{class=\"2xx\"}",
        "staticd_responses_total{class=\"3xx\"}",
        "staticd_responses_total{class=\"4xx\"}",
        "staticd_responses_total{class=\"5xx\"}",
        "staticd_bytes_sent_total",
        "staticd_cache_hits_total",
        "staticd_cache_misses_total",
        "staticd_cache_evictions_total",
        "staticd_cache_entries",
        "staticd_cache_bytes",
        "staticd_connections_open",
        "staticd_connections_accepted_total",
        "staticd_compressed_responses_total",
        "staticd_access_log_dropped_lines_total",
    ] {
        assert!(before.contains_key(key), "{key} missing: {before:?}");
    }
    let version = format!(
        "staticd_build_info{{version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(before.get(&version), Some(&1), "{before:?}");
    assert_eq!(before["staticd_requests_total"], 0);

    // 20 hits on one keep-alive connection, 3 misses and a redirect on
    // their own, and /metrics on the public port: a path like any other.
    let mut received = 0;
    let mut c = server.connect();
    for _ in 0..20 {
        let r = common::ask(&mut c, &get_req("/hello.txt"));
        assert_eq!(r.status, 200);
        received += r.head.len() + r.body.len();
    }
    drop(c);
    for path in ["/missing", "/metrics", "/nope/", "/sub"] {
        let r = server.get(path);
        assert_eq!(r.status, if path == "/sub" { 301 } else { 404 }, "{path}");
        received += r.head.len() + r.body.len();
    }
    let sent = 24;
    let after = until("the counters of 24 requests", || {
        let now = scrape(metrics);
        let n = rise(&before, &now, "staticd_requests_total");
        (n >= sent).then_some(now).ok_or(format!("{n} requests"))
    });
    assert_eq!(rise(&before, &after, "staticd_requests_total"), sent);
    let class = |c: &str| {
        rise(
            &before,
            &after,
            &format!("staticd_responses_total{{class=\"{c}\"}}"),
        )
    };
    assert_eq!(
        [
            class("1xx"),
            class("2xx"),
            class("3xx"),
            class("4xx"),
            class("5xx")
        ],
        [0, 20, 1, 3, 0]
    );
    assert_eq!(
        rise(&before, &after, "staticd_connections_accepted_total"),
        5
    );
    assert_eq!(
        rise(&before, &after, "staticd_bytes_sent_total"),
        received as u64
    );
    assert!(rise(&before, &after, "staticd_cache_hits_total") >= 19);
    assert!(rise(&before, &after, "staticd_cache_misses_total") >= 1);
    assert!(after["staticd_cache_entries"] >= 2);
    assert!(after["staticd_cache_bytes"] > 0);
    // Scrapes are not requests: the count stays where it is.
    thread::sleep(Duration::from_millis(100));
    let again = scrape(metrics);
    assert_eq!(
        again["staticd_requests_total"],
        after["staticd_requests_total"]
    );

    // Prometheus' parser reads the same samples.
    let text = String::from_utf8(scrape_raw(metrics, &get_req("/metrics")).body).unwrap();
    assert_eq!(prometheus_reads(&text), parse_exposition(&text));

    // HEAD, other paths and other methods on the metrics port.
    let head = scrape_raw(metrics, &head_req("/metrics"));
    assert_eq!(head.status, 200);
    assert!(head.content_length().unwrap() > 1000);
    assert_eq!(scrape_raw(metrics, &get_req("/")).status, 404);
    let post = common::request_with("POST", "/metrics", &[("Content-Length", "0")]);
    assert_eq!(scrape_raw(metrics, &post).status, 405);
    assert!(server.stop().success());
}

#[test]
fn a_stalled_scrape_client_blocks_neither_scrapes_nor_the_cache() {
    let root = common::site("metrics-stall");
    let server = Server::start(root.path(), &["--metrics", "127.0.0.1:0"]);
    let metrics = metrics_addr(&server);
    // More silent or half-sent clients than are heard at once.
    let mut stalled = Vec::new();
    for i in 0..12 {
        let mut s = TcpStream::connect(metrics).unwrap();
        if i % 2 == 1 {
            s.write_all(b"GET /metrics HTTP/1.1\r\nHo").unwrap();
        }
        stalled.push(s);
    }
    let start = Instant::now();
    let got = scrape(metrics);
    assert!(got.contains_key("staticd_requests_total"));
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "a scrape waited {:?} behind stalled clients",
        start.elapsed()
    );
    // The control thread still applies inotify's news to the cache.
    assert_eq!(server.get("/hello.txt").body, common::HELLO.as_bytes());
    root.file("hello.txt", "changed\n");
    until("the change on disk served", || {
        let body = server.get("/hello.txt").body;
        (body == b"changed\n")
            .then_some(())
            .ok_or(format!("{body:?}"))
    });
    // A stalled client is dropped after its time.
    let mut s = TcpStream::connect(metrics).unwrap();
    s.set_read_timeout(Some(SETTLE)).unwrap();
    let waited = Instant::now();
    let mut buf = [0u8; 16];
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "a silent client got {:?}", &buf[..n]);
    assert!(waited.elapsed() < SETTLE);
    assert!(server.stop().success());
}

#[test]
fn a_metrics_address_in_use_is_one_line_and_exit_2() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let root = common::site("metrics-inuse");
    let mut cmd = staticd();
    cmd.args(["-l", "127.0.0.1:0", "--metrics", &addr.to_string()])
        .arg(root.path());
    let out = run_to_end(cmd, Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!("staticd: --metrics {addr}: Address already in use (os error 98)\n")
    );
    // The public port and the metrics port cannot be one.
    let free = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().to_string();
    drop(free);
    let mut cmd = staticd();
    cmd.args(["-l", &port, "--metrics", &port]).arg(root.path());
    let out = run_to_end(cmd, Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("--metrics"), "{}", out.stderr);
}
