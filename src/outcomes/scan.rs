//! The shape of a history without a commit-graph, read ahead. Without the graph, the
//! mainline could only be read one commit at a time, each naming the next — a chain of
//! dependent reads on one core, the longest step of a walk of a merge-heavy history. But git
//! writes a pack's commits before its trees and blobs
//! ([`Packs::front_chunks`](super::pack::Packs::front_chunks)), so those commits are read
//! here on every thread at once, in pack order, and kept: their parents give the walk its
//! shape ([`Shape`]) and their bytes are decoded later. A commit not held here — loose, a
//! delta the front scan does not look into, beyond a pack's front, in a cruft pack, or
//! unreadable there — is read by name when the walk reaches it. Commits of other branches
//! are read too and then dropped: the price of not knowing the shape in advance.

use std::sync::{Mutex, PoisonError};

use foldhash::HashMap;
use git2::Oid;
use rayon::prelude::*;

use super::git::History;
use super::pack::Entry;
use super::walk::{Node, Shape};

/// Commits read per task.
const CHUNK: usize = 512;

/// The commits at the front of the packs, by position (their order there).
pub struct Scan {
    chunks: Vec<Chunk>,
    /// Each name's position, in [`SHARDS`] maps.
    index: Vec<HashMap<[u8; 20], u32>>,
    count: u32,
}

/// The commits one task read.
#[derive(Default)]
struct Chunk {
    /// The position of its first commit.
    first: u32,
    oids: Vec<Oid>,
    /// Where each commit's object, from its `author` line on, ends in `bytes` (it starts
    /// where the previous one ends).
    ends: Vec<usize>,
    bytes: Vec<u8>,
    /// Where each commit's parents end in `parents` (and `parent_at`).
    parent_ends: Vec<usize>,
    parents: Vec<Oid>,
    /// Each parent's position, [`NOT_HELD`] when the scan does not hold it.
    parent_at: Vec<u32>,
}

impl Chunk {
    /// Reads the commits of `part`, skipping any that cannot be read from the pack (read
    /// by name when reached, which says what is wrong).
    fn read(history: &History, part: &[Entry]) -> Chunk {
        let mut reader = history.pack_reader();
        let entries: Vec<_> = part.iter().filter_map(|&e| history.entry(e)).collect();
        let mut c = Chunk::default();
        c.oids.reserve(entries.len());
        c.ends.reserve(entries.len());
        c.parent_ends.reserve(entries.len());
        c.parents.reserve(entries.len() + entries.len() / 4);
        c.bytes
            .reserve(entries.iter().map(|&(_, _, size)| size).sum::<usize>() + 1);
        for (oid, at, _) in entries {
            let start = c.bytes.len();
            if reader.commit_append(at, oid, &mut c.bytes).is_err() {
                continue;
            }
            let object = c.bytes.get(start..).unwrap_or_default();
            // the tree and parent lines are not kept: the parents are above
            let end = start + history.parents_into(oid, object, &mut c.parents);
            c.bytes.drain(start..end);
            c.parent_ends.push(c.parents.len());
            c.ends.push(c.bytes.len());
            c.oids.push(oid);
        }
        c
    }

    fn range(ends: &[usize], i: usize) -> Option<std::ops::Range<usize>> {
        let start = match i {
            0 => 0,
            _ => *ends.get(i - 1)?,
        };
        Some(start..*ends.get(i)?)
    }
}

impl Scan {
    /// Reads the commits at the front of `history`'s packs on every thread: one thread
    /// finds them, part by part, and each part is read as soon as it is found.
    pub fn read(history: &History) -> Scan {
        let read: Mutex<Vec<(usize, Chunk)>> = Mutex::new(Vec::new());
        rayon::scope(|scope| {
            let mut k = 0;
            history.front_chunks(CHUNK, |part| {
                let read = &read;
                scope.spawn(move |_| {
                    let c = Chunk::read(history, &part);
                    read.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((k, c));
                });
                k += 1;
            });
        });
        let mut chunks = read.into_inner().unwrap_or_else(PoisonError::into_inner);
        chunks.sort_unstable_by_key(|&(k, _)| k);
        let mut chunks: Vec<Chunk> = chunks.into_iter().map(|(_, c)| c).collect();
        let mut count = 0u32;
        for c in &mut chunks {
            c.first = count;
            count = count.saturating_add(u32::try_from(c.oids.len()).unwrap_or(u32::MAX));
        }
        // a commit in two packs is held twice; its name leads to the first. The index is
        // built in shards on every thread, each shard taking the names of its own.
        let index: Vec<HashMap<[u8; 20], u32>> = (0..SHARDS)
            .into_par_iter()
            .map(|shard| {
                let mut index: HashMap<[u8; 20], u32> = HashMap::with_capacity_and_hasher(
                    count as usize / SHARDS + count as usize / (4 * SHARDS),
                    Default::default(),
                );
                for c in &chunks {
                    for (pos, oid) in (c.first..).zip(&c.oids) {
                        if shard_of(oid) == shard {
                            index.entry(key(oid)).or_insert(pos);
                        }
                    }
                }
                index
            })
            .collect();
        let mut scan = Scan {
            chunks: Vec::new(),
            index,
            count,
        };
        // each parent as a position, once for all
        chunks.par_iter_mut().for_each(|c| {
            c.parent_at = (c.parents.iter())
                .map(|p| scan.position(*p).unwrap_or(NOT_HELD))
                .collect();
        });
        scan.chunks = chunks;
        scan
    }

    /// The chunk holding `pos`, and its place there.
    fn at(&self, pos: u32) -> Option<(&Chunk, usize)> {
        let i = (self.chunks.partition_point(|c| c.first <= pos)).checked_sub(1)?;
        let c = self.chunks.get(i)?;
        let local = (pos - c.first) as usize;
        (local < c.oids.len()).then_some((c, local))
    }
}

/// How many hash maps the index of names is split into, by a name's first byte.
const SHARDS: usize = 16;

/// A name as the index's key: its bytes, compared inline (comparing `Oid`s calls into
/// libgit2).
fn key(oid: &Oid) -> [u8; 20] {
    oid.as_bytes().try_into().unwrap_or_default()
}

fn shard_of(oid: &Oid) -> usize {
    oid.as_bytes()
        .first()
        .map_or(0, |&b| usize::from(b) % SHARDS)
}

/// A parent's position when the scan does not hold it.
const NOT_HELD: u32 = u32::MAX;

impl Shape for Scan {
    const INCONSISTENT: &'static str = "a pack is inconsistent";
    const GRAPH: bool = false;

    fn commits(&self) -> u32 {
        self.count
    }

    fn position(&self, oid: Oid) -> Option<u32> {
        self.index.get(shard_of(&oid))?.get(&key(&oid)).copied()
    }

    fn oid(&self, pos: u32) -> Option<Oid> {
        let (c, i) = self.at(pos)?;
        c.oids.get(i).copied()
    }

    fn parents(&self, pos: u32, mut each: impl FnMut(Node)) -> Option<()> {
        let (c, i) = self.at(pos)?;
        let range = Chunk::range(&c.parent_ends, i)?;
        let names = c.parents.get(range.clone())?;
        for (&pos, &name) in c.parent_at.get(range)?.iter().zip(names) {
            each(match pos {
                NOT_HELD => Node::Object(name),
                _ => Node::At(pos),
            });
        }
        Some(())
    }

    fn object(&self, pos: u32) -> Option<(&[u8], usize)> {
        let (c, i) = self.at(pos)?;
        let parents = Chunk::range(&c.parent_ends, i)?.len();
        Some((c.bytes.get(Chunk::range(&c.ends, i)?)?, parents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::git::Repo;
    use crate::outcomes::pack::tests::repacked_repo;
    use crate::outcomes::test_git as git;

    /// Every commit of a repacked history is held, with the bytes (from the `author` line on)
    /// and parents libgit2 reads;
    /// a loose commit on top is not, and its parent is found by name.
    #[test]
    fn every_packed_commit_is_held_as_libgit2_reads_it() {
        let dir = repacked_repo();
        let d = dir.path();
        git(d, &["commit", "-q", "--allow-empty", "-m", "loose"]);
        let repo = Repo::open(d).unwrap();
        let history = repo.history();
        let scan = Scan::read(&history);
        assert_eq!(scan.commits(), 301);
        let lib = git2::Repository::open(d).unwrap();
        let odb = lib.odb().unwrap();
        for line in git(d, &["rev-list", "--all"]).lines() {
            let oid = Oid::from_str(line).unwrap();
            let commit = lib.find_commit(oid).unwrap();
            let Some(pos) = scan.position(oid) else {
                assert_eq!(commit.summary().unwrap(), Some("loose"));
                continue;
            };
            assert_eq!(scan.oid(pos), Some(oid));
            let object = odb.read(oid).unwrap();
            let (held, parents) = scan.object(pos).unwrap();
            assert!(held.starts_with(b"author "), "{oid}");
            assert!(object.data().ends_with(held), "{oid}");
            assert_eq!(parents, commit.parent_count(), "{oid}");
            let mut parents = Vec::new();
            scan.parents(pos, |n| parents.push(n)).unwrap();
            let want: Vec<Node> = (commit.parent_ids())
                .map(|p| scan.position(p).map_or(Node::Object(p), Node::At))
                .collect();
            assert_eq!(parents, want, "{oid}");
        }
        assert_eq!(scan.oid(301), None);
        assert_eq!(scan.object(301), None);
    }
}
