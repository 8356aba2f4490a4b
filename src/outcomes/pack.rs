//! A read-only reader of git pack files (`objects/pack/*.idx` version 2 and their `.pack`),
//! for the one job libgit2 does slowly here: reading every commit of a long history from
//! several threads. libgit2 serialises readers of a pack behind one lock and sets up a new
//! zlib stream per object; this reader maps the files, looks objects up through the index's
//! fan-out table, keeps one zlib stream per thread and resolves delta chains
//! (`OFS_DELTA` and `REF_DELTA`) itself. Anything it does not find in a version-2 index —
//! loose objects, old index versions — is left to libgit2 by the caller. It also lists the
//! commits at the front of each pack ([`Packs::front_chunks`]), in pack order (from the `.rev`
//! reverse index when there is one), for a walk that reads them ahead.
//!
//! Format: git's `Documentation/gitformat-pack.txt`.

use std::fs::File;
use std::path::{Path, PathBuf};

use flate2::{Decompress, FlushDecompress, Status};
use git2::Oid;
use memmap2::Mmap;
use rayon::prelude::*;
use thiserror::Error;

/// Why an object could not be read from the packs.
#[derive(Debug, Error)]
pub enum PackError {
    /// In no pack this reader knows; ask libgit2.
    #[error("not in a pack")]
    NotFound,
    #[error("pack {pack}: object at offset {offset}: {what}")]
    Corrupt {
        pack: PathBuf,
        offset: u64,
        what: String,
    },
}

const COMMIT: u8 = 1;
const TREE: u8 = 2;
const BLOB: u8 = 3;
const OFS_DELTA: u8 = 6;
const REF_DELTA: u8 = 7;
/// How many trees and blobs in a row end the front of a pack ([`Pack::front`]).
const FRONT_END: usize = 256;
/// Deeper chains than git ever writes (its default limit is 50, `--depth` allows 4095).
const MAX_CHAIN: usize = 10_000;

/// The bytes of a file of git's: mapped, or (for fuzzing) in memory.
pub(crate) enum Bytes {
    Map(Mmap),
    Owned(Vec<u8>),
}

impl Bytes {
    /// Maps a file read-only.
    pub(crate) fn map(path: &Path) -> Option<Bytes> {
        // SAFETY: git never rewrites a pack, index or commit-graph in place: it writes new
        // files and renames or deletes old ones, which stay readable through the mapping
        // until it is dropped.
        let map = unsafe { Mmap::map(&File::open(path).ok()?) }.ok()?;
        Some(Bytes::Map(map))
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Map(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// One pack: its index and data (mapped, or in memory for fuzzing), and its reverse index
/// (`.rev`: the index positions in pack order) when git wrote one.
struct Pack {
    path: PathBuf,
    idx: Bytes,
    data: Bytes,
    rev: Option<Bytes>,
    /// A cruft pack (`git gc --cruft`, with a `.mtimes` file): unreachable objects only.
    cruft: bool,
    count: usize,
}

impl Pack {
    /// Maps a version-2 index and its pack; `None` for anything else (libgit2 reads those).
    fn open(idx_path: &Path) -> Option<Pack> {
        let pack_path = idx_path.with_extension("pack");
        let data = Bytes::map(&pack_path)?;
        let mut pack = Pack::new(pack_path, Bytes::map(idx_path)?, data)?;
        pack.rev = Bytes::map(&idx_path.with_extension("rev"));
        pack.cruft = idx_path.with_extension("mtimes").exists();
        Some(pack)
    }

    fn new(path: PathBuf, idx: Bytes, data: Bytes) -> Option<Pack> {
        if idx.len() < 8 + 1024 || idx[..8] != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
            return None;
        }
        if data.len() < 12 || &data[..4] != b"PACK" {
            return None;
        }
        let count = be32(&idx, 8 + 255 * 4)? as usize;
        // names, CRCs, offsets
        if idx.len() < 8 + 1024 + count * 28 {
            return None;
        }
        Some(Pack {
            path,
            idx,
            data,
            rev: None,
            cruft: false,
            count,
        })
    }

    /// The index positions in pack order: the `.rev` file when it is one git wrote for this
    /// many SHA-1 objects, else the offsets sorted.
    fn pack_order(&self) -> Order<'_> {
        if let Some(rev) = &self.rev
            && rev.len() == 12 + self.count * 4 + 40
            && rev[..12] == [b'R', b'I', b'D', b'X', 0, 0, 0, 1, 0, 0, 0, 1]
        {
            return Order::Rev(&rev[12..12 + self.count * 4]);
        }
        let count = u32::try_from(self.count).unwrap_or(u32::MAX);
        if u32::try_from(self.data.len()).is_ok() {
            // offsets below 4 GiB: one word per object, the offset above the position
            let mut keys: Vec<u64> = (0..count)
                .filter_map(|i| Some((self.offset(i as usize)? << 32) | u64::from(i)))
                .collect();
            keys.par_sort_unstable();
            return Order::Keys(keys);
        }
        let mut order: Vec<u32> = (0..count).collect();
        order.par_sort_unstable_by_key(|&i| self.offset(i as usize));
        Order::Sorted(order)
    }

    /// Gives `each` the index positions of the commits at the front of the pack, in pack
    /// order: git writes a pack's commits (and tags) before its trees and blobs, so the front
    /// ends where [`FRONT_END`] trees and blobs have followed one another. A delta counts
    /// when the object at the end of its chain of offset deltas is a commit; other deltas are
    /// not looked into (their commits are read by name when needed). A cruft pack has no
    /// front: nothing in it is reachable.
    fn front(&self, mut each: impl FnMut(u32)) {
        if self.cruft {
            return;
        }
        let order = self.pack_order();
        let mut run = 0;
        for k in 0..order.len() {
            let Some(i) = order.get(k) else { continue };
            let kind = self
                .offset(i as usize)
                .and_then(|offset| self.base_kind(offset));
            match kind {
                Some(COMMIT) => {
                    run = 0;
                    each(i);
                }
                Some(TREE | BLOB) => {
                    run += 1;
                    if run == FRONT_END {
                        break;
                    }
                }
                _ => {}
            }
        }
    }

    /// The type of the object at `offset`, or of the base at the end of its chain of offset
    /// deltas; `None` for a reference delta or a malformed entry. Only headers are read.
    fn base_kind(&self, mut offset: u64) -> Option<u8> {
        for _ in 0..=MAX_CHAIN {
            let entry = self.data.get(usize::try_from(offset).ok()?..)?;
            match (entry.first()? >> 4) & 7 {
                OFS_DELTA => {
                    let (_, _, header) = entry_header(entry).ok()?;
                    offset = ofs_base(entry, header, offset).ok()?.0;
                }
                REF_DELTA => return None,
                kind => return Some(kind),
            }
        }
        None
    }

    /// The name and place of the object at index position `i`, and the size its header
    /// gives (a delta's own size for a delta).
    fn entry(&self, pack: usize, i: usize) -> Option<(Oid, Location, usize)> {
        let name = self.names()?.get(i * 20..i * 20 + 20)?;
        let offset = self.offset(i)?;
        let (_, size, _) = entry_header(self.data.get(usize::try_from(offset).ok()?..)?).ok()?;
        let size = usize::try_from(size).ok()?;
        Some((Oid::from_bytes(name).ok()?, Location { pack, offset }, size))
    }

    /// The offset of an object in the pack, if the index lists it.
    fn find(&self, oid: &[u8]) -> Option<u64> {
        let (lo, hi) = self.bucket(oid)?;
        self.offset(find_name(self.names()?, lo, hi, oid)?)
    }

    /// The range of index positions whose names start with `oid`'s first byte.
    fn bucket(&self, oid: &[u8]) -> Option<(usize, usize)> {
        let first = *oid.first()? as usize;
        let lo = match first {
            0 => 0,
            _ => be32(&self.idx, 8 + (first - 1) * 4)? as usize,
        };
        let hi = be32(&self.idx, 8 + first * 4)? as usize;
        Some((lo.min(self.count), hi.min(self.count)))
    }

    /// The sorted table of object names.
    fn names(&self) -> Option<&[u8]> {
        self.idx.get(8 + 1024..8 + 1024 + self.count * 20)
    }

    fn offset(&self, i: usize) -> Option<u64> {
        let offsets = 8 + 1024 + self.count * 24;
        let small = be32(&self.idx, offsets + i * 4)?;
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        // packs over 2 GiB: an index into the table of 8-byte offsets
        let large = offsets + self.count * 4 + (small & 0x7fff_ffff) as usize * 8;
        let b = self.idx.get(large..large + 8)?;
        Some(u64::from_be_bytes(b.try_into().ok()?))
    }

    fn corrupt(&self, offset: u64, what: impl Into<String>) -> PackError {
        PackError::Corrupt {
            pack: self.path.clone(),
            offset,
            what: what.into(),
        }
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Every pack of a repository (and of its alternates).
pub struct Packs {
    packs: Vec<Pack>,
}

impl Packs {
    /// Maps the packs under `objects_dir` and the object directories named in its
    /// `info/alternates`. Unreadable or unfamiliar packs are skipped (libgit2 reads them).
    pub fn open(objects_dir: &Path) -> Packs {
        let mut dirs = vec![objects_dir.to_path_buf()];
        if let Ok(text) = std::fs::read_to_string(objects_dir.join("info/alternates")) {
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let p = Path::new(line);
                dirs.push(match p.is_absolute() {
                    true => p.to_path_buf(),
                    false => objects_dir.join(p),
                });
            }
        }
        let mut packs = Vec::new();
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(dir.join("pack")) else {
                continue;
            };
            let mut idx: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                .collect();
            idx.sort();
            packs.extend(idx.iter().filter_map(|p| Pack::open(p)));
        }
        // the biggest pack first: most objects are there
        packs.sort_by(|a, b| b.count.cmp(&a.count).then(a.path.cmp(&b.path)));
        Packs { packs }
    }

    /// Packs held in memory: (index, pack) pairs, as the files would hold them. For fuzzing.
    pub fn from_memory(files: Vec<(Vec<u8>, Vec<u8>)>) -> Packs {
        let packs = files
            .into_iter()
            .enumerate()
            .filter_map(|(i, (idx, data))| {
                let path = PathBuf::from(format!("memory-{i}.pack"));
                Pack::new(path, Bytes::Owned(idx), Bytes::Owned(data))
            })
            .collect();
        Packs { packs }
    }

    /// The object ids the indexes list (at most `limit`), for fuzzing.
    pub fn listed(&self, limit: usize) -> Vec<Oid> {
        let mut out = Vec::new();
        for p in &self.packs {
            for i in 0..p.count.min(limit) {
                let at = 8 + 1024 + i * 20;
                if let Some(oid) = p.idx.get(at..at + 20).and_then(|b| Oid::from_bytes(b).ok()) {
                    out.push(oid);
                }
            }
        }
        out.truncate(limit);
        out
    }

    /// A reader for one thread.
    pub fn reader(&self) -> PackReader<'_> {
        PackReader {
            packs: self,
            zlib: Decompress::new(true),
            delta: Vec::new(),
            base: Vec::new(),
        }
    }

    /// [`Packs::front_chunks`] in one list.
    #[cfg(test)]
    pub fn front(&self) -> Vec<Entry> {
        let mut all = Vec::new();
        self.front_chunks(usize::MAX, |part| all.extend(part));
        all
    }

    /// The commits at the front of every pack (`Pack::front`), each pack's in pack order,
    /// the biggest pack's first, in parts of `size` entries, each given to `each` as soon as
    /// it is known (the last part of each pack may be smaller), so that reading can begin
    /// while the rest of the front is found. What a walk without a commit-graph reads ahead.
    pub fn front_chunks(&self, size: usize, mut each: impl FnMut(Vec<Entry>)) {
        for (pack, p) in self.packs.iter().enumerate() {
            let mut part = Vec::new();
            p.front(|index| {
                part.push(Entry { pack, index });
                if part.len() == size {
                    each(std::mem::take(&mut part));
                }
            });
            if !part.is_empty() {
                each(part);
            }
        }
    }

    /// The name and place of an object [`Packs::front_chunks`] listed, and the size its header
    /// gives (a delta's own size for a delta).
    pub fn entry(&self, e: Entry) -> Option<(Oid, Location, usize)> {
        self.packs.get(e.pack)?.entry(e.pack, e.index as usize)
    }

    /// How many objects the packs hold (of every type, counted once per pack).
    #[cfg(test)]
    pub fn objects(&self) -> usize {
        self.packs.iter().map(|p| p.count).sum()
    }

    fn locate(&self, oid: &[u8]) -> Option<(&Pack, u64)> {
        self.packs
            .iter()
            .find_map(|p| p.find(oid).map(|off| (p, off)))
    }

    /// Where each of `oids` is (`None` where no pack lists it), as [`PackReader::commit`] would
    /// find it. One lookup at a time is bound by cache misses — each probe of the binary search
    /// lands on a cold line of a multi-megabyte index —, so these are looked up in sorted order
    /// instead, each search starting where the previous one ended and widening from there.
    pub fn locate_all(&self, oids: &[Oid]) -> Vec<Option<Location>> {
        let mut order: Vec<(u64, usize)> = (oids.iter().enumerate())
            .map(|(i, oid)| (name_key(oid.as_bytes()).map_or(0, |k| k.0), i))
            .collect();
        order.sort_unstable();
        let mut out: Vec<Option<Location>> = vec![None; oids.len()];
        for (pack, p) in self.packs.iter().enumerate() {
            let Some(names) = p.names() else { continue };
            let mut from = 0;
            for &(_, i) in &order {
                let oid = oids[i].as_bytes();
                let (Some((lo, hi)), None) = (p.bucket(oid), out[i]) else {
                    continue;
                };
                // names equal in their first eight bytes may be out of order here: a miss
                // after a later start is searched again from the bucket's start
                let start = lo.max(from);
                let found = match gallop_name(names, start, hi, oid) {
                    Ok(at) => Some(at),
                    Err(at) if start == lo => {
                        from = at;
                        None
                    }
                    Err(_) => gallop_name(names, lo, hi, oid).ok(),
                };
                if let Some(at) = found {
                    from = at;
                    out[i] = p.offset(at).map(|offset| Location { pack, offset });
                }
            }
        }
        out
    }
}

/// An object by its pack and its position in that pack's index, from [`Packs::front_chunks`].
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pack: usize,
    index: u32,
}

/// A pack's index positions in pack order: the `.rev` file's table (big-endian words), or
/// the positions sorted by offset (as `offset << 32 | position` keys in a pack under 4 GiB).
enum Order<'a> {
    Rev(&'a [u8]),
    Keys(Vec<u64>),
    Sorted(Vec<u32>),
}

impl Order<'_> {
    fn len(&self) -> usize {
        match self {
            Order::Rev(b) => b.len() / 4,
            Order::Keys(v) => v.len(),
            Order::Sorted(v) => v.len(),
        }
    }

    fn get(&self, k: usize) -> Option<u32> {
        match self {
            Order::Rev(b) => be32(b, k * 4),
            Order::Keys(v) => v.get(k).map(|&key| key as u32),
            Order::Sorted(v) => v.get(k).copied(),
        }
    }
}

/// Where an object is in [`Packs`], from [`Packs::locate_all`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pack: usize,
    offset: u64,
}

/// A 20-byte object name as two big-endian words and a tail (compares as the bytes do).
fn name_key(b: &[u8]) -> Option<(u64, u64, u32)> {
    Some((
        u64::from_be_bytes(b.get(..8)?.try_into().ok()?),
        u64::from_be_bytes(b.get(8..16)?.try_into().ok()?),
        u32::from_be_bytes(b.get(16..20)?.try_into().ok()?),
    ))
}

/// Like [`search_name`], but probing `lo`, `lo + 1`, `lo + 3`, `lo + 7`, … before a binary
/// search of the last step: cheap when `oid` is near `lo`. `Err` holds where it would be.
fn gallop_name(names: &[u8], lo: usize, hi: usize, oid: &[u8]) -> Result<usize, usize> {
    let want = name_key(oid).ok_or(lo)?;
    let key = |i: usize| names.get(i * 20..i * 20 + 20).and_then(name_key);
    let (mut start, mut step) = (lo, 1);
    let mut end = hi;
    while start < hi {
        let probe = (start + step - 1).min(hi - 1);
        match key(probe).ok_or(start)?.cmp(&want) {
            std::cmp::Ordering::Equal => return Ok(probe),
            std::cmp::Ordering::Greater => {
                end = probe;
                break;
            }
            std::cmp::Ordering::Less => {
                start = probe + 1;
                step *= 2;
            }
        }
    }
    search_name(names, start, end, oid)
}

/// Where `oid` is among the sorted 20-byte object names `names[lo..hi]` (a pack index's or a
/// commit-graph's table). A name compares as two big-endian words and a tail rather than
/// through `memcmp`, which, called once per probe, was most of a lookup's time.
pub(super) fn find_name(names: &[u8], lo: usize, hi: usize, oid: &[u8]) -> Option<usize> {
    search_name(names, lo, hi, oid).ok()
}

/// The binary search behind [`find_name`] and [`gallop_name`]: `Err` holds where `oid` would
/// be (also where a malformed table or name stops the search).
fn search_name(names: &[u8], mut lo: usize, mut hi: usize, oid: &[u8]) -> Result<usize, usize> {
    let want = name_key(oid).ok_or(lo)?;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let name = names.get(mid * 20..mid * 20 + 20).and_then(name_key);
        match name.ok_or(lo)?.cmp(&want) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Ok(mid),
        }
    }
    Err(lo)
}

/// Reads objects from [`Packs`]; holds one thread's zlib stream and buffers.
pub struct PackReader<'p> {
    packs: &'p Packs,
    zlib: Decompress,
    delta: Vec<u8>,
    base: Vec<u8>,
}

impl PackReader<'_> {
    /// The content of a commit into `out` (replacing what was there).
    pub fn commit(&mut self, oid: Oid, out: &mut Vec<u8>) -> Result<(), PackError> {
        let (pack, offset) = self
            .packs
            .locate(oid.as_bytes())
            .ok_or(PackError::NotFound)?;
        out.clear();
        self.commit_in(pack, offset, oid, out)
    }

    /// [`PackReader::commit`] of an object already located.
    pub fn commit_at(
        &mut self,
        at: Location,
        oid: Oid,
        out: &mut Vec<u8>,
    ) -> Result<(), PackError> {
        out.clear();
        self.commit_append(at, oid, out)
    }

    /// [`PackReader::commit_at`], appending to `out` (left as it was on an error).
    pub fn commit_append(
        &mut self,
        at: Location,
        oid: Oid,
        out: &mut Vec<u8>,
    ) -> Result<(), PackError> {
        let pack = self.packs.packs.get(at.pack).ok_or(PackError::NotFound)?;
        self.commit_in(pack, at.offset, oid, out)
    }

    fn commit_in(
        &mut self,
        pack: &Pack,
        offset: u64,
        oid: Oid,
        out: &mut Vec<u8>,
    ) -> Result<(), PackError> {
        let start = out.len();
        let read = match self.object(pack, offset, out, 0) {
            Ok(COMMIT) => Ok(()),
            Ok(_) => Err(pack.corrupt(offset, format!("{oid} is not a commit"))),
            Err(e) => Err(e),
        };
        if read.is_err() {
            out.truncate(start);
        }
        read
    }

    /// Reads the object at `offset` onto the end of `out`, resolving deltas; returns its base
    /// type.
    fn object(
        &mut self,
        pack: &Pack,
        offset: u64,
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<u8, PackError> {
        if depth > MAX_CHAIN {
            return Err(pack.corrupt(offset, "delta chain too long"));
        }
        let data = &pack.data[..];
        let bad = |what: &str| pack.corrupt(offset, what);
        let start = usize::try_from(offset).map_err(|_| bad("offset out of range"))?;
        let entry = data
            .get(start..)
            .ok_or_else(|| bad("offset past the end"))?;
        let (kind, size, len) = entry_header(entry).map_err(bad)?;
        let size = usize::try_from(size).map_err(|_| bad("object too large"))?;
        // where the entry's data starts, from the start of the pack
        let mut at = start + len;
        match kind {
            1..=4 => {
                self.inflate(pack, offset, at, size, out)?;
                Ok(kind)
            }
            OFS_DELTA => {
                let (base_offset, end) = ofs_base(entry, len, offset).map_err(bad)?;
                at = start + end;
                self.delta_from(pack, offset, at, size, out, depth, |me, buf| {
                    me.object(pack, base_offset, buf, depth + 1)
                })
            }
            REF_DELTA => {
                let base = data.get(at..at + 20).ok_or_else(|| bad("truncated base"))?;
                at += 20;
                let (base_pack, base_offset) =
                    self.packs.locate(base).ok_or(PackError::NotFound)?;
                self.delta_from(pack, offset, at, size, out, depth, |me, buf| {
                    me.object(base_pack, base_offset, buf, depth + 1)
                })
            }
            _ => Err(bad("unknown object type")),
        }
    }

    /// Reads a delta's base with `read_base`, then applies the delta stored at `at`.
    #[allow(clippy::too_many_arguments)]
    fn delta_from(
        &mut self,
        pack: &Pack,
        offset: u64,
        at: usize,
        size: usize,
        out: &mut Vec<u8>,
        depth: usize,
        read_base: impl FnOnce(&mut Self, &mut Vec<u8>) -> Result<u8, PackError>,
    ) -> Result<u8, PackError> {
        // buffers are reused at the top of a chain and allocated below it
        let mut base = match depth {
            0 => std::mem::take(&mut self.base),
            _ => Vec::new(),
        };
        let mut delta = match depth {
            0 => std::mem::take(&mut self.delta),
            _ => Vec::new(),
        };
        let result = (|| {
            delta.clear();
            self.inflate(pack, offset, at, size, &mut delta)?;
            base.clear();
            let kind = read_base(self, &mut base)?;
            apply_delta(&base, &delta, out).map_err(|what| pack.corrupt(offset, what))?;
            Ok(kind)
        })();
        if depth == 0 {
            self.base = base;
            self.delta = delta;
        }
        result
    }

    /// Inflates the zlib stream at `at`, which must hold exactly `size` bytes, onto the end
    /// of `out`.
    fn inflate(
        &mut self,
        pack: &Pack,
        offset: u64,
        at: usize,
        size: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), PackError> {
        // what is inflated is appended
        let start = out.len();
        self.zlib.reset(true);
        let input = pack.data.get(at..).unwrap_or_default();
        // the header's size is only believed as far as the input could inflate to it (zlib's
        // ratio is at most 1032:1), so a corrupt size cannot ask for terabytes
        out.reserve(size.min(input.len().saturating_mul(1032)) + 1);
        loop {
            let before = self.zlib.total_in();
            let status = self
                .zlib
                .decompress_vec(
                    &input[self.zlib.total_in() as usize..],
                    out,
                    FlushDecompress::Finish,
                )
                .map_err(|e| pack.corrupt(offset, format!("zlib: {e}")))?;
            match status {
                Status::StreamEnd => break,
                _ if out.len() - start > size => {
                    return Err(pack.corrupt(offset, "object larger than its header says"));
                }
                // room for more output
                _ if out.len() == out.capacity() => out.reserve(4096),
                _ if self.zlib.total_in() == before => {
                    return Err(pack.corrupt(offset, "truncated zlib stream"));
                }
                _ => {}
            }
        }
        if out.len() - start != size {
            return Err(pack.corrupt(offset, "object size differs from its header"));
        }
        Ok(())
    }
}

/// The header of the pack entry at the start of `entry`: its type, its size and the
/// header's length.
fn entry_header(entry: &[u8]) -> Result<(u8, u64, usize), &'static str> {
    let mut c = *entry.first().ok_or("offset past the end")?;
    let mut at = 1;
    let kind = (c >> 4) & 7;
    let mut size = u64::from(c & 15);
    let mut shift = 4;
    while c & 0x80 != 0 {
        c = *entry.get(at).ok_or("truncated header")?;
        at += 1;
        if shift > 57 {
            return Err("object size overflows");
        }
        size |= u64::from(c & 0x7f) << shift;
        shift += 7;
    }
    Ok((kind, size, at))
}

/// Where the base of the offset delta at `offset` is: the distance is stored in `entry` (the
/// delta's entry) from `at`, right after the entry's header. Returns the base's offset and
/// where the distance ends in `entry`.
fn ofs_base(entry: &[u8], mut at: usize, offset: u64) -> Result<(u64, usize), &'static str> {
    let mut c = *entry.get(at).ok_or("truncated delta offset")?;
    at += 1;
    let mut back = u64::from(c & 0x7f);
    while c & 0x80 != 0 {
        c = *entry.get(at).ok_or("truncated delta offset")?;
        at += 1;
        if back >= 1 << 56 {
            return Err("delta offset overflows");
        }
        back = ((back + 1) << 7) | u64::from(c & 0x7f);
    }
    let base =
        (offset.checked_sub(back).filter(|_| back > 0)).ok_or("delta base before the pack")?;
    Ok((base, at))
}

/// Applies a git delta (`gitformat-pack.txt`, "Deltified representation") to `base`,
/// appending the result to `out`.
fn apply_delta(base: &[u8], delta: &[u8], out: &mut Vec<u8>) -> Result<(), &'static str> {
    let mut at = 0;
    let varint = |at: &mut usize| -> Result<usize, &'static str> {
        let mut v: usize = 0;
        let mut shift = 0;
        loop {
            let c = *delta.get(*at).ok_or("truncated delta header")?;
            *at += 1;
            if shift > 56 {
                return Err("delta size overflows");
            }
            v |= usize::from(c & 0x7f) << shift;
            shift += 7;
            if c & 0x80 == 0 {
                return Ok(v);
            }
        }
    };
    let base_size = varint(&mut at)?;
    let result_size = varint(&mut at)?;
    if base_size != base.len() {
        return Err("delta base has the wrong size");
    }
    // the result is appended
    let start = out.len();
    // a corrupt header must not reserve more than the copies could produce
    out.reserve(result_size.min(base.len().saturating_add(delta.len()) * 2));
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut offset: usize = 0;
            let mut len: usize = 0;
            for i in 0..4 {
                if op & (1 << i) != 0 {
                    offset |= usize::from(*delta.get(at).ok_or("truncated copy")?) << (8 * i);
                    at += 1;
                }
            }
            for i in 0..3 {
                if op & (0x10 << i) != 0 {
                    len |= usize::from(*delta.get(at).ok_or("truncated copy")?) << (8 * i);
                    at += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            let end = offset.checked_add(len).ok_or("copy out of range")?;
            out.extend_from_slice(base.get(offset..end).ok_or("copy out of range")?);
        } else if op != 0 {
            let n = usize::from(op);
            out.extend_from_slice(delta.get(at..at + n).ok_or("truncated insert")?);
            at += n;
        } else {
            return Err("reserved delta opcode");
        }
    }
    if out.len() - start != result_size {
        return Err("delta result has the wrong size");
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::outcomes::test_git as git;

    #[test]
    fn find_name_finds_each_name_and_nothing_else() {
        // names that differ only in their last word, their middle word or their first byte
        let name = |(a, b, c): (u8, u8, u8)| {
            let mut n = [0u8; 20];
            (n[0], n[12], n[19]) = (a, b, c);
            n
        };
        let mut names: Vec<[u8; 20]> = [
            (1, 0, 0),
            (1, 0, 1),
            (1, 0, 7),
            (1, 9, 0),
            (2, 0, 0),
            (250, 3, 3),
        ]
        .map(name)
        .to_vec();
        names.sort();
        let table: Vec<u8> = names.concat();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(find_name(&table, 0, names.len(), n), Some(i));
        }
        for n in [(0, 0, 0), (1, 0, 2), (1, 5, 0), (1, 9, 1), (255, 0, 0)].map(name) {
            assert_eq!(find_name(&table, 0, names.len(), &n), None, "{n:?}");
        }
        // only within the given range
        assert_eq!(find_name(&table, 0, 2, &names[4]), None);
        // a short key is not a name
        assert_eq!(find_name(&table, 0, names.len(), &names[0][..19]), None);
    }

    /// A repository of 300 commits whose long messages differ a little, so that repacking
    /// stores most of them as deltas of each other.
    fn deltified_repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        let body: String = (0..60)
            .map(|i| format!("Line {i} of a long and repetitive commit message body.\n"))
            .collect();
        for i in 0..300 {
            let msg = format!(
                "change {i}\n\n{body}\nCo-authored-by: X <x{}@example.com>\n",
                i % 7
            );
            git(dir.path(), &["commit", "-q", "--allow-empty", "-m", &msg]);
        }
        dir
    }

    /// Every commit as this reader reads it and as libgit2 does; and how many of them the
    /// pack stores as deltas of the given kind.
    fn compare(dir: &Path, kind: &str) -> usize {
        let repo = git2::Repository::open(dir).unwrap();
        let odb = repo.odb().unwrap();
        let packs = Packs::open(&repo.path().join("objects"));
        let mut reader = packs.reader();
        let mut buf = Vec::new();
        let oids = git(dir, &["rev-list", "--all"]);
        let mut n = 0;
        for line in oids.lines() {
            let oid = Oid::from_str(line).unwrap();
            reader.commit(oid, &mut buf).unwrap();
            assert_eq!(buf, odb.read(oid).unwrap().data(), "{oid}");
            n += 1;
        }
        assert_eq!(n, 300);
        let idx = std::fs::read_dir(repo.path().join("objects/pack"))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "idx"))
            .unwrap();
        let verify = git(dir, &["verify-pack", "-v", idx.to_str().unwrap()]);
        let deltas = verify
            .lines()
            .filter(|l| l.split_whitespace().nth(1) == Some("commit"))
            .filter(|l| l.split_whitespace().count() == 7)
            .count();
        // REF_DELTA and OFS_DELTA look alike to verify-pack; the pack's bytes tell them apart
        let pack = Pack::open(&idx).unwrap();
        let of_kind = oids
            .lines()
            .filter(|l| {
                let oid = Oid::from_str(l).unwrap();
                let off = pack.find(oid.as_bytes()).unwrap() as usize;
                let t = (pack.data[off] >> 4) & 7;
                t == if kind == "ofs" { OFS_DELTA } else { REF_DELTA }
            })
            .count();
        assert_eq!(of_kind, deltas, "{kind}");
        deltas
    }

    #[test]
    fn packed_commits_read_like_libgit2_with_offset_deltas() {
        let dir = deltified_repo();
        git(
            dir.path(),
            &["repack", "-adf", "-q", "--window=250", "--depth=50"],
        );
        let deltas = compare(dir.path(), "ofs");
        assert!(deltas > 100, "only {deltas} deltified commits");
    }

    #[test]
    fn packed_commits_read_like_libgit2_with_ref_deltas() {
        let dir = deltified_repo();
        git(
            dir.path(),
            &[
                "-c",
                "repack.useDeltaBaseOffset=false",
                "repack",
                "-adf",
                "-q",
                "--window=250",
                "--depth=50",
            ],
        );
        let deltas = compare(dir.path(), "ref");
        assert!(deltas > 100, "only {deltas} deltified commits");
    }

    #[test]
    fn loose_objects_are_left_to_libgit2_and_alternates_are_read() {
        let dir = deltified_repo();
        git(dir.path(), &["repack", "-adq"]);
        git(
            dir.path(),
            &["commit", "-q", "--allow-empty", "-m", "loose"],
        );
        let repo = git2::Repository::open(dir.path()).unwrap();
        let head = repo.head().unwrap().target().unwrap();
        let packs = Packs::open(&repo.path().join("objects"));
        let mut buf = Vec::new();
        assert!(matches!(
            packs.reader().commit(head, &mut buf),
            Err(PackError::NotFound)
        ));
        let parent = repo.find_commit(head).unwrap().parent_id(0).unwrap();
        packs.reader().commit(parent, &mut buf).unwrap();
        assert!(buf.starts_with(b"tree "));

        // a `git clone --shared` borrows the objects through info/alternates
        let shared = tempfile::tempdir().unwrap();
        let src = dir.path().to_str().unwrap();
        git(shared.path(), &["clone", "-q", "--shared", src, "c"]);
        let clone = git2::Repository::open(shared.path().join("c")).unwrap();
        let packs = Packs::open(&clone.path().join("objects"));
        let mut again = Vec::new();
        packs.reader().commit(parent, &mut again).unwrap();
        assert_eq!(buf, again);
    }

    /// A history of 300 commits, each adding a file (so the pack has trees and blobs) with a
    /// long, repetitive message (so repacking stores many commits as deltas), plus a merge;
    /// repacked with deltas and a reverse index.
    pub(crate) fn repacked_repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q"]);
        let body: String = (0..40)
            .map(|i| format!("Line {i} of a long and repetitive commit message body.\n"))
            .collect();
        for i in 0..300 {
            if i == 150 {
                git(d, &["checkout", "-q", "-b", "side", "HEAD~20"]);
            }
            if i == 160 {
                git(d, &["checkout", "-q", "main"]);
                git(
                    d,
                    &[
                        "merge",
                        "-q",
                        "--no-ff",
                        "-m",
                        "Merge pull request #7 from x/side",
                        "side",
                    ],
                );
            }
            std::fs::write(d.join(format!("f{i}.txt")), format!("file {i}\n")).unwrap();
            git(d, &["add", "."]);
            git(d, &["commit", "-q", "-m", &format!("change {i}\n\n{body}")]);
        }
        git(
            d,
            &[
                "-c",
                "pack.writeReverseIndex=true",
                "repack",
                "-adf",
                "-q",
                "--window=250",
                "--depth=50",
            ],
        );
        dir
    }

    /// The pack's one index.
    fn idx_of(d: &Path) -> PathBuf {
        std::fs::read_dir(d.join(".git/objects/pack"))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "idx"))
            .unwrap()
    }

    #[test]
    fn the_front_lists_every_commit_in_pack_order_with_or_without_a_reverse_index() {
        let dir = repacked_repo();
        let d = dir.path();
        let mut all: Vec<String> = git(d, &["rev-list", "--all"])
            .lines()
            .map(String::from)
            .collect();
        all.sort();
        assert_eq!(all.len(), 301);
        let idx = idx_of(d);
        let rev = idx.with_extension("rev");
        assert!(rev.exists(), "git wrote a reverse index");

        let front = |packs: &Packs| -> Vec<(Oid, Location)> {
            packs
                .front()
                .into_iter()
                .map(|e| packs.entry(e).map(|(oid, at, _)| (oid, at)).unwrap())
                .collect()
        };
        let with_rev = front(&Packs::open(&d.join(".git/objects")));
        assert!(matches!(
            Pack::open(&idx).unwrap().pack_order(),
            Order::Rev(_)
        ));
        std::fs::remove_file(&rev).unwrap();
        assert!(matches!(
            Pack::open(&idx).unwrap().pack_order(),
            Order::Keys(_)
        ));
        let sorted = front(&Packs::open(&d.join(".git/objects")));
        assert_eq!(with_rev, sorted);

        // every commit, each once, in pack order (ascending offsets)
        let mut names: Vec<String> = with_rev.iter().map(|(oid, _)| oid.to_string()).collect();
        names.sort();
        assert_eq!(names, all);
        assert!(with_rev.windows(2).all(|w| w[0].1.offset < w[1].1.offset));
        // commits stored as deltas are among them, and read as libgit2 reads them
        let pack = Pack::open(&idx).unwrap();
        let deltas = (with_rev.iter())
            .filter(|(_, at)| (pack.data[at.offset as usize] >> 4) & 7 == OFS_DELTA)
            .count();
        assert!(deltas > 50, "only {deltas} deltified commits");
        let repo = git2::Repository::open(d).unwrap();
        let odb = repo.odb().unwrap();
        let packs = Packs::open(&d.join(".git/objects"));
        let mut reader = packs.reader();
        let mut buf = Vec::new();
        for &(oid, at) in &with_rev {
            reader.commit_at(at, oid, &mut buf).unwrap();
            assert_eq!(buf, odb.read(oid).unwrap().data(), "{oid}");
        }
    }

    /// The front ends at a run of trees and blobs: a pack whose commits come after that many
    /// has an empty front (those commits are read by name), and one without trees and blobs
    /// is all front.
    #[test]
    fn the_front_ends_where_trees_and_blobs_follow_one_another() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q"]);
        for i in 0..FRONT_END + 10 {
            std::fs::write(d.join(format!("f{i}.txt")), format!("file {i}\n")).unwrap();
        }
        git(d, &["add", "."]);
        git(d, &["commit", "-q", "-m", "many files"]);
        git(d, &["commit", "-q", "--allow-empty", "-m", "second"]);
        // fast-import keeps the stream's order: every blob first, then the commits
        let export = git(d, &["fast-export", "--all"]);
        let other = tempfile::tempdir().unwrap();
        git(other.path(), &["init", "-q"]);
        let mut child = std::process::Command::new("git")
            .current_dir(other.path())
            .args(["fast-import", "--quiet"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(export.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
        let packs = Packs::open(&other.path().join(".git/objects"));
        assert_eq!(packs.objects(), FRONT_END + 10 + 1 + 2);
        assert!(packs.front().is_empty());
        // the same objects repacked by git: commits first
        git(other.path(), &["repack", "-adq"]);
        let packs = Packs::open(&other.path().join(".git/objects"));
        assert_eq!(packs.front().len(), 2);
    }

    /// `git gc --cruft` keeps unreachable objects in a pack of their own: its commits are
    /// not read ahead.
    #[test]
    fn a_cruft_pack_has_no_front() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q"]);
        git(d, &["commit", "-q", "--allow-empty", "-m", "kept 1"]);
        git(d, &["commit", "-q", "--allow-empty", "-m", "kept 2"]);
        git(d, &["checkout", "-q", "-b", "gone"]);
        git(d, &["commit", "-q", "--allow-empty", "-m", "unreachable"]);
        let gone = git(d, &["rev-parse", "HEAD"]);
        git(d, &["checkout", "-q", "main"]);
        git(d, &["branch", "-q", "-D", "gone"]);
        git(d, &["reflog", "expire", "--expire=now", "--all"]);
        git(
            d,
            &["repack", "-d", "-q", "--cruft", "--cruft-expiration=never"],
        );
        let cruft = std::fs::read_dir(d.join(".git/objects/pack"))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "mtimes"))
            .count();
        assert_eq!(cruft, 1, "git wrote a cruft pack");
        let packs = Packs::open(&d.join(".git/objects"));
        let front: Vec<String> = (packs.front().into_iter())
            .map(|e| packs.entry(e).unwrap().0.to_string())
            .collect();
        assert_eq!(front.len(), 2, "{front:?}");
        assert!(!front.contains(&gone.trim().to_string()));
        // the unreachable commit is still readable by name
        let mut buf = Vec::new();
        let oid = Oid::from_str(gone.trim()).unwrap();
        packs.reader().commit(oid, &mut buf).unwrap();
        assert!(buf.ends_with(b"unreachable\n"));
    }

    #[test]
    fn located_all_at_once_as_one_by_one() {
        let dir = deltified_repo();
        git(dir.path(), &["repack", "-adq"]);
        for i in 0..30 {
            git(
                dir.path(),
                &["commit", "-q", "--allow-empty", "-m", &format!("more {i}")],
            );
        }
        // a second pack with every object again, then one loose commit
        git(dir.path(), &["repack", "-aq"]);
        git(
            dir.path(),
            &["commit", "-q", "--allow-empty", "-m", "loose"],
        );
        let repo = git2::Repository::open(dir.path()).unwrap();
        let packs = Packs::open(&repo.path().join("objects"));
        assert_eq!(packs.packs.len(), 2);
        let listed = git(dir.path(), &["rev-list", "--all", "--objects"]);
        let mut oids: Vec<Oid> = (listed.lines())
            .map(|l| Oid::from_str(&l[..40]).unwrap())
            .collect();
        oids.reverse();
        oids.insert(5, oids[40]);
        for absent in [[0u8; 20], [0xff; 20], [0x7f; 20]] {
            oids.insert(3, Oid::from_bytes(&absent).unwrap());
        }
        let at = packs.locate_all(&oids);
        assert_eq!(at.len(), oids.len());
        let (mut reader, mut one, mut all) = (packs.reader(), Vec::new(), Vec::new());
        let mut found = 0;
        for (oid, at) in oids.iter().zip(at) {
            let single = packs.locate(oid.as_bytes());
            let pack_of = |l: Location| &packs.packs[l.pack] as *const Pack;
            assert_eq!(
                at.map(|l| (pack_of(l), l.offset)),
                single.map(|(p, offset)| (p as *const Pack, offset)),
                "{oid}"
            );
            if let Some(at) = at {
                found += 1;
                let kind = repo.find_object(*oid, None).unwrap().kind();
                if kind == Some(git2::ObjectType::Commit) {
                    reader.commit(*oid, &mut one).unwrap();
                    reader.commit_at(at, *oid, &mut all).unwrap();
                    assert_eq!(one, all);
                }
            }
        }
        // all but the loose commit and the three absent names
        assert_eq!(found, oids.len() - 4);
    }

    /// A version-2 index listing `names` (sorted) at offsets 12, 13, …, and an empty pack.
    fn synthetic_pack(names: &[[u8; 20]]) -> (Vec<u8>, Vec<u8>) {
        let mut idx = vec![0xff, b't', b'O', b'c', 0, 0, 0, 2];
        for b in 0..256usize {
            let n = names.iter().filter(|n| (n[0] as usize) <= b).count() as u32;
            idx.extend(n.to_be_bytes());
        }
        names.iter().for_each(|n| idx.extend(n));
        idx.extend(vec![0u8; names.len() * 4]);
        (0..names.len()).for_each(|i| idx.extend((12 + i as u32).to_be_bytes()));
        idx.extend([0u8; 40]);
        let mut pack = b"PACK".to_vec();
        pack.extend([0, 0, 0, 2, 0, 0, 0, 0]);
        (idx, pack)
    }

    #[test]
    fn located_all_when_names_tie_in_their_first_eight_bytes() {
        let mut names: Vec<[u8; 20]> = (0..6u8)
            .map(|i| {
                let mut n = [7u8; 20];
                n[19] = i;
                n
            })
            .collect();
        names.sort();
        let packs = Packs::from_memory(vec![synthetic_pack(&names)]);
        assert_eq!(packs.packs.len(), 1);
        // asked for in descending order: every lookup after the first starts past its name
        let oids: Vec<Oid> = names
            .iter()
            .rev()
            .map(|n| Oid::from_bytes(n).unwrap())
            .collect();
        let at = packs.locate_all(&oids);
        let offsets: Vec<Option<u64>> = at.iter().map(|l| l.map(|l| l.offset)).collect();
        assert_eq!(offsets, [17, 16, 15, 14, 13, 12].map(Some));
    }

    #[test]
    fn gallop_name_finds_from_any_start_before_the_name() {
        let mut names: Vec<[u8; 20]> = (0..40u8)
            .map(|i| {
                let mut n = [0u8; 20];
                n[0] = 3;
                // pairs equal in their first eight bytes
                n[7] = i / 2;
                n[19] = i;
                n
            })
            .collect();
        names.sort();
        let table = names.concat();
        for (i, n) in names.iter().enumerate() {
            for start in 0..=i {
                assert_eq!(gallop_name(&table, start, names.len(), n), Ok(i));
            }
            // started past it, it is not found: where it would go is the start
            if i + 1 < names.len() {
                assert_eq!(gallop_name(&table, i + 1, names.len(), n), Err(i + 1));
            }
        }
        // after both names sharing its first eight bytes, before the next pair
        let mut absent = names[10];
        absent[19] = 200;
        assert_eq!(gallop_name(&table, 0, names.len(), &absent), Err(12));
        assert_eq!(gallop_name(&table, 0, names.len(), &[9u8; 20]), Err(40));
        assert_eq!(gallop_name(&table, 0, names.len(), &[0u8; 20]), Err(0));
    }

    #[test]
    fn delta_copy_and_insert() {
        let base = b"hello, world";
        // base size 12, result size 11: copy "hello" (offset 0, length 5), insert " git!",
        // copy "d" (offset 11, length 1)
        let delta = [
            12,
            11, // sizes
            0x80 | 0x10,
            5, // copy offset 0 (no offset bytes), length 5
            5,
            b' ',
            b'g',
            b'i',
            b't',
            b'!', // insert 5 bytes
            0x80 | 0x01 | 0x10,
            11,
            1, // copy offset 11, length 1
        ];
        let mut out = Vec::new();
        apply_delta(base, &delta, &mut out).unwrap();
        assert_eq!(out, b"hello git!d");
    }

    #[test]
    fn delta_errors() {
        let mut out = Vec::new();
        assert_eq!(
            apply_delta(b"abc", &[4, 1, 1, b'x'], &mut out),
            Err("delta base has the wrong size")
        );
        assert_eq!(
            apply_delta(b"abc", &[3, 2, 0x80 | 0x01 | 0x10, 2, 5], &mut out),
            Err("copy out of range")
        );
        assert_eq!(
            apply_delta(b"abc", &[3, 1, 0], &mut out),
            Err("reserved delta opcode")
        );
        assert_eq!(
            apply_delta(b"abc", &[3, 2, 1, b'x'], &mut out),
            Err("delta result has the wrong size")
        );
    }
}
