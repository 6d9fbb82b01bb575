//! `staticd --probe [URL]`, the health check for images without curl:
//! exit 0 on 2xx/3xx, 1 on anything else (error status, refused, silent
//! server after 2 s), 2 on a bad URL; one line of output each time.

use crate::common;

use common::{Server, probe};
use std::net::TcpListener;
use std::time::{Duration, Instant};

#[test]
fn healthy_unhealthy_and_unreachable() {
    let root = common::site("probe");
    let server = Server::start(root.path(), &[]);
    let base = format!("http://{}", server.addr());
    let (code, line) = probe(&[&format!("{base}/")]);
    assert_eq!(code, Some(0), "{line}");
    assert!(line.contains("200 OK"), "{line}");
    // A redirect is healthy too; a 404 is not.
    assert_eq!(probe(&[&format!("{base}/sub")]).0, Some(0));
    assert_eq!(probe(&[&format!("{base}/missing")]).0, Some(1));
    // The default target is the first --listen address.
    assert_eq!(probe(&["-l", &server.addr().to_string()]).0, Some(0));
    assert!(server.stop().success());
    // Nobody listens there any more.
    let (code, line) = probe(&[&format!("{base}/")]);
    assert_eq!(code, Some(1), "{line}");
    assert!(line.contains("refused"), "{line}");
}

#[test]
fn a_silent_server_fails_after_two_seconds() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", silent.local_addr().unwrap());
    let started = Instant::now();
    let (code, line) = probe(&[&url]);
    let took = started.elapsed();
    assert_eq!(code, Some(1), "{line}");
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(4),
        "took {took:?}"
    );
    assert!(line.contains("timed out"), "{line}");
}

#[test]
fn bad_urls_are_usage_errors() {
    for url in [
        "https://127.0.0.1/",
        "http://localhost/",
        "http://127.0.0.1:99999/",
    ] {
        assert_eq!(probe(&[url]).0, Some(2), "{url}");
    }
}
