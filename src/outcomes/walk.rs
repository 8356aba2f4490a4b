//! Walking a repository's history: the mainline (first-parent chain from the tip, newest
//! first) and, for each merge, the commits it brought in — `M^1..M^2` (and `M^3…` of an
//! octopus), what its other parents reach and its first parent does not. Every commit is
//! read once and decoded ([`Decoder`]: classified, markers found) on all threads.
//!
//! The shape of the history — each commit's parents — comes from git's commit-graph
//! ([`super::graph`]) when the repository has one, else from the commits at the front of the
//! packs, read ahead on every thread ([`super::scan`]); either way the mainline is followed
//! without waiting on one read after another. Each merge then collects what its other
//! parents reach without passing through the mainline; oldest merge first, each commit goes
//! to the first merge that reached it. That is the same set as `M^1..M^2`: whatever the first
//! parent reaches off the mainline, an older merge reached first. Commits the shape lacks
//! (newer than the graph, loose) are read by name on the way.

use std::ops::Range;

use anyhow::{Context, Result};
use foldhash::{HashMap, HashSet};
use git2::Oid;
use rayon::prelude::*;

use super::git::{self, History, RawCommit, Reader};
use super::graph::Graph;
use super::pack::Location;
use super::patterns::{Class, Patterns, PrRef};
use super::scan::Scan;
use super::{Commit, CommitKind, commit_of};
use crate::ingest::Text;

/// A mainline commit decoded, with the PR its message names.
pub struct Mainlined {
    pub commit: Commit,
    pub pr: Option<PrRef>,
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
    /// Whether git's commit-graph gave the shape, for `-vv`.
    pub with_graph: bool,
    /// Otherwise how many commits were read ahead from the packs ([`Scan`]), for `-vv`.
    pub read_ahead: u64,
}

/// Turns read commits into [`Commit`]s.
pub struct Decoder<'a> {
    pub id: &'a Text,
    pub patterns: &'a Patterns,
}

impl Decoder<'_> {
    pub fn mainline(&self, raw: RawCommit<'_>) -> Mainlined {
        let parents = raw.parents;
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
        Some(graph) => walk_shape(history, graph, tip, decoder),
        None => walk_shape(history, &Scan::read(history), tip, decoder),
    }
}

fn open_error(e: &mut git2::Error) -> anyhow::Error {
    anyhow::anyhow!("opening the repository again: {e}")
}

/// Where the walk learns the shape of a history without reading commits one by one: git's
/// commit-graph, or the commits read ahead from the packs ([`Scan`]). Commits are numbered
/// by position; a parent the shape does not have is named ([`Node::Object`]) and read when
/// the walk reaches it.
pub trait Shape: Sync {
    /// What is wrong when the shape contradicts itself, for error messages.
    const INCONSISTENT: &'static str;
    /// Whether this is git's commit-graph (for `-vv`).
    const GRAPH: bool;
    /// How many positions there are.
    fn commits(&self) -> u32;
    /// The position of a commit, if the shape has it.
    fn position(&self, oid: Oid) -> Option<u32>;
    fn oid(&self, pos: u32) -> Option<Oid>;
    /// The parents of the commit at `pos`, in order, each given to `each`; `None` if the
    /// shape is inconsistent.
    fn parents(&self, pos: u32, each: impl FnMut(Node)) -> Option<()>;
    /// The commit object at `pos` from its `author` line on, and how many parents it has,
    /// when the shape holds it (else it is read from the packs).
    fn object(&self, pos: u32) -> Option<(&[u8], usize)>;
}

impl Shape for Graph {
    const INCONSISTENT: &'static str = "the commit-graph is inconsistent";
    const GRAPH: bool = true;

    fn commits(&self) -> u32 {
        Graph::commits(self)
    }

    fn position(&self, oid: Oid) -> Option<u32> {
        Graph::position(self, oid)
    }

    fn oid(&self, pos: u32) -> Option<Oid> {
        Graph::oid(self, pos)
    }

    fn parents(&self, pos: u32, mut each: impl FnMut(Node)) -> Option<()> {
        Graph::parents(self, pos, |p| each(Node::At(p)))
    }

    fn object(&self, _: u32) -> Option<(&[u8], usize)> {
        None
    }
}

/// The walk, on either shape: the mainline from the shape (reads only for commits it does
/// not have), then what each merge brought in found on one thread while the others decode
/// the mainline commits, then every merged commit decoded in parallel.
fn walk_shape<S: Shape>(history: &History, shape: &S, tip: Oid, decoder: &Decoder) -> Result<Walk> {
    let mut reader = history.reader()?;
    let topology = Topology::mainline(shape, history, &mut reader, tip)?;
    let chain = topology.chain.len();

    // Every commit is decoded straight into one vector: the mainline first (while one thread
    // finds what each merge brought in and where those commits are in the packs), then the
    // merged commits after it. Room for all is reserved up front, as many as the shape holds
    // (address space only until written), so the second part needs no copy of the first.
    let mut commits: Vec<Result<Option<Commit>>> = Vec::new();
    if commits.try_reserve(shape.commits() as usize).is_err() {
        commits.reserve(chain);
    }
    let mut read = (commits, Vec::<Option<PrRef>>::with_capacity(chain));
    let (members, mainline) = rayon::join(
        || -> Result<_> {
            let (flat, missing, fetched) = topology.members(&mut reader)?;
            let mut items = (flat.iter())
                .map(|&(_, node)| topology.item(node))
                .collect::<Result<Vec<_>>>()?;
            locate(history, &mut items);
            Ok((flat, missing, items, fetched))
        },
        || -> Result<()> {
            let mut items = (topology.chain.iter())
                .map(|&node| topology.item(node))
                .collect::<Result<Vec<_>>>()?;
            locate(history, &mut items);
            let decoded = read_each(history, &items, |reader, (oid, source)| {
                let raw = source
                    .read(shape, &topology.fetched, reader, *oid)
                    .with_context(|| format!("reading mainline commit {oid}"))?;
                Ok(decoder.mainline(raw))
            });
            read.par_extend(decoded.map(|m| match m {
                Ok(Mainlined { commit, pr }) => (Ok(Some(commit)), pr),
                Err(e) => (Err(e), None),
            }));
            Ok(())
        },
    );
    mainline?;
    let (flat, missing, items, fetched) = members?;
    let (mut commits, prs) = read;
    commits.par_extend(read_each(history, &items, |reader, (oid, source)| {
        match source.read(shape, &fetched, reader, *oid) {
            Ok(raw) => Ok(Some(decoder.branch(raw))),
            // in the graph, gone from the object database: counted as missing
            Err(e) if git::is_missing(&e) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading commit {oid}")),
        }
    }));
    // each merge's commits are together in `flat`; only a merge has members
    let mut merged: Vec<Option<Merged>> = (0..chain)
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
    let mut kept = chain;
    for (((at, _), (oid, _)), commit) in flat.into_iter().zip(items).zip(&commits[chain..]) {
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
        with_graph: S::GRAPH,
        read_ahead: match S::GRAPH {
            true => 0,
            false => u64::from(shape.commits()),
        },
    })
}

/// A commit a merge reached: (the merge's place on the mainline, the commit).
type Member = (usize, Oid);

/// A commit on the walk: its position in the shape, or its name when the shape does not
/// have it (a commit newer than the commit-graph, a loose one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    At(u32),
    Object(Oid),
}

/// Commit objects the walk read by name (the shape lacks them), kept to be decoded.
#[derive(Default)]
struct Fetched {
    at: HashMap<Oid, Range<usize>>,
    bytes: Vec<u8>,
    buf: Vec<u8>,
}

impl Fetched {
    /// Reads the commit `oid` and its parents into `out` (as nodes of `shape`); `false` when
    /// it is missing.
    fn read<S: Shape>(
        &mut self,
        shape: &S,
        history: &History,
        reader: &mut Reader,
        oid: Oid,
        out: &mut Vec<Node>,
    ) -> Result<bool> {
        let mut parents = Vec::new();
        match reader.bytes(oid, &mut self.buf) {
            Ok(()) => {
                history.parents_into(oid, &self.buf, &mut parents);
            }
            Err(e) if git::is_missing(&e) => return Ok(false),
            Err(e) => return Err(e).context("reading a commit"),
        }
        let start = self.bytes.len();
        self.bytes.extend_from_slice(&self.buf);
        self.at.insert(oid, start..self.bytes.len());
        out.extend(parents.into_iter().map(|p| node(shape, p)));
        Ok(true)
    }

    fn get(&self, oid: Oid) -> Option<&[u8]> {
        self.bytes.get(self.at.get(&oid)?.clone())
    }
}

fn node<S: Shape>(shape: &S, oid: Oid) -> Node {
    shape.position(oid).map_or(Node::Object(oid), Node::At)
}

/// Where a commit to decode is.
enum Source {
    /// Held by the shape, at this position.
    Held(u32),
    /// Read by name during the walk ([`Fetched`]).
    Fetched,
    /// In the packs (where, once [`locate`] found it) or to be read through libgit2.
    Pack(Option<Location>),
}

impl Source {
    fn read<'a, S: Shape>(
        &self,
        shape: &'a S,
        fetched: &'a Fetched,
        reader: &'a mut Reader,
        oid: Oid,
    ) -> Result<RawCommit<'a>, git2::Error> {
        // what the walk kept is always there; were it not, the commit is read again
        match *self {
            Source::Held(pos) => match shape.object(pos) {
                Some((rest, parents)) => {
                    let mut raw = reader.history().parse(oid, rest)?;
                    raw.parents = parents;
                    Ok(raw)
                }
                None => reader.read_at(oid, None),
            },
            Source::Fetched => match fetched.get(oid) {
                Some(data) => reader.history().parse(oid, data),
                None => reader.read_at(oid, None),
            },
            Source::Pack(at) => reader.read_at(oid, at),
        }
    }
}

/// The shape of the history: the mainline and the other parents of its merges, as
/// positions — a commit's name is looked up only when it is needed, so stepping from a
/// commit to its first parent reads nothing but the parents' positions.
struct Topology<'s, S> {
    shape: &'s S,
    history: &'s History,
    /// The mainline, newest first.
    chain: Vec<Node>,
    /// The second and later parents of mainline commits: (place on the mainline, parent),
    /// in mainline order, each commit's parents in their order.
    others: Vec<(usize, Node)>,
    /// Whether the mainline ended at a missing parent.
    cut: bool,
    /// The mainline commits the shape lacks.
    fetched: Fetched,
}

impl<'s, S: Shape> Topology<'s, S> {
    fn mainline(
        shape: &'s S,
        history: &'s History,
        reader: &mut Reader,
        tip: Oid,
    ) -> Result<Topology<'s, S>> {
        let mut t = Topology {
            shape,
            history,
            chain: Vec::new(),
            others: Vec::new(),
            cut: false,
            fetched: Fetched::default(),
        };
        let mut parents: Vec<Node> = Vec::new();
        let mut next = Some(node(shape, tip));
        // a position can be on the chain once: more steps than the shape has commits means
        // a damaged file whose parents loop
        let mut steps = 0u32;
        while let Some(at) = next {
            parents.clear();
            let found = match at {
                Node::At(pos) => {
                    steps += 1;
                    anyhow::ensure!(
                        steps <= shape.commits(),
                        "{}: its first parents loop",
                        S::INCONSISTENT
                    );
                    (shape.parents(pos, |p| parents.push(p))).context(S::INCONSISTENT)?;
                    true
                }
                Node::Object(oid) => {
                    anyhow::ensure!(
                        t.fetched.get(oid).is_none(),
                        "the object database is damaged: the first parents of {oid} loop"
                    );
                    t.fetched.read(shape, history, reader, oid, &mut parents)?
                }
            };
            if !found {
                match at {
                    Node::Object(oid) if t.chain.is_empty() => {
                        anyhow::bail!("the mainline tip {oid} is missing")
                    }
                    _ => {
                        t.cut = true;
                        break;
                    }
                }
            }
            let place = t.chain.len();
            t.chain.push(at);
            next = parents.first().copied();
            (t.others).extend(parents.iter().skip(1).map(|&parent| (place, parent)));
        }
        Ok(t)
    }

    fn oid(&self, node: Node) -> Result<Oid> {
        match node {
            Node::At(pos) => (self.shape.oid(pos)).context(S::INCONSISTENT),
            Node::Object(oid) => Ok(oid),
        }
    }

    /// The commit at `node` to decode, and where it is (packs not yet located).
    fn item(&self, node: Node) -> Result<(Oid, Source)> {
        let source = match node {
            Node::At(pos) if self.shape.object(pos).is_some() => Source::Held(pos),
            Node::At(_) => Source::Pack(None),
            Node::Object(_) => Source::Fetched,
        };
        Ok((self.oid(node)?, source))
    }

    /// Whether the mainline commit at `at` is a merge.
    fn is_merge(&self, at: usize) -> bool {
        let i = self.others.partition_point(|&(a, _)| a < at);
        self.others.get(i).is_some_and(|&(a, _)| a == at)
    }

    /// What each merge brought in — exactly `M^1..M^2` (and `M^3…`) —, oldest merge first,
    /// each merge's commits together: (place of the merge on the mainline, commit); then the
    /// commits found missing, with the merge that reached them; then the commits the shape
    /// lacks, read on the way.
    #[allow(clippy::type_complexity)]
    fn members(&self, reader: &mut Reader) -> Result<(Vec<(usize, Node)>, Vec<Member>, Fetched)> {
        // a bit per position; a set for the commits the shape lacks
        let mut seen_pos = vec![0u64; (self.shape.commits() as usize).div_ceil(64)];
        let mut seen_oid: HashSet<Oid> = HashSet::default();
        let mut first_visit = |node: Node| match node {
            Node::At(pos) => {
                let (word, bit) = (pos as usize / 64, 1u64 << (pos % 64));
                match seen_pos.get_mut(word) {
                    Some(w) => std::mem::replace(w, *w | bit) & bit == 0,
                    // beyond the shape's count: `parents` reports it inconsistent
                    None => true,
                }
            }
            Node::Object(oid) => seen_oid.insert(oid),
        };
        for &node in &self.chain {
            first_visit(node);
        }
        let mut fetched = Fetched::default();
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
                parents.clear();
                let found = match node {
                    Node::At(pos) => {
                        (self.shape.parents(pos, |p| parents.push(p))).context(S::INCONSISTENT)?;
                        true
                    }
                    Node::Object(oid) => {
                        fetched.read(self.shape, self.history, reader, oid, &mut parents)?
                    }
                };
                match found {
                    true => {
                        stack.extend(parents.iter().rev());
                        flat.push((at, node));
                    }
                    false => missing.push((at, self.oid(node)?)),
                }
            }
        }
        Ok((flat, missing, fetched))
    }
}

/// Where each item still to be located is in the packs ([`History::locate_all`], all at
/// once), for [`Reader::read_at`].
fn locate(history: &History, items: &mut [(Oid, Source)]) {
    let todo: Vec<usize> = (items.iter().enumerate())
        .filter(|(_, (_, source))| matches!(source, Source::Pack(None)))
        .map(|(i, _)| i)
        .collect();
    if todo.is_empty() {
        return;
    }
    let oids: Vec<Oid> = todo.iter().map(|&i| items[i].0).collect();
    for (i, at) in todo.into_iter().zip(history.locate_all(&oids)) {
        items[i].1 = Source::Pack(at);
    }
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
    /// read by the tables: its strings share one box (no spare capacity word, one
    /// allocation) and the rarely set fields (`--stats`) are behind a pointer.
    #[test]
    fn commit_records_stay_small() {
        assert!(size_of::<Commit>() <= 144, "{} bytes", size_of::<Commit>());
    }

    /// The sha, author, emails and subject share one allocation and read back as given,
    /// whatever their lengths (empty ones too) and characters.
    #[test]
    fn commit_text_reads_back_each_part() {
        let object = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
             parent 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
             author Zoë Ärger <zoe@example.com> 1700000000 +0100\n\
             committer  <> 1700000001 +0000\n\n\
             Fix ünïcode handling (#12)\n\nbody\n";
        let oid = Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap();
        let raw = git::parse_commit(oid, object.as_bytes()).expect("a commit");
        let c = commit_of(&Text::from("repo"), raw, true, CommitKind::Squash);
        assert_eq!(c.sha(), "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(c.author(), "Zoë Ärger");
        assert_eq!(c.author_email(), "zoe@example.com");
        assert_eq!(c.committer_email(), "");
        assert_eq!(c.subject(), "Fix ünïcode handling (#12)");
        assert_eq!(c.parent_count, 1);
        assert_eq!(
            (c.authored_at, c.committed_at),
            (1_700_000_000_000_000, 1_700_000_001_000_000)
        );
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
        let subjects: Vec<&str> = values.iter().map(|c| c.subject()).collect();
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
