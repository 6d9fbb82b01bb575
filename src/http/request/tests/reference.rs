//! Mutated and random heads, checked against the parser's invariants and a slow reference.

use super::*;

#[test]
fn mutated_requests_keep_every_invariant() {
    let corpus: &[&[u8]] = &[
        b"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"GET /x HTTP/1.0\nConnection: keep-alive\nRange: bytes=1-2\n\n",
        b"\r\nHEAD /y HTTP/1.1\r\nHost: [::1]:80\r\nIf-None-Match: \"a\"\r\n\r\n",
    ];
    let interesting = b"\r\n \t:,\x00\x7f\x80\xffHTTP/1.0 chunked close keep-alive Host";
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let mut s = rng.pick(corpus).to_vec();
        for _ in 0..1 + rng.index(3) {
            let at = rng.index(s.len() + 1);
            let b = if rng.one_in(2) {
                *rng.pick(interesting)
            } else {
                rng.byte()
            };
            match rng.index(4) {
                0 if at < s.len() => s[at] = b,
                1 => s.insert(at, b),
                2 if at < s.len() => {
                    s.remove(at);
                }
                _ => {
                    let from = rng.index(s.len());
                    let len = rng.index(s.len() - from + 1);
                    let piece = s[from..from + len].to_vec();
                    let at = at.min(s.len());
                    s.splice(at..at, piece);
                }
            }
        }
        let _ = run(&s);
    }
}

// ---- differential check against a slow, line-splitting reference --------------------

/// What a plain reading of RFC 9112 gives, one whole line at a time; `None` while the
/// head has no final empty line yet. Only for small inputs: size limits are left out.
fn reference(buf: &[u8]) -> Option<Result<(Request<'_>, usize), Error>> {
    let mut at = 0;
    let mut next_line = || -> Option<Result<&[u8], Error>> {
        let lf = buf[at..].iter().position(|&b| b == b'\n')?;
        let mut line = &buf[at..at + lf];
        at += lf + 1;
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        Some(if line.contains(&b'\r') {
            Err(BAD)
        } else {
            Ok(line)
        })
    };
    let mut line = next_line()?;
    let mut empty = 0;
    while line == Ok(&b""[..]) {
        empty += 1;
        if empty > MAX_EMPTY_LINES {
            return Some(Err(BAD));
        }
        line = next_line()?;
    }
    let parts: Vec<&[u8]> = match line {
        Ok(l) => l.split(|&b| b == b' ').collect(),
        Err(e) => return Some(Err(e)),
    };
    let [method, target, version] = parts[..] else {
        return Some(Err(BAD));
    };
    if method.is_empty() || !method.iter().all(|&b| tchar(b)) {
        return Some(Err(BAD));
    }
    if target.is_empty() || !target.iter().all(|&b| target_char(b)) {
        return Some(Err(BAD));
    }
    let version = match version {
        b"HTTP/1.1" => Version::Http11,
        b"HTTP/1.0" => Version::Http10,
        [b'H', b'T', b'T', b'P', b'/', a, b'.', b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            return Some(Err(V505));
        }
        _ => return Some(Err(BAD)),
    };
    let mut fields: Vec<(&[u8], &[u8])> = Vec::new();
    loop {
        let line = match next_line()? {
            Ok(l) => l,
            Err(e) => return Some(Err(e)),
        };
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Some(Err(BAD));
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.is_empty() || !name.iter().all(|&b| tchar(b)) {
            return Some(Err(BAD));
        }
        if !value.iter().all(|&b| value_char(b)) {
            return Some(Err(BAD));
        }
        let value = value.trim_ascii();
        fields.push((name, value));
    }
    let consumed = at;
    let all = |want: &str| -> Vec<&[u8]> {
        fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(want.as_bytes()))
            .map(|&(_, v)| v)
            .collect()
    };
    let items = |want: &str| -> Vec<&[u8]> {
        all(want)
            .into_iter()
            .flat_map(|v| v.split(|&b| b == b','))
            .map(|i| i.trim_ascii())
            .collect()
    };
    let hosts = all("host");
    if hosts.len() > 1 || hosts.iter().any(|h| !h.iter().all(|&b| host_char(b))) {
        return Some(Err(BAD));
    }
    if version == Version::Http11 && hosts.is_empty() {
        return Some(Err(BAD));
    }
    let mut lengths = Vec::new();
    for item in items("content-length") {
        if item.is_empty() || !item.iter().all(u8::is_ascii_digit) {
            return Some(Err(BAD));
        }
        match std::str::from_utf8(item).unwrap().parse::<u64>() {
            Ok(n) => lengths.push(n),
            Err(_) => return Some(Err(BAD)),
        }
    }
    if lengths.windows(2).any(|w| w[0] != w[1]) {
        return Some(Err(BAD));
    }
    let codings = items("transfer-encoding");
    let framing = if !all("transfer-encoding").is_empty() {
        let chunked = |c: &[u8]| c.eq_ignore_ascii_case(b"chunked");
        let bad = version == Version::Http10
            || !lengths.is_empty()
            || codings
                .iter()
                .any(|c| c.is_empty() || !c.iter().all(|&b| tchar(b)))
            || !codings.last().is_some_and(|c| chunked(c))
            || codings.iter().filter(|c| chunked(c)).count() != 1;
        if bad {
            return Some(Err(BAD));
        }
        Framing::Chunked
    } else if let Some(&n) = lengths.first() {
        Framing::Length(n)
    } else {
        Framing::None
    };
    let conn = items("connection");
    let has = |t: &[u8]| conn.iter().any(|c| c.eq_ignore_ascii_case(t));
    let keep_alive = !has(b"close") && (version == Version::Http11 || has(b"keep-alive"));
    let first = |want: &str| all(want).first().copied();
    let request = Request {
        method: match method {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" | b"PUT" | b"DELETE" | b"CONNECT" | b"OPTIONS" | b"TRACE" | b"PATCH" => {
                Method::Other
            }
            _ => Method::Unknown,
        },
        method_bytes: method,
        target,
        version,
        host: hosts.first().copied(),
        keep_alive,
        framing,
        if_none_match: first("if-none-match"),
        if_modified_since: first("if-modified-since"),
        range: first("range"),
        if_range: first("if-range"),
        accept_encoding: first("accept-encoding"),
        accept_encoding_repeated: all("accept-encoding").len() > 1,
        head: &buf[..consumed],
        referer: first("referer"),
        user_agent: first("user-agent"),
        origin: first("origin"),
        x_forwarded_for: first("x-forwarded-for"),
        x_forwarded_for_repeated: all("x-forwarded-for").len() > 1,
        x_real_ip: first("x-real-ip"),
    };
    Some(Ok((request, consumed)))
}

/// Mostly one of the first `good` entries of `list`, now and then any of them.
fn pick(rng: &mut Rng, list: &[&'static [u8]], good: usize) -> &'static [u8] {
    if rng.one_in(25) {
        list[rng.index(list.len())]
    } else {
        list[rng.index(good)]
    }
}

/// A random head assembled from parts chosen to hit every rule, sometimes corrupted.
fn random_head(rng: &mut Rng) -> Vec<u8> {
    const EMPTY: &[&[u8]] = &[b"", b"\r\n", b"\n", b"\r\n\n\r\n", b"\r", b"\n\r\r\n"];
    const METHODS: &[&[u8]] = &[
        b"GET",
        b"HEAD",
        b"POST",
        b"get",
        b"PROPFIND",
        b"",
        b"G T",
        b"G(T",
        b"GET\t",
    ];
    const TARGETS: &[&[u8]] = &[
        b"/",
        b"/a/b?c",
        b"*",
        b"http://h/x",
        b"h:443",
        b"/\xc3\xa9",
        b"",
        b"/a b",
        b"/\x00",
        b"/\x7f",
    ];
    const VERSIONS: &[&[u8]] = &[
        b"HTTP/1.1",
        b"HTTP/1.0",
        b"HTTP/2.0",
        b"HTTP/0.9",
        b"http/1.1",
        b"HTTP/1",
        b"HTTP/1.1 ",
        b"",
    ];
    const EOLS: &[&[u8]] = &[b"\r\n", b"\n", b"\r", b"\r\r\n", b"\n\r"];
    const SEPS: &[&[u8]] = &[b": ", b":", b":\t", b":  ", b" : ", b"", b"\t:"];
    const HOST: &[&[u8]] = &[b"h", b"h:80", b"[::1]:80", b"", b"a b", b"a/b", b"u@h"];
    const LENGTH: &[&[u8]] = &[
        b"5",
        b"0",
        b"5, 5",
        b"007",
        b"5,6",
        b"+5",
        b"",
        b"18446744073709551616",
        b"5,",
    ];
    const CODING: &[&[u8]] = &[
        b"chunked",
        b"CHUNKED",
        b"gzip, chunked",
        b"gzip",
        b"chunked, identity",
        b"chunked,",
        b"",
        b"chunked;x=1",
    ];
    const CONNECTION: &[&[u8]] = &[
        b"close",
        b"keep-alive",
        b"Keep-Alive, close",
        b"upgrade",
        b",",
        b"",
    ];
    const OTHER: &[&[u8]] = &[
        b"bytes=0-1 ",
        b"\"e\"",
        b"",
        b" x\t",
        b"\xc3\xa9",
        b"a\x00b",
        b"a\x7f",
        b"a\rb",
    ];
    // (name, its values, how many of them are valid)
    type Named = (&'static [u8], &'static [&'static [u8]], usize);
    const NAMES: &[Named] = &[
        (b"Host", HOST, 4),
        (b"hOST", HOST, 4),
        (b"Content-Length", LENGTH, 5),
        (b"Transfer-Encoding", CODING, 3),
        (b"Connection", CONNECTION, 6),
        (b"Range", OTHER, 5),
        (b"If-Range", OTHER, 5),
        (b"If-None-Match", OTHER, 5),
        (b"If-Modified-Since", OTHER, 5),
        (b"Accept-Encoding", OTHER, 5),
        (b"Origin", OTHER, 5),
        (b"x-forwarded-for", OTHER, 5),
        (b"X-Real-IP", OTHER, 5),
        (b"X-A", OTHER, 5),
        (b"X A", OTHER, 5),
        (b"", OTHER, 5),
    ];
    let mut s = Vec::new();
    if rng.one_in(4) {
        s.extend_from_slice(pick(rng, EMPTY, 3));
    }
    s.extend_from_slice(pick(rng, METHODS, 5));
    s.push(b' ');
    s.extend_from_slice(pick(rng, TARGETS, 6));
    s.push(b' ');
    s.extend_from_slice(pick(rng, VERSIONS, 2));
    s.extend_from_slice(pick(rng, EOLS, 2));
    let host_at = if rng.one_in(10) { 9 } else { rng.index(3) };
    for i in 0..rng.index(6) {
        if rng.one_in(40) {
            s.extend_from_slice(b" folded");
            s.extend_from_slice(pick(rng, EOLS, 2));
        }
        let (name, values, good) = if i == host_at {
            NAMES[0]
        } else {
            let names = if rng.one_in(20) { 16 } else { 14 };
            NAMES[rng.index(names)]
        };
        s.extend_from_slice(name);
        s.extend_from_slice(pick(rng, SEPS, 5));
        s.extend_from_slice(pick(rng, values, good));
        s.extend_from_slice(pick(rng, EOLS, 2));
    }
    s.extend_from_slice(pick(rng, EOLS, 2));
    if rng.one_in(8) {
        let at = rng.index(s.len());
        s[at] = rng.byte();
    }
    if rng.one_in(4) {
        s.extend_from_slice(b"GET / HTTP/1.1\r\n");
    }
    s
}

#[test]
fn agrees_with_the_reference_on_random_heads() {
    let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
    let (mut complete, mut failed) = (0, 0);
    for i in 0..40_000 {
        let s = random_head(&mut rng);
        let got = if i % 8 == 0 { run(&s) } else { parse(&s) };
        match (reference(&s), got) {
            (None, Ok(Parsed::Partial) | Err(_)) => {}
            (Some(Ok((r, n))), Ok(Parsed::Complete(r2, n2))) => {
                assert_eq!((r, n), (r2, n2), "{:?}", show(&s));
                complete += 1;
            }
            (Some(Err(e)), Err(e2)) => {
                assert_eq!(e, e2, "{:?}", show(&s));
                failed += 1;
            }
            (want, got) => panic!("{:?}: reference {want:?}, parser {got:?}", show(&s)),
        }
    }
    // The generator must reach both outcomes often, or this test proves little.
    assert!(complete > 4_000 && failed > 4_000, "{complete} {failed}");
}
