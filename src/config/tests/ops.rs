//! `--health`, `--drain` and `--metrics`: values, variables and errors.

use super::*;

#[test]
fn health_paths() {
    assert_eq!(Config::default().health, None);
    for path in ["/healthz", "/-/ready", "/a/b", "/status/"] {
        assert_eq!(
            serve(&["--health", path], &[]).health.as_deref(),
            Some(path.as_bytes())
        );
    }
    let var = serve(&[], &["STATICD_HEALTH=/healthz"]);
    assert_eq!(var.health.as_deref(), Some(&b"/healthz"[..]));
    for bad in [
        "healthz",
        "/",
        "//healthz",
        "/a//b",
        "/a/../b",
        "/./a",
        "/.hidden",
        "/a?b",
        "/a#b",
        "/a%20b",
        "/a b",
        "/a\tb",
        "",
    ] {
        let e = fail(&["--health", bad], &[]);
        assert!(e.starts_with("--health: "), "{bad:?}: {e}");
        assert!(!e.contains('\n'), "{bad:?}: {e}");
        if !bad.is_empty() {
            assert!(
                e.contains("is not a URL path like /healthz"),
                "{bad:?}: {e}"
            );
        }
    }
    let e = fail(&[], &["STATICD_HEALTH=healthz"]);
    assert!(e.starts_with("STATICD_HEALTH: "), "{e}");
}

#[test]
fn drain_seconds() {
    assert_eq!(Config::default().drain_secs, 0);
    for n in ["0", "5", "86400"] {
        for args in spellings("drain", None, n) {
            assert_eq!(
                serve_owned(&args, &[]).drain_secs,
                n.parse::<u32>().unwrap()
            );
        }
    }
    assert_eq!(serve(&[], &["STATICD_DRAIN=7"]).drain_secs, 7);
    assert_eq!(serve(&["--drain", "3"], &["STATICD_DRAIN=7"]).drain_secs, 3);
    for (bad, why) in [
        ("x", "'x' is not a whole number of seconds"),
        ("1.5", "'1.5' is not a whole number of seconds"),
        ("86401", "'86401' is out of range (0 to 86400)"),
    ] {
        assert_eq!(fail(&["--drain", bad], &[]), format!("--drain: {why}"));
    }
}

#[test]
fn metrics_addresses() {
    assert_eq!(Config::default().metrics, None);
    for (arg, want) in [
        ("127.0.0.1:9090", "127.0.0.1:9090"),
        ("9090", "0.0.0.0:9090"),
        ("[::1]:0", "[::1]:0"),
    ] {
        assert_eq!(serve(&["--metrics", arg], &[]).metrics, Some(sa(want)));
    }
    let var = serve(&[], &["STATICD_METRICS=127.0.0.1:9100"]);
    assert_eq!(var.metrics, Some(sa("127.0.0.1:9100")));
    for (bad, why) in [
        ("localhost:9090", "hostnames are not supported"),
        ("1.2.3.4", "missing port"),
        ("1.2.3.4:1,1.2.3.4:2", "one address only"),
        ("1.2.3.4:99999", "port must be a number"),
    ] {
        let e = fail(&["--metrics", bad], &[]);
        assert!(
            e.starts_with("--metrics: ") && e.contains(why),
            "{bad}: {e}"
        );
    }
}
