//! Conditional requests (RFC 9110 §13) for GET and HEAD: `If-None-Match` and
//! `If-Modified-Since` decide between 200 and 304, and `If-Range` decides whether a `Range`
//! header is honoured. Entity-tag lists are scanned in place with a byte table; pure
//! comparisons, no allocation, no system calls.
//!
//! `If-Match` and `If-Unmodified-Since` (412) are not handled: the request parser does not
//! keep them, and for a read-only file server they only matter to clients that never send them.
//!
//! Decisions a caller must know:
//! - Entity-tags follow the grammar strictly: `W/` is case-sensitive, the tag must be quoted,
//!   and only etagc bytes (`!`, `#`-`~`, 0x80-0xFF) may appear between the quotes, commas
//!   included. A malformed list member is skipped up to the next comma and the rest of the
//!   list is still used; an unquoted tag therefore never matches.
//! - `*` matches only as the whole `If-None-Match` value, not as a list member.
//! - The server's own `etag` is parsed with the same grammar; if it is not a valid
//!   entity-tag nothing but `*` matches it, and if it is weak `If-Range` never matches.
//! - `last_modified` must be the exact second sent in `Last-Modified` (seconds precision),
//!   or `None` when no `Last-Modified` is sent: `If-Modified-Since` is then ignored and a
//!   date in `If-Range` never matches.

use super::request::trim_ows;
use super::{bytes, date};

/// When a response carries `Last-Modified` (`--last-modified`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LastModifiedPolicy {
    /// Unless the mtime is one reproducible builds pin (before 1980-01-02).
    #[default]
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

/// 1980-01-02T00:00:00Z: reproducible builds pin mtimes to 0, 1 s or
/// 1980-01-01 (zip's epoch, in any time zone), all before it.
pub const PINNED_BEFORE: i64 = 315_619_200;

impl LastModifiedPolicy {
    /// The `Last-Modified` second a file with `mtime` gets, if any.
    #[must_use]
    pub fn shown(self, mtime: i64) -> Option<i64> {
        match self {
            LastModifiedPolicy::On => Some(mtime),
            LastModifiedPolicy::Auto if mtime >= PINNED_BEFORE => Some(mtime),
            LastModifiedPolicy::Auto | LastModifiedPolicy::Off => None,
        }
    }
}

/// What the preconditions of a GET or HEAD ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Serve the representation (200, or 206 if a Range applies).
    Proceed,
    /// Answer 304 Not Modified.
    NotModified,
}

/// Evaluates `If-None-Match` and `If-Modified-Since` as RFC 9110 §13.2.2 orders them.
///
/// `If-None-Match`, when present (even empty or malformed), decides alone. Otherwise
/// `If-Modified-Since` gives 304 when `last_modified` is not after its date; it is ignored
/// when it is not a valid HTTP-date or when the date is later than `now` (the server's clock,
/// Unix seconds). RFC 2616 §14.25 called such a date invalid; Apache ignores it too, and it
/// keeps a client with a fast clock from being told "not modified" about a file changed
/// between the real time and its clock's. `now` also anchors RFC 850 two-digit years.
#[must_use]
pub fn evaluate(
    if_none_match: Option<&[u8]>,
    if_modified_since: Option<&[u8]>,
    etag: &[u8],
    last_modified: Option<i64>,
    now: i64,
) -> Outcome {
    if let Some(list) = if_none_match {
        return if etag_matches_weak(list, etag) {
            Outcome::NotModified
        } else {
            Outcome::Proceed
        };
    }
    if let Some(ims) = if_modified_since
        && let Some(last_modified) = last_modified
        && let Some(since) = date::parse_at(trim_ows(ims), now)
        && since <= now
        && last_modified <= since
    {
        return Outcome::NotModified;
    }
    Outcome::Proceed
}

/// Whether an `If-None-Match` value matches `etag` under weak comparison (`W/"x"` matches `"x"`).
#[must_use]
pub fn etag_matches_weak(list: &[u8], etag: &[u8]) -> bool {
    let list = trim_ows(list);
    if list == b"*" {
        return true;
    }
    let Some((_, ours)) = whole_tag(etag) else {
        return false;
    };
    any_tag(list, |_, opaque| opaque == ours)
}

/// Whether `If-Range` lets a Range be served (RFC 9110 §13.1.5); `None` always does.
///
/// An entity-tag must match `etag` by strong comparison, so a weak tag on either side never
/// does; an HTTP-date must equal `last_modified` exactly; anything else is false.
#[must_use]
pub fn if_range_allows(if_range: Option<&[u8]>, etag: &[u8], last_modified: Option<i64>) -> bool {
    let Some(value) = if_range else {
        return true;
    };
    // §13.1.5 tells an entity-tag from a date by a DQUOTE in the first three bytes; no
    // HTTP-date holds one, so whatever is not one whole tag can go to the date reader.
    if let Some(theirs) = whole_tag(value) {
        return match (theirs, whole_tag(etag)) {
            ((false, theirs), Some((false, ours))) => theirs == ours,
            _ => false,
        };
    }
    last_modified.is_some() && date::parse(trim_ows(value)) == last_modified
}

/// Splits a leading entity-tag off `s` as (weak, opaque-tag without quotes, rest).
fn entity_tag(s: &[u8]) -> Option<(bool, &[u8], &[u8])> {
    let (weak, s) = match s {
        [b'W', b'/', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    let [b'"', body @ ..] = s else {
        return None;
    };
    let end = body.iter().position(|&b| !bytes::is_etagc(b))?;
    let (opaque, rest) = body.split_at(end);
    let [b'"', rest @ ..] = rest else {
        return None;
    };
    Some((weak, opaque, rest))
}

/// Parses `s` as exactly one entity-tag, surrounding whitespace allowed.
fn whole_tag(s: &[u8]) -> Option<(bool, &[u8])> {
    match entity_tag(trim_ows(s)) {
        Some((weak, opaque, [])) => Some((weak, opaque)),
        _ => None,
    }
}

/// Whether `f` holds for some well-formed member of an entity-tag list.
fn any_tag(list: &[u8], mut f: impl FnMut(bool, &[u8]) -> bool) -> bool {
    let mut s = list;
    loop {
        while let [b' ' | b'\t' | b',', rest @ ..] = s {
            s = rest;
        }
        if s.is_empty() {
            return false;
        }
        let tag = entity_tag(s);
        if let Some((weak, opaque, rest)) = tag
            && let rest = trim_ows(rest)
            && matches!(rest, [] | [b',', ..])
        {
            if f(weak, opaque) {
                return true;
            }
            s = rest;
        } else {
            // Malformed member: resume after the next comma.
            s = match s.iter().position(|&b| b == b',') {
                Some(i) => s.split_at(i).1,
                None => &[],
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;

    const ETAG: &[u8] = b"\"5f3a-1b2c\"";
    const WEAK_ETAG: &[u8] = b"W/\"5f3a-1b2c\"";
    /// Sun, 06 Nov 1994 08:49:37 GMT
    const T: i64 = 784_111_777;
    const NOW: i64 = 1_700_000_000;

    fn m(list: &str, etag: &str) -> bool {
        etag_matches_weak(list.as_bytes(), etag.as_bytes())
    }

    #[test]
    fn etagc_table() {
        for b in 0..=255u8 {
            let want = b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80;
            assert_eq!(bytes::is_etagc(b), want, "{b:#x}");
        }
    }

    #[test]
    fn weak_match_basics() {
        assert!(m("\"abc\"", "\"abc\""));
        assert!(m("W/\"abc\"", "\"abc\""));
        assert!(m("\"abc\"", "W/\"abc\""));
        assert!(m("W/\"abc\"", "W/\"abc\""));
        assert!(m("\"\"", "\"\""));
        assert!(m("W/\"\"", "\"\""));
        assert!(!m("\"abc\"", "\"abd\""));
        assert!(!m("\"abc\"", "\"ab\""));
        assert!(!m("\"ab\"", "\"abc\""));
        assert!(!m("\"ABC\"", "\"abc\""));
        assert!(!m("\"\"", "\"abc\""));
        assert!(!m("\"abc\"", "\"\""));
    }

    #[test]
    fn weak_match_lists() {
        assert!(m("\"x\", \"abc\"", "\"abc\""));
        assert!(m("\"abc\", \"x\"", "\"abc\""));
        assert!(m("\"x\",\"y\",\"abc\"", "\"abc\""));
        assert!(m("\"x\" , W/\"abc\"", "\"abc\""));
        assert!(m("\"x\"\t,\t\"abc\"\t", "\"abc\""));
        assert!(m(" \"abc\" ", "\"abc\""));
        assert!(m(",\"abc\"", "\"abc\""));
        assert!(m("\"abc\",", "\"abc\""));
        assert!(m(",, ,\"x\",, \"abc\" ,,", "\"abc\""));
        assert!(!m("\"x\", \"y\", \"z\"", "\"abc\""));
        assert!(!m("\"x\",\"y\"", "\"x\"\"y\""));
        // No comma between members: the first is malformed, nothing follows a comma.
        assert!(!m("\"x\" \"abc\"", "\"abc\""));
        assert!(!m("\"x\"\"abc\"", "\"abc\""));
        let long: Vec<String> = (0..500).map(|i| format!("\"t{i}\"")).collect();
        assert!(m(&long.join(", "), "\"t499\""));
        assert!(!m(&long.join(", "), "\"t500\""));
    }

    #[test]
    fn weak_match_star() {
        assert!(m("*", "\"abc\""));
        assert!(m(" * ", "\"abc\""));
        assert!(m("*", "W/\"abc\""));
        assert!(m("*", "garbage"));
        assert!(m("*", ""));
        assert!(!m("**", "\"abc\""));
        assert!(!m("*,\"x\"", "\"abc\""));
        assert!(!m("\"x\", *", "\"abc\""));
        assert!(!m("\"*\"", "\"abc\""));
        assert!(m("\"*\"", "\"*\""));
        assert!(m("*, \"abc\"", "\"abc\""));
    }

    #[test]
    fn weak_match_commas_inside_quotes() {
        assert!(m("\"a,b\"", "\"a,b\""));
        assert!(m("\"x\", \"a,b\"", "\"a,b\""));
        assert!(m("W/\"a,b\", \"x\"", "\"a,b\""));
        assert!(!m("\"a,b\"", "\"a\""));
        assert!(!m("\"a,b\"", "\"b\""));
        assert!(!m("\"a\",\"b\"", "\"a,b\""));
        assert!(m("\",\"", "\",\""));
        assert!(m("\",,,\", \"q\"", "\"q\""));
    }

    #[test]
    fn weak_match_malformed_members() {
        // Unquoted tags are never tags.
        assert!(!m("abc", "\"abc\""));
        assert!(!m("W/abc", "\"abc\""));
        assert!(!m("abc, def", "\"abc\""));
        // Missing quotes.
        assert!(!m("\"abc", "\"abc\""));
        assert!(!m("abc\"", "\"abc\""));
        assert!(!m("W/\"abc", "\"abc\""));
        assert!(!m("\"", "\"abc\""));
        assert!(!m("\"\"\"", "\"\""));
        // Lower-case or spaced weak prefix.
        assert!(!m("w/\"abc\"", "\"abc\""));
        assert!(!m("W /\"abc\"", "\"abc\""));
        assert!(!m("W/ \"abc\"", "\"abc\""));
        assert!(!m("W\"abc\"", "\"abc\""));
        assert!(!m("/\"abc\"", "\"abc\""));
        assert!(!m("W/W/\"abc\"", "\"abc\""));
        // Bytes outside etagc between the quotes.
        assert!(!m("\"a c\"", "\"a c\""));
        assert!(!m("\"a\tc\"", "\"a\tc\""));
        assert!(!m("\"a\x7fc\"", "\"a\x7fc\""));
        assert!(!m("\"a\x00c\"", "\"a\x00c\""));
        // Junk after the closing quote.
        assert!(!m("\"abc\"x", "\"abc\""));
        assert!(!m("\"abc\";q=1", "\"abc\""));
        // Malformed members are skipped, later good ones still count.
        assert!(m("abc, \"abc\"", "\"abc\""));
        assert!(m("\"a b\", \"abc\"", "\"abc\""));
        assert!(m("\"abc\"x, \"abc\"", "\"abc\""));
        assert!(m("w/\"x\", W/\"abc\"", "\"abc\""));
        assert!(m("\"unterminated, \"abc\"", "\"abc\""));
        assert!(!m("\"unterminated, abc\"", "\"abc\""));
    }

    #[test]
    fn weak_match_empty_and_obs_text() {
        assert!(!m("", "\"abc\""));
        assert!(!m("   ", "\"abc\""));
        assert!(!m(",", "\"abc\""));
        assert!(!m(", ,", "\"abc\""));
        assert!(etag_matches_weak(b"\"caf\xc3\xa9\"", b"\"caf\xc3\xa9\""));
        assert!(etag_matches_weak(b"W/\"\x80\xff\"", b"\"\x80\xff\""));
        assert!(!etag_matches_weak(b"\"caf\xc3\xa9\"", b"\"caf\xc3\xa8\""));
        assert!(etag_matches_weak(b"\"!#~\"", b"\"!#~\""));
    }

    #[test]
    fn weak_match_with_bad_own_etag() {
        assert!(!m("abc", "abc"));
        assert!(!m("\"abc\"", "abc"));
        assert!(!m("\"abc\"", "\"abc"));
        assert!(!m("\"abc\"", ""));
        assert!(!m("\"abc\"", "\"abc\"x"));
        assert!(!m("\"a b\"", "\"a b\""));
        assert!(m("*", "abc"));
    }

    fn ev(inm: Option<&str>, ims: Option<&str>, lm: i64) -> Outcome {
        evaluate(
            inm.map(str::as_bytes),
            ims.map(str::as_bytes),
            ETAG,
            Some(lm),
            NOW,
        )
    }

    const IMF: &str = "Sun, 06 Nov 1994 08:49:37 GMT";
    const RFC850: &str = "Sunday, 06-Nov-94 08:49:37 GMT";
    const ASCTIME: &str = "Sun Nov  6 08:49:37 1994";

    #[test]
    fn evaluate_none() {
        assert_eq!(ev(None, None, T), Outcome::Proceed);
        assert_eq!(ev(None, None, 0), Outcome::Proceed);
    }

    #[test]
    fn evaluate_if_none_match() {
        assert_eq!(ev(Some("\"5f3a-1b2c\""), None, T), Outcome::NotModified);
        assert_eq!(ev(Some("W/\"5f3a-1b2c\""), None, T), Outcome::NotModified);
        assert_eq!(
            ev(Some("\"x\", \"5f3a-1b2c\""), None, T),
            Outcome::NotModified
        );
        assert_eq!(ev(Some("*"), None, T), Outcome::NotModified);
        assert_eq!(ev(Some("\"other\""), None, T), Outcome::Proceed);
        assert_eq!(ev(Some("5f3a-1b2c"), None, T), Outcome::Proceed);
        let weak_ours = evaluate(Some(b"\"5f3a-1b2c\""), None, WEAK_ETAG, Some(T), NOW);
        assert_eq!(weak_ours, Outcome::NotModified);
    }

    #[test]
    fn evaluate_if_none_match_overrides_if_modified_since() {
        // Matching tag wins over a date that would say "modified".
        assert_eq!(
            ev(Some("\"5f3a-1b2c\""), Some(IMF), T + 1),
            Outcome::NotModified
        );
        // A non-matching tag wins over a date that would say "not modified".
        assert_eq!(ev(Some("\"other\""), Some(IMF), T), Outcome::Proceed);
        // Even an empty or malformed If-None-Match makes If-Modified-Since ignored.
        assert_eq!(ev(Some(""), Some(IMF), T), Outcome::Proceed);
        assert_eq!(ev(Some("garbage"), Some(IMF), T), Outcome::Proceed);
    }

    #[test]
    fn evaluate_if_modified_since_formats() {
        for d in [IMF, RFC850, ASCTIME] {
            assert_eq!(ev(None, Some(d), T), Outcome::NotModified, "{d}");
            assert_eq!(ev(None, Some(d), T - 1), Outcome::NotModified, "{d}");
            assert_eq!(ev(None, Some(d), 0), Outcome::NotModified, "{d}");
            assert_eq!(ev(None, Some(d), T + 1), Outcome::Proceed, "{d}");
            assert_eq!(ev(None, Some(d), NOW), Outcome::Proceed, "{d}");
            // Surrounding OWS is tolerated.
            assert_eq!(
                ev(None, Some(&format!(" {d}\t")), T),
                Outcome::NotModified,
                "{d}"
            );
        }
    }

    #[test]
    fn evaluate_if_modified_since_invalid_is_ignored() {
        for d in [
            "",
            " ",
            "garbage",
            "0",
            "784111777",
            "sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMTx",
            "Sun,  06 Nov 1994 08:49:37 GMT",
            "\"5f3a-1b2c\"",
        ] {
            assert_eq!(ev(None, Some(d), 0), Outcome::Proceed, "{d:?}");
            assert_eq!(ev(None, Some(d), T), Outcome::Proceed, "{d:?}");
        }
    }

    #[test]
    fn evaluate_if_modified_since_future_is_ignored() {
        let mut buf = [0u8; date::HTTP_DATE_LEN];
        let at = |secs: i64, buf: &mut [u8; date::HTTP_DATE_LEN]| {
            date::format(secs, buf);
            String::from_utf8(buf.to_vec()).unwrap()
        };
        let now_s = at(NOW, &mut buf);
        assert_eq!(ev(None, Some(&now_s), NOW), Outcome::NotModified);
        assert_eq!(ev(None, Some(&now_s), NOW - 100), Outcome::NotModified);
        assert_eq!(ev(None, Some(&now_s), NOW + 1), Outcome::Proceed);
        let future = at(NOW + 1, &mut buf);
        assert_eq!(ev(None, Some(&future), NOW - 100), Outcome::Proceed);
        assert_eq!(ev(None, Some(&future), 0), Outcome::Proceed);
        let far = at(NOW + 86_400 * 365, &mut buf);
        assert_eq!(ev(None, Some(&far), NOW - 100), Outcome::Proceed);
        let past = at(NOW - 1, &mut buf);
        assert_eq!(ev(None, Some(&past), NOW - 1), Outcome::NotModified);
        assert_eq!(ev(None, Some(&past), NOW), Outcome::Proceed);
    }

    #[test]
    fn evaluate_rfc850_year_uses_now() {
        // "30" is 2030 seen from 2023, so in the future and ignored; from 2040 it is past.
        let d = "Wednesday, 09-Jan-30 00:00:00 GMT";
        let t2030 = 1_894_147_200;
        assert_eq!(
            evaluate(None, Some(d.as_bytes()), ETAG, Some(0), NOW),
            Outcome::Proceed
        );
        let in_2040 = 2_208_988_800;
        assert_eq!(
            evaluate(None, Some(d.as_bytes()), ETAG, Some(t2030), in_2040),
            Outcome::NotModified
        );
        assert_eq!(
            evaluate(None, Some(d.as_bytes()), ETAG, Some(t2030 + 1), in_2040),
            Outcome::Proceed
        );
        // "75" is 2075 seen from 2100, a Tuesday; the fixed 1970-2069 window would read 1975,
        // a Wednesday, and reject the date.
        let d = b"Tuesday, 01-Jan-75 00:00:00 GMT";
        let (t2075, in_2100) = (3_313_526_400, 4_102_444_800);
        assert_eq!(
            evaluate(None, Some(d), ETAG, Some(t2075), in_2100),
            Outcome::NotModified
        );
        assert_eq!(
            evaluate(None, Some(d), ETAG, Some(t2075 + 1), in_2100),
            Outcome::Proceed
        );
    }

    fn ir(v: Option<&str>, etag: &str, lm: i64) -> bool {
        if_range_allows(v.map(str::as_bytes), etag.as_bytes(), Some(lm))
    }

    #[test]
    fn if_range_absent() {
        assert!(ir(None, "\"a\"", T));
        assert!(ir(None, "W/\"a\"", T));
        assert!(ir(None, "", 0));
    }

    #[test]
    fn if_range_entity_tag() {
        assert!(ir(Some("\"a\""), "\"a\"", T));
        assert!(ir(Some(" \"a\" "), "\"a\"", T));
        assert!(ir(Some("\"a,b\""), "\"a,b\"", T));
        assert!(ir(Some("\"\""), "\"\"", T));
        assert!(!ir(Some("\"b\""), "\"a\"", T));
        assert!(!ir(Some("\"A\""), "\"a\"", T));
        // Strong comparison: a weak tag on either side never matches.
        assert!(!ir(Some("W/\"a\""), "\"a\"", T));
        assert!(!ir(Some("\"a\""), "W/\"a\"", T));
        assert!(!ir(Some("W/\"a\""), "W/\"a\"", T));
        // Exactly one tag.
        assert!(!ir(Some("\"a\", \"a\""), "\"a\"", T));
        assert!(!ir(Some("\"a\","), "\"a\"", T));
        assert!(!ir(Some("\"a\"x"), "\"a\"", T));
        assert!(!ir(Some("\"a"), "\"a\"", T));
        assert!(!ir(Some("\"a b\""), "\"a b\"", T));
        assert!(!ir(Some("*"), "\"a\"", T));
        assert!(!ir(Some("a"), "a", T));
        assert!(!ir(Some("\"a\""), "a", T));
    }

    #[test]
    fn if_range_date() {
        for d in [IMF, RFC850, ASCTIME] {
            assert!(ir(Some(d), "\"a\"", T), "{d}");
            assert!(ir(Some(&format!(" {d} ")), "\"a\"", T), "{d}");
            // Exact equality only, unlike If-Modified-Since.
            assert!(!ir(Some(d), "\"a\"", T - 1), "{d}");
            assert!(!ir(Some(d), "\"a\"", T + 1), "{d}");
        }
    }

    #[test]
    fn if_range_garbage() {
        for v in [
            "",
            " ",
            "garbage",
            "784111777",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "sun, 06 Nov 1994 08:49:37 GMT",
            "W/",
            "W/x",
            "\"",
            "x\"a\"",
        ] {
            assert!(!ir(Some(v), "\"a\"", T), "{v:?}");
        }
        assert!(!if_range_allows(Some(b"\xff\xfe"), b"\"a\"", Some(T)));
    }

    #[test]
    fn trimming() {
        assert_eq!(trim_ows(b" \t a b \t "), b"a b");
        assert_eq!(trim_ows(b""), b"");
        assert_eq!(trim_ows(b" \t "), b"");
        assert_eq!(trim_ows(b"\r a \n"), b"\r a \n");
    }

    /// Random lists: the scanner must agree with a naive reference on well-formed input.
    #[test]
    fn property_lists_of_valid_tags() {
        let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
        let pieces = ["a", "b", ",", "ab", "a,b", "\u{e9}", "!"];
        let mut hits = 0;
        for _ in 0..20_000 {
            let n = rng.index(5);
            let mut tags = Vec::new();
            for _ in 0..n {
                let len = rng.index(3);
                let body: String = (0..len).map(|_| *rng.pick(&pieces)).collect();
                let weak = rng.one_in(2);
                tags.push((weak, body));
            }
            let list: Vec<String> = tags
                .iter()
                .map(|(w, b)| format!("{}\"{b}\"", if *w { "W/" } else { "" }))
                .collect();
            let sep = *rng.pick(&[",", ", ", " ,", " , ", ",,"]);
            let header = list.join(sep);
            let ours_len = rng.index(3);
            let ours: String = (0..ours_len).map(|_| *rng.pick(&pieces)).collect();
            let want = tags.iter().any(|(_, b)| *b == ours);
            hits += usize::from(want);
            assert_eq!(
                m(&header, &format!("\"{ours}\"")),
                want,
                "{header} vs {ours}"
            );
            assert_eq!(
                m(&header, &format!("W/\"{ours}\"")),
                want,
                "{header} vs {ours}"
            );
        }
        assert!(hits > 1000, "{hits}");
    }

    #[test]
    fn the_policy_hides_pinned_mtimes_only_in_auto() {
        use LastModifiedPolicy::{Auto, Off, On};
        // 0, 1 s, 1980-01-01 in UTC and in every time zone east and west.
        for pinned in [
            0,
            1,
            315_532_800 - 14 * 3600,
            315_532_800,
            315_532_800 + 12 * 3600,
        ] {
            assert_eq!(Auto.shown(pinned), None, "{pinned}");
            assert_eq!(On.shown(pinned), Some(pinned));
            assert_eq!(Off.shown(pinned), None);
        }
        assert_eq!(Auto.shown(-1), None);
        assert_eq!(Auto.shown(PINNED_BEFORE - 1), None);
        for real in [PINNED_BEFORE, T, 4_102_444_800] {
            assert_eq!(Auto.shown(real), Some(real));
            assert_eq!(On.shown(real), Some(real));
            assert_eq!(Off.shown(real), None);
        }
    }

    #[test]
    fn without_last_modified_dates_never_match() {
        // If-Modified-Since is ignored: the representation is sent.
        assert_eq!(
            evaluate(None, Some(IMF.as_bytes()), ETAG, None, NOW),
            Outcome::Proceed
        );
        // If-None-Match still decides.
        assert_eq!(
            evaluate(Some(ETAG), Some(IMF.as_bytes()), ETAG, None, NOW),
            Outcome::NotModified
        );
        // A date in If-Range has nothing to equal: the whole file is sent.
        assert!(!if_range_allows(Some(IMF.as_bytes()), ETAG, None));
        assert!(if_range_allows(Some(ETAG), ETAG, None));
        assert!(if_range_allows(None, ETAG, None));
    }
}
