//! Path patterns for `--cache-control-for`: `*` matches within one path
//! segment, `**` across segments, and `/**/` also matches a single `/`
//! (zero segments), as in `.gitignore`. Everything else matches itself,
//! byte for byte. Pure; linear in pattern times path, whatever the stars.

/// Whether `path` matches `pattern`.
#[must_use]
pub fn matches(pattern: &[u8], path: &[u8]) -> bool {
    // at[j] is 1 when the pieces so far can match exactly path[..j]: bytes rather than
    // bools, so the buffer comes from the same `vec!` code as the file buffers'. Each piece
    // rewrites it in place, front to back, keeping the old at[j - 1] aside.
    let mut at = alloc::vec![0u8; path.len() + 1];
    at[0] = 1;
    let mut i = 0;
    while let Some(&p) = pattern.get(i) {
        // The piece at `i`, by how many bytes it takes: 0 for the byte `p` (which takes one),
        // 1 for `*` (a run within a segment), 2 for `**` (any run), 3 for `**/` at the start
        // of a segment (any run of whole segments, or none).
        let kind = match pattern.get(i..) {
            Some([b'*', b'*', b'/', ..]) if i == 0 || pattern.get(i - 1) == Some(&b'/') => 3,
            Some([b'*', b'*', ..]) => 2,
            Some([b'*', ..]) => 1,
            _ => 0,
        };
        i += usize::max(kind, 1);
        // Whether a run may go on from a reachable start (one star's stops at a `/`); the old
        // at[j - 1]; path[j - 1], 0 before the start (never `/`, and at[-1] is 0 anyway).
        let (mut reach, mut before, mut prev) = (0u8, 0u8, 0u8);
        for (j, slot) in at.iter_mut().enumerate() {
            let here = *slot;
            if kind == 1 && prev == b'/' {
                reach = 0;
            }
            reach |= here;
            *slot = match kind {
                0 => before & u8::from(prev == p),
                3 => here | reach & u8::from(prev == b'/'),
                _ => reach,
            };
            before = here;
            prev = path.get(j).copied().unwrap_or(0);
        }
    }
    at[path.len()] == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules read as backtracking over the pattern from `i`.
    fn reference(pat: &[u8], i: usize, path: &[u8]) -> bool {
        let rest = |k: usize, skip: usize| reference(pat, i + skip, &path[k..]);
        match &pat[i..] {
            [] => path.is_empty(),
            [b'*', b'*', b'/', ..] if i == 0 || pat[i - 1] == b'/' => {
                rest(0, 3) || (1..=path.len()).any(|k| path[k - 1] == b'/' && rest(k, 3))
            }
            [b'*', b'*', ..] => (0..=path.len()).any(|k| rest(k, 2)),
            [b'*', ..] => (0..=path.len())
                .take_while(|&k| !path[..k].contains(&b'/'))
                .any(|k| rest(k, 1)),
            [b, ..] => path.first() == Some(b) && rest(1, 1),
        }
    }

    #[test]
    fn random_patterns_agree_with_backtracking() {
        let mut rng = crate::testing::Rng::new(7);
        let word = |rng: &mut crate::testing::Rng, alphabet: &[u8], max: u64| -> Vec<u8> {
            let n = rng.below(max + 1);
            (0..n)
                .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
                .collect()
        };
        for _ in 0..20_000 {
            let pattern = word(&mut rng, b"a/**b", 8);
            let path = word(&mut rng, b"ab//", 7);
            assert_eq!(
                matches(&pattern, &path),
                reference(&pattern, 0, &path),
                "{:?} {:?}",
                String::from_utf8_lossy(&pattern),
                String::from_utf8_lossy(&path)
            );
        }
    }

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
