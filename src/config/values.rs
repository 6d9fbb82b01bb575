//! The value parsers: counts, sizes, durations, addresses, header lines and paths, each
//! checking its whole value and saying why it is wrong, the value quoted by [`q`].

use super::{MAX_GRACE_SECS, MAX_THREADS};
use crate::http::bytes;
use crate::http::conditional::LastModifiedPolicy;
use crate::http::cors;
use crate::http::forwarded::{Cidr, CidrError};
use crate::http::mime;
use crate::text;
use crate::text::Piece;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, SocketAddr};

/// Linux's NAME_MAX: the longest `--index` that can name a file.
pub(super) const NAME_MAX: usize = 255;

/// Linux's PATH_MAX less the NUL: the longest ROOT a syscall takes.
pub(super) const ROOT_MAX: usize = 4095;

/// How many bytes of a bad value an error message shows.
pub(super) const SHOW_MAX: usize = 64;

/// User bytes shown safely on one line: printable ASCII as is, the rest `\xNN`, cut after
/// `SHOW_MAX` bytes with `...`; quoted unless it names an option.
pub(super) struct Shown<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) quoted: bool,
}

/// `'value'`, escaped and truncated, for error messages.
pub(super) fn q(bytes: &[u8]) -> Shown<'_> {
    Shown {
        bytes,
        quoted: true,
    }
}

/// `'value'` followed by `rest`, the shape of most value errors; one copy of the joining
/// instead of one at every error.
#[inline(never)]
pub(super) fn quote_then(v: &[u8], rest: &str) -> String {
    text!(q(v), rest)
}

/// `'value': why`.
#[inline(never)]
fn quote_why(v: &[u8], why: &str) -> String {
    text!(q(v), ": ", why)
}

/// `'value' is out of range (LO to HI)`.
#[inline(never)]
fn out_of_range(v: &[u8], lo: u64, hi: u64) -> String {
    text!(q(v), " is out of range (", lo, " to ", hi, ")")
}

/// `'value' is longer than MAX bytes`.
#[inline(never)]
fn too_long(v: &[u8], max: usize) -> String {
    text!(q(v), " is longer than ", max, " bytes")
}

impl Piece for Shown<'_> {
    fn put(&self, out: &mut String) {
        let (shown, cut) = match self.bytes.get(..SHOW_MAX) {
            Some(head) if self.bytes.len() > SHOW_MAX => (head, true),
            _ => (self.bytes, false),
        };
        if self.quoted {
            out.push('\'');
        }
        text::escape(out, shown, self.quoted.then_some(b'\''));
        if self.quoted {
            out.push('\'');
        }
        if cut {
            out.push_str("...");
        }
    }
}

/// Digits only, no sign or spaces; saturates, so huge numbers read as out of range.
pub(super) fn parse_uint(v: &[u8]) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit()
            .then(|| n.saturating_mul(10).saturating_add(u64::from(b - b'0')))
    })
}

/// A whole number from `lo` to `hi`; `not_number` follows the quoted value when it is not
/// one. The one reader behind the counts, levels and periods.
#[inline(never)]
fn parse_within(v: &[u8], lo: u64, hi: u64, not_number: &str) -> Result<u64, String> {
    match parse_uint(v) {
        Some(n) if (lo..=hi).contains(&n) => Ok(n),
        Some(_) => Err(out_of_range(v, lo, hi)),
        None => Err(quote_then(v, not_number)),
    }
}

/// A worker thread count, 1 to [`MAX_THREADS`].
pub(super) fn parse_threads(v: &[u8]) -> Result<usize, String> {
    parse_within(v, 1, MAX_THREADS as u64, " is not a positive integer").map(|n| n as usize)
}

/// A grace or drain period, whole seconds from 0 to [`MAX_GRACE_SECS`].
pub(super) fn parse_grace(v: &[u8]) -> Result<u32, String> {
    let max = u64::from(MAX_GRACE_SECS);
    parse_within(v, 0, max, " is not a whole number of seconds").map(|n| n as u32)
}

/// The largest size `--cache-max-*` accepts: 1 TiB.
const SIZE_MAX: u64 = 1 << 40;

/// A byte count: digits with an optional binary suffix K, M or G (case-insensitive).
pub(super) fn parse_size(v: &[u8]) -> Result<u64, String> {
    let shift = match v.last().map(u8::to_ascii_uppercase) {
        Some(b'K') => 10,
        Some(b'M') => 20,
        Some(b'G') => 30,
        _ => 0,
    };
    let digits = if shift > 0 { &v[..v.len() - 1] } else { v };
    let Some(n) = parse_uint(digits) else {
        return Err(quote_then(
            v,
            " is not a size (digits, optionally followed by K, M or G)",
        ));
    };
    // SIZE_MAX is a whole number of each unit, so this is `n << shift <= SIZE_MAX`.
    if n <= SIZE_MAX >> shift {
        Ok(n << shift)
    } else {
        Err(quote_then(v, " is out of range (at most 1T)"))
    }
}

/// A timeout: seconds as for [`parse_millis`], but never zero.
pub(super) fn parse_timeout(v: &[u8]) -> Result<u64, String> {
    match parse_millis(v)? {
        0 => Err(quote_then(v, " must be more than 0")),
        ms => Ok(ms),
    }
}

/// A `--user` value: a name or UID, optionally `:GID`; resolved at start-up.
pub(super) fn check_user(v: &[u8]) -> Result<(), String> {
    let (user, group) = match v.iter().position(|&b| b == b':') {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    let name_ok = !user.is_empty()
        && user
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    let group_ok = match group {
        Some(g) => !g.is_empty() && g.len() <= 10 && g.iter().all(u8::is_ascii_digit),
        None => true,
    };
    if name_ok && group_ok {
        Ok(())
    } else {
        Err(quote_then(v, " is not UID[:GID] or a user name"))
    }
}

/// A compression level, 1 to 9 as in gzip.
pub(super) fn parse_level(v: &[u8]) -> Result<u8, String> {
    parse_within(v, 1, 9, " is not a level from 1 to 9").map(|n| n as u8)
}

/// A count of at least one.
pub(super) fn parse_count(v: &[u8]) -> Result<u64, String> {
    parse_within(v, 1, u64::from(u32::MAX), " is not a positive integer")
}

/// Seconds with up to three decimals, as milliseconds (at most a day).
pub(super) fn parse_millis(v: &[u8]) -> Result<u64, String> {
    let (whole, frac) = match v.iter().position(|&b| b == b'.') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, &b"0"[..]),
    };
    // The decimals as a whole number, then scaled to thousandths.
    let ms = match parse_uint(frac) {
        Some(n) if frac.len() <= 3 => (frac.len()..3).fold(n, |ms, _| ms * 10),
        _ => u64::MAX,
    };
    let Some(secs) = parse_uint(whole).filter(|_| ms != u64::MAX) else {
        return Err(quote_then(
            v,
            " is not a number of seconds (e.g. 1 or 0.25)",
        ));
    };
    match secs.checked_mul(1000).and_then(|s| s.checked_add(ms)) {
        Some(total) if total <= 86_400_000 => Ok(total),
        _ => Err(out_of_range(v, 0, 86_400)),
    }
}

/// A header field value (RFC 9110 §5.5): visible ASCII, spaces and tabs
/// inside, nothing that could end the line or smuggle another.
pub(super) fn check_field_value(v: &[u8]) -> Result<(), String> {
    let inner_ok = v
        .iter()
        .all(|&b| b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b));
    // With only visible bytes, spaces and tabs inside, trimming can only take those.
    if !v.is_empty() && inner_ok && v.trim_ascii().len() == v.len() {
        Ok(())
    } else {
        Err(quote_then(v, " is not a valid header value"))
    }
}

/// `--cache-control-for` rules, `PATTERN=VALUE`, one per line: PATTERN is a
/// URL path (it starts with `/`) of visible ASCII, VALUE a header value.
pub(super) fn add_cache_rules(rules: &mut Vec<(Vec<u8>, Vec<u8>)>, v: &[u8]) -> Result<(), String> {
    for rule in v.split(|&b| b == b'\n') {
        let Some(eq) = rule.iter().position(|&b| b == b'=') else {
            return Err(quote_then(rule, " is not 'PATTERN=VALUE'"));
        };
        let (pattern, value) = (&rule[..eq], &rule[eq + 1..]);
        if pattern.first() != Some(&b'/') || !pattern.iter().all(|b| (0x21..=0x7e).contains(b)) {
            return Err(quote_then(
                pattern,
                " is not a URL path pattern (/assets/**, /*.html, ...)",
            ));
        }
        check_field_value(value)?;
        rules.push((pattern.to_vec(), value.to_vec()));
    }
    Ok(())
}

/// A `Name: value` header line; names that staticd sets itself (framing,
/// caching validators, encoding) are refused, since two of them would
/// contradict each other.
pub(super) fn check_header(v: &[u8]) -> Result<(), String> {
    let Some(colon) = v.iter().position(|&b| b == b':') else {
        return Err(quote_then(v, " is not 'NAME: VALUE'"));
    };
    let name = &v[..colon];
    if name.is_empty()
        || !name
            .iter()
            .all(|&b| crate::http::bytes::is(b, crate::http::bytes::TCHAR))
    {
        return Err(quote_then(v, " has an invalid header name"));
    }
    // One string rather than a table of pointers to each name.
    const OWN: &[u8] = b"content-length transfer-encoding connection content-type \
        content-encoding content-range etag last-modified date server vary accept-ranges \
        location allow cache-control";
    if crate::http::bytes::index_in(OWN, name).is_some() {
        return Err(quote_then(
            v,
            " is set by staticd itself (for Cache-Control use --cache-control)",
        ));
    }
    let value = v[colon + 1..].trim_ascii();
    if value.is_empty() {
        return Err(quote_then(v, " has an empty value"));
    }
    check_field_value(value)
}

/// A path under ROOT for --fallback and --404: absolute in URL terms
/// (`/index.html`), without `..` or dot segments, no NUL.
pub(super) fn check_site_path(v: &[u8]) -> Result<(), String> {
    let ok = v.first() == Some(&b'/')
        && !v.ends_with(b"/")
        && !v.contains(&0)
        // Every `/` starts a segment (none ends the path), which must be neither empty nor dotted.
        && v.windows(2).all(|w| w[0] != b'/' || !matches!(w[1], b'/' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(quote_then(
            v,
            " is not a file path under ROOT like /index.html",
        ))
    }
}

/// A `--health` path: starts with `/`, names no hidden segment, and stands for
/// itself once normalised (visible ASCII without `?`, `#`, `%` or dot
/// segments), so a request matches it by its normalised path.
pub(super) fn check_health_path(v: &[u8]) -> Result<(), String> {
    let mut key = Vec::new();
    let ok = v.first() == Some(&b'/')
        && v.iter()
            .all(|&b| b.is_ascii_graphic() && !matches!(b, b'?' | b'#' | b'%'))
        && crate::http::path::normalize(v, &mut key).is_ok()
        && !key.is_empty()
        && v[1..] == key[..];
    if ok {
        Ok(())
    } else {
        Err(quote_then(v, " is not a URL path like /healthz"))
    }
}

/// A congestion control name as the kernel spells them (`reno`, `cubic`,
/// `bbr`): whether the kernel has it is for `setsockopt` to say at start-up.
pub(super) fn check_congestion(v: &[u8]) -> Result<(), String> {
    // TCP_CA_NAME_MAX is 16 with the NUL.
    if !v.is_empty()
        && v.len() < 16
        && v.iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
    {
        Ok(())
    } else {
        Err(quote_then(v, " is not a congestion control name"))
    }
}

/// `common` or `json`: whether lines are JSON.
pub(super) fn parse_log_format(v: &[u8]) -> Result<bool, String> {
    match v {
        b"common" => Ok(false),
        b"json" => Ok(true),
        _ => Err(quote_then(v, " is not 'common' or 'json'")),
    }
}

/// `--last-modified`: `auto`, `on` or `off`.
pub(super) fn parse_last_modified(v: &[u8]) -> Result<LastModifiedPolicy, String> {
    match v {
        b"auto" => Ok(LastModifiedPolicy::Auto),
        b"on" => Ok(LastModifiedPolicy::On),
        b"off" => Ok(LastModifiedPolicy::Off),
        _ => Err(quote_then(v, " is not 'auto', 'on' or 'off'")),
    }
}

/// An index file name: one path component, not `.` or `..`.
pub(super) fn check_index(v: &[u8]) -> Result<(), String> {
    if v.contains(&0) {
        Err(quote_then(v, " contains a NUL byte"))
    } else if v.contains(&b'/') || v == b"." || v == b".." {
        Err(quote_then(v, " must be a plain file name"))
    } else if v.len() > NAME_MAX {
        Err(too_long(v, NAME_MAX))
    } else {
        Ok(())
    }
}

/// A ROOT or an access log path (or `-`): a non-empty path a syscall takes.
pub(super) fn check_path(v: &[u8]) -> Result<(), String> {
    if v.is_empty() {
        Err("empty value".into())
    } else if v.contains(&0) {
        Err(quote_then(v, " contains a NUL byte"))
    } else if v.len() > ROOT_MAX {
        Err(too_long(v, ROOT_MAX))
    } else {
        Ok(())
    }
}

/// What a bad media type is told, after the value.
macro_rules! not_media_type {
    () => {
        "is not a media type like text/plain or 'text/plain; charset=utf-8'"
    };
}

/// A media type for `Content-Type` (see [`mime::is_media_type`]).
pub(super) fn media_type(v: &[u8]) -> Option<&str> {
    crate::rt::utf8::str(v).filter(|_| mime::is_media_type(v))
}

/// A `--default-type` value.
pub(super) fn check_default_type(v: &[u8]) -> Result<&str, String> {
    media_type(v).ok_or_else(|| quote_then(v, concat!(" ", not_media_type!())))
}

/// Adds each `EXT=TYPE` of a comma-separated list (a comma inside a quoted parameter value
/// does not count) to `types`, in order.
pub(super) fn add_types(types: &mut mime::Types, value: &[u8]) -> Result<(), String> {
    for item in split_unquoted(value) {
        let item = item.trim_ascii();
        let (ext, ty) = match item.iter().position(|&b| b == b'=') {
            Some(eq) => (&item[..eq], &item[eq + 1..]),
            None => (item, &b""[..]),
        };
        let why = if item.is_empty() {
            "empty entry in list"
        } else if ext.len() == item.len() {
            "not EXT=TYPE, e.g. md=text/markdown"
        } else if let Err(why) = check_ext(ext) {
            why
        } else if let Some(ty) = media_type(ty) {
            types.add(ext, ty);
            continue;
        } else {
            concat!("TYPE ", not_media_type!())
        };
        let shown = if item.is_empty() { value } else { item };
        return Err(quote_why(shown, why));
    }
    Ok(())
}

/// An extension as `--mime` takes it: what follows the last dot of a file name.
fn check_ext(ext: &[u8]) -> Result<(), &'static str> {
    if ext.is_empty() {
        Err("empty EXT")
    } else if ext.first() == Some(&b'.') {
        Err("EXT is written without its dot")
    } else if ext.len() > NAME_MAX
        || ext
            .iter()
            .any(|&b| matches!(b, 0..=b' ' | b'.' | b'/' | b',' | b'"' | 0x7f))
    {
        Err(
            "EXT is a file name's end after its last dot: no '.', '/', ',', '\"', spaces or control bytes",
        )
    } else {
        Ok(())
    }
}

/// Splits `value` at each comma outside double quotes (`\` escaping inside them).
fn split_unquoted(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    let (mut quoted, mut escaped) = (false, false);
    value.split(move |&b| {
        if escaped {
            escaped = false;
        } else if quoted {
            escaped = b == b'\\';
            quoted = b != b'"';
        } else {
            quoted = b == b'"';
            return b == b',';
        }
        false
    })
}

/// Calls `each` on the items of a comma-separated list, spaces around them trimmed, until
/// one fails; an empty item is an error. Not generic and not inlined: the lists share it.
#[inline(never)]
fn for_items(
    value: &[u8],
    each: &mut dyn FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    for item in value.split(|&b| b == b',') {
        let item = item.trim_ascii();
        if item.is_empty() {
            return Err(quote_then(value, ": empty entry in list"));
        }
        each(item)?;
    }
    Ok(())
}

/// Adds each range of a comma-separated list of `ADDR[/PREFIX]` to `list`.
pub(super) fn add_cidrs(list: &mut Vec<Cidr>, value: &[u8]) -> Result<(), String> {
    for_items(value, &mut |item| match Cidr::parse(item) {
        Ok(cidr) => {
            list.push(cidr);
            Ok(())
        }
        Err(CidrError::Syntax) => Err(quote_then(
            item,
            " is not an IP address range like 10.0.0.0/8, fd00::/8 or 192.0.2.1",
        )),
        // `meant` has its host bits cleared: its piece is `NETWORK/PREFIX`.
        Err(CidrError::HostBits(meant)) => Err(text!(
            q(item),
            " has bits set past its prefix: ",
            meant,
            '?'
        )),
    })
}

/// Adds each origin (or `*`) of a comma-separated list to `policy`.
pub(super) fn add_origins(policy: &mut cors::Policy, value: &[u8]) -> Result<(), String> {
    for_items(value, &mut |item| {
        policy.add(item).map_err(|why| quote_why(item, why))
    })
}

/// Adds each address of a comma-separated list to `list`.
pub(super) fn add_addrs(list: &mut Vec<SocketAddr>, value: &[u8]) -> Result<(), String> {
    for_items(value, &mut |item| {
        match parse_addr(item) {
            Ok(addr) => list.push(addr),
            Err(why) => return Err(quote_why(item, why)),
        }
        // Pushed before the check, so the parsed address is not copied around it; on an
        // error the list is dropped with the rest of the configuration.
        if let [before @ .., addr] = &list[..]
            && addr.port() != 0
            && before
                .iter()
                .any(|a| a.port() == addr.port() && a.ip() == addr.ip())
        {
            return Err(text!('\'', addr, "' is given more than once"));
        }
        Ok(())
    })
}

/// Exactly one `ADDR:PORT`, `PORT` or `:PORT`.
pub(super) fn parse_one_addr(v: &[u8]) -> Result<SocketAddr, String> {
    let mut list = Vec::new();
    add_addrs(&mut list, v)?;
    match list[..] {
        [addr] => Ok(addr),
        _ => Err(quote_then(v, ": one address only")),
    }
}

const NOT_ADDR: &str = "not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080";
const NOT_V6: &str = "not a valid IPv6 address";
const HOSTNAME: &str = "hostnames are not supported, use an IP address";
const SCOPE: &str = "IPv6 scope ids (%...) are not supported";
const MISSING_PORT: &str = "missing port, e.g. 1.2.3.4:8080 or [::1]:8080";
const BAD_PORT: &str = "port must be a number from 0 to 65535";
const BRACKETS: &str = "IPv6 addresses need brackets, e.g. [::1]:8080";

/// One `ADDR:PORT`, `PORT` or `:PORT`, or why it is not one. One walk: the port is split
/// off and each part read, so the reason is known where the reading stops.
// Not inlined: apart, it and the list's closure compile 32 bytes smaller.
#[inline(never)]
fn parse_addr(item: &[u8]) -> Result<SocketAddr, &'static str> {
    // The checks below go byte by byte (cheaper than `str`'s char searchers); UTF-8 is
    // still required, so a value that is not text is told it is no address.
    if crate::rt::utf8::check(item).is_err() {
        return Err(NOT_ADDR);
    }
    if item.contains(&b'%') {
        // A scope is meaningless without interface lookup.
        return Err(SCOPE);
    }
    let shorthand = match item {
        [b':', port @ ..] => port,
        _ => item,
    };
    let (mut addr, port) = if !shorthand.is_empty() && shorthand.iter().all(u8::is_ascii_digit) {
        (SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)), shorthand)
    } else if let [b'[', bracketed @ ..] = item {
        let (host, Some(after)) = bytes::cut(bracketed, b']') else {
            return Err(NOT_ADDR);
        };
        let Some(ip) = crate::text::parse_addr::ipv6(host) else {
            return Err(if is_hostname(host) { HOSTNAME } else { NOT_V6 });
        };
        match after {
            [b':', port @ ..] => (SocketAddr::from((ip, 0)), port),
            [] => return Err(MISSING_PORT),
            _ => return Err(NOT_ADDR),
        }
    } else if let Some(last) = item.iter().rposition(|&b| b == b':')
        && item[..last].contains(&b':')
    {
        let v6 = crate::text::parse_addr::ipv6(item).is_some()
            || crate::text::parse_addr::ipv6(&item[..last]).is_some();
        return Err(if v6 { BRACKETS } else { NOT_ADDR });
    } else {
        let (host, port) = bytes::cut(item, b':');
        let Some(ip) = crate::text::parse_addr::ipv4(host) else {
            return Err(if is_hostname(host) {
                HOSTNAME
            } else {
                NOT_ADDR
            });
        };
        (SocketAddr::from((ip, 0)), port.ok_or(MISSING_PORT)?)
    };
    if port.is_empty() {
        return Err(MISSING_PORT);
    }
    let port = parse_uint(port).and_then(|p| u16::try_from(p).ok());
    // The address is built where its family is known, so only the port is set here.
    addr.set_port(port.ok_or(BAD_PORT)?);
    Ok(addr)
}

/// Looks like a DNS name: letters, digits, dots and dashes, starting with a letter or digit and
/// with at least one letter.
fn is_hostname(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_alphanumeric)
        && s.iter().any(u8::is_ascii_alphabetic)
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}
