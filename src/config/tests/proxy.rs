//! `--real-ip-from` and `--cors`: lists that add up, their variables, and their errors.

use super::*;
use crate::http::cors::Policy;

fn cidrs(list: &[&str]) -> Vec<Cidr> {
    list.iter()
        .map(|s| Cidr::parse(s.as_bytes()).unwrap())
        .collect()
}

#[test]
fn real_ip_from_adds_up() {
    assert!(serve(&[], &[]).real_ip_from.is_empty());
    let c = serve(
        &[
            "--real-ip-from",
            "10.0.0.0/8",
            "--real-ip-from=fd00::/8, 192.0.2.1",
        ],
        &[],
    );
    assert_eq!(
        c.real_ip_from,
        cidrs(&["10.0.0.0/8", "fd00::/8", "192.0.2.1"])
    );
    let c = serve(&[], &["STATICD_REAL_IP_FROM=10.0.0.0/8,::1"]);
    assert_eq!(c.real_ip_from, cidrs(&["10.0.0.0/8", "::1"]));
    let c = serve(
        &["--real-ip-from", "127.0.0.1"],
        &["STATICD_REAL_IP_FROM=10.0.0.0/8"],
    );
    assert_eq!(
        c.real_ip_from,
        cidrs(&["127.0.0.1"]),
        "the flag replaces the variable"
    );
}

#[test]
fn real_ip_from_errors() {
    assert_eq!(
        fail(&["--real-ip-from", "10.0.0/8"], &[]),
        "--real-ip-from: '10.0.0/8' is not an IP address range like 10.0.0.0/8, fd00::/8 or 192.0.2.1"
    );
    assert_eq!(
        fail(&["--real-ip-from", "10.0.0.1/8"], &[]),
        "--real-ip-from: '10.0.0.1/8' has bits set past its prefix: 10.0.0.0/8?"
    );
    assert_eq!(
        fail(&[], &["STATICD_REAL_IP_FROM=10.0.0.0/8,,::1"]),
        "STATICD_REAL_IP_FROM: '10.0.0.0/8,,::1': empty entry in list"
    );
    for bad in ["localhost", "10.0.0.0/33", "[::1]", "*", "10.0.0.0/8 ::1"] {
        let e = fail(&["--real-ip-from", bad], &[]);
        assert!(e.starts_with("--real-ip-from: "), "{e}");
    }
    assert_eq!(
        fail(&["--real-ip-from="], &[]),
        "--real-ip-from: empty value"
    );
}

#[test]
fn cors_adds_up() {
    assert_eq!(serve(&[], &[]).cors, Policy::Off);
    assert_eq!(serve(&["--cors", "*"], &[]).cors, Policy::Any);
    let c = serve(
        &[
            "--cors",
            "https://a.example",
            "--cors=http://localhost:3000,https://b.example",
        ],
        &[],
    );
    let want =
        Policy::Origins(b"https://a.example http://localhost:3000 https://b.example".to_vec());
    assert_eq!(c.cors, want);
    assert_eq!(
        serve(
            &[],
            &["STATICD_CORS=https://a.example, http://localhost:3000,https://b.example"]
        )
        .cors,
        want
    );
    assert_eq!(
        serve(&["--cors", "*"], &["STATICD_CORS=https://a.example"]).cors,
        Policy::Any
    );
}

#[test]
fn cors_errors() {
    assert_eq!(
        fail(&["--cors", "https://a.example/"], &[]),
        "--cors: 'https://a.example/': not an origin like https://example.com or http://localhost:3000 (scheme://host[:port], no path)"
    );
    assert_eq!(
        fail(&["--cors", "*", "--cors", "https://a.example"], &[]),
        "--cors: 'https://a.example': '*' allows every origin: give it alone"
    );
    assert_eq!(
        fail(&[], &["STATICD_CORS=https://a.example,*"]),
        "STATICD_CORS: '*': '*' allows every origin: give it alone"
    );
    assert!(fail(&["--cors", "null"], &[]).starts_with("--cors: 'null': not an origin"));
    assert_eq!(
        fail(&["--cors", ","], &[]),
        "--cors: ',': empty entry in list"
    );
}
