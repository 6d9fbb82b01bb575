//! The bounded map from normalised path to entry, and its CLOCK eviction.
//!
//! Pure bookkeeping: the caller holds the lock around every call and does
//! all I/O outside it. That includes the munmap and close of an entry that
//! leaves the map: removed entries are kept in [`Map::take_released`]'s list,
//! for the caller to drop after unlocking. A ring of keys gives CLOCK its
//! order; keys whose entry was invalidated are dropped from the ring lazily,
//! when the hand reaches them or when stale keys outnumber live ones.
#![forbid(unsafe_code)]

use crate::cache::entry::Entry;
use crate::cache::hash::KeyedHash;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::hash::BuildHasher;
use core::sync::atomic::Ordering;
use hashbrown::HashTable;

/// The map and its budget.
pub struct Map {
    /// Key and entry pairs: the raw table rather than a map, so an insert after
    /// the key's removal does not search for it again.
    table: HashTable<(Box<[u8]>, Arc<Entry>)>,
    hasher: KeyedHash,
    ring: Vec<Box<[u8]>>,
    hand: usize,
    bytes: usize,
    max_bytes: usize,
    max_entries: usize,
    /// Bumped by every invalidation; a fill that started under an older
    /// epoch may have read what the invalidation was about, so it is not kept.
    epoch: u64,
    /// Evictions so far.
    pub evictions: u64,
    /// Lookups answered from the map, and lookups that went to the disk:
    /// counted under the lock every lookup takes anyway.
    pub hits: u64,
    /// See `hits`.
    pub misses: u64,
    /// Entries removed since the last [`Map::take_released`].
    released: Vec<Arc<Entry>>,
}

impl Map {
    /// An empty map holding at most `max_bytes` of entry cost and `max_entries` entries.
    pub fn new(hasher: KeyedHash, max_bytes: usize, max_entries: usize) -> Map {
        Map {
            table: HashTable::new(),
            hasher,
            ring: Vec::new(),
            hand: 0,
            bytes: 0,
            max_bytes,
            max_entries: max_entries.max(1),
            epoch: 0,
            evictions: 0,
            hits: 0,
            misses: 0,
            released: Vec::new(),
        }
    }

    /// The entries removed since the last call, to be dropped once the lock
    /// is let go: the last reference to one unmaps or closes its file.
    pub fn take_released(&mut self) -> Vec<Arc<Entry>> {
        core::mem::take(&mut self.released)
    }

    /// Takes `entry` out of the budget and keeps it for [`Map::take_released`].
    fn release(&mut self, entry: Arc<Entry>) {
        self.bytes -= entry.cost;
        self.released.push(entry);
    }

    /// The current invalidation epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Bytes of entry cost held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The entry for `key`, marked as used.
    pub fn get(&self, key: &[u8]) -> Option<Arc<Entry>> {
        let e = self.find(key)?;
        e.touch();
        Some(e.clone())
    }

    /// Inserts `entry` unless an invalidation happened since `epoch` or it
    /// can never fit; evicts until it fits. Returns whether it was kept.
    pub fn insert(&mut self, key: &[u8], entry: Arc<Entry>, epoch: u64) -> bool {
        if epoch != self.epoch || entry.cost > self.max_bytes {
            return false;
        }
        self.take(key);
        while !self.table.is_empty()
            && (self.bytes + entry.cost > self.max_bytes || self.table.len() >= self.max_entries)
        {
            if !self.evict_one() {
                break;
            }
        }
        self.bytes += entry.cost;
        let key: Box<[u8]> = key.into();
        self.ring.push(key.clone());
        let hash = self.hasher.hash_one(&key[..]);
        let hasher = self.hasher;
        self.table
            .insert_unique(hash, (key, entry), |(k, _)| hasher.hash_one(&k[..]));
        if self.ring.len() > 2 * self.table.len() + 64 {
            self.compact_ring();
        }
        true
    }

    /// Advances the CLOCK hand until one entry is evicted; false if none could be.
    fn evict_one(&mut self) -> bool {
        // Two full turns clear every reference bit, so this always ends.
        let mut budget = 2 * self.ring.len() + 1;
        while budget > 0 && !self.ring.is_empty() {
            budget -= 1;
            if self.hand >= self.ring.len() {
                self.hand = 0;
            }
            let key = &self.ring[self.hand];
            // Through `find`, as everywhere: one copy of hashbrown's search.
            match self.find(key) {
                None => {
                    self.ring.swap_remove(self.hand);
                }
                Some(e) if e.take_reference() => self.hand += 1,
                Some(_) => {
                    let key = self.ring.swap_remove(self.hand);
                    self.take(&key);
                    self.evictions += 1;
                    return true;
                }
            }
        }
        false
    }

    /// Drops ring keys whose entries are gone, and duplicates.
    fn compact_ring(&mut self) {
        // The entries' marks stand for a set of the keys kept so far: no second table to build.
        for (_, e) in self.table.iter() {
            e.ring_mark.store(false, Ordering::Relaxed);
        }
        let (table, hasher) = (&self.table, self.hasher);
        self.ring.retain(|k| {
            find(table, hasher, k).is_some_and(|e| !e.ring_mark.swap(true, Ordering::Relaxed))
        });
        self.hand = 0;
    }

    /// Forgets `key`.
    pub fn remove(&mut self, key: &[u8]) {
        self.epoch += 1;
        self.take(key);
    }

    /// Takes `key`'s entry, if any, out of the table and the budget, and
    /// keeps it for [`Map::take_released`]. Out of line: one copy of
    /// hashbrown's removal for every caller.
    #[inline(never)]
    fn take(&mut self, key: &[u8]) {
        let hash = self.hasher.hash_one(key);
        if let Ok(found) = self.table.find_entry(hash, |(k, _)| **k == *key) {
            let ((_, e), _) = found.remove();
            self.release(e);
        }
    }

    /// Forgets `dir` and everything below it (`dir/...`); an empty `dir` is the root: everything.
    pub fn remove_tree(&mut self, dir: &[u8]) {
        self.epoch += 1;
        let all = dir.is_empty();
        let inside =
            |k: &[u8]| k.starts_with(dir) && (all || k.len() == dir.len() || k[dir.len()] == b'/');
        for (_, e) in self.table.extract_if(|(k, _)| inside(k)) {
            self.bytes -= e.cost;
            self.released.push(e);
        }
        if all {
            self.ring.clear();
            self.hand = 0;
        }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.remove_tree(b"");
    }

    /// The entry for `key`, not marked.
    fn find(&self, key: &[u8]) -> Option<&Arc<Entry>> {
        find(&self.table, self.hasher, key)
    }
}

/// `key`'s entry in `table`, whose keys `hasher` hashed: the one search of the table.
fn find<'a>(
    table: &'a HashTable<(Box<[u8]>, Arc<Entry>)>,
    hasher: KeyedHash,
    key: &[u8],
) -> Option<&'a Arc<Entry>> {
    let hash = hasher.hash_one(key);
    table.find(hash, |(k, _)| **k == *key).map(|(_, e)| e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::entry::Found;

    fn entry(size: usize) -> Arc<Entry> {
        // The key's length stands in for any size: it only adds to the cost.
        Entry::new(
            Found::missing(),
            &crate::http::response::NO_SITE_HEADERS,
            Default::default(),
            &alloc::vec![b'k'; size],
            0,
        )
    }

    fn map(max_bytes: usize, max_entries: usize) -> Map {
        Map::new(KeyedHash::with_seed([7, 9]), max_bytes, max_entries)
    }

    #[test]
    fn get_after_insert_and_remove() {
        let mut m = map(1 << 20, 100);
        assert!(m.insert(b"a", entry(10), m.epoch()));
        assert!(m.get(b"a").is_some());
        assert!(m.get(b"b").is_none());
        m.remove(b"a");
        assert!(m.get(b"a").is_none());
        assert_eq!(m.bytes(), 0);
    }

    #[test]
    fn stale_epoch_is_refused() {
        let mut m = map(1 << 20, 100);
        let before = m.epoch();
        m.remove(b"x");
        assert!(!m.insert(b"a", entry(1), before));
        assert!(m.is_empty());
    }

    #[test]
    fn entry_limit_evicts_unreferenced_first() {
        let mut m = map(1 << 20, 3);
        for k in [b"a", b"b", b"c"] {
            assert!(m.insert(k, entry(1), m.epoch()));
        }
        // All start referenced; a full turn clears them, then "a" goes first.
        assert!(m.insert(b"d", entry(1), m.epoch()));
        assert_eq!(m.len(), 3);
        assert!(m.get(b"a").is_none());
        // "b" is used again, so "c" is the next victim.
        m.get(b"b");
        assert!(m.insert(b"e", entry(1), m.epoch()));
        assert!(m.get(b"b").is_some());
        assert!(m.get(b"c").is_none());
        assert_eq!(m.evictions, 2);
    }

    #[test]
    fn byte_budget_is_never_exceeded() {
        let one = entry(1000).cost;
        let mut m = map(one * 5, 1000);
        for i in 0..100u32 {
            assert!(m.insert(&i.to_le_bytes(), entry(1000), m.epoch()));
            assert!(m.bytes() <= one * 5);
            assert!(m.len() <= 5);
        }
        assert!(!m.insert(b"huge", entry(one * 6), m.epoch()));
    }

    #[test]
    fn remove_tree_takes_the_directory_and_below_only() {
        let mut m = map(1 << 20, 100);
        for k in [&b"a"[..], b"a/", b"a/b", b"a/b/c", b"ab", b"ab/c", b"z"] {
            assert!(m.insert(k, entry(1), m.epoch()));
        }
        m.remove_tree(b"a");
        let left: Vec<&[u8]> = [&b"a"[..], b"a/", b"a/b", b"a/b/c", b"ab", b"ab/c", b"z"]
            .into_iter()
            .filter(|k| m.get(k).is_some())
            .collect();
        assert_eq!(left, [&b"ab"[..], b"ab/c", b"z"]);
        m.remove_tree(b"");
        assert!(m.is_empty());
        assert_eq!(m.bytes(), 0);
    }

    #[test]
    fn entries_leaving_the_map_live_until_the_caller_drops_them() {
        type Op = fn(&mut Map);
        let ops: [(&str, Op); 5] = [
            ("replaced", |m| assert!(m.insert(b"a", entry(1), m.epoch()))),
            ("evicted", |m| assert!(m.insert(b"b", entry(1), m.epoch()))),
            ("removed", |m| m.remove(b"a")),
            ("removed with its tree", |m| m.remove_tree(b"a")),
            ("cleared", Map::clear),
        ];
        for (what, op) in ops {
            let mut m = map(1 << 20, 1);
            let e = entry(1);
            let weak = Arc::downgrade(&e);
            assert!(m.insert(b"a", e, m.epoch()));
            op(&mut m);
            // The map no longer has it, but the munmap or close of its last
            // reference must wait until the caller has let the lock go.
            assert!(weak.upgrade().is_some(), "{what}: dropped under the lock");
            let released = m.take_released();
            assert_eq!(released.len(), 1, "{what}");
            drop(released);
            assert!(weak.upgrade().is_none(), "{what}: still held");
            assert!(m.take_released().is_empty(), "{what}");
        }
    }

    #[test]
    fn churn_keeps_the_ring_bounded() {
        let mut m = map(1 << 20, 1000);
        for _ in 0..10_000 {
            assert!(m.insert(b"same", entry(1), m.epoch()));
            m.remove(b"same");
        }
        assert!(m.ring.len() <= 2 * m.len() + 65);
    }

    #[test]
    fn replacing_keeps_the_ring_bounded_and_in_order() {
        let mut m = map(1 << 20, 1000);
        for k in [b"a", b"b", b"c"] {
            assert!(m.insert(k, entry(1), m.epoch()));
        }
        m.remove(b"b");
        for _ in 0..10_000 {
            assert!(m.insert(b"c", entry(1), m.epoch()));
            assert!(m.insert(b"a", entry(1), m.epoch()));
        }
        // A replaced entry leaves the table and the budget: one entry per key.
        assert_eq!((m.len(), m.bytes()), (2, 2 * entry(1).cost));
        assert!(m.ring.len() <= 2 * m.len() + 65);
        m.compact_ring();
        let ring: Vec<&[u8]> = m.ring.iter().map(|k| &k[..]).collect();
        assert_eq!(ring, [&b"a"[..], b"c"]);
    }
}
