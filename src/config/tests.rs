//! Unit tests of the command line and environment, through `parse` as `main` calls it.

use super::*;
use crate::testing::Rng;
use std::string::ToString;

mod env;
mod help;
mod listen;
mod mime;
mod ops;
mod proxy;

fn parse_with(args: &[&[u8]], env: &[&[u8]]) -> Result<Command, Error> {
    parse(args, env)
}

fn run(args: &[&str], env: &[&str]) -> Result<Command, Error> {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    let env: Vec<&[u8]> = env.iter().map(|e| e.as_bytes()).collect();
    parse_with(&args, &env)
}

fn serve(args: &[&str], env: &[&str]) -> Config {
    match run(args, env) {
        Ok(Command::Serve(c)) => *c,
        other => panic!("{args:?} {env:?}: expected Serve, got {other:?}"),
    }
}

fn fail(args: &[&str], env: &[&str]) -> String {
    match run(args, env) {
        Err(e) => crate::text!(e),
        other => panic!("{args:?} {env:?}: expected an error, got {other:?}"),
    }
}

fn fail_bytes(args: &[&[u8]], env: &[&[u8]]) -> String {
    match parse_with(args, env) {
        Err(e) => crate::text!(e),
        other => panic!("{args:?}: expected an error, got {other:?}"),
    }
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// Every way to write `--NAME VALUE`, for an option with a short `-S` (if any).
fn spellings(long: &str, short: Option<char>, value: &str) -> Vec<Vec<String>> {
    let mut v = vec![
        vec![format!("--{long}"), value.to_string()],
        vec![format!("--{long}={value}")],
    ];
    if let Some(s) = short {
        v.push(vec![format!("-{s}"), value.to_string()]);
        if !value.is_empty() {
            // `-t` with nothing attached takes the next argument instead.
            v.push(vec![format!("-{s}{value}")]);
        }
        v.push(vec![format!("-{s}={value}")]);
    }
    v
}

fn serve_owned(args: &[String], env: &[&str]) -> Config {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    serve(&args, env)
}

fn fail_owned(args: &[String], env: &[&str]) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fail(&args, env)
}

// ---- defaults ----

#[test]
fn defaults() {
    let c = serve(&[], &[]);
    assert_eq!(c, Config::default());
    assert_eq!(c.root, b".");
    assert_eq!(c.listen, vec![sa("0.0.0.0:8080")]);
    assert_eq!(c.threads, None);
    assert_eq!(c.index, b"index.html");
    assert_eq!(c.grace_secs, 10);
}

#[test]
fn cache_options() {
    let c = serve_owned(&[], &[]);
    assert_eq!(
        (
            c.cache_max_file_size,
            c.cache_max_bytes,
            c.cache_max_entries,
            c.cache_ttl_ms
        ),
        (16384, None, 4096, 1000)
    );
    let args: Vec<String> = [
        "--cache-max-file-size=64K",
        "--cache-max-bytes",
        "1g",
        "--cache-max-entries=10",
        "--cache-ttl",
        "0.25",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let c = serve_owned(&args, &[]);
    assert_eq!(
        (
            c.cache_max_file_size,
            c.cache_max_bytes,
            c.cache_max_entries,
            c.cache_ttl_ms
        ),
        (65536, Some(1 << 30), 10, 250)
    );
    assert_eq!(parse_size(b"0"), Ok(0));
    assert_eq!(parse_size(b"12"), Ok(12));
    assert_eq!(parse_size(b"2M"), Ok(2 << 20));
    assert_eq!(parse_size(b"1024G"), Ok(1 << 40));
    // At the edge of 1T in every unit, and a number too big for any shift.
    assert_eq!(parse_size(b"1073741824k"), Ok(1 << 40));
    assert_eq!(parse_size(b"1048576m"), Ok(1 << 40));
    assert_eq!(parse_size(b"1099511627776"), Ok(1 << 40));
    for over in [
        &b"1073741825K"[..],
        b"1048577M",
        b"1099511627777",
        b"18446744073709551615G",
    ] {
        assert_eq!(
            parse_size(over),
            Err(text!(q(over), " is out of range (at most 1T)")),
        );
    }
    for bad in [
        &b""[..],
        b"K",
        b"1.5M",
        b"-1",
        b"1KB",
        b"1T",
        b"1025G",
        b" 1",
        b"99999999999999999999",
    ] {
        assert!(parse_size(bad).is_err(), "{bad:?}");
    }
    assert_eq!(parse_millis(b"1"), Ok(1000));
    assert_eq!(parse_millis(b"0"), Ok(0));
    assert_eq!(parse_millis(b"0.5"), Ok(500));
    assert_eq!(parse_millis(b"2.125"), Ok(2125));
    assert_eq!(parse_millis(b"86400"), Ok(86_400_000));
    // Decimals with leading zeros are thousandths all the same.
    assert_eq!(parse_millis(b"1.05"), Ok(1050));
    assert_eq!(parse_millis(b"0.007"), Ok(7));
    assert_eq!(parse_millis(b"0.000"), Ok(0));
    assert_eq!(
        parse_millis(b"1.2.3"),
        Err("'1.2.3' is not a number of seconds (e.g. 1 or 0.25)".into())
    );
    assert_eq!(
        parse_millis(b"86400.001"),
        Err("'86400.001' is out of range (0 to 86400)".into())
    );
    for bad in [
        &b""[..],
        b".",
        b"1.",
        b".5",
        b"0.1234",
        b"1e3",
        b"-1",
        b"86400.001",
        b"1,5",
    ] {
        assert!(parse_millis(bad).is_err(), "{bad:?}");
    }
    assert_eq!(parse_level(b"1"), Ok(1));
    assert_eq!(parse_level(b"9"), Ok(9));
    for bad in [&b"0"[..], b"10", b"", b"x", b"-1"] {
        assert!(parse_level(bad).is_err(), "{bad:?}");
    }
    let c = serve(
        &[
            "--no-compress",
            "--compress-level",
            "1",
            "--compress-max-size=2M",
        ],
        &[],
    );
    assert_eq!(
        (c.no_compress, c.compress_level, c.compress_max_size),
        (true, 1, 2 << 20)
    );
    let c = serve(&[], &[]);
    assert_eq!(
        (c.no_compress, c.compress_level, c.compress_max_size),
        (false, 6, 1 << 20)
    );
    let c = serve(
        &[
            "--header-timeout",
            "2.5",
            "--keepalive-timeout=1",
            "--send-timeout",
            "0.1",
            "--max-connections",
            "5",
        ],
        &[],
    );
    assert_eq!(
        (
            c.header_timeout_ms,
            c.keepalive_timeout_ms,
            c.send_timeout_ms,
            c.max_connections
        ),
        (2500, 1000, 100, 5)
    );
    let c = serve(&[], &[]);
    assert_eq!(
        (
            c.header_timeout_ms,
            c.keepalive_timeout_ms,
            c.send_timeout_ms,
            c.max_connections
        ),
        (10_000, 15_000, 30_000, 10_000)
    );
    assert!(parse_timeout(b"0").is_err());
    assert!(parse_timeout(b"0.000").is_err());
    assert_eq!(parse_timeout(b"0.001"), Ok(1));
    let c = serve(&["--user", "1000:1000", "--no-seccomp"], &[]);
    assert_eq!(
        (c.user.as_deref(), c.no_seccomp),
        (Some(&b"1000:1000"[..]), true)
    );
    let c = serve(&[], &[]);
    assert_eq!((c.user, c.no_seccomp), (None, false));
    for good in [&b"www-data"[..], b"65534", b"nobody:65534", b"a.b_c-d"] {
        assert!(check_user(good).is_ok(), "{good:?}");
    }
    for bad in [&b""[..], b":1", b"1:", b"1:x", b"a b", b"a/b", b"1:2:3"] {
        assert!(check_user(bad).is_err(), "{bad:?}");
    }
    let c = serve(
        &[
            "--cache-control",
            "public, max-age=3600",
            "--header",
            "Content-Security-Policy: default-src 'self'",
            "--header=X-Frame-Options: DENY",
            "--fallback",
            "/index.html",
            "--404",
            "/errors/404.html",
        ],
        &[],
    );
    assert_eq!(
        c.cache_control.as_deref(),
        Some(&b"public, max-age=3600"[..])
    );
    assert_eq!(
        c.headers,
        vec![
            b"Content-Security-Policy: default-src 'self'".to_vec(),
            b"X-Frame-Options: DENY".to_vec()
        ]
    );
    assert_eq!(c.fallback.as_deref(), Some(&b"/index.html"[..]));
    assert_eq!(c.not_found.as_deref(), Some(&b"/errors/404.html"[..]));
    for bad in [
        &b"no colon"[..],
        b": v",
        b"Bad Name: v",
        b"X:",
        b"X: a\r\nY: b",
        b"X: \x7f",
        b"Content-Length: 5",
        b"etag: x",
        b"X: a\nb",
    ] {
        assert!(check_header(bad).is_err(), "{bad:?}");
    }
    assert!(check_header(b"X-A:b").is_ok());
    for bad in [&b""[..], b" x", b"x ", b"a\rb", b"a\x00b", b"\xc3\xa9"] {
        assert!(check_field_value(bad).is_err(), "{bad:?}");
    }
    for bad in [
        &b"index.html"[..],
        b"/",
        b"/a/",
        b"/../x",
        b"/.env",
        b"/a//b",
        b"/a/./b",
        b"/a\x00",
    ] {
        assert!(check_site_path(bad).is_err(), "{bad:?}");
    }
    // Every header staticd sets itself is refused in any case, and only those names.
    for own in [
        "Content-Length",
        "transfer-encoding",
        "CONNECTION",
        "content-type",
        "content-encoding",
        "content-range",
        "etag",
        "Last-Modified",
        "date",
        "server",
        "vary",
        "accept-ranges",
        "location",
        "allow",
        "cache-control",
    ] {
        assert!(
            check_header(format!("{own}: x").as_bytes()).is_err(),
            "{own}"
        );
        for other in [format!("x-{own}"), format!("{own}s"), own[1..].to_string()] {
            assert!(
                check_header(format!("{other}: x").as_bytes()).is_ok(),
                "{other}"
            );
        }
    }
    let err = parse(&[b"--header", b"X: a\r\nSet-Cookie: x"], &[]).unwrap_err();
    assert_eq!(err.what(), "--header");
    let probe = |args: &[&[u8]]| match parse(args, &[]) {
        Ok(Command::Probe(url, c)) => (url, c.listen[0]),
        other => panic!("{other:?}"),
    };
    assert_eq!(probe(&[b"--probe"]), (None, Config::default().listen[0]));
    assert_eq!(
        probe(&[b"--probe", b"http://127.0.0.1:81/health"])
            .0
            .as_deref(),
        Some(&b"http://127.0.0.1:81/health"[..])
    );
    assert_eq!(
        probe(&[b"-l", b"127.0.0.1:9000", b"--probe"]).1.to_string(),
        "127.0.0.1:9000"
    );
    // Not a URL: it stays ROOT.
    assert!(
        matches!(parse(&[b"--probe", b"www"], &[]), Ok(Command::Probe(None, c)) if c.root == b"www")
    );
    assert_eq!(parse_count(b"1"), Ok(1));
    assert!(parse_count(b"0").is_err());
    assert!(parse_count(b"x").is_err());
    let err = parse(&[b"--cache-max-bytes", b"lots"], &[]).unwrap_err();
    assert_eq!(err.what(), "--cache-max-bytes");
}

#[test]
fn help_shows_the_real_defaults() {
    let d = Config::default();
    assert!(HELP.contains(&format!("[default: {}]", d.listen[0])));
    assert!(HELP.contains(&format!(
        "[default: {}]",
        core::str::from_utf8(&d.index).unwrap()
    )));
    assert!(HELP.contains(&format!("[default: {}]", d.grace_secs)));
    assert!(HELP.contains(&format!(
        "[default: {}]",
        core::str::from_utf8(&d.root).unwrap()
    )));
    assert!(HELP.contains("[default: one per CPU]"));
    assert!(HELP.contains(&format!("1 to {MAX_THREADS}")));
    assert!(HELP.contains(&format!("0 to {MAX_GRACE_SECS}")));
}

// ---- --threads ----

#[test]
fn threads_every_spelling() {
    for n in ["1", "4", "1024", "0007"] {
        for args in spellings("threads", Some('t'), n) {
            let want = n.parse::<usize>().unwrap();
            assert_eq!(serve_owned(&args, &[]).threads, Some(want), "{args:?}");
        }
    }
}

#[test]
fn threads_errors() {
    let cases: &[(&str, &str)] = &[
        ("abc", "'abc' is not a positive integer"),
        ("-1", "'-1' is not a positive integer"),
        ("+1", "'+1' is not a positive integer"),
        (" 1", "' 1' is not a positive integer"),
        ("1 ", "'1 ' is not a positive integer"),
        ("1.5", "'1.5' is not a positive integer"),
        ("4x", "'4x' is not a positive integer"),
        ("0x10", "'0x10' is not a positive integer"),
        ("0", "'0' is out of range (1 to 1024)"),
        ("000", "'000' is out of range (1 to 1024)"),
        ("1025", "'1025' is out of range (1 to 1024)"),
        ("4294967297", "'4294967297' is out of range (1 to 1024)"),
        (
            "99999999999999999999999999",
            "'99999999999999999999999999' is out of range (1 to 1024)",
        ),
        ("", "empty value"),
    ];
    for &(input, why) in cases {
        for args in spellings("threads", Some('t'), input) {
            assert_eq!(
                fail_owned(&args, &[]),
                format!("--threads: {why}"),
                "{args:?}"
            );
        }
        if !input.is_empty() {
            assert_eq!(
                fail(&[], &[&format!("STATICD_THREADS={input}")]),
                format!("STATICD_THREADS: {why}")
            );
        }
    }
}

#[test]
fn repeated_value_options_keep_the_last() {
    assert_eq!(serve(&["-t", "2", "--threads=3"], &[]).threads, Some(3));
    assert_eq!(serve(&["-t", "3", "-t", "2"], &[]).threads, Some(2));
    assert_eq!(serve(&["--index", "a", "--index", "b"], &[]).index, b"b");
    assert_eq!(serve(&["--grace", "5", "--grace=0"], &[]).grace_secs, 0);
}

#[test]
fn overridden_values_are_still_checked() {
    assert_eq!(
        fail(&["-t", "x", "-t", "2"], &[]),
        "--threads: 'x' is not a positive integer"
    );
    assert_eq!(
        fail(&["--grace", "-1", "--grace", "2"], &[]),
        "--grace: '-1' is not a whole number of seconds"
    );
}

// ---- --index ----

#[test]
fn index_every_spelling() {
    for name in [
        "index.htm",
        "default",
        ".hidden",
        "...",
        "a b",
        "-x",
        "ind\\ex",
    ] {
        for args in spellings("index", None, name) {
            assert_eq!(serve_owned(&args, &[]).index, name.as_bytes(), "{args:?}");
        }
    }
    assert_eq!(serve(&["--index", &"a".repeat(255)], &[]).index.len(), 255);
    let c = parse_with(&[b"--index", b"\xff\xfe.html"], &[]).unwrap();
    assert_eq!(
        c,
        Command::Serve(Box::new(Config {
            index: b"\xff\xfe.html".to_vec(),
            ..Config::default()
        }))
    );
}

#[test]
fn index_errors() {
    let long = "a".repeat(256);
    let long_shown = format!("'{}'...", "a".repeat(64));
    let cases: Vec<(&str, String)> = vec![
        ("", "empty value".into()),
        ("a/b", "'a/b' must be a plain file name".into()),
        ("/", "'/' must be a plain file name".into()),
        (
            "/index.html",
            "'/index.html' must be a plain file name".into(),
        ),
        (
            "index.html/",
            "'index.html/' must be a plain file name".into(),
        ),
        (".", "'.' must be a plain file name".into()),
        ("..", "'..' must be a plain file name".into()),
        ("a\0b", "'a\\x00b' contains a NUL byte".into()),
        (&long, format!("{long_shown} is longer than 255 bytes")),
    ];
    for (input, why) in &cases {
        for args in spellings("index", None, input) {
            assert_eq!(
                fail_owned(&args, &[]),
                format!("--index: {why}"),
                "{args:?}"
            );
        }
    }
}

// ---- --grace ----

#[test]
fn grace_every_spelling() {
    for n in ["0", "1", "30", "86400"] {
        for args in spellings("grace", None, n) {
            let want = n.parse::<u32>().unwrap();
            assert_eq!(serve_owned(&args, &[]).grace_secs, want, "{args:?}");
        }
    }
}

#[test]
fn grace_errors() {
    let cases: &[(&str, &str)] = &[
        ("x", "'x' is not a whole number of seconds"),
        ("-1", "'-1' is not a whole number of seconds"),
        ("1.5", "'1.5' is not a whole number of seconds"),
        ("10s", "'10s' is not a whole number of seconds"),
        ("86401", "'86401' is out of range (0 to 86400)"),
        ("4294967296", "'4294967296' is out of range (0 to 86400)"),
        ("", "empty value"),
    ];
    for &(input, why) in cases {
        for args in spellings("grace", None, input) {
            assert_eq!(
                fail_owned(&args, &[]),
                format!("--grace: {why}"),
                "{args:?}"
            );
        }
    }
}

// ---- missing values, unknown options, flags with values ----

#[test]
fn missing_values() {
    for (args, what) in [
        (&["-l"][..], "--listen"),
        (&["--listen"], "--listen"),
        (&["-t"], "--threads"),
        (&["--threads"], "--threads"),
        (&["--index"], "--index"),
        (&["--grace"], "--grace"),
        (&["/srv", "-t", "2", "-l"], "--listen"),
    ] {
        assert_eq!(
            fail(args, &[]),
            format!("{what}: missing value"),
            "{args:?}"
        );
    }
}

#[test]
fn value_is_taken_even_if_it_looks_like_an_option() {
    assert_eq!(serve(&["--index", "-h"], &[]).index, b"-h");
    assert_eq!(serve(&["--index", "--"], &[]).index, b"--");
    assert_eq!(
        fail(&["-l", "-h"], &[]),
        "--listen: '-h': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080"
    );
    assert_eq!(
        fail(&["-t", "--help"], &[]),
        "--threads: '--help' is not a positive integer"
    );
}

#[test]
fn unknown_options() {
    let cases: &[(&str, &str)] = &[
        ("--bogus", "--bogus: unknown option"),
        ("--bogus=1", "--bogus: unknown option"),
        ("--lis", "--lis: unknown option"),
        ("--LISTEN", "--LISTEN: unknown option"),
        ("--Help", "--Help: unknown option"),
        ("---listen", "---listen: unknown option"),
        ("--=x", "--: unknown option"),
        ("--listen\n", "--listen\\x0a: unknown option"),
        ("-x", "-x: unknown option"),
        ("-L", "-L: unknown option"),
        ("-H", "-H: unknown option"),
        ("-v", "-v: unknown option"),
        ("-T4", "-T: unknown option"),
        ("-=", "-=: unknown option"),
        ("-\u{7f}", "-\\x7f: unknown option"),
        ("-", "-: not an option; for a ROOT named '-', write -- -"),
    ];
    for &(arg, msg) in cases {
        assert_eq!(fail(&[arg], &[]), msg, "{arg:?}");
    }
    assert_eq!(fail_bytes(&[b"-\xff"], &[]), "-\\xff: unknown option");
    let long = format!("--{}", "x".repeat(100));
    assert_eq!(
        fail(&[&long], &[]),
        format!("--{}...: unknown option", "x".repeat(64))
    );
}

#[test]
fn flags_take_no_value() {
    assert_eq!(fail(&["--help=yes"], &[]), "--help: takes no value");
    assert_eq!(fail(&["--version="], &[]), "--version: takes no value");
}

#[test]
fn short_clusters() {
    // A value ends the cluster.
    assert_eq!(
        fail(&["-t4l80"], &[]),
        "--threads: '4l80' is not a positive integer"
    );
    assert_eq!(
        fail(&["-l80t4"], &[]),
        "--listen: '80t4': hostnames are not supported, use an IP address"
    );
    assert_eq!(fail(&["-xy"], &[]), "-x: unknown option");
    assert_eq!(fail(&["-t="], &[]), "--threads: empty value");
    assert_eq!(
        fail(&["-t==4"], &[]),
        "--threads: '=4' is not a positive integer"
    );
    assert_eq!(fail(&["-xt"], &[]), "-x: unknown option");
    assert_eq!(run(&["-hx"], &[]).unwrap(), Command::Help);
}

// ---- help and version ----

#[test]
fn help_and_version_every_spelling() {
    for a in ["-h", "--help"] {
        assert_eq!(run(&[a], &[]).unwrap(), Command::Help);
    }
    for a in ["-V", "--version"] {
        assert_eq!(run(&[a], &[]).unwrap(), Command::Version);
    }
}

#[test]
fn first_of_help_and_version_wins() {
    assert_eq!(run(&["-h", "-V"], &[]).unwrap(), Command::Help);
    assert_eq!(run(&["-V", "-h"], &[]).unwrap(), Command::Version);
    assert_eq!(
        run(&["--version", "--help"], &[]).unwrap(),
        Command::Version
    );
    assert_eq!(run(&["-hV"], &[]).unwrap(), Command::Help);
    assert_eq!(run(&["-Vh"], &[]).unwrap(), Command::Version);
}

#[test]
fn help_and_version_beat_everything_else() {
    let bad_env = [
        "STATICD_THREADS=x",
        "STATICD_LISTEN=host:1",
        "STATICD_ROOT=a\0",
    ];
    for (args, want) in [
        (&["-h", "/srv", "-t", "4"][..], Command::Help),
        (&["/srv", "-l", "80", "--help"], Command::Help),
        (&["--bogus", "-h"], Command::Help),
        (&["-t", "x", "--help"], Command::Help),
        (&["a", "b", "--version"], Command::Version),
        (&["-xh"], Command::Help),
        (&["-Vt4"], Command::Version),
        (&["-hl"], Command::Help),
        (&["-V", "--listen"], Command::Version),
        (&["--help", "--bogus"], Command::Help),
    ] {
        assert_eq!(run(args, &[]).unwrap(), want, "{args:?}");
        assert_eq!(run(args, &bad_env).unwrap(), want, "{args:?}");
    }
    // Without help, the first bad variable in option-table order is reported.
    assert_eq!(
        fail(&[], &bad_env),
        "STATICD_LISTEN: 'host:1': hostnames are not supported, use an IP address"
    );
}

#[test]
fn help_after_double_dash_is_a_root() {
    assert_eq!(serve(&["--", "-h"], &[]).root, b"-h");
    assert_eq!(serve(&["--", "--version"], &[]).root, b"--version");
}

// ---- ROOT ----

#[test]
fn root_positions() {
    assert_eq!(serve(&["/srv"], &[]).root, b"/srv");
    assert_eq!(serve(&["/srv", "-t", "2"], &[]).root, b"/srv");
    assert_eq!(serve(&["-t", "2", "/srv", "-l", "80"], &[]).root, b"/srv");
    assert_eq!(serve(&["--", "-dir"], &[]).root, b"-dir");
    assert_eq!(serve(&["--", "-"], &[]).root, b"-");
    assert_eq!(serve(&["--", "--"], &[]).root, b"--");
    assert_eq!(serve(&["-t", "2", "--"], &[]).root, b".");
    assert_eq!(serve(&["--", "a b"], &[]).root, b"a b");
    let c = parse_with(&[b"/srv/\xff\xfe"], &[]).unwrap();
    assert_eq!(
        c,
        Command::Serve(Box::new(Config {
            root: b"/srv/\xff\xfe".to_vec(),
            ..Config::default()
        }))
    );
    assert_eq!(serve(&[&"r".repeat(ROOT_MAX)], &[]).root.len(), ROOT_MAX);
}

#[test]
fn options_after_double_dash_are_roots() {
    assert_eq!(fail(&["--", "-t", "4"], &[]), "ROOT: more than one given");
}

#[test]
fn root_errors() {
    assert_eq!(fail(&["a", "b"], &[]), "ROOT: more than one given");
    assert_eq!(fail(&["a", "--", "b"], &[]), "ROOT: more than one given");
    assert_eq!(fail(&["--", "a", "b"], &[]), "ROOT: more than one given");
    assert_eq!(fail(&[""], &[]), "ROOT: empty value");
    assert_eq!(fail(&["--", ""], &[]), "ROOT: empty value");
    assert_eq!(fail(&["a\0b"], &[]), "ROOT: 'a\\x00b' contains a NUL byte");
    assert_eq!(
        fail(&[&"r".repeat(ROOT_MAX + 1)], &[]),
        format!("ROOT: '{}'... is longer than 4095 bytes", "r".repeat(64))
    );
    assert_eq!(fail(&["-dir"], &[]), "-d: unknown option");
}
#[test]
fn listing_and_access_log_options() {
    let c = serve(&[], &[]);
    assert_eq!((c.listing, c.access_log, c.log_json), (false, None, false));
    let c = serve(
        &["--listing", "--access-log", "-", "--log-format", "json"],
        &[],
    );
    assert_eq!(
        (c.listing, c.access_log.as_deref(), c.log_json),
        (true, Some(&b"-"[..]), true)
    );
    let c = serve(
        &[
            "--access-log=/var/log/a b.log",
            "--log-format=json",
            "--log-format",
            "common",
        ],
        &[],
    );
    assert_eq!(
        (c.access_log.as_deref(), c.log_json),
        (Some(&b"/var/log/a b.log"[..]), false)
    );
    assert_eq!(fail(&["--listing=yes"], &[]), "--listing: takes no value");
    assert_eq!(fail(&["--access-log"], &[]), "--access-log: missing value");
    assert_eq!(
        fail(&["--access-log", ""], &[]),
        "--access-log: empty value"
    );
    assert_eq!(
        fail(&["--access-log", "a\0b"], &[]),
        "--access-log: 'a\\x00b' contains a NUL byte"
    );
    assert_eq!(
        fail(&["--log-format", "xml"], &[]),
        "--log-format: 'xml' is not 'common' or 'json'"
    );
    assert_eq!(
        fail(&["--log-format", "JSON"], &[]),
        "--log-format: 'JSON' is not 'common' or 'json'"
    );
}

// ---- error formatting ----

#[test]
fn error_parts() {
    let e = run(&["--threads", "abc"], &[]).unwrap_err();
    assert_eq!(e.what(), "--threads");
    assert_eq!(e.why(), "'abc' is not a positive integer");
    assert_eq!(
        crate::text!(e),
        "--threads: 'abc' is not a positive integer"
    );
    let e = run(&["-t", "abc"], &[]).unwrap_err();
    assert_eq!(e.what(), "--threads");
}

#[test]
fn value_error_texts() {
    let long = "/".repeat(4096);
    let cases: &[(&[&str], &str)] = &[
        (
            &["--cache-max-bytes", "1.5M"],
            "--cache-max-bytes: '1.5M' is not a size (digits, optionally followed by K, M or G)",
        ),
        (
            &["--cache-max-file-size", "1025G"],
            "--cache-max-file-size: '1025G' is out of range (at most 1T)",
        ),
        (
            &["--cache-max-entries", "4294967296"],
            "--cache-max-entries: '4294967296' is out of range (1 to 4294967295)",
        ),
        (
            &["--max-connections", "x"],
            "--max-connections: 'x' is not a positive integer",
        ),
        (
            &["--compress-level", "10"],
            "--compress-level: '10' is out of range (1 to 9)",
        ),
        (
            &["--compress-level", "x"],
            "--compress-level: 'x' is not a level from 1 to 9",
        ),
        (
            &["--send-timeout", "0.000"],
            "--send-timeout: '0.000' must be more than 0",
        ),
        (
            &["--cache-ttl", "1."],
            "--cache-ttl: '1.' is not a number of seconds (e.g. 1 or 0.25)",
        ),
        (
            &["--cache-ttl", "86400.001"],
            "--cache-ttl: '86400.001' is out of range (0 to 86400)",
        ),
        (
            &["--drain", "86401"],
            "--drain: '86401' is out of range (0 to 86400)",
        ),
        (
            &["--user", "1:x"],
            "--user: '1:x' is not UID[:GID] or a user name",
        ),
        (
            &["--cache-control", " x"],
            "--cache-control: ' x' is not a valid header value",
        ),
        (
            &["--cache-control-for", "/a"],
            "--cache-control-for: '/a' is not 'PATTERN=VALUE'",
        ),
        (
            &["--cache-control-for", "a=b"],
            "--cache-control-for: 'a' is not a URL path pattern (/assets/**, /*.html, ...)",
        ),
        (&["--header", "X"], "--header: 'X' is not 'NAME: VALUE'"),
        (
            &["--header", "X Y: z"],
            "--header: 'X Y: z' has an invalid header name",
        ),
        (
            &["--header", "ETag: x"],
            "--header: 'ETag: x' is set by staticd itself (for Cache-Control use --cache-control)",
        ),
        (&["--header", "X: "], "--header: 'X: ' has an empty value"),
        (
            &["--fallback", "/a/"],
            "--fallback: '/a/' is not a file path under ROOT like /index.html",
        ),
        (
            &["--access-log", "a\0b"],
            "--access-log: 'a\\x00b' contains a NUL byte",
        ),
        (
            &["--tcp-congestion", "a b"],
            "--tcp-congestion: 'a b' is not a congestion control name",
        ),
        (
            &["--last-modified", "yes"],
            "--last-modified: 'yes' is not 'auto', 'on' or 'off'",
        ),
        (
            &["--default-type", "text"],
            "--default-type: 'text' is not a media type like text/plain or 'text/plain; charset=utf-8'",
        ),
        (&["--metrics", "1,2"], "--metrics: '1,2': one address only"),
        (
            &["--real-ip-from", "2001:db8::1/32"],
            "--real-ip-from: '2001:db8::1/32' has bits set past its prefix: 2001:db8::/32?",
        ),
        (&["--", "a\0b"], "ROOT: 'a\\x00b' contains a NUL byte"),
    ];
    for (args, want) in cases {
        assert_eq!(fail(args, &[]), *want, "{args:?}");
    }
    let shown = format!("'{}'...", "/".repeat(64));
    assert_eq!(
        fail(&["--access-log", &long], &[]),
        format!("--access-log: {shown} is longer than 4095 bytes")
    );
    assert_eq!(
        fail(&[&long], &[]),
        format!("ROOT: {shown} is longer than 4095 bytes")
    );
}

#[test]
fn values_are_escaped() {
    assert_eq!(
        fail(&["-t", "a\nb"], &[]),
        "--threads: 'a\\x0ab' is not a positive integer"
    );
    assert_eq!(
        fail(&["-t", "it's"], &[]),
        "--threads: 'it\\'s' is not a positive integer"
    );
    assert_eq!(
        fail(&["-t", "a\\b"], &[]),
        "--threads: 'a\\\\b' is not a positive integer"
    );
    assert_eq!(
        fail(&["-t", "\t\r\u{7f}"], &[]),
        "--threads: '\\x09\\x0d\\x7f' is not a positive integer"
    );
    assert_eq!(
        fail(&["-t", "\u{e9}"], &[]),
        "--threads: '\\xc3\\xa9' is not a positive integer"
    );
    assert_eq!(
        fail_bytes(&[b"-t", b"\xff\x00"], &[]),
        "--threads: '\\xff\\x00' is not a positive integer"
    );
}

#[test]
fn values_are_truncated() {
    let exact = "a".repeat(SHOW_MAX);
    assert_eq!(
        fail(&["-t", &exact], &[]),
        format!("--threads: '{exact}' is not a positive integer")
    );
    let long = "a".repeat(SHOW_MAX + 1);
    assert_eq!(
        fail(&["-t", &long], &[]),
        format!("--threads: '{exact}'... is not a positive integer")
    );
    let huge = "\n".repeat(100_000);
    let msg = fail(&["-t", &huge], &[]);
    assert_eq!(
        msg.len(),
        "--threads: ''... is not a positive integer".len() + 4 * SHOW_MAX
    );
}

#[test]
fn fuzz_never_panics_and_errors_are_one_short_line() {
    const PIECES: &[&[u8]] = &[
        b"-",
        b"--",
        b"-l",
        b"-t",
        b"-h",
        b"-V",
        b"--listen",
        b"--threads",
        b"--index",
        b"--grace",
        b"--help",
        b"--version",
        b"=",
        b":",
        b"[",
        b"]",
        b"::1",
        b"1.2.3.4",
        b"80",
        b"0",
        b",",
        b" ",
        b"\n",
        b"\0",
        b"\xff",
        b"/",
        b".",
        b"%",
        b"a",
        b"99999",
    ];
    let mut rng = Rng::new(0x5eed);
    let mut errors = 0;
    for _ in 0..20_000 {
        let nargs = rng.below(5);
        let mut args: Vec<Vec<u8>> = Vec::new();
        for _ in 0..nargs {
            let mut a = Vec::new();
            for _ in 0..rng.below(4) {
                a.extend_from_slice(rng.pick::<&[u8]>(PIECES));
            }
            args.push(a);
        }
        let mut env_var = b"STATICD_LISTEN=".to_vec();
        env_var.extend_from_slice(args.first().map_or(&b"80"[..], |a| a));
        let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        match parse(&refs, &[&env_var]) {
            Ok(Command::Serve(c)) => {
                assert!(!c.listen.is_empty());
                assert!(!c.root.is_empty() && !c.root.contains(&0));
                assert!(c.threads.is_none_or(|n| (1..=MAX_THREADS).contains(&n)));
                assert!(c.grace_secs <= MAX_GRACE_SECS);
            }
            Ok(_) => {}
            Err(e) => {
                errors += 1;
                let msg = crate::text!(e);
                assert!(msg.len() < 400, "{msg}");
                assert!(msg.bytes().all(|b| (b' '..=b'~').contains(&b)), "{msg:?}");
                assert!(!e.what().is_empty() && !e.why().is_empty());
            }
        }
    }
    assert!(
        errors > 1000,
        "the fuzz inputs should reach the error paths"
    );
}

#[test]
fn cache_control_rules_and_the_last_modified_policy() {
    let c = serve(
        &[
            "--cache-control-for",
            "/assets/**=public, max-age=31536000, immutable",
            "--cache-control-for",
            "/**/*.html=no-cache",
        ],
        &["STATICD_CACHE_CONTROL_FOR=/x=max-age=1"],
    );
    assert_eq!(
        c.cache_control_for,
        [
            (
                b"/assets/**".to_vec(),
                b"public, max-age=31536000, immutable".to_vec()
            ),
            (b"/**/*.html".to_vec(), b"no-cache".to_vec()),
        ]
    );
    // The variable, with one rule per line, when no flag is given.
    let c = serve(
        &[],
        &["STATICD_CACHE_CONTROL_FOR=/a/*=max-age=1\n/b=no-store"],
    );
    assert_eq!(
        c.cache_control_for,
        [
            (b"/a/*".to_vec(), b"max-age=1".to_vec()),
            (b"/b".to_vec(), b"no-store".to_vec())
        ]
    );
    // A VALUE may hold '=': only the first one splits.
    let c = serve(&["--cache-control-for", "/=max-age=60"], &[]);
    assert_eq!(
        c.cache_control_for,
        [(b"/".to_vec(), b"max-age=60".to_vec())]
    );
    for bad in [
        "",
        "no-equals",
        "assets/**=max-age=1",
        "=max-age=1",
        "/a b=max-age=1",
        "/a=",
        "/a= max-age=1",
        "/a=max-age=1\r",
        "/a=max\u{7f}age",
        "/ok=max-age=1\n",
    ] {
        let e = fail(&["--cache-control-for", bad], &[]);
        assert!(e.contains("--cache-control-for"), "{bad:?}: {e}");
        assert!(!e.contains('\n'), "{bad:?}: {e}");
    }
    use crate::http::conditional::LastModifiedPolicy as P;
    assert_eq!(Config::default().last_modified, P::Auto);
    for (arg, want) in [("auto", P::Auto), ("on", P::On), ("off", P::Off)] {
        assert_eq!(serve(&["--last-modified", arg], &[]).last_modified, want);
        let var = format!("STATICD_LAST_MODIFIED={arg}");
        assert_eq!(serve(&[], &[&var]).last_modified, want);
    }
    for bad in ["ON", "yes", "auto ", "1"] {
        let e = fail(&["--last-modified", bad], &[]);
        assert!(e.contains("'auto', 'on' or 'off'"), "{bad:?}: {e}");
    }
}

#[test]
fn tcp_congestion_is_off_unless_asked_and_takes_kernel_names() {
    assert_eq!(Config::default().tcp_congestion, None);
    for name in [
        "reno",
        "cubic",
        "bbr",
        "dctcp",
        "h-tcp_2",
        "fifteen_bytes_x",
    ] {
        let want = Some(name.as_bytes().to_vec());
        assert_eq!(serve(&["--tcp-congestion", name], &[]).tcp_congestion, want);
        let var = format!("STATICD_TCP_CONGESTION={name}");
        assert_eq!(serve(&[], &[&var]).tcp_congestion, want);
    }
    for bad in ["sixteen_bytes_xx", "re no", "reno\n", "cubic/2", "bbr\0"] {
        let e = fail(&["--tcp-congestion", bad], &[]);
        assert!(e.contains("--tcp-congestion"), "{bad:?}: {e}");
        assert!(e.contains("not a congestion control name"), "{bad:?}: {e}");
    }
}

#[test]
fn header_values_have_no_blank_edges_and_no_controls() {
    use super::values::check_field_value as check;
    for ok in ["x", "a b", "a\tb", "public, max-age=60", "a  \t b"] {
        assert!(check(ok.as_bytes()).is_ok(), "{ok:?}");
    }
    for bad in [
        "", " ", "\t", " x", "\tx", "x ", "x\t", " x ", "a\rb", "a\nb", "x\r", "\x0bx", "a\x7fb",
    ] {
        let why = check(bad.as_bytes()).expect_err(bad);
        assert!(
            why.ends_with("' is not a valid header value"),
            "{bad:?}: {why}"
        );
    }
}
