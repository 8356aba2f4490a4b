//! git's commit-graph (`objects/info/commit-graph`, or a split chain under
//! `objects/info/commit-graphs/`), read-only: the parents of each commit without inflating
//! the commit. With it the history's shape is known up front, so every commit can then be
//! read in parallel instead of one after another along the mainline. git writes the file
//! during `git gc` (the default `gc.writeCommitGraph`) and `git maintenance`; a repository
//! without one is walked the slower way. Like git, it is not used in a shallow clone or
//! with grafts.
//!
//! Format: git's `Documentation/gitformat-commit-graph.txt`.

use std::path::Path;

use git2::Oid;

use super::pack::Bytes;

const HASH: usize = 20;
const NO_PARENT: u32 = 0x7000_0000;
const EXTRA_EDGES: u32 = 0x8000_0000;
const LAST_EDGE: u32 = 0x8000_0000;

/// One commit-graph file.
struct Layer {
    map: Bytes,
    count: u32,
    /// Positions in the layers below.
    base: u32,
    fanout: usize,
    oids: usize,
    data: usize,
    edges: Option<(usize, usize)>,
}

impl Layer {
    fn open(path: &Path, base: u32) -> Option<Layer> {
        Layer::new(Bytes::map(path)?, base)
    }

    fn new(map: Bytes, base: u32) -> Option<Layer> {
        if map.len() < 8 || &map[..4] != b"CGPH" || map[4] != 1 || map[5] != 1 {
            return None;
        }
        let chunks = map[6] as usize;
        let mut fanout = None;
        let mut oids = None;
        let mut data = None;
        let mut edges = None;
        for i in 0..chunks {
            let at = 8 + i * 12;
            let id = map.get(at..at + 4)?;
            let start = u64::from_be_bytes(map.get(at + 4..at + 12)?.try_into().ok()?);
            let end = u64::from_be_bytes(map.get(at + 16..at + 24)?.try_into().ok()?);
            let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
            if start > end || end > map.len() {
                return None;
            }
            match id {
                b"OIDF" => fanout = Some(start),
                b"OIDL" => oids = Some(start),
                b"CDAT" => data = Some(start),
                b"EDGE" => edges = Some((start, end)),
                _ => {}
            }
        }
        let (fanout, oids, data) = (fanout?, oids?, data?);
        let count = be32(&map, fanout + 255 * 4)?;
        let n = count as usize;
        // every chunk this reader uses lies inside the file
        if map.len() < fanout + 1024 || map.len() < oids + n * HASH || map.len() < data + n * 36 {
            return None;
        }
        Some(Layer {
            map,
            count,
            base,
            fanout,
            oids,
            data,
            edges,
        })
    }

    fn find(&self, oid: &[u8]) -> Option<u32> {
        let first = *oid.first()? as usize;
        let lo = match first {
            0 => 0,
            _ => be32(&self.map, self.fanout + (first - 1) * 4)?,
        };
        let hi = be32(&self.map, self.fanout + first * 4)?.min(self.count);
        let names = (self.map).get(self.oids..self.oids + self.count as usize * HASH)?;
        let at = super::pack::find_name(names, lo as usize, hi as usize, oid)?;
        Some(self.base + u32::try_from(at).ok()?)
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// A repository's commit-graph: one file or a chain of layers, oldest first.
pub struct Graph {
    layers: Vec<Layer>,
}

impl Graph {
    /// Opens the commit-graph of a repository whose git directory is `git_dir`, unless there
    /// is none, it is unreadable, or git would not use it either (shallow clone, grafts).
    pub fn open(git_dir: &Path) -> Option<Graph> {
        if git_dir.join("shallow").exists() || git_dir.join("info/grafts").exists() {
            return None;
        }
        let info = git_dir.join("objects/info");
        if let Some(layer) = Layer::open(&info.join("commit-graph"), 0) {
            return Some(Graph {
                layers: vec![layer],
            });
        }
        let chain = std::fs::read_to_string(info.join("commit-graphs/commit-graph-chain")).ok()?;
        let mut layers: Vec<Layer> = Vec::new();
        for hash in chain.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let base = layers
                .last()
                .map_or(Some(0), |l| l.base.checked_add(l.count))?;
            let path = info.join(format!("commit-graphs/graph-{hash}.graph"));
            // a broken chain: use none of it rather than a wrong part of it
            layers.push(Layer::open(&path, base)?);
        }
        (!layers.is_empty()).then_some(Graph { layers })
    }

    /// A chain of layers held in memory, oldest first, as the files would hold them. For
    /// fuzzing.
    pub fn from_memory(files: Vec<Vec<u8>>) -> Option<Graph> {
        let mut layers: Vec<Layer> = Vec::new();
        for bytes in files {
            let base = layers
                .last()
                .map_or(Some(0), |l| l.base.checked_add(l.count))?;
            layers.push(Layer::new(Bytes::Owned(bytes), base)?);
        }
        (!layers.is_empty()).then_some(Graph { layers })
    }

    /// How many commits the graph lists.
    pub fn commits(&self) -> u32 {
        self.layers
            .last()
            .map_or(0, |l| l.base.saturating_add(l.count))
    }

    /// The position of a commit, if the graph has it (a graph written before the newest
    /// commits lacks them).
    pub fn position(&self, oid: Oid) -> Option<u32> {
        let oid = oid.as_bytes();
        self.layers.iter().rev().find_map(|l| l.find(oid))
    }

    fn layer(&self, pos: u32) -> Option<(&Layer, usize)> {
        let l = self
            .layers
            .iter()
            .find(|l| pos >= l.base && pos - l.base < l.count)?;
        Some((l, (pos - l.base) as usize))
    }

    pub fn oid(&self, pos: u32) -> Option<Oid> {
        let (l, i) = self.layer(pos)?;
        let at = l.oids + i * HASH;
        Oid::from_bytes(l.map.get(at..at + HASH)?).ok()
    }

    /// The parents of the commit at `pos`, in order, as positions, each given to `each`;
    /// `None` if the file is inconsistent.
    pub fn parents(&self, pos: u32, mut each: impl FnMut(u32)) -> Option<()> {
        let (l, i) = self.layer(pos)?;
        let at = l.data + i * 36 + HASH;
        let p1 = be32(&l.map, at)?;
        let p2 = be32(&l.map, at + 4)?;
        if p1 == NO_PARENT {
            return Some(());
        }
        each(p1);
        if p2 == NO_PARENT {
            return Some(());
        }
        if p2 & EXTRA_EDGES == 0 {
            each(p2);
            return Some(());
        }
        // an octopus: the second and later parents are in the extra-edges list
        let (start, end) = l.edges?;
        let mut at = start + (p2 & !EXTRA_EDGES) as usize * 4;
        loop {
            if at + 4 > end {
                return None;
            }
            let v = be32(&l.map, at)?;
            each(v & !LAST_EDGE);
            if v & LAST_EDGE != 0 {
                return Some(());
            }
            at += 4;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::test_git as git;

    /// A history with ordinary merges and an octopus merge of three branches.
    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q"]);
        for i in 0..5 {
            git(
                d,
                &["commit", "-q", "--allow-empty", "-m", &format!("main {i}")],
            );
        }
        for b in ["a", "b", "c"] {
            git(d, &["checkout", "-q", "-b", b, "main~2"]);
            git(d, &["commit", "-q", "--allow-empty", "-m", b]);
        }
        git(d, &["checkout", "-q", "main"]);
        git(d, &["merge", "-q", "--no-ff", "-m", "merge a", "a"]);
        git(d, &["merge", "-q", "--no-ff", "-m", "octopus", "b", "c"]);
        dir
    }

    /// Every commit's parents in the graph equal those in the commit objects.
    fn check(dir: &Path, graph: &Graph) -> usize {
        let repo = git2::Repository::open(dir).unwrap();
        let mut n = 0;
        let mut octopus = false;
        for line in git(dir, &["rev-list", "--all"]).lines() {
            let oid = Oid::from_str(line).unwrap();
            let pos = graph.position(oid).unwrap();
            assert_eq!(graph.oid(pos), Some(oid));
            let mut parents = Vec::new();
            graph.parents(pos, |p| parents.push(p)).unwrap();
            let got: Vec<Oid> = parents.iter().map(|&p| graph.oid(p).unwrap()).collect();
            let want: Vec<Oid> = repo.find_commit(oid).unwrap().parent_ids().collect();
            assert_eq!(got, want, "{oid}");
            octopus |= want.len() == 3;
            n += 1;
        }
        assert!(octopus);
        n
    }

    #[test]
    fn single_file_graph_gives_the_parents() {
        let dir = repo();
        let git_dir = dir.path().join(".git");
        assert!(Graph::open(&git_dir).is_none(), "no graph written yet");
        git(dir.path(), &["commit-graph", "write", "--reachable"]);
        let graph = Graph::open(&git_dir).unwrap();
        assert_eq!(check(dir.path(), &graph), 10);
        // a commit newer than the graph is not in it
        git(
            dir.path(),
            &["commit", "-q", "--allow-empty", "-m", "later"],
        );
        let head = git2::Repository::open(dir.path())
            .unwrap()
            .head()
            .unwrap()
            .target()
            .unwrap();
        assert_eq!(graph.position(head), None);
    }

    #[test]
    fn split_graph_chain_gives_the_parents() {
        let dir = repo();
        let d = dir.path();
        git(
            d,
            &["commit-graph", "write", "--reachable", "--split=no-merge"],
        );
        git(d, &["commit", "-q", "--allow-empty", "-m", "later"]);
        git(d, &["checkout", "-q", "-b", "d", "main~1"]);
        git(d, &["commit", "-q", "--allow-empty", "-m", "d"]);
        git(d, &["checkout", "-q", "main"]);
        git(d, &["merge", "-q", "--no-ff", "-m", "merge d", "d"]);
        git(
            d,
            &["commit-graph", "write", "--reachable", "--split=no-merge"],
        );
        let graph = Graph::open(&d.join(".git")).unwrap();
        assert_eq!(graph.layers.len(), 2);
        assert_eq!(check(d, &graph), 13);
    }

    #[test]
    fn not_used_in_a_shallow_clone() {
        let dir = repo();
        let d = dir.path();
        git(d, &["commit-graph", "write", "--reachable"]);
        std::fs::write(d.join(".git/shallow"), "").unwrap();
        assert!(Graph::open(&d.join(".git")).is_none());
    }
}
