//! Reading a repository with libgit2 (vendored, no network): which branch is the mainline,
//! its first-parent chain, the commits each merge brought in (`M^1..M^2`), git-ai notes, and
//! what a shallow clone is missing. Works on work trees, bare clones and detached HEADs.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use foldhash::HashSet;
use git2::{ErrorCode, Oid, Repository};

use super::graph::Graph;
use super::pack::{Entry, Location, PackReader, Packs};

/// A commit as read from git, its text borrowed from the object's bytes (decoded lossily,
/// copied only where they are not UTF-8: git does not promise UTF-8). What a [`Commit`]
/// keeps is copied from here; the message and the rest are never copied.
///
/// [`Commit`]: super::Commit
#[derive(Debug, Clone)]
pub struct RawCommit<'a> {
    pub oid: Oid,
    /// How many parents it has (who they are comes from the walk's shape).
    pub parents: usize,
    pub author_name: Cow<'a, str>,
    pub author_email: Cow<'a, str>,
    /// Microseconds since the epoch.
    pub authored_at: i64,
    pub committer_name: Cow<'a, str>,
    pub committer_email: Cow<'a, str>,
    pub committed_at: i64,
    pub message: Cow<'a, str>,
}

/// The mainline of a repository and how it was chosen.
#[derive(Debug, Clone)]
pub struct Mainline {
    /// What was walked, e.g. `refs/remotes/origin/main` or `HEAD (detached at 1a2b3c4)`.
    pub reference: String,
    /// The short branch name PRs merge into (`main`), when known.
    pub branch: Option<String>,
    pub tip: Oid,
}

/// An opened repository.
pub struct Repo {
    pub repo: Repository,
    pub path: PathBuf,
}

impl Repo {
    /// Opens a work tree (or a directory inside one) or a bare clone.
    pub fn open(path: &Path) -> Result<Repo> {
        // Like git itself, trust the object database instead of re-hashing every object read;
        // and do not cache commits: a history walk reads each one once. (`--stats` turns the
        // cache back on for its tree diffs.) Set before any reader thread starts.
        git2::opts::strict_hash_verification(false);
        git2::opts::enable_caching(false);
        let repo = Repository::open(path)
            .or_else(|_| Repository::discover(path))
            .with_context(|| format!("--repo {}: not a git repository", path.display()))?;
        Ok(Repo {
            repo,
            path: path.to_path_buf(),
        })
    }

    /// The main work tree and every linked worktree, canonicalized (none for a bare clone
    /// without worktrees).
    pub fn workdirs(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        if let Some(w) = self.repo.workdir() {
            out.push(std::fs::canonicalize(w).unwrap_or_else(|_| w.to_path_buf()));
        }
        if let Ok(names) = self.repo.worktrees() {
            for name in names.iter().flatten().flatten() {
                if let Ok(wt) = self.repo.find_worktree(name) {
                    let p = wt.path();
                    out.push(std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// A short identifier: `owner/name` from the `origin` remote, else the directory name.
    pub fn id(&self) -> String {
        if let Ok(remote) = self.repo.find_remote("origin")
            && let Ok(url) = remote.url()
            && let Some(slug) = remote_slug(url)
        {
            return slug;
        }
        let dir = self.repo.workdir().unwrap_or_else(|| self.repo.path());
        let name = dir
            .components()
            .next_back()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        name.trim_end_matches(".git").to_string()
    }

    /// The URL of the `origin` remote, if any.
    pub fn origin_url(&self) -> Option<String> {
        let remote = self.repo.find_remote("origin").ok()?;
        remote.url().ok().map(str::to_string)
    }

    /// Finds the mainline: `--branch` when given (local branch, then `origin/<branch>`, then
    /// any revision), else `origin/HEAD`, `main`, `master`, `origin/main`, `origin/master`,
    /// and finally HEAD.
    pub fn mainline(&self, branch: Option<&str>) -> Result<Mainline> {
        let r = &self.repo;
        let resolve = |name: &str| -> Option<Oid> {
            r.find_reference(name)
                .ok()
                .and_then(|rf| rf.resolve().ok())
                .and_then(|rf| rf.target())
        };
        if let Some(b) = branch {
            for (name, short) in [
                (format!("refs/heads/{b}"), b.to_string()),
                (format!("refs/remotes/origin/{b}"), b.to_string()),
            ] {
                if let Some(tip) = resolve(&name) {
                    return Ok(Mainline {
                        reference: name,
                        branch: Some(short),
                        tip,
                    });
                }
            }
            let obj = r
                .revparse_single(b)
                .with_context(|| format!("--branch {b}: no such branch or revision"))?;
            let tip = obj
                .peel_to_commit()
                .with_context(|| format!("--branch {b}"))?
                .id();
            return Ok(Mainline {
                reference: b.to_string(),
                branch: Some(b.to_string()),
                tip,
            });
        }
        if let Ok(head) = r.find_reference("refs/remotes/origin/HEAD")
            && let Ok(Some(target)) = head.symbolic_target()
            && let Some(tip) = resolve(target)
        {
            let short = target
                .trim_start_matches("refs/remotes/origin/")
                .to_string();
            return Ok(Mainline {
                reference: target.to_string(),
                branch: Some(short),
                tip,
            });
        }
        for (name, short) in [
            ("refs/heads/main", "main"),
            ("refs/heads/master", "master"),
            ("refs/remotes/origin/main", "main"),
            ("refs/remotes/origin/master", "master"),
        ] {
            if let Some(tip) = resolve(name) {
                return Ok(Mainline {
                    reference: name.to_string(),
                    branch: Some(short.to_string()),
                    tip,
                });
            }
        }
        let head = r
            .head()
            .context("no main or master branch and no HEAD; name the mainline with --branch")?;
        let tip = head
            .target()
            .context("HEAD does not point at a commit; name the mainline with --branch")?;
        let detached = r.head_detached().unwrap_or(false);
        let (reference, branch) = if detached {
            (format!("HEAD (detached at {})", short_sha(tip)), None)
        } else {
            let name = head.shorthand().unwrap_or("HEAD").to_string();
            (format!("HEAD ({name})"), Some(name))
        };
        Ok(Mainline {
            reference,
            branch,
            tip,
        })
    }

    /// What commit readers need; see [`History`].
    pub fn history(&self) -> History {
        // `.git/shallow` lists the commits whose parents a shallow clone does not have
        let shallow = std::fs::read_to_string(self.repo.path().join("shallow"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| Oid::from_str(l.trim()).ok())
            .collect();
        History {
            git_dir: self.repo.path().to_path_buf(),
            shallow,
            packs: Packs::open(&self.repo.path().join("objects")),
            graph: Graph::open(self.repo.path()),
        }
    }

    /// All notes under `refs/notes/ai`    /// All notes under `refs/notes/ai` (git-ai), by annotated commit.
    pub fn ai_notes(&self) -> Result<Vec<(Oid, String)>> {
        let notes = match self.repo.notes(Some("refs/notes/ai")) {
            Ok(n) => n,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).context("reading refs/notes/ai"),
        };
        let mut out = Vec::new();
        for n in notes {
            let (note_blob, commit) = n.context("reading refs/notes/ai")?;
            let Ok(blob) = self.repo.find_blob(note_blob) else {
                continue;
            };
            out.push((commit, String::from_utf8_lossy(blob.content()).into_owned()));
        }
        Ok(out)
    }

    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }
}

/// A repository's commits for readers on several threads: a libgit2 repository handle
/// must not be shared between threads, so each thread opens its own [`Reader`]; the mapped
/// packs are shared.
pub struct History {
    git_dir: PathBuf,
    shallow: HashSet<Oid>,
    packs: Packs,
    graph: Option<Graph>,
}

impl History {
    /// git's commit-graph, when the repository has a usable one.
    pub fn graph(&self) -> Option<&Graph> {
        self.graph.as_ref()
    }

    /// Where each of `oids` is in the packs ([`Packs::locate_all`]), for [`Reader::read_at`].
    pub fn locate_all(&self, oids: &[Oid]) -> Vec<Option<Location>> {
        self.packs.locate_all(oids)
    }

    /// The commits at the front of the packs, in parts ([`Packs::front_chunks`]).
    pub fn front_chunks(&self, size: usize, each: impl FnMut(Vec<Entry>)) {
        self.packs.front_chunks(size, each)
    }

    /// The name and place of an object [`History::front_chunks`] listed, and the size its header
    /// gives.
    pub fn entry(&self, e: Entry) -> Option<(Oid, Location, usize)> {
        self.packs.entry(e)
    }

    /// A pack reader alone, without the fallback to libgit2 of [`Reader`].
    pub fn pack_reader(&self) -> PackReader<'_> {
        self.packs.reader()
    }

    /// The parents of the commit object `data` into `out` (appended): none for a commit on
    /// the shallow boundary, as in git. Returns where the lines they are read from end: the
    /// `tree` line and the `parent` lines after it.
    pub fn parents_into(&self, oid: Oid, data: &[u8], out: &mut Vec<Oid>) -> usize {
        let end = out.len();
        let lines = parent_lines(data, out);
        if self.shallow.contains(&oid) {
            out.truncate(end);
        }
        lines
    }

    /// A reader for one thread. Cheap: libgit2 is only opened when a commit is not in a pack.
    pub fn reader(&self) -> Result<Reader<'_>, git2::Error> {
        Ok(Reader {
            repo: None,
            history: self,
            pack: self.packs.reader(),
            buf: Vec::new(),
        })
    }

    /// Parses a commit object read ahead or by [`Reader::bytes`]. A commit on the shallow
    /// boundary has no parents, as in git.
    pub fn parse<'a>(&self, oid: Oid, data: &'a [u8]) -> Result<RawCommit<'a>, git2::Error> {
        let mut c = parse_commit(oid, data).ok_or_else(|| {
            git2::Error::new(
                ErrorCode::Invalid,
                git2::ErrorClass::Object,
                format!("commit {oid} is malformed"),
            )
        })?;
        if self.shallow.contains(&oid) {
            c.parents = 0;
        }
        Ok(c)
    }
}

/// Reads commits and parses them here. Packed commits come from [`pack`](super::pack), which
/// reads from several threads at once without a lock, anything else from libgit2; libgit2's
/// parsed-object cache and its signature and message copies would be pure overhead for a
/// walk that reads each commit once.
pub struct Reader<'h> {
    repo: Option<Repository>,
    history: &'h History,
    pack: PackReader<'h>,
    buf: Vec<u8>,
}

impl Reader<'_> {
    /// The bytes of a commit object into `out`; `at` is where it is in the packs, if known.
    fn raw(
        &mut self,
        oid: Oid,
        at: Option<Location>,
        out: &mut Vec<u8>,
    ) -> Result<(), git2::Error> {
        let read = match at {
            Some(at) => self.pack.commit_at(at, oid, out),
            None => self.pack.commit(oid, out),
        };
        if read.is_ok() {
            return Ok(());
        }
        // not in a pack this reader maps (or unreadable there): libgit2 decides
        let repo = match &mut self.repo {
            Some(r) => r,
            None => self.repo.insert(Repository::open(&self.history.git_dir)?),
        };
        let odb = repo.odb()?;
        let obj = odb.read(oid)?;
        if obj.kind() != git2::ObjectType::Commit {
            return Err(git2::Error::new(
                ErrorCode::Invalid,
                git2::ErrorClass::Object,
                format!("{oid} is a {}, not a commit", obj.kind()),
            ));
        }
        out.clear();
        out.extend_from_slice(obj.data());
        Ok(())
    }

    /// The history this reader reads.
    pub fn history(&self) -> &History {
        self.history
    }

    /// The bytes of a commit object into `out` (replacing what was there), unparsed.
    pub fn bytes(&mut self, oid: Oid, out: &mut Vec<u8>) -> Result<(), git2::Error> {
        self.raw(oid, None, out)
    }

    /// Reads a commit, with where it is in the packs, if known ([`History::locate_all`]). A
    /// commit on the shallow boundary has no parents, as in git.
    pub fn read_at(
        &mut self,
        oid: Oid,
        at: Option<Location>,
    ) -> Result<RawCommit<'_>, git2::Error> {
        let mut buf = std::mem::take(&mut self.buf);
        let read = self.raw(oid, at, &mut buf);
        self.buf = buf;
        read?;
        self.history.parse(oid, &self.buf)
    }
}

/// The `parent` headers of a commit object into `out` (appended), read as git reads them:
/// the lines right after the `tree` line (a malformed one is skipped here; [`parse_commit`]
/// rejects the commit). Returns where those lines end — the first line's length and theirs,
/// with their newlines; the rest of the object is not looked at.
fn parent_lines(data: &[u8], out: &mut Vec<Oid>) -> usize {
    let Some(first) = memchr::memchr(b'\n', data) else {
        return 0;
    };
    let mut at = first + 1;
    while let Some(hex) = data
        .get(at..)
        .and_then(|rest| rest.strip_prefix(b"parent "))
    {
        let line = memchr::memchr(b'\n', hex).unwrap_or(hex.len());
        out.extend(oid_of_hex(&hex[..line]));
        match line < hex.len() {
            true => at += "parent ".len() + line + 1,
            false => break,
        }
    }
    at
}

/// Parses a commit object: header lines (`tree`, `parent`, `author`, `committer`, then others
/// such as `gpgsig` whose continuation lines start with a space), a blank line, the message.
/// The message keeps git's bytes, decoded lossily (git does not promise UTF-8), without the
/// blank lines libgit2 also strips from its start.
pub fn parse_commit(oid: Oid, data: &[u8]) -> Option<RawCommit<'_>> {
    let mut parents = 0;
    let mut author = None;
    let mut committer = None;
    let mut rest = data;
    loop {
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or_default();
        if line.is_empty() {
            break;
        }
        if let Some(hex) = line.strip_prefix(b"parent ") {
            if hex.len() != 40 || !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            parents += 1;
        } else if let Some(sig) = line.strip_prefix(b"author ") {
            author = Some(parse_signature(sig)?);
        } else if let Some(sig) = line.strip_prefix(b"committer ") {
            committer = Some(parse_signature(sig)?);
        }
        if rest.is_empty() {
            break;
        }
    }
    let (author_name, author_email, authored_at) = author?;
    let (committer_name, committer_email, committed_at) = committer?;
    let start = rest.iter().position(|&b| b != b'\n').unwrap_or(rest.len());
    Some(RawCommit {
        oid,
        parents,
        author_name,
        author_email,
        authored_at,
        committer_name,
        committer_email,
        committed_at,
        message: lossy(&rest[start..]),
    })
}

/// `Name <email> 1700000000 +0100` → name, email, microseconds since the epoch.
fn parse_signature(sig: &[u8]) -> Option<(Cow<'_, str>, Cow<'_, str>, i64)> {
    let lt = memchr::memchr(b'<', sig)?;
    let gt = lt + memchr::memchr(b'>', &sig[lt..])?;
    let text = |b| lossy(<[u8]>::trim_ascii(b));
    let seconds: i64 = std::str::from_utf8(&sig[gt + 1..])
        .ok()
        .and_then(|t| t.split_ascii_whitespace().next())
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    Some((
        text(&sig[..lt]),
        text(&sig[lt + 1..gt]),
        seconds.saturating_mul(1_000_000),
    ))
}

/// `bytes` as text, borrowed when they are UTF-8 (checked a word at a time, which
/// `String::from_utf8_lossy` does not do), else with U+FFFD for what is not.
fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// An object name from exactly 40 hex digits (either case), as git writes them in a commit;
/// `None` for anything else. (`Oid::from_str` goes through libgit2, accepts abbreviations
/// and took ≈ 620 instructions a call.)
fn oid_of_hex(hex: &[u8]) -> Option<Oid> {
    // each byte's value as a hex digit, 0xff for what is not one
    const DIGIT: [u8; 256] = {
        let mut t = [0xffu8; 256];
        let mut i = 0;
        while i < 10 {
            t[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            t[b'a' as usize + i] = 10 + i as u8;
            t[b'A' as usize + i] = 10 + i as u8;
            i += 1;
        }
        t
    };
    let hex: &[u8; 40] = hex.try_into().ok()?;
    let mut raw = [0u8; 20];
    let mut bad = 0;
    for (byte, pair) in raw.iter_mut().zip(hex.chunks_exact(2)) {
        let (hi, lo) = (DIGIT[usize::from(pair[0])], DIGIT[usize::from(pair[1])]);
        bad |= hi | lo;
        *byte = (hi << 4) | (lo & 15);
    }
    match bad {
        0..=15 => Oid::from_bytes(&raw).ok(),
        _ => None,
    }
}

/// Whether a git error means an object is not in the repository (shallow or damaged clone).
pub fn is_missing(e: &git2::Error) -> bool {
    e.code() == ErrorCode::NotFound || e.class() == git2::ErrorClass::Odb
}

/// The 40 lower-case hex digits of an object id (`Oid`'s `Display` goes through the
/// formatting machinery, a measurable cost when every commit of a history is named).
pub fn hex(oid: Oid) -> String {
    let mut s = String::with_capacity(40);
    hex_into(oid, &mut s);
    s
}

/// [`hex`] onto the end of `out`.
pub fn hex_into(oid: Oid, out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in oid.as_bytes() {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
}

/// First 7 hex digits.
pub fn short_sha(oid: Oid) -> String {
    let s = oid.to_string();
    s[..7.min(s.len())].to_string()
}

/// `owner/name` of a remote URL (`git@github.com:owner/name.git`,
/// `https://gitlab.com/group/sub/name`, `ssh://git@host:22/owner/name.git`).
pub fn remote_slug(url: &str) -> Option<String> {
    let url = url.trim().trim_end_matches('/');
    let url = url.strip_suffix(".git").unwrap_or(url);
    let path = if let Some(i) = url.find("://") {
        let rest = &url[i + 3..];
        &rest[rest.find('/')? + 1..]
    } else if let Some(i) = url.find(':') {
        &url[i + 1..]
    } else {
        return None;
    };
    let path = path.trim_start_matches('/');
    if path.split('/').filter(|s| !s.is_empty()).count() < 2 {
        return None;
    }
    Some(path.to_string())
}

/// Reads a repository's mainline and fails early with a clear message when it has none.
pub fn check_readable(repo: &Repo, mainline: &Mainline) -> Result<()> {
    if repo.repo.find_commit(mainline.tip).is_err() {
        bail!(
            "{}: {} points at {}, which is not in the repository",
            repo.path.display(),
            mainline.reference,
            short_sha(mainline.tip)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_display() {
        let oid = Oid::from_str("00ff10a0b9c8d7e6f5a4b3c2d1e0f9e8d7c6b5a4").unwrap();
        assert_eq!(hex(oid), oid.to_string());
        assert_eq!(hex(Oid::ZERO_SHA1), "0".repeat(40));
    }

    #[test]
    fn oid_of_hex_takes_exactly_forty_digits() {
        let text = "00ff10a0b9c8d7e6f5a4b3c2d1e0f9e8d7c6b5a4";
        let oid = Oid::from_str(text).unwrap();
        assert_eq!(oid_of_hex(text.as_bytes()), Some(oid));
        assert_eq!(oid_of_hex(text.to_uppercase().as_bytes()), Some(oid));
        // abbreviations (which `Oid::from_str` pads), longer names and other characters
        assert_eq!(oid_of_hex(&text.as_bytes()[..39]), None);
        assert_eq!(oid_of_hex(format!("{text}0").as_bytes()), None);
        assert_eq!(oid_of_hex(text.replace('f', "g").as_bytes()), None);
        assert_eq!(oid_of_hex(format!("{}\r", &text[..39]).as_bytes()), None);
    }

    #[test]
    fn text_is_borrowed_when_it_is_utf8() {
        assert!(matches!(lossy("Zoë".as_bytes()), Cow::Borrowed("Zoë")));
        assert_eq!(lossy(b"Zo\xeb"), "Zo\u{fffd}");
    }

    #[test]
    fn remote_slugs() {
        assert_eq!(
            remote_slug("git@github.com:acme/api.git").as_deref(),
            Some("acme/api")
        );
        assert_eq!(
            remote_slug("https://gitlab.com/group/sub/name").as_deref(),
            Some("group/sub/name")
        );
        assert_eq!(
            remote_slug("ssh://git@host:22/owner/name.git").as_deref(),
            Some("owner/name")
        );
        assert_eq!(remote_slug("/srv/git/name.git"), None);
    }
}
