//! `--listen` and `STATICD_LISTEN`: every spelling, address form, list, duplicate and error.

use super::*;

#[test]
fn listen_every_spelling() {
    for addr in ["1.2.3.4:80", "[::1]:8080", "[::]:80"] {
        for args in spellings("listen", Some('l'), addr) {
            assert_eq!(serve_owned(&args, &[]).listen, vec![sa(addr)], "{args:?}");
        }
    }
}

#[test]
fn listen_accepted_forms() {
    let cases: &[(&str, &str)] = &[
        ("1.2.3.4:80", "1.2.3.4:80"),
        ("127.0.0.1:8080", "127.0.0.1:8080"),
        ("0.0.0.0:0", "0.0.0.0:0"),
        ("255.255.255.255:65535", "255.255.255.255:65535"),
        ("1.2.3.4:080", "1.2.3.4:80"),
        ("[::1]:80", "[::1]:80"),
        ("[::]:80", "[::]:80"),
        ("[::]:0", "[::]:0"),
        ("[2001:db8::1]:443", "[2001:db8::1]:443"),
        ("[::ffff:1.2.3.4]:80", "[::ffff:1.2.3.4]:80"),
        ("[fe80::1]:80", "[fe80::1]:80"),
        ("8080", "0.0.0.0:8080"),
        (":8080", "0.0.0.0:8080"),
        ("0", "0.0.0.0:0"),
        (":0", "0.0.0.0:0"),
        ("65535", "0.0.0.0:65535"),
        ("00080", "0.0.0.0:80"),
        (" 1.2.3.4:80 ", "1.2.3.4:80"),
    ];
    for &(input, want) in cases {
        assert_eq!(serve(&["-l", input], &[]).listen, vec![sa(want)], "{input}");
    }
}

#[test]
fn listen_repeats_and_lists_add_in_order() {
    let c = serve(&["-l", "1.2.3.4:80", "--listen=[::1]:81", "-l82"], &[]);
    assert_eq!(
        c.listen,
        vec![sa("1.2.3.4:80"), sa("[::1]:81"), sa("0.0.0.0:82")]
    );
    let c = serve(&["-l", "1.2.3.4:80,[::1]:81 , 82", "-l", "83"], &[]);
    assert_eq!(
        c.listen,
        vec![
            sa("1.2.3.4:80"),
            sa("[::1]:81"),
            sa("0.0.0.0:82"),
            sa("0.0.0.0:83")
        ]
    );
}

#[test]
fn listen_duplicates() {
    assert_eq!(
        fail(&["-l", "1.2.3.4:80", "-l", "1.2.3.4:80"], &[]),
        "--listen: '1.2.3.4:80' is given more than once"
    );
    assert_eq!(
        fail(&["-l", ":80", "-l", "0.0.0.0:80"], &[]),
        "--listen: '0.0.0.0:80' is given more than once"
    );
    assert_eq!(
        fail(&["-l", "[::1]:80,[0:0::1]:80"], &[]),
        "--listen: '[::1]:80' is given more than once"
    );
    assert_eq!(
        fail(&[], &["STATICD_LISTEN=80,80"]),
        "STATICD_LISTEN: '0.0.0.0:80' is given more than once"
    );
    // Port 0 means a fresh kernel-chosen port each time.
    assert_eq!(serve(&["-l", "0", "-l", ":0"], &[]).listen.len(), 2);
    // Same port, different addresses: the server's bind decides.
    assert_eq!(
        serve(&["-l", "[::]:80", "-l", "0.0.0.0:80"], &[])
            .listen
            .len(),
        2
    );
}

#[test]
fn listen_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "1.2.3.4",
            "'1.2.3.4': missing port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "1.2.3.4:",
            "'1.2.3.4:': missing port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "[::1]",
            "'[::1]': missing port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "[::1]:",
            "'[::1]:': missing port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "1.2.3.4:99999",
            "'1.2.3.4:99999': port must be a number from 0 to 65535",
        ),
        (
            "1.2.3.4:65536",
            "'1.2.3.4:65536': port must be a number from 0 to 65535",
        ),
        (
            "1.2.3.4:-1",
            "'1.2.3.4:-1': port must be a number from 0 to 65535",
        ),
        (
            "1.2.3.4:+80",
            "'1.2.3.4:+80': port must be a number from 0 to 65535",
        ),
        (
            "1.2.3.4:http",
            "'1.2.3.4:http': port must be a number from 0 to 65535",
        ),
        (
            "1.2.3.4:8 0",
            "'1.2.3.4:8 0': port must be a number from 0 to 65535",
        ),
        (
            "[::1]:99999",
            "'[::1]:99999': port must be a number from 0 to 65535",
        ),
        (
            "[::1]:x",
            "'[::1]:x': port must be a number from 0 to 65535",
        ),
        ("99999", "'99999': port must be a number from 0 to 65535"),
        (":65536", "':65536': port must be a number from 0 to 65535"),
        (
            "99999999999999999999999",
            "'99999999999999999999999': port must be a number from 0 to 65535",
        ),
        (
            "::1:80",
            "'::1:80': IPv6 addresses need brackets, e.g. [::1]:8080",
        ),
        (
            "::1",
            "'::1': IPv6 addresses need brackets, e.g. [::1]:8080",
        ),
        ("::", "'::': IPv6 addresses need brackets, e.g. [::1]:8080"),
        (
            "fe80::1:80",
            "'fe80::1:80': IPv6 addresses need brackets, e.g. [::1]:8080",
        ),
        (
            "2001:db8::1",
            "'2001:db8::1': IPv6 addresses need brackets, e.g. [::1]:8080",
        ),
        (
            "host:80",
            "'host:80': hostnames are not supported, use an IP address",
        ),
        (
            "localhost:8080",
            "'localhost:8080': hostnames are not supported, use an IP address",
        ),
        (
            "localhost",
            "'localhost': hostnames are not supported, use an IP address",
        ),
        (
            "example.com:443",
            "'example.com:443': hostnames are not supported, use an IP address",
        ),
        (
            "my-host",
            "'my-host': hostnames are not supported, use an IP address",
        ),
        (
            "[localhost]:80",
            "'[localhost]:80': hostnames are not supported, use an IP address",
        ),
        (
            "[fe80::1%eth0]:80",
            "'[fe80::1%eth0]:80': IPv6 scope ids (%...) are not supported",
        ),
        (
            "[fe80::1%2]:80",
            "'[fe80::1%2]:80': IPv6 scope ids (%...) are not supported",
        ),
        (
            "[::1%0]:80",
            "'[::1%0]:80': IPv6 scope ids (%...) are not supported",
        ),
        ("[1.2.3.4]:80", "'[1.2.3.4]:80': not a valid IPv6 address"),
        ("[::g]:80", "'[::g]:80': not a valid IPv6 address"),
        ("[]:80", "'[]:80': not a valid IPv6 address"),
        (
            "[::1:80",
            "'[::1:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "[::1]80",
            "'[::1]80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "1.2.3:80",
            "'1.2.3:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "1.2.3.4.5:80",
            "'1.2.3.4.5:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "256.1.1.1:80",
            "'256.1.1.1:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "01.2.3.4:80",
            "'01.2.3.4:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "1:2",
            "'1:2': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "::80::",
            "'::80::': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "*:80",
            "'*:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "1.2.3.4 :80",
            "'1.2.3.4 :80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        (
            "h\u{e9}:80",
            "'h\\xc3\\xa9:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
        ),
        ("1.2.3.4:80,", "'1.2.3.4:80,': empty entry in list"),
        (",80", "',80': empty entry in list"),
        ("80,,81", "'80,,81': empty entry in list"),
        (",", "',': empty entry in list"),
        (" ", "' ': empty entry in list"),
        ("", "empty value"),
    ];
    for &(input, why) in cases {
        for args in spellings("listen", Some('l'), input) {
            assert_eq!(
                fail_owned(&args, &[]),
                format!("--listen: {why}"),
                "{args:?}"
            );
        }
        if !input.is_empty() {
            assert_eq!(
                fail(&[], &[&format!("STATICD_LISTEN={input}")]),
                format!("STATICD_LISTEN: {why}"),
                "{input}"
            );
        }
    }
}

#[test]
fn listen_non_utf8() {
    assert_eq!(
        fail_bytes(&[b"-l", b"1.2.3.4:8\xff"], &[]),
        "--listen: '1.2.3.4:8\\xff': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080"
    );
}

#[test]
fn listen_bad_entry_in_list_names_the_entry() {
    assert_eq!(
        fail(&["-l", "80,host:81,82"], &[]),
        "--listen: 'host:81': hostnames are not supported, use an IP address"
    );
}
