//! Turning one parsed request into a response queued on the connection's
//! output: method and target checks, the cache lookup, conditional and range
//! handling, the CORS lines (`--cors`) and preflights, and the head and body
//! segments; and the `--health` path, answered from memory. A cache hit makes
//! no syscall.

use crate::cache::entry::{Body, Entry, Part};
use crate::cache::{Cache, Lookup};
use crate::http::conditional::{self, Outcome};
use crate::http::cors::{self, Allow};
use crate::http::encoding::{self, Choice, Coding};
use crate::http::path;
use crate::http::range::{self, Ranges};
use crate::http::request::{self, Method, Request, Version};
use crate::http::response::{self, Connection, Head, SiteHeaders};
use crate::http::status::Status;
use crate::server::out::Output;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

/// Compressed variants an entry can have (gzip, deflate, and sidecars).
const MAX_VARIANTS: usize = 4;
/// Output buffered beyond this is flushed before more requests are answered.
pub const OUT_HIGH_WATER: usize = 64 * 1024;
/// A request body longer than this is not worth reading to keep the connection.
pub const DISCARD_MAX: u64 = 64 * 1024;

/// What a request is answered with besides its own bytes: the time, whether
/// the server is stopping, and what every worker shares (site headers,
/// routes, the head budget).
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The worker's clock, read at the start of this turn of its loop: the
    /// `Date` value, monotonic milliseconds and wall-clock seconds.
    pub clock: &'a crate::server::clock::Clock,
    /// The server is stopping: every response closes its connection.
    pub stopping: bool,
    /// Header lines the operator adds (--cache-control, --cache-control-for, --header).
    pub site: &'a SiteHeaders,
    /// Where missing paths go (--fallback, --404).
    pub routes: &'a Routes,
    /// The memory that request heads bigger than a connection's first
    /// buffer share, across workers.
    pub heads: &'a crate::server::conn::HeadBudget,
    /// What responses say about CORS: [`respond`] sets it from the request's
    /// `Origin` for every head it writes; nothing before a request is parsed.
    pub cors: Allow<'a>,
}

/// Files that stand in for missing paths, as normalised cache keys.
#[derive(Debug, Default)]
pub struct Routes {
    /// Served with 200 for any path that does not exist (--fallback).
    pub fallback: Option<Vec<u8>>,
    /// Served as the body of 404 responses (--404).
    pub not_found: Option<Vec<u8>>,
    /// Answered from memory whatever ROOT holds (--health).
    pub health: Option<Health>,
}

/// The `--health` path and what it answers.
#[derive(Debug, Default)]
pub struct Health {
    /// The path as a normalised cache key.
    pub key: Vec<u8>,
    /// Set by the control thread when SIGTERM arrives: from then on the
    /// answer is 503, through the drain and the graceful stop.
    pub leaving: AtomicBool,
}

impl<'a> Context<'a> {
    /// A head for `status` now, with the site's headers. Out of line, and
    /// callers set their fields on what it returns: a struct update of a
    /// head this big copies all of it at every caller.
    #[inline(never)]
    fn head(&self, status: Status, conn: Connection) -> Head<'a> {
        let mut head = Head::new(status, self.clock.date(), conn);
        head.site = self.site;
        head.cors = self.cors;
        head
    }
}

/// What belongs to one worker and is used by each of its requests: scratch
/// buffers for paths, the counters, and the access log buffer.
#[derive(Default)]
pub struct WorkerLocal {
    /// The normalised request path.
    path: Vec<u8>,
    /// A file name being resolved.
    file: Vec<u8>,
    /// What the worker has done so far (for SIGUSR1).
    pub counters: crate::server::stats::Counters,
    /// The worker's access log buffer, when there is an access log.
    pub log: Option<crate::server::access::Lines>,
}

impl WorkerLocal {
    /// Counts and logs one answered request (`None`: one that could not be
    /// parsed) from the client at `peer`.
    pub fn record(
        &mut self,
        peer: &[u8],
        req: Option<&Request<'_>>,
        reply: Reply,
        cx: Context<'_>,
    ) {
        self.counters.requests += 1;
        self.counters.respond(reply.status.code());
        if let Some(log) = self.log.as_mut()
            && !reply.quiet
        {
            // A HEAD is logged with no body bytes: none went out.
            let head = req.is_some_and(|r| r.method == Method::Head);
            log.add(
                peer,
                req,
                reply.status,
                if head { 0 } else { reply.body },
                cx.clock.secs(),
                cx.clock.now_ms(),
            );
        }
    }
}

fn connection(close: bool, version: Version) -> Connection {
    match (close, version) {
        (true, _) => Connection::Close,
        (false, Version::Http10) => Connection::KeepAlive,
        (false, Version::Http11) => Connection::Default,
    }
}

/// Queues `status` for a request that is not read to its end; the
/// connection always closes after it.
pub fn reject(status: Status, cx: Context<'_>, out: &mut Output) -> Reply {
    error_page(&cx.head(status, Connection::Close), false, true, out)
}

/// Queues the built-in page for `head`'s status with `head`'s fields.
fn error_page(head: &Head<'_>, head_only: bool, close: bool, out: &mut Output) -> Reply {
    response::write_error(out.buf(), head, head_only);
    Reply {
        status: head.status,
        close,
        body: response::error_body_len(head.status),
        quiet: false,
    }
}

/// What [`respond`] queued: its status, and whether the connection must
/// close after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The response's status.
    pub status: Status,
    /// The connection closes after this response.
    pub close: bool,
    /// Body bytes queued (0 for 304; for HEAD, what a GET would get), for the access log.
    pub body: u64,
    /// Left out of the access log: the health path, which probes ask
    /// every few seconds.
    pub quiet: bool,
}

/// Queues the response to `req`. `closing` forces the connection to close
/// after it (e.g. the request's body cannot be skipped). A HEAD's reply
/// carries the body length a GET would have had.
pub fn respond(
    cache: &Cache,
    req: &Request<'_>,
    cx: Context<'_>,
    closing: bool,
    local: &mut WorkerLocal,
    out: &mut Output,
) -> Reply {
    let mut cx = cx;
    cx.cors = cx.site.cors.allow(req.origin);
    let head_only = req.method == Method::Head;
    let close = closing || cx.stopping || !req.keep_alive;
    let conn = connection(close, req.version);
    let reply = |status: Status, body: u64| Reply {
        status,
        close,
        body,
        quiet: false,
    };
    let error = |status: Status, out: &mut Output, file: &mut Vec<u8>| {
        let close = close || status.closes_connection();
        let conn = connection(close, req.version);
        let page = (status == Status::NotFound)
            .then(|| not_found_page(cache, &cx, head_only, conn, file, out))
            .flatten();
        match page {
            Some(body) => Reply {
                status,
                close,
                body,
                quiet: false,
            },
            None => {
                let mut head = cx.head(status, conn);
                head.allow = status == Status::MethodNotAllowed;
                error_page(&head, head_only, close, out)
            }
        }
    };
    // Every error answer leaves through here: one copy of the error path.
    let status: Status = 'failed: {
        match req.method {
            Method::Get | Method::Head => {}
            Method::Other if req.method_bytes == b"OPTIONS" && preflight(req, &cx, conn, out) => {
                return reply(Status::NoContent, 0);
            }
            Method::Other => break 'failed Status::MethodNotAllowed,
            Method::Unknown => break 'failed Status::NotImplemented,
        }
        let target = match path::split_target(req.target) {
            Ok(t) => t,
            Err(e) => break 'failed e.into(),
        };
        if let Err(e) = path::normalize(target.path, &mut local.path) {
            break 'failed e.into();
        }
        if let Some(health) = &cx.routes.health
            && local.path == health.key
        {
            let (status, body) = answer_health(health, head_only, &cx, conn, out);
            return Reply {
                quiet: true,
                ..reply(status, body)
            };
        }
        let entry = match cache.lookup(&local.path, &mut local.file, cx.clock.now_ms()) {
            Lookup::Entry(e) => e,
            Lookup::Redirect => {
                let mut head = cx.head(Status::MovedPermanently, conn);
                head.location = Some((local.path.as_slice(), target.query));
                return error_page(&head, head_only, close, out);
            }
            Lookup::Error(e) => break 'failed e.into(),
        };
        let entry = match (&entry.body, &cx.routes.fallback) {
            (Body::Missing, Some(fallback)) => {
                match cache.lookup(fallback, &mut local.file, cx.clock.now_ms()) {
                    Lookup::Entry(e) if !matches!(e.body, Body::Missing) => e,
                    _ => break 'failed Status::NotFound,
                }
            }
            (Body::Missing, None) => break 'failed Status::NotFound,
            _ => entry,
        };
        let mtime = entry.last_modified.map(|(secs, _)| secs);
        // Ranges are served from the identity form; otherwise the client's
        // Accept-Encoding picks among identity and the compressed variants.
        let mut variant = None;
        if req.range.is_none() && (entry.vary || !entry.variants.is_empty()) {
            match negotiate(&entry, req) {
                Choice::Use(Coding::Identity) => {}
                Choice::Use(coding) => {
                    let found = entry.variants.iter().position(|v| v.coding == coding);
                    variant = found.and_then(|i| u8::try_from(i).ok());
                }
                Choice::NotAcceptable => {
                    let mut head = cx.head(Status::NotAcceptable, conn);
                    head.vary = true;
                    return error_page(&head, head_only, close, out);
                }
            }
        }
        // The chosen form's tag, which a 304 names: a variant's own, or the
        // entry's, empty while a big file's content hash is being taken (then
        // nothing but `*` matches it, and no ETag is sent).
        let (etag, vary, length) = match variant {
            Some(i) => {
                let v = &entry.variants[usize::from(i)];
                (v.etag.as_bytes(), true, v.bytes.len() as u64)
            }
            None => (entry.etag_bytes(), entry.vary, entry.meta.size),
        };
        if conditional::evaluate(
            req.if_none_match,
            req.if_modified_since,
            etag,
            mtime,
            cx.clock.secs(),
        ) == Outcome::NotModified
        {
            let etag = Some(etag).filter(|t| !t.is_empty());
            not_modified(&entry, etag, vary, &cx, conn, out);
            return reply(Status::NotModified, 0);
        }
        if let Some(r) = req.range
            && conditional::if_range_allows(req.if_range, etag, mtime)
            && let Some(reply) = answer_range(&entry, r, head_only, close, &cx, conn, out)
        {
            return reply;
        }
        // The 200: the form's prebuilt head, the per-response tail and, for
        // GET, its bytes.
        match variant {
            Some(i) => {
                out.push(&entry, Part::VariantHead(i));
                local.counters.compressed += 1;
            }
            None => {
                out.push(&entry, Part::Head);
                // A big file's tag, taken after its head was built, goes per response.
                if !entry.etag_in_head
                    && let Some(tag) = entry.etag()
                {
                    response::write_etag(out.buf(), tag);
                }
            }
        }
        cx.cors.write(out.buf());
        response::write_tail(out.buf(), cx.clock.date(), conn);
        if !head_only {
            match variant {
                Some(i) => out.push(&entry, Part::VariantBody(i)),
                None => out.push_body(&entry, 0, entry.meta.size),
            }
        }
        return reply(Status::Ok, length);
    };
    error(status, out, &mut local.file)
}

/// Answers a Range request the If-Range (if any) allows: 206 with one
/// range (its head says which) or several (multipart/byteranges, each part's
/// head from the buffer, its bytes from the mapping or the file), 416 when
/// none is satisfiable; `None`, with nothing queued, when the header is
/// unusable and the whole 200 goes instead. Out of line: few requests ask
/// for ranges.
#[inline(never)]
fn answer_range(
    entry: &Arc<Entry>,
    r: &[u8],
    head_only: bool,
    close: bool,
    cx: &Context<'_>,
    conn: Connection,
    out: &mut Output,
) -> Option<Reply> {
    let size = entry.meta.size;
    let ranges = range::parse(r, size);
    let mut extra = Vec::with_capacity(64);
    extra.extend_from_slice(b"Content-Range: ");
    let (content_type, length, list) = match &ranges {
        Ranges::Ignore => return None,
        Ranges::Single(r) => {
            range::write_content_range(&mut extra, *r, size);
            extra.extend_from_slice(b"\r\n");
            (entry.content_type, r.len(), core::slice::from_ref(r))
        }
        Ranges::Multi(list) => {
            let list = list.as_slice();
            let length = range::multipart_length(list, range::BOUNDARY, entry.content_type, size);
            extra.clear();
            (range::MULTIPART_TYPE, length, list)
        }
        Ranges::Unsatisfiable => {
            range::write_unsatisfied_range(&mut extra, size);
            extra.extend_from_slice(b"\r\n");
            let mut head = cx.head(Status::RangeNotSatisfiable, conn);
            head.extra = &extra;
            head.vary = entry.vary;
            return Some(error_page(&head, head_only, close, out));
        }
    };
    let mut head = cx.head(Status::PartialContent, conn);
    head.content_type = Some(content_type);
    head.content_length = length;
    head.last_modified = entry.last_modified_date();
    head.cache_control = cx.site.cache_control(entry.cache_rule);
    head.etag = entry.etag().map(|t| t.as_bytes());
    head.accept_ranges = true;
    head.vary = entry.vary;
    head.extra = &extra;
    response::write_head(out.buf(), &head);
    if !head_only {
        let multi = list.len() > 1;
        for r in list {
            if multi {
                range::part_head(out.buf(), range::BOUNDARY, entry.content_type, *r, size);
            }
            out.push_body(entry, r.start, r.end);
        }
        if multi {
            range::closing(out.buf(), range::BOUNDARY);
        }
    }
    Some(Reply {
        status: Status::PartialContent,
        close,
        body: length,
        quiet: false,
    })
}

/// Queues the health path's answer: 200 `ok` while serving, 503
/// `stopping` once the server is leaving (draining or stopping), never
/// stored by caches. Returns the status and the body's length. Out of line:
/// probes ask every few seconds, clients many times a second.
#[inline(never)]
fn answer_health(
    health: &Health,
    head_only: bool,
    cx: &Context<'_>,
    conn: Connection,
    out: &mut Output,
) -> (Status, u64) {
    let leaving = cx.stopping || health.leaving.load(Ordering::Relaxed);
    let (status, body): (_, &[u8]) = if leaving {
        (Status::ServiceUnavailable, b"stopping\n")
    } else {
        (Status::Ok, b"ok\n")
    };
    let mut head = cx.head(status, conn);
    head.content_type = Some("text/plain; charset=utf-8");
    head.content_length = body.len() as u64;
    head.extra = b"Cache-Control: no-store\r\n";
    response::write_head(out.buf(), &head);
    if !head_only {
        out.buf().extend_from_slice(body);
    }
    (status, body.len() as u64)
}

/// Queues the 204 for a CORS preflight to GET or HEAD from an allowed origin;
/// false, with nothing queued, for any other OPTIONS request. Out of line:
/// few requests are preflights.
#[inline(never)]
fn preflight(req: &Request<'_>, cx: &Context<'_>, conn: Connection, out: &mut Output) -> bool {
    let method = request::field_values(req.head, b"access-control-request-method").next();
    let headers = request::field_values(req.head, b"access-control-request-headers");
    let mut lines = Vec::with_capacity(128);
    if !cors::write_preflight(&mut lines, cx.cors, method, headers) {
        return false;
    }
    let mut head = cx.head(Status::NoContent, conn);
    head.extra = &lines;
    response::write_head(out.buf(), &head);
    true
}

/// Queues a 404 whose body is the --404 page and returns the page's size;
/// `None` when there is none (not configured, or missing itself), so the
/// built-in page goes instead. Out of line: only 404s come here.
#[inline(never)]
fn not_found_page(
    cache: &Cache,
    cx: &Context<'_>,
    head_only: bool,
    conn: Connection,
    local: &mut Vec<u8>,
    out: &mut Output,
) -> Option<u64> {
    let key = cx.routes.not_found.as_ref()?;
    let Lookup::Entry(page) = cache.lookup(key, local, cx.clock.now_ms()) else {
        return None;
    };
    if matches!(page.body, Body::Missing) {
        return None;
    }
    let mut head = cx.head(Status::NotFound, conn);
    head.content_type = Some(page.content_type);
    head.content_length = page.meta.size;
    response::write_head(out.buf(), &head);
    if !head_only {
        out.push_body(&page, 0, page.meta.size);
    }
    Some(page.meta.size)
}

/// The coding to answer with, from the client's Accept-Encoding (every line
/// of it) and the forms the entry has.
fn negotiate(entry: &Entry, req: &Request<'_>) -> Choice {
    let mut available = [Coding::Identity; 1 + MAX_VARIANTS];
    let mut n = 1;
    for v in entry.variants.iter().take(MAX_VARIANTS) {
        available[n] = v.coding;
        n += 1;
    }
    let accepted = if req.accept_encoding_repeated {
        encoding::parse_fields(request::field_values(req.head, b"accept-encoding"))
    } else {
        encoding::parse(req.accept_encoding)
    };
    encoding::choose(&accepted, &available[..n])
}

/// Queues a 304 for `entry` (or one of its variants) with `etag`.
fn not_modified(
    entry: &Entry,
    etag: Option<&[u8]>,
    vary: bool,
    cx: &Context<'_>,
    conn: Connection,
    out: &mut Output,
) {
    let mut head = cx.head(Status::NotModified, conn);
    head.etag = etag;
    head.last_modified = entry.last_modified_date();
    head.cache_control = cx.site.cache_control(entry.cache_rule);
    head.vary = vary;
    response::write_head(out.buf(), &head);
}
