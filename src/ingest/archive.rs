//! The archive (SPEC §11; docs/archive.md): normalized usage records and commit links kept
//! as Parquet files, so a nightly job reads only what is new and history outlives Claude
//! Code's 30-day transcript clean-up.
//!
//! Layout under the archive directory:
//!
//! * `v1/usage/month=YYYY-MM/<id>.parquet` — records of one UTC month, as read (before
//!   reconciliation, which every report redoes); `<id>` is the xxh3-128 of the file's record
//!   ids, so the same records always make the same file name and archives from several
//!   machines merge by copying the files into one directory.
//! * `v1/links/<id>.parquet` — commit links (session → abbreviated sha).
//! * `v1/state/<machine>.json` — the input files this machine already archived (path, size,
//!   modification time), so a re-run skips unchanged files.
//!
//! Files are written to a hidden temporary name and renamed into place: an interrupted
//! ingest leaves no partial file where a reader looks (names starting with `.` are never
//! read). A file that is not a readable costper archive file is reported and skipped.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::*;

use super::export::ExportKind;
use super::record::{CommitLink, CostBasis, Origin, SourceKind, Text, UsageRecord, record_id};
use crate::pricing::Tokens;

/// The archive format's directory: a new layout gets a new one, old ones stay readable.
pub const VERSION_DIR: &str = "v1";

const STRING_COLUMNS: &[&str] = &[
    "record_id",
    "source",
    "provider",
    "model",
    "model_raw",
    "cost_basis",
    "session_id",
    "request_id",
    "actor",
    "api_key_id",
    "workspace",
    "project",
    "repo",
    "branch",
    "cwd",
    "machine",
    "workflow",
    "tags",
    "git_remote",
    "entrypoint",
    "agent_version",
    "context",
    "origin_path",
];

const INT_COLUMNS: &[&str] = &[
    "ts",
    "ts_end",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "web_search_requests",
    "reasoning_tokens",
    "requests",
    "cost",
    "origin_line",
];

const BOOL_COLUMNS: &[&str] = &["is_sidechain", "fast", "long_context", "batch"];

fn source_from(s: &str) -> Option<SourceKind> {
    match s {
        "claude_code" => Some(SourceKind::ClaudeCode),
        "codex" => Some(SourceKind::Codex),
        other => ExportKind::ALL
            .iter()
            .find(|k| k.as_str() == other)
            .map(|k| SourceKind::Export(*k)),
    }
}

fn basis_from(s: &str) -> Option<CostBasis> {
    match s {
        "billed" => Some(CostBasis::Billed),
        "estimated" => Some(CostBasis::Estimated),
        "reconciled" => Some(CostBasis::Reconciled),
        _ => None,
    }
}

fn u(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Records as an archive frame; `paths` are the input files' display paths.
fn records_frame(records: &[&UsageRecord], paths: &[String]) -> PolarsResult<DataFrame> {
    let s = |name: &str, f: &dyn Fn(&UsageRecord) -> Option<String>| -> Column {
        let v: Vec<Option<String>> = records.iter().map(|r| f(r)).collect();
        Column::new(name.into(), v)
    };
    let t = |x: &Option<Text>| x.as_deref().map(str::to_string);
    let i = |name: &str, f: &dyn Fn(&UsageRecord) -> Option<i64>| -> Column {
        Column::new(
            name.into(),
            records.iter().map(|r| f(r)).collect::<Vec<_>>(),
        )
    };
    let b = |name: &str, f: &dyn Fn(&UsageRecord) -> bool| -> Column {
        Column::new(
            name.into(),
            records.iter().map(|r| f(r)).collect::<Vec<_>>(),
        )
    };
    let columns = vec![
        s("record_id", &|r| Some(format!("{:032x}", r.record_id))),
        s("source", &|r| Some(r.source.as_str().to_string())),
        s("provider", &|r| Some(r.provider.to_string())),
        s("model", &|r| Some(r.model.to_string())),
        s("model_raw", &|r| Some(r.model_raw.to_string())),
        s("cost_basis", &|r| {
            r.cost_basis.map(|b| b.as_str().to_string())
        }),
        s("session_id", &|r| t(&r.session_id)),
        s("request_id", &|r| t(&r.request_id)),
        s("actor", &|r| t(&r.actor)),
        s("api_key_id", &|r| t(&r.api_key_id)),
        s("workspace", &|r| t(&r.workspace)),
        s("project", &|r| t(&r.project)),
        s("repo", &|r| t(&r.repo)),
        s("branch", &|r| t(&r.branch)),
        s("cwd", &|r| t(&r.cwd)),
        s("machine", &|r| t(&r.machine)),
        s("workflow", &|r| t(&r.workflow)),
        s("tags", &|r| t(&r.tags)),
        s("git_remote", &|r| t(&r.git_remote)),
        s("entrypoint", &|r| t(&r.entrypoint)),
        s("agent_version", &|r| t(&r.agent_version)),
        s("context", &|r| {
            r.context_known
                .map(|l| if l { "long" } else { "standard" }.to_string())
        }),
        s("origin_path", &|r| {
            paths.get(r.origin.file as usize).cloned()
        }),
        i("ts", &|r| Some(r.ts)),
        i("ts_end", &|r| r.ts_end),
        i("input_tokens", &|r| Some(u(r.tokens.input))),
        i("output_tokens", &|r| Some(u(r.tokens.output))),
        i("cache_read_tokens", &|r| Some(u(r.tokens.cache_read))),
        i("cache_write_5m_tokens", &|r| {
            Some(u(r.tokens.cache_write_5m))
        }),
        i("cache_write_1h_tokens", &|r| {
            Some(u(r.tokens.cache_write_1h))
        }),
        i("web_search_requests", &|r| {
            Some(u(r.tokens.web_search_requests))
        }),
        i("reasoning_tokens", &|r| Some(u(r.reasoning_tokens))),
        i("requests", &|r| Some(u(r.requests))),
        i("cost", &|r| r.cost),
        i("origin_line", &|r| Some(u(r.origin.line))),
        b("is_sidechain", &|r| r.is_sidechain),
        b("fast", &|r| r.fast),
        b("long_context", &|r| r.long_context),
        b("batch", &|r| r.batch),
    ];
    DataFrame::new(records.len(), columns)
}

/// A frame of an archive file read back as records (`file` = the index the run gives the
/// archive file). Errors name what is missing.
fn frame_records(df: &DataFrame, file: u32) -> Result<Vec<UsageRecord>, String> {
    let strs: Vec<&StringChunked> = STRING_COLUMNS
        .iter()
        .map(|c| {
            df.column(c)
                .and_then(|c| c.str())
                .map_err(|_| format!("no text column `{c}`"))
        })
        .collect::<Result<_, _>>()?;
    let ints: Vec<&Int64Chunked> = INT_COLUMNS
        .iter()
        .map(|c| {
            df.column(c)
                .and_then(|c| c.i64())
                .map_err(|_| format!("no integer column `{c}`"))
        })
        .collect::<Result<_, _>>()?;
    let bools: Vec<&BooleanChunked> = BOOL_COLUMNS
        .iter()
        .map(|c| {
            df.column(c)
                .and_then(|c| c.bool())
                .map_err(|_| format!("no boolean column `{c}`"))
        })
        .collect::<Result<_, _>>()?;
    let sc = |name: &str| STRING_COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
    let ic = |name: &str| INT_COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
    let bc = |name: &str| BOOL_COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
    // one shared string per distinct value, as the parsers do
    let mut interned: HashMap<String, Text> = HashMap::new();
    let mut text = |col: usize, i: usize| -> Option<Text> {
        let v = strs[col].get(i)?;
        Some(
            interned
                .entry(v.to_string())
                .or_insert_with(|| Text::from(v))
                .clone(),
        )
    };
    let count = |col: usize, i: usize| -> u64 {
        ints[col]
            .get(i)
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or(0)
    };
    let flag = |col: usize, i: usize| bools[col].get(i).unwrap_or(false);
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let id = strs[sc("record_id")]
            .get(i)
            .and_then(|h| u128::from_str_radix(h, 16).ok())
            .ok_or_else(|| format!("row {}: no valid record_id", i + 1))?;
        let source = strs[sc("source")]
            .get(i)
            .and_then(source_from)
            .ok_or_else(|| format!("row {}: unknown source", i + 1))?;
        let ts = ints[ic("ts")]
            .get(i)
            .ok_or_else(|| format!("row {}: no ts", i + 1))?;
        let model = text(sc("model"), i).unwrap_or_else(Text::empty);
        out.push(UsageRecord {
            record_id: id,
            ts,
            ts_end: ints[ic("ts_end")].get(i),
            source,
            provider: text(sc("provider"), i).unwrap_or_else(Text::empty),
            model_raw: text(sc("model_raw"), i).unwrap_or_else(|| model.clone()),
            model,
            tokens: Tokens {
                input: count(ic("input_tokens"), i),
                output: count(ic("output_tokens"), i),
                cache_read: count(ic("cache_read_tokens"), i),
                cache_write_5m: count(ic("cache_write_5m_tokens"), i),
                cache_write_1h: count(ic("cache_write_1h_tokens"), i),
                web_search_requests: count(ic("web_search_requests"), i),
            },
            reasoning_tokens: count(ic("reasoning_tokens"), i),
            requests: count(ic("requests"), i),
            cost: ints[ic("cost")].get(i),
            cost_basis: strs[sc("cost_basis")].get(i).and_then(basis_from),
            session_id: text(sc("session_id"), i),
            request_id: text(sc("request_id"), i),
            actor: text(sc("actor"), i),
            api_key_id: text(sc("api_key_id"), i),
            workspace: text(sc("workspace"), i),
            project: text(sc("project"), i),
            repo: text(sc("repo"), i),
            branch: text(sc("branch"), i),
            cwd: text(sc("cwd"), i),
            machine: text(sc("machine"), i),
            workflow: text(sc("workflow"), i),
            tags: text(sc("tags"), i),
            origin: Origin {
                file,
                line: i as u64 + 1,
            },
            git_remote: text(sc("git_remote"), i),
            entrypoint: text(sc("entrypoint"), i),
            agent_version: text(sc("agent_version"), i),
            is_sidechain: flag(bc("is_sidechain"), i),
            fast: flag(bc("fast"), i),
            long_context: flag(bc("long_context"), i),
            batch: flag(bc("batch"), i),
            context_known: strs[sc("context")].get(i).map(|c| c == "long"),
        });
    }
    Ok(out)
}

fn links_frame(links: &[&CommitLink]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        links.len(),
        vec![
            Column::new(
                "source".into(),
                links.iter().map(|l| l.source.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "session_id".into(),
                links
                    .iter()
                    .map(|l| l.session_id.to_string())
                    .collect::<Vec<_>>(),
            ),
            Column::new("ts".into(), links.iter().map(|l| l.ts).collect::<Vec<_>>()),
            Column::new(
                "sha".into(),
                links.iter().map(|l| l.sha.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "branch".into(),
                links.iter().map(|l| l.branch.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "cwd".into(),
                links
                    .iter()
                    .map(|l| l.cwd.as_deref().map(str::to_string))
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

fn frame_links(df: &DataFrame, file: u32) -> Result<Vec<CommitLink>, String> {
    let s = |c: &str| {
        df.column(c)
            .and_then(|c| c.str())
            .map_err(|_| format!("no text column `{c}`"))
    };
    let (source, session, sha, branch, cwd) = (
        s("source")?,
        s("session_id")?,
        s("sha")?,
        s("branch")?,
        s("cwd")?,
    );
    let ts = df
        .column("ts")
        .and_then(|c| c.i64())
        .map_err(|_| "no integer column `ts`".to_string())?;
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let (Some(src), Some(sess), Some(sha), Some(t)) = (
            source.get(i).and_then(source_from),
            session.get(i),
            sha.get(i),
            ts.get(i),
        ) else {
            return Err(format!("row {}: incomplete commit link", i + 1));
        };
        out.push(CommitLink {
            source: src,
            session_id: Text::from(sess),
            ts: t,
            sha: sha.to_string(),
            branch: branch.get(i).unwrap_or("").to_string(),
            cwd: cwd.get(i).map(Text::from),
            origin: Origin {
                file,
                line: i as u64 + 1,
            },
        });
    }
    Ok(out)
}

/// The archive's Parquet files of one kind (`usage` or `links`), sorted, hidden and
/// temporary files left out.
fn files(dir: &Path, kind: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join(VERSION_DIR).join(kind)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => out.push(p),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// What was read from an archive.
#[derive(Debug, Default)]
pub struct Read {
    /// Usage files, in order; records' `origin.file` indexes this list from `first_file`.
    pub usage_files: Vec<PathBuf>,
    pub records: Vec<UsageRecord>,
    pub links: Vec<CommitLink>,
    /// Files that are not readable archive files: (path, why). Skipped.
    pub skipped: Vec<(PathBuf, String)>,
}

fn read_parquet(path: &Path) -> Result<DataFrame, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    ParquetReader::new(f).finish().map_err(|e| e.to_string())
}

/// Reads every record and link of the archive in `dir`; the usage files get the indices
/// `first_file..` (a skipped file keeps its index, with no records).
pub fn read(dir: &Path, first_file: u32) -> Result<Read> {
    if !dir.is_dir() {
        anyhow::bail!(
            "--archive {}: no such directory (create it with `costper ingest --archive {}`)",
            dir.display(),
            dir.display()
        );
    }
    let mut out = Read {
        usage_files: files(dir, "usage"),
        ..Read::default()
    };
    for (i, p) in out.usage_files.iter().enumerate() {
        let file = first_file + i as u32;
        match read_parquet(p).and_then(|df| frame_records(&df, file)) {
            Ok(r) => out.records.extend(r),
            Err(e) => out.skipped.push((p.clone(), e)),
        }
    }
    for p in files(dir, "links") {
        match read_parquet(&p).and_then(|df| frame_links(&df, u32::MAX)) {
            Ok(l) => out.links.extend(l),
            Err(e) => out.skipped.push((p, e)),
        }
    }
    Ok(out)
}

/// The record ids already in the archive (only that column is read).
pub fn ids(dir: &Path) -> (foldhash::HashSet<u128>, Vec<(PathBuf, String)>) {
    let mut ids = foldhash::HashSet::default();
    let mut skipped = Vec::new();
    for p in files(dir, "usage") {
        let got = std::fs::File::open(&p)
            .map_err(|e| e.to_string())
            .and_then(|f| {
                ParquetReader::new(f)
                    .with_columns(Some(vec!["record_id".into()]))
                    .finish()
                    .map_err(|e| e.to_string())
            })
            .and_then(|df| {
                df.column("record_id")
                    .and_then(|c| c.str().cloned())
                    .map_err(|_| "no text column `record_id`".to_string())
            });
        match got {
            Ok(col) => ids.extend(
                col.iter()
                    .flatten()
                    .filter_map(|h| u128::from_str_radix(h, 16).ok()),
            ),
            Err(e) => skipped.push((p, e)),
        }
    }
    (ids, skipped)
}

/// Writes `df` to `path` through a hidden temporary file and a rename; an existing file of
/// that name already holds the same content (the name is its content's id).
fn write_file(path: &Path, df: &mut DataFrame) -> Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .suffix(".parquet")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    ParquetWriter::new(tmp.as_file())
        .finish(df)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(true)
}

fn content_name(ids: impl Iterator<Item = String>) -> String {
    let mut v: Vec<String> = ids.collect();
    v.sort();
    let parts: Vec<&str> = v.iter().map(String::as_str).collect();
    format!("{:032x}.parquet", record_id(&parts))
}

/// What an ingest wrote.
#[derive(Debug, Default)]
pub struct Written {
    pub records: u64,
    pub links: u64,
    pub files: Vec<PathBuf>,
}

/// Writes the records not yet archived (by id) and the links, one file per UTC month.
pub fn write(
    dir: &Path,
    records: &[UsageRecord],
    links: &[CommitLink],
    have: &foldhash::HashSet<u128>,
    paths: &[String],
) -> Result<Written> {
    let mut out = Written::default();
    let mut by_month: BTreeMap<String, Vec<&UsageRecord>> = BTreeMap::new();
    for r in records.iter().filter(|r| !have.contains(&r.record_id)) {
        let month = chrono::DateTime::from_timestamp_micros(r.ts)
            .map(|t| t.format("%Y-%m").to_string())
            .unwrap_or_else(|| "unknown".into());
        by_month.entry(month).or_default().push(r);
    }
    for (month, rs) in by_month {
        let name = content_name(rs.iter().map(|r| format!("{:032x}", r.record_id)));
        let path = dir
            .join(VERSION_DIR)
            .join("usage")
            .join(format!("month={month}"))
            .join(name);
        let mut df = records_frame(&rs, paths)?;
        if write_file(&path, &mut df)? {
            out.files.push(path);
        }
        out.records += rs.len() as u64;
    }
    if !links.is_empty() {
        let refs: Vec<&CommitLink> = links.iter().collect();
        let name = content_name(
            links
                .iter()
                .map(|l| format!("{}\u{1}{}\u{1}{}", l.source.as_str(), l.session_id, l.sha)),
        );
        let path = dir.join(VERSION_DIR).join("links").join(name);
        let mut df = links_frame(&refs)?;
        if write_file(&path, &mut df)? {
            out.files.push(path);
            out.links = links.len() as u64;
        }
    }
    Ok(out)
}

/// The input files a machine archived before: path → (size, modification time in ns).
pub type Seen = BTreeMap<String, (u64, i64)>;

fn state_path(dir: &Path, machine: &str) -> PathBuf {
    let safe: String = machine
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(VERSION_DIR)
        .join("state")
        .join(format!("{safe}.json"))
}

pub fn load_seen(dir: &Path, machine: &str) -> Seen {
    std::fs::read_to_string(state_path(dir, machine))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

pub fn save_seen(dir: &Path, machine: &str, seen: &Seen) -> Result<()> {
    let path = state_path(dir, machine);
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(parent)?;
    serde_json::to_writer_pretty(tmp.as_file(), seen)?;
    tmp.persist(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A file's (size, modification time in ns), to tell whether it changed.
pub fn stamp(path: &Path) -> Option<(u64, i64)> {
    let m = std::fs::metadata(path).ok()?;
    let t = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some((m.len(), i64::try_from(t.as_nanos()).unwrap_or(i64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::export::blank;

    #[test]
    fn records_round_trip_exactly() {
        let mut r = blank(ExportKind::Litellm, 0, 7);
        r.source = SourceKind::ClaudeCode;
        r.record_id = 0xfeed_u128 << 64;
        r.ts = 1_790_812_800_123_456;
        r.ts_end = Some(1_790_899_200_000_000);
        r.provider = "anthropic".into();
        r.model = "claude-sonnet-4-5".into();
        r.model_raw = "claude-sonnet-4-5-20250929".into();
        r.tokens.input = 3;
        r.tokens.cache_write_1h = 12_000;
        r.cost = Some(-42);
        r.cost_basis = Some(CostBasis::Billed);
        r.session_id = Some("s".into());
        r.tags = Some("pr:1".into());
        r.batch = true;
        r.context_known = Some(false);
        let paths = vec!["in.jsonl".to_string()];
        let df = records_frame(&[&r], &paths).unwrap();
        let back = frame_records(&df, 5).unwrap();
        let b = &back[0];
        assert_eq!(b.record_id, r.record_id);
        assert_eq!((b.ts, b.ts_end, b.cost), (r.ts, r.ts_end, r.cost));
        assert_eq!(b.tokens, r.tokens);
        assert_eq!(b.source, SourceKind::ClaudeCode);
        assert_eq!(b.cost_basis, Some(CostBasis::Billed));
        assert_eq!((b.batch, b.context_known), (true, Some(false)));
        assert_eq!(b.tags.as_deref(), Some("pr:1"));
        assert_eq!(b.origin, Origin { file: 5, line: 1 });
    }
}
