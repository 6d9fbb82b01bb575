//! Directory listings, like nginx `autoindex`: renders the entries of one directory, which the
//! caller has already read, as a small HTML5 document. Pure byte work; makes no system calls.
//!
//! - Hidden entries ([`is_listed`] false: empty, dot-prefixed except `.well-known` at the root,
//!   or holding `/` or NUL) are skipped: a page shows what a request could be served.
//! - Directories come first, then files, each group bytewise ascending by name; the order is total
//!   (ties fall back to size, then mtime), so the output never depends on the read order.
//! - A `../` row leads, except at the root `/`.
//! - Links are relative (the percent-encoded name, plus `/` for directories), so the page works
//!   behind a proxy that mounts the server under a prefix. Everything outside unreserved and a few
//!   sub-delims is `%XX`, including `:` so that a name like `javascript:x` can never read as a scheme.
//! - Visible text is HTML-escaped (`& < > " '`); bytes that are not UTF-8, and C0 controls and DEL
//!   (which HTML text may not carry), show as U+FFFD. The href keeps the exact bytes.
//! - A page can be bounded: [`Budget`] counts rows in the order they are shown until the next
//!   would not fit, and [`render`] then ends the table with a line saying how many entries were
//!   left out ("… and 18,734 more entries not shown"). The caller learns each entry as it goes
//!   (sort the names, then stat only what is shown), so this module never sees the rest.
//! - The document is measured before it is written, so `out` grows by exactly one allocation.

use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::http::date::Civil;
use crate::http::numfmt::Decimal;
use crate::http::path;
use crate::text::HEX_UPPER;

/// One directory entry as read from the file system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    /// The entry's name, raw bytes as the kernel returned them.
    pub name: &'a [u8],
    /// Whether the entry is a directory (listed and linked with a trailing `/`).
    pub is_dir: bool,
    /// Size in bytes; not shown for directories.
    pub size: u64,
    /// Last modification, Unix seconds (UTC); clamped to years 0000-9999 when shown.
    pub mtime: i64,
}

/// Whether a name in a directory (the root if `at_root`) is listed at all: false for "", ".",
/// "..", dot names ([`path::is_hidden`]: all but `.well-known` at the root), names containing
/// '/' or NUL.
pub fn is_listed(name: &[u8], at_root: bool) -> bool {
    !name.is_empty()
        && !path::is_hidden(name, at_root)
        && !name.iter().any(|&b| b == b'/' || b == 0)
}

/// Appends a complete HTML5 document to `out`: a row for each of `items` in the order given
/// (see [`sort`]; hidden ones are skipped), then, unless `omitted` is 0, a line saying that
/// many more entries are not shown.
///
/// `path` is the decoded, normalised URL path of the directory, starting and ending with '/'
/// (e.g. `b"/docs/"`); only `b"/"` counts as the root. Appends to whatever `out` already holds.
pub fn render(path: &[u8], items: &[Item<'_>], omitted: usize, out: &mut Vec<u8>) {
    let mut count = Count(0);
    document(&mut count, path, items, omitted);
    out.reserve_exact(count.0);
    let start = out.len();
    document(out, path, items, omitted);
    debug_assert_eq!(out.len() - start, count.0);
}

/// The room left for rows on a page of bounded length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    room: usize,
    at_root: bool,
}

impl Budget {
    /// The room for rows on a page of `path` at most `limit` bytes long: what the fixed parts
    /// and the longest truncation line leave (none if they alone exceed it). That line is
    /// always set aside, so the page stays within `limit` whatever count it ends up carrying.
    pub fn new(path: &[u8], limit: usize) -> Budget {
        let mut frame = Count(0);
        document(&mut frame, path, &[], usize::MAX);
        Budget {
            room: limit.saturating_sub(frame.0),
            at_root: path == b"/",
        }
    }

    /// Takes the room for `item`'s row and returns true, or returns false (taking nothing)
    /// when it does not fit. A hidden item has no row and always fits.
    pub fn take(&mut self, item: &Item<'_>) -> bool {
        let mut row = Count(0);
        put_row(&mut row, item, self.at_root);
        match self.room.checked_sub(row.0) {
            Some(room) => {
                self.room = room;
                true
            }
            None => false,
        }
    }
}

/// Sorts in place into the order a page shows (see the module doc) with a heap sort:
/// O(n log n) without scratch space, in a few hundred bytes of code where core's sort
/// takes kilobytes of a binary whose size is one of its selling points.
pub fn sort(items: &mut [Item<'_>]) {
    let n = items.len();
    for start in (0..n / 2).rev() {
        sift_down(items, start, n);
    }
    for end in (1..n).rev() {
        items.swap(0, end);
        sift_down(items, 0, end);
    }
}

/// Moves `items[root]` down the max-heap `items[..end]` to its place.
fn sift_down(items: &mut [Item<'_>], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && order(&items[child], &items[child + 1]) == Ordering::Less {
            child += 1;
        }
        if order(&items[root], &items[child]) != Ordering::Less {
            return;
        }
        items.swap(root, child);
        root = child;
    }
}

/// Directories first, then bytewise by name; size and mtime only break ties between duplicates.
fn order(a: &Item<'_>, b: &Item<'_>) -> Ordering {
    b.is_dir
        .cmp(&a.is_dir)
        .then_with(|| a.name.cmp(b.name))
        .then_with(|| a.size.cmp(&b.size))
        .then_with(|| a.mtime.cmp(&b.mtime))
}

/// Where the document goes: counted first, then written, through the same code. Taken as
/// `dyn`, so that code is in the binary once rather than once per sink.
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

struct Count(usize);

impl Sink for Count {
    fn put(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

const HEAD: &[u8] = b"<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Index of ";
const STYLE: &[u8] = b"</title>\n<style>body{font-family:monospace}\
th,td{padding:0 2em 0 0;text-align:left}td:nth-child(2){text-align:right}</style>\n\
</head>\n<body>\n<h1>Index of ";
const TABLE: &[u8] = b"</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n";
const PARENT: &[u8] = b"<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n";
const ROW_HREF: &[u8] = b"<tr><td><a href=\"";
const ROW_TEXT: &[u8] = b"\">";
const ROW_SIZE: &[u8] = b"</a></td><td>";
const DIR_TEXT: &[u8] = b"/\">";
const DIR_SIZE: &[u8] = b"/</a></td><td>-";
const ROW_DATE: &[u8] = b"</td><td>";
const ROW_END: &[u8] = b"</td></tr>\n";
const TABLE_END: &[u8] = b"</table>\n";
const OMITTED: &[u8] = "<p>\u{2026} and ".as_bytes();
const OMITTED_ONE: &[u8] = b" more entry not shown</p>\n";
const OMITTED_MANY: &[u8] = b" more entries not shown</p>\n";
const TAIL: &[u8] = b"</body>\n</html>\n";
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

fn document(s: &mut dyn Sink, path: &[u8], items: &[Item<'_>], omitted: usize) {
    s.put(HEAD);
    put_text(s, path);
    s.put(STYLE);
    put_text(s, path);
    s.put(TABLE);
    let at_root = path == b"/";
    if !at_root {
        s.put(PARENT);
    }
    for item in items {
        put_row(s, item, at_root);
    }
    s.put(TABLE_END);
    if omitted > 0 {
        s.put(OMITTED);
        s.put(Decimal::grouped(u64::try_from(omitted).unwrap_or(u64::MAX)).as_bytes());
        s.put(if omitted == 1 {
            OMITTED_ONE
        } else {
            OMITTED_MANY
        });
    }
    s.put(TAIL);
}

/// One table row, or nothing for a hidden item.
fn put_row(s: &mut dyn Sink, item: &Item<'_>, at_root: bool) {
    if !is_listed(item.name, at_root) {
        return;
    }
    s.put(ROW_HREF);
    put_href(s, item.name);
    // A directory's `/` and `-` go with the fixed text around them, a put fewer each.
    s.put(if item.is_dir { DIR_TEXT } else { ROW_TEXT });
    put_text(s, item.name);
    if item.is_dir {
        s.put(DIR_SIZE);
    } else {
        s.put(ROW_SIZE);
        s.put(Decimal::new(item.size).as_bytes());
    }
    s.put(ROW_DATE);
    s.put(&date(item.mtime));
    s.put(ROW_END);
}

fn put_href(s: &mut dyn Sink, name: &[u8]) {
    let mut rest = name;
    loop {
        let run = rest
            .iter()
            .position(|&b| !super::bytes::is(b, super::bytes::HREF_SAFE))
            .unwrap_or(rest.len());
        let (plain, tail) = rest.split_at(run);
        s.put(plain);
        let Some((&b, after)) = tail.split_first() else {
            return;
        };
        s.put(&[
            b'%',
            HEX_UPPER[usize::from(b >> 4)],
            HEX_UPPER[usize::from(b & 0xf)],
        ]);
        rest = after;
    }
}

fn put_text(s: &mut dyn Sink, bytes: &[u8]) {
    let mut rest = bytes;
    while !rest.is_empty() {
        let (valid, invalid) = match crate::rt::utf8::check(rest) {
            Ok(()) => (rest.len(), 0),
            // No error length: the input ends inside a sequence, all of it invalid.
            Err((valid, bad)) => (valid, bad.unwrap_or(rest.len() - valid)),
        };
        let (mut text, tail) = rest.split_at(valid);
        // Every special byte is ASCII, which never occurs inside a multi-byte sequence, so a
        // bytewise scan of the valid part cannot split a character.
        loop {
            let run = text
                .iter()
                .position(|&b| super::bytes::is(b, super::bytes::TEXT_SPECIAL))
                .unwrap_or(text.len());
            let (plain, special) = text.split_at(run);
            s.put(plain);
            let Some((&b, after)) = special.split_first() else {
                break;
            };
            s.put(escape(b));
            text = after;
        }
        // One U+FFFD per maximal invalid sequence, as `String::from_utf8_lossy` does.
        if invalid > 0 {
            s.put(REPLACEMENT);
        }
        rest = tail.get(invalid..).unwrap_or_default();
    }
}

fn escape(b: u8) -> &'static [u8] {
    match b {
        b'&' => b"&amp;",
        b'<' => b"&lt;",
        b'>' => b"&gt;",
        b'"' => b"&quot;",
        b'\'' => b"&#39;",
        _ => REPLACEMENT,
    }
}

/// `YYYY-MM-DD HH:MM` in UTC.
fn date(mtime: i64) -> [u8; 16] {
    let c = Civil::from_unix(mtime);
    let mut d = *b"0000-00-00 00:00";
    c.put(
        &mut d,
        [0, 5, 8, 11, 14, Civil::SKIP, Civil::SKIP, Civil::SKIP],
    );
    d
}

#[cfg(test)]
mod tests;
