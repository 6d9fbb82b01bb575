//! Path patterns for `--cache-control-for`: `*` matches within one path
//! segment, `**` across segments, and `/**/` also matches a single `/`
//! (zero segments), as in `.gitignore`. Everything else matches itself,
//! byte for byte. Pure; linear in pattern times path, whatever the stars.

/// One piece of a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Piece {
    /// This byte.
    Byte(u8),
    /// Any run of bytes other than `/`.
    Star,
    /// Any run of bytes.
    Stars,
    /// `**/`: any run of whole segments, each ending in `/`, or none.
    Segments,
}

/// The pieces of `pattern`, read as they are matched rather than collected first.
fn pieces(pattern: &[u8]) -> impl Iterator<Item = Piece> + '_ {
    let mut i = 0;
    core::iter::from_fn(move || {
        let piece = match pattern.get(i..)? {
            [b'*', b'*', b'/', ..] if i == 0 || pattern[i - 1] == b'/' => {
                i += 3;
                Piece::Segments
            }
            [b'*', b'*', ..] => {
                i += 2;
                Piece::Stars
            }
            [b'*', ..] => {
                i += 1;
                Piece::Star
            }
            [b, ..] => {
                i += 1;
                Piece::Byte(*b)
            }
            [] => return None,
        };
        Some(piece)
    })
}

/// Whether `path` matches `pattern`.
#[must_use]
pub fn matches(pattern: &[u8], path: &[u8]) -> bool {
    // at[j]: the pieces so far can match exactly path[..j].
    let n = path.len();
    let mut at = alloc::vec![false; n + 1];
    let mut next = alloc::vec![false; n + 1];
    at[0] = true;
    for piece in pieces(pattern) {
        next.iter_mut().for_each(|b| *b = false);
        match piece {
            Piece::Byte(b) => {
                for j in 0..n {
                    next[j + 1] = at[j] && path[j] == b;
                }
            }
            Piece::Star | Piece::Stars => {
                // A run from any reachable start, stopped by `/` for one star.
                let mut reach = false;
                for j in 0..=n {
                    reach |= at[j];
                    next[j] = reach;
                    if piece == Piece::Star && path.get(j) == Some(&b'/') {
                        reach = false;
                    }
                }
            }
            Piece::Segments => {
                // Zero segments, or any run ending in `/`.
                let mut reach = false;
                for j in 0..=n {
                    next[j] |= at[j];
                    if reach && j > 0 && path[j - 1] == b'/' {
                        next[j] = true;
                    }
                    reach |= at[j];
                }
            }
        }
        core::mem::swap(&mut at, &mut next);
    }
    at[n]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_match_only_themselves() {
        assert!(matches(b"/index.html", b"/index.html"));
        assert!(!matches(b"/index.html", b"/index.htm"));
        assert!(!matches(b"/index.html", b"/index.html/"));
        assert!(!matches(b"/index.html", b"/Index.html"));
        assert!(matches(b"", b""));
        assert!(!matches(b"", b"/"));
    }

    #[test]
    fn one_star_stays_in_its_segment() {
        assert!(matches(b"/*.html", b"/index.html"));
        assert!(matches(b"/*.html", b"/.html"));
        assert!(!matches(b"/*.html", b"/docs/index.html"));
        assert!(matches(b"/assets/*", b"/assets/app.js"));
        assert!(matches(b"/assets/*", b"/assets/"));
        assert!(!matches(b"/assets/*", b"/assets/js/app.js"));
        assert!(matches(b"/*/*.js", b"/assets/app.js"));
        assert!(matches(b"/a*b*c", b"/aXbYc"));
        assert!(!matches(b"/a*b*c", b"/aXbY/c"));
    }

    #[test]
    fn two_stars_cross_segments() {
        assert!(matches(b"/assets/**", b"/assets/app.js"));
        assert!(matches(b"/assets/**", b"/assets/js/deep/app.js"));
        assert!(matches(b"/assets/**", b"/assets/"));
        assert!(!matches(b"/assets/**", b"/assets"));
        assert!(!matches(b"/assets/**", b"/other/assets/x"));
        assert!(matches(b"/**.html", b"/docs/a/index.html"));
        assert!(matches(b"/**", b"/"));
        assert!(matches(b"/**", b"/anything/at/all"));
    }

    #[test]
    fn two_stars_and_a_slash_also_match_no_segment() {
        assert!(matches(b"/**/*.html", b"/index.html"));
        assert!(matches(b"/**/*.html", b"/docs/index.html"));
        assert!(matches(b"/**/*.html", b"/a/b/c/index.html"));
        assert!(!matches(b"/**/*.html", b"/a/b/c/index.htm"));
        assert!(matches(b"/docs/**/index.html", b"/docs/index.html"));
        assert!(matches(b"/docs/**/index.html", b"/docs/x/y/index.html"));
        assert!(!matches(b"/docs/**/index.html", b"/docs/xindex.html"));
        // Only a whole `**/` segment is one; `a**/` is a plain double star.
        assert!(matches(b"/a**/x", b"/abc/d/x"));
        assert!(!matches(b"/a**/x", b"/x"));
    }

    #[test]
    fn many_stars_stay_linear() {
        let pattern = b"/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b".repeat(4);
        let path = [b'a'; 8192];
        assert!(!matches(&pattern, &path));
        let stars = b"/**".repeat(200);
        assert!(matches(&stars, &[b'/'; 4096]));
    }
}
