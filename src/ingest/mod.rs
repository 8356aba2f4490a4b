//! Ingest: find inputs, parse them in parallel into normalized [`UsageRecord`]s, dedup,
//! price, and account for every line read (per input root: rows = accepted + duplicates +
//! ignored + rejected + incomplete). The polars `usage` table is built from the result in
//! [`frame`].

pub mod archive;
pub mod claude;
pub mod codex;
pub mod discover;
pub mod export;
pub mod frame;
pub mod lines;
pub mod reconcile;
pub mod record;
pub mod skim;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::DateTime;
use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;

use crate::pricing::{MatchKind, PriceTable, Resolved, ServiceTier};
pub use discover::{Env, RootOrigin};
pub use record::{
    CommitLink, CostBasis, Origin, Reject, RejectReason, SourceKind, Text, UsageRecord,
};

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub claude: Vec<PathBuf>,
    pub codex: Vec<PathBuf>,
    /// Provider exports (`--export`), expanded.
    pub exports: Vec<export::ExportSpec>,
    pub focus_scope: export::FocusScope,
    /// FOCUS rows read besides AI services (config `[focus] include`).
    pub focus_rules: Vec<crate::config::FocusRule>,
    /// Scale log estimates to the bills that cover them (else bills covered by logs are set
    /// aside and the estimates stand).
    pub reconcile: bool,
    /// Keep the records as read: no reconciliation at all (what the archive stores).
    pub raw: bool,
    /// An archive to read besides the inputs.
    pub archive: Option<PathBuf>,
    /// Input files to skip because they are unchanged since they were archived.
    pub unchanged: Option<archive::Seen>,
    /// A progress bar to advance by the bytes read (the caller shows it only on a TTY).
    pub progress: Option<indicatif::ProgressBar>,
    pub env: Env,
    pub chunk_size: Option<u64>,
}

/// Line accounting and totals for one input root (a row of `costper sources`).
#[derive(Debug, Clone)]
pub struct SourceStats {
    pub kind: SourceKind,
    pub path: PathBuf,
    pub origin: RootOrigin,
    pub files: u64,
    pub rows: u64,
    pub accepted: u64,
    pub duplicates: u64,
    pub ignored: u64,
    pub rejected: u64,
    pub incomplete: u64,
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
    /// nano-USD of priced records.
    pub cost: i64,
    /// Records with a price.
    pub priced: u64,
    pub unpriced_requests: u64,
}

impl SourceStats {
    fn new(kind: SourceKind, path: PathBuf, origin: RootOrigin, files: u64) -> Self {
        SourceStats {
            kind,
            path,
            origin,
            files,
            rows: 0,
            accepted: 0,
            duplicates: 0,
            ignored: 0,
            rejected: 0,
            incomplete: 0,
            first_ts: None,
            last_ts: None,
            cost: 0,
            priced: 0,
            unpriced_requests: 0,
        }
    }
}

/// A model name that has no price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpriced {
    pub model: String,
    pub requests: u64,
    pub tokens: u64,
}

/// A model name matched by something weaker than its exact id or alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LooseMatch {
    pub raw: String,
    pub model: String,
    pub how: MatchKind,
    pub requests: u64,
}

/// Everything a run read.
#[derive(Debug, Default)]
pub struct Ingested {
    pub files: Vec<PathBuf>,
    /// For each file, the index of its input root in `sources`.
    pub file_root: Vec<usize>,
    pub records: Vec<UsageRecord>,
    pub commit_links: Vec<CommitLink>,
    pub sources: Vec<SourceStats>,
    pub rejects: Vec<Reject>,
    pub notes: Vec<String>,
    pub unpriced: Vec<Unpriced>,
    pub loose_matches: Vec<LooseMatch>,
    /// Codex events logged before any `turn_context` named a model, priced as `gpt-5`.
    pub codex_model_fallbacks: u64,
    /// Files that disappeared between discovery and reading (e.g. cleaned up meanwhile).
    pub vanished: Vec<PathBuf>,
    /// True when inputs were auto-discovered rather than given.
    pub discovered: bool,
    /// Archive files that could not be read: (path, why). Skipped.
    pub archive_skipped: Vec<(PathBuf, String)>,
    /// Input files skipped as unchanged since the last ingest.
    pub unchanged_files: u64,
    /// Log estimates matched with bills, per scope (empty without billed exports).
    pub reconciliation: Vec<reconcile::Scope>,
    /// Wall time of each phase, for `-vv`.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

impl Ingested {
    /// The display path of a record's file.
    pub fn path_of(&self, origin: Origin) -> &Path {
        &self.files[origin.file as usize]
    }

    /// The index (into `sources`) of the input root a file belongs to.
    pub fn root_of(&self, origin: Origin) -> usize {
        self.file_root[origin.file as usize]
    }
}

/// Model assumed for Codex events logged before the first `turn_context` (as ccusage does).
pub const CODEX_FALLBACK_MODEL: &str = "gpt-5";

struct ClaudeChunkOut {
    calls: Vec<claude::ClaudeCall>,
    links: Vec<claude::RawLink>,
    rejects: Vec<(u64, RejectReason, String)>,
    ignored: u64,
    incomplete: u64,
    /// Lines of a call already dropped inside the chunk (streamed copies).
    duplicates: u64,
    lines: u64,
}

/// Labels every record of a source shares (one allocation per run, not per record).
struct Labels {
    anthropic: Text,
    openai: Text,
    claude_code: Text,
    claude_code_ci: Text,
    codex: Text,
    codex_ci: Text,
    codex_fallback_model: Text,
}

impl Labels {
    fn new() -> Self {
        Labels {
            anthropic: Text::from("anthropic"),
            openai: Text::from("openai"),
            claude_code: Text::from("claude-code"),
            claude_code_ci: Text::from("claude-code-ci"),
            codex: Text::from("codex"),
            codex_ci: Text::from("codex-ci"),
            codex_fallback_model: Text::from(CODEX_FALLBACK_MODEL),
        }
    }
}

/// Reads every input and returns priced records with full accounting.
pub fn load(opts: &LoadOptions, prices: &PriceTable) -> Result<Ingested> {
    let mut clock = std::time::Instant::now();
    let mut lap = |out: &mut Ingested, phase: &'static str| {
        out.timings.push((phase, clock.elapsed()));
        clock = std::time::Instant::now();
    };
    // inputs given replace discovery: exports alone read no agent logs
    let logs_given = !opts.claude.is_empty() || !opts.codex.is_empty();
    let discovered = !logs_given && opts.exports.is_empty();
    let mut found = if logs_given || discovered {
        discover::discover(&opts.claude, &opts.codex, &opts.env)?
    } else {
        discover::Discovered::default()
    };
    let mut exports = opts.exports.clone();
    let mut unchanged_files = 0u64;
    if let Some(seen) = &opts.unchanged {
        let same = |p: &Path| {
            seen.get(&p.display().to_string()).copied() == archive::stamp(p)
                && archive::stamp(p).is_some()
        };
        for root in &mut found.roots {
            let before = root.files.len();
            root.files.retain(|f| !same(f));
            unchanged_files += (before - root.files.len()) as u64;
        }
        let before = exports.len();
        exports.retain(|e| !same(&e.path));
        unchanged_files += (before - exports.len()) as u64;
    }
    let mut out = Ingested {
        notes: std::mem::take(&mut found.notes),
        discovered,
        unchanged_files,
        ..Ingested::default()
    };
    let mut file_root: Vec<usize> = Vec::new();
    let mut per_file: Vec<FileTally> = Vec::new();
    for (ri, root) in found.roots.iter().enumerate() {
        for f in &root.files {
            out.files.push(f.clone());
            file_root.push(ri);
        }
        out.sources.push(SourceStats::new(
            root.kind,
            root.path.clone(),
            root.origin.clone(),
            root.files.len() as u64,
        ));
    }
    let paths: Vec<String> = out.files.iter().map(|p| p.display().to_string()).collect();
    let path_refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let log_kinds: Vec<SourceKind> = file_root.iter().map(|&r| found.roots[r].kind).collect();
    let kind_of = |i: usize| log_kinds[i];
    let roots: Vec<&Path> = found.roots.iter().map(|r| r.path.as_path()).collect();
    // (project directory name, session id) implied by each Claude transcript's path
    let claude_parts: Vec<(Option<Text>, Option<Text>)> = (0..out.files.len())
        .map(|i| match kind_of(i) {
            SourceKind::ClaudeCode => {
                let (slug, session) = claude::path_parts(roots[file_root[i]], &out.files[i]);
                (slug.map(Text::from), session.map(Text::from))
            }
            _ => (None, None),
        })
        .collect();
    let labels = Labels::new();

    lap(&mut out, "discover");
    per_file.resize(out.files.len(), FileTally::default());
    let mut records = Vec::new();
    let mut links = Vec::new();

    // ---- Claude Code ----
    let claude_files: Vec<usize> = (0..out.files.len())
        .filter(|&i| kind_of(i) == SourceKind::ClaudeCode)
        .collect();
    if !claude_files.is_empty() {
        let mut sized = Vec::new();
        for &i in &claude_files {
            match std::fs::metadata(&out.files[i]) {
                Ok(m) => sized.push((i as u32, m.len())),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    out.vanished.push(out.files[i].clone())
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot read {}", paths[i]));
                }
            }
        }
        let chunks = lines::plan_chunks(&sized, opts.chunk_size.unwrap_or(lines::CHUNK_SIZE));
        if let Some(bar) = &opts.progress {
            bar.set_length(bar.length().unwrap_or(0) + sized.iter().map(|s| s.1).sum::<u64>());
        }
        let results: Vec<io::Result<ClaudeChunkOut>> = chunks
            .par_iter()
            .map_init(Vec::new, |buf, chunk| {
                let r = read_claude_chunk(&out.files[chunk.file as usize], chunk, &path_refs, buf);
                if let Some(bar) = &opts.progress {
                    bar.inc(chunk.end.saturating_sub(chunk.start));
                }
                r
            })
            .collect();
        lap(&mut out, "claude: read and parse");
        let mut outs = Vec::with_capacity(results.len());
        let mut vanished_files = std::collections::BTreeSet::new();
        for (chunk, r) in chunks.iter().zip(results) {
            match r {
                Ok(o) => outs.push(o),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    vanished_files.insert(chunk.file);
                    outs.push(ClaudeChunkOut::empty());
                }
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("cannot read {}", paths[chunk.file as usize]));
                }
            }
        }
        for f in vanished_files {
            out.vanished.push(out.files[f as usize].clone());
        }
        let counts: Vec<u64> = outs.iter().map(|o| o.lines).collect();
        let bases = lines::line_bases(&chunks, &counts);
        // exact capacities: growing by doubling would briefly hold two copies of each list
        let mut calls = Vec::with_capacity(outs.iter().map(|o| o.calls.len()).sum());
        for ((chunk, o), base) in chunks.iter().zip(outs).zip(bases) {
            let f = chunk.file as usize;
            let tally = &mut per_file[f];
            tally.rows += o.lines;
            tally.ignored += o.ignored;
            tally.incomplete += o.incomplete;
            tally.duplicates += o.duplicates;
            for (line, reason, detail) in o.rejects {
                out.rejects.push(Reject {
                    origin: Origin {
                        file: chunk.file,
                        line: base + line,
                    },
                    reason,
                    detail,
                });
            }
            for mut c in o.calls {
                c.line += base;
                calls.push(c);
            }
            for mut l in o.links {
                l.line += base;
                links.push((f, l));
            }
        }
        let keep = claude::dedup(&calls, &path_refs);
        lap(&mut out, "claude: dedup");
        records.reserve(keep.iter().filter(|&&k| k).count());
        let mut project_cache: HashMap<(Option<Text>, Option<Text>), Option<Text>> = HashMap::new();
        for (c, kept) in calls.into_iter().zip(keep) {
            let f = c.file as usize;
            if !kept {
                per_file[f].duplicates += 1;
                continue;
            }
            per_file[f].accepted += 1;
            let (slug, path_session) = &claude_parts[f];
            let project = project_cache
                .entry((slug.clone(), c.cwd.clone()))
                .or_insert_with(|| {
                    claude::project_of(slug.as_deref(), c.cwd.as_deref()).map(Text::from)
                })
                .clone();
            records.push(claude_record(c, path_session.clone(), project, &labels));
        }
    }

    lap(&mut out, "claude: records");
    // ---- Codex ----
    let codex_files: Vec<usize> = (0..out.files.len())
        .filter(|&i| kind_of(i) == SourceKind::Codex)
        .collect();
    if !codex_files.is_empty() {
        let size = |i: usize| std::fs::metadata(&out.files[i]).map_or(0, |m| m.len());
        if let Some(bar) = &opts.progress {
            let total: u64 = codex_files.iter().map(|&i| size(i)).sum();
            bar.set_length(bar.length().unwrap_or(0) + total);
        }
        let read: Vec<(usize, io::Result<codex::CodexFile>)> = codex_files
            .par_iter()
            .map(|&i| {
                let r = codex::read_file(&out.files[i], i as u32);
                if let Some(bar) = &opts.progress {
                    bar.inc(size(i));
                }
                (i, r)
            })
            .collect();
        let mut files = Vec::new();
        for (i, r) in read {
            match r {
                Ok(f) => files.push(f),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    out.vanished.push(out.files[i].clone())
                }
                Err(e) => return Err(e).with_context(|| format!("cannot read {}", paths[i])),
            }
        }
        let fpaths: Vec<&str> = files.iter().map(|f| path_refs[f.file as usize]).collect();
        let (calls, counts) = codex::finalize(&files, &fpaths);
        for (f, c) in files.iter().zip(&counts) {
            let t = &mut per_file[f.file as usize];
            t.rows += f.lines;
            // events that are neither accepted nor duplicates were zero-usage
            t.ignored += f.ignored + c.ignored;
            t.accepted += c.accepted;
            t.duplicates += c.duplicates;
            t.incomplete += f.incomplete;
            for (line, reason, detail) in &f.rejects {
                out.rejects.push(Reject {
                    origin: Origin {
                        file: f.file,
                        line: *line,
                    },
                    reason: *reason,
                    detail: detail.clone(),
                });
            }
            for l in &f.links {
                links.push((f.file as usize, l.clone()));
            }
        }
        records.reserve(calls.len());
        for call in calls {
            let f = &files[call.file];
            let e = &f.events[call.event];
            if e.model.is_none() {
                out.codex_model_fallbacks += 1;
            }
            records.push(codex_record(
                f,
                e,
                &call.usage,
                &out.files[f.file as usize],
                &labels,
            ));
        }
    }

    lap(&mut out, "codex");
    // ---- provider exports ----
    if !exports.is_empty() {
        let first = out.files.len() as u32;
        let read: Vec<Result<(export::ExportKind, export::ExportOut)>> = exports
            .par_iter()
            .enumerate()
            .map(|(i, spec)| {
                export::read(spec, first + i as u32, opts.focus_scope, &opts.focus_rules)
            })
            .collect();
        let mut seen: foldhash::HashSet<u128> = Default::default();
        // sized once: a set that doubles rehashes and faults in its memory again each time
        seen.reserve(
            read.iter()
                .map(|r| r.as_ref().map_or(0, |(_, o)| o.records.len()))
                .sum(),
        );
        for (spec, r) in exports.iter().zip(read) {
            let (kind, mut o) = r?;
            let f = out.files.len();
            out.files.push(spec.path.clone());
            file_root.push(out.sources.len());
            out.sources.push(SourceStats::new(
                SourceKind::Export(kind),
                spec.path.clone(),
                RootOrigin::Flag,
                1,
            ));
            // an export's "rows" are its items: what became a record, was ignored or was
            // rejected (a headless result with two models is two), so that
            // rows = accepted + duplicates + ignored + rejected holds for every file
            let mut t = FileTally {
                rows: o.records.len() as u64 + o.ignored + o.rejects.len() as u64,
                ignored: o.ignored,
                ..FileTally::default()
            };
            for (line, reason, detail) in o.rejects {
                out.rejects.push(Reject {
                    origin: Origin {
                        file: f as u32,
                        line,
                    },
                    reason,
                    detail,
                });
            }
            // the same row in two exports (a re-export, overlapping ranges) counts once:
            // the first file given keeps it. Filtered in place and moved, not copied: a
            // 10M-row export is gigabytes of records.
            let read = o.records.len() as u64;
            o.records.retain(|r| seen.insert(r.record_id));
            t.accepted = o.records.len() as u64;
            t.duplicates = read - t.accepted;
            if records.is_empty() {
                records = o.records;
            } else {
                records.append(&mut o.records);
            }
            per_file.push(t);
        }
        drop_telemetry_overlap(&mut records, &mut per_file);
        lap(&mut out, "exports");
    }
    // ---- the archive: what earlier runs kept ----
    let mut archive_links = Vec::new();
    if let Some(dir) = &opts.archive {
        let a = archive::read(dir, out.files.len() as u32)?;
        let root = out.sources.len();
        out.sources.push(SourceStats::new(
            SourceKind::Archive,
            dir.clone(),
            RootOrigin::Flag,
            a.usage_files.len() as u64,
        ));
        for f in &a.usage_files {
            out.files.push(f.clone());
            file_root.push(root);
            per_file.push(FileTally::default());
        }
        // the inputs read now win over their archived copies; archives merged from
        // several machines may hold a record twice
        let mut ids: foldhash::HashSet<u128> = records.iter().map(|r| r.record_id).collect();
        for r in a.records {
            let t = &mut per_file[r.origin.file as usize];
            t.rows += 1;
            if ids.insert(r.record_id) {
                t.accepted += 1;
                records.push(r);
            } else {
                t.duplicates += 1;
            }
        }
        out.archive_skipped = a.skipped;
        archive_links = a.links;
        lap(&mut out, "archive");
    }
    // every file, exports included
    let paths: Vec<String> = out.files.iter().map(|p| p.display().to_string()).collect();
    let path_refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    price_records(&mut records, prices, &mut out);
    // (ts, record id) is unique but for lines without a message id; (path, line) settles those
    records.par_sort_unstable_by(|a, b| {
        (
            a.ts,
            a.record_id,
            path_refs[a.origin.file as usize],
            a.origin.line,
        )
            .cmp(&(
                b.ts,
                b.record_id,
                path_refs[b.origin.file as usize],
                b.origin.line,
            ))
    });
    lap(&mut out, "price and sort");

    // Commit links: one per (source, session, sha), earliest sighting.
    let mut by_key: BTreeMap<(SourceKind, Text, String), CommitLink> = BTreeMap::new();
    for (f, l) in links {
        let kind = kind_of(f);
        let session = l.session_id.clone().or_else(|| match kind {
            SourceKind::ClaudeCode => claude_parts[f].1.clone(),
            _ => codex::session_from_name(&out.files[f]),
        });
        let Some(session) = session else { continue };
        let link = CommitLink {
            source: kind,
            session_id: session.clone(),
            ts: l.ts.unwrap_or(i64::MIN),
            sha: l.sha.clone(),
            branch: l.branch.clone(),
            cwd: l.cwd.clone(),
            origin: Origin {
                file: f as u32,
                line: l.line,
            },
        };
        let key = (kind, session, l.sha);
        match by_key.get(&key) {
            Some(existing)
                if (
                    existing.ts,
                    &paths[existing.origin.file as usize],
                    existing.origin.line,
                ) <= (link.ts, &paths[f], link.origin.line) => {}
            _ => {
                by_key.insert(key, link);
            }
        }
    }
    for l in archive_links {
        by_key
            .entry((l.source, l.session_id.clone(), l.sha.clone()))
            .or_insert(l);
    }
    out.commit_links = by_key.into_values().collect();
    out.commit_links
        .sort_by(|a, b| (a.ts, &a.session_id, &a.sha).cmp(&(b.ts, &b.session_id, &b.sha)));

    // Per-root statistics.
    for (i, t) in per_file.iter().enumerate() {
        let s = &mut out.sources[file_root[i]];
        s.rows += t.rows;
        s.accepted += t.accepted;
        s.duplicates += t.duplicates;
        s.ignored += t.ignored;
        s.incomplete += t.incomplete;
    }
    for r in &out.rejects {
        out.sources[file_root[r.origin.file as usize]].rejected += 1;
    }
    for r in &records {
        let s = &mut out.sources[file_root[r.origin.file as usize]];
        s.first_ts = Some(s.first_ts.map_or(r.ts, |t| t.min(r.ts)));
        s.last_ts = Some(s.last_ts.map_or(r.ts, |t| t.max(r.ts)));
        match r.cost {
            Some(c) => {
                s.cost += c;
                s.priced += 1;
            }
            None => s.unpriced_requests += r.requests,
        }
    }
    out.rejects.sort_by(|a, b| {
        (&paths[a.origin.file as usize], a.origin.line)
            .cmp(&(&paths[b.origin.file as usize], b.origin.line))
    });
    if let Some(bar) = &opts.progress {
        bar.finish_and_clear();
    }
    // after the per-source totals: `sources` shows what each input said
    if !opts.raw {
        out.reconciliation = reconcile::reconcile(&mut records, opts.reconcile);
    }
    lap(&mut out, "reconcile");
    out.records = records;
    out.file_root = file_root;
    Ok(out)
}

/// Telemetry describes calls a transcript may already hold: an OpenTelemetry `api_request`
/// event whose request id a Claude Code transcript has, and a metric record of a session
/// with call-level detail (a transcript or events), count as duplicates.
fn drop_telemetry_overlap(records: &mut Vec<UsageRecord>, per_file: &mut [FileTally]) {
    let otel = SourceKind::Export(export::ExportKind::Otel);
    if !records.iter().any(|r| r.source == otel) {
        return;
    }
    let mut requests: foldhash::HashSet<Text> = Default::default();
    let mut detailed: foldhash::HashSet<Text> = Default::default();
    for r in records.iter() {
        let call_level =
            r.source == SourceKind::ClaudeCode || (r.source == otel && r.ts_end.is_none());
        if r.source == SourceKind::ClaudeCode
            && let Some(q) = &r.request_id
        {
            requests.insert(q.clone());
        }
        if call_level && let Some(sess) = &r.session_id {
            detailed.insert(sess.clone());
        }
    }
    records.retain(|r| {
        if r.source != otel {
            return true;
        }
        let dup = match r.ts_end {
            None => r.request_id.as_ref().is_some_and(|q| requests.contains(q)),
            Some(_) => r.session_id.as_ref().is_some_and(|s| detailed.contains(s)),
        };
        if dup {
            let t = &mut per_file[r.origin.file as usize];
            t.accepted -= 1;
            t.duplicates += 1;
        }
        !dup
    });
}

#[derive(Debug, Default, Clone, Copy)]
struct FileTally {
    rows: u64,
    accepted: u64,
    duplicates: u64,
    ignored: u64,
    incomplete: u64,
}

impl ClaudeChunkOut {
    fn empty() -> Self {
        ClaudeChunkOut {
            calls: Vec::new(),
            links: Vec::new(),
            rejects: Vec::new(),
            ignored: 0,
            incomplete: 0,
            duplicates: 0,
            lines: 0,
        }
    }
}

/// Parses one chunk and drops the streamed copies of a call it holds itself.
fn read_claude_chunk(
    path: &Path,
    chunk: &lines::Chunk,
    paths: &[&str],
    buf: &mut Vec<u8>,
) -> io::Result<ClaudeChunkOut> {
    let mut o = ClaudeChunkOut::empty();
    let mut strings = claude::Interner::default();
    let n = lines::for_each_line(path, chunk, buf, |line| {
        match claude::parse_line(
            line.bytes,
            line.unterminated,
            chunk.file,
            line.index,
            &mut strings,
            &mut o.links,
        ) {
            claude::Outcome::Call(c) => o.calls.push(*c),
            claude::Outcome::Ignored => o.ignored += 1,
            claude::Outcome::Rejected(reason, detail) => {
                o.rejects.push((line.index, reason, detail))
            }
            claude::Outcome::Incomplete => o.incomplete += 1,
        }
    })?;
    o.lines = n;
    let keep = claude::best_per_key(&o.calls, paths);
    let before = o.calls.len();
    let mut flags = keep.into_iter();
    o.calls.retain(|_| flags.next().unwrap_or(true));
    o.calls.shrink_to_fit();
    o.duplicates = (before - o.calls.len()) as u64;
    Ok(o)
}

/// Default workflow label of a Claude Code call: `claude-code-ci` for the headless / SDK /
/// GitHub Action entrypoints, `claude-code` otherwise (config rules refine this).
fn claude_workflow<'a>(entrypoint: Option<&str>, labels: &'a Labels) -> &'a Text {
    match entrypoint {
        Some(e) if e.starts_with("sdk") || e.contains("action") => &labels.claude_code_ci,
        _ => &labels.claude_code,
    }
}

fn claude_record(
    c: claude::ClaudeCall,
    path_session: Option<Text>,
    project: Option<Text>,
    labels: &Labels,
) -> UsageRecord {
    let record_id = match &c.message_id {
        Some(m) => record::record_id(&["claude_code", m, c.request_id.as_deref().unwrap_or("")]),
        None => record::record_id(&[
            "claude_code",
            c.session_id
                .as_deref()
                .or(path_session.as_deref())
                .unwrap_or(""),
            &c.ts.to_string(),
            &c.model_raw,
            &token_key(&c.tokens),
        ]),
    };
    UsageRecord {
        record_id,
        ts: c.ts,
        ts_end: None,
        source: SourceKind::ClaudeCode,
        provider: labels.anthropic.clone(),
        model: c.model_raw.clone(),
        model_raw: c.model_raw,
        tokens: c.tokens,
        reasoning_tokens: c.reasoning,
        requests: 1,
        cost: None,
        cost_basis: None,
        session_id: c.session_id.or(path_session),
        request_id: c.request_id.map(Text::from),
        actor: None,
        api_key_id: None,
        workspace: None,
        project,
        repo: None,
        branch: c.branch,
        cwd: c.cwd,
        machine: None,
        workflow: Some(claude_workflow(c.entrypoint.as_deref(), labels).clone()),
        tags: None,
        origin: Origin {
            file: c.file,
            line: c.line,
        },
        git_remote: None,
        entrypoint: c.entrypoint,
        agent_version: c.version,
        is_sidechain: c.is_sidechain,
        fast: c.fast,
        long_context: false,
        batch: false,
        context_known: None,
    }
}

fn codex_record(
    f: &codex::CodexFile,
    e: &codex::TokenEvent,
    usage: &codex::CodexUsage,
    path: &Path,
    labels: &Labels,
) -> UsageRecord {
    let session = f
        .session_id
        .clone()
        .or_else(|| codex::session_from_name(path));
    let model = e
        .model
        .clone()
        .unwrap_or_else(|| labels.codex_fallback_model.clone());
    let cumulative = e
        .total
        .map_or(String::new(), |t| t.total_tokens.to_string());
    let record_id = record::record_id(&[
        "codex",
        session.as_deref().unwrap_or(""),
        &e.ts.to_string(),
        &cumulative,
        &token_key(&usage.tokens()),
    ]);
    let workflow = match f.originator.as_deref() {
        Some("codex_exec") => &labels.codex_ci,
        _ => &labels.codex,
    };
    UsageRecord {
        record_id,
        ts: e.ts,
        ts_end: None,
        source: SourceKind::Codex,
        provider: f
            .model_provider
            .clone()
            .unwrap_or_else(|| labels.openai.clone()),
        model: model.clone(),
        model_raw: model,
        tokens: usage.tokens(),
        reasoning_tokens: usage.reasoning_output_tokens,
        requests: 1,
        cost: None,
        cost_basis: None,
        session_id: session,
        request_id: None,
        actor: None,
        api_key_id: None,
        workspace: None,
        project: f.cwd.clone(),
        repo: None,
        branch: f.git_branch.clone(),
        cwd: e.cwd.clone().or_else(|| f.cwd.clone()),
        machine: None,
        workflow: Some(workflow.clone()),
        tags: None,
        origin: Origin {
            file: f.file,
            line: e.line,
        },
        git_remote: f.git_remote.clone(),
        entrypoint: f.originator.clone(),
        agent_version: f.cli_version.clone(),
        is_sidechain: f.parent_id.is_some(),
        fast: false,
        long_context: false,
        batch: false,
        context_known: None,
    }
}

/// Prices every record without a cost: resolves each distinct model name once, prices at
/// the UTC day of the call, and collects unpriced models and loose name matches.
fn price_records(records: &mut [UsageRecord], prices: &PriceTable, out: &mut Ingested) {
    let mut resolved: HashMap<Text, Option<Resolved>> = HashMap::new();
    for r in records.iter() {
        if !resolved.contains_key(&r.model_raw) {
            resolved.insert(r.model_raw.clone(), prices.resolve(&r.model_raw));
        }
    }
    let came_with_cost: Vec<bool> = records.iter().map(|r| r.cost.is_some()).collect();
    let names: Vec<(Text, Text)> = prices
        .models
        .iter()
        .map(|m| (Text::from(m.id.as_str()), Text::from(m.provider.as_str())))
        .collect();
    records.par_iter_mut().for_each(|r| {
        let Some(res) = resolved.get(&r.model_raw).and_then(Option::as_ref) else {
            return;
        };
        if r.cost.is_some() {
            // billed: keep the money, name the model as logs do (reconciliation matches them)
            r.model = names[res.model].0.clone();
            if r.provider.is_empty() {
                r.provider = names[res.model].1.clone();
            }
            return;
        }
        let day = DateTime::from_timestamp_micros(r.ts)
            .map(|t| t.date_naive())
            .unwrap_or_default();
        let tier = if r.batch {
            ServiceTier::Batch
        } else {
            ServiceTier::Standard
        };
        // an aggregated row's token sums say nothing about each request's prompt size
        let long = r.context_known.or(r.ts_end.map(|_| false));
        let p = prices.price_in_context(res.model, day, &r.tokens, r.fast, tier, long);
        r.cost = Some(p.cost_nano);
        r.cost_basis = Some(CostBasis::Estimated);
        r.long_context = p.long_context;
        r.model = names[res.model].0.clone();
        r.provider = names[res.model].1.clone();
    });
    let mut unpriced: BTreeMap<&str, Unpriced> = BTreeMap::new();
    let mut loose: BTreeMap<&str, LooseMatch> = BTreeMap::new();
    // records that came with a cost (bills, exports' own estimates) need no price
    for r in records
        .iter()
        .zip(&came_with_cost)
        .filter(|(_, had)| !**had)
        .map(|(r, _)| r)
    {
        match resolved.get(&r.model_raw).and_then(Option::as_ref) {
            None => {
                let u = unpriced.entry(&r.model_raw).or_insert_with(|| Unpriced {
                    model: r.model_raw.to_string(),
                    requests: 0,
                    tokens: 0,
                });
                u.requests += r.requests;
                u.tokens += total_tokens(r);
            }
            Some(res) if matches!(res.how, MatchKind::Contains(_) | MatchKind::Normalized) => {
                let l = loose.entry(&r.model_raw).or_insert_with(|| LooseMatch {
                    raw: r.model_raw.to_string(),
                    model: prices.models[res.model].id.clone(),
                    how: res.how.clone(),
                    requests: 0,
                });
                l.requests += r.requests;
            }
            Some(_) => {}
        }
    }
    out.unpriced = unpriced.into_values().collect();
    out.loose_matches = loose.into_values().collect();
}

/// Token counts as a stable key part (part of the record-id format: never change it).
fn token_key(t: &crate::pricing::Tokens) -> String {
    format!(
        "{}/{}/{}/{}/{}/{}",
        t.input, t.output, t.cache_read, t.cache_write_5m, t.cache_write_1h, t.web_search_requests
    )
}

/// Input + output + cache reads + cache writes.
pub fn total_tokens(r: &UsageRecord) -> u64 {
    r.tokens.prompt().saturating_add(r.tokens.output)
}
