//! The environment: fallbacks, what the command line overrides, variable errors, socket activation.

use super::*;

#[test]
fn env_fallbacks() {
    let c = serve(
        &[],
        &[
            "PATH=/bin",
            "STATICD_LISTEN=1.2.3.4:80, [::1]:81",
            "STATICD_THREADS=3",
            "STATICD_ROOT=/srv/www",
        ],
    );
    assert_eq!(c.listen, vec![sa("1.2.3.4:80"), sa("[::1]:81")]);
    assert_eq!(c.threads, Some(3));
    assert_eq!(c.root, b"/srv/www");
    assert_eq!(c.index, b"index.html");
    assert_eq!(c.grace_secs, 10);
}

#[test]
fn command_line_beats_env() {
    let env = [
        "STATICD_LISTEN=1.2.3.4:80,81",
        "STATICD_THREADS=3",
        "STATICD_ROOT=/env",
    ];
    let c = serve(&["-l", "90", "-t", "5", "/arg"], &env);
    assert_eq!(c.listen, vec![sa("0.0.0.0:90")]);
    assert_eq!(c.threads, Some(5));
    assert_eq!(c.root, b"/arg");
    // Only what the command line sets is overridden.
    let c = serve(&["-t", "5"], &env);
    assert_eq!(c.listen, vec![sa("1.2.3.4:80"), sa("0.0.0.0:81")]);
    assert_eq!(c.root, b"/env");
}

#[test]
fn overridden_env_is_not_checked() {
    let bad = [
        "STATICD_LISTEN=host:80",
        "STATICD_THREADS=x",
        "STATICD_ROOT=a\0",
    ];
    let c = serve(&["-l", "80", "-t", "2", "/srv"], &bad);
    assert_eq!(c.threads, Some(2));
    // `--listen` replaces the variable even when it lists an address the variable also has.
    assert_eq!(
        serve(&["-l", "80"], &["STATICD_LISTEN=80"]).listen,
        vec![sa("0.0.0.0:80")]
    );
}

#[test]
fn env_errors_name_the_variable() {
    assert_eq!(
        fail(&[], &["STATICD_THREADS=x"]),
        "STATICD_THREADS: 'x' is not a positive integer"
    );
    assert_eq!(
        fail(&[], &["STATICD_THREADS=0"]),
        "STATICD_THREADS: '0' is out of range (1 to 1024)"
    );
    assert_eq!(
        fail(&[], &["STATICD_LISTEN=localhost:80"]),
        "STATICD_LISTEN: 'localhost:80': hostnames are not supported, use an IP address"
    );
    assert_eq!(
        fail(&[], &["STATICD_ROOT=a\0b"]),
        "STATICD_ROOT: 'a\\x00b' contains a NUL byte"
    );
    assert_eq!(
        fail_bytes(&[], &[b"STATICD_THREADS=\x1b[31m"]),
        "STATICD_THREADS: '\\x1b[31m' is not a positive integer"
    );
}

#[test]
fn socket_activation_variables() {
    assert_eq!(serve(&[], &[]).listen_fds, None);
    assert_eq!(
        serve(&[], &["LISTEN_PID=42", "LISTEN_FDS=2"]).listen_fds,
        Some(ListenFds { pid: 42, count: 2 })
    );
    // systemd also sets LISTEN_FDNAMES; it is not needed.
    assert_eq!(
        serve(&[], &["LISTEN_FDNAMES=web", "LISTEN_FDS=1", "LISTEN_PID=7"]).listen_fds,
        Some(ListenFds { pid: 7, count: 1 })
    );
    assert_eq!(serve(&[], &["LISTEN_PID=", "LISTEN_FDS="]).listen_fds, None);
    for (env, want) in [
        (&["LISTEN_PID=1"][..], "LISTEN_PID: set without LISTEN_FDS"),
        (&["LISTEN_FDS=1"][..], "LISTEN_FDS: set without LISTEN_PID"),
        (
            &["LISTEN_PID=x", "LISTEN_FDS=1"][..],
            "LISTEN_PID: 'x' is not a process id",
        ),
        (
            &["LISTEN_PID=0", "LISTEN_FDS=1"][..],
            "LISTEN_PID: '0' is not a process id",
        ),
        (
            &["LISTEN_PID=99999999999", "LISTEN_FDS=1"][..],
            "LISTEN_PID: '99999999999' is not a process id",
        ),
        (
            &["LISTEN_PID=1", "LISTEN_FDS=0"][..],
            "LISTEN_FDS: '0' is not a count from 1 to 1024",
        ),
        (
            &["LISTEN_PID=1", "LISTEN_FDS=-1"][..],
            "LISTEN_FDS: '-1' is not a count from 1 to 1024",
        ),
        (
            &["LISTEN_PID=1", "LISTEN_FDS=1025"][..],
            "LISTEN_FDS: '1025' is not a count from 1 to 1024",
        ),
    ] {
        assert_eq!(fail(&[], env), want, "{env:?}");
    }
}

#[test]
fn command_line_errors_come_before_env_errors() {
    assert_eq!(
        fail(&["--bogus"], &["STATICD_THREADS=x"]),
        "--bogus: unknown option"
    );
}

#[test]
fn first_error_is_reported() {
    assert_eq!(
        fail(&["--bogus", "-t", "x", "a", "b"], &[]),
        "--bogus: unknown option"
    );
    assert_eq!(
        fail(&["-t", "x", "--bogus"], &[]),
        "--threads: 'x' is not a positive integer"
    );
}

#[test]
fn env_lookup_details() {
    // Empty counts as unset.
    assert_eq!(serve(&[], &["STATICD_THREADS="]).threads, None);
    assert_eq!(
        serve(&[], &["STATICD_LISTEN="]).listen,
        Config::default().listen
    );
    assert_eq!(serve(&[], &["STATICD_ROOT="]).root, b".");
    // The first of duplicates counts, as with getenv, even when empty.
    assert_eq!(
        serve(&[], &["STATICD_THREADS=2", "STATICD_THREADS=3"]).threads,
        Some(2)
    );
    assert_eq!(
        serve(&[], &["STATICD_THREADS=", "STATICD_THREADS=3"]).threads,
        None
    );
    // Names match exactly.
    for e in [
        "STATICD_THREADSX=5",
        "XSTATICD_THREADS=5",
        "staticd_threads=5",
        "STATICD_THREADS",
        "STATICD_THREADS 5",
        "=5",
        "",
    ] {
        assert_eq!(serve(&[], &[e]).threads, None, "{e:?}");
    }
    // Only the first '=' separates the name.
    assert_eq!(serve(&[], &["STATICD_ROOT=a=b"]).root, b"a=b");
    // Options without a variable ignore look-alikes.
    let c = serve(
        &[],
        &["STATICD_INDEX=x/y", "STATICD_GRACE=x", "STATICD_HELP=1"],
    );
    assert_eq!(c, Config::default());
}
