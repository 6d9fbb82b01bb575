//! Unit tests of directory listings: order, escaping, sizes, dates and the page bound.

use super::*;
use crate::testing::Rng;
use std::string::String;
use std::vec;

fn item(name: &[u8], is_dir: bool, size: u64, mtime: i64) -> Item<'_> {
    Item {
        name,
        is_dir,
        size,
        mtime,
    }
}

fn file(name: &[u8]) -> Item<'_> {
    item(name, false, 1, 0)
}

fn dir(name: &[u8]) -> Item<'_> {
    item(name, true, 4096, 0)
}

/// Sorts `items` and renders all of them.
fn render_vec(path: &[u8], items: &mut [Item<'_>]) -> Vec<u8> {
    sort(items);
    rendered(path, items, 0)
}

/// `items` in the order given and the truncation line for `omitted`.
fn rendered(path: &[u8], items: &[Item<'_>], omitted: usize) -> Vec<u8> {
    let mut out = Vec::new();
    render(path, items, omitted, &mut out);
    // Measured exactly, so an empty `out` needs a single allocation and no growth.
    assert_eq!(out.capacity(), out.len());
    out
}

/// What the cache does: sorts, takes rows while they fit in `limit`, and renders them
/// with the count of the listed items left. Returns the page and how many items it took.
fn render_bounded(path: &[u8], items: &mut [Item<'_>], limit: usize) -> (Vec<u8>, usize) {
    sort(items);
    let mut budget = Budget::new(path, limit);
    let shown = items
        .iter()
        .position(|i| !budget.take(i))
        .unwrap_or(items.len());
    let at_root = path == b"/";
    let omitted = items[shown..]
        .iter()
        .filter(|i| is_listed(i.name, at_root))
        .count();
    (rendered(path, &items[..shown], omitted), shown)
}

fn render_str(path: &[u8], items: &mut [Item<'_>]) -> String {
    String::from_utf8(render_vec(path, items)).unwrap()
}

/// One parsed table row: (href, visible text, size cell, date cell).
type Row = (String, String, String, String);

/// Splits the body rows out of a rendered document, checking the fixed markup around them.
fn rows(doc: &str) -> Vec<Row> {
    let head = "<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n";
    let start = doc.find(head).unwrap() + head.len();
    let end = doc.rfind("</table>\n").unwrap();
    omitted_line(doc);
    let body = &doc[start..end];
    let mut out = Vec::new();
    for line in body.split_terminator('\n') {
        let rest = line.strip_prefix("<tr><td><a href=\"").unwrap();
        let (href, rest) = rest.split_once("\">").unwrap();
        let (text, rest) = rest.split_once("</a></td><td>").unwrap();
        let (size, rest) = rest.split_once("</td><td>").unwrap();
        let date = rest.strip_suffix("</td></tr>").unwrap();
        out.push((href.into(), text.into(), size.into(), date.into()));
    }
    out
}

/// What follows the table: the count of the truncation line, or `None` without one;
/// checks the markup and that the count is grouped by threes.
fn omitted_line(doc: &str) -> Option<u64> {
    let rest = &doc[doc.rfind("</table>\n").unwrap() + "</table>\n".len()..];
    let line = rest.strip_suffix("</body>\n</html>\n").unwrap();
    if line.is_empty() {
        return None;
    }
    let line = line.strip_prefix("<p>\u{2026} and ").unwrap();
    let (count, noun) = line.split_once(" more ").unwrap();
    let groups: Vec<&str> = count.split(',').collect();
    assert!((1..=3).contains(&groups[0].len()), "{count}");
    assert!(groups[1..].iter().all(|g| g.len() == 3), "{count}");
    assert!(!count.starts_with('0') || count == "0", "{count}");
    let n: u64 = count.replace(',', "").parse().unwrap();
    let want = if n == 1 { "entry" } else { "entries" };
    assert_eq!(noun, format!("{want} not shown</p>\n"));
    Some(n)
}

fn pct_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            assert_eq!(hex, hex.to_ascii_uppercase(), "uppercase hex");
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn html_unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let (ent, c) = [
            ("&amp;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&quot;", '"'),
            ("&#39;", '\''),
        ]
        .into_iter()
        .find(|(e, _)| rest.starts_with(e))
        .unwrap_or_else(|| panic!("bare & in {s:?}"));
        out.push(c);
        rest = &rest[ent.len()..];
    }
    out.push_str(rest);
    out
}

/// What the visible text should decode to: lossy UTF-8 with controls replaced too.
fn expected_text(name: &[u8]) -> String {
    String::from_utf8_lossy(name)
        .chars()
        .map(|c| {
            if (c as u32) < 0x20 || c == '\u{7f}' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

fn href_of(name: &[u8]) -> String {
    let mut out = Vec::new();
    put_href(&mut out, name);
    String::from_utf8(out).unwrap()
}

fn text_of(name: &[u8]) -> String {
    let mut out = Vec::new();
    put_text(&mut out, name);
    String::from_utf8(out).unwrap()
}

#[test]
fn whole_document() {
    let mut items = [
        item(b"readme.txt", false, 1234, 1_795_927_500),
        item(b"img", true, 4096, 1_000_000_000),
        item(b".git", true, 4096, 0),
        item(b"a b.html", false, 0, 0),
    ];
    let got = render_str(b"/docs/", &mut items);
    let want = "<!DOCTYPE html>\n\
<html>\n\
<head>\n\
<meta charset=\"utf-8\">\n\
<title>Index of /docs/</title>\n\
<style>body{font-family:monospace}th,td{padding:0 2em 0 0;text-align:left}td:nth-child(2){text-align:right}</style>\n\
</head>\n\
<body>\n\
<h1>Index of /docs/</h1>\n\
<table>\n\
<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n\
<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n\
<tr><td><a href=\"img/\">img/</a></td><td>-</td><td>2001-09-09 01:46</td></tr>\n\
<tr><td><a href=\"a%20b.html\">a b.html</a></td><td>0</td><td>1970-01-01 00:00</td></tr>\n\
<tr><td><a href=\"readme.txt\">readme.txt</a></td><td>1234</td><td>2026-11-29 04:45</td></tr>\n\
</table>\n\
</body>\n\
</html>\n";
    assert_eq!(got, want);
}

#[test]
fn empty_directory() {
    let got = render_str(b"/empty/", &mut []);
    assert!(got.contains("<title>Index of /empty/</title>"));
    assert!(got.contains("<h1>Index of /empty/</h1>"));
    assert_eq!(rows(&got).len(), 1);
    assert!(got.contains(
        "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n</table>\n</body>\n</html>\n"
    ));
}

#[test]
fn root_has_no_parent_link() {
    let got = render_str(b"/", &mut [file(b"x")]);
    assert!(!got.contains("../"));
    let r = rows(&got);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, "x");
    assert!(got.contains("<title>Index of /</title>"));
    assert!(!render_str(b"/", &mut []).contains("href"));
}

#[test]
fn non_root_paths_have_parent_link() {
    for path in [&b"/a/"[..], b"/a/b/", b"//", b"/%2F/", b"", b"a"] {
        let got = render_str(path, &mut [file(b"x")]);
        let r = rows(&got);
        assert_eq!(r[0].0, "../", "{path:?}");
        assert_eq!(r[0].1, "../");
        assert_eq!(r[0].2, "");
        assert_eq!(r[0].3, "");
        assert_eq!(r[1].0, "x");
    }
}

#[test]
fn sorts_dirs_first_then_bytewise() {
    let mut items = [
        file(b"b"),
        dir(b"zeta"),
        file(b"B"),
        file(b"\xc3\xa9"),
        dir(b"Alpha"),
        file(b"a"),
        file(b"a0"),
        dir(b"alpha"),
        file(b"_"),
        file(b"10"),
        file(b"9"),
        file(b"\xff"),
        dir(b"~"),
    ];
    let got = render_str(b"/", &mut items);
    let hrefs: Vec<String> = rows(&got).into_iter().map(|r| r.0).collect();
    assert_eq!(
        hrefs,
        [
            "Alpha/", "alpha/", "zeta/", "~/", "10", "9", "B", "_", "a", "a0", "b", "%C3%A9", "%FF"
        ]
    );
    // The slice itself is left sorted.
    let names: Vec<(&[u8], bool)> = items.iter().map(|i| (i.name, i.is_dir)).collect();
    assert_eq!(names[0], (&b"Alpha"[..], true));
    assert_eq!(names[3], (&b"~"[..], true));
    assert_eq!(names[4], (&b"10"[..], false));
    assert_eq!(names[12], (&b"\xff"[..], false));
}

#[test]
fn same_name_file_and_dir_both_listed_dir_first() {
    let got = render_str(b"/", &mut [file(b"x"), dir(b"x")]);
    let r = rows(&got);
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].0.as_str(), r[0].2.as_str()), ("x/", "-"));
    assert_eq!((r[1].0.as_str(), r[1].2.as_str()), ("x", "1"));
}

#[test]
fn duplicates_order_is_independent_of_input_order() {
    let a = item(b"dup", false, 5, 100);
    let b = item(b"dup", false, 5, 50);
    let c = item(b"dup", false, 3, 900);
    let d = item(b"dup", true, 9, 1);
    let perms = [[a, b, c, d], [d, c, b, a], [b, d, a, c], [c, a, d, b]];
    let first = render_vec(b"/", &mut perms[0].clone());
    for p in perms {
        let mut p = p;
        assert_eq!(render_vec(b"/", &mut p), first);
        assert_eq!(p, [d, c, b, a]);
    }
}

#[test]
fn is_listed_rules() {
    for name in [
        &b""[..],
        b".",
        b"..",
        b"...",
        b".git",
        b".hidden.txt",
        b"a/b",
        b"/",
        b"a/",
        b"/a",
        b"a\0b",
        b"\0",
        b"a\0",
        b"./a",
        b"..\xff",
        b".WELL-KNOWN",
        b".well-known/",
        b".well-knownx",
    ] {
        assert!(!is_listed(name, false), "{name:?}");
        assert!(!is_listed(name, true), "{name:?}");
    }
    for name in [
        &b"a"[..],
        b"a.",
        b"a..",
        b"a..b",
        b"a.b",
        b" .a",
        b"\\",
        b"\xff",
        b"\x01",
        b"~.",
        b"-",
    ] {
        assert!(is_listed(name, false), "{name:?}");
        assert!(is_listed(name, true), "{name:?}");
    }
}

#[test]
fn well_known_is_listed_at_the_root_only() {
    assert!(is_listed(b".well-known", true));
    assert!(!is_listed(b".well-known", false));
    let mut items = [dir(b".well-known"), dir(b".git"), file(b".env"), file(b"a")];
    let root = render_str(b"/", &mut items.clone());
    let r = rows(&root);
    assert_eq!(r.len(), 2, "{root}");
    assert_eq!(
        (r[0].0.as_str(), r[0].1.as_str()),
        (".well-known/", ".well-known/")
    );
    assert_eq!(r[1].0, "a");
    // Below the root, and inside it, a dot name is hidden as ever.
    for path in [&b"/x/"[..], b"/.well-known/"] {
        let got = render_str(path, &mut items);
        let r = rows(&got);
        assert_eq!(r.len(), 2, "{got}");
        assert_eq!((r[0].0.as_str(), r[1].0.as_str()), ("../", "a"));
        assert!(!got.contains("well-known/\""));
    }
    // A budget counts what the page shows.
    let frame = rendered(b"/", &[], 0).len();
    let one = rendered(b"/", &[dir(b".well-known")], 0).len() - frame;
    assert!(one > 0);
    assert!(!Budget::new(b"/", frame + one - 1).take(&dir(b".well-known")));
    assert!(Budget::new(b"/x/", 0).take(&dir(b".well-known")));
}

#[test]
fn hidden_items_are_not_rendered() {
    let mut items = [
        file(b""),
        file(b"."),
        dir(b".."),
        dir(b".git"),
        file(b".env"),
        file(b"a/b"),
        file(b"c\0d"),
        file(b"/"),
        file(b"shown"),
        dir(b".config"),
    ];
    let got = render_str(b"/x/", &mut items);
    let r = rows(&got);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].0, "../");
    assert_eq!(r[1].0, "shown");
    for needle in ["git", "env", "config", "%2F", "%00", "a/b", "\0"] {
        assert!(!got.contains(needle), "{needle}");
    }
    // Only the parent link points at "..".
    assert_eq!(got.matches("href=\"../\"").count(), 1);
    assert_eq!(got.matches("href=").count(), 2);
}

#[test]
fn escapes_specials_in_text_and_href() {
    let name = b"<script>&\"'.txt";
    let got = render_str(b"/", &mut [file(name)]);
    let r = rows(&got);
    assert_eq!(r[0].0, "%3Cscript%3E%26%22%27.txt");
    assert_eq!(r[0].1, "&lt;script&gt;&amp;&quot;&#39;.txt");
    assert!(!got.contains("<script"));
    assert!(!got.contains("'"));
    // Directories get the same treatment, plus the slash.
    let got = render_str(b"/", &mut [dir(name)]);
    let r = rows(&got);
    assert_eq!(r[0].0, "%3Cscript%3E%26%22%27.txt/");
    assert_eq!(r[0].1, "&lt;script&gt;&amp;&quot;&#39;.txt/");
}

#[test]
fn escapes_path_in_title_and_heading() {
    let got = render_str(b"/<a href=\"x\">&'/\xff/", &mut []);
    let p = "/&lt;a href=&quot;x&quot;&gt;&amp;&#39;/\u{FFFD}/";
    assert!(got.contains(&format!("<title>Index of {p}</title>")));
    assert!(got.contains(&format!("<h1>Index of {p}</h1>")));
    assert!(!got.contains("<a href=\"x\""));
    // Controls in the path are replaced too.
    let got = render_str(b"/a\x01\n/", &mut []);
    assert!(got.contains("<title>Index of /a\u{FFFD}\u{FFFD}/</title>"));
}

#[test]
fn href_encodes_every_byte_correctly() {
    let safe = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$()*+,;=@";
    for b in 0..=255u8 {
        let got = href_of(&[b]);
        if safe.contains(&b) {
            assert_eq!(got.as_bytes(), [b], "{b:#04x}");
        } else {
            assert_eq!(got, format!("%{b:02X}"), "{b:#04x}");
        }
    }
    // The must-encode bytes named by the brief, explicitly.
    for b in b" \"<>#?%&'/:\\`^{}|[]"
        .iter()
        .copied()
        .chain(0..0x20)
        .chain(0x7f..=0xff)
    {
        assert!(href_of(&[b]).starts_with('%'), "{b:#04x}");
    }
    assert_eq!(href_of(b"a b#?.txt"), "a%20b%23%3F.txt");
    assert_eq!(href_of(b"100%"), "100%25");
    assert_eq!(href_of(b"%41"), "%2541");
    assert_eq!(href_of(b"javascript:alert(1)"), "javascript%3Aalert(1)");
    assert_eq!(href_of(b""), "");
    assert_eq!(href_of(b"\xff\x00\x80"), "%FF%00%80");
}

#[test]
fn high_and_control_bytes_are_percent_encoded_in_rows() {
    let got = render_str(
        b"/",
        &mut [
            file("caf\u{e9}".as_bytes()),
            file(b"\x01\x1f\x7f"),
            file(b"tab\there"),
            file(b"line\r\nbreak"),
            file("\u{1F600}".as_bytes()),
        ],
    );
    let r = rows(&got);
    let got: Vec<(&str, &str)> = r.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
    assert_eq!(
        got,
        [
            ("%01%1F%7F", "\u{FFFD}\u{FFFD}\u{FFFD}"),
            ("caf%C3%A9", "caf\u{e9}"),
            ("line%0D%0Abreak", "line\u{FFFD}\u{FFFD}break"),
            ("tab%09here", "tab\u{FFFD}here"),
            ("%F0%9F%98%80", "\u{1F600}"),
        ]
    );
}

#[test]
fn invalid_utf8_shows_replacement_character() {
    let cases: [(&[u8], &str); 10] = [
        (b"a\xffb", "a\u{FFFD}b"),
        (b"\xff", "\u{FFFD}"),
        (b"\xff\xfe", "\u{FFFD}\u{FFFD}"),
        (b"a\xe2\x82", "a\u{FFFD}"),
        (b"\xe2\x82z", "\u{FFFD}z"),
        (b"\xc0\xae", "\u{FFFD}\u{FFFD}"),
        (b"\xed\xa0\x80", "\u{FFFD}\u{FFFD}\u{FFFD}"),
        (b"\xf4\x90\x80\x80", "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),
        (b"\x80<", "\u{FFFD}&lt;"),
        (b"\xe2\x82\xac\xe2", "\u{20AC}\u{FFFD}"),
    ];
    for (name, want) in cases {
        assert_eq!(text_of(name), want, "{name:?}");
        assert_eq!(expected_text(name), html_unescape(want), "{name:?}");
        let got = render_str(b"/", &mut [file(name)]);
        let r = rows(&got);
        assert_eq!(r[0].1, want);
        assert_eq!(pct_decode(&r[0].0), name);
    }
}

#[test]
fn sizes() {
    let mut items = [
        item(b"a", false, 0, 0),
        item(b"b", false, 1, 0),
        item(b"c", false, 9, 0),
        item(b"d", false, 10, 0),
        item(b"e", false, 1_000_000, 0),
        item(b"f", false, u64::MAX, 0),
        item(b"g", true, 0, 0),
        item(b"h", true, u64::MAX, 0),
    ];
    let got = render_str(b"/", &mut items);
    let sizes: Vec<String> = rows(&got).into_iter().map(|r| r.2).collect();
    assert_eq!(
        sizes,
        [
            "-",
            "-",
            "0",
            "1",
            "9",
            "10",
            "1000000",
            "18446744073709551615"
        ]
    );
}

#[test]
fn dates() {
    let cases: [(i64, &str); 11] = [
        (0, "1970-01-01 00:00"),
        (59, "1970-01-01 00:00"),
        (60, "1970-01-01 00:01"),
        (-1, "1969-12-31 23:59"),
        (1_795_927_500, "2026-11-29 04:45"),
        (1_795_927_559, "2026-11-29 04:45"),
        (951_868_799, "2000-02-29 23:59"),
        (253_402_300_799, "9999-12-31 23:59"),
        (253_402_300_800, "9999-12-31 23:59"),
        (i64::MAX, "9999-12-31 23:59"),
        (i64::MIN, "0000-01-01 00:00"),
    ];
    for (secs, want) in cases {
        assert_eq!(&date(secs), want.as_bytes(), "{secs}");
        let got = render_str(b"/", &mut [item(b"f", false, 0, secs)]);
        assert_eq!(rows(&got)[0].3, want);
    }
    assert_eq!(&date(-62_167_219_200), b"0000-01-01 00:00");
    assert_eq!(&date(-62_167_219_201), b"0000-01-01 00:00");
}

#[test]
fn appends_to_existing_output() {
    let mut out = b"prefix".to_vec();
    render(b"/d/", &[file(b"x")], 0, &mut out);
    assert!(out.starts_with(b"prefix<!DOCTYPE html>\n"));
    let alone = render_vec(b"/d/", &mut [file(b"x")]);
    assert_eq!(&out[6..], &alone[..]);
}

#[test]
fn sort_agrees_with_core_sort() {
    let mut rng = Rng::new(300);
    let names: Vec<Vec<u8>> = (0..300)
        .map(|_| vec![b'a' + rng.below(7) as u8, b'a' + rng.below(5) as u8])
        .collect();
    for n in (0..40).chain([299, 300]) {
        let mut items: Vec<Item<'_>> = names[..n]
            .iter()
            .enumerate()
            .map(|(i, name)| Item {
                name,
                is_dir: i % 3 == 0,
                size: (i % 4) as u64,
                mtime: (i % 2) as i64,
            })
            .collect();
        let mut want = items.clone();
        want.sort_unstable_by(order);
        sort(&mut items);
        assert_eq!(items, want, "{n} items");
    }
}

#[test]
fn measure_matches_output() {
    let names: [&[u8]; 6] = [
        b"plain",
        b"<&>\"'",
        b"\xff\xfe\x80",
        b"\x01\x7f",
        b" %#?",
        b".hid",
    ];
    for path in [&b"/"[..], b"/<>/", b"/\xff/"] {
        let mut items: Vec<Item<'_>> = names.iter().map(|n| file(n)).collect();
        items.extend(names.iter().map(|n| dir(n)));
        let mut count = Count(0);
        items.sort_unstable_by(order);
        document(&mut count, path, &items, 0);
        let out = render_vec(path, &mut items);
        assert_eq!(count.0, out.len());
    }
}

#[test]
fn ten_thousand_items() {
    let names: Vec<String> = (0..10_000).map(|i| format!("f{:05}", 9_999 - i)).collect();
    let mut items: Vec<Item<'_>> = names
        .iter()
        .enumerate()
        .map(|(i, n)| item(n.as_bytes(), i % 10 == 0, i as u64, i as i64 * 3600))
        .collect();
    let got = render_str(b"/big/", &mut items);
    let r = rows(&got);
    assert_eq!(r.len(), 10_001);
    assert_eq!(r[0].0, "../");
    let dirs = &r[1..1_001];
    let files = &r[1_001..];
    assert!(dirs.iter().all(|r| r.0.ends_with('/') && r.2 == "-"));
    assert!(files.iter().all(|r| !r.0.ends_with('/') && r.2 != "-"));
    assert!(dirs.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(files.windows(2).all(|w| w[0].0 < w[1].0));
    // f09999 is index 0 (a directory); f00000 is index 9999 (a file, size 9999).
    assert_eq!(dirs[999].0, "f09999/");
    assert_eq!(files[0].0, "f00000");
    assert_eq!(files[0].2, "9999");
}

#[test]
fn truncation_line_counts_what_is_left_out() {
    let cases: [(usize, &str); 12] = [
        (1, "1 more entry"),
        (2, "2 more entries"),
        (9, "9 more entries"),
        (999, "999 more entries"),
        (1_000, "1,000 more entries"),
        (18_734, "18,734 more entries"),
        (100_000, "100,000 more entries"),
        (999_999, "999,999 more entries"),
        (1_000_000, "1,000,000 more entries"),
        (1_234_567_890, "1,234,567,890 more entries"),
        (u64::MAX as usize, "18,446,744,073,709,551,615 more entries"),
        (
            10_000_000_000_000_000_000,
            "10,000,000,000,000,000,000 more entries",
        ),
    ];
    for (omitted, want) in cases {
        let doc = String::from_utf8(rendered(b"/d/", &[file(b"x")], omitted)).unwrap();
        let tail = format!("</table>\n<p>\u{2026} and {want} not shown</p>\n</body>\n</html>\n");
        assert!(doc.ends_with(&tail), "{doc}");
        assert_eq!(omitted_line(&doc), Some(omitted as u64));
        assert_eq!(rows(&doc).len(), 2);
    }
    // Nothing left out, no line.
    let doc = String::from_utf8(rendered(b"/d/", &[file(b"x")], 0)).unwrap();
    assert!(doc.ends_with("</td></tr>\n</table>\n</body>\n</html>\n"));
    assert_eq!(omitted_line(&doc), None);
}

#[test]
fn whole_truncated_document() {
    let mut items = [
        item(b"b&b.txt", false, 20, 0),
        item(b"a<b>", true, 4096, 0),
        item(b"c.txt", false, 3, 0),
        item(b".hidden", false, 1, 0),
        item(b"d.txt", false, 4, 0),
    ];
    // Room for the frame, the longest line and exactly the first two rows.
    let frame = rendered(b"/", &[], usize::MAX).len();
    let two = "<tr><td><a href=\"a%3Cb%3E/\">a&lt;b&gt;/</a></td><td>-</td><td>1970-01-01 00:00</td></tr>\n\
<tr><td><a href=\"b%26b.txt\">b&amp;b.txt</a></td><td>20</td><td>1970-01-01 00:00</td></tr>\n";
    let (got, shown) = render_bounded(b"/", &mut items, frame + two.len());
    // Taken: a<b>/, .hidden (no row, no room) and b&b.txt.
    assert_eq!(shown, 3);
    let want = format!(
        "<!DOCTYPE html>\n\
<html>\n\
<head>\n\
<meta charset=\"utf-8\">\n\
<title>Index of /</title>\n\
<style>body{{font-family:monospace}}th,td{{padding:0 2em 0 0;text-align:left}}td:nth-child(2){{text-align:right}}</style>\n\
</head>\n\
<body>\n\
<h1>Index of /</h1>\n\
<table>\n\
<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n\
{two}\
</table>\n\
<p>\u{2026} and 2 more entries not shown</p>\n\
</body>\n\
</html>\n"
    );
    assert_eq!(String::from_utf8(got).unwrap(), want);
    // One byte less and the second row no longer fits; the hidden item is never counted.
    let (got, shown) = render_bounded(b"/", &mut items, frame + two.len() - 1);
    assert_eq!(shown, 2);
    assert_eq!(omitted_line(&String::from_utf8(got).unwrap()), Some(3));
}

#[test]
fn budget_takes_exactly_the_room_of_each_row() {
    let path = b"/<p>/";
    let frame = rendered(path, &[], usize::MAX).len();
    let items = [
        dir(b"a&\xff"),
        file(b".hidden"),
        file(b"\"q\""),
        item(b"big", false, u64::MAX, i64::MAX),
    ];
    for extra in 0..600 {
        let mut budget = Budget::new(path, frame + extra);
        let mut used = 0;
        for (n, it) in items.iter().enumerate() {
            let row = rendered(path, &items[..=n], 0).len() - rendered(path, &items[..n], 0).len();
            let fits = used + row <= extra;
            assert_eq!(budget.take(it), fits, "{extra} {n}");
            if !fits {
                break;
            }
            used += row;
            assert_eq!(row == 0, !is_listed(it.name, false));
        }
    }
    // No room at all below the frame, but hidden items still pass.
    for limit in [0, 1, frame - 1] {
        let mut budget = Budget::new(path, limit);
        assert!(budget.take(&file(b".x")));
        assert!(!budget.take(&file(b"x")));
    }
    assert!(Budget::new(path, usize::MAX).take(&item(b"huge", true, 0, 0)));
}

#[test]
fn twenty_thousand_long_names_make_a_bounded_page() {
    // The directory: 20,000 names of 250 bytes, each escaping to 2 KB.
    let names: Vec<Vec<u8>> = (0..20_000)
        .map(|i| {
            let mut n = format!("{:05}", 19_999 - i).into_bytes();
            n.resize(250, b'&');
            n
        })
        .collect();
    let mut items: Vec<Item<'_>> = names.iter().map(|n| file(n)).collect();
    let full = rendered(
        b"/big/",
        &{
            let mut all = items.clone();
            sort(&mut all);
            all
        },
        0,
    );
    assert!(full.len() > 40_000_000, "{}", full.len());
    let limit = 1 << 20;
    let (page, shown) = render_bounded(b"/big/", &mut items, limit);
    assert!(
        page.len() <= limit && page.len() > limit - 2_100,
        "{}",
        page.len()
    );
    let doc = String::from_utf8(page).unwrap();
    let r = rows(&doc);
    assert_eq!(r.len(), shown + 1);
    assert!(r[1].0.starts_with("00000%26%26"));
    assert!(r[shown].0.starts_with(&format!("{:05}%26", shown - 1)));
    assert_eq!(omitted_line(&doc), Some(20_000 - shown as u64));
    assert_eq!(&full[..doc.len() - 200], &doc.as_bytes()[..doc.len() - 200]);
}

/// A random name of up to 11 bytes: HTML and URL specials, letters and raw bytes.
fn random_name(rng: &mut Rng) -> Vec<u8> {
    let len = rng.index(12);
    let specials = b"<>&\"'%#? /.\0\x01\x7f\xff\xc3\xa9\xe2\x82\xac\xed\xa0\x80";
    (0..len)
        .map(|_| match rng.below(3) {
            0 => *rng.pick(specials),
            1 => b'a' + rng.below(26) as u8,
            _ => rng.byte(),
        })
        .collect()
}

#[test]
fn randomized_names_are_escaped_and_round_trip() {
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let mut listed_total = 0;
    let mut truncated = 0;
    for round in 0..2_000 {
        let names: Vec<Vec<u8>> = (0..rng.below(20)).map(|_| random_name(&mut rng)).collect();
        let mut items: Vec<Item<'_>> = names
            .iter()
            .map(|n| {
                let size = rng.next();
                let mtime = rng.next() as i64;
                item(n, rng.one_in(3), size, mtime)
            })
            .collect();
        let path = if round % 2 == 0 {
            vec![b'/']
        } else {
            random_name(&mut rng)
        };
        let mut expected: Vec<(bool, Vec<u8>)> = items
            .iter()
            .filter(|i| is_listed(i.name, path == b"/"))
            .map(|i| (!i.is_dir, i.name.to_vec()))
            .collect();
        expected.sort();
        // Half the pages unbounded, half with room for a few rows, or none at all.
        let frame = rendered(&path, &[], usize::MAX).len();
        let limit = match round % 4 {
            0 | 1 => usize::MAX,
            2 => frame + rng.index(1_500),
            _ => frame - 1 - rng.index(50),
        };
        let (bytes, shown) = render_bounded(&path, &mut items, limit);
        let doc = String::from_utf8(bytes).expect("output is always UTF-8");
        let mut r = rows(&doc);
        if path != b"/" {
            assert_eq!(r.remove(0).0, "../");
        }
        // The rows are the first of the order, the line counts the rest, the page is
        // within its limit (when the frame alone is), and the next row would not have fit.
        let omitted = omitted_line(&doc).unwrap_or(0);
        assert_eq!(
            r.len() as u64 + omitted,
            expected.len() as u64,
            "round {round}"
        );
        expected.truncate(r.len());
        if limit >= frame {
            assert!(doc.len() <= limit, "round {round}");
        } else {
            assert!(r.is_empty());
        }
        if omitted > 0 {
            assert!(rendered(&path, &items[..=shown], usize::MAX).len() > limit);
            truncated += 1;
        }
        listed_total += r.len();
        for ((href, text, size, date), (is_file, name)) in r.iter().zip(&expected) {
            // Neither part can break out of its context.
            let body = href.strip_suffix('/').unwrap_or(href);
            assert!(
                body.bytes()
                    .all(|b| crate::http::bytes::is(b, crate::http::bytes::HREF_SAFE) || b == b'%')
            );
            assert!(!text.contains(['<', '>', '"', '\'']), "{text:?}");
            assert!(!text.chars().any(|c| (c as u32) < 0x20 || c == '\u{7f}'));
            // The href percent-decodes to the exact name; the text unescapes to its lossy form.
            let mut want_href = name.clone();
            let mut want_text = expected_text(name);
            if !is_file {
                want_href.push(b'/');
                want_text.push('/');
                assert_eq!(size, "-");
            } else {
                assert!(size.bytes().all(|b| b.is_ascii_digit()));
            }
            assert_eq!(pct_decode(href), want_href);
            assert_eq!(html_unescape(text), want_text);
            assert_eq!(date.len(), 16);
        }
        // The title and heading carry the path escaped the same way.
        let mut want_path = String::new();
        put_text(&mut StringSink(&mut want_path), &path);
        assert!(doc.contains(&format!("<title>Index of {want_path}</title>")));
        assert_eq!(html_unescape(&want_path), expected_text(&path));
        // The only tags are the ones the template writes.
        let tags = doc.matches('<').count();
        let line = 2 * usize::from(omitted > 0);
        assert_eq!(tags, 24 + line + 10 * (r.len() + usize::from(path != b"/")));
    }
    assert!(listed_total > 5_000, "the generator lists enough names");
    assert!(truncated > 500, "the limits cut enough pages: {truncated}");
}

/// Collects a sink's bytes into a `String` (test helper; output is checked to be UTF-8).
struct StringSink<'a>(&'a mut String);

impl Sink for StringSink<'_> {
    fn put(&mut self, bytes: &[u8]) {
        self.0.push_str(std::str::from_utf8(bytes).unwrap());
    }
}
