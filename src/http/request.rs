//! HTTP/1.1 request-head parsing (RFC 9110, RFC 9112).
//!
//! [`parse`] reads the request line and the header section from a byte buffer and hands
//! back views borrowed from it: no copying, no allocation. It keeps no state between calls:
//! when it answers [`Parsed::Partial`], read more and call it again on the grown buffer.
//! Every size limit is also enforced on partial input, so a `Partial` answer never covers
//! more than [`MAX_HEAD`] bytes and a reader can stop as soon as an error is certain.
//!
//! This module owns message framing (Content-Length / Transfer-Encoding, where request
//! smuggling is decided), the Host rules and the keep-alive decision. The target and the
//! conditional, range and encoding headers are returned raw for other modules to interpret.
//! It makes no system calls.

/// Longest request line accepted, in bytes, not counting its line ending (longer: 414).
pub const MAX_REQUEST_LINE: usize = 8192;
/// Largest header section accepted: field lines with their line endings, not counting the
/// request line or the empty line that ends the head (larger: 431).
pub const MAX_HEADER_BYTES: usize = 16384;
/// Most header field lines accepted (more: 431).
pub const MAX_HEADERS: usize = 100;
/// Most empty lines skipped before the request line (RFC 9112 §2.2); one more is a 400.
pub const MAX_EMPTY_LINES: usize = 8;
/// Size of the largest valid head; a `Partial` answer is always for fewer bytes than this.
pub const MAX_HEAD: usize = MAX_REQUEST_LINE + MAX_HEADER_BYTES + 2 * MAX_EMPTY_LINES + 4;

/// Request method, classified for the server's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// A standard method we do not allow (POST PUT DELETE CONNECT OPTIONS TRACE PATCH) -> 405.
    Other,
    /// Any other syntactically valid token, including other cases of the above -> 501.
    Unknown,
}

/// Protocol version of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `HTTP/1.0`.
    Http10,
    /// `HTTP/1.1`.
    Http11,
}

impl Version {
    /// The version as it appears on the wire.
    pub const fn as_bytes(self) -> &'static [u8] {
        match self {
            Version::Http10 => b"HTTP/1.0",
            Version::Http11 => b"HTTP/1.1",
        }
    }
}

/// How the request body, which follows the head, is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Body {
    /// No body: neither Content-Length nor Transfer-Encoding was sent.
    None,
    /// `Content-Length` bytes follow (may be 0).
    Length(u64),
    /// A chunked body follows.
    Chunked,
}

/// A parsed request head; every slice borrows from the parsed buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// Method, classified.
    pub method: Method,
    /// Method exactly as sent.
    pub method_bytes: &'a [u8],
    /// Raw request-target, not decoded (origin-, absolute-, authority- or asterisk-form).
    pub target: &'a [u8],
    /// Protocol version.
    pub version: Version,
    /// The Host field value with OWS trimmed (may be empty); `None` only for HTTP/1.0.
    pub host: Option<&'a [u8]>,
    /// Whether the connection may be reused after this request.
    pub keep_alive: bool,
    /// Body framing.
    pub body: Body,
    /// First If-None-Match value, OWS trimmed.
    pub if_none_match: Option<&'a [u8]>,
    /// First If-Modified-Since value, OWS trimmed.
    pub if_modified_since: Option<&'a [u8]>,
    /// First Range value, OWS trimmed.
    pub range: Option<&'a [u8]>,
    /// First If-Range value, OWS trimmed.
    pub if_range: Option<&'a [u8]>,
    /// First Accept-Encoding value, OWS trimmed.
    pub accept_encoding: Option<&'a [u8]>,
    /// Accept-Encoding came in more than one field line: read them all with
    /// [`field_values`] (RFC 9110 §5.3 makes them one list).
    pub accept_encoding_repeated: bool,
    /// The whole head as parsed (leading empty lines, request line, fields).
    pub head: &'a [u8],
    /// First Referer value, OWS trimmed (for the access log).
    pub referer: Option<&'a [u8]>,
    /// First User-Agent value, OWS trimmed (for the access log).
    pub user_agent: Option<&'a [u8]>,
}

/// Outcome of a parse that found no error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Boxing the request would cost an allocation per request to save stack
// space in a value that lives for one call.
#[allow(clippy::large_enum_variant)]
pub enum Parsed<'a> {
    /// The head is not complete yet; read more and parse again.
    Partial,
    /// A full head, and the bytes it used (leading empty lines and final empty line included).
    Complete(Request<'a>, usize),
}

/// Why a head was rejected; the connection should be answered and closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// Malformed or ambiguous head (400).
    BadRequest,
    /// Request line longer than [`MAX_REQUEST_LINE`] (414).
    UriTooLong,
    /// Header section over [`MAX_HEADER_BYTES`] or [`MAX_HEADERS`] (431).
    HeadersTooLarge,
    /// A well-formed `HTTP/x.y` other than 1.0 and 1.1 (505).
    VersionNotSupported,
}

impl Error {
    /// The HTTP status code to answer with.
    pub fn status(self) -> u16 {
        match self {
            Error::BadRequest => 400,
            Error::UriTooLong => 414,
            Error::HeadersTooLarge => 431,
            Error::VersionNotSupported => 505,
        }
    }
}

const TOKEN: u8 = 1;
const TARGET: u8 = 2;
const VALUE: u8 = 4;
const HOST: u8 = 8;

/// Whether `b` is a `tchar` (RFC 9110 §5.6.2), the bytes of a token.
pub const fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

const fn classify(b: u8) -> u8 {
    let mut c = 0;
    if is_tchar(b) {
        c |= TOKEN;
    }
    // Anything visible: finer URI syntax is the path module's business.
    if matches!(b, 0x21..=0x7e | 0x80..=0xff) {
        c |= TARGET;
    }
    // field-vchar, SP and HTAB (RFC 9110 §5.5), obs-text included.
    if matches!(b, b'\t' | b' ' | 0x21..=0x7e | 0x80..=0xff) {
        c |= VALUE;
    }
    // uri-host [":" port] (RFC 3986 reg-name, IPv4, IP-literal); no userinfo, no path.
    if b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'%'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
        )
    {
        c |= HOST;
    }
    c
}

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = classify(i as u8);
        i += 1;
    }
    t
};

#[inline(always)]
fn is(b: u8, class: u8) -> bool {
    CLASS[usize::from(b)] & class != 0
}

/// Index of the first byte at or after `from`, below `to`, outside `class` (or the end).
#[inline(always)]
fn scan(buf: &[u8], from: usize, to: usize, class: u8) -> usize {
    match buf.get(from..to.min(buf.len())) {
        Some(s) => from + s.iter().position(|&b| !is(b, class)).unwrap_or(s.len()),
        None => from,
    }
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Whether any byte of `x` is below `low` (at most 0x80) or is DEL: exact for the word as
/// a whole (bit-twiddling `hasless` / `haszero`), though not for which byte it was.
#[inline(always)]
fn has_control(x: u64, low: u8) -> bool {
    let below = x.wrapping_sub(ONES * u64::from(low)) & !x;
    let del = x ^ (ONES * 0x7f);
    let del = del.wrapping_sub(ONES) & !del;
    (below | del) & HIGHS != 0
}

/// [`scan`] for a class that holds every byte from `low` to 0x7E and 0x80 to 0xFF,
/// eight bytes at a time: targets and field values are most of a head's bytes.
#[inline(always)]
fn scan_visible(buf: &[u8], from: usize, to: usize, class: u8, low: u8) -> usize {
    let Some(s) = buf.get(from..to.min(buf.len())) else {
        return from;
    };
    let mut i = 0;
    while let Some(chunk) = s.get(i..i + 8) {
        let word = <[u8; 8]>::try_from(chunk).map_or(0, u64::from_ne_bytes);
        // A flagged word may still be valid (HTAB in a value): look closer, then go on.
        if has_control(word, low)
            && let Some(p) = chunk.iter().position(|&b| !is(b, class))
        {
            return from + i + p;
        }
        i += 8;
    }
    let tail = s.get(i..).unwrap_or(&[]);
    from + i
        + tail
            .iter()
            .position(|&b| !is(b, class))
            .unwrap_or(tail.len())
}

/// The byte at `i` if it is both present and below `limit`.
#[inline(always)]
fn byte_before(buf: &[u8], i: usize, limit: usize) -> Option<u8> {
    if i < limit { buf.get(i).copied() } else { None }
}

/// What running out of bytes at `i` means: over the limit, or just not there yet.
#[inline(always)]
fn exhausted(i: usize, limit: usize, e: Error) -> Result<Parsed<'static>, Error> {
    if i >= limit {
        Err(e)
    } else {
        Ok(Parsed::Partial)
    }
}

/// End of the line ending starting at `i` (CRLF or bare LF); `None` if it is cut short.
#[inline(always)]
fn line_end(buf: &[u8], i: usize) -> Result<Option<usize>, Error> {
    match buf.get(i) {
        None => Ok(None),
        Some(b'\n') => Ok(Some(i + 1)),
        Some(b'\r') => match buf.get(i + 1) {
            None => Ok(None),
            Some(b'\n') => Ok(Some(i + 2)),
            Some(_) => Err(Error::BadRequest),
        },
        Some(_) => Err(Error::BadRequest),
    }
}

fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

fn method_of(m: &[u8]) -> Method {
    match m {
        b"GET" => Method::Get,
        b"HEAD" => Method::Head,
        b"POST" | b"PUT" | b"DELETE" | b"CONNECT" | b"OPTIONS" | b"TRACE" | b"PATCH" => {
            Method::Other
        }
        _ => Method::Unknown,
    }
}

/// Whether `b` may stand at offset `i` of a version that looks like `HTTP/d.d`.
#[inline(always)]
fn version_byte_fits(i: usize, b: u8) -> bool {
    match i {
        0 => b == b'H',
        1 | 2 => b == b'T',
        3 => b == b'P',
        4 => b == b'/',
        5 | 7 => b.is_ascii_digit(),
        6 => b == b'.',
        _ => false,
    }
}

/// Content-Length value: a list of `1*DIGIT` that must all agree (RFC 9110 §8.6).
fn content_length(value: &[u8]) -> Result<u64, Error> {
    let mut found = None;
    for item in value.split(|&b| b == b',') {
        let item = trim_ows(item);
        // Empty elements are rejected rather than skipped: framing admits no guesswork.
        if item.is_empty() {
            return Err(Error::BadRequest);
        }
        let mut n: u64 = 0;
        for &d in item {
            if !d.is_ascii_digit() {
                return Err(Error::BadRequest);
            }
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
                .ok_or(Error::BadRequest)?;
        }
        if found.is_some_and(|f| f != n) {
            return Err(Error::BadRequest);
        }
        found = Some(n);
    }
    found.ok_or(Error::BadRequest)
}

/// Adds one Transfer-Encoding field to the codings seen so far; `chunked` must come last,
/// once, so anything after it is rejected at once (RFC 9112 §6.1).
fn transfer_codings(value: &[u8], chunked: &mut bool) -> Result<(), Error> {
    for item in value.split(|&b| b == b',') {
        let item = trim_ows(item);
        if item.is_empty() || *chunked || !item.iter().all(|&b| is(b, TOKEN)) {
            return Err(Error::BadRequest);
        }
        *chunked = item.eq_ignore_ascii_case(b"chunked");
    }
    Ok(())
}

/// What the header section has told so far.
#[derive(Default)]
struct Fields<'a> {
    host: Option<&'a [u8]>,
    content_length: Option<u64>,
    transfer_encoding: bool,
    chunked: bool,
    close: bool,
    keep_alive: bool,
    if_none_match: Option<&'a [u8]>,
    if_modified_since: Option<&'a [u8]>,
    range: Option<&'a [u8]>,
    if_range: Option<&'a [u8]>,
    accept_encoding: Option<&'a [u8]>,
    accept_encoding_repeated: bool,
    referer: Option<&'a [u8]>,
    user_agent: Option<&'a [u8]>,
}

fn first<'a>(slot: &mut Option<&'a [u8]>, value: &'a [u8]) {
    if slot.is_none() {
        *slot = Some(value);
    }
}

impl<'a> Fields<'a> {
    /// Takes in one field line; errors that no later byte can undo are returned here.
    fn add(&mut self, name: &[u8], value: &'a [u8], version: Version) -> Result<(), Error> {
        // Dispatch on length first: most fields in a request are none of these.
        let named = |want: &[u8]| name.eq_ignore_ascii_case(want);
        match name.len() {
            4 if named(b"host") => {
                if self.host.is_some() || !value.iter().all(|&b| is(b, HOST)) {
                    return Err(Error::BadRequest);
                }
                self.host = Some(value);
            }
            5 if named(b"range") => first(&mut self.range, value),
            7 if named(b"referer") => first(&mut self.referer, value),
            8 if named(b"if-range") => first(&mut self.if_range, value),
            10 if named(b"connection") => {
                for item in value.split(|&b| b == b',') {
                    let item = trim_ows(item);
                    if item.eq_ignore_ascii_case(b"close") {
                        self.close = true;
                    } else if item.eq_ignore_ascii_case(b"keep-alive") {
                        self.keep_alive = true;
                    }
                }
            }
            13 if named(b"if-none-match") => first(&mut self.if_none_match, value),
            14 if named(b"content-length") => {
                let n = content_length(value)?;
                if self.transfer_encoding || self.content_length.is_some_and(|m| m != n) {
                    return Err(Error::BadRequest);
                }
                self.content_length = Some(n);
            }
            10 if named(b"user-agent") => first(&mut self.user_agent, value),
            15 if named(b"accept-encoding") => {
                self.accept_encoding_repeated |= self.accept_encoding.is_some();
                first(&mut self.accept_encoding, value);
            }
            17 if named(b"transfer-encoding") => {
                // HTTP/1.0 has no transfer codings: its framing would be a guess (§6.1).
                if version == Version::Http10 || self.content_length.is_some() {
                    return Err(Error::BadRequest);
                }
                self.transfer_encoding = true;
                transfer_codings(value, &mut self.chunked)?;
            }
            17 if named(b"if-modified-since") => first(&mut self.if_modified_since, value),
            _ => {}
        }
        Ok(())
    }
}

/// Parses one request head from the start of `buf`.
pub fn parse(buf: &[u8]) -> Result<Parsed<'_>, Error> {
    // Empty lines before the request line (RFC 9112 §2.2), a bounded number of them.
    let mut pos = 0;
    let mut empty = 0;
    loop {
        let step = match buf.get(pos) {
            None => return Ok(Parsed::Partial),
            Some(b'\r' | b'\n') if empty == MAX_EMPTY_LINES => return Err(Error::BadRequest),
            Some(b'\n') => 1,
            Some(b'\r') => match buf.get(pos + 1) {
                None => return Ok(Parsed::Partial),
                Some(b'\n') => 2,
                Some(_) => return Err(Error::BadRequest),
            },
            Some(_) => break,
        };
        pos += step;
        empty += 1;
    }

    // Request line: method SP request-target SP HTTP-version, single SPs only.
    let line = pos;
    // A byte at `lim` would make the line too long, whatever follows.
    let lim = line + MAX_REQUEST_LINE + 1;
    let method_end = scan(buf, line, lim, TOKEN);
    match byte_before(buf, method_end, lim) {
        None => return exhausted(method_end, lim, Error::UriTooLong),
        Some(b' ') if method_end > line => {}
        Some(_) => return Err(Error::BadRequest),
    }
    let target_start = method_end + 1;
    let target_end = scan_visible(buf, target_start, lim, TARGET, 0x21);
    match byte_before(buf, target_end, lim) {
        None => return exhausted(target_end, lim, Error::UriTooLong),
        Some(b' ') if target_end > target_start => {}
        Some(_) => return Err(Error::BadRequest),
    }
    let version_start = target_end + 1;
    let mut version_end = version_start;
    loop {
        match byte_before(buf, version_end, lim) {
            None => return exhausted(version_end, lim, Error::UriTooLong),
            Some(b'\r' | b'\n') => break,
            Some(b) if version_byte_fits(version_end - version_start, b) => version_end += 1,
            Some(_) => return Err(Error::BadRequest),
        }
    }
    if version_end - version_start != 8 {
        return Err(Error::BadRequest);
    }
    let Some(mut pos) = line_end(buf, version_end)? else {
        return Ok(Parsed::Partial);
    };
    let version = match buf.get(version_start..version_end) {
        Some(b"HTTP/1.1") => Version::Http11,
        Some(b"HTTP/1.0") => Version::Http10,
        _ => return Err(Error::VersionNotSupported),
    };
    let method_bytes = buf.get(line..method_end).unwrap_or(&[]);
    let target = buf.get(target_start..target_end).unwrap_or(&[]);

    // Header section. A field line, line ending included, must end by `hlim`.
    let hlim = pos + MAX_HEADER_BYTES;
    let mut fields = Fields::default();
    let mut count = 0;
    loop {
        match buf.get(pos) {
            None => return Ok(Parsed::Partial),
            Some(b'\n') => {
                pos += 1;
                break;
            }
            Some(b'\r') => match buf.get(pos + 1) {
                None => return Ok(Parsed::Partial),
                Some(b'\n') => {
                    pos += 2;
                    break;
                }
                Some(_) => return Err(Error::BadRequest),
            },
            Some(_) => {}
        }
        if count == MAX_HEADERS {
            return Err(Error::HeadersTooLarge);
        }
        count += 1;
        // An empty name also catches obs-fold and whitespace before the first field.
        let name_end = scan(buf, pos, hlim, TOKEN);
        match byte_before(buf, name_end, hlim) {
            None => return exhausted(name_end, hlim, Error::HeadersTooLarge),
            Some(b':') if name_end > pos => {}
            Some(_) => return Err(Error::BadRequest),
        }
        let value_start = name_end + 1;
        let value_end = scan_visible(buf, value_start, hlim, VALUE, 0x20);
        match byte_before(buf, value_end, hlim) {
            None => return exhausted(value_end, hlim, Error::HeadersTooLarge),
            Some(b'\r' | b'\n') => {}
            Some(_) => return Err(Error::BadRequest),
        }
        let next = line_end(buf, value_end)?;
        // A cut-short ending is a lone CR, so the line will end right after it.
        if next.unwrap_or(value_end + 2) > hlim {
            return Err(Error::HeadersTooLarge);
        }
        let Some(next) = next else {
            return Ok(Parsed::Partial);
        };
        let name = buf.get(pos..name_end).unwrap_or(&[]);
        let value = trim_ows(buf.get(value_start..value_end).unwrap_or(&[]));
        fields.add(name, value, version)?;
        pos = next;
    }

    // RFC 9112 §3.2: a 1.1 request without Host gets a 400.
    if version == Version::Http11 && fields.host.is_none() {
        return Err(Error::BadRequest);
    }
    if fields.transfer_encoding && !fields.chunked {
        return Err(Error::BadRequest);
    }
    let body = match (fields.chunked, fields.content_length) {
        (true, _) => Body::Chunked,
        (false, Some(n)) => Body::Length(n),
        (false, None) => Body::None,
    };
    let keep_alive = !fields.close && (version == Version::Http11 || fields.keep_alive);
    let request = Request {
        method: method_of(method_bytes),
        method_bytes,
        target,
        version,
        host: fields.host,
        keep_alive,
        body,
        if_none_match: fields.if_none_match,
        if_modified_since: fields.if_modified_since,
        range: fields.range,
        if_range: fields.if_range,
        accept_encoding: fields.accept_encoding,
        accept_encoding_repeated: fields.accept_encoding_repeated,
        head: buf.get(..pos).unwrap_or(buf),
        referer: fields.referer,
        user_agent: fields.user_agent,
    };
    Ok(Parsed::Complete(request, pos))
}

/// Every value of the field `name` (lowercase) in a head that [`parse`]
/// accepted, in order, OWS trimmed: for the rare field sent in several lines.
pub fn field_values<'a>(head: &'a [u8], name: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    head.split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        // Leading empty lines, then the request line, then fields up to the empty line.
        .skip_while(|line| line.is_empty())
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter_map(move |line| {
            let colon = line.iter().position(|&b| b == b':')?;
            let (field, value) = line.split_at(colon);
            field
                .eq_ignore_ascii_case(name)
                .then(|| trim_ows(value.get(1..).unwrap_or_default()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;
    use std::string::String;
    use std::vec::Vec;

    const BAD: Error = Error::BadRequest;
    const LONG: Error = Error::UriTooLong;
    const LARGE: Error = Error::HeadersTooLarge;
    const V505: Error = Error::VersionNotSupported;

    /// tchar from RFC 9110 §5.6.2, written independently of the parser's table.
    fn tchar(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
    }

    fn host_char(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:[]".contains(&b)
    }

    fn value_char(b: u8) -> bool {
        b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80
    }

    fn target_char(b: u8) -> bool {
        (0x21..=0x7e).contains(&b) || b >= 0x80
    }

    /// Checks what `parse` owes for `full`'s answer on every prefix of `input`.
    fn check_prefix(input: &[u8], cut: usize, full: &Result<Parsed<'_>, Error>) {
        let got = parse(&input[..cut]);
        match (full, got) {
            (_, Ok(Parsed::Partial)) => {}
            (Err(a), Err(b)) => assert_eq!(*a, b, "prefix {cut} of {:?}", show(input)),
            (Ok(Parsed::Complete(r, n)), Ok(Parsed::Complete(r2, n2))) if cut >= *n => {
                assert_eq!((*r, *n), (r2, n2), "prefix {cut} of {:?}", show(input));
            }
            (full, got) => panic!(
                "prefix {cut} of {:?} gave {got:?}, full input {full:?}",
                show(input)
            ),
        }
    }

    /// Parses and checks the invariants every answer must keep: partial answers stay under
    /// MAX_HEAD, no prefix contradicts the answer, and trailing bytes change nothing decided.
    fn run(input: &[u8]) -> Result<Parsed<'_>, Error> {
        let full = parse(input);
        match full {
            Ok(Parsed::Partial) => assert!(input.len() < MAX_HEAD, "partial of {}", input.len()),
            Ok(Parsed::Complete(_, n)) => assert!(n <= input.len() && n <= MAX_HEAD),
            Err(_) => {}
        }
        if input.len() <= 1024 {
            for cut in 0..input.len() {
                check_prefix(input, cut, &full);
            }
        } else {
            let tail = input.len().saturating_sub(40);
            for cut in (0..input.len()).step_by(211).chain(tail..input.len()) {
                check_prefix(input, cut, &full);
            }
        }
        let mut longer = input.to_vec();
        longer.extend_from_slice(b"Z\r\n\r\n");
        match (&full, parse(&longer)) {
            (Ok(Parsed::Partial), _) => {}
            (Err(a), Err(b)) => assert_eq!(*a, b),
            (Ok(Parsed::Complete(r, n)), Ok(Parsed::Complete(r2, n2))) => {
                assert_eq!((*r, *n), (r2, n2));
            }
            (a, b) => panic!("{:?}: {a:?} then {b:?} once extended", show(input)),
        }
        full
    }

    fn show(b: &[u8]) -> String {
        b.escape_ascii().to_string()
    }

    #[track_caller]
    fn ok(input: &[u8]) -> Request<'_> {
        match run(input) {
            Ok(Parsed::Complete(r, n)) => {
                assert_eq!(n, input.len(), "consumed of {:?}", show(input));
                r
            }
            other => panic!("{:?}: {other:?}", show(input)),
        }
    }

    #[track_caller]
    fn err(input: &[u8]) -> Error {
        match run(input) {
            Err(e) => e,
            other => panic!("{:?}: {other:?}", show(input)),
        }
    }

    #[track_caller]
    fn partial(input: &[u8]) {
        assert_eq!(run(input), Ok(Parsed::Partial), "{:?}", show(input));
    }

    /// A 1.1 GET with Host and the given extra field lines.
    fn get_with(fields: &str) -> String {
        format!("GET / HTTP/1.1\r\nHost: h\r\n{fields}\r\n")
    }

    fn with_fields(fields: &str) -> Result<Request<'static>, Error> {
        let s: &'static [u8] = get_with(fields).into_bytes().leak();
        match run(s) {
            Ok(Parsed::Complete(r, n)) => {
                assert_eq!(n, s.len());
                Ok(r)
            }
            Ok(Parsed::Partial) => panic!("partial: {:?}", show(s)),
            Err(e) => Err(e),
        }
    }

    // ---- basics ----------------------------------------------------------------------

    #[test]
    fn versions_write_back_as_parsed() {
        for v in [Version::Http10, Version::Http11] {
            let mut raw = b"GET / ".to_vec();
            raw.extend_from_slice(v.as_bytes());
            raw.extend_from_slice(b"\r\nHost: h\r\n\r\n");
            assert_eq!(ok(&raw).version, v);
        }
    }

    #[test]
    fn repeated_accept_encoding_lines_are_all_found() {
        let r =
            with_fields("Accept-Encoding: identity;q=0.5\r\nX-A: 1\r\naccept-encoding:gzip \r\n")
                .unwrap();
        assert_eq!(r.accept_encoding, Some(&b"identity;q=0.5"[..]));
        assert!(r.accept_encoding_repeated);
        let all: Vec<&[u8]> = field_values(r.head, b"accept-encoding").collect();
        assert_eq!(all, [&b"identity;q=0.5"[..], b"gzip"]);
        let one = with_fields("Accept-Encoding: br\r\n").unwrap();
        assert!(!one.accept_encoding_repeated);
        // Leading empty lines, the request line and the body are not fields.
        let raw = b"\r\n\r\nGET /accept-encoding:x HTTP/1.1\r\nHost: h\r\nAccept-Encoding: a\r\n\r\nAccept-Encoding: body";
        let Ok(Parsed::Complete(r, n)) = parse(raw) else {
            panic!("not parsed");
        };
        assert_eq!(r.head, &raw[..n]);
        assert_eq!(
            field_values(r.head, b"accept-encoding").collect::<Vec<_>>(),
            [&b"a"[..]]
        );
        assert_eq!(
            field_values(r.head, b"host").collect::<Vec<_>>(),
            [&b"h"[..]]
        );
        assert_eq!(field_values(r.head, b"x").count(), 0);
    }

    #[test]
    fn simple_get_fills_every_field() {
        let r = ok(b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assert_eq!(
            r,
            Request {
                method: Method::Get,
                method_bytes: b"GET",
                target: b"/index.html",
                version: Version::Http11,
                host: Some(b"example.com"),
                keep_alive: true,
                body: Body::None,
                if_none_match: None,
                if_modified_since: None,
                range: None,
                if_range: None,
                accept_encoding: None,
                accept_encoding_repeated: false,
                head: b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n",
                referer: None,
                user_agent: None,
            }
        );
    }

    #[test]
    fn realistic_browser_request() {
        let s = b"GET /static/app.js?v=3 HTTP/1.1\r\n\
Host: localhost:8080\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\
Accept: */*\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Referer: http://localhost:8080/\r\n\
Connection: keep-alive\r\n\
Cookie: a=b; c=d\r\n\
Sec-Fetch-Dest: script\r\n\
If-Modified-Since: Tue, 01 Apr 2025 10:00:00 GMT\r\n\
If-None-Match: \"abc-123\"\r\n\
Priority: u=1\r\n\r\n";
        let r = ok(s);
        assert_eq!(r.method, Method::Get);
        assert_eq!(r.target, b"/static/app.js?v=3");
        assert_eq!(r.host, Some(&b"localhost:8080"[..]));
        assert_eq!(r.accept_encoding, Some(&b"gzip, deflate, br, zstd"[..]));
        assert_eq!(
            r.if_modified_since,
            Some(&b"Tue, 01 Apr 2025 10:00:00 GMT"[..])
        );
        assert_eq!(r.if_none_match, Some(&b"\"abc-123\""[..]));
        assert!(r.keep_alive);
        assert_eq!(r.body, Body::None);
    }

    #[test]
    fn empty_and_tiny_buffers_are_partial() {
        partial(b"");
        partial(b"G");
        partial(b"GET");
        partial(b"GET ");
        partial(b"GET /");
        partial(b"GET / ");
        partial(b"GET / HTTP/1.1");
        partial(b"GET / HTTP/1.1\r");
        partial(b"GET / HTTP/1.1\r\n");
        partial(b"GET / HTTP/1.1\r\nHost: h\r\n");
        partial(b"GET / HTTP/1.1\r\nHost: h\r\n\r");
    }

    #[test]
    fn http10_needs_no_host() {
        let r = ok(b"GET / HTTP/1.0\r\n\r\n");
        assert_eq!(r.version, Version::Http10);
        assert_eq!(r.host, None);
        assert!(!r.keep_alive);
    }

    #[test]
    fn http10_with_host_reports_it() {
        let r = ok(b"HEAD /x HTTP/1.0\r\nHost: a.b\r\n\r\n");
        assert_eq!(r.method, Method::Head);
        assert_eq!(r.host, Some(&b"a.b"[..]));
    }

    #[test]
    fn error_statuses() {
        assert_eq!(Error::BadRequest.status(), 400);
        assert_eq!(Error::UriTooLong.status(), 414);
        assert_eq!(Error::HeadersTooLarge.status(), 431);
        assert_eq!(Error::VersionNotSupported.status(), 505);
    }

    #[test]
    fn constants_are_consistent() {
        assert_eq!(MAX_HEAD, 8192 + 16384 + 20);
        assert_eq!(MAX_HEADERS, 100);
    }

    // ---- methods -----------------------------------------------------------------------

    #[test]
    fn method_classes() {
        let cases: &[(&str, Method)] = &[
            ("GET", Method::Get),
            ("HEAD", Method::Head),
            ("POST", Method::Other),
            ("PUT", Method::Other),
            ("DELETE", Method::Other),
            ("CONNECT", Method::Other),
            ("OPTIONS", Method::Other),
            ("TRACE", Method::Other),
            ("PATCH", Method::Other),
            ("get", Method::Unknown),
            ("Get", Method::Unknown),
            ("gET", Method::Unknown),
            ("head", Method::Unknown),
            ("Head", Method::Unknown),
            ("post", Method::Unknown),
            ("options", Method::Unknown),
            ("GE", Method::Unknown),
            ("GETS", Method::Unknown),
            ("HEADER", Method::Unknown),
            ("HEA", Method::Unknown),
            ("POSTS", Method::Unknown),
            ("PROPFIND", Method::Unknown),
            ("MKCOL", Method::Unknown),
            ("M-SEARCH", Method::Unknown),
            ("PRI", Method::Unknown),
            ("QUERY", Method::Unknown),
            ("X", Method::Unknown),
            ("1", Method::Unknown),
            ("!#$%&'*+-.^_`|~", Method::Unknown),
            ("GET1", Method::Unknown),
        ];
        for &(m, want) in cases {
            let s = format!("{m} / HTTP/1.1\r\nHost: h\r\n\r\n");
            let r = ok(s.as_bytes());
            assert_eq!(r.method, want, "{m}");
            assert_eq!(r.method_bytes, m.as_bytes());
        }
    }

    #[test]
    fn method_at_the_request_line_limit_is_still_a_method() {
        let m = "A".repeat(MAX_REQUEST_LINE - 11);
        let s = format!("{m} / HTTP/1.1\r\nHost: h\r\n\r\n");
        let r = ok(s.as_bytes());
        assert_eq!(r.method, Method::Unknown);
        assert_eq!(r.method_bytes.len(), MAX_REQUEST_LINE - 11);
    }

    #[test]
    fn malformed_methods() {
        let cases: &[&[u8]] = &[
            b" / HTTP/1.1\r\nHost: h\r\n\r\n",
            b" GET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\tGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET\r\n\r\n",
            b"GET\n\n",
            b"GET\r\nHost: h\r\n\r\n",
            b"GE(T / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET/ / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET: / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"G\"T / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"G\x00T / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"G\x7fT / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"G\xc3\xa9T / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"{GET} / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET,HEAD / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        ];
        for c in cases {
            assert_eq!(err(c), BAD, "{:?}", show(c));
        }
    }

    #[test]
    fn malformed_methods_fail_before_the_line_ends() {
        assert_eq!(parse(b"GE("), Err(BAD));
        assert_eq!(parse(b" "), Err(BAD));
        assert_eq!(parse(b"GET\t"), Err(BAD));
        assert_eq!(parse(b"GET\r"), Err(BAD));
        assert_eq!(parse(b"\x16\x03"), Err(BAD));
    }

    #[test]
    fn every_byte_inside_a_method() {
        for b in 0..=255u8 {
            let mut s = vec![b'G', b, b'T'];
            s.extend_from_slice(b" / HTTP/1.1\r\nHost: h\r\n\r\n");
            if tchar(b) {
                let r = ok(&s);
                assert_eq!(r.method_bytes, &[b'G', b, b'T']);
                let want = if b == b'E' {
                    Method::Get
                } else {
                    Method::Unknown
                };
                assert_eq!(r.method, want);
            } else {
                assert_eq!(err(&s), BAD, "byte {b:#x}");
            }
        }
    }

    #[test]
    fn every_byte_opening_a_method() {
        for b in 0..=255u8 {
            let mut s = vec![b];
            s.extend_from_slice(b"ET / HTTP/1.1\r\nHost: h\r\n\r\n");
            if tchar(b) {
                assert_eq!(ok(&s).method_bytes, &[b, b'E', b'T']);
            } else if b == b'\n' {
                // An empty line before the request line is skipped.
                assert_eq!(ok(&s).method_bytes, b"ET");
            } else {
                assert_eq!(err(&s), BAD, "byte {b:#x}");
            }
        }
    }

    // ---- targets -----------------------------------------------------------------------

    #[test]
    fn target_forms_are_returned_raw() {
        let cases: &[(&str, &str)] = &[
            ("GET", "/"),
            ("GET", "/a/b/c.html"),
            ("GET", "/a?b=c&d=e"),
            ("GET", "/%2e%2e/%00"),
            ("GET", "/../../etc/passwd"),
            ("GET", "//double"),
            ("GET", "/a#frag"),
            ("GET", "/~user/"),
            ("GET", "/HTTP/1.1"),
            ("GET", "http://example.com/x?y"),
            ("GET", "https://example.com:8443/"),
            ("GET", "http://user@example.com/"),
            ("CONNECT", "example.com:443"),
            ("CONNECT", "[::1]:443"),
            ("OPTIONS", "*"),
            ("GET", "*"),
            ("GET", "noslash"),
            ("GET", "?"),
            ("GET", "/{}|\\^[]`\"<>"),
        ];
        for &(m, t) in cases {
            let s = format!("{m} {t} HTTP/1.1\r\nHost: h\r\n\r\n");
            assert_eq!(ok(s.as_bytes()).target, t.as_bytes(), "{t}");
        }
    }

    #[test]
    fn target_keeps_obs_text() {
        let r = ok(b"GET /caf\xc3\xa9/\xff\x80 HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(r.target, b"/caf\xc3\xa9/\xff\x80");
    }

    #[test]
    fn malformed_targets() {
        let cases: &[&[u8]] = &[
            b"GET  HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET /  HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET /\tHTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET /\x00 HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET /\x1b[31m HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET /a\nb HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET /\r\n\r\n",
            b"GET /\n\n",
            b"GET /index.html\r\n",
            b"GET / \r\nHost: h\r\n\r\n",
            b"GET / \n\n",
        ];
        for c in cases {
            assert_eq!(err(c), BAD, "{:?}", show(c));
        }
    }

    #[test]
    fn http09_style_request_fails_as_soon_as_its_line_ends() {
        assert_eq!(parse(b"GET /\r"), Err(BAD));
        assert_eq!(parse(b"GET /\n"), Err(BAD));
        assert_eq!(parse(b"GET /a\x00"), Err(BAD));
        assert_eq!(parse(b"GET  "), Err(BAD));
    }

    #[test]
    fn every_byte_inside_a_target() {
        for b in 0..=255u8 {
            let mut s = b"GET /a".to_vec();
            s.extend_from_slice(&[b, b'b']);
            s.extend_from_slice(b" HTTP/1.1\r\nHost: h\r\n\r\n");
            if target_char(b) {
                assert_eq!(ok(&s).target, &[b'/', b'a', b, b'b']);
            } else {
                assert_eq!(err(&s), BAD, "byte {b:#x}");
            }
        }
    }

    #[test]
    fn every_byte_at_every_offset_of_a_long_target() {
        for off in 1..27 {
            for b in 0..=255u8 {
                let mut t = vec![b'/'; 27];
                t[off] = b;
                let mut s = b"GET ".to_vec();
                s.extend_from_slice(&t);
                s.extend_from_slice(b" HTTP/1.1\r\nHost: h\r\n\r\n");
                if target_char(b) {
                    assert_eq!(ok(&s).target, &t[..], "byte {b:#x} at {off}");
                } else {
                    assert_eq!(err(&s), BAD, "byte {b:#x} at {off}");
                }
            }
        }
    }

    #[test]
    fn every_byte_as_a_whole_target() {
        for b in 0..=255u8 {
            let mut s = b"GET ".to_vec();
            s.push(b);
            s.extend_from_slice(b" HTTP/1.1\r\nHost: h\r\n\r\n");
            if target_char(b) {
                assert_eq!(ok(&s).target, &[b]);
            } else {
                assert_eq!(err(&s), BAD, "byte {b:#x}");
            }
        }
    }

    // ---- versions ----------------------------------------------------------------------

    #[test]
    fn version_variants() {
        let cases: &[(&str, Result<Version, Error>)] = &[
            ("HTTP/1.1", Ok(Version::Http11)),
            ("HTTP/1.0", Ok(Version::Http10)),
            ("HTTP/2.0", Err(V505)),
            ("HTTP/3.0", Err(V505)),
            ("HTTP/0.9", Err(V505)),
            ("HTTP/0.0", Err(V505)),
            ("HTTP/1.2", Err(V505)),
            ("HTTP/1.9", Err(V505)),
            ("HTTP/2.1", Err(V505)),
            ("HTTP/9.9", Err(V505)),
            ("http/1.1", Err(BAD)),
            ("Http/1.1", Err(BAD)),
            ("HTTP/1.1 ", Err(BAD)),
            ("HTTP/1.1\t", Err(BAD)),
            ("HTTP/1.1x", Err(BAD)),
            ("HTTP/1.10", Err(BAD)),
            ("HTTP/1.1.1", Err(BAD)),
            ("HTTP/1", Err(BAD)),
            ("HTTP/2", Err(BAD)),
            ("HTTP/", Err(BAD)),
            ("HTTP", Err(BAD)),
            ("H", Err(BAD)),
            ("HTTP/11.1", Err(BAD)),
            ("HTTP/01.1", Err(BAD)),
            ("HTTP/1.01", Err(BAD)),
            ("HTTP/1,1", Err(BAD)),
            ("HTTP/1-1", Err(BAD)),
            ("HTTP/a.b", Err(BAD)),
            ("HTTP/+1.1", Err(BAD)),
            ("HTTP/1.+1", Err(BAD)),
            ("HTTP 1.1", Err(BAD)),
            ("HTTP /1.1", Err(BAD)),
            ("HTTP\\1.1", Err(BAD)),
            ("HTTPS/1.1", Err(BAD)),
            ("HTTX/1.1", Err(BAD)),
            ("ICE/1.0", Err(BAD)),
            ("RTSP/1.0", Err(BAD)),
            (" HTTP/1.1", Err(BAD)),
            ("HTTP/1.1 HTTP/1.1", Err(BAD)),
            ("HTTP/\u{0661}.1", Err(BAD)),
        ];
        for &(v, want) in cases {
            let s = format!("GET / {v}\r\nHost: h\r\n\r\n");
            match want {
                Ok(version) => assert_eq!(ok(s.as_bytes()).version, version, "{v}"),
                Err(e) => assert_eq!(err(s.as_bytes()), e, "{v}"),
            }
        }
    }

    #[test]
    fn unsupported_version_is_known_once_the_request_line_ends() {
        assert_eq!(parse(b"GET / HTTP/2.0\r\n"), Err(V505));
        assert_eq!(parse(b"GET / HTTP/0.9\n"), Err(V505));
        assert_eq!(parse(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Err(V505));
        assert_eq!(parse(b"GET / HTTP/2.0\r"), Ok(Parsed::Partial));
        assert_eq!(parse(b"GET / HTTP/2.0\rX"), Err(BAD));
    }

    #[test]
    fn bad_versions_fail_before_the_line_ends() {
        partial(b"GET / H");
        partial(b"GET / HTTP/");
        partial(b"GET / HTTP/2");
        partial(b"GET / HTTP/2.");
        assert_eq!(parse(b"GET / h"), Err(BAD));
        assert_eq!(parse(b"GET / HTTPS"), Err(BAD));
        assert_eq!(parse(b"GET / HTTP/x"), Err(BAD));
        assert_eq!(parse(b"GET / HTTP/1.1 "), Err(BAD));
        assert_eq!(parse(b"GET / HTTP/1.1/"), Err(BAD));
    }

    #[test]
    fn every_byte_at_every_version_position() {
        let base = *b"HTTP/1.1";
        for i in 0..base.len() {
            for b in 0..=255u8 {
                let mut v = base;
                v[i] = b;
                let mut s = b"GET / ".to_vec();
                s.extend_from_slice(&v);
                s.extend_from_slice(b"\r\nHost: h\r\n\r\n");
                let pattern = match i {
                    5 | 7 => b.is_ascii_digit(),
                    _ => b == base[i],
                };
                if &v == b"HTTP/1.1" {
                    assert_eq!(ok(&s).version, Version::Http11);
                } else if &v == b"HTTP/1.0" {
                    assert_eq!(ok(&s).version, Version::Http10);
                } else if pattern {
                    assert_eq!(err(&s), V505, "{:?}", show(&v));
                } else {
                    assert_eq!(err(&s), BAD, "{:?}", show(&v));
                }
            }
        }
    }

    // ---- line endings and leading empty lines ------------------------------------------

    #[test]
    fn lf_only_request() {
        let s = b"GET /x HTTP/1.1\nHost: h\nRange: bytes=0-1\n\n";
        let r = ok(s);
        assert_eq!(r.target, b"/x");
        assert_eq!(r.host, Some(&b"h"[..]));
        assert_eq!(r.range, Some(&b"bytes=0-1"[..]));
    }

    #[test]
    fn mixed_line_endings() {
        ok(b"GET / HTTP/1.1\nHost: h\r\n\n");
        ok(b"GET / HTTP/1.1\r\nHost: h\n\r\n");
        ok(b"GET / HTTP/1.1\nHost: h\n\r\n");
        ok(b"GET / HTTP/1.0\n\r\n");
        ok(b"GET / HTTP/1.0\r\n\n");
    }

    #[test]
    fn bare_cr_is_rejected_everywhere() {
        let cases: &[&[u8]] = &[
            b"\rGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\r\rGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\r\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET / HTTP/1.1\rHost: h\r\n\r\n",
            b"GET / HTTP/1.1\r\rHost: h\r\n\r\n",
            b"GET / HTTP/1.1\r\r\nHost: h\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: h\r\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: h\r\nX: \r\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: h\r\n\r\r\n",
            b"GET / HTTP/1.1\r\nHost: h\r\n\rX",
            b"GET / HTTP/1.1\r\nHost: h\r\n\r\r",
            b"GET / HTTP/1.1\r\n\rHost: h\r\n\r\n",
        ];
        for c in cases {
            assert_eq!(err(c), BAD, "{:?}", show(c));
        }
    }

    #[test]
    fn trailing_cr_waits_for_its_lf() {
        partial(b"\r");
        partial(b"\r\n\r");
        partial(b"GET / HTTP/1.1\r");
        partial(b"GET / HTTP/1.1\r\nHost: h\r");
        partial(b"GET / HTTP/1.1\r\nHost: h\r\nX: \r");
        partial(b"GET / HTTP/1.1\r\nHost: h\r\n\r");
    }

    #[test]
    fn leading_empty_lines_are_skipped_and_counted() {
        let cases: &[&[u8]] = &[
            b"\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\n\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\n\n\n\n\n\n\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\n\r\n\n\r\n\n\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        ];
        for c in cases {
            let r = ok(c);
            assert_eq!(r.method_bytes, b"GET");
            assert_eq!(r.target, b"/");
        }
    }

    #[test]
    fn too_many_leading_empty_lines() {
        let cases: &[&[u8]] = &[
            b"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\n\n\n\n\n\n\n\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\n\n\n\n\n\n\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\n\n\n\n\n\n\n\n\r",
            b"\n\n\n\n\n\n\n\n\n",
        ];
        for c in cases {
            assert_eq!(err(c), BAD, "{:?}", show(c));
        }
        partial(b"\n\n\n\n\n\n\n\n");
        partial(b"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n");
    }

    #[test]
    fn a_flood_of_crlf_ends_quickly() {
        let flood = b"\r\n".repeat(1 << 20);
        assert_eq!(parse(&flood), Err(BAD));
        let flood = b"\n".repeat(1 << 20);
        assert_eq!(parse(&flood), Err(BAD));
    }

    #[test]
    fn empty_lines_between_field_lines_end_the_head() {
        // The second request would start with "X: y"; the first ends at the empty line.
        let s = b"GET / HTTP/1.1\r\nHost: h\r\n\r\nX: y\r\n\r\n";
        match run(s) {
            Ok(Parsed::Complete(r, n)) => {
                assert_eq!(n, 27);
                assert_eq!(r.host, Some(&b"h"[..]));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse(&s[27..]), Err(BAD));
    }

    // ---- header names --------------------------------------------------------------------

    #[test]
    fn malformed_field_names() {
        let cases: &[&str] = &[
            "Host : h\r\n",
            "X-A : v\r\n",
            "X-A\t: v\r\n",
            "X A: v\r\n",
            "X\tA: v\r\n",
            ": v\r\n",
            ":\r\n",
            "X-A\r\n",
            "X-A v\r\n",
            "X-A\n",
            "X(A): v\r\n",
            "X/A: v\r\n",
            "X@A: v\r\n",
            "X[A]: v\r\n",
            "X\"A\": v\r\n",
            "X{A}: v\r\n",
            "X,A: v\r\n",
            "X;A: v\r\n",
            "X=A: v\r\n",
            "X?A: v\r\n",
            "X\\A: v\r\n",
            "X<A>: v\r\n",
            "X\u{e9}: v\r\n",
            "X\u{7f}: v\r\n",
            "X\u{0}: v\r\n",
            " X-A: v\r\n",
            "\tX-A: v\r\n",
            "Content-Length : 5\r\n",
            "Transfer-Encoding : chunked\r\n",
        ];
        for c in cases {
            assert_eq!(with_fields(c), Err(BAD), "{c:?}");
        }
    }

    #[test]
    fn odd_but_valid_field_names() {
        let cases: &[&str] = &[
            "X_A: v\r\n",
            "x: v\r\n",
            "1: v\r\n",
            "!#$%&'*+-.^_`|~: v\r\n",
            "X-A:: v\r\n",
            "X-A:v\r\n",
            "X-A:\r\n",
            "X-A:   \r\n",
            "Hos: h\r\n",
            "Hostt: h\r\n",
            "Content-Lengthx: abc\r\n",
            "XTransfer-Encoding: gzip\r\n",
        ];
        for c in cases {
            assert!(with_fields(c).is_ok(), "{c:?}");
        }
    }

    #[test]
    fn whitespace_before_the_first_field_is_rejected() {
        assert_eq!(err(b"GET / HTTP/1.1\r\n Host: h\r\n\r\n"), BAD);
        assert_eq!(err(b"GET / HTTP/1.1\r\n\tHost: h\r\n\r\n"), BAD);
        assert_eq!(parse(b"GET / HTTP/1.1\r\n "), Err(BAD));
    }

    #[test]
    fn every_byte_inside_a_field_name() {
        for b in 0..=255u8 {
            let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nX".to_vec();
            s.extend_from_slice(&[b, b'Y']);
            s.extend_from_slice(b": v\r\n\r\n");
            if tchar(b) || b == b':' {
                ok(&s);
            } else {
                assert_eq!(err(&s), BAD, "byte {b:#x}");
            }
        }
    }

    #[test]
    fn every_byte_opening_a_field_line() {
        let head = b"GET / HTTP/1.1\r\nHost: h\r\n";
        for b in 0..=255u8 {
            let mut s = head.to_vec();
            s.push(b);
            s.extend_from_slice(b"X: v\r\n\r\n");
            if tchar(b) {
                ok(&s);
            } else if b == b'\n' {
                // A bare LF is the empty line that ends the head.
                match run(&s) {
                    Ok(Parsed::Complete(_, n)) => assert_eq!(n, head.len() + 1),
                    other => panic!("{other:?}"),
                }
            } else {
                assert_eq!(err(&s), BAD, "byte {b:#x}");
            }
        }
    }

    #[test]
    fn field_names_compare_case_insensitively() {
        let r = with_fields(
            "CONTENT-LENGTH: 3\r\nconnection: CLOSE\r\nIF-NONE-MATCH: a\r\nif-modified-since: b\r\n\
RaNgE: c\r\nIf-RaNgE: d\r\nACCEPT-encoding: e\r\n",
        )
        .unwrap();
        assert_eq!(r.body, Body::Length(3));
        assert!(!r.keep_alive);
        assert_eq!(r.if_none_match, Some(&b"a"[..]));
        assert_eq!(r.if_modified_since, Some(&b"b"[..]));
        assert_eq!(r.range, Some(&b"c"[..]));
        assert_eq!(r.if_range, Some(&b"d"[..]));
        assert_eq!(r.accept_encoding, Some(&b"e"[..]));
        assert_eq!(
            ok(b"GET / HTTP/1.1\r\nHOST: x\r\n\r\n").host,
            Some(&b"x"[..])
        );
        assert_eq!(
            ok(b"GET / HTTP/1.1\r\nhOsT: x\r\n\r\n").host,
            Some(&b"x"[..])
        );
        assert_eq!(
            with_fields("tRANSFER-eNCODING: ChUnKeD\r\n").unwrap().body,
            Body::Chunked
        );
    }

    // ---- header values -------------------------------------------------------------------

    #[test]
    fn every_byte_inside_a_field_value() {
        for b in 0..=255u8 {
            let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nRange: a".to_vec();
            s.extend_from_slice(&[b, b'b']);
            s.extend_from_slice(b"\r\n\r\n");
            if value_char(b) {
                assert_eq!(ok(&s).range, Some(&[b'a', b, b'b'][..]));
            } else {
                assert_eq!(err(&s), BAD, "byte {b:#x}");
            }
        }
    }

    #[test]
    fn every_byte_at_every_offset_of_a_long_value() {
        // Values are scanned a word at a time: a bad byte must be caught in any lane.
        for off in 0..27 {
            for b in 0..=255u8 {
                // Never last: a final LF would just end the line.
                let mut v = vec![b'v'; 28];
                v[off] = b;
                let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nRange: ".to_vec();
                s.extend_from_slice(&v);
                s.extend_from_slice(b"\r\n\r\n");
                if value_char(b) {
                    let want = v.trim_ascii();
                    assert_eq!(ok(&s).range, Some(want), "byte {b:#x} at {off}");
                } else {
                    assert_eq!(err(&s), BAD, "byte {b:#x} at {off}");
                }
            }
        }
    }

    #[test]
    fn tabs_in_a_long_value_do_not_end_it() {
        let v = b"a\tb\tc\td\te\tf\tg\th\ti\tj\tk\tl\tm\tn\to";
        let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nRange: ".to_vec();
        s.extend_from_slice(v);
        s.extend_from_slice(b"\r\n\r\n");
        assert_eq!(ok(&s).range, Some(&v[..]));
    }

    #[test]
    fn every_byte_as_a_whole_field_value() {
        for b in 0..=255u8 {
            let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nRange:".to_vec();
            s.push(b);
            s.extend_from_slice(b"\r\n\r\n");
            if b == b' ' || b == b'\t' {
                assert_eq!(ok(&s).range, Some(&b""[..]));
            } else if value_char(b) {
                assert_eq!(ok(&s).range, Some(&[b][..]));
            } else if b == b'\n' {
                // "Range:\n" ends the field, the CRLF after it ends the head.
                match run(&s) {
                    Ok(Parsed::Complete(r, n)) => {
                        assert_eq!(r.range, Some(&b""[..]));
                        assert_eq!(n, s.len() - 2);
                    }
                    other => panic!("{other:?}"),
                }
            } else {
                assert_eq!(err(&s), BAD, "byte {b:#x}");
            }
        }
    }

    #[test]
    fn malformed_values() {
        let cases: &[&[u8]] = &[
            b"X: a\x00b\r\n",
            b"X: \x00\r\n",
            b"X: a\x7f\r\n",
            b"X: a\x0bb\r\n",
            b"X: a\x0cb\r\n",
            b"X: a\x1bb\r\n",
            b"X: a\x01\r\n",
            b"X: a\x1f\r\n",
            b"X: a\rb\r\n",
            b"X: a\r \r\n",
            b"Range: bytes=0-\x00\r\n",
            b"Host: h\x00\r\n",
        ];
        for c in cases {
            let mut s = b"GET / HTTP/1.0\r\n".to_vec();
            s.extend_from_slice(c);
            s.extend_from_slice(b"\r\n");
            assert_eq!(err(&s), BAD, "{:?}", show(c));
        }
    }

    #[test]
    fn bad_value_bytes_fail_before_the_line_ends() {
        assert_eq!(parse(b"GET / HTTP/1.1\r\nX: a\x00"), Err(BAD));
        assert_eq!(parse(b"GET / HTTP/1.1\r\nX: a\x7f"), Err(BAD));
        assert_eq!(parse(b"GET / HTTP/1.1\r\nX A"), Err(BAD));
        assert_eq!(parse(b"GET / HTTP/1.1\r\nX\t"), Err(BAD));
    }

    #[test]
    fn obs_fold_is_rejected() {
        let cases: &[&str] = &[
            "X: a\r\n b\r\n",
            "X: a\r\n\tb\r\n",
            "X: a\n b\n",
            "X:\r\n b\r\n",
            "Range: bytes=0-1,\r\n 3-4\r\n",
            "Connection: keep-alive,\r\n close\r\n",
            "Content-Length: 5\r\n 5\r\n",
            "X: a\r\n \r\n",
            "X: a\r\n\t\r\n",
        ];
        for c in cases {
            assert_eq!(with_fields(c), Err(BAD), "{c:?}");
        }
        assert_eq!(err(b"GET / HTTP/1.1\r\nHost: h\r\n  x\r\n\r\n"), BAD);
        assert_eq!(err(b"GET / HTTP/1.1\r\nHost:\r\n h\r\n\r\n"), BAD);
    }

    #[test]
    fn values_are_trimmed_of_ows_only_at_the_ends() {
        let cases: &[(&str, &str)] = &[
            ("Range:bytes=0-1", "bytes=0-1"),
            ("Range: bytes=0-1", "bytes=0-1"),
            ("Range:    bytes=0-1", "bytes=0-1"),
            ("Range:\tbytes=0-1", "bytes=0-1"),
            ("Range: \t \tbytes=0-1\t \t", "bytes=0-1"),
            ("Range: bytes=0-1   ", "bytes=0-1"),
            ("Range: a b\tc", "a b\tc"),
            ("Range: a  b", "a  b"),
            ("Range:", ""),
            ("Range: ", ""),
            ("Range:\t\t", ""),
            ("Range: \u{e9}", "\u{e9}"),
        ];
        for &(line, want) in cases {
            let r = with_fields(&format!("{line}\r\n")).unwrap();
            assert_eq!(r.range, Some(want.as_bytes()), "{line:?}");
        }
    }

    #[test]
    fn first_occurrence_of_each_tracked_field_wins() {
        let r = with_fields(
            "If-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\
If-Modified-Since: one\r\nIf-Modified-Since: two\r\n\
Range: bytes=0-0\r\nRange: bytes=1-1\r\n\
If-Range: \"x\"\r\nIf-Range: \"y\"\r\n\
Accept-Encoding: gzip\r\nAccept-Encoding: br\r\n",
        )
        .unwrap();
        assert_eq!(r.if_none_match, Some(&b"\"a\""[..]));
        assert_eq!(r.if_modified_since, Some(&b"one"[..]));
        assert_eq!(r.range, Some(&b"bytes=0-0"[..]));
        assert_eq!(r.if_range, Some(&b"\"x\""[..]));
        assert_eq!(r.accept_encoding, Some(&b"gzip"[..]));
    }

    #[test]
    fn an_empty_first_occurrence_still_wins() {
        let r = with_fields("Range:\r\nRange: bytes=0-1\r\n").unwrap();
        assert_eq!(r.range, Some(&b""[..]));
    }

    #[test]
    fn tracked_fields_absent_are_none() {
        let r = with_fields("X-Range: a\r\nRanges: b\r\nIf-Match: c\r\nAccept: d\r\n").unwrap();
        assert_eq!(r.range, None);
        assert_eq!(r.if_range, None);
        assert_eq!(r.if_none_match, None);
        assert_eq!(r.if_modified_since, None);
        assert_eq!(r.accept_encoding, None);
    }

    type Field = for<'a> fn(&Request<'a>) -> Option<&'a [u8]>;

    #[test]
    fn each_tracked_field_alone() {
        let cases: &[(&str, Field)] = &[
            ("If-None-Match", |r| r.if_none_match),
            ("If-Modified-Since", |r| r.if_modified_since),
            ("Range", |r| r.range),
            ("If-Range", |r| r.if_range),
            ("Accept-Encoding", |r| r.accept_encoding),
            ("Referer", |r| r.referer),
            ("User-Agent", |r| r.user_agent),
        ];
        for (i, &(name, get)) in cases.iter().enumerate() {
            let r = with_fields(&format!("{name}: v{i}\r\n")).unwrap();
            let want = format!("v{i}");
            for (j, &(_, other)) in cases.iter().enumerate() {
                let got = other(&r);
                if i == j {
                    assert_eq!(got, Some(want.as_bytes()), "{name}");
                } else {
                    assert_eq!(got, None, "{name} leaked");
                }
            }
            assert_eq!(get(&r), Some(want.as_bytes()));
        }
    }

    // ---- Host ----------------------------------------------------------------------------

    type HostWant = Result<Option<&'static [u8]>, Error>;

    #[test]
    fn host_rules() {
        let cases: &[(&[u8], HostWant)] = &[
            (b"GET / HTTP/1.1\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nX-Host: h\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost:\r\nHost:\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.0\r\n\r\n", Ok(None)),
            (b"GET / HTTP/1.1\r\nHost:\r\n\r\n", Ok(Some(b""))),
            (b"GET / HTTP/1.1\r\nHost:   \r\n\r\n", Ok(Some(b""))),
            (b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", Ok(Some(b"h"))),
            (b"GET / HTTP/1.1\r\nHost:h\r\n\r\n", Ok(Some(b"h"))),
            (b"GET / HTTP/1.1\r\nHost: \th \t\r\n\r\n", Ok(Some(b"h"))),
            (
                b"GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
                Ok(Some(b"example.com:8080")),
            ),
            (
                b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                Ok(Some(b"127.0.0.1")),
            ),
            (
                b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
                Ok(Some(b"[::1]:8080")),
            ),
            (
                b"GET / HTTP/1.1\r\nHost: [fe80::1%25eth0]\r\n\r\n",
                Ok(Some(b"[fe80::1%25eth0]")),
            ),
            (
                b"GET / HTTP/1.1\r\nHost: xn--bcher-kva.example\r\n\r\n",
                Ok(Some(b"xn--bcher-kva.example")),
            ),
            (
                b"GET / HTTP/1.1\r\nHost: EXAMPLE.COM\r\n\r\n",
                Ok(Some(b"EXAMPLE.COM")),
            ),
            (b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: a\tb\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: h/\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: user@h\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: h?x\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: h#x\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: \"h\"\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: h\\x\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: <h>\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: h\xc3\xa9\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: h\x00\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: h\x7f\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", Err(BAD)),
            (b"GET / HTTP/1.0\r\nHost: a b\r\n\r\n", Err(BAD)),
        ];
        for &(s, want) in cases {
            match want {
                Ok(host) => assert_eq!(ok(s).host, host, "{:?}", show(s)),
                Err(e) => assert_eq!(err(s), e, "{:?}", show(s)),
            }
        }
    }

    #[test]
    fn missing_host_is_only_known_at_the_end() {
        partial(b"GET / HTTP/1.1\r\nX: y\r\n");
        assert_eq!(parse(b"GET / HTTP/1.1\r\nX: y\r\n\r\n"), Err(BAD));
        assert_eq!(parse(b"GET / HTTP/1.1\n\n"), Err(BAD));
    }

    #[test]
    fn duplicate_host_fails_before_the_head_ends() {
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n"), Err(BAD));
    }

    #[test]
    fn absolute_form_still_needs_host_in_http11() {
        assert_eq!(err(b"GET http://h/ HTTP/1.1\r\n\r\n"), BAD);
        let r = ok(b"GET http://h/x HTTP/1.1\r\nHost: other\r\n\r\n");
        assert_eq!(r.target, b"http://h/x");
        assert_eq!(r.host, Some(&b"other"[..]));
    }

    #[test]
    fn every_byte_inside_a_host() {
        for b in 0..=255u8 {
            let mut s = b"GET / HTTP/1.1\r\nHost: a".to_vec();
            s.extend_from_slice(&[b, b'b']);
            s.extend_from_slice(b"\r\n\r\n");
            if host_char(b) {
                assert_eq!(ok(&s).host, Some(&[b'a', b, b'b'][..]));
            } else {
                assert_eq!(err(&s), BAD, "byte {b:#x}");
            }
        }
    }

    // ---- Content-Length and Transfer-Encoding --------------------------------------------

    fn body(fields: &str) -> Result<Body, Error> {
        let s = format!("POST /upload HTTP/1.1\r\nHost: h\r\n{fields}\r\n");
        let s: &'static [u8] = s.into_bytes().leak();
        match run(s) {
            Ok(Parsed::Complete(r, n)) => {
                assert_eq!(n, s.len());
                assert_eq!(r.method, Method::Other);
                Ok(r.body)
            }
            Ok(Parsed::Partial) => panic!("partial"),
            Err(e) => Err(e),
        }
    }

    #[test]
    fn content_length_values() {
        let cases: &[(&str, Result<Body, Error>)] = &[
            ("0", Ok(Body::Length(0))),
            ("5", Ok(Body::Length(5))),
            ("00", Ok(Body::Length(0))),
            ("0005", Ok(Body::Length(5))),
            ("1234567890", Ok(Body::Length(1_234_567_890))),
            ("18446744073709551615", Ok(Body::Length(u64::MAX))),
            ("018446744073709551615", Ok(Body::Length(u64::MAX))),
            ("18446744073709551616", Err(BAD)),
            ("99999999999999999999", Err(BAD)),
            ("184467440737095516150", Err(BAD)),
            ("  5  ", Ok(Body::Length(5))),
            ("\t5\t", Ok(Body::Length(5))),
            ("5, 5", Ok(Body::Length(5))),
            ("5,5", Ok(Body::Length(5))),
            ("5 ,\t5 , 5", Ok(Body::Length(5))),
            ("5, 05", Ok(Body::Length(5))),
            ("", Err(BAD)),
            (" ", Err(BAD)),
            ("+5", Err(BAD)),
            ("-5", Err(BAD)),
            ("-0", Err(BAD)),
            ("5 5", Err(BAD)),
            ("5\t5", Err(BAD)),
            ("5, 6", Err(BAD)),
            ("6, 5", Err(BAD)),
            ("5, 5, 6", Err(BAD)),
            ("5,", Err(BAD)),
            (",5", Err(BAD)),
            ("5,,5", Err(BAD)),
            (",", Err(BAD)),
            ("0x5", Err(BAD)),
            ("5.0", Err(BAD)),
            ("1e3", Err(BAD)),
            ("5;", Err(BAD)),
            ("five", Err(BAD)),
            ("\u{0665}", Err(BAD)),
            ("\u{ff15}", Err(BAD)),
            ("5\"", Err(BAD)),
            ("\"5\"", Err(BAD)),
        ];
        for &(v, want) in cases {
            assert_eq!(body(&format!("Content-Length: {v}\r\n")), want, "{v:?}");
        }
    }

    #[test]
    fn repeated_content_length_fields() {
        let cases: &[(&str, Result<Body, Error>)] = &[
            (
                "Content-Length: 5\r\nContent-Length: 5\r\n",
                Ok(Body::Length(5)),
            ),
            (
                "Content-Length:5\r\nContent-Length: 5\r\n",
                Ok(Body::Length(5)),
            ),
            (
                "Content-Length: 5\r\ncontent-length: 5, 5\r\n",
                Ok(Body::Length(5)),
            ),
            ("Content-Length: 5\r\nContent-Length: 6\r\n", Err(BAD)),
            ("Content-Length: 5\r\nContent-Length: 5, 6\r\n", Err(BAD)),
            ("Content-Length: 0\r\nContent-Length: 1\r\n", Err(BAD)),
            ("Content-Length: 5\r\nContent-Length:\r\n", Err(BAD)),
            ("Content-Length: 5\r\nContent-Length: x\r\n", Err(BAD)),
        ];
        for &(f, want) in cases {
            assert_eq!(body(f), want, "{f:?}");
        }
    }

    #[test]
    fn transfer_encoding_values() {
        let cases: &[(&str, Result<Body, Error>)] = &[
            ("chunked", Ok(Body::Chunked)),
            ("Chunked", Ok(Body::Chunked)),
            ("CHUNKED", Ok(Body::Chunked)),
            ("  chunked\t", Ok(Body::Chunked)),
            ("gzip, chunked", Ok(Body::Chunked)),
            ("gzip,chunked", Ok(Body::Chunked)),
            ("deflate, gzip, chunked", Ok(Body::Chunked)),
            ("identity, chunked", Ok(Body::Chunked)),
            ("chunked, identity", Err(BAD)),
            ("chunked, gzip", Err(BAD)),
            ("chunked, chunked", Err(BAD)),
            ("chunked,", Err(BAD)),
            (", chunked", Err(BAD)),
            ("gzip,, chunked", Err(BAD)),
            ("identity", Err(BAD)),
            ("gzip", Err(BAD)),
            ("", Err(BAD)),
            (" ", Err(BAD)),
            (",", Err(BAD)),
            ("chunk", Err(BAD)),
            ("chunkedx", Err(BAD)),
            ("xchunked", Err(BAD)),
            ("chunked;q=1", Err(BAD)),
            ("\"chunked\"", Err(BAD)),
            ("chunked chunked", Err(BAD)),
            ("gzip chunked", Err(BAD)),
            ("ch unked", Err(BAD)),
            ("\u{0441}hunked", Err(BAD)),
        ];
        for &(v, want) in cases {
            assert_eq!(body(&format!("Transfer-Encoding: {v}\r\n")), want, "{v:?}");
        }
    }

    #[test]
    fn transfer_encoding_fields_combine() {
        let cases: &[(&str, Result<Body, Error>)] = &[
            (
                "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
                Ok(Body::Chunked),
            ),
            (
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
                Err(BAD),
            ),
            (
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                Err(BAD),
            ),
            (
                "Transfer-Encoding: chunked\r\nTransfer-Encoding:\r\n",
                Err(BAD),
            ),
            (
                "Transfer-Encoding: gzip\r\nTransfer-Encoding: identity\r\n",
                Err(BAD),
            ),
        ];
        for &(f, want) in cases {
            assert_eq!(body(f), want, "{f:?}");
        }
    }

    #[test]
    fn smuggling_variants() {
        let cases: &[&str] = &[
            "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
            "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
            "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked, identity\r\n",
            "Transfer-Encoding: identity\r\nContent-Length: 5\r\n",
            "Transfer-Encoding: xchunked\r\n",
            "Transfer-Encoding : chunked\r\n",
            "Transfer-Encoding:\x0bchunked\r\n",
            "Transfer-Encoding: chunked\r\n Transfer-Encoding: gzip\r\n",
            "Content-Length: +5\r\n",
            "Content-Length: 5, 6\r\n",
            "Content-Length: 5\r\nContent-Length: 6\r\n",
            "Content-Length: 1_0\r\n",
            "Content-Length\r\n: 5\r\n",
        ];
        for f in cases {
            let s = format!("POST / HTTP/1.1\r\nHost: h\r\n{f}\r\n");
            assert_eq!(parse(s.as_bytes()), Err(BAD), "{f:?}");
        }
        // Identical repeats are one value.
        assert_eq!(
            body("Content-Length:5\r\nContent-Length: 5\r\n"),
            Ok(Body::Length(5))
        );
    }

    #[test]
    fn framing_conflicts_fail_before_the_head_ends() {
        let cases: &[&[u8]] = &[
            b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: x\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n",
            b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n",
        ];
        for c in cases {
            assert_eq!(parse(c), Err(BAD), "{:?}", show(c));
        }
    }

    #[test]
    fn transfer_encoding_in_http10() {
        let cases: &[&[u8]] = &[
            b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST / HTTP/1.0\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            b"POST / HTTP/1.0\r\nTransfer-Encoding: identity\r\n\r\n",
            b"POST / HTTP/1.0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
            b"GET / HTTP/1.0\r\nHost: h\r\ntransfer-encoding: CHUNKED\r\n\r\n",
        ];
        for c in cases {
            assert_eq!(err(c), BAD, "{:?}", show(c));
        }
        let r = ok(b"POST / HTTP/1.0\r\nContent-Length: 7\r\n\r\n");
        assert_eq!(r.body, Body::Length(7));
    }

    #[test]
    fn no_framing_fields_means_no_body() {
        assert_eq!(body(""), Ok(Body::None));
        assert_eq!(body("Content-Type: text/plain\r\n"), Ok(Body::None));
        assert_eq!(body("Content-Length-X: 5\r\n"), Ok(Body::None));
    }

    // ---- keep-alive ----------------------------------------------------------------------

    #[test]
    fn keep_alive_decisions() {
        let cases: &[(&str, &str, bool)] = &[
            ("1.1", "", true),
            ("1.1", "Connection: close\r\n", false),
            ("1.1", "Connection: Close\r\n", false),
            ("1.1", "Connection: CLOSE\r\n", false),
            ("1.1", "Connection:close\r\n", false),
            ("1.1", "Connection:  close  \r\n", false),
            ("1.1", "Connection: keep-alive\r\n", true),
            ("1.1", "Connection: Keep-Alive\r\n", true),
            ("1.1", "Connection: keep-alive, close\r\n", false),
            ("1.1", "Connection: close, keep-alive\r\n", false),
            ("1.1", "Connection: upgrade, close\r\n", false),
            ("1.1", "Connection: foo,close\r\n", false),
            ("1.1", "Connection: ,close,\r\n", false),
            ("1.1", "Connection: upgrade\r\n", true),
            ("1.1", "Connection: closed\r\n", true),
            ("1.1", "Connection: close-ish\r\n", true),
            ("1.1", "Connection: \"close\"\r\n", true),
            ("1.1", "Connection: clos e\r\n", true),
            ("1.1", "Connection:\r\n", true),
            ("1.1", "Connection: ,\r\n", true),
            ("1.1", "Connection: te\r\nConnection: close\r\n", false),
            (
                "1.1",
                "Connection: close\r\nConnection: keep-alive\r\n",
                false,
            ),
            ("1.1", "X-Connection: close\r\n", true),
            ("1.1", "Proxy-Connection: close\r\n", true),
            ("1.1", "Keep-Alive: timeout=5\r\n", true),
            ("1.0", "", false),
            ("1.0", "Connection: keep-alive\r\n", true),
            ("1.0", "Connection: Keep-Alive\r\n", true),
            ("1.0", "Connection: KEEP-ALIVE\r\n", true),
            ("1.0", "Connection:keep-alive\r\n", true),
            ("1.0", "Connection: foo, keep-alive\r\n", true),
            ("1.0", "Connection: keep-alive, foo\r\n", true),
            ("1.0", "Connection: keep-alive, close\r\n", false),
            ("1.0", "Connection: close, keep-alive\r\n", false),
            ("1.0", "Connection: close\r\n", false),
            (
                "1.0",
                "Connection: keep-alive\r\nConnection: close\r\n",
                false,
            ),
            (
                "1.0",
                "Connection: close\r\nConnection: keep-alive\r\n",
                false,
            ),
            ("1.0", "Connection: foo\r\nConnection: keep-alive\r\n", true),
            ("1.0", "Connection: keepalive\r\n", false),
            ("1.0", "Connection: keep-alive2\r\n", false),
            ("1.0", "Connection: keep alive\r\n", false),
            ("1.0", "Keep-Alive: timeout=5\r\n", false),
            ("1.0", "X-Connection: keep-alive\r\n", false),
        ];
        for &(v, fields, want) in cases {
            let host = if v == "1.1" { "Host: h\r\n" } else { "" };
            let s = format!("GET / HTTP/{v}\r\n{host}{fields}\r\n");
            assert_eq!(ok(s.as_bytes()).keep_alive, want, "{v} {fields:?}");
        }
    }

    // ---- limits --------------------------------------------------------------------------

    /// A request line of exactly `len` bytes: GET, a padded target, HTTP/1.1.
    fn request_line(len: usize) -> Vec<u8> {
        let mut s = b"GET /".to_vec();
        s.resize(len - 9, b'a');
        s.extend_from_slice(b" HTTP/1.1");
        assert_eq!(s.len(), len);
        s
    }

    #[test]
    fn request_line_at_the_limit() {
        for eol in [&b"\r\n"[..], b"\n"] {
            let mut s = request_line(MAX_REQUEST_LINE);
            s.extend_from_slice(eol);
            s.extend_from_slice(b"Host: h\r\n\r\n");
            assert_eq!(ok(&s).target.len(), MAX_REQUEST_LINE - 13);
        }
    }

    #[test]
    fn request_line_one_over_the_limit() {
        for eol in [&b"\r\n"[..], b"\n"] {
            let mut s = request_line(MAX_REQUEST_LINE + 1);
            s.extend_from_slice(eol);
            s.extend_from_slice(b"Host: h\r\n\r\n");
            assert_eq!(err(&s), LONG);
        }
    }

    #[test]
    fn request_line_limit_on_partial_input() {
        let line = request_line(MAX_REQUEST_LINE + 1);
        // Every byte of the line but the last may still end in time.
        assert_eq!(parse(&line[..MAX_REQUEST_LINE]), Ok(Parsed::Partial));
        assert_eq!(parse(&line), Err(LONG));
        let mut at = request_line(MAX_REQUEST_LINE);
        at.push(b'\r');
        assert_eq!(parse(&at), Ok(Parsed::Partial));
        at.push(b'\n');
        assert_eq!(parse(&at), Ok(Parsed::Partial));
    }

    #[test]
    fn request_line_limit_in_each_part() {
        // The line runs out inside the method, the target, or the version.
        let method = vec![b'A'; MAX_REQUEST_LINE + 1];
        assert_eq!(parse(&method[..MAX_REQUEST_LINE]), Ok(Parsed::Partial));
        assert_eq!(parse(&method), Err(LONG));
        let mut target = b"GET /".to_vec();
        target.resize(MAX_REQUEST_LINE + 1, b'x');
        assert_eq!(parse(&target[..MAX_REQUEST_LINE]), Ok(Parsed::Partial));
        assert_eq!(parse(&target), Err(LONG));
        let mut version = b"GET /".to_vec();
        version.resize(MAX_REQUEST_LINE - 4, b'x');
        version.extend_from_slice(b" HTTP/1.1");
        assert_eq!(version.len(), MAX_REQUEST_LINE + 5);
        assert_eq!(parse(&version[..MAX_REQUEST_LINE]), Ok(Parsed::Partial));
        assert_eq!(parse(&version[..=MAX_REQUEST_LINE]), Err(LONG));
        assert_eq!(parse(&version), Err(LONG));
        version.extend_from_slice(b"\r\nHost: h\r\n\r\n");
        assert_eq!(err(&version), LONG);
    }

    #[test]
    fn request_line_limit_is_per_line_after_empty_lines() {
        let mut s = b"\r\n".repeat(MAX_EMPTY_LINES);
        s.extend_from_slice(&request_line(MAX_REQUEST_LINE));
        s.extend_from_slice(b"\r\nHost: h\r\n\r\n");
        ok(&s);
        let mut s = b"\n".repeat(MAX_EMPTY_LINES);
        s.extend_from_slice(&request_line(MAX_REQUEST_LINE + 1));
        assert_eq!(err(&s), LONG);
    }

    #[test]
    fn request_line_limit_counts_no_bytes_of_a_huge_buffer_beyond_it() {
        let mut s = b"GET /".to_vec();
        s.resize(1 << 20, b'a');
        assert_eq!(parse(&s), Err(LONG));
    }

    /// A head whose header section (field lines with endings) is exactly `bytes` long.
    fn head_with_header_bytes(bytes: usize, eol: &[u8]) -> Vec<u8> {
        let mut s = b"GET / HTTP/1.1\r\n".to_vec();
        let start = s.len();
        s.extend_from_slice(b"Host: h");
        s.extend_from_slice(eol);
        s.extend_from_slice(b"X-Pad: ");
        let pad_to = start + bytes - eol.len();
        assert!(s.len() <= pad_to);
        s.resize(pad_to, b'v');
        s.extend_from_slice(eol);
        assert_eq!(s.len() - start, bytes);
        s.extend_from_slice(eol);
        s
    }

    #[test]
    fn header_section_at_the_limit() {
        for eol in [&b"\r\n"[..], b"\n"] {
            let s = head_with_header_bytes(MAX_HEADER_BYTES, eol);
            assert_eq!(ok(&s).host, Some(&b"h"[..]));
        }
    }

    #[test]
    fn header_section_one_over_the_limit() {
        for eol in [&b"\r\n"[..], b"\n"] {
            let s = head_with_header_bytes(MAX_HEADER_BYTES + 1, eol);
            assert_eq!(err(&s), LARGE);
        }
    }

    #[test]
    fn header_section_limit_on_partial_input() {
        let start = b"GET / HTTP/1.1\r\n".len();
        let end = start + MAX_HEADER_BYTES;
        // Exactly at the limit: complete once the final empty line comes.
        let s = head_with_header_bytes(MAX_HEADER_BYTES, b"\r\n");
        assert_eq!(parse(&s[..end]), Ok(Parsed::Partial));
        assert_eq!(parse(&s[..=end]), Ok(Parsed::Partial));
        // One over with CRLF: the CR that lands on the limit seals it.
        let s = head_with_header_bytes(MAX_HEADER_BYTES + 1, b"\r\n");
        assert_eq!(parse(&s[..end - 1]), Ok(Parsed::Partial));
        assert_eq!(parse(&s[..end]), Err(LARGE));
        // A field line still open at the limit can no longer fit.
        let mut open = b"GET / HTTP/1.1\r\nHost: h\r\nX: ".to_vec();
        open.resize(end - 1, b'v');
        assert_eq!(parse(&open), Ok(Parsed::Partial));
        let mut lf = open.clone();
        lf.extend_from_slice(b"\n\r\n");
        ok(&lf);
        open.push(b'v');
        assert_eq!(parse(&open), Err(LARGE));
        // The same inside a field name that never gets its colon.
        let mut name = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
        name.resize(end - 1, b'N');
        assert_eq!(parse(&name), Ok(Parsed::Partial));
        name.push(b'N');
        assert_eq!(parse(&name), Err(LARGE));
    }

    #[test]
    fn header_section_limit_stops_a_huge_buffer() {
        let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nX: ".to_vec();
        s.resize(1 << 20, b'v');
        assert_eq!(parse(&s), Err(LARGE));
    }

    #[test]
    fn final_empty_line_is_not_counted_in_the_header_section() {
        let s = head_with_header_bytes(MAX_HEADER_BYTES, b"\r\n");
        match parse(&s) {
            Ok(Parsed::Complete(_, n)) => assert_eq!(n, 16 + MAX_HEADER_BYTES + 2),
            other => panic!("{other:?}"),
        }
    }

    /// A head with Host and `n - 1` more field lines.
    fn head_with_fields(n: usize, version: &str) -> Vec<u8> {
        let mut s = format!("GET / HTTP/{version}\r\nHost: h\r\n");
        for i in 1..n {
            s.push_str(&format!("X-{i}: {i}\r\n"));
        }
        s.push_str("\r\n");
        s.into_bytes()
    }

    #[test]
    fn header_count_at_the_limit() {
        ok(&head_with_fields(MAX_HEADERS, "1.1"));
        ok(&head_with_fields(MAX_HEADERS, "1.0"));
        // Repeated tracked fields count too.
        let mut s = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
        for _ in 1..MAX_HEADERS {
            s.extend_from_slice(b"Range: bytes=0-0\r\n");
        }
        s.extend_from_slice(b"\r\n");
        ok(&s);
    }

    #[test]
    fn header_count_one_over_the_limit() {
        assert_eq!(err(&head_with_fields(MAX_HEADERS + 1, "1.1")), LARGE);
        assert_eq!(err(&head_with_fields(MAX_HEADERS + 1, "1.0")), LARGE);
        let mut empties = b"GET / HTTP/1.0\r\n".to_vec();
        for _ in 0..=MAX_HEADERS {
            empties.extend_from_slice(b"X:\n");
        }
        empties.push(b'\n');
        assert_eq!(err(&empties), LARGE);
    }

    #[test]
    fn header_count_limit_on_partial_input() {
        let full = head_with_fields(MAX_HEADERS, "1.1");
        let body = &full[..full.len() - 2];
        assert_eq!(parse(body), Ok(Parsed::Partial));
        let mut s = body.to_vec();
        s.push(b'\r');
        assert_eq!(parse(&s), Ok(Parsed::Partial));
        let mut s = body.to_vec();
        s.push(b'X');
        assert_eq!(parse(&s), Err(LARGE));
        let mut s = body.to_vec();
        s.push(b'\n');
        assert!(matches!(parse(&s), Ok(Parsed::Complete(..))));
    }

    /// The largest head the limits allow: every allowance used to the full.
    fn largest_head() -> Vec<u8> {
        let mut s = b"\r\n".repeat(MAX_EMPTY_LINES);
        s.extend_from_slice(&request_line(MAX_REQUEST_LINE));
        s.extend_from_slice(b"\r\nHost: h\r\nX: ");
        let start = 2 * MAX_EMPTY_LINES + MAX_REQUEST_LINE + 2;
        s.resize(start + MAX_HEADER_BYTES - 2, b'v');
        s.extend_from_slice(b"\r\n\r\n");
        s
    }

    #[test]
    fn max_head_is_the_largest_valid_head() {
        let s = largest_head();
        assert_eq!(s.len(), MAX_HEAD);
        ok(&s);
    }

    #[test]
    fn partial_never_reaches_max_head() {
        let s = largest_head();
        assert_eq!(parse(&s[..MAX_HEAD - 1]), Ok(Parsed::Partial));
        // One more byte anywhere in the head breaks a limit.
        let mut more_empty = b"\n".to_vec();
        more_empty.extend_from_slice(&s);
        assert_eq!(parse(&more_empty), Err(BAD));
        let mut longer = s.clone();
        longer.insert(2 * MAX_EMPTY_LINES + 5, b'a');
        assert_eq!(parse(&longer), Err(LONG));
        let mut larger = s.clone();
        larger.insert(MAX_HEAD - 6, b'v');
        assert_eq!(parse(&larger), Err(LARGE));
        // Its field line's CR now sits on the last byte the section may use.
        assert_eq!(parse(&larger[..MAX_HEAD - 3]), Ok(Parsed::Partial));
        assert_eq!(parse(&larger[..MAX_HEAD - 2]), Err(LARGE));
    }

    #[test]
    fn partial_bound_holds_for_long_inputs_of_every_shape() {
        // Whatever the shape, a buffer of MAX_HEAD bytes always gets an answer.
        let shapes: Vec<Vec<u8>> = vec![
            vec![b'A'; MAX_HEAD],
            {
                let mut s = b"GET /".to_vec();
                s.resize(MAX_HEAD, b'a');
                s
            },
            {
                let mut s = b"GET / HTTP/1.1\r\nHost: h\r\nX: ".to_vec();
                s.resize(MAX_HEAD, b'v');
                s
            },
            {
                let mut s = largest_head();
                s.truncate(MAX_HEAD - 2);
                s.extend_from_slice(b"\r\r");
                s
            },
            head_with_fields(MAX_HEADERS, "1.1")
                .into_iter()
                .chain(b"X-Y: z\r\n".repeat(4000))
                .take(MAX_HEAD)
                .collect(),
        ];
        for s in &shapes {
            assert_ne!(parse(s), Ok(Parsed::Partial));
        }
    }

    // ---- pipelining ----------------------------------------------------------------------

    /// Parses every request in `buf` in turn; returns them with where each began.
    fn parse_all(buf: &[u8]) -> Vec<(usize, Request<'_>)> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < buf.len() {
            match parse(&buf[at..]) {
                Ok(Parsed::Complete(r, n)) => {
                    out.push((at, r));
                    at += n;
                }
                other => panic!("at {at}: {other:?}"),
            }
        }
        out
    }

    #[test]
    fn pipelined_gets() {
        let buf = b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n\
HEAD /c HTTP/1.0\r\n\r\nGET /d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
        let all = parse_all(buf);
        let targets: Vec<&[u8]> = all.iter().map(|(_, r)| r.target).collect();
        assert_eq!(targets, [&b"/a"[..], b"/b", b"/c", b"/d"]);
        let at: Vec<usize> = all.iter().map(|&(a, _)| a).collect();
        assert_eq!(at, [0, 28, 56, 76]);
        assert_eq!(all[2].1.method, Method::Head);
        assert!(all[1].1.keep_alive);
        assert!(!all[2].1.keep_alive);
        assert!(!all[3].1.keep_alive);
    }

    #[test]
    fn bodyless_get_followed_by_another() {
        let buf = b"GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n";
        match run(buf) {
            Ok(Parsed::Complete(r, n)) => {
                assert_eq!(r.target, b"/");
                assert_eq!(r.body, Body::None);
                assert_eq!(n, 27);
                assert_eq!(ok(&buf[n..]).target, b"/next");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pipelined_with_partial_second_request() {
        let buf = b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHo";
        match parse(buf) {
            Ok(Parsed::Complete(r, n)) => {
                assert_eq!(r.target, b"/a");
                assert_eq!(parse(&buf[n..]), Ok(Parsed::Partial));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pipelined_after_a_body_and_stray_crlf() {
        // The caller skips the body; a client's extra CRLF after it is skipped here.
        let buf = b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello\r\n\
GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
        let Ok(Parsed::Complete(first, n)) = parse(buf) else {
            panic!()
        };
        assert_eq!(first.body, Body::Length(5));
        let rest = &buf[n + 5..];
        let r = ok(rest);
        assert_eq!(r.target, b"/b");
    }

    #[test]
    fn pipelined_lf_only_requests() {
        let buf = b"GET /1 HTTP/1.1\nHost: h\n\nGET /2 HTTP/1.0\n\n\nGET /3 HTTP/1.1\nHost: h\n\n";
        let all = parse_all(buf);
        assert_eq!(all.len(), 3);
        assert_eq!(all[2].1.target, b"/3");
    }

    #[test]
    fn pipelined_error_after_a_good_request() {
        let buf = b"GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: a b\r\n\r\n";
        let Ok(Parsed::Complete(_, n)) = parse(buf) else {
            panic!()
        };
        assert_eq!(parse(&buf[n..]), Err(BAD));
    }

    // ---- every split point ---------------------------------------------------------------

    #[test]
    fn every_prefix_of_a_valid_request_is_partial() {
        let requests: &[&[u8]] = &[
            b"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\r\n\nGET /x?y HTTP/1.1\r\nHost: example.com:80\r\nConnection: keep-alive\r\n\
Range: bytes=0-99\r\nIf-Range: \"e\"\r\nAccept-Encoding: gzip\r\n\
If-None-Match: \"e\"\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n",
            b"POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            b"PUT /u HTTP/1.1\nHost: h\nContent-Length: 10, 10\n\n",
            b"HEAD * HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            b"OPTIONS * HTTP/1.1\r\nHost:\r\n\r\n",
        ];
        for req in requests {
            let Ok(Parsed::Complete(r, n)) = parse(req) else {
                panic!("{:?}", show(req))
            };
            assert_eq!(n, req.len());
            for cut in 0..req.len() {
                assert_eq!(parse(&req[..cut]), Ok(Parsed::Partial), "cut {cut}");
            }
            // Followed by anything at all, the same request is found.
            for b in 0..=255u8 {
                let mut more = req.to_vec();
                more.push(b);
                assert_eq!(parse(&more), Ok(Parsed::Complete(r, n)));
            }
        }
    }

    // ---- mutation fuzzing ----------------------------------------------------------------

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
            [b'H', b'T', b'T', b'P', b'/', a, b'.', b]
                if a.is_ascii_digit() && b.is_ascii_digit() =>
            {
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
        let body = if !all("transfer-encoding").is_empty() {
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
            Body::Chunked
        } else if let Some(&n) = lengths.first() {
            Body::Length(n)
        } else {
            Body::None
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
            body,
            if_none_match: first("if-none-match"),
            if_modified_since: first("if-modified-since"),
            range: first("range"),
            if_range: first("if-range"),
            accept_encoding: first("accept-encoding"),
            accept_encoding_repeated: all("accept-encoding").len() > 1,
            head: &buf[..consumed],
            referer: first("referer"),
            user_agent: first("user-agent"),
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
                let names = if rng.one_in(20) { 13 } else { 11 };
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
}
