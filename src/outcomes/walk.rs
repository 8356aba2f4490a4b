//! Walking a repository's history: the mainline (first-parent chain from the tip, newest
//! first) and, for each merge, the commits it brought in — `M^1..M^2` (and `M^3…` of an
//! octopus), what its other parents reach and its first parent does not. Every commit is
//! read once and decoded ([`Decoder`]: classified, markers found) on all threads.
//!
//! Two strategies with the same result. With git's commit-graph ([`super::graph`]) the shape
//! of the history is known without reading a commit, so all of them are then read in
//! parallel. Without it the mainline must be read one commit at a time (each names the
//! next): one thread reads while another decodes, then the merged commits are read in
//! parallel, each merge collecting what its other parents reach without passing through the
//! mainline; oldest merge first, each commit then goes to the first merge that reached it.
//! That is the same set as `M^1..M^2`: whatever the first parent reaches off the mainline,
//! an older merge reached first.

use std::ops::Range;

use anyhow::{Context, Result};
use foldhash::HashSet;
use git2::Oid;
use rayon::prelude::*;

use super::git::{self, History, RawCommit, Reader};
use super::graph::Graph;
use super::pack::Location;
use super::patterns::{Class, Patterns, PrRef};
use super::{Commit, CommitKind, commit_of};
use crate::ingest::Text;

/// A mainline commit decoded, with the PR its message names and its other parents.
pub struct Mainlined {
    pub oid: Oid,
    pub commit: Commit,
    pub pr: Option<PrRef>,
    pub others: Vec<Oid>,
}

/// What a merge brought in: its commits (a range of [`Walk::commits`]) and the objects found
/// missing.
pub struct Merged {
    pub range: Range<usize>,
    pub missing: Vec<Oid>,
}

/// What the walk knows of a mainline commit besides the commit itself.
pub struct Landed {
    /// The PR its message names.
    pub pr: Option<PrRef>,
    /// What a merge brought in; `None` for other commits.
    pub merged: Option<Merged>,
}

/// The walked history.
pub struct Walk {
    /// Every commit read: the mainline, newest first, then the commits merges brought in,
    /// oldest merge first, each merge's together.
    pub commits: Vec<Commit>,
    /// Per mainline commit, in the same order (the first `landed.len()` of `commits`).
    pub landed: Vec<Landed>,
    /// Whether the mainline ended at a missing parent (shallow or damaged clone).
    pub cut: bool,
    /// Which strategy ran, for `-vv`.
    pub with_graph: bool,
}

/// Turns read commits into [`Commit`]s.
pub struct Decoder<'a> {
    pub id: &'a Text,
    pub patterns: &'a Patterns,
}

impl Decoder<'_> {
    pub fn mainline(&self, raw: RawCommit<'_>) -> Mainlined {
        let parents = raw.parents.len();
        let class = self.patterns.classify(&raw.message, parents);
        let kind = match (&class, parents) {
            (Class::Pr(_), 2..) => CommitKind::Merge,
            (Class::Pr(_), _) => CommitKind::Squash,
            (Class::NonPrMerge, _) => CommitKind::NonPrMerge,
            (Class::Direct, _) => CommitKind::Direct,
        };
        let pr = match class {
            Class::Pr(r) => Some(r),
            _ => None,
        };
        Mainlined {
            oid: raw.oid,
            others: raw.parents.get(1..).unwrap_or_default().to_vec(),
            commit: commit_of(self.id, raw, true, kind),
            pr,
        }
    }

    fn branch(&self, raw: RawCommit<'_>) -> Commit {
        commit_of(self.id, raw, false, CommitKind::Branch)
    }
}

/// Walks the history from `tip`.
pub fn walk(history: &History, tip: Oid, decoder: &Decoder) -> Result<Walk> {
    match history.graph() {
        Some(graph) => with_graph(history, graph, tip, decoder),
        None => without_graph(history, tip, decoder),
    }
}

fn open_error(e: &mut git2::Error) -> anyhow::Error {
    anyhow::anyhow!("opening the repository again: {e}")
}

/// Mainline commit objects read but not yet decoded: each object's bytes are a range of one
/// buffer.
#[derive(Default)]
struct Batch {
    objects: Vec<(Oid, Range<usize>)>,
    bytes: Vec<u8>,
}

/// A mainline commit decoded, apart from the commit itself: the PR its message names and
/// its other parents.
type Line = (Option<PrRef>, Vec<Oid>);

/// The strategy for a repository without a commit-graph.
fn without_graph(history: &History, tip: Oid, decoder: &Decoder) -> Result<Walk> {
    let mut reader = history.reader()?;
    // Every commit is decoded straight into one vector, the mainline first, the merged
    // commits after it. How many there are is only known at the end; the packs' object count
    // bounds it, so that much room is reserved (address space only until written) and
    // neither part is copied when the vector would otherwise grow.
    let mut commits: Vec<Result<Option<Commit>>> = Vec::new();
    let _ = commits.try_reserve(history.packed_objects());
    let mut on_mainline: HashSet<Oid> = HashSet::default();
    let mut lines: Vec<Line> = Vec::new();
    let mut take = |m: Mainlined, commits: &mut Vec<Result<Option<Commit>>>| {
        on_mainline.insert(m.oid);
        commits.push(Ok(Some(m.commit)));
        lines.push((m.pr, m.others));
    };
    let cut = if rayon::current_num_threads() > 1 {
        std::thread::scope(|scope| -> Result<bool> {
            // batches of commit objects, one buffer each, go to the decoder and come back
            // emptied to be filled again
            let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(16);
            let (back, returned) = std::sync::mpsc::channel::<Batch>();
            let commits = &mut commits;
            let take = &mut take;
            let decoding = scope.spawn(move || -> Result<()> {
                for mut batch in rx {
                    for (oid, at) in batch.objects.drain(..) {
                        let data = batch.bytes.get(at).unwrap_or_default();
                        take(decoder.mainline(history.parse(oid, data)?), commits);
                    }
                    batch.bytes.clear();
                    // the reader may be done already
                    let _ = back.send(batch);
                }
                Ok(())
            });
            let mut batch = Batch::default();
            let cut = reader.mainline(tip, |oid, data| {
                let start = batch.bytes.len();
                batch.bytes.extend_from_slice(data);
                batch.objects.push((oid, start..batch.bytes.len()));
                if batch.objects.len() == 256 {
                    let next = returned.try_recv().unwrap_or_default();
                    // the decoder only stops early on an error, which `join` returns
                    let _ = tx.send(std::mem::replace(&mut batch, next));
                }
            });
            let _ = tx.send(batch);
            drop(tx);
            decoding
                .join()
                .map_err(|_| anyhow::anyhow!("decoding the mainline failed"))??;
            cut
        })?
    } else {
        let mut bad = None;
        let cut = reader.mainline(tip, |oid, data| match history.parse(oid, data) {
            Ok(raw) => take(decoder.mainline(raw), &mut commits),
            Err(e) => bad = bad.take().or(Some(e)),
        })?;
        if let Some(e) = bad {
            return Err(e).context("reading a mainline commit");
        }
        cut
    };
    let chain = lines.len();

    // what each merge reached, read in parallel; its objects are kept to be decoded below
    let mut reached: Vec<Option<git::Reached>> = (lines.par_iter())
        .map_init(
            || history.reader(),
            |reader, (_, others)| -> Result<_> {
                if others.is_empty() {
                    return Ok(None);
                }
                let reader = reader.as_mut().map_err(open_error)?;
                Ok(Some(reader.reach(others, &on_mainline)?))
            },
        )
        .collect::<Result<_>>()?;

    // oldest merge first, each commit to the first merge that reached it
    let total: usize = reached.iter().flatten().map(|r| r.commits.len()).sum();
    let mut seen = on_mainline;
    seen.reserve(total);
    let mut flat: Vec<(usize, Oid, Range<usize>)> = Vec::with_capacity(total);
    let mut merged: Vec<Option<Merged>> = Vec::with_capacity(chain);
    merged.resize_with(chain, || None);
    let mut kept = chain;
    for (pos, r) in reached.iter_mut().enumerate().rev() {
        let Some(r) = r else { continue };
        let start = kept;
        for (oid, at) in &r.commits {
            if seen.insert(*oid) {
                flat.push((pos, *oid, at.clone()));
                kept += 1;
            }
        }
        merged[pos] = Some(Merged {
            range: start..kept,
            missing: std::mem::take(&mut r.missing),
        });
    }
    drop(seen);
    // decoded on every thread, each into its place behind the mainline
    commits.par_extend(flat.par_iter().map(|(pos, oid, at)| {
        let data = (reached[*pos].as_ref())
            .and_then(|r| r.bytes.get(at.clone()))
            .unwrap_or_default();
        let raw = history
            .parse(*oid, data)
            .with_context(|| format!("reading commit {oid}"))?;
        Ok(Some(decoder.branch(raw)))
    }));
    drop(reached);
    let landed = (lines.into_iter().zip(merged))
        .map(|((pr, _), merged)| Landed { pr, merged })
        .collect();
    Ok(Walk {
        // in place: the same allocation; the first error in the order read
        commits: super::values_in_place(commits)?,
        landed,
        cut,
        with_graph: false,
    })
}

/// The strategy for a repository with a commit-graph: the mainline from the graph (reads
/// only for commits newer than it), then what each merge brought in found on one thread
/// while the others read the mainline commits, then every merged commit read in parallel.
fn with_graph(history: &History, graph: &Graph, tip: Oid, decoder: &Decoder) -> Result<Walk> {
    let mut reader = history.reader()?;
    let topology = Topology::mainline(graph, &mut reader, tip)?;
    let chain = topology.oids()?;

    // Every commit is decoded straight into one vector: the mainline first (while one thread
    // finds what each merge brought in and where those commits are in the packs), then the
    // merged commits after it. Room for all is reserved up front, as many as the graph holds
    // (address space only until written), so the second part needs no copy of the first.
    let mut commits: Vec<Result<Option<Commit>>> = Vec::new();
    if commits.try_reserve(graph.commits() as usize).is_err() {
        commits.reserve(chain.len());
    }
    let mut read = (commits, Vec::<Option<PrRef>>::with_capacity(chain.len()));
    let (members, ()) = rayon::join(
        || -> Result<_> {
            let (flat, missing) = topology.members(&mut reader)?;
            let items = located(history, flat.iter().map(|(_, oid)| *oid).collect());
            Ok((flat, missing, items))
        },
        || {
            let items = located(history, chain.clone());
            let decoded = read_each(history, &items, |reader, &(oid, at)| {
                let raw = reader
                    .read_at(oid, at)
                    .with_context(|| format!("reading mainline commit {oid}"))?;
                Ok(decoder.mainline(raw))
            });
            read.par_extend(decoded.map(|m| match m {
                Ok(Mainlined { commit, pr, .. }) => (Ok(Some(commit)), pr),
                Err(e) => (Err(e), None),
            }));
        },
    );
    let (flat, missing, items) = members?;
    let (mut commits, prs) = read;
    commits.par_extend(read_each(history, &items, |reader, &(oid, at)| {
        match reader.read_at(oid, at) {
            Ok(raw) => Ok(Some(decoder.branch(raw))),
            // in the graph, gone from the object database: counted as missing
            Err(e) if git::is_missing(&e) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading commit {oid}")),
        }
    }));
    // each merge's commits are together in `flat`; only a merge has members
    let mut merged: Vec<Option<Merged>> = (0..chain.len())
        .map(|at| {
            topology.is_merge(at).then_some(Merged {
                range: 0..0,
                missing: Vec::new(),
            })
        })
        .collect();
    for (at, oid) in missing {
        if let Some(m) = merged[at].as_mut() {
            m.missing.push(oid);
        }
    }
    let mut kept = chain.len();
    for ((at, oid), commit) in flat.into_iter().zip(&commits[chain.len()..]) {
        if let Some(m) = merged[at].as_mut() {
            if m.range.is_empty() {
                m.range = kept..kept;
            }
            match commit {
                Ok(None) => m.missing.push(oid),
                // an error is returned below
                _ => {
                    kept += 1;
                    m.range.end = kept;
                }
            }
        }
    }
    let landed = (prs.into_iter().zip(merged))
        .map(|(pr, merged)| Landed { pr, merged })
        .collect();
    Ok(Walk {
        // in place: the same allocation; the first error in the order read
        commits: super::values_in_place(commits)?,
        landed,
        cut: topology.cut,
        with_graph: true,
    })
}

/// A commit a merge reached: (the merge's place on the mainline, the commit).
type Member = (usize, Oid);

/// A commit on the walk: its position in the commit-graph, or its name when the graph does
/// not have it (a commit newer than the graph).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Graph(u32),
    Object(Oid),
}

/// The shape of the history from the commit-graph: the mainline and the other parents of
/// its merges, as positions — a commit's name is looked up only when it is needed, so
/// stepping from a commit to its first parent reads nothing but the parents' positions.
struct Topology<'g> {
    graph: &'g Graph,
    /// The mainline, newest first.
    chain: Vec<Node>,
    /// The second and later parents of mainline commits: (place on the mainline, parent),
    /// in mainline order, each commit's parents in their order.
    others: Vec<(usize, Node)>,
    /// Whether the mainline ended at a missing parent.
    cut: bool,
}

impl<'g> Topology<'g> {
    fn mainline(graph: &'g Graph, reader: &mut Reader, tip: Oid) -> Result<Topology<'g>> {
        let mut t = Topology {
            graph,
            chain: Vec::new(),
            others: Vec::new(),
            cut: false,
        };
        let mut parents: Vec<Node> = Vec::new();
        let mut next = Some(t.node(tip));
        // a position can be on the chain once: more steps than the graph has commits means
        // a damaged file whose parents loop
        let mut steps = 0u32;
        while let Some(node) = next {
            if let Node::Graph(_) = node {
                steps += 1;
                anyhow::ensure!(
                    steps <= graph.commits(),
                    "the commit-graph is inconsistent: its first parents loop"
                );
            }
            if !t.parents(node, reader, &mut parents)? {
                match node {
                    Node::Object(oid) if t.chain.is_empty() => {
                        anyhow::bail!("the mainline tip {oid} is missing")
                    }
                    _ => {
                        t.cut = true;
                        break;
                    }
                }
            }
            let at = t.chain.len();
            t.chain.push(node);
            next = parents.first().copied();
            (t.others).extend(parents.iter().skip(1).map(|&parent| (at, parent)));
        }
        Ok(t)
    }

    fn node(&self, oid: Oid) -> Node {
        self.graph
            .position(oid)
            .map_or(Node::Object(oid), Node::Graph)
    }

    /// The parents of `node` into `out`; `false` when it is missing (only a commit outside
    /// the graph can be).
    fn parents(&self, node: Node, reader: &mut Reader, out: &mut Vec<Node>) -> Result<bool> {
        out.clear();
        match node {
            Node::Graph(pos) => {
                (self.graph)
                    .parents(pos, |p| out.push(Node::Graph(p)))
                    .context("the commit-graph is inconsistent")?;
                Ok(true)
            }
            Node::Object(oid) => match reader.read(oid) {
                Ok(c) => {
                    out.extend(c.parents.into_iter().map(|p| self.node(p)));
                    Ok(true)
                }
                Err(e) if git::is_missing(&e) => Ok(false),
                Err(e) => Err(e).context("reading a commit"),
            },
        }
    }

    fn oid(&self, node: Node) -> Result<Oid> {
        match node {
            Node::Graph(pos) => (self.graph.oid(pos)).context("the commit-graph is inconsistent"),
            Node::Object(oid) => Ok(oid),
        }
    }

    /// The mainline's names, newest first.
    fn oids(&self) -> Result<Vec<Oid>> {
        self.chain.iter().map(|&n| self.oid(n)).collect()
    }

    /// Whether the mainline commit at `at` is a merge.
    fn is_merge(&self, at: usize) -> bool {
        let i = self.others.partition_point(|&(a, _)| a < at);
        self.others.get(i).is_some_and(|&(a, _)| a == at)
    }

    /// What each merge brought in — exactly `M^1..M^2` (and `M^3…`) —, oldest merge first,
    /// each merge's commits together: (place of the merge on the mainline, commit); then the
    /// commits found missing, with the merge that reached them.
    fn members(&self, reader: &mut Reader) -> Result<(Vec<Member>, Vec<Member>)> {
        // a bit per graph position; a set for the few commits newer than the graph
        let mut seen_pos = vec![0u64; (self.graph.commits() as usize).div_ceil(64)];
        let mut seen_oid: HashSet<Oid> = HashSet::default();
        let mut first_visit = |node: Node| match node {
            Node::Graph(pos) => {
                let (word, bit) = (pos as usize / 64, 1u64 << (pos % 64));
                match seen_pos.get_mut(word) {
                    Some(w) => std::mem::replace(w, *w | bit) & bit == 0,
                    // beyond the graph's count: `parents` reports the file inconsistent
                    None => true,
                }
            }
            Node::Object(oid) => seen_oid.insert(oid),
        };
        for &node in &self.chain {
            first_visit(node);
        }
        let mut flat = Vec::new();
        let mut missing = Vec::new();
        let mut stack: Vec<Node> = Vec::new();
        let mut parents: Vec<Node> = Vec::new();
        // merges oldest first, each one's other parents in order
        let mut rest = &self.others[..];
        while let Some(&(at, _)) = rest.last() {
            let start = rest.partition_point(|&(a, _)| a < at);
            stack.extend(rest[start..].iter().rev().map(|&(_, n)| n));
            rest = &rest[..start];
            while let Some(node) = stack.pop() {
                if !first_visit(node) {
                    continue;
                }
                match self.parents(node, reader, &mut parents)? {
                    true => {
                        stack.extend(parents.iter().rev());
                        flat.push((at, self.oid(node)?));
                    }
                    false => missing.push((at, self.oid(node)?)),
                }
            }
        }
        Ok((flat, missing))
    }
}

/// `oids` with where each is in the packs, for [`Reader::read_at`].
fn located(history: &History, oids: Vec<Oid>) -> Vec<(Oid, Option<Location>)> {
    let at = history.locate_all(&oids);
    oids.into_iter().zip(at).collect()
}

/// Reads and decodes `items` on every thread, one reader per worker: an indexed parallel
/// iterator, so that collecting or extending a vector writes each result straight into its
/// place (no per-worker lists joined afterwards).
fn read_each<'a, I: Sync, T: Send + 'a>(
    history: &'a History,
    items: &'a [I],
    read: impl Fn(&mut Reader, &I) -> Result<T> + Sync + Send + 'a,
) -> impl IndexedParallelIterator<Item = Result<T>> + 'a {
    (items.par_iter()).map_init(
        move || history.reader(),
        move |reader, item| read(reader.as_mut().map_err(open_error)?, item),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk and the PR map turn vectors of `Result`/`Option` records into vectors of the
    /// records in place, keeping the allocation (and the room reserved behind the mainline for
    /// the merged commits); that needs a wrapped record to be no larger than the record.
    #[test]
    fn wrapped_records_are_no_larger() {
        assert_eq!(size_of::<Result<Option<Commit>>>(), size_of::<Commit>());
        assert_eq!(size_of::<Result<Mainlined>>(), size_of::<Mainlined>());
        assert_eq!(
            size_of::<Option<super::super::Pr>>(),
            size_of::<super::super::Pr>()
        );
    }

    /// Every commit read is one of these records, written once, moved by the final sort and
    /// read by the tables: its strings are boxed (no spare capacity word) and the rarely set
    /// fields (`--stats`) behind a pointer.
    #[test]
    fn commit_records_stay_small() {
        assert!(size_of::<Commit>() <= 192, "{} bytes", size_of::<Commit>());
    }

    #[test]
    fn somes_stay_in_their_allocation() {
        let mut slots: Vec<Option<String>> = Vec::with_capacity(10);
        slots.extend([Some("a".into()), None, Some("b".into()), None]);
        let at = slots.as_ptr() as usize;
        let values = super::super::somes_in_place(slots);
        assert_eq!(values, ["a", "b"]);
        assert_eq!(values.as_ptr() as usize, at);
        assert_eq!(values.capacity(), 10);
    }

    /// A damaged commit-graph whose first parents loop (here: the tip is its own parent)
    /// ends the walk with an error instead of walking forever.
    #[test]
    fn a_commit_graph_whose_parents_loop_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let git = |args: &[&str]| crate::outcomes::test_git(d, args);
        git(&["init", "-q", "-b", "main"]);
        for i in 0..3 {
            git(&["commit", "-q", "--allow-empty", "-m", &format!("c{i}")]);
        }
        git(&["commit-graph", "write", "--reachable"]);
        let path = d.join(".git/objects/info/commit-graph");
        let mut bytes = std::fs::read(&path).unwrap();
        let repo = git::Repo::open(d).unwrap();
        let tip = repo.mainline(None).unwrap().tip;
        let pos = Graph::open(&d.join(".git")).unwrap().position(tip).unwrap();
        // the CDAT chunk: 36 bytes per commit, the first parent after the tree's 20
        let chunks = bytes[6] as usize;
        let cdat = (0..chunks)
            .map(|i| 8 + i * 12)
            .find(|&at| &bytes[at..at + 4] == b"CDAT")
            .map(|at| u64::from_be_bytes(bytes[at + 4..at + 12].try_into().unwrap()) as usize)
            .unwrap();
        let at = cdat + pos as usize * 36 + 20;
        bytes[at..at + 4].copy_from_slice(&pos.to_be_bytes());
        std::fs::write(&path, bytes).unwrap();

        let patterns = Patterns::new(&[]).unwrap();
        let id = Text::from("repo");
        let decoder = Decoder {
            id: &id,
            patterns: &patterns,
        };
        let history = repo.history();
        assert!(history.graph().is_some());
        let e = walk(&history, tip, &decoder).err().expect("an error");
        assert!(e.to_string().contains("loop"), "{e}");
    }

    /// A branch commit whose message is `subject`.
    fn commit(subject: &str) -> Commit {
        let object = format!(
            "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
             author A <a@example.com> 1700000000 +0000\n\
             committer A <a@example.com> 1700000000 +0000\n\n{subject}\n"
        );
        let raw = git::parse_commit(Oid::ZERO_SHA1, object.as_bytes()).expect("a commit");
        commit_of(&Text::from("repo"), raw, false, CommitKind::Branch)
    }

    #[test]
    fn values_stay_in_their_allocation_or_the_first_error_is_returned() {
        let mut slots: Vec<Result<Option<Commit>>> = Vec::with_capacity(10);
        slots.extend([Ok(Some(commit("a"))), Ok(None), Ok(Some(commit("b")))]);
        let at = slots.as_ptr() as usize;
        let values = super::super::values_in_place(slots).expect("no error");
        let subjects: Vec<&str> = values.iter().map(|c| &*c.subject).collect();
        assert_eq!(subjects, ["a", "b"]);
        assert_eq!(values.as_ptr() as usize, at);
        assert_eq!(values.capacity(), 10);

        let slots = vec![
            Ok(Some(commit("a"))),
            Err(anyhow::anyhow!("first")),
            Ok(None),
            Err(anyhow::anyhow!("second")),
        ];
        let e = super::super::values_in_place(slots).expect_err("an error");
        assert_eq!(e.to_string(), "first");
    }
}
