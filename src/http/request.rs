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
//! conditional, range, encoding, CORS and forwarding headers are returned raw for other
//! modules to interpret.
//! It makes no system calls.

use super::{bytes, numfmt};

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
pub enum Framing {
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
    /// Framing framing.
    pub framing: Framing,
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
    /// First Origin value, OWS trimmed (for CORS).
    pub origin: Option<&'a [u8]>,
    /// First X-Forwarded-For value, OWS trimmed (for the access log behind a proxy).
    pub x_forwarded_for: Option<&'a [u8]>,
    /// X-Forwarded-For came in more than one field line: read them all with
    /// [`field_values`], as one list.
    pub x_forwarded_for_repeated: bool,
    /// First X-Real-IP value, OWS trimmed (for the access log behind a proxy).
    pub x_real_ip: Option<&'a [u8]>,
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

/// Whether `b` may be in a `Host` value: `uri-host [":" port]` (RFC 3986 reg-name, IPv4,
/// IP-literal); no userinfo, no path.
pub const fn is_host(b: u8) -> bool {
    b.is_ascii_alphanumeric()
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
}

/// The byte classes the parser scans by, all in [`bytes`]' one table.
const TOKEN: u8 = bytes::TCHAR;
/// Anything visible: finer URI syntax is the path module's business.
const TARGET: u8 = bytes::VISIBLE;
/// field-vchar, SP and HTAB (RFC 9110 §5.5), obs-text included.
const VALUE: u8 = bytes::VISIBLE | bytes::BLANK;
const HOST: u8 = bytes::HOST;

#[inline(always)]
fn is(b: u8, class: u8) -> bool {
    bytes::is(b, class)
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

/// `v` without the optional whitespace (SP, HTAB) around it.
pub fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// The elements of a comma-separated list (RFC 9110 §5.6.1), each OWS trimmed, empty ones
/// included: one walker for every list field rather than a splitter compiled at each.
pub fn items(list: &[u8]) -> Items<'_> {
    Items(Some(list))
}

/// What [`items`] returns: the rest of the list, `None` once the last element is out.
pub struct Items<'a>(Option<&'a [u8]>);

impl<'a> Iterator for Items<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.0?;
        let (item, tail) = match rest.iter().position(|&b| b == b',') {
            Some(i) => (rest.get(..i), rest.get(i + 1..)),
            None => (Some(rest), None),
        };
        self.0 = tail;
        Some(trim_ows(item.unwrap_or_default()))
    }
}

impl Method {
    /// The class of the method token `m` (case-sensitive: RFC 9110 §9.1).
    pub fn of(m: &[u8]) -> Method {
        // The other methods as one list compared in a loop: a match arm per name compiles to
        // hundreds of bytes of comparisons, and only GET and HEAD are common.
        const OTHER: &str = "POST PUT DELETE CONNECT OPTIONS TRACE PATCH";
        match m {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            _ if OTHER.as_bytes().split(|&b| b == b' ').any(|o| o == m) => Method::Other,
            _ => Method::Unknown,
        }
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
    for item in items(value) {
        // Empty elements are rejected rather than skipped: framing admits no guesswork.
        let n = numfmt::parse(item).ok_or(Error::BadRequest)?;
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
    for item in items(value) {
        if item.is_empty() || *chunked || !item.iter().all(|&b| is(b, TOKEN)) {
            return Err(Error::BadRequest);
        }
        *chunked = bytes::eq_ignore_case(item, b"chunked");
    }
    Ok(())
}

/// The names of the fields [`Fields::add`] acts on, lowercase, one after another: each
/// [`Field`] is its name's offset, the name as long as the field line's.
const FIELD_NAMES: &[u8] = b"hostrangeoriginrefererif-rangex-real-ipconnectionuser-agentif-none-matchcontent-lengthaccept-encodingx-forwarded-fortransfer-encodingif-modified-since";

/// A field [`Fields::add`] acts on, told by its name's length and first letter; the
/// discriminant is where [`FIELD_NAMES`] spells the name.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Field {
    Host = 0,
    Range = 4,
    Origin = 9,
    Referer = 15,
    IfRange = 22,
    XRealIp = 30,
    Connection = 39,
    UserAgent = 49,
    IfNoneMatch = 59,
    ContentLength = 72,
    AcceptEncoding = 86,
    XForwardedFor = 101,
    TransferEncoding = 116,
    IfModifiedSince = 133,
}

/// What the header section has told about framing and keep-alive so far; the other
/// fields go straight into the [`Request`] being built.
#[derive(Default)]
struct Fields {
    content_length: Option<u64>,
    transfer_encoding: bool,
    chunked: bool,
    close: bool,
    keep_alive: bool,
}

impl Fields {
    /// Takes in one field line; errors that no later byte can undo are returned here.
    fn add<'a>(
        &mut self,
        req: &mut Request<'a>,
        name: &[u8],
        value: &'a [u8],
    ) -> Result<(), Error> {
        // Dispatch on length and first letter: most fields in a request are none of these,
        // and the one candidate is compared once, at one call. The fields kept as their first
        // value pick their slot, filled in one place after the match.
        let field = match (name.len(), name.first().map_or(0, |b| b | 0x20)) {
            (4, _) => Field::Host,
            (5, _) => Field::Range,
            (6, _) => Field::Origin,
            (7, _) => Field::Referer,
            (8, _) => Field::IfRange,
            (9, _) => Field::XRealIp,
            (10, b'c') => Field::Connection,
            (10, _) => Field::UserAgent,
            (13, _) => Field::IfNoneMatch,
            (14, _) => Field::ContentLength,
            (15, b'a') => Field::AcceptEncoding,
            (15, _) => Field::XForwardedFor,
            (17, b't') => Field::TransferEncoding,
            (17, _) => Field::IfModifiedSince,
            _ => return Ok(()),
        };
        let at = field as usize;
        if !bytes::eq_ignore_case(
            name,
            FIELD_NAMES.get(at..at + name.len()).unwrap_or_default(),
        ) {
            return Ok(());
        }
        let slot = match field {
            Field::Host => {
                if req.host.is_some() || !value.iter().all(|&b| is(b, HOST)) {
                    return Err(Error::BadRequest);
                }
                &mut req.host
            }
            Field::Range => &mut req.range,
            Field::Origin => &mut req.origin,
            Field::Referer => &mut req.referer,
            Field::IfRange => &mut req.if_range,
            Field::XRealIp => &mut req.x_real_ip,
            Field::Connection => {
                // Inline, not through `items`: clients send this field with every request.
                for item in value.split(|&b| b == b',') {
                    let item = trim_ows(item);
                    if bytes::eq_ignore_case(item, b"close") {
                        self.close = true;
                    } else if bytes::eq_ignore_case(item, b"keep-alive") {
                        self.keep_alive = true;
                    }
                }
                return Ok(());
            }
            Field::IfNoneMatch => &mut req.if_none_match,
            Field::ContentLength => {
                let n = content_length(value)?;
                if self.transfer_encoding || self.content_length.is_some_and(|m| m != n) {
                    return Err(Error::BadRequest);
                }
                self.content_length = Some(n);
                return Ok(());
            }
            Field::UserAgent => &mut req.user_agent,
            Field::AcceptEncoding => {
                req.accept_encoding_repeated |= req.accept_encoding.is_some();
                &mut req.accept_encoding
            }
            Field::XForwardedFor => {
                req.x_forwarded_for_repeated |= req.x_forwarded_for.is_some();
                &mut req.x_forwarded_for
            }
            Field::TransferEncoding => {
                // HTTP/1.0 has no transfer codings: its framing would be a guess (§6.1).
                if req.version == Version::Http10 || self.content_length.is_some() {
                    return Err(Error::BadRequest);
                }
                self.transfer_encoding = true;
                return transfer_codings(value, &mut self.chunked);
            }
            Field::IfModifiedSince => &mut req.if_modified_since,
        };
        if slot.is_none() {
            *slot = Some(value);
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
    // Built in place: the header section fills it field by field.
    let mut request = Request {
        method: Method::of(method_bytes),
        method_bytes,
        target,
        version,
        host: None,
        keep_alive: false,
        framing: Framing::None,
        if_none_match: None,
        if_modified_since: None,
        range: None,
        if_range: None,
        accept_encoding: None,
        accept_encoding_repeated: false,
        head: &[],
        referer: None,
        user_agent: None,
        origin: None,
        x_forwarded_for: None,
        x_forwarded_for_repeated: false,
        x_real_ip: None,
    };
    let mut count = 0;
    // Reached through a pointer the optimiser cannot see through, the request stays whole
    // in memory: the fields are written in place and it is returned with one block copy,
    // rather than split into thirty-odd values spilled, reloaded and moved one by one
    // (640 bytes of code). black_box costs nothing at run time.
    let req = core::hint::black_box(&mut request);
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
        fields.add(req, name, value)?;
        pos = next;
    }

    // RFC 9112 §3.2: a 1.1 request without Host gets a 400.
    if version == Version::Http11 && req.host.is_none() {
        return Err(Error::BadRequest);
    }
    if fields.transfer_encoding && !fields.chunked {
        return Err(Error::BadRequest);
    }
    req.framing = match (fields.chunked, fields.content_length) {
        (true, _) => Framing::Chunked,
        (false, Some(n)) => Framing::Length(n),
        (false, None) => Framing::None,
    };
    req.keep_alive = !fields.close && (version == Version::Http11 || fields.keep_alive);
    req.head = buf.get(..pos).unwrap_or(buf);
    Ok(Parsed::Complete(request, pos))
}

/// Every value of the field `name` (lowercase) in a head that [`parse`]
/// accepted, in order, OWS trimmed: for the rare field sent in several lines.
pub fn field_values<'a>(head: &'a [u8], name: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    // Plain loops over the lines: a chain of line adapters was compiled into every caller.
    let mut rest = head;
    // Leading empty lines, then the request line.
    while let Some(line) = next_line(&mut rest) {
        if !line.is_empty() {
            break;
        }
    }
    core::iter::from_fn(move || {
        // Fields up to the empty line.
        while let Some(line) = next_line(&mut rest) {
            if line.is_empty() {
                rest = &[];
                break;
            }
            if let Some(colon) = line.iter().position(|&b| b == b':') {
                let (field, value) = line.split_at(colon);
                if bytes::eq_ignore_case(field, name) {
                    return Some(trim_ows(value.get(1..).unwrap_or_default()));
                }
            }
        }
        None
    })
}

/// Takes the next line off `rest`, without its line ending (LF or CRLF); `None` at the end.
fn next_line<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    if rest.is_empty() {
        return None;
    }
    let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let (line, tail) = rest.split_at(end);
    *rest = tail.get(1..).unwrap_or_default();
    Some(line.strip_suffix(b"\r").unwrap_or(line))
}

#[cfg(test)]
mod tests;
