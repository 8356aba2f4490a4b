//! Parallel, bounded-memory reading of JSON-lines files. A file is cut into byte ranges
//! ("chunks"); a chunk owns every line that *starts* inside its range, so chunks of one file
//! can be parsed on different threads and a multi-GB file never sits in memory. Line
//! numbers are local to a chunk while parsing and made absolute afterwards from the
//! per-chunk line counts ([`line_bases`]).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// Target size of one chunk. Memory per worker is about this plus the longest line.
pub const CHUNK_SIZE: u64 = 8 << 20;

/// A byte range of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// Index into the caller's file list.
    pub file: u32,
    /// Position of this chunk among the file's chunks.
    pub seq: u32,
    pub start: u64,
    pub end: u64,
    /// File length when planned; lines starting after it (appended meanwhile) are ignored.
    pub file_len: u64,
}

/// Cuts files (`(file index, length)`) into chunks of about `chunk_size` bytes.
pub fn plan_chunks(files: &[(u32, u64)], chunk_size: u64) -> Vec<Chunk> {
    let chunk_size = chunk_size.max(1);
    let mut out = Vec::new();
    for &(file, len) in files {
        let mut start = 0;
        let mut seq = 0;
        while start < len {
            let end = (start + chunk_size).min(len);
            out.push(Chunk {
                file,
                seq,
                start,
                end,
                file_len: len,
            });
            start = end;
            seq += 1;
        }
    }
    out
}

/// One line handed to the parser.
pub struct Line<'a> {
    /// 0-based index of the line within its chunk.
    pub index: u64,
    /// The line without its `\n` / `\r\n`.
    pub bytes: &'a [u8],
    /// True for a last line with no terminating newline (a file still being written).
    pub unterminated: bool,
}

/// Bytes read at a time when a line runs past the end of its chunk.
const EXTEND: usize = 1 << 20;

/// Calls `f` for every line the chunk owns and returns how many it owns. The chunk is read
/// into `buf` (reused across chunks by the caller: a worker keeps one buffer, so memory stays
/// at one chunk per thread and the allocator never churns multi-MB blocks) and split in place,
/// without a copy per line; a last line that runs past the chunk's end is completed by reading
/// on.
pub fn for_each_line(
    path: &Path,
    chunk: &Chunk,
    buf: &mut Vec<u8>,
    mut f: impl FnMut(Line<'_>),
) -> io::Result<u64> {
    let mut file = File::open(path)?;
    // Start one byte early: a newline there means a line starts exactly at `start`.
    let base = chunk.start.saturating_sub(1);
    file.seek(SeekFrom::Start(base))?;
    let want = (chunk.end - base) as usize;
    buf.clear();
    (&mut file).take(want as u64).read_to_end(buf)?;
    let mut eof = buf.len() < want;
    // Offsets into `buf`; the chunk owns lines starting before `limit`.
    let limit = ((chunk.end.min(chunk.file_len)) - base) as usize;
    let mut pos = if chunk.start == 0 {
        0
    } else {
        match memchr::memchr(b'\n', buf) {
            Some(i) => i + 1,
            None => return Ok(0), // a line from an earlier chunk spans this one
        }
    };
    let mut index = 0;
    while pos < limit.min(buf.len()) {
        let nl = loop {
            if let Some(i) = memchr::memchr(b'\n', &buf[pos..]) {
                break Some(pos + i);
            }
            if eof {
                break None;
            }
            let before = buf.len();
            (&mut file).take(EXTEND as u64).read_to_end(buf)?;
            eof = buf.len() - before < EXTEND;
        };
        let end = nl.unwrap_or(buf.len());
        let mut bytes = &buf[pos..end];
        if nl.is_some() && bytes.last() == Some(&b'\r') {
            bytes = &bytes[..bytes.len() - 1];
        }
        f(Line {
            index,
            bytes,
            unterminated: nl.is_none(),
        });
        index += 1;
        pos = end + 1;
    }
    Ok(index)
}

/// For chunks in plan order with their owned line counts, the absolute 1-based number of
/// each chunk's first line.
pub fn line_bases(chunks: &[Chunk], counts: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(chunks.len());
    let mut current_file = None;
    let mut next = 1;
    for (c, n) in chunks.iter().zip(counts) {
        if current_file != Some(c.file) {
            current_file = Some(c.file);
            next = 1;
        }
        out.push(next);
        next += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(content: &[u8], chunk_size: u64) -> Vec<(u64, String, bool)> {
        changed(content, content, chunk_size)
    }

    /// Lines read from `actual` with chunks planned for a file of `planned`'s length: the
    /// file changed between discovery and reading.
    fn changed(planned: &[u8], actual: &[u8], chunk_size: u64) -> Vec<(u64, String, bool)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        std::fs::write(&path, actual).unwrap();
        let chunks = plan_chunks(&[(0, planned.len() as u64)], chunk_size);
        let mut all = Vec::new();
        let mut counts = Vec::new();
        let mut per_chunk = Vec::new();
        let mut buf = Vec::new();
        for c in &chunks {
            let mut lines = Vec::new();
            let n = for_each_line(&path, c, &mut buf, |l| {
                lines.push((
                    l.index,
                    String::from_utf8_lossy(l.bytes).into_owned(),
                    l.unterminated,
                ))
            })
            .unwrap();
            counts.push(n);
            per_chunk.push(lines);
        }
        let bases = line_bases(&chunks, &counts);
        for (lines, base) in per_chunk.into_iter().zip(bases) {
            for (i, s, u) in lines {
                all.push((base + i, s, u));
            }
        }
        all
    }

    #[test]
    fn every_line_is_owned_by_exactly_one_chunk_for_any_chunk_size() {
        let content = b"{\"a\":1}\n{\"bb\":22}\r\n\n{\"ccc\":333}\n{\"last\":true}";
        let expected = collect(content, 1 << 20);
        assert_eq!(
            expected,
            vec![
                (1, "{\"a\":1}".to_string(), false),
                (2, "{\"bb\":22}".to_string(), false),
                (3, String::new(), false),
                (4, "{\"ccc\":333}".to_string(), false),
                (5, "{\"last\":true}".to_string(), true),
            ]
        );
        for size in 1..=content.len() as u64 + 1 {
            assert_eq!(collect(content, size), expected, "chunk size {size}");
        }
    }

    /// A session still being written: lines appended after discovery are left for the next
    /// run, the line that was half-written is read whole; a file rewritten shorter gives
    /// what it now holds. Never a panic, for any chunk size.
    #[test]
    fn files_that_change_while_read() {
        let planned = b"{\"a\":1}\n{\"b\":2";
        let grown = b"{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n";
        let shrunk = b"{\"a\":1}\n";
        for size in 1..=planned.len() as u64 + 1 {
            assert_eq!(
                changed(planned, grown, size),
                vec![
                    (1, "{\"a\":1}".to_string(), false),
                    (2, "{\"b\":2}".to_string(), false),
                ],
                "grown, chunk size {size}"
            );
            assert_eq!(
                changed(planned, shrunk, size),
                vec![(1, "{\"a\":1}".to_string(), false)],
                "shrunk, chunk size {size}"
            );
        }
    }

    #[test]
    fn empty_file_has_no_chunks() {
        assert!(plan_chunks(&[(0, 0)], 10).is_empty());
        assert_eq!(collect(b"", 4), vec![]);
        assert_eq!(collect(b"\n", 4), vec![(1, String::new(), false)]);
    }
}
