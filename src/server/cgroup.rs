//! The memory limit of the cgroup staticd runs in (a container's), read once at start-up
//! to size the cache when `--cache-max-bytes` is not given: cgroup v2 `memory.max`, or
//! v1 `memory.limit_in_bytes`, for the cgroup /proc/self/cgroup names. Reading these
//! files is all it does; the parsing is pure and tested beside it.

use crate::http::bytes::cut;

/// Where the cgroup file system is mounted, unless `STATICD_CGROUP_ROOT` says otherwise.
pub const ROOT: &[u8] = b"/sys/fs/cgroup";

/// A limit this big is no limit: cgroup v1 says "unlimited" as a huge page-aligned
/// number (2^63 less a page), far past any machine.
const UNLIMITED: u64 = 1 << 60;

/// The file that holds the memory limit, for the process whose /proc/self/cgroup reads
/// `text`, in three parts: its hierarchy's folder under the cgroup file system's root,
/// the cgroup's path in that hierarchy (without a trailing slash), and the file's name
/// (with a leading slash). The file is all three joined, or for a container that sees
/// only its own cgroup, the folder and the name alone. `None` when no line is for the
/// memory controller.
pub fn limit_file(text: &[u8]) -> Option<(&'static [u8], &[u8], &'static [u8])> {
    let mut v2 = None;
    let mut lines = Some(text);
    while let Some(rest) = lines {
        let (line, next) = cut(rest, b'\n');
        lines = next;
        // ID:CONTROLLERS:PATH, where only PATH may hold a colon.
        let (id, Some(rest)) = cut(line, b':') else {
            continue;
        };
        let (controllers, Some(path)) = cut(rest, b':') else {
            continue;
        };
        if path.first() != Some(&b'/') {
            continue;
        }
        // One byte's test, not `strip_suffix`'s slice compare.
        let path = match path.split_last() {
            Some((b'/', rest)) => rest,
            _ => path,
        };
        // cgroup v1 with a memory hierarchy: it holds the limit even beside a v2 one.
        let mut names = Some(controllers);
        while let Some(rest) = names {
            let (name, next) = cut(rest, b',');
            if name == b"memory" {
                return Some((b"/memory", path, b"/memory.limit_in_bytes"));
            }
            names = next;
        }
        if id == b"0" && controllers.is_empty() {
            v2 = Some((&b""[..], path, &b"/memory.max"[..]));
        }
    }
    v2
}

/// The limit a `memory.max` or `memory.limit_in_bytes` file holds; `None` for `max`,
/// a huge value, or anything unreadable.
pub fn parse_limit(text: &[u8]) -> Option<u64> {
    crate::http::numfmt::parse(text.trim_ascii()).filter(|&n| n < UNLIMITED)
}

/// The cache budget when `--cache-max-bytes` is not given: `default`, or a quarter of
/// the memory `limit` when that is less (then `true`).
pub fn cache_budget(default: u64, limit: Option<u64>) -> (u64, bool) {
    match limit {
        Some(limit) if limit / 4 < default => (limit / 4, true),
        _ => (default, false),
    }
}

/// The memory limit of this process's cgroup, with the cgroup file system at `root`;
/// `None` when there is none or it cannot be read.
pub fn memory_limit(root: &[u8]) -> Option<u64> {
    use crate::server::sandbox::read_small_file;
    let mut text = read_small_file(b"/proc/self/cgroup")?;
    let (dir, cgroup, file) = limit_file(&text)?;
    let mut path = root.to_vec();
    path.extend_from_slice(dir);
    let top = path.len();
    path.extend_from_slice(cgroup);
    path.extend_from_slice(file);
    text = match read_small_file(&path) {
        Some(text) => text,
        None => {
            path.truncate(top);
            path.extend_from_slice(file);
            read_small_file(&path)?
        }
    };
    parse_limit(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cgroup's own limit file and the one at its hierarchy's root.
    fn files(text: &str) -> Option<(String, String)> {
        let s = |parts: &[&[u8]]| String::from_utf8(parts.concat()).unwrap();
        limit_file(text.as_bytes())
            .map(|(dir, cgroup, file)| (s(&[dir, cgroup, file]), s(&[dir, file])))
    }

    fn pair(a: &str, b: &str) -> Option<(String, String)> {
        Some((a.into(), b.into()))
    }

    #[test]
    fn v2_paths() {
        assert_eq!(files("0::/\n"), pair("/memory.max", "/memory.max"));
        assert_eq!(
            files("0::/kubepods.slice/pod1/cri-abc.scope\n"),
            pair(
                "/kubepods.slice/pod1/cri-abc.scope/memory.max",
                "/memory.max"
            )
        );
        assert_eq!(files("0::/a/"), pair("/a/memory.max", "/memory.max"));
    }

    #[test]
    fn v1_memory_hierarchy_wins() {
        let hybrid = "12:pids:/docker/1\n\
                      9:cpu,cpuacct:/docker/1\n\
                      4:memory:/docker/1\n\
                      1:name=systemd:/docker/1\n\
                      0::/docker/1\n";
        assert_eq!(
            files(hybrid),
            pair(
                "/memory/docker/1/memory.limit_in_bytes",
                "/memory/memory.limit_in_bytes"
            )
        );
        assert_eq!(
            files("0::/x\n5:blkio,memory:/\n"),
            pair(
                "/memory/memory.limit_in_bytes",
                "/memory/memory.limit_in_bytes"
            )
        );
    }

    #[test]
    fn no_memory_controller() {
        for text in [
            "",
            "\n",
            "12:pids:/docker/1\n",
            "1:name=systemd:/\n",
            "0:memory\n",
            "garbage",
            "1::/not-v2\n",
            "0:x:/y\n",
            "4:memoryx:/a\n",
            "0::relative\n",
        ] {
            assert_eq!(files(text), None, "{text:?}");
        }
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit(b"67108864\n"), Some(64 << 20));
        assert_eq!(parse_limit(b"0"), Some(0));
        assert_eq!(parse_limit(b"max\n"), None);
        // cgroup v1's "unlimited".
        assert_eq!(parse_limit(b"9223372036854771712\n"), None);
        assert_eq!(parse_limit(b"18446744073709551615"), None);
        assert_eq!(parse_limit(b"99999999999999999999999"), None);
        for bad in [&b""[..], b"\n", b"-1", b"12k", b"1 2", b"0x10", b"\xff"] {
            assert_eq!(parse_limit(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn budgets() {
        let default = 64 << 20;
        assert_eq!(cache_budget(default, None), (default, false));
        assert_eq!(cache_budget(default, Some(1 << 30)), (default, false));
        assert_eq!(cache_budget(default, Some(256 << 20)), (default, false));
        assert_eq!(
            cache_budget(default, Some((256 << 20) - 4)),
            ((64 << 20) - 1, true)
        );
        assert_eq!(cache_budget(default, Some(128 << 20)), (32 << 20, true));
        assert_eq!(cache_budget(default, Some(0)), (0, true));
    }
}
