//! Running in a container behind an ingress: the client address proxies forward
//! (`--real-ip-from`), CORS (`--cors`), and the cache budget taken from the cgroup
//! memory limit.

use crate::common;

use common::{Conn, Response, Server, TempDir, ask, eventually, request_with};
use std::path::Path;

fn log_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The access log lines written for `requests`, sent on one connection to a one-worker
/// server with `extra` options.
fn logged(extra: &[&str], requests: &[&str]) -> Vec<String> {
    let root = common::site("container-realip");
    let logs = TempDir::new("container-realip-log");
    let log = logs.path().join("access.log");
    let mut args = vec!["-t", "1", "--access-log", log.to_str().unwrap()];
    args.extend_from_slice(extra);
    let server = Server::start(root.path(), &args);
    let mut c = server.connect();
    for req in requests {
        assert_eq!(ask(&mut c, req).status, 200, "{req:?}");
    }
    eventually("a line per request", || {
        let got = log_lines(&log);
        (got.len() == requests.len())
            .then_some(())
            .ok_or(format!("{got:#?}"))
    });
    log_lines(&log)
}

/// The client field (up to the first space) of each line [`logged`] returns.
fn logged_clients(extra: &[&str], requests: &[&str]) -> Vec<String> {
    logged(extra, requests)
        .iter()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect()
}

fn get(fields: &[(&str, &str)]) -> String {
    request_with("GET", "/hello.txt", fields)
}

/// Requests as a proxy sends them, and the client each names.
fn forwarded() -> Vec<(String, &'static str)> {
    let xff = |v| get(&[("X-Forwarded-For", v)]);
    vec![
        (xff("203.0.113.7"), "203.0.113.7"),
        // The rightmost address that is not a trusted proxy.
        (xff("198.51.100.1, 203.0.113.8, 10.1.2.3"), "203.0.113.8"),
        (xff("[2001:db8::7]:443"), "2001:db8::7"),
        (xff("::ffff:203.0.113.9"), "203.0.113.9"),
        // Several lines are one list.
        (
            get(&[
                ("X-Forwarded-For", "198.51.100.9"),
                ("X-Real-IP", "192.0.2.1"),
                ("X-Forwarded-For", "10.0.0.2"),
            ]),
            "198.51.100.9",
        ),
        (get(&[("X-Real-IP", "2001:db8::5")]), "2001:db8::5"),
        // Malformed: the proxy itself.
        (xff("unknown"), "127.0.0.1"),
        (xff("203.0.113.7 198.51.100.1"), "127.0.0.1"),
        (get(&[("X-Real-IP", "example.com")]), "127.0.0.1"),
        (get(&[]), "127.0.0.1"),
    ]
}

#[test]
fn a_trusted_proxy_names_the_client() {
    let cases = forwarded();
    let requests: Vec<&str> = cases.iter().map(|(r, _)| r.as_str()).collect();
    let want: Vec<&str> = cases.iter().map(|(_, w)| *w).collect();
    let got = logged_clients(&["--real-ip-from", "10.0.0.0/8,127.0.0.1"], &requests);
    assert_eq!(got, want);
}

#[test]
fn json_lines_name_the_forwarded_client_too() {
    let req = get(&[("X-Forwarded-For", "2001:db8::1")]);
    let got = logged(
        &["--log-format", "json", "--real-ip-from", "127.0.0.0/8"],
        &[&req],
    );
    assert!(got[0].contains("\"remote\":\"2001:db8::1\""), "{got:?}");
}

#[test]
fn an_untrusted_peer_is_logged_as_itself() {
    let cases = forwarded();
    let requests: Vec<&str> = cases.iter().map(|(r, _)| r.as_str()).collect();
    let everyone_is_the_peer = vec!["127.0.0.1"; requests.len()];
    // Trust elsewhere, and no trust at all.
    let elsewhere = logged_clients(&["--real-ip-from", "10.0.0.0/8,::1"], &requests);
    assert_eq!(elsewhere, everyone_is_the_peer);
    assert_eq!(logged_clients(&[], &requests), everyone_is_the_peer);
}

#[test]
fn a_range_that_does_not_parse_stops_start_up() {
    for (args, env, want) in [
        (
            &["--real-ip-from", "10.0.0/8"][..],
            &[][..],
            "staticd: --real-ip-from: '10.0.0/8' is not an IP address range like 10.0.0.0/8, fd00::/8 or 192.0.2.1\n",
        ),
        (
            &[],
            &[("STATICD_REAL_IP_FROM", "10.0.0.1/8")],
            "staticd: STATICD_REAL_IP_FROM: '10.0.0.1/8' has bits set past its prefix: 10.0.0.0/8?\n",
        ),
        (
            &["--cors", "https://app.example/"],
            &[],
            "staticd: --cors: 'https://app.example/': not an origin like https://example.com or http://localhost:3000 (scheme://host[:port], no path)\n",
        ),
    ] {
        let mut cmd = common::staticd();
        cmd.args(args).envs(env.iter().copied());
        let out = common::run_to_end(cmd, std::time::Duration::from_secs(10));
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}");
        assert!(out.stderr.ends_with(want), "{:?}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{:?}", out.stderr);
    }
}

// ---- CORS ----------------------------------------------------------------------------

const APP: &str = "https://app.example";

/// A site with a file that has compressed variants, so its head says `Vary: Accept-Encoding`.
fn cors_site(tag: &str) -> TempDir {
    let root = common::site(tag);
    root.file("app.js", "console.log('staticd');\n".repeat(100));
    root
}

fn vary(r: &Response) -> Vec<&str> {
    r.header_all("vary")
}

/// How many times the `Vary` lines name `Origin`.
fn origin_varies(r: &Response) -> usize {
    vary(r)
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|t| t.trim().eq_ignore_ascii_case("origin"))
        .count()
}

#[test]
fn an_allowed_origin_may_read_every_response() {
    let root = cors_site("container-cors");
    let server = Server::start(
        root.path(),
        &["--cors", "http://localhost:3000", "--cors", APP],
    );
    let mut c = server.connect();
    let from_app = |path: &str, more: &[(&str, &str)]| {
        let mut fields = vec![("Origin", APP)];
        fields.extend_from_slice(more);
        request_with("GET", path, &fields)
    };
    // Twice: the second is a cache hit, whose prebuilt head gets the lines per response.
    for _ in 0..2 {
        let r = ask(&mut c, &from_app("/hello.txt", &[]));
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), Some(APP));
        assert_eq!(origin_varies(&r), 1);
        assert_eq!(r.body, common::HELLO.as_bytes());
    }
    // A compressed variant and the identity form: one Vary line for each.
    for coding in ["gzip", "identity"] {
        let r = ask(&mut c, &from_app("/app.js", &[("Accept-Encoding", coding)]));
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), Some(APP));
        assert_eq!(vary(&r), ["Accept-Encoding", "Origin"], "{coding}");
    }
    let etag = ask(&mut c, &from_app("/hello.txt", &[]))
        .header("etag")
        .unwrap()
        .to_string();
    for (path, more, status) in [
        ("/hello.txt", vec![("If-None-Match", etag.as_str())], 304),
        ("/hello.txt", vec![("Range", "bytes=0-4")], 206),
        ("/missing", vec![], 404),
        ("/sub", vec![], 301),
    ] {
        let r = ask(&mut c, &from_app(path, &more));
        assert_eq!(r.status, status, "{path}");
        assert_eq!(r.header("access-control-allow-origin"), Some(APP), "{path}");
        assert_eq!(origin_varies(&r), 1, "{path}");
    }
    // The origin as the browser spelt it, and the other allowed origin.
    let r = ask(&mut c, &get(&[("Origin", "http://LOCALHOST:3000")]));
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://LOCALHOST:3000")
    );
    // Another origin, or none: no permission, but still Vary, so caches keep them apart.
    for fields in [vec![("Origin", "https://evil.example")], vec![]] {
        let r = ask(&mut c, &get(&fields));
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), None, "{fields:?}");
        assert_eq!(origin_varies(&r), 1, "{fields:?}");
    }
}

#[test]
fn a_preflight_from_an_allowed_origin_gets_204() {
    let root = cors_site("container-preflight");
    let server = Server::start(root.path(), &["--cors", APP]);
    let mut c = server.connect();
    let preflight = |origin: &str, method: &str, headers: Option<&str>| {
        let mut fields = vec![
            ("Origin", origin),
            ("Access-Control-Request-Method", method),
        ];
        if let Some(h) = headers {
            fields.push(("Access-Control-Request-Headers", h));
        }
        request_with("OPTIONS", "/app.js", &fields)
    };
    let r = ask(
        &mut c,
        &preflight(APP, "GET", Some("x-requested-with,content-type")),
    );
    assert_eq!(r.status, 204, "{:?}", String::from_utf8_lossy(&r.head));
    assert_eq!(r.header("access-control-allow-origin"), Some(APP));
    assert_eq!(r.header("access-control-allow-methods"), Some("GET, HEAD"));
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("x-requested-with, content-type")
    );
    assert_eq!(r.header("access-control-max-age"), Some("7200"));
    assert_eq!(vary(&r), ["Origin"]);
    assert_eq!(r.body, b"");
    assert_eq!(r.header("content-length"), None);
    let r = ask(&mut c, &preflight(APP, "HEAD", None));
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-headers"), None);
    // The connection goes on after a preflight.
    assert_eq!(ask(&mut c, &get(&[("Origin", APP)])).status, 200);
    // Not a preflight staticd says yes to: the usual 405.
    for req in [
        preflight(APP, "POST", None),
        preflight("https://evil.example", "GET", None),
        preflight(APP, "GET", Some("bad header")),
        request_with("OPTIONS", "/app.js", &[("Origin", APP)]),
    ] {
        let r = ask(&mut c, &req);
        assert_eq!(r.status, 405, "{req:?}");
        assert_eq!(r.header("allow"), Some("GET, HEAD"));
        assert_eq!(r.header("access-control-allow-methods"), None);
    }
}

#[test]
fn star_allows_every_origin_without_vary() {
    let root = cors_site("container-cors-star");
    let mut cmd = common::staticd();
    cmd.args(["-l", "127.0.0.1:0", "-t", "1"])
        .env("STATICD_CORS", "*")
        .arg(root.path());
    let server = Server::launch(cmd);
    let mut c = server.connect();
    for fields in [vec![("Origin", "https://any.example")], vec![]] {
        for _ in 0..2 {
            let r = ask(&mut c, &request_with("GET", "/app.js", &fields));
            assert_eq!(r.header("access-control-allow-origin"), Some("*"));
            assert_eq!(vary(&r), ["Accept-Encoding"]);
        }
    }
    let r = ask(
        &mut c,
        &request_with(
            "OPTIONS",
            "/",
            &[
                ("Origin", "https://any.example"),
                ("Access-Control-Request-Method", "GET"),
            ],
        ),
    );
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(vary(&r), Vec::<&str>::new());
}

#[test]
fn without_cors_options_is_405_and_nothing_is_allowed() {
    let root = cors_site("container-nocors");
    let server = Server::start(root.path(), &[]);
    let mut c: Conn = server.connect();
    let r = ask(
        &mut c,
        &request_with(
            "OPTIONS",
            "/app.js",
            &[("Origin", APP), ("Access-Control-Request-Method", "GET")],
        ),
    );
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    assert_eq!(r.header("access-control-allow-origin"), None);
    let r = ask(&mut c, &get(&[("Origin", APP)]));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(origin_varies(&r), 0);
}

// ---- the cache budget from the cgroup memory limit -----------------------------------

/// A fake cgroup file system holding `limit` as this process's memory limit, in the
/// v2 form and, when /proc/self/cgroup names a v1 memory hierarchy, the v1 form too.
/// A server started from this process is in the same cgroup.
fn fake_cgroup(tag: &str, limit: &str) -> TempDir {
    let fake = TempDir::new(tag);
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    for line in own.lines() {
        let mut parts = line.splitn(3, ':');
        let (id, controllers, path) = (
            parts.next().unwrap(),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        let rel = path.trim_start_matches('/');
        if controllers.split(',').any(|c| c == "memory") {
            fake.dir(&format!("memory/{rel}"));
            fake.file(
                &format!("memory/{rel}/memory.limit_in_bytes"),
                format!("{limit}\n"),
            );
        } else if id == "0" && controllers.is_empty() {
            if !rel.is_empty() {
                fake.dir(rel);
            }
            fake.file(&format!("{rel}/memory.max"), format!("{limit}\n"));
        }
    }
    fake
}

/// Starts a one-worker server whose files up to 1 MiB are kept mapped, under the fake
/// cgroup tree `fake`, with `extra` options.
fn start_in(fake: &TempDir, root: &Path, extra: &[&str]) -> Server {
    let mut cmd = common::staticd();
    cmd.args([
        "-l",
        "127.0.0.1:0",
        "-t",
        "1",
        "--cache-max-file-size",
        "1M",
    ])
    .args(extra)
    .env("STATICD_CGROUP_ROOT", fake.path())
    .arg(root);
    Server::launch(cmd)
}

/// A site of four 400 KiB files.
fn big_files(tag: &str) -> TempDir {
    let root = common::site(tag);
    for i in 0..4 {
        root.file(&format!("f{i}.bin"), vec![b'a' + i; 400 << 10]);
    }
    root
}

/// Fetches the four files, then the first again, and returns the stats line once
/// it counts them all.
fn fill(server: &Server) -> String {
    let mut c = server.connect();
    for i in [0, 1, 2, 3, 0] {
        let r = ask(&mut c, &common::get_req(&format!("/f{i}.bin")));
        assert_eq!((r.status, r.body.len()), (200, 400 << 10));
    }
    server.stats_with(&["requests=5 "])
}

/// The number after `name=` in a stats line.
fn stat(line: &str, name: &str) -> u64 {
    line.split(' ')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} in {line:?}"))
        .parse()
        .unwrap()
}

#[test]
fn a_cgroup_memory_limit_sizes_the_default_cache() {
    let root = big_files("container-cgroup");
    // 4 MiB of memory: a 1 MiB cache, which two of the files fill.
    let fake = fake_cgroup("container-cgroup-fs", "4194304");
    let server = start_in(&fake, root.path(), &[]);
    assert!(
        server
            .announce()
            .ends_with(" with 1 worker, cache budget 1M (a quarter of the cgroup memory limit)"),
        "{}",
        server.announce()
    );
    let stats = fill(&server);
    assert!(stat(&stats, "evictions") >= 2, "{stats}");
    assert!(stat(&stats, "cache_bytes") <= 1 << 20, "{stats}");
    assert!(
        stat(&stats, "cache_misses") >= 5,
        "the first file was evicted: {stats}"
    );
}

#[test]
fn no_limit_a_big_limit_or_the_flag_keep_the_cache_as_it_was() {
    let root = big_files("container-nocgroup");
    for (limit, extra) in [
        ("max", &[][..]),
        ("9223372036854771712", &[][..]),
        ("1073741824", &[][..]),
        ("4194304", &["--cache-max-bytes", "64M"][..]),
    ] {
        let fake = fake_cgroup("container-nocgroup-fs", limit);
        let server = start_in(&fake, root.path(), extra);
        assert!(
            server.announce().ends_with(" with 1 worker"),
            "{limit} {extra:?}: {}",
            server.announce()
        );
        let stats = fill(&server);
        assert_eq!(stat(&stats, "evictions"), 0, "{limit} {extra:?}: {stats}");
        assert_eq!(stat(&stats, "cache_hits"), 1, "{limit} {extra:?}: {stats}");
    }
}
