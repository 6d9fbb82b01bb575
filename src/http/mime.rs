//! Content types: maps a file name's extension to a `Content-Type` value and says which types
//! are worth compressing. Pure lookups and checks, no system calls; a [`Types`] table is
//! consulted when a file enters the cache, never per request.
//!
//! Types follow nginx's `mime.types` with the current IANA names where they differ
//! (`text/javascript` per RFC 9239, `font/*`, `application/yaml`). Text-like types (every
//! `text/*`, JavaScript, JSON, XML, RSS/Atom, the web manifest, YAML, TOML) carry
//! `; charset=utf-8`, as static-web-server does; SVG is sent as plain `image/svg+xml`.
//! `--mime` adds to or overrides the built-in table and `--default-type` replaces [`DEFAULT`]
//! (see [`Types`]); both are checked with [`is_media_type`].

use crate::http::bytes::{eq_ignore_case, index_in};
use crate::http::encoding::{quoted_end, skip_ows, token_end};
use crate::text::pack::unpack;
use alloc::borrow::Cow;
use alloc::vec::Vec;

/// Sent for files without an extension or with one not in the table, unless `--default-type`.
pub const DEFAULT: &str = "application/octet-stream";

/// The type of HTML files, and of the listings staticd writes.
pub const HTML: &str = "text/html; charset=utf-8";

/// What `/.well-known/apple-app-site-association` is served as.
const JSON: &str = "application/json";

/// The one file typed by its name rather than its extension.
const APPLE_APP_SITE_ASSOCIATION: &[u8] = b".well-known/apple-app-site-association";

/// The built-in table alone, with [`DEFAULT`] for everything else: for tests, as the
/// server's table is unpacked once at start-up.
#[cfg(test)]
pub static BUILTIN: std::sync::LazyLock<Types> = std::sync::LazyLock::new(Types::new);

/// A content-type table: the built-in one, the extensions `--mime` adds or overrides, and the
/// type of everything else (`--default-type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Types {
    /// Extensions (no dot) and their types, one `EXTS=TYPE` line each: [`EXTENSIONS`]
    /// unpacked, then what `--mime` added in order; the last line that matches wins. One
    /// buffer, so the table is copied and compared as a whole.
    lines: Vec<u8>,
    /// For names with no extension or one in neither table.
    default: Cow<'static, str>,
}

impl Types {
    /// The built-in table, with [`DEFAULT`] for names it does not know.
    #[must_use]
    pub fn new() -> Types {
        Types {
            lines: unpack(b"", extensions_packed()),
            default: Cow::Borrowed(DEFAULT),
        }
    }

    /// Serves `ext` (without its dot, matched in any case) as `ty`, over the built-in type or
    /// one added before.
    pub fn add(&mut self, ext: &[u8], ty: &str) {
        // `--mime` checks that EXT holds no `=`, space or line break, and TYPE no line break.
        self.lines.extend_from_slice(ext);
        self.lines.push(b'=');
        self.lines.extend_from_slice(ty.as_bytes());
        self.lines.push(b'\n');
    }

    /// Serves names that no table knows as `ty`.
    pub fn set_default(&mut self, ty: &str) {
        self.default = Cow::Owned(ty.into());
    }

    /// Returns the content type for `path` (relative to the root), chosen by the extension of
    /// its last segment.
    ///
    /// The extension is what follows the last `.` of the last segment and is matched
    /// case-insensitively. A segment whose only dot is its first byte (`.profile`) and one
    /// ending in a dot (`a.`) have no extension; both, and unknown extensions, get the
    /// default type, except `.well-known/apple-app-site-association`, which is JSON.
    #[must_use]
    pub fn content_type(&self, path: &[u8]) -> &str {
        let Some(ext) = extension(path) else {
            // Apple fetches it without an extension and wants JSON.
            if path == APPLE_APP_SITE_ASSOCIATION {
                return JSON;
            }
            return &self.default;
        };
        by_extension(&self.lines, ext).unwrap_or(&self.default)
    }
}

impl Default for Types {
    fn default() -> Types {
        Types::new()
    }
}

/// The extension of `path`'s last segment, without its dot: `None` for no dot, a leading dot
/// only, or a trailing dot.
fn extension(path: &[u8]) -> Option<&[u8]> {
    let name = match path.iter().rposition(|&b| b == b'/') {
        Some(slash) => path.get(slash + 1..).unwrap_or_default(),
        None => path,
    };
    match name.iter().rposition(|&b| b == b'.') {
        Some(0) | None => None,
        Some(dot) => name.get(dot + 1..).filter(|e| !e.is_empty()),
    }
}

/// The built-in table, one type a line: its extensions (lowercase, space-separated), `=`, then
/// the type. Data and one loop in [`by_extension`] rather than a `match`, which compiled to
/// 3 KB of comparisons; the table is read only when a file enters the cache. The binary holds
/// it packed ([`extensions_packed`]).
const EXTENSIONS: &str = concat!(
    // Text and documents.
    "html htm shtml=text/html; charset=utf-8\n",
    "css=text/css; charset=utf-8\n",
    "js mjs cjs=text/javascript; charset=utf-8\n",
    "txt text log=text/plain; charset=utf-8\n",
    "md markdown=text/markdown; charset=utf-8\n",
    "csv=text/csv; charset=utf-8\n",
    "tsv=text/tab-separated-values; charset=utf-8\n",
    "ics=text/calendar; charset=utf-8\n",
    "vtt=text/vtt; charset=utf-8\n",
    "xml xsl=text/xml; charset=utf-8\n",
    "json map=application/json; charset=utf-8\n",
    "jsonld=application/ld+json; charset=utf-8\n",
    "webmanifest=application/manifest+json; charset=utf-8\n",
    "xhtml=application/xhtml+xml; charset=utf-8\n",
    "rss=application/rss+xml; charset=utf-8\n",
    "atom=application/atom+xml; charset=utf-8\n",
    "yaml yml=application/yaml; charset=utf-8\n",
    "toml=application/toml; charset=utf-8\n",
    "pdf=application/pdf\n",
    "wasm=application/wasm\n",
    // Images.
    "svg=image/svg+xml\n",
    "png=image/png\n",
    "apng=image/apng\n",
    "jpg jpeg jpe jfif=image/jpeg\n",
    "gif=image/gif\n",
    "webp=image/webp\n",
    "avif=image/avif\n",
    "jxl=image/jxl\n",
    "heic=image/heic\n",
    "heif=image/heif\n",
    "ico=image/x-icon\n",
    "bmp=image/bmp\n",
    "tif tiff=image/tiff\n",
    // Fonts.
    "woff=font/woff\n",
    "woff2=font/woff2\n",
    "ttf=font/ttf\n",
    "otf=font/otf\n",
    "eot=application/vnd.ms-fontobject\n",
    // Archives and compressed files.
    "zip=application/zip\n",
    "gz tgz=application/gzip\n",
    "tar=application/x-tar\n",
    "br=application/x-brotli\n",
    "zst=application/zstd\n",
    "xz=application/x-xz\n",
    "bz2=application/x-bzip2\n",
    "7z=application/x-7z-compressed\n",
    "rar=application/vnd.rar\n",
    // Video.
    "mp4 m4v=video/mp4\n",
    "webm=video/webm\n",
    "ogv=video/ogg\n",
    "mov=video/quicktime\n",
    "avi=video/x-msvideo\n",
    "mkv=video/x-matroska\n",
    "mpeg mpg=video/mpeg\n",
    "ts=video/mp2t\n",
    "m3u8=application/vnd.apple.mpegurl\n",
    // Audio.
    "ogg oga opus=audio/ogg\n",
    "mp3=audio/mpeg\n",
    "wav=audio/wav\n",
    "flac=audio/flac\n",
    "m4a=audio/mp4\n",
    "aac=audio/aac\n",
    "mid midi=audio/midi\n",
);

/// [`EXTENSIONS`] packed at compile time: 735 bytes instead of 1,551 (`application/` and
/// `; charset=utf-8` come back again and again), unpacked into each [`Types::new`].
fn extensions_packed() -> &'static [u8] {
    crate::packed!(EXTENSIONS)
}

/// The type of `ext` (matched in any case) in a table of `EXTS=TYPE` lines such as
/// [`EXTENSIONS`], from the last line that lists it.
fn by_extension<'a>(table: &'a [u8], ext: &[u8]) -> Option<&'a str> {
    // From the end, so the first line found is the last that lists it.
    for line in table.rsplit(|&b| b == b'\n') {
        let Some(eq) = line.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (exts, ty) = line.split_at(eq);
        if index_in(exts, ext).is_some() {
            // Whole lines of text put in as `str`: always UTF-8.
            return crate::rt::utf8::str(ty.get(1..)?);
        }
    }
    None
}

/// The compressible types [`is_compressible`] names one by one: one list compared in a
/// loop (a chain of comparisons compiles to far more code), packed like [`EXTENSIONS`]
/// (the binary holds it packed).
const EXACT: &str = concat!(
    "image/svg+xml font/ttf font/otf font/sfnt font/collection ",
    "application/javascript application/x-javascript application/ecmascript ",
    "application/json application/xml application/wasm application/yaml application/toml ",
    "application/vnd.ms-fontobject application/x-font-ttf application/x-font-otf",
);

/// Says whether a body of this content type shrinks usefully under gzip or brotli.
///
/// Only the media type counts (parameters after `;` are ignored) and it is matched
/// case-insensitively. Yes for `text/*`, JavaScript, JSON and XML (including `+json`/`+xml`
/// suffixes, so SVG, RSS, Atom and the web manifest), YAML, TOML, wasm and the uncompressed
/// fonts (ttf, otf, eot); no for other images, archives, audio, video, woff/woff2 and anything unknown.
#[must_use]
pub fn is_compressible(content_type: &str) -> bool {
    let essence = content_type.as_bytes();
    let essence = match essence.iter().position(|&b| b == b';') {
        Some(semi) => &essence[..semi],
        None => essence,
    }
    .trim_ascii();
    let Some(slash) = essence.iter().position(|&b| b == b'/') else {
        return false;
    };
    let (top, sub) = essence.split_at(slash);
    let sub = sub.get(1..).unwrap_or_default();
    if sub.is_empty() {
        return false;
    }
    if eq_ignore_case(top, b"text") {
        return true;
    }
    index_in(&unpack(b"", crate::packed!(EXACT)), essence).is_some()
        || eq_ignore_case(top, b"application")
            && (ends_with_ignore_case(sub, b"+json") || ends_with_ignore_case(sub, b"+xml"))
}

/// Whether `v` is a media type fit to be a `Content-Type` value (RFC 9110 §8.3.1):
/// `type/subtype`, both tokens, then any `; name=value` parameters, each value a token or a
/// quoted string (empty parameters allowed, as the grammar does). Visible ASCII only, with
/// spaces and tabs only around the `;`s and inside quotes, none at either end.
#[must_use]
pub fn is_media_type(v: &[u8]) -> bool {
    // The walkers of Accept-Encoding's parameters; ASCII only, their quoted strings are
    // this grammar's.
    let token = |i: usize| token_end(v, i);
    let ows = |i: usize| skip_ows(v, i);
    // A plain loop: `is_ascii` is unrolled word by word into 233 bytes.
    if !v.iter().all(u8::is_ascii) || matches!(v.last(), Some(b' ' | b'\t')) {
        return false;
    }
    let slash = token(0);
    if slash == 0 || v.get(slash) != Some(&b'/') {
        return false;
    }
    let mut i = token(slash + 1);
    if i == slash + 1 {
        return false;
    }
    loop {
        let semi = ows(i);
        match v.get(semi) {
            None => return true,
            Some(b';') => i = ows(semi + 1),
            Some(_) => return false,
        }
        if matches!(v.get(i), None | Some(b';')) {
            continue;
        }
        let name_end = token(i);
        if name_end == i || v.get(name_end) != Some(&b'=') {
            return false;
        }
        let value = name_end + 1;
        i = if v.get(value) == Some(&b'"') {
            match quoted_end(v, value + 1) {
                Ok(end) => end,
                Err(_) => return false,
            }
        } else {
            match token(value) {
                end if end > value => end,
                _ => return false,
            }
        };
    }
}

fn ends_with_ignore_case(s: &[u8], suffix: &[u8]) -> bool {
    s.len()
        .checked_sub(suffix.len())
        .and_then(|start| s.get(start..))
        .is_some_and(|tail| eq_ignore_case(tail, suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table entry: extension, content type, compressible.
    const TABLE: &[(&str, &str, bool)] = &[
        ("html", "text/html; charset=utf-8", true),
        ("htm", "text/html; charset=utf-8", true),
        ("shtml", "text/html; charset=utf-8", true),
        ("css", "text/css; charset=utf-8", true),
        ("js", "text/javascript; charset=utf-8", true),
        ("mjs", "text/javascript; charset=utf-8", true),
        ("cjs", "text/javascript; charset=utf-8", true),
        ("txt", "text/plain; charset=utf-8", true),
        ("text", "text/plain; charset=utf-8", true),
        ("log", "text/plain; charset=utf-8", true),
        ("md", "text/markdown; charset=utf-8", true),
        ("markdown", "text/markdown; charset=utf-8", true),
        ("csv", "text/csv; charset=utf-8", true),
        ("tsv", "text/tab-separated-values; charset=utf-8", true),
        ("ics", "text/calendar; charset=utf-8", true),
        ("vtt", "text/vtt; charset=utf-8", true),
        ("xml", "text/xml; charset=utf-8", true),
        ("xsl", "text/xml; charset=utf-8", true),
        ("json", "application/json; charset=utf-8", true),
        ("map", "application/json; charset=utf-8", true),
        ("jsonld", "application/ld+json; charset=utf-8", true),
        (
            "webmanifest",
            "application/manifest+json; charset=utf-8",
            true,
        ),
        ("xhtml", "application/xhtml+xml; charset=utf-8", true),
        ("rss", "application/rss+xml; charset=utf-8", true),
        ("atom", "application/atom+xml; charset=utf-8", true),
        ("yaml", "application/yaml; charset=utf-8", true),
        ("yml", "application/yaml; charset=utf-8", true),
        ("toml", "application/toml; charset=utf-8", true),
        ("pdf", "application/pdf", false),
        ("wasm", "application/wasm", true),
        ("svg", "image/svg+xml", true),
        ("png", "image/png", false),
        ("apng", "image/apng", false),
        ("jpg", "image/jpeg", false),
        ("jpeg", "image/jpeg", false),
        ("jpe", "image/jpeg", false),
        ("jfif", "image/jpeg", false),
        ("gif", "image/gif", false),
        ("webp", "image/webp", false),
        ("avif", "image/avif", false),
        ("jxl", "image/jxl", false),
        ("heic", "image/heic", false),
        ("heif", "image/heif", false),
        ("ico", "image/x-icon", false),
        ("bmp", "image/bmp", false),
        ("tif", "image/tiff", false),
        ("tiff", "image/tiff", false),
        ("woff", "font/woff", false),
        ("woff2", "font/woff2", false),
        ("ttf", "font/ttf", true),
        ("otf", "font/otf", true),
        ("eot", "application/vnd.ms-fontobject", true),
        ("zip", "application/zip", false),
        ("gz", "application/gzip", false),
        ("tgz", "application/gzip", false),
        ("tar", "application/x-tar", false),
        ("br", "application/x-brotli", false),
        ("zst", "application/zstd", false),
        ("xz", "application/x-xz", false),
        ("bz2", "application/x-bzip2", false),
        ("7z", "application/x-7z-compressed", false),
        ("rar", "application/vnd.rar", false),
        ("mp4", "video/mp4", false),
        ("m4v", "video/mp4", false),
        ("webm", "video/webm", false),
        ("ogv", "video/ogg", false),
        ("mov", "video/quicktime", false),
        ("avi", "video/x-msvideo", false),
        ("mkv", "video/x-matroska", false),
        ("mpeg", "video/mpeg", false),
        ("mpg", "video/mpeg", false),
        ("ts", "video/mp2t", false),
        ("m3u8", "application/vnd.apple.mpegurl", false),
        ("ogg", "audio/ogg", false),
        ("oga", "audio/ogg", false),
        ("opus", "audio/ogg", false),
        ("mp3", "audio/mpeg", false),
        ("wav", "audio/wav", false),
        ("flac", "audio/flac", false),
        ("m4a", "audio/mp4", false),
        ("aac", "audio/aac", false),
        ("mid", "audio/midi", false),
        ("midi", "audio/midi", false),
    ];

    fn ct(p: &str) -> &'static str {
        BUILTIN.content_type(p.as_bytes())
    }

    #[test]
    fn every_entry_in_every_case() {
        for &(ext, want, compress) in TABLE {
            assert_eq!(ct(&format!("f.{ext}")), want, "{ext}");
            assert_eq!(ct(&format!("a/b/f.{ext}")), want, "{ext}");
            assert_eq!(ct(&format!("F.{}", ext.to_uppercase())), want, "{ext}");
            // Mixed case: alternate upper and lower.
            let mixed: String = ext
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect();
            assert_eq!(ct(&format!("x.y.{mixed}")), want, "{ext}");
            assert_eq!(is_compressible(want), compress, "{ext}: {want}");
            // Everything text-like carries a charset, nothing binary does.
            let textual = want.starts_with("text/")
                || want.contains("json")
                || want.contains("+xml") && want != "image/svg+xml"
                || want.contains("yaml")
                || want.contains("toml");
            assert_eq!(want.ends_with("; charset=utf-8"), textual, "{want}");
            // An extension plus one more letter is not in the table by accident.
            assert_eq!(ct(&format!("f.{ext}x")), DEFAULT, "{ext}");
        }
    }

    #[test]
    fn table_in_test_covers_the_code() {
        // Every extension the code knows is listed in TABLE with the same type, and no twice.
        let mut known = std::collections::HashSet::new();
        for line in EXTENSIONS.lines() {
            let (exts, ty) = line.split_once('=').unwrap();
            for ext in exts.split(' ') {
                assert!(TABLE.contains(&(ext, ty, is_compressible(ty))), "{ext}");
                assert!(known.insert(ext), "{ext} twice");
            }
        }
        assert_eq!(known.len(), TABLE.len());
        assert!(TABLE.len() >= 80);
    }

    #[test]
    fn common_web_types_present() {
        for ext in [
            "html",
            "htm",
            "css",
            "js",
            "mjs",
            "json",
            "map",
            "xml",
            "txt",
            "md",
            "csv",
            "svg",
            "png",
            "jpg",
            "jpeg",
            "gif",
            "webp",
            "avif",
            "ico",
            "bmp",
            "tif",
            "tiff",
            "woff",
            "woff2",
            "ttf",
            "otf",
            "eot",
            "wasm",
            "pdf",
            "zip",
            "gz",
            "tar",
            "br",
            "zst",
            "mp4",
            "webm",
            "ogg",
            "mp3",
            "wav",
            "flac",
            "m4a",
            "mov",
            "avi",
            "webmanifest",
            "ics",
            "rss",
            "atom",
            "yaml",
            "yml",
            "toml",
            "apng",
            "jxl",
        ] {
            assert_ne!(ct(&format!("x.{ext}")), DEFAULT, "{ext}");
        }
    }

    #[test]
    fn edge_cases() {
        assert_eq!(ct(""), DEFAULT);
        assert_eq!(ct("/"), DEFAULT);
        assert_eq!(ct("a/"), DEFAULT);
        assert_eq!(ct("html"), DEFAULT);
        assert_eq!(ct("Makefile"), DEFAULT);
        assert_eq!(ct(".hidden"), DEFAULT);
        assert_eq!(ct(".html"), DEFAULT);
        assert_eq!(ct("a/.html"), DEFAULT);
        assert_eq!(ct("a."), DEFAULT);
        assert_eq!(ct("a.html."), DEFAULT);
        assert_eq!(ct("."), DEFAULT);
        assert_eq!(ct(".."), DEFAULT);
        assert_eq!(ct("a.tar.gz"), "application/gzip");
        assert_eq!(ct("A.HTML"), "text/html; charset=utf-8");
        assert_eq!(ct("..html"), "text/html; charset=utf-8");
        assert_eq!(ct("a..css"), "text/css; charset=utf-8");
        assert_eq!(ct("dir.d/file"), DEFAULT);
        assert_eq!(ct("dir.html/file"), DEFAULT);
        assert_eq!(ct("dir.d/file.css"), "text/css; charset=utf-8");
        assert_eq!(ct("a.html/"), DEFAULT);
        assert_eq!(ct("index.html"), "text/html; charset=utf-8");
        assert_eq!(ct("a.HtMl"), "text/html; charset=utf-8");
        assert_eq!(ct("a.min.js"), "text/javascript; charset=utf-8");
        assert_eq!(ct("a.js.map"), "application/json; charset=utf-8");
        assert_eq!(ct("a.css.br"), "application/x-brotli");
        assert_eq!(ct("a.html "), DEFAULT);
        assert_eq!(ct("a. html"), DEFAULT);
        assert_eq!(ct("a.htmlx"), DEFAULT);
        assert_eq!(ct("a.htm l"), DEFAULT);
        assert_eq!(ct("a.ht"), DEFAULT);
        assert_eq!(ct("a\\b.css"), "text/css; charset=utf-8");
        assert_eq!(BUILTIN.content_type(b"a.\xffhtml"), DEFAULT);
        assert_eq!(BUILTIN.content_type(b"\xff\xfe.png"), "image/png");
        // Non-ASCII bytes must not be lowered into ASCII (0xC8 is not 'H').
        assert_eq!(BUILTIN.content_type(b"a.\xc8tml"), DEFAULT);
        // Kelvin sign etc. are not ASCII letters.
        assert_eq!(ct("a.\u{212A}ml"), DEFAULT);
    }

    #[test]
    fn long_extensions() {
        assert_eq!(
            ct("a.webmanifest"),
            "application/manifest+json; charset=utf-8"
        );
        assert_eq!(
            ct("a.WEBMANIFEST"),
            "application/manifest+json; charset=utf-8"
        );
        assert_eq!(ct("a.webmanifestx"), DEFAULT);
        assert_eq!(ct("a.xwebmanifest"), DEFAULT);
        for n in [12, 13, 16, 17, 64, 255, 4096, 100_000] {
            let ext = "a".repeat(n);
            assert_eq!(ct(&format!("f.{ext}")), DEFAULT, "{n}");
            // A long extension whose tail is a known one is still unknown.
            assert_eq!(ct(&format!("f.{ext}html")), DEFAULT, "{n}");
        }
        let long_dir = "d".repeat(10_000);
        assert_eq!(ct(&format!("{long_dir}/x.css")), "text/css; charset=utf-8");
        let dots = ".".repeat(1000);
        assert_eq!(ct(&format!("a{dots}png")), "image/png");
        assert_eq!(ct(&dots), DEFAULT);
    }

    #[test]
    fn compressible_parsing() {
        for t in [
            "text/plain",
            "TEXT/HTML",
            "text/anything-at-all",
            "text/html; charset=utf-8",
            "text/html;charset=utf-8",
            " text/css ",
            "text/css ; charset=x",
            "application/javascript",
            "application/x-javascript",
            "application/ecmascript",
            "Application/JSON",
            "application/problem+json",
            "application/ld+json; charset=utf-8",
            "application/vnd.api+json",
            "application/xml",
            "application/soap+xml",
            "application/XHTML+XML",
            "image/svg+xml",
            "IMAGE/SVG+XML; charset=utf-8",
            "application/wasm",
            "font/ttf",
            "font/otf",
            "font/sfnt",
            "font/collection",
            "application/vnd.ms-fontobject",
            "application/x-font-ttf",
            "application/x-font-otf",
            "application/yaml",
            "application/toml",
        ] {
            assert!(is_compressible(t), "{t}");
        }
        for t in [
            "",
            "text",
            "text/",
            "/",
            "/json",
            "json",
            "texts/plain",
            "tex/plain",
            "image/png",
            "image/jpeg",
            "image/x-icon",
            "image/svg",
            "image/svg+xmlx",
            "font/woff",
            "font/woff2",
            "application/octet-stream",
            "application/zip",
            "application/gzip",
            "application/zstd",
            "application/x-tar",
            "application/pdf",
            "application/jsonx",
            "application/+jsonx",
            "application/json5",
            "video/mp4",
            "audio/mpeg",
            "audio/xml",
            "video/json",
            "multipart/form-data",
            "; text/plain",
            "x/text/plain",
        ] {
            assert!(!is_compressible(t), "{t}");
        }
        assert!(!is_compressible(DEFAULT));
    }

    /// The binary holds the tables packed; they unpack to their texts, byte for byte.
    #[test]
    fn the_packed_table_unpacks_to_the_table() {
        assert_eq!(Types::new().lines, EXTENSIONS.as_bytes());
        assert!(extensions_packed().len() * 2 < EXTENSIONS.len());
        assert_eq!(unpack(b"", crate::packed!(EXACT)), EXACT.as_bytes());
    }

    /// The walker takes a table's last matching line, so the built-in table must name each
    /// extension once for it to mean what it says.
    #[test]
    fn builtin_extensions_are_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for line in EXTENSIONS.lines() {
            let (exts, ty) = line.split_once('=').unwrap();
            assert!(!ty.is_empty() && !ty.contains('\n'), "{line}");
            for e in exts.split(' ') {
                assert!(seen.insert(e.to_ascii_lowercase()), "{e} twice");
            }
        }
    }

    #[test]
    fn added_types_override_and_extend_the_table() {
        let mut t = Types::new();
        t.add(b"MD", "text/x-markdown");
        t.add(b"webmanifestx", "application/x-long");
        t.add(&[b'a'; 300], "a/b");
        t.add(b"php", "text/plain");
        t.add(b"Php", "text/x-php");
        // Matched in any case, the last added wins, everything else as built in.
        assert_eq!(t.content_type(b"README.md"), "text/x-markdown");
        assert_eq!(t.content_type(b"a/b/README.Md"), "text/x-markdown");
        assert_eq!(t.content_type(b"f.webmanifestx"), "application/x-long");
        let long = [&b"f."[..], &[b'A'; 300]].concat();
        assert_eq!(t.content_type(&long), "a/b");
        assert_eq!(t.content_type(&long[..long.len() - 1]), DEFAULT);
        assert_eq!(t.content_type(b"index.PHP"), "text/x-php");
        assert_eq!(t.content_type(b"a.css"), "text/css; charset=utf-8");
        assert_eq!(
            t.content_type(b"a.markdown"),
            "text/markdown; charset=utf-8"
        );
        assert_eq!(t.content_type(b"Makefile"), DEFAULT);
        // Only a whole extension matches.
        for path in ["a.xmd", "a.mdx", "md", ".md", "a.md/", "a.md.", "md/a"] {
            assert_eq!(t.content_type(path.as_bytes()), DEFAULT, "{path}");
        }
        assert_eq!(t.content_type(b"a.md.gz"), "application/gzip");
        // Overriding a built-in entry leaves its aliases alone.
        t.add(b"htm", "text/plain");
        assert_eq!(t.content_type(b"a.htm"), "text/plain");
        assert_eq!(t.content_type(b"a.html"), HTML);
        assert_ne!(t, *BUILTIN);
    }

    #[test]
    fn apple_app_site_association_is_json() {
        let mut t = Types::new();
        t.set_default("text/plain");
        for types in [&*BUILTIN, &t] {
            let ct = |p: &str| types.content_type(p.as_bytes());
            assert_eq!(
                ct(".well-known/apple-app-site-association"),
                "application/json"
            );
            // Anywhere else, or spelt otherwise, it is an extensionless file like any other.
            for path in [
                "apple-app-site-association",
                "a/.well-known/apple-app-site-association",
                ".well-known/Apple-App-Site-Association",
                ".well-known/apple-app-site-association/",
                ".well-known/apple-app-site-associationx",
                ".well-known/acme-challenge/tok",
                ".well-known/assetlinks",
            ] {
                assert_eq!(ct(path), types.default, "{path}");
            }
            assert_eq!(
                ct(".well-known/assetlinks.json"),
                "application/json; charset=utf-8"
            );
            assert_eq!(ct(".well-known/security.txt"), "text/plain; charset=utf-8");
        }
        assert!(
            !is_compressible(DEFAULT) && is_compressible(JSON) && is_media_type(JSON.as_bytes())
        );
    }

    #[test]
    fn default_type_is_for_what_no_table_knows() {
        let mut t = Types::new();
        t.set_default("text/plain; charset=utf-8");
        for path in [
            "Makefile",
            "a.unknown",
            ".profile",
            "a.",
            "dir.d/file",
            "a.webmanifestxx",
        ] {
            assert_eq!(
                t.content_type(path.as_bytes()),
                "text/plain; charset=utf-8",
                "{path}"
            );
        }
        assert_eq!(t.content_type(b"a.png"), "image/png");
        assert_eq!(*BUILTIN, Types::default());
        assert_eq!(BUILTIN.content_type(b"Makefile"), DEFAULT);
        // Setting the built-in default changes nothing.
        t.set_default(DEFAULT);
        assert_eq!(t, *BUILTIN);
    }

    #[test]
    fn media_types() {
        for ok in [
            "text/plain",
            "a/b",
            "*/*",
            "application/vnd.api+json",
            "text/plain;charset=utf-8",
            "text/plain; charset=utf-8",
            "text/plain \t;\t charset=utf-8",
            "text/plain; charset=utf-8; format=flowed",
            "text/plain;",
            "text/plain;;",
            "text/plain; ; a=b",
            "application/ld+json; profile=\"http://www.w3.org/ns/json-ld#compacted\"",
            "a/b; q=\"\"",
            "a/b; q=\"x, y; z\"",
            "a/b; q=\"\\\"\"",
            "a/b; q=\"\\\\\"",
            "a/b; q=\"tab\there\"",
            "TEXT/HTML; CHARSET=UTF-8",
            "x-a!#$%&'*+-.^_`|~/b",
        ] {
            assert!(is_media_type(ok.as_bytes()), "{ok:?}");
        }
        for bad in [
            "",
            "text",
            "text/",
            "/plain",
            "/",
            "text//plain",
            "text/plain/x",
            "te xt/plain",
            "text /plain",
            "text/ plain",
            " text/plain",
            "text/plain ",
            "text/plain\t",
            "text/plain; ",
            "text/plain; charset",
            "text/plain; charset=",
            "text/plain; =utf-8",
            "text/plain; charset =utf-8",
            "text/plain; charset= utf-8",
            "text/plain; charset=utf 8",
            "text/plain; charset=\"utf-8",
            "text/plain; charset=\"a\"b",
            "text/plain; charset=\"a\\\"",
            "text/plain, text/html",
            "text/plain charset=utf-8",
            "text/plain;charset=utf-8 x",
            "text/pl\u{e9}in",
            "text/plain; a=\"\u{e9}\"",
            "text/plain\r\nX-Injected: 1",
            "text/plain\n",
            "text/plain\0",
            "text/pla\x7fin",
            "text/plain; a=\"\x01\"",
            "text/plain; a=\"\\\x01\"",
            "(text)/plain",
            "text/{plain}",
            "text@/plain",
        ] {
            assert!(!is_media_type(bad.as_bytes()), "{bad:?}");
        }
        // Every single byte, alone and as a subtype or a parameter value.
        for b in 0..=255u8 {
            let tchar = crate::http::request::is_tchar(b);
            assert_eq!(is_media_type(&[b, b'/', b]), tchar, "{b:#04x}");
            let mut v = b"a/b; c=".to_vec();
            v.push(b);
            assert_eq!(is_media_type(&v), tchar, "{b:#04x}");
            let quoted = [b"a/b; c=\"".as_slice(), &[b], b"\""].concat();
            let qdtext = b == b'\t' || (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\';
            assert_eq!(is_media_type(&quoted), qdtext, "quoted {b:#04x}");
        }
        // Every prefix of a valid type is valid or not, never a panic.
        let full = b"application/ld+json; profile=\"a\\\"b\"; x=y";
        for end in 0..=full.len() {
            let _ = is_media_type(&full[..end]);
        }
        for ty in super::tests::TABLE.iter().map(|e| e.1) {
            assert!(is_media_type(ty.as_bytes()), "{ty}");
        }
        assert!(is_media_type(DEFAULT.as_bytes()));
    }
}
