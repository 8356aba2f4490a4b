//! Entry points for the fuzz targets (`tests/fuzz`, run with cargo fuzz) and for the
//! corpus replay test that runs in CI on the stable toolchain. Each takes arbitrary bytes,
//! runs one family of parsers over them as costper's readers would, and asserts what must
//! hold for any input; the only failure mode a fuzzer looks for beyond those assertions is a
//! panic (an abort under the fuzzer). Not a public API: the names and input layouts change
//! with the parsers. docs/reliability.md says how to run them.

use std::path::Path;
use std::sync::{LazyLock, OnceLock};

use crate::ingest::export::{self, ExportKind, FocusScope};
use crate::ingest::{claude, codex};
use crate::outcomes::graph::Graph;
use crate::outcomes::pack::Packs;
use crate::outcomes::patterns::Patterns;
use crate::outcomes::{export as pr_export, git, markers, walk};

/// A fuzz target: any bytes in, a panic on a broken promise.
pub type Target = fn(&[u8]);

/// The targets, by name: what `tests/fuzz/fuzz_targets/*.rs` call and the corpus replay
/// test iterates over (`tests/fuzz/corpus/<name>/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("transcript", transcript),
    ("export", export_file),
    ("pr_export", pr_export_file),
    ("git_commit", git_commit),
    ("git_pack", git_pack),
    ("config", config),
    ("prices", prices),
];

/// Claude Code lines (each through the line parser, as the chunked reader does, then the
/// cross-file dedup) and the same bytes as a Codex rollout.
pub fn transcript(data: &[u8]) {
    let mut strings = claude::Interner::default();
    let mut links = Vec::new();
    let mut calls = Vec::new();
    for (i, raw) in data.split_inclusive(|&b| b == b'\n').enumerate() {
        let unterminated = raw.last() != Some(&b'\n');
        let line = i as u64 + 1;
        match claude::parse_line(raw, unterminated, 0, line, &mut strings, &mut links) {
            claude::Outcome::Call(call) => calls.push(*call),
            claude::Outcome::Incomplete => assert!(unterminated, "only a last line is incomplete"),
            claude::Outcome::Ignored | claude::Outcome::Rejected(..) => {}
        }
    }
    let keep = claude::dedup(&calls, &["fuzz.jsonl"]);
    assert_eq!(keep.len(), calls.len());
    let _ = claude::find_commit_links(data);
    let file = codex::read_from(data, 0).expect("reading from memory cannot fail");
    let _ = codex::finalize(&[file], &["fuzz.jsonl"]);
}

/// An export file: the first byte picks the kind (or detection from the header), the rest
/// is the file's bytes.
pub fn export_file(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let all = ExportKind::ALL;
    let kind = match all.get(usize::from(pick) % (all.len() + 1)) {
        Some(&k) => k,
        None => match export::detect(bytes) {
            Some(k) => k,
            None => return,
        },
    };
    let text = String::from_utf8_lossy(bytes);
    let scope = match pick & 0x80 {
        0 => FocusScope::Ai,
        _ => FocusScope::All,
    };
    let path = Path::new("exports/pr-12-result.json");
    if let Ok(out) = export::parse(kind, &text, 0, path, scope, &[]) {
        for (line, _, _) in &out.rejects {
            assert!(*line >= 1, "a rejection names a line");
        }
    }
}

/// A PR export (`gh pr list --json …` or GitLab's API).
pub fn pr_export_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = pr_export::parse(&text, Path::new("prs.json"));
}

/// A commit object as git stores it, decoded as a mainline commit (classification against
/// every platform's patterns, AI markers, reverts), and the same bytes as a git-ai note and
/// a branch name.
pub fn git_commit(data: &[u8]) {
    static PATTERNS: LazyLock<Patterns> =
        LazyLock::new(|| Patterns::new(&[]).expect("the built-in patterns compile"));
    let oid = git2::Oid::ZERO_SHA1;
    if let Some(raw) = git::parse_commit(oid, data) {
        let id: crate::ingest::Text = "fuzz/repo".into();
        let decoder = walk::Decoder {
            id: &id,
            patterns: &PATTERNS,
        };
        let _ = decoder.mainline(raw);
    }
    let text = String::from_utf8_lossy(data);
    let _ = markers::in_git_ai_note(&text);
    let _ = markers::in_branch(text.lines().next().unwrap_or_default());
    let _ = markers::claude_model(&text);
}

/// git's binary files: the first byte picks a pack (index length as 4 bytes, the index, the
/// pack; every commit the index lists is read, deltas resolved, and the pack's front is
/// found in pack order and read) or a commit-graph (every position's id and parents, and
/// that id's position).
pub fn git_pack(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    if pick & 1 == 0 {
        let Some((len, rest)) = rest.split_first_chunk::<4>() else {
            return;
        };
        let len = (u32::from_be_bytes(*len) as usize).min(rest.len());
        let (idx, pack) = rest.split_at(len);
        let packs = Packs::from_memory(vec![(idx.to_vec(), pack.to_vec())]);
        let mut reader = packs.reader();
        let mut out = Vec::new();
        for oid in packs.listed(256) {
            if reader.commit(oid, &mut out).is_ok() {
                let _ = git::parse_commit(oid, &out);
            }
        }
        // the front of the pack, as a walk without a commit-graph reads it ahead
        let mut read = 0;
        packs.front_chunks(64, |part| {
            for (oid, at, _) in part.into_iter().filter_map(|e| packs.entry(e)) {
                if read < 256 && reader.commit_append(at, oid, &mut out).is_ok() {
                    read += 1;
                }
            }
            out.clear();
        });
    } else if let Some(graph) = Graph::from_memory(vec![rest.to_vec()]) {
        for pos in 0..graph.commits().min(4096) {
            // a corrupt file may not find what it lists, but never finds something else
            if let Some(found) = graph.oid(pos).and_then(|oid| graph.position(oid)) {
                assert_eq!(graph.oid(found), graph.oid(pos), "a position holds its id");
            }
            let _ = graph.parents(pos, |_| {});
        }
    }
}

/// A costper.toml.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = crate::config::Config::parse(text, Path::new("costper.toml")) {
        let _ = config.windows();
    }
}

/// A price file (LiteLLM's JSON or costper's TOML) over the bundled table, then a lookup and
/// a price of every model it names.
pub fn prices(data: &[u8]) {
    static BUNDLED: OnceLock<crate::pricing::PriceTable> = OnceLock::new();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let bundled = BUNDLED.get_or_init(|| {
        crate::pricing::PriceTable::bundled().expect("the bundled price table loads")
    });
    let Ok(table) = bundled
        .clone()
        .with_overrides_text(text, Path::new("prices.toml"))
    else {
        return;
    };
    for model in &table.models {
        let resolved = table.resolve(&model.id);
        assert!(
            resolved.is_some(),
            "a model of the table resolves: {}",
            model.id
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every target survives inputs that broke earlier versions or sit on a boundary.
    #[test]
    fn targets_take_edge_inputs() {
        let inputs: &[&[u8]] = &[
            b"",
            b"\0",
            b"\xff\xff\xff\xff",
            b"{",
            b"\n\n\n",
            b"\x01PACK",
            b"\x00\x00\x00\x00\x08\xfftOc\x00\x00\x00\x02",
            b"\x01CGPH\x01\x01\x03\x00",
        ];
        for (name, target) in TARGETS {
            for input in inputs {
                let r = std::panic::catch_unwind(|| target(input));
                assert!(r.is_ok(), "{name} panicked on {input:?}");
            }
        }
    }
}
