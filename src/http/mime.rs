//! Content types: maps a file name's extension to a `Content-Type` value and says which types
//! are worth compressing. Pure lookups, no allocation, no system calls.
//!
//! Types follow nginx's `mime.types` with the current IANA names where they differ
//! (`text/javascript` per RFC 9239, `font/*`, `application/yaml`). Text-like types (every
//! `text/*`, JavaScript, JSON, XML, RSS/Atom, the web manifest, YAML, TOML) carry
//! `; charset=utf-8`, as static-web-server does; SVG is sent as plain `image/svg+xml`.

/// Sent for files without an extension or with one not in the table.
pub const DEFAULT: &str = "application/octet-stream";

/// Longest extension in the table (`webmanifest`); anything longer cannot match.
const MAX_EXT: usize = 11;

/// Returns the content type for `path`, chosen by the extension of its last segment.
///
/// The extension is what follows the last `.` of the last segment and is matched
/// case-insensitively. A segment whose only dot is its first byte (`.profile`) and one ending in
/// a dot (`a.`) have no extension; both, and unknown extensions, give [`DEFAULT`].
#[must_use]
pub fn content_type(path: &[u8]) -> &'static str {
    let name = match path.iter().rposition(|&b| b == b'/') {
        Some(slash) => path.get(slash + 1..).unwrap_or_default(),
        None => path,
    };
    let ext = match name.iter().rposition(|&b| b == b'.') {
        Some(0) | None => return DEFAULT,
        Some(dot) => name.get(dot + 1..).unwrap_or_default(),
    };
    let mut buf = [0u8; MAX_EXT];
    let Some(lower) = buf.get_mut(..ext.len()) else {
        return DEFAULT;
    };
    for (d, s) in lower.iter_mut().zip(ext) {
        *d = s.to_ascii_lowercase();
    }
    by_extension(lower)
}

/// The table itself; `ext` is already lowercase.
fn by_extension(ext: &[u8]) -> &'static str {
    match ext {
        // Text and documents.
        b"html" | b"htm" | b"shtml" => "text/html; charset=utf-8",
        b"css" => "text/css; charset=utf-8",
        b"js" | b"mjs" | b"cjs" => "text/javascript; charset=utf-8",
        b"txt" | b"text" | b"log" => "text/plain; charset=utf-8",
        b"md" | b"markdown" => "text/markdown; charset=utf-8",
        b"csv" => "text/csv; charset=utf-8",
        b"tsv" => "text/tab-separated-values; charset=utf-8",
        b"ics" => "text/calendar; charset=utf-8",
        b"vtt" => "text/vtt; charset=utf-8",
        b"xml" | b"xsl" => "text/xml; charset=utf-8",
        b"json" | b"map" => "application/json; charset=utf-8",
        b"jsonld" => "application/ld+json; charset=utf-8",
        b"webmanifest" => "application/manifest+json; charset=utf-8",
        b"xhtml" => "application/xhtml+xml; charset=utf-8",
        b"rss" => "application/rss+xml; charset=utf-8",
        b"atom" => "application/atom+xml; charset=utf-8",
        b"yaml" | b"yml" => "application/yaml; charset=utf-8",
        b"toml" => "application/toml; charset=utf-8",
        b"pdf" => "application/pdf",
        b"wasm" => "application/wasm",
        // Images.
        b"svg" => "image/svg+xml",
        b"png" => "image/png",
        b"apng" => "image/apng",
        b"jpg" | b"jpeg" | b"jpe" | b"jfif" => "image/jpeg",
        b"gif" => "image/gif",
        b"webp" => "image/webp",
        b"avif" => "image/avif",
        b"jxl" => "image/jxl",
        b"heic" => "image/heic",
        b"heif" => "image/heif",
        b"ico" => "image/x-icon",
        b"bmp" => "image/bmp",
        b"tif" | b"tiff" => "image/tiff",
        // Fonts.
        b"woff" => "font/woff",
        b"woff2" => "font/woff2",
        b"ttf" => "font/ttf",
        b"otf" => "font/otf",
        b"eot" => "application/vnd.ms-fontobject",
        // Archives and compressed files.
        b"zip" => "application/zip",
        b"gz" | b"tgz" => "application/gzip",
        b"tar" => "application/x-tar",
        b"br" => "application/x-brotli",
        b"zst" => "application/zstd",
        b"xz" => "application/x-xz",
        b"bz2" => "application/x-bzip2",
        b"7z" => "application/x-7z-compressed",
        b"rar" => "application/vnd.rar",
        // Video.
        b"mp4" | b"m4v" => "video/mp4",
        b"webm" => "video/webm",
        b"ogv" => "video/ogg",
        b"mov" => "video/quicktime",
        b"avi" => "video/x-msvideo",
        b"mkv" => "video/x-matroska",
        b"mpeg" | b"mpg" => "video/mpeg",
        b"ts" => "video/mp2t",
        b"m3u8" => "application/vnd.apple.mpegurl",
        // Audio.
        b"ogg" | b"oga" | b"opus" => "audio/ogg",
        b"mp3" => "audio/mpeg",
        b"wav" => "audio/wav",
        b"flac" => "audio/flac",
        b"m4a" => "audio/mp4",
        b"aac" => "audio/aac",
        b"mid" | b"midi" => "audio/midi",
        _ => DEFAULT,
    }
}

/// Says whether a body of this content type shrinks usefully under gzip or brotli.
///
/// Only the media type counts (parameters after `;` are ignored) and it is matched
/// case-insensitively. Yes for `text/*`, JavaScript, JSON and XML (including `+json`/`+xml`
/// suffixes, so SVG, RSS, Atom and the web manifest), YAML, TOML, wasm and the uncompressed
/// fonts (ttf, otf, eot); no for other images, archives, audio, video, woff/woff2 and anything unknown.
#[must_use]
pub fn is_compressible(content_type: &str) -> bool {
    let essence = match content_type.split_once(';') {
        Some((e, _)) => e,
        None => content_type,
    }
    .trim_ascii()
    .as_bytes();
    let Some(slash) = essence.iter().position(|&b| b == b'/') else {
        return false;
    };
    let (top, sub) = essence.split_at(slash);
    let sub = sub.get(1..).unwrap_or_default();
    if sub.is_empty() {
        return false;
    }
    if top.eq_ignore_ascii_case(b"text") {
        return true;
    }
    if top.eq_ignore_ascii_case(b"image") {
        return sub.eq_ignore_ascii_case(b"svg+xml");
    }
    if top.eq_ignore_ascii_case(b"font") {
        return sub.eq_ignore_ascii_case(b"ttf")
            || sub.eq_ignore_ascii_case(b"otf")
            || sub.eq_ignore_ascii_case(b"sfnt")
            || sub.eq_ignore_ascii_case(b"collection");
    }
    if !top.eq_ignore_ascii_case(b"application") {
        return false;
    }
    const EXACT: [&[u8]; 11] = [
        b"javascript",
        b"x-javascript",
        b"ecmascript",
        b"json",
        b"xml",
        b"wasm",
        b"yaml",
        b"toml",
        b"vnd.ms-fontobject",
        b"x-font-ttf",
        b"x-font-otf",
    ];
    EXACT.iter().any(|e| sub.eq_ignore_ascii_case(e))
        || ends_with_ignore_case(sub, b"+json")
        || ends_with_ignore_case(sub, b"+xml")
}

fn ends_with_ignore_case(s: &[u8], suffix: &[u8]) -> bool {
    s.len()
        .checked_sub(suffix.len())
        .and_then(|start| s.get(start..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
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
        content_type(p.as_bytes())
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
            assert!(ext.len() <= MAX_EXT);
        }
    }

    #[test]
    fn table_in_test_covers_the_code() {
        // Every extension of up to 4 characters the code knows is listed in TABLE.
        let known: std::collections::HashSet<&[u8]> =
            TABLE.iter().map(|e| e.0.as_bytes()).collect();
        let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789+-_";
        let mut found = 0;
        let mut stack = vec![Vec::new()];
        while let Some(name) = stack.pop() {
            if !name.is_empty() && by_extension(&name) != DEFAULT {
                assert!(known.contains(&name[..]), "{name:?} missing from TABLE");
                found += 1;
            }
            if name.len() < 4 {
                for &c in alphabet {
                    let mut n = name.clone();
                    n.push(c);
                    stack.push(n);
                }
            }
        }
        let short = known.iter().filter(|e| e.len() <= 4).count();
        assert_eq!(found, short);
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
        assert_eq!(content_type(b"a.\xffhtml"), DEFAULT);
        assert_eq!(content_type(b"\xff\xfe.png"), "image/png");
        // Non-ASCII bytes must not be lowered into ASCII (0xC8 is not 'H').
        assert_eq!(content_type(b"a.\xc8tml"), DEFAULT);
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
}
