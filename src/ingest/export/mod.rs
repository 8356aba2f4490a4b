//! Provider billing and usage exports (SPEC §5; fields, units and quirks in
//! reference/formats.md, user docs in docs/sources.md): which kinds exist, how a file's kind
//! is told from its header or JSON shape (`--export kind:FILE` forces one), and the helpers
//! every parser shares — exact money from JSON numbers or strings (never through `f64`),
//! timestamps in the formats providers use, line numbers of JSON items, and a blank
//! [`UsageRecord`] to fill in.
//!
//! Each parser reads one file into [`ExportOut`]: records (money in nano-USD with
//! `cost_basis = billed` where the export states money, else tokens that pricing
//! estimates), rejected rows with their line and reason, and ignored rows (zero usage, rows
//! outside the FOCUS scope). Record ids come from each export's natural key, so the same row
//! exported twice — a re-export, overlapping date ranges — is read once.
//!
//! CSV is read by [`csv_rows`]: a file larger than its first 64 KiB comes in as an
//! [`Input::Csv`] and is read in windows (never whole), each window cut at record boundaries
//! into chunks parsed on all cores, with line numbers and occurrence-numbered ids continuing
//! as if read in one pass; JSON and Parquet are read whole.

pub mod anthropic;
pub mod claude_result;
pub mod copilot;
pub mod cursor;
pub mod focus;
pub mod litellm;
pub mod openai;
pub mod otel;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::value::RawValue;

use super::record::{Origin, RejectReason, SourceKind, Text, UsageRecord, record_id};
use crate::money;
use crate::pricing::Tokens;

/// The export formats costper reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExportKind {
    /// Anthropic Admin API `usage_report/messages` (tokens).
    AnthropicUsage,
    /// Anthropic Admin API `cost_report` (cents as decimal strings).
    AnthropicCost,
    /// OpenAI Admin API `organization/usage/completions` (tokens).
    OpenaiUsage,
    /// OpenAI Admin API `organization/costs` (dollars).
    OpenaiCosts,
    /// LiteLLM proxy `LiteLLM_SpendLogs` rows (JSON or CSV).
    Litellm,
    /// FinOps FOCUS 1.x CSV.
    Focus,
    /// Cursor dashboard usage-events CSV.
    Cursor,
    /// GitHub Copilot premium request / metered usage report CSV.
    Copilot,
    /// OpenTelemetry OTLP/JSON: Claude Code events and metrics, GenAI spans.
    Otel,
    /// Claude Code headless results (`claude -p --output-format json`).
    ClaudeResult,
    /// Claude Code Analytics API (`usage_report/claude_code`): per actor and day.
    ClaudeCodeAnalytics,
}

impl ExportKind {
    pub const ALL: &[ExportKind] = &[
        ExportKind::AnthropicUsage,
        ExportKind::AnthropicCost,
        ExportKind::OpenaiUsage,
        ExportKind::OpenaiCosts,
        ExportKind::Litellm,
        ExportKind::Focus,
        ExportKind::Cursor,
        ExportKind::Copilot,
        ExportKind::Otel,
        ExportKind::ClaudeResult,
        ExportKind::ClaudeCodeAnalytics,
    ];

    /// The name used in `--export kind:FILE`, the `source` column and `costper sources`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::AnthropicUsage => "anthropic_usage",
            ExportKind::AnthropicCost => "anthropic_cost",
            ExportKind::OpenaiUsage => "openai_usage",
            ExportKind::OpenaiCosts => "openai_costs",
            ExportKind::Litellm => "litellm",
            ExportKind::Focus => "focus",
            ExportKind::Cursor => "cursor",
            ExportKind::Copilot => "copilot",
            ExportKind::Otel => "otel",
            ExportKind::ClaudeResult => "claude_result",
            ExportKind::ClaudeCodeAnalytics => "claude_code_analytics",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ExportKind::AnthropicUsage => "Anthropic usage report",
            ExportKind::AnthropicCost => "Anthropic cost report",
            ExportKind::OpenaiUsage => "OpenAI usage export",
            ExportKind::OpenaiCosts => "OpenAI costs export",
            ExportKind::Litellm => "LiteLLM spend logs",
            ExportKind::Focus => "FOCUS billing export",
            ExportKind::Cursor => "Cursor usage events",
            ExportKind::Copilot => "GitHub Copilot usage report",
            ExportKind::Otel => "OpenTelemetry export",
            ExportKind::ClaudeResult => "Claude Code headless results",
            ExportKind::ClaudeCodeAnalytics => "Claude Code Analytics API report",
        }
    }

    /// Whether the export states money (billed) rather than tokens only.
    pub fn billed(self) -> bool {
        matches!(
            self,
            ExportKind::AnthropicCost
                | ExportKind::OpenaiCosts
                | ExportKind::Litellm
                | ExportKind::Focus
                | ExportKind::Cursor
                | ExportKind::Copilot
        )
    }

    fn parse(name: &str) -> Option<ExportKind> {
        ExportKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == name.trim().to_ascii_lowercase().replace('-', "_"))
    }
}

/// Which rows of a FOCUS export are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FocusScope {
    /// AI services only (`ServiceCategory` "AI and Machine Learning" or a known AI service).
    #[default]
    Ai,
    /// The whole bill.
    All,
}

/// An export file to read, with its kind when forced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSpec {
    pub path: PathBuf,
    pub kind: Option<ExportKind>,
}

/// Expands `--export` values: `kind:FILE` forces a kind; a `*` in the file name matches
/// files in that directory (sorted).
pub fn expand(values: &[PathBuf]) -> Result<Vec<ExportSpec>> {
    let mut out = Vec::new();
    for v in values {
        let text = v.to_string_lossy();
        let (kind, path) = match text.split_once(':') {
            Some((k, rest)) if !k.contains('/') && k.len() > 1 => match ExportKind::parse(k) {
                Some(kind) => (Some(kind), PathBuf::from(rest)),
                None => bail!(
                    "--export {text}: unknown kind `{k}`; kinds: {}",
                    kinds_list()
                ),
            },
            _ => (None, v.clone()),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.contains('*') {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
                .with_context(|| format!("--export {text}: cannot list {}", dir.display()))?
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter(|e| crate::config::wildcard(&name, &e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect();
            if found.is_empty() {
                bail!("--export {text}: no file matches");
            }
            found.sort();
            out.extend(found.into_iter().map(|path| ExportSpec { path, kind }));
        } else {
            // a pipe is read too: `--export <(gunzip -c bill.csv.gz)`
            if path.is_dir() {
                bail!(
                    "--export {}: a directory; give its files (`dir/*.csv`)",
                    path.display()
                );
            }
            if !path.exists() {
                bail!("--export {}: no such file", path.display());
            }
            out.push(ExportSpec { path, kind });
        }
    }
    // a file given twice (or matched by two globs) is read once
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(std::fs::canonicalize(&s.path).unwrap_or_else(|_| s.path.clone())));
    Ok(out)
}

fn kinds_list() -> String {
    ExportKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Tells an export's kind from its first bytes (a CSV header or the JSON's keys).
pub fn detect(head: &[u8]) -> Option<ExportKind> {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let has = |needle: &str| memchr::memmem::find(head, needle.as_bytes()).is_some();
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{') | Some(b'[')) {
        // the cost report names token types as values (`"token_type":
        // "uncached_input_tokens"`): look for money first, and for the usage field as a key
        if has("\"cost_type\"") || (has("\"amount\"") && has("\"token_type\"")) {
            return Some(ExportKind::AnthropicCost);
        }
        if has("\"uncached_input_tokens\":") || has("\"uncached_input_tokens\" :") {
            return Some(ExportKind::AnthropicUsage);
        }
        if has("organization.costs.result") {
            return Some(ExportKind::OpenaiCosts);
        }
        if has("organization.usage.completions.result") || has("\"num_model_requests\"") {
            return Some(ExportKind::OpenaiUsage);
        }
        if has("\"spend\"") && (has("\"request_id\"") || has("\"call_type\"")) {
            return Some(ExportKind::Litellm);
        }
        if has("\"resourceLogs\"") || has("\"resourceMetrics\"") || has("\"resourceSpans\"") {
            return Some(ExportKind::Otel);
        }
        if has("\"model_breakdown\"") {
            return Some(ExportKind::ClaudeCodeAnalytics);
        }
        if has("\"total_cost_usd\"") && (has("\"modelUsage\"") || has("\"session_id\"")) {
            return Some(ExportKind::ClaudeResult);
        }
        if has("\"usageEvents\"") {
            return Some(ExportKind::Cursor);
        }
        return None;
    }
    let line_end = memchr::memchr(b'\n', head).unwrap_or(head.len());
    let header = &head[..line_end];
    let h = |needle: &str| memchr::memmem::find(header, needle.as_bytes()).is_some();
    if h("BilledCost") && h("ChargePeriodStart") {
        return Some(ExportKind::Focus);
    }
    if h("spend") && h("request_id") {
        return Some(ExportKind::Litellm);
    }
    if h("Input (w/ Cache Write)") {
        return Some(ExportKind::Cursor);
    }
    if (h("net_amount") && h("sku")) || (h("Requests Used") && h("Exceeds Monthly Quota")) {
        return Some(ExportKind::Copilot);
    }
    if h("usage_input_tokens_no_cache") {
        return Some(ExportKind::AnthropicUsage);
    }
    if h("token_type") && h("cost_usd") {
        return Some(ExportKind::AnthropicCost);
    }
    if h("amount_value") && h("line_item") {
        return Some(ExportKind::OpenaiCosts);
    }
    if h("num_model_requests") {
        return Some(ExportKind::OpenaiUsage);
    }
    None
}

/// A CSV header: columns found by name, case-insensitively, ignoring surrounding spaces.
pub struct Header(Vec<String>);

impl Header {
    /// The first of `names` present.
    pub fn col(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.0.iter().position(|h| h.eq_ignore_ascii_case(n)))
    }

    /// A required column, or an error naming it.
    pub fn need(&self, name: &str) -> anyhow::Result<usize> {
        self.col(&[name])
            .ok_or_else(|| anyhow::anyhow!("no `{name}` column (columns are matched by name)"))
    }
}

/// A CSV data row and its line.
pub struct Row<'a> {
    pub rec: &'a csv::StringRecord,
    pub line: u64,
    chunk: &'a std::cell::RefCell<ChunkState>,
}

/// What the rows of one chunk share: repeated strings (users, models, services) and the
/// occurrence counts behind [`Row::id`].
#[derive(Default)]
struct ChunkState {
    strings: crate::ingest::claude::Interner,
    occurrences: Occurrences,
}

impl Row<'_> {
    /// The trimmed cell; empty and `NULL` are none.
    pub fn get(&self, i: Option<usize>) -> Option<&str> {
        let v = self.rec.get(i?)?.trim();
        (!v.is_empty() && !v.eq_ignore_ascii_case("null")).then_some(v)
    }

    pub fn text(&self, i: Option<usize>) -> Option<Text> {
        self.get(i).map(|v| self.chunk.borrow_mut().strings.get(v))
    }

    /// The record id of a row with no natural key but its content: the hash of its cells
    /// and how often the same cells occurred before in the file (two identical rows in one
    /// file are two charges; the same row in a re-export is the same charge).
    pub fn id(&self, kind: &'static str) -> u128 {
        self.chunk.borrow_mut().occurrences.id(kind, self.rec)
    }

    /// A count: empty is 0, `10.0` is 10; fractions, negatives and text are errors.
    pub fn count(&self, i: Option<usize>, name: &str) -> Result<u64, String> {
        let Some(v) = self.get(i) else { return Ok(0) };
        // the common case, plain digits, without the exact decimal parser
        if v.len() <= 19 && v.bytes().all(|b| b.is_ascii_digit()) {
            return v
                .parse()
                .map_err(|_| format!("{name}: `{v}` is not a count"));
        }
        let n = money::parse_decimal(v, 0).map_err(|e| format!("{name}: {e}"))?;
        let exact = money::parse_decimal(v, 9).map_err(|e| format!("{name}: {e}"))?;
        if exact != n * 1_000_000_000 || n < 0 {
            return Err(format!("{name}: `{v}` is not a count"));
        }
        u64::try_from(n).map_err(|_| format!("{name}: `{v}` is too large"))
    }
}

/// Bytes of CSV per parallel chunk (`COSTPER_CHUNK_SIZE` overrides it, for tests). Small
/// enough that a chunk's records (~4 MB) come from the allocator's reused memory rather than
/// fresh pages: faulting in pages was a third of the time of a 10M-row export.
fn csv_chunk_size() -> usize {
    std::env::var("COSTPER_CHUNK_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(1 << 20)
}

/// Cuts `data` (CSV records after the header) into chunks of about `size` bytes that end
/// at record boundaries: at a newline outside quotes, found from the parity of the quotes
/// before it (RFC 4180 escapes a quote by doubling it, so the parity holds). Returns each
/// chunk's range and the number of newlines before it. `regular` is what [`quotes_regular`]
/// says of `data` when the caller knows it already.
fn csv_chunks(
    data: &[u8],
    size: usize,
    regular: Option<bool>,
) -> Vec<(std::ops::Range<usize>, u64)> {
    use rayon::prelude::*;
    if !regular.unwrap_or_else(|| quotes_regular(data)) {
        // counting quotes would not tell where records end: one chunk, read in order
        return vec![(0..data.len(), 0)];
    }
    let n = data.len().div_ceil(size.max(1)).max(1);
    let segment = data.len().div_ceil(n).max(1);
    // the quotes in each equal segment, counted in parallel
    let counts: Vec<usize> = data
        .par_chunks(segment)
        .map(|c| memchr::memchr_iter(b'"', c).count())
        .collect();
    let mut cuts = vec![0];
    let mut quotes = 0;
    for (i, q) in counts
        .iter()
        .enumerate()
        .take(counts.len().saturating_sub(1))
    {
        quotes += q;
        let from = (i + 1) * segment;
        if from <= *cuts.last().unwrap_or(&0) {
            continue; // a quoted field ran through this whole segment
        }
        // from the segment's start, the first newline outside quotes ends a record
        let mut inside = quotes % 2 == 1;
        let found = data[from..].iter().position(|&b| {
            if b == b'"' {
                inside = !inside;
            }
            b == b'\n' && !inside
        });
        match found {
            Some(p) => cuts.push(from + p + 1),
            None => break,
        }
    }
    cuts.push(data.len());
    cuts.dedup();
    let newlines: Vec<u64> = cuts
        .par_windows(2)
        .map(|w| memchr::memchr_iter(b'\n', &data[w[0]..w[1]]).count() as u64)
        .collect();
    let mut lines = 0;
    cuts.windows(2)
        .zip(newlines)
        .map(|(w, n)| {
            let before = lines;
            lines += n;
            (w[0]..w[1], before)
        })
        .collect()
}

/// Whether every quote of `data` (CSV from a record boundary on) is where RFC 4180 puts one:
/// opening a cell (at the start, after a comma or a line end), closing it (before a comma,
/// a line end or the end) or doubled inside it. Only then does the parity of the quotes
/// before a newline tell whether the csv crate reads it inside a quoted cell: to the crate a
/// quote inside an unquoted cell (`O"Brien`, `"ab"c`, ` "x"`) is a literal. Checked in
/// parallel, quote by quote.
fn quotes_regular(data: &[u8]) -> bool {
    use rayon::prelude::*;
    let segment = (1 << 20).max(data.len().div_ceil(rayon::current_num_threads() * 4));
    let counts: Vec<usize> = (data.par_chunks(segment))
        .map(|c| memchr::memchr_iter(b'"', c).count())
        .collect();
    // whether each segment starts inside a quoted cell
    let mut inside_at = Vec::with_capacity(counts.len());
    let mut quotes = 0;
    for c in &counts {
        inside_at.push(quotes % 2 == 1);
        quotes += c;
    }
    let ends_cell = |b: Option<&u8>| matches!(b, None | Some(b',' | b'\n' | b'\r' | b'"'));
    (data.par_chunks(segment).enumerate()).all(|(i, chunk)| {
        let mut inside = inside_at[i];
        memchr::memchr_iter(b'"', chunk).all(|j| {
            let p = i * segment + j;
            let regular = match inside {
                // closing, or the first of a doubled quote
                true => ends_cell(data.get(p + 1)),
                // opening, or the second of a doubled quote
                false => p == 0 || ends_cell(data.get(p - 1)),
            };
            inside = !inside;
            regular
        })
    })
}

/// Calls the function made by `make` for every non-empty data row of a CSV input (rows
/// with a broken structure are rejected and skipped); a missing `required` column is an
/// error naming it. The data is cut at record boundaries into chunks read in parallel, a
/// function per chunk from `make`; the chunks' outputs are joined in order, and record ids
/// from [`Row::id`] are numbered across chunks as if read in one go. A file is read a
/// window at a time ([`CSV_WINDOW`]), never whole.
pub fn csv_rows<'a, F>(
    input: impl Into<Input<'a>>,
    out: &mut ExportOut,
    required: &[&str],
    make: impl Fn() -> F + Sync,
) -> anyhow::Result<()>
where
    F: FnMut(&mut ExportOut, &Header, &Row),
{
    csv_rows_in_chunks(
        input.into(),
        out,
        required,
        make,
        csv_chunk_size(),
        CSV_WINDOW,
    )
}

/// Bytes of a CSV file held at a time (plus the record that straddles a window's end).
pub const CSV_WINDOW: usize = 32 << 20;

/// What a parser reads: a text in memory, or a CSV file read a window at a time — a FOCUS
/// cloud bill can be gigabytes of which a few rows are AI, and where every row becomes a
/// record (a Cursor export) holding the file too only added to the peak.
pub enum Input<'a> {
    Text(&'a str),
    Csv(CsvFile),
}

/// An export file known to be CSV (its first bytes are not JSON): the bytes already read
/// from it, the file to read the rest from (never rewound: it may be a pipe, as with
/// `--export <(gunzip -c bill.csv.gz)`) and its length when known.
pub struct CsvFile {
    head: Vec<u8>,
    file: std::fs::File,
    len: u64,
}

impl<'a> From<&'a str> for Input<'a> {
    fn from(text: &'a str) -> Input<'a> {
        Input::Text(text)
    }
}

impl<'a> Input<'a> {
    /// The text, when the input is JSON (a file read in windows is CSV by construction).
    pub fn json(&self) -> Option<&'a str> {
        match self {
            Input::Text(t) if is_json(t) => Some(t),
            _ => None,
        }
    }

    /// The whole text (read from the file if need be), for parsers of JSON only.
    fn whole(self) -> std::io::Result<std::borrow::Cow<'a, str>> {
        use std::io::Read;
        match self {
            Input::Text(t) => Ok(std::borrow::Cow::Borrowed(t)),
            Input::Csv(mut f) => {
                let mut bytes = f.head;
                f.file.read_to_end(&mut bytes)?;
                let mut text = String::from_utf8_lossy(&bytes).into_owned();
                if text.starts_with('\u{feff}') {
                    text.drain(..'\u{feff}'.len_utf8());
                }
                Ok(std::borrow::Cow::Owned(text))
            }
        }
    }
}

/// Successive windows of a CSV input, each ending at a record boundary (a newline outside
/// quotes) but the last: a text is one window; a file is read `size` bytes at a time into
/// one reused buffer, the record cut by a window's end carried over to the next (a record
/// longer than a window grows it). Windows are cut at newlines, so converting each one's
/// invalid UTF-8 (lossily, as a whole text would be) gives the same text.
struct Windows<'a> {
    text: Option<&'a str>,
    file: Option<std::fs::File>,
    buf: Vec<u8>,
    /// `buf[start..used]` is the current window (`start` skips a byte order mark).
    start: usize,
    used: usize,
    size: usize,
    eof: bool,
    /// Windows produced so far.
    count: usize,
    /// What [`quotes_regular`] said of the current window, when it was asked.
    regular: Option<bool>,
}

impl<'a> Windows<'a> {
    fn new(input: Input<'a>, size: usize) -> Windows<'a> {
        let (text, file, buf) = match input {
            Input::Text(t) => (Some(t), None, Vec::new()),
            Input::Csv(f) => (None, Some(f.file), f.head),
        };
        Windows {
            text,
            file,
            buf,
            start: 0,
            used: 0,
            size: size.max(1),
            eof: false,
            count: 0,
            regular: None,
        }
    }

    /// Moves to the next window; false at the end.
    fn advance(&mut self) -> std::io::Result<bool> {
        use std::io::Read;
        self.count += 1;
        if self.text.is_some() {
            return Ok(self.count == 1);
        }
        let Some(file) = self.file.as_mut() else {
            return Ok(false);
        };
        self.buf.drain(..self.used);
        self.start = 0;
        self.used = 0;
        let end = loop {
            if !self.eof && self.buf.len() < self.size {
                let want = (self.size - self.buf.len()) as u64;
                let got = file.by_ref().take(want).read_to_end(&mut self.buf)?;
                self.eof = (got as u64) < want;
                // bytes the last check did not see
                self.regular = None;
            }
            if self.eof {
                break self.buf.len();
            }
            let regular = quotes_regular(&self.buf);
            self.regular = Some(regular);
            if !regular {
                // the quotes do not tell where records end: the rest is one window, read
                // in order (as the whole file was before windows)
                self.size = usize::MAX;
                continue;
            }
            match last_record_end(&self.buf) {
                Some(end) => break end,
                // one record longer than the window: read more of it
                None => self.size *= 2,
            }
        };
        self.used = end;
        if self.count == 1 && self.buf.starts_with("\u{feff}".as_bytes()) {
            self.start = 3.min(end);
        }
        Ok(end > 0)
    }

    /// The current window.
    fn current(&self) -> std::borrow::Cow<'_, str> {
        match self.text {
            Some(t) => std::borrow::Cow::Borrowed(t),
            None => String::from_utf8_lossy(&self.buf[self.start..self.used]),
        }
    }
}

/// Where the last complete CSV record of `data` (which starts at a record boundary) ends:
/// after the last newline outside quotes.
fn last_record_end(data: &[u8]) -> Option<usize> {
    let quotes = memchr::memchr_iter(b'"', data).count();
    let mut after = 0;
    let mut i = data.len();
    while i > 0 {
        i -= 1;
        match data[i] {
            b'"' => after += 1,
            b'\n' if (quotes - after).is_multiple_of(2) => return Some(i + 1),
            _ => {}
        }
    }
    None
}

fn csv_rows_in_chunks<F>(
    input: Input,
    out: &mut ExportOut,
    required: &[&str],
    make: impl Fn() -> F + Sync,
    chunk_size: usize,
    window: usize,
) -> anyhow::Result<()>
where
    F: FnMut(&mut ExportOut, &Header, &Row),
{
    use rayon::prelude::*;
    // the input's size, for the estimate of how many records the rest will give
    let total = match &input {
        Input::Text(t) => t.len(),
        Input::Csv(f) => usize::try_from(f.len).unwrap_or(usize::MAX),
    };
    let mut windows = Windows::new(input, window);
    let read_error = |e: std::io::Error| anyhow::anyhow!("cannot read the file: {e}");
    let mut more = windows.advance().map_err(read_error)?;
    let first_window = match more {
        true => windows.current(),
        false => std::borrow::Cow::Borrowed(""),
    };
    let text = &*first_window;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = Header(
        rdr.headers()
            .map_err(|e| anyhow::anyhow!("cannot read the CSV header: {e}"))?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect(),
    );
    for r in required {
        header.need(r)?;
    }
    let start = rdr.position().byte() as usize;
    let first_line = rdr.position().line();
    let header_bytes = start.min(text.len());
    drop(first_window);
    let mut done = header_bytes;
    // newlines of the data before the current window
    let mut lines_done = 0u64;
    let mut seen = Occurrences::default();
    // a batch of chunks at a time, joined as soon as read; the chunks' record vectors are
    // emptied by the join and handed to the next batch (fresh ones would be fresh pages from
    // the kernel for every chunk: gigabytes of page faults on a 10M-row export). While one
    // batch is read, the one before is joined: the join copies its records into the file's
    // vector on one thread, and overlapped with reading the other core keeps working.
    let batch = rayon::current_num_threads() * 4;
    // likewise each chunk's occurrence table and string interner (emptied, not freed): a
    // hash table grown from empty in every chunk is fresh pages again and again
    let pool = std::sync::Mutex::new(Vec::<(Vec<UsageRecord>, Occurrences)>::new());
    let interners = std::sync::Mutex::new(Vec::<crate::ingest::claude::Interner>::new());
    let finish = |out: &mut ExportOut,
                  seen: &mut Occurrences,
                  parts: Vec<(ExportOut, Occurrences)>,
                  done: usize| {
        // after the first batch, room for as many records as the rest of the input will
        // give at the same rate: one allocation instead of doublings that copy and fault in
        // gigabytes (a FOCUS bill whose rows are mostly ignored reserves little)
        let records: usize = parts.iter().map(|(p, _)| p.records.len()).sum();
        if out.records.is_empty() && done < total {
            let expected = records as u128 * total as u128 / done.max(1) as u128;
            let expected = (expected + expected / 20) as usize;
            out.records.reserve_exact(expected);
            // likewise the occurrence counts (a hash table that doubles rehashes everything)
            seen.counts.reserve(expected);
        }
        let emptied = join(out, seen, parts);
        if let Ok(mut p) = pool.lock() {
            p.extend(emptied);
        }
    };
    let mut pending: Option<(Vec<(ExportOut, Occurrences)>, usize)> = None;
    let mut skip = header_bytes;
    while more {
        let window = windows.current();
        // the header is in the first window
        let data = window.as_bytes().get(skip..).unwrap_or_default();
        skip = 0;
        let chunks = csv_chunks(data, chunk_size, windows.regular);
        let read_chunk = |(range, lines_before): &(std::ops::Range<usize>, u64)| {
            let (records, occurrences) = (pool.lock().ok())
                .and_then(|mut p| p.pop())
                .unwrap_or_default();
            let mut part = ExportOut {
                records,
                ..ExportOut::default()
            };
            let strings = (interners.lock().ok())
                .and_then(|mut p| p.pop())
                .unwrap_or_default();
            let state = std::cell::RefCell::new(ChunkState {
                strings,
                occurrences,
            });
            let base = first_line + lines_done + lines_before;
            let mut f = make();
            let mut rdr = csv::ReaderBuilder::new()
                .flexible(true)
                .has_headers(false)
                .from_reader(&data[range.clone()]);
            let bytes = &data[range.clone()];
            // the csv crate places a record after blank lines on the first blank line: the
            // line is where its first cell is
            let line_of = |p: &csv::Position| {
                let blank = bytes
                    .get(p.byte() as usize..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|&&b| b == b'\n' || b == b'\r')
                    .filter(|&&b| b == b'\n')
                    .count() as u64;
                base + p.line() - 1 + blank
            };
            let mut rec = csv::StringRecord::new();
            loop {
                match rdr.read_record(&mut rec) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => {
                        part.rows += 1;
                        let line = e.position().map_or(0, line_of);
                        part.reject(line, RejectReason::InvalidCsv, e.to_string());
                        if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                            break;
                        }
                        continue;
                    }
                }
                if rec.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                part.rows += 1;
                let row = Row {
                    rec: &rec,
                    line: rec.position().map_or(0, line_of),
                    chunk: &state,
                };
                f(&mut part, &header, &row);
            }
            let ChunkState {
                mut strings,
                occurrences,
            } = state.into_inner();
            strings.clear();
            if let Ok(mut p) = interners.lock() {
                p.push(strings);
            }
            (part, occurrences)
        };
        for group in chunks.chunks(batch) {
            let (parts, ()) = rayon::join(
                || group.par_iter().map(read_chunk).collect::<Vec<_>>(),
                || {
                    if let Some((parts, done)) = pending.take() {
                        finish(out, &mut seen, parts, done);
                    }
                },
            );
            done += group.iter().map(|(r, _)| r.len()).sum::<usize>();
            pending = Some((parts, done));
        }
        // the chunks know the newlines before each of them; only the last one's are counted
        lines_done += chunks.last().map_or(0, |(range, before)| {
            before + memchr::memchr_iter(b'\n', &data[range.clone()]).count() as u64
        });
        drop(window);
        more = windows.advance().map_err(read_error)?;
    }
    if let Some((parts, done)) = pending {
        finish(out, &mut seen, parts, done);
    }
    Ok(())
}

/// Appends chunks' outputs in order; a row whose cells also occurred in earlier chunks gets
/// the occurrence number it would have had in one pass. Returns the chunks' emptied record
/// vectors and occurrence tables for reuse.
fn join(
    out: &mut ExportOut,
    seen: &mut Occurrences,
    parts: Vec<(ExportOut, Occurrences)>,
) -> Vec<(Vec<UsageRecord>, Occurrences)> {
    let mut emptied = Vec::with_capacity(parts.len());
    for (mut part, mut occ) in parts {
        let fixes = seen.absorb(&mut occ);
        if !fixes.is_empty() {
            for r in &mut part.records {
                if let Some(id) = fixes.get(&r.record_id) {
                    r.record_id = *id;
                }
            }
        }
        out.records.append(&mut part.records);
        out.rejects.append(&mut part.rejects);
        out.rows += part.rows;
        out.ignored += part.ignored;
        emptied.push((part.records, occ));
    }
    emptied
}

/// Whether a text is CSV rather than JSON (by its first non-blank byte).
pub fn is_json(text: &str) -> bool {
    matches!(
        text.trim_start().as_bytes().first(),
        Some(b'{') | Some(b'[')
    )
}

/// What a parser read from one file.
#[derive(Debug, Default)]
pub struct ExportOut {
    pub records: Vec<UsageRecord>,
    /// (line, reason, detail)
    pub rejects: Vec<(u64, RejectReason, String)>,
    /// Rows read (JSON items, CSV data rows).
    pub rows: u64,
    /// Rows with nothing to count, or outside the FOCUS scope.
    pub ignored: u64,
}

impl ExportOut {
    pub fn reject(&mut self, line: u64, reason: RejectReason, detail: impl Into<String>) {
        self.rejects.push((line, reason, detail.into()));
    }
}

/// Reads one export file.
pub fn read(
    spec: &ExportSpec,
    file: u32,
    scope: FocusScope,
    rules: &[crate::config::FocusRule],
) -> Result<(ExportKind, ExportOut)> {
    use std::io::Read;
    let path = &spec.path;
    let cannot = || format!("cannot read {}", path.display());
    let mut handle = std::fs::File::open(path).with_context(cannot)?;
    // the first 64 KiB tell the kind and whether it is JSON; a larger CSV file is then
    // read a window at a time instead of whole
    const HEAD: u64 = 1 << 16;
    let mut head = Vec::new();
    (&mut handle)
        .take(HEAD)
        .read_to_end(&mut head)
        .with_context(cannot)?;
    // Parquet (FOCUS exports): read through polars into CSV text
    let parquet = head.starts_with(b"PAR1");
    let kind = match spec.kind {
        Some(k) => k,
        None if parquet => ExportKind::Focus,
        None => detect(&head).with_context(|| {
            format!(
                "{}: not an export costper recognizes (by its header or JSON keys); \
                 force the kind with --export KIND:{} (kinds: {})",
                path.display(),
                path.display(),
                kinds_list()
            )
        })?,
    };
    let context = || format!("{} ({})", path.display(), kind.label());
    if parquet {
        if kind != ExportKind::Focus {
            bail!(
                "{}: a Parquet file; only FOCUS exports are read as Parquet",
                path.display()
            );
        }
        let converted = focus::parquet_as_csv(path)
            .with_context(|| format!("{} (FOCUS Parquet)", path.display()))?;
        let out = parse(kind, &converted, file, path, scope, rules).with_context(context)?;
        return Ok((kind, out));
    }
    let head_text = String::from_utf8_lossy(&head);
    let whole = (head.len() as u64) < HEAD || is_json(head_text.trim_start_matches('\u{feff}'));
    drop(head_text);
    let out = if whole {
        // JSON, or a file the head already holds: parsed in one piece
        handle.read_to_end(&mut head).with_context(cannot)?;
        parse(
            kind,
            &String::from_utf8_lossy(&head),
            file,
            path,
            scope,
            rules,
        )
    } else {
        let len = handle.metadata().map_or(0, |m| m.len());
        let input = Input::Csv(CsvFile {
            head,
            file: handle,
            len,
        });
        parse_input(kind, input, file, path, scope, rules)
    };
    Ok((kind, out.with_context(context)?))
}

/// Parses the text of an export of `kind` (read from `path`, which only headless results
/// use: their file name can carry a PR tag).
pub fn parse(
    kind: ExportKind,
    text: &str,
    file: u32,
    path: &Path,
    scope: FocusScope,
    rules: &[crate::config::FocusRule],
) -> Result<ExportOut> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    parse_input(kind, Input::Text(text), file, path, scope, rules)
}

/// [`parse`] for an input that may be a CSV file read in windows.
fn parse_input(
    kind: ExportKind,
    input: Input,
    file: u32,
    path: &Path,
    scope: FocusScope,
    rules: &[crate::config::FocusRule],
) -> Result<ExportOut> {
    match kind {
        ExportKind::AnthropicUsage => anthropic::usage(input, file),
        ExportKind::AnthropicCost => anthropic::cost(input, file),
        ExportKind::OpenaiUsage => openai::usage(input, file),
        ExportKind::OpenaiCosts => openai::costs(input, file),
        ExportKind::Litellm => litellm::read(input, file),
        ExportKind::Focus => focus::read(input, file, scope, rules),
        ExportKind::Cursor => cursor::read(input, file),
        ExportKind::Copilot => copilot::read(input, file),
        // JSON only: a CSV given as one of them is refused by its parser, as before
        ExportKind::Otel => otel::read(&input.whole()?, file),
        ExportKind::ClaudeResult => claude_result::read(&input.whole()?, file, path),
        ExportKind::ClaudeCodeAnalytics => anthropic::analytics(&input.whole()?, file),
    }
}

/// A record of `kind` with everything unknown left empty.
pub fn blank(kind: ExportKind, file: u32, line: u64) -> UsageRecord {
    UsageRecord {
        record_id: 0,
        ts: 0,
        ts_end: None,
        source: SourceKind::Export(kind),
        provider: Text::empty(),
        model: Text::empty(),
        model_raw: Text::empty(),
        tokens: Tokens::default(),
        reasoning_tokens: 0,
        requests: 0,
        cost: None,
        cost_basis: None,
        session_id: None,
        request_id: None,
        actor: None,
        api_key_id: None,
        workspace: None,
        project: None,
        repo: None,
        branch: None,
        cwd: None,
        machine: None,
        workflow: None,
        tags: None,
        origin: Origin { file, line },
        git_remote: None,
        entrypoint: None,
        agent_version: None,
        is_sidechain: false,
        fast: false,
        long_context: false,
        batch: false,
        context_known: None,
    }
}

/// 1-based line of `part`, a slice of `text`.
pub fn line_of(text: &str, part: &str) -> u64 {
    let offset = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    let offset = offset.min(text.len());
    memchr::memchr_iter(b'\n', &text.as_bytes()[..offset]).count() as u64 + 1
}

/// Money in a JSON value — a number or a decimal string — times `10^scale`, exactly.
pub fn json_amount(raw: &RawValue, scale: u32) -> Result<i128, String> {
    let t = raw.get().trim();
    let t = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(t);
    money::parse_decimal(t, scale).map_err(|e| e.to_string())
}

/// nano-USD from an amount at scale 9 (dollars) — or cents at scale 7.
pub fn to_nano(v: i128) -> Result<i64, String> {
    i64::try_from(v).map_err(|_| format!("{v} nano-USD is out of range"))
}

/// A timestamp in microseconds: RFC 3339 (`2026-10-01T00:00:00Z`, `+02:00`), `YYYY-MM-DD
/// HH:MM:SS[.f]` (FOCUS samples, UTC), `YYYY-MM-DD` (UTC midnight), or Unix seconds.
pub fn parse_ts(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.strip_suffix(" UTC").unwrap_or(s);
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc().timestamp_micros());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_micros());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) && (9..=11).contains(&s.len()) {
        return s.parse::<i64>().ok().map(|v| v * 1_000_000);
    }
    None
}

/// Optional text: empty and `NULL` are none.
pub fn text(s: Option<&str>) -> Option<Text> {
    s.map(str::trim)
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("null"))
        .map(Text::from)
}

/// A time bucket of an Admin API report: Anthropic's RFC 3339 `starting_at`/`ending_at`
/// or OpenAI's Unix-second `start_time`/`end_time`, and its result items.
#[derive(serde::Deserialize)]
struct Bucket<'a> {
    starting_at: Option<&'a str>,
    ending_at: Option<&'a str>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    #[serde(borrow, default)]
    results: Vec<&'a RawValue>,
}

/// Walks every bucket's result items, giving each item's raw JSON, its line and the bucket's
/// start and end (microseconds); a bucket without a start rejects its items.
pub fn each_item<'a>(
    text: &'a str,
    out: &mut ExportOut,
    mut f: impl FnMut(&mut ExportOut, &'a RawValue, u64, i64, Option<i64>),
) -> anyhow::Result<()> {
    let buckets = pages(text).map_err(|e| anyhow::anyhow!("not a report: {e}"))?;
    for b in buckets {
        let bucket: Bucket = match serde_json::from_str(b.get()) {
            Ok(x) => x,
            Err(e) => {
                out.rows += 1;
                out.reject(
                    line_of(text, b.get()),
                    RejectReason::InvalidJson,
                    format!("bucket: {e}"),
                );
                continue;
            }
        };
        let start = bucket
            .starting_at
            .and_then(parse_ts)
            .or(bucket.start_time.map(|t| t * 1_000_000));
        let end = bucket
            .ending_at
            .and_then(parse_ts)
            .or(bucket.end_time.map(|t| t * 1_000_000));
        for item in bucket.results {
            out.rows += 1;
            let line = line_of(text, item.get());
            match start {
                Some(s) => f(out, item, line, s, end),
                None => out.reject(
                    line,
                    RejectReason::MissingTimestamp,
                    "the bucket has no valid start (starting_at / start_time)",
                ),
            }
        }
    }
    Ok(())
}

/// [`each_item`] with each item deserialized as `T` (an item that is not is rejected).
pub fn each_typed<'a, T: serde::Deserialize<'a>>(
    text: &'a str,
    out: &mut ExportOut,
    mut f: impl FnMut(&mut ExportOut, T, u64, i64, Option<i64>),
) -> anyhow::Result<()> {
    each_item(
        text,
        out,
        |out, raw, line, start, end| match serde_json::from_str::<T>(raw.get()) {
            Ok(it) => f(out, it, line, start, end),
            Err(e) => out.reject(line, RejectReason::InvalidJson, e.to_string()),
        },
    )
}

/// An optional key part.
pub fn opt(s: Option<&str>) -> &str {
    s.unwrap_or("")
}

/// The default workflow of an API export row: `api:<key>` when the key is known.
pub fn api_workflow(key: Option<&Text>, default: &Text) -> Text {
    match key {
        Some(k) => Text::from(format!("api:{k}")),
        None => default.clone(),
    }
}

/// Occurrence counts of row contents, per chunk of a CSV file (see [`Row::id`]).
#[derive(Default)]
struct Occurrences {
    counts: foldhash::HashMap<u128, u64>,
    kind: &'static str,
    /// The row's cells, each followed by a NUL byte (reused between rows).
    cells: Vec<u8>,
}

/// `record_id(&[kind, key as 32 hex digits, n in decimal])`, without allocating.
fn occurrence_id(kind: &str, key: u128, n: u64) -> u128 {
    let mut hex = [0u8; 32];
    for (i, b) in hex.iter_mut().enumerate() {
        *b = b"0123456789abcdef"[((key >> (124 - 4 * i)) & 15) as usize];
    }
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    // both are ASCII digits
    let hex = std::str::from_utf8(&hex).unwrap_or_default();
    let n = std::str::from_utf8(&digits[i..]).unwrap_or_default();
    record_id(&[kind, hex, n])
}

impl Occurrences {
    fn id(&mut self, kind: &'static str, rec: &csv::StringRecord) -> u128 {
        self.cells.clear();
        for cell in rec.iter() {
            self.cells.extend_from_slice(cell.as_bytes());
            self.cells.push(0);
        }
        let key = xxhash_rust::xxh3::xxh3_128(&self.cells);
        self.kind = kind;
        let n = self.counts.entry(key).or_insert(0);
        let id = occurrence_id(kind, key, *n);
        *n += 1;
        id
    }

    /// Adds a later chunk's counts to these (the chunks before it) and returns the record
    /// ids of its rows whose cells occurred before, mapped to the ids one pass would have
    /// given them. One hash probe per distinct row of the chunk.
    fn absorb(&mut self, later: &mut Occurrences) -> foldhash::HashMap<u128, u128> {
        let mut fixes = foldhash::HashMap::default();
        self.kind = later.kind;
        for (key, count) in later.counts.drain() {
            let before = self.counts.entry(key).or_insert(0);
            if *before > 0 {
                for n in 0..count {
                    fixes.insert(
                        occurrence_id(later.kind, key, n),
                        occurrence_id(later.kind, key, *before + n),
                    );
                }
            }
            *before += count;
        }
        fixes
    }
}

/// The API's paged envelope: `{data: [bucket…]}`, a list of pages, or one bucket list.
pub fn pages(text: &str) -> Result<Vec<&RawValue>, String> {
    let v: &RawValue = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let t = v.get().trim_start();
    if t.starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(v.get()).map_err(|e| e.to_string())?;
        // a list of pages, or of buckets
        let mut out = Vec::new();
        for item in items {
            #[derive(serde::Deserialize)]
            struct Page<'a> {
                #[serde(borrow)]
                data: Option<Vec<&'a RawValue>>,
            }
            match serde_json::from_str::<Page>(item.get()) {
                Ok(Page { data: Some(d) }) => out.extend(d),
                _ => out.push(item),
            }
        }
        return Ok(out);
    }
    #[derive(serde::Deserialize)]
    struct Page<'a> {
        #[serde(borrow)]
        data: Vec<&'a RawValue>,
    }
    let p: Page =
        serde_json::from_str(v.get()).map_err(|e| format!("expected {{\"data\": [...]}}: {e}"))?;
    Ok(p.data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids of CSV rows are part of the archive format: hashed cell by cell they equal
    /// the documented `record_id(kind, hex(record_id(cells)), occurrence)`.
    /// Any cut into chunks reads the same rows, lines, rejections and record ids as one
    /// pass: quoted fields with newlines and quotes, identical rows in different chunks
    /// (their occurrence numbers continue), a broken row, blank lines.
    #[test]
    fn csv_chunks_read_like_one_pass() {
        let text = "a,b,c\n1,\"x\ny\",3\n1,2,3\n\n\"q\"\"\",\"\n\",9\n1,2,3\nbad,\"open\n1,2,3\n";
        let read = |size: usize| read_csv(text.into(), size, CSV_WINDOW);
        let one = read(1 << 20);
        assert_eq!(one.0.len(), 5, "{one:?}");
        assert_eq!(one.0[0].0, 2);
        assert_eq!(one.0[1].1, "1|2|3");
        assert_eq!(
            one.0[2].0, 6,
            "the line of the first cell, after a blank line"
        );
        assert_eq!(one.0[2].1, "q\"|\n|9");
        assert_ne!(one.0[1].2, one.0[3].2, "identical rows are two records");
        for size in 1..=text.len() {
            assert_eq!(read(size), one, "chunk size {size}");
        }
        // a file read in windows of any size, the record cut by a window's end carried
        // over (a window smaller than a record grows), reads the same too; so does one
        // with a byte order mark
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in [
            ("plain", text.to_string()),
            ("bom", format!("\u{feff}{text}")),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, &content).unwrap();
            for window in 1..=content.len() + 1 {
                for size in [1, 7, 1 << 20] {
                    // some bytes already read, as `read` leaves them
                    use std::io::Read;
                    let mut file = std::fs::File::open(&path).unwrap();
                    let mut head = Vec::new();
                    (&mut file).take(5).read_to_end(&mut head).unwrap();
                    let len = content.len() as u64;
                    let input = Input::Csv(CsvFile { head, file, len });
                    let got = read_csv(input, size, window);
                    assert_eq!(got, one, "{name}: window {window}, chunk size {size}");
                }
            }
        }
    }

    /// A quote inside an unquoted cell (`O"Brien`) is a literal to the csv crate, not the
    /// start of a quoted cell, so counting quotes would put the later newlines inside
    /// quotes and cut inside a real quoted cell: such a text is read in one piece, and reads
    /// the same for every chunk and window size.
    #[test]
    fn stray_quotes_do_not_move_the_cuts() {
        for text in [
            "a,b,c\n1,O\"Brien,3\n2,\"x\ny\",4\n5,6,7\n8,\"p\nq\",9\n",
            "a,b,c\n1,\"ab\"c,3\n2,\"x\ny\",4\n5,6,7\n",
            "a,b,c\n1, \"x\",3\n2,\"x\ny\",4\n5,6,7\n",
        ] {
            let one = read_csv(text.into(), 1 << 20, CSV_WINDOW);
            assert!(one.0.len() >= 3, "{one:?}");
            assert!(
                one.0.iter().any(|(_, cells, _)| cells.contains("x\ny")),
                "{one:?}"
            );
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("stray.csv");
            std::fs::write(&path, text).unwrap();
            for size in 1..=text.len() {
                assert_eq!(
                    read_csv(text.into(), size, CSV_WINDOW),
                    one,
                    "chunk size {size}"
                );
                for window in [1, 5, 17, 40] {
                    let file = std::fs::File::open(&path).unwrap();
                    let len = text.len() as u64;
                    let input = Input::Csv(CsvFile {
                        head: Vec::new(),
                        file,
                        len,
                    });
                    let got = read_csv(input, size, window);
                    assert_eq!(got, one, "chunk size {size}, window {window}: {text:?}");
                }
            }
        }
    }

    proptest::proptest! {
        /// Any text of commas, quotes, line ends and spaces reads the same in chunks and
        /// windows of any size as in one piece: the cuts never land inside a cell the csv
        /// crate reads as quoted.
        #[test]
        fn any_csv_reads_alike_in_chunks_and_windows(body in "[a,\"\n\r ]{0,48}") {
            let text = format!("h,i\n{body}");
            let one = read_csv(text.as_str().into(), 1 << 20, CSV_WINDOW);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("any.csv");
            std::fs::write(&path, &text).unwrap();
            for size in [1, 2, 3, 5, 8, 13] {
                proptest::prop_assert_eq!(&read_csv(text.as_str().into(), size, CSV_WINDOW), &one);
                let file = std::fs::File::open(&path).unwrap();
                let input = Input::Csv(CsvFile { head: Vec::new(), file, len: text.len() as u64 });
                proptest::prop_assert_eq!(&read_csv(input, size, size + 2), &one);
            }
        }
    }

    type Read = (
        Vec<(u64, String, u128)>,
        u64,
        Vec<(u64, RejectReason, String)>,
    );

    /// Each row's line, cells and id; the rows read; the rejections.
    fn read_csv(input: Input, size: usize, window: usize) -> Read {
        let mut out = ExportOut::default();
        csv_rows_in_chunks(
            input,
            &mut out,
            &[],
            || {
                |out: &mut ExportOut, _: &Header, row: &Row| {
                    let mut r = blank(ExportKind::Cursor, 0, row.line);
                    r.record_id = row.id("k");
                    r.request_id = Some(row.rec.iter().collect::<Vec<_>>().join("|").into());
                    out.records.push(r);
                }
            },
            size,
            window,
        )
        .unwrap();
        let rows = (out.records.iter())
            .map(|r| {
                let cells = r.request_id.as_deref().unwrap_or_default().to_string();
                (r.origin.line, cells, r.record_id)
            })
            .collect();
        (rows, out.rows, out.rejects)
    }

    #[test]
    fn occurrence_ids_are_record_ids_of_kind_key_and_count() {
        let key = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210_u128;
        for n in [0, 7, 10, 1_234_567, u64::MAX] {
            let want = record_id(&["cursor", "0123456789abcdeffedcba9876543210", &n.to_string()]);
            assert_eq!(occurrence_id("cursor", key, n), want, "n = {n}");
        }
        let long = "k".repeat(100);
        let want = record_id(&[&long, "0123456789abcdeffedcba9876543210", "3"]);
        assert_eq!(occurrence_id(&long, key, 3), want);
    }

    #[test]
    fn csv_row_ids_keep_their_definition() {
        let text = "a,b,c\n1,x y,\n1,x y,\n";
        let mut out = ExportOut::default();
        let got = std::sync::Mutex::new(Vec::new());
        csv_rows(text, &mut out, &[], || {
            |_: &mut ExportOut, _: &Header, row: &Row| got.lock().unwrap().push(row.id("k"))
        })
        .unwrap();
        let got = got.into_inner().unwrap();
        let key = record_id(&["1", "x y", ""]);
        let want: Vec<u128> = ["0", "1"]
            .iter()
            .map(|n| record_id(&["k", &format!("{key:032x}"), n]))
            .collect();
        assert_eq!(got, want);
    }

    /// A CSV export larger than the head is read from the file a window at a time; what it
    /// gives equals parsing its whole text: a byte order mark, CRLF line ends, a quoted
    /// cell with a newline, invalid UTF-8, a broken row, identical rows.
    #[test]
    fn large_csv_files_read_like_their_text() {
        let mut bytes = "\u{feff}Date,User,Kind,Model,Max Mode,Input (w/ Cache Write),\
                         Input (w/o Cache Write),Cache Read,Output Tokens,Total Tokens,Cost\r\n"
            .as_bytes()
            .to_vec();
        for i in 0..3000 {
            let user = match i % 3 {
                0 => "\"a\nb@x.io\"".as_bytes().to_vec(),
                1 => b"c\xff@x.io".to_vec(),
                _ => b"d@x.io".to_vec(),
            };
            bytes.extend(format!("2026-05-{:02}T10:00:00.000Z,", 1 + i % 28).as_bytes());
            bytes.extend(user);
            bytes.extend(b",Included,claude-4-sonnet,No,10,5,2,3,15,$0.01\r\n");
            if i == 1500 {
                bytes.extend(b"2026-05-01T10:00:00.000Z,\"open,x\r\n");
            }
        }
        assert!(
            bytes.len() > 1 << 17,
            "larger than the head: {}",
            bytes.len()
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cursor.csv");
        std::fs::write(&path, &bytes).unwrap();
        let spec = ExportSpec {
            path: path.clone(),
            kind: None,
        };
        let (kind, streamed) = read(&spec, 0, FocusScope::Ai, &[]).unwrap();
        assert_eq!(kind, ExportKind::Cursor);
        let text = String::from_utf8_lossy(&bytes);
        let whole = parse(kind, &text, 0, &path, FocusScope::Ai, &[]).unwrap();
        let view = |o: &ExportOut| {
            let records: Vec<_> = (o.records.iter())
                .map(|r| (r.record_id, r.origin.line, r.ts, r.actor.clone(), r.cost))
                .collect();
            (records, o.rows, o.ignored, o.rejects.clone())
        };
        assert_eq!(view(&streamed), view(&whole));
        assert!(streamed.records.len() > 2000, "{}", streamed.records.len());

        // a pipe (`--export <(gunzip -c bill.csv.gz)`) cannot be rewound: the head read for
        // detection is where the windows start
        #[cfg(unix)]
        {
            let fifo = dir.path().join("fifo.csv");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let writer = {
                    let (fifo, bytes) = (fifo.clone(), bytes.clone());
                    std::thread::spawn(move || std::fs::write(fifo, bytes))
                };
                let specs = expand(std::slice::from_ref(&fifo)).unwrap();
                assert_eq!(specs.len(), 1, "a named pipe is an export to read");
                let (_, piped) = read(&specs[0], 0, FocusScope::Ai, &[]).unwrap();
                writer.join().unwrap().unwrap();
                assert_eq!(view(&piped), view(&whole));
            }
        }
    }

    #[test]
    fn kinds_are_told_by_header_and_keys() {
        assert_eq!(
            detect(b"{\"data\":[{\"results\":[{\"uncached_input_tokens\":1}]}]}"),
            Some(ExportKind::AnthropicUsage)
        );
        assert_eq!(
            detect(b"{\"data\":[{\"results\":[{\"currency\":\"USD\",\"amount\":\"1\",\"cost_type\":\"tokens\",\"token_type\":\"uncached_input_tokens\"}]}]}"),
            Some(ExportKind::AnthropicCost)
        );
        assert_eq!(
            detect(b"{\"object\":\"page\",\"data\":[{\"results\":[{\"object\":\"organization.costs.result\"}]}]}"),
            Some(ExportKind::OpenaiCosts)
        );
        assert_eq!(
            detect(b"\xef\xbb\xbfBillingAccountId,BilledCost,ChargePeriodStart\n1,2,3\n"),
            Some(ExportKind::Focus)
        );
        assert_eq!(
            detect(b"request_id,call_type,spend,model\n"),
            Some(ExportKind::Litellm)
        );
        assert_eq!(detect(b"a,b,c\n"), None);
        assert_eq!(detect(b"{\"x\": 1}"), None);
    }

    #[test]
    fn timestamps_and_amounts() {
        assert_eq!(
            parse_ts("2026-10-01T00:00:00Z"),
            Some(1_790_812_800_000_000)
        );
        assert_eq!(parse_ts("2026-10-01 00:00:00"), Some(1_790_812_800_000_000));
        assert_eq!(parse_ts("2026-10-01"), Some(1_790_812_800_000_000));
        assert_eq!(parse_ts("1790812800"), Some(1_790_812_800_000_000));
        assert_eq!(
            parse_ts("2026-10-01T02:00:00+02:00"),
            Some(1_790_812_800_000_000)
        );
        assert_eq!(parse_ts("yesterday"), None);
        let raw = |s: &str| -> Box<RawValue> { RawValue::from_string(s.to_string()).unwrap() };
        // 54.702 cents = $0.54702 = 547,020,000 nano (cents at scale 7)
        assert_eq!(json_amount(&raw("\"54.702\""), 7), Ok(547_020_000));
        // 0.1336 dollars as a JSON number, exactly
        assert_eq!(json_amount(&raw("0.1336"), 9), Ok(133_600_000));
        assert_eq!(json_amount(&raw("1e-9"), 9), Ok(1));
        assert!(json_amount(&raw("\"ten\""), 9).is_err());
    }

    #[test]
    fn kind_prefixes_and_globs() {
        let dir = tempfile::tempdir().unwrap();
        for n in ["a.json", "b.json", "c.csv"] {
            std::fs::write(dir.path().join(n), "{}").unwrap();
        }
        let glob = dir.path().join("*.json");
        let got = expand(&[glob]).unwrap();
        assert_eq!(got.len(), 2);
        assert!(got[0].path.ends_with("a.json") && got[0].kind.is_none());
        let forced = PathBuf::from(format!("focus:{}", dir.path().join("c.csv").display()));
        assert_eq!(expand(&[forced]).unwrap()[0].kind, Some(ExportKind::Focus));
        let bad = PathBuf::from(format!("nope:{}", dir.path().join("c.csv").display()));
        assert!(format!("{:#}", expand(&[bad]).unwrap_err()).contains("unknown kind"));
        assert!(expand(&[dir.path().join("missing.csv")]).is_err());
    }
}
