//! A cache entry: what one path resolves to (a mapped small file, an open big
//! file, or nothing) with everything a response needs prebuilt.
//!
//! Entries are shared as `Arc<Entry>`: a response in flight holds one, so a
//! mapping outlives its eviction or invalidation until the last byte is sent.
//!
//! ETags come from the content ([`super::digest`]): a body read at the fill
//! gets its tag then, inside its prebuilt head; a big file's tag is set once
//! the cache's hashing thread has read it, and until then its responses
//! carry none.
#![forbid(unsafe_code)]

use super::mapping::Mapping;
use crate::http::conditional::LastModifiedPolicy;
use crate::http::date;
use crate::http::encoding::Coding;
use crate::http::response::{self, Connection, Etag, Head, SiteHeaders};
use crate::http::status::Status;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use rustix::fd::OwnedFd;

/// Where a 200 response's body comes from.
pub enum Body {
    /// A small file, mapped (or bytes made in memory): the body goes out in
    /// the same writev as the head.
    Mapped(Mapping),
    /// A big file kept open: the body goes out with sendfile at an offset.
    File(OwnedFd),
    /// Nothing is at this path: 404.
    Missing,
}

/// Metadata of a file as it was when cached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, seconds.
    pub mtime: i64,
    /// Modification time, nanoseconds.
    pub mtime_nsec: u32,
    /// Inode change time, seconds (zero where no file stands behind).
    pub ctime: i64,
    /// Inode change time, nanoseconds.
    pub ctime_nsec: u32,
}

/// A compressed form of an entry's file, held in memory.
pub struct Variant {
    /// Its content coding.
    pub coding: Coding,
    /// The compressed bytes (made to size, so kept as they come).
    pub bytes: Vec<u8>,
    /// Its 200 head without `Date`, `Connection` and the final empty line.
    pub head: Box<[u8]>,
    /// Its own ETag, from its own bytes.
    pub etag: Etag,
}

impl Variant {
    /// `bytes` in `coding`, tagged by their own content; the head is built
    /// with the entry's ([`Entry::new`]).
    pub fn new(coding: Coding, bytes: Vec<u8>) -> Variant {
        Variant {
            coding,
            etag: Etag::from_digest(super::digest::Digest::of(&bytes)),
            bytes,
            head: Box::default(),
        }
    }
}

/// What a fill found on disk for a path, before the heads are built.
pub struct Found {
    /// The body source.
    pub body: Body,
    /// File metadata (zeroes for `Missing`).
    pub meta: Meta,
    /// Content-Type from the served file's name.
    pub content_type: &'static str,
    /// Whether responses say `Vary: Accept-Encoding`.
    pub vary: bool,
    /// Compressed forms worth keeping, their heads still empty.
    pub compressed: Vec<Variant>,
    /// The content hash of the body, when the fill read it.
    pub digest: Option<u128>,
    /// inotify may not see it change (see [`Entry::aliased`]).
    pub aliased: bool,
}

impl Found {
    /// Nothing at the path: a cached 404.
    pub fn missing() -> Found {
        Found {
            body: Body::Missing,
            meta: Meta::default(),
            content_type: "",
            vary: false,
            compressed: Vec::new(),
            digest: None,
            aliased: false,
        }
    }
}

/// Which of an entry's byte strings a piece of output comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The 200 head's fixed part ([`Entry::head`]).
    Head,
    /// The mapped body ([`Body::Mapped`]).
    Body,
    /// The head of compressed variant `i`.
    VariantHead(u8),
    /// The bytes of compressed variant `i`.
    VariantBody(u8),
}

/// One cached path.
pub struct Entry {
    /// The body source.
    pub body: Body,
    /// File metadata (zeroes for `Missing`).
    pub meta: Meta,
    /// Content-Type from the served file's name.
    pub content_type: &'static str,
    /// The ETag, once the content hash is known; in [`Entry::head`] when it
    /// was known at the fill.
    etag: spin::Once<Etag>,
    /// Whether [`Entry::head`] holds the ETag.
    pub etag_in_head: bool,
    /// `Last-Modified`, when `--last-modified` shows one: its second, and
    /// as IMF-fixdate.
    pub last_modified: Option<(i64, [u8; date::HTTP_DATE_LEN])>,
    /// The 200 head without `Date`, `Connection` and the final empty line:
    /// status line, Server, Content-Type, Content-Length, Last-Modified,
    /// ETag, Accept-Ranges (and Vary), each ending in CRLF.
    pub head: Box<[u8]>,
    /// Which `--cache-control-for` rule the path falls under (`None`: the
    /// site-wide `Cache-Control`), for the heads built per response.
    pub cache_rule: Option<usize>,
    /// Compressed forms, for clients that accept them.
    pub variants: Vec<Variant>,
    /// Whether the file's type is compressible: every response says
    /// `Vary: Accept-Encoding`, the identity one too.
    pub vary: bool,
    /// Bytes this entry counts against the cache budget.
    pub cost: usize,
    /// inotify may not see it change (reached through a symlink, a file with
    /// other names, or a tree not fully watched): it is filled again once
    /// older than the TTL, and meanwhile the head and the bytes sent still
    /// describe the same file: a small body is a copy, not a mapping, and a
    /// big file is checked with fstat before each use.
    pub aliased: bool,
    /// CLOCK's second-chance bit, set by every hit.
    referenced: AtomicBool,
    /// Scratch for the map compacting its ring (under its lock): this entry's key was kept.
    pub(super) ring_mark: AtomicBool,
    /// Monotonic ms when the entry was filled: an aliased entry older than
    /// the TTL is filled again (a new entry), never revalidated in place.
    filled_ms: u64,
}

impl Entry {
    /// An entry for what a fill `found` at the path `key`, made at `now_ms`,
    /// with its 200 heads prebuilt (none for `Missing`) including the site's
    /// header lines, the path's `Cache-Control` and `Last-Modified` as
    /// `policy` says; made in the `Arc` it is shared as.
    pub fn new(
        found: Found,
        site: &SiteHeaders,
        policy: LastModifiedPolicy,
        key: &[u8],
        now_ms: u64,
    ) -> Arc<Entry> {
        let meta = found.meta;
        let last_modified = policy.shown(meta.mtime).map(|secs| {
            let mut text = [0; date::HTTP_DATE_LEN];
            date::format(secs, &mut text);
            (secs, text)
        });
        let etag = found.digest.map(Etag::from_digest);
        let cache_rule = site.cache_rule(key);
        let mut base = Head {
            cache_control: site.cache_control(cache_rule),
            content_type: Some(found.content_type),
            content_length: meta.size,
            last_modified: last_modified.as_ref().map(|(_, text)| &text[..]),
            etag: etag.as_ref().map(Etag::as_bytes),
            accept_ranges: true,
            vary: found.vary,
            site,
            ..Head::new(Status::Ok, b"", Connection::Default)
        };
        let head = match found.body {
            Body::Missing => Box::default(),
            _ => fields(&base),
        };
        let mut variants = found.compressed;
        // Each variant's head is the identity one with its own coding,
        // length and tag, set in place. Ranges are served from the identity
        // form only, so variants do not offer them. Counted as the heads are
        // made: a second pass to sum them is more code.
        base.accept_ranges = false;
        let mut compressed = 0;
        for v in &mut variants {
            base.content_encoding = Some(v.coding.token());
            base.content_length = v.bytes.len() as u64;
            base.etag = Some(v.etag.as_bytes());
            v.head = fields(&base);
            compressed += v.bytes.len() + v.head.len();
        }
        let mapped = match &found.body {
            Body::Mapped(m) => m.bytes().len(),
            _ => 0,
        };
        let cost = mapped + compressed + head.len() + key.len() + core::mem::size_of::<Entry>();
        // Built as the `Arc::new` argument, so no named copy is moved into it.
        Arc::new(Entry {
            cache_rule,
            variants,
            vary: found.vary,
            last_modified,
            body: found.body,
            meta,
            content_type: found.content_type,
            etag: etag.map_or_else(spin::Once::new, spin::Once::initialized),
            etag_in_head: etag.is_some(),
            head,
            cost,
            aliased: found.aliased,
            referenced: AtomicBool::new(true),
            ring_mark: AtomicBool::new(false),
            filled_ms: now_ms,
        })
    }

    /// The ETag, if the content hash is known yet.
    pub fn etag(&self) -> Option<&Etag> {
        self.etag.get()
    }

    /// The ETag's bytes, empty while it is not known: nothing but `*`
    /// matches an empty tag.
    pub fn etag_bytes(&self) -> &[u8] {
        self.etag().map_or(&[], Etag::as_bytes)
    }

    /// Sets the ETag from a content hash taken after the fill; the first
    /// one set stays.
    pub fn set_digest(&self, digest: u128) {
        self.etag.call_once(|| Etag::from_digest(digest));
    }

    /// `Last-Modified` as sent, if it is.
    pub fn last_modified_date(&self) -> Option<&[u8]> {
        self.last_modified.as_ref().map(|(_, text)| &text[..])
    }

    /// The bytes of `part` (empty where the entry has no such part), for the
    /// kernel only: a mapped body must never be read in user space (see
    /// [`super::mapping`]), so these go out in iovecs and nowhere else.
    pub fn bytes(&self, part: Part) -> &[u8] {
        match part {
            Part::Head => &self.head,
            Part::Body => match &self.body {
                Body::Mapped(m) => m.bytes(),
                Body::File(_) | Body::Missing => &[],
            },
            Part::VariantHead(i) => self.variants.get(usize::from(i)).map_or(&[], |v| &v.head),
            Part::VariantBody(i) => self.variants.get(usize::from(i)).map_or(&[], |v| &v.bytes),
        }
    }

    /// Whether the open file `fd` still has the size and ctime the entry was
    /// filled with (see [`super::root::stamp`]).
    pub fn file_unchanged(&self, fd: &OwnedFd) -> bool {
        let m = &self.meta;
        rustix::fs::fstat(fd)
            .is_ok_and(|st| super::root::stamp(&st) == (m.size, m.ctime, m.ctime_nsec))
    }

    /// Marks the entry as recently used.
    pub fn touch(&self) {
        if !self.referenced.load(Ordering::Relaxed) {
            self.referenced.store(true, Ordering::Relaxed);
        }
    }

    /// Clears the second-chance bit, returning whether it was set.
    pub fn take_reference(&self) -> bool {
        self.referenced.swap(false, Ordering::Relaxed)
    }

    /// Whether the entry was filled from the disk within `ttl_ms`.
    pub fn fresh(&self, now_ms: u64, ttl_ms: u64) -> bool {
        now_ms.saturating_sub(self.filled_ms) < ttl_ms
    }
}

/// A head's fixed part (all but Date and Connection), boxed for an entry.
fn fields(head: &Head<'_>) -> Box<[u8]> {
    let mut out = Vec::with_capacity(256);
    response::write_fields(&mut out, head);
    out.into_boxed_slice()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::digest::Digest;

    #[test]
    fn variant_heads_differ_from_the_identity_head_in_coding_length_tag_and_ranges_only() {
        let body = b"0123456789".repeat(40);
        let found = Found {
            body: Body::Mapped(Mapping::Memory(body.clone().into_boxed_slice())),
            meta: Meta {
                size: body.len() as u64,
                mtime: 784_111_777,
                mtime_nsec: 0,
                ctime: 0,
                ctime_nsec: 0,
            },
            content_type: "text/plain",
            vary: true,
            compressed: alloc::vec![
                Variant::new(Coding::Gzip, b"gz".to_vec()),
                Variant::new(Coding::Br, b"brotli".to_vec())
            ],
            digest: Some(Digest::of(&body)),
            aliased: false,
        };
        let site = SiteHeaders::new(
            Some(b"max-age=60".to_vec()),
            Vec::new(),
            &[b"X-Site: 1".to_vec()],
        );
        let e = Entry::new(found, &site, LastModifiedPolicy::On, b"a.txt", 0);
        let lines = |h: &[u8]| -> Vec<String> {
            String::from_utf8(h.to_vec())
                .unwrap()
                .split("\r\n")
                .map(str::to_owned)
                .collect()
        };
        let identity = lines(&e.head);
        let tag = |bytes: &[u8]| {
            let etag = Etag::from_digest(Digest::of(bytes));
            format!(
                "ETag: {}",
                String::from_utf8(etag.as_bytes().to_vec()).unwrap()
            )
        };
        assert!(
            identity.contains(&"Accept-Ranges: bytes".to_owned()),
            "{identity:?}"
        );
        assert!(identity.contains(&tag(&body)), "{identity:?}");
        assert!(
            identity.contains(&"Content-Length: 400".to_owned()),
            "{identity:?}"
        );
        assert_eq!(e.variants.len(), 2);
        for (v, (token, bytes)) in e
            .variants
            .iter()
            .zip([("gzip", &b"gz"[..]), ("br", b"brotli")])
        {
            assert_eq!(v.coding.token(), token);
            assert_eq!(&v.bytes[..], bytes);
            let want: Vec<String> = identity
                .iter()
                .filter(|l| *l != "Accept-Ranges: bytes")
                .map(|l| {
                    if l.starts_with("Content-Length: ") {
                        format!("Content-Length: {}", bytes.len())
                    } else if l.starts_with("ETag: ") {
                        tag(bytes)
                    } else if l.starts_with("Content-Type: ") {
                        format!("{l}\r\nContent-Encoding: {token}")
                    } else {
                        l.clone()
                    }
                })
                .flat_map(|l| l.split("\r\n").map(str::to_owned).collect::<Vec<_>>())
                .collect();
            assert_eq!(lines(&v.head), want, "{token}");
            assert_eq!(
                v.etag.as_bytes(),
                Etag::from_digest(Digest::of(bytes)).as_bytes()
            );
        }
        let heads: usize = e
            .variants
            .iter()
            .map(|v| v.head.len() + v.bytes.len())
            .sum();
        let size = core::mem::size_of::<Entry>();
        assert_eq!(
            e.cost,
            body.len() + heads + e.head.len() + b"a.txt".len() + size
        );
    }
}
