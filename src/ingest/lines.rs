//! Parallel, bounded-memory reading of JSON-lines files. A file is cut into byte ranges
//! ("chunks"); a chunk owns every line that *starts* inside its range, so chunks of one file
//! can be parsed on different threads and a multi-GB file never sits in memory. Line
//! numbers are local to a chunk while parsing and made absolute afterwards from the
//! per-chunk line counts ([`line_bases`]).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
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

/// Calls `f` for every line the chunk owns and returns how many it owns.
pub fn for_each_line(path: &Path, chunk: &Chunk, mut f: impl FnMut(Line<'_>)) -> io::Result<u64> {
    let mut file = File::open(path)?;
    let mut pos = if chunk.start == 0 { 0 } else { chunk.start - 1 };
    file.seek(SeekFrom::Start(pos))?;
    let cap = (chunk.end - chunk.start).clamp(64 << 10, 1 << 20) as usize;
    let mut reader = BufReader::with_capacity(cap, file);
    let mut buf = Vec::new();
    if chunk.start > 0 {
        // Skip the rest of the line that began before this chunk (or just the newline at
        // `start - 1`, in which case the line at `start` is ours).
        let n = reader.read_until(b'\n', &mut buf)?;
        pos += n as u64;
    }
    let mut index = 0;
    while pos < chunk.end && pos < chunk.file_len {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        pos += n as u64;
        let mut bytes = &buf[..];
        let terminated = bytes.last() == Some(&b'\n');
        if terminated {
            bytes = &bytes[..bytes.len() - 1];
            if bytes.last() == Some(&b'\r') {
                bytes = &bytes[..bytes.len() - 1];
            }
        }
        f(Line {
            index,
            bytes,
            unterminated: !terminated,
        });
        index += 1;
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
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        std::fs::write(&path, content).unwrap();
        let chunks = plan_chunks(&[(0, content.len() as u64)], chunk_size);
        let mut all = Vec::new();
        let mut counts = Vec::new();
        let mut per_chunk = Vec::new();
        for c in &chunks {
            let mut lines = Vec::new();
            let n = for_each_line(&path, c, |l| {
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

    #[test]
    fn empty_file_has_no_chunks() {
        assert!(plan_chunks(&[(0, 0)], 10).is_empty());
        assert_eq!(collect(b"", 4), vec![]);
        assert_eq!(collect(b"\n", 4), vec![(1, String::new(), false)]);
    }
}
