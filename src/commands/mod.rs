//! Subcommands, one file each, and what they share: the run context ([`Ctx`]) that loads
//! prices and inputs, reports what ingest found on stderr (warnings, or errors under
//! `--strict`), and writes the output document to stdout or, atomically, to `--output`.

pub mod check;
pub mod completions;
pub mod demo;
pub mod ingest;
pub mod init;
pub mod man;
pub mod prices;
pub mod prs;
pub mod report;
pub mod sources;
pub mod usage;
pub mod whatif;

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cli::GlobalArgs;
use crate::config::Config;
use crate::ingest::{Env, Ingested, LoadOptions, RootOrigin};
use crate::money;
use crate::pricing::{MatchKind, PriceTable};
use crate::report::{Doc, Format, Section};

/// Messages on stderr, by verbosity.
#[derive(Debug, Clone, Copy)]
pub struct Diag {
    pub quiet: bool,
    pub verbose: u8,
}

impl Diag {
    pub fn warn(&self, msg: &str) {
        if !self.quiet {
            eprintln!("warning: {msg}");
        }
    }

    pub fn note(&self, msg: &str) {
        if !self.quiet {
            eprintln!("note: {msg}");
        }
    }

    /// Shown with `-v`.
    pub fn detail(&self, msg: &str) {
        if !self.quiet && self.verbose > 0 {
            eprintln!("note: {msg}");
        }
    }

    /// Phase timings, shown with `-vv`.
    pub fn timing(&self, phase: &str, t: std::time::Duration) {
        if !self.quiet && self.verbose > 1 {
            eprintln!("timing: {phase}: {:.3}s", t.as_secs_f64());
        }
    }
}

/// Everything a command needs from the global options and the config file.
pub struct Ctx {
    pub args: GlobalArgs,
    pub diag: Diag,
    pub env: Env,
    /// `costper.toml` (empty when there is none).
    pub config: Config,
    pub config_path: Option<std::path::PathBuf>,
    /// The time zone: `--tz`, else the config's, else UTC.
    pub tz: String,
    /// Warnings printed so far (reports carry them in their `warnings` section).
    pub warnings: std::cell::RefCell<Vec<String>>,
}

impl Ctx {
    /// Reads the config file (`--config`, or `./costper.toml` when present).
    pub fn new(args: GlobalArgs) -> Result<Self> {
        let found = Config::discover(args.config.as_deref())?;
        let ctx = Self::with_config(args, found);
        if let Some(p) = &ctx.config_path {
            ctx.diag.detail(&format!("config: {}", p.display()));
        }
        Ok(ctx)
    }

    /// A context that ignores any config file (for `init`, which writes one).
    pub fn without_config(args: GlobalArgs) -> Self {
        Self::with_config(args, None)
    }

    fn with_config(args: GlobalArgs, found: Option<(std::path::PathBuf, Config)>) -> Self {
        let diag = Diag {
            quiet: args.quiet,
            verbose: args.verbose,
        };
        let (config_path, config) = match found {
            Some((p, c)) => (Some(p), c),
            None => (None, Config::default()),
        };
        let tz = args
            .tz
            .clone()
            .or_else(|| config.tz.clone())
            .unwrap_or_else(|| "UTC".to_string());
        Ctx {
            args,
            diag,
            env: Env::from_process(),
            config,
            config_path,
            tz,
            warnings: Default::default(),
        }
    }

    /// The bundled price table plus `--prices` (else the config's `prices`).
    pub fn prices(&self) -> Result<PriceTable> {
        let table = PriceTable::bundled()?;
        match self.args.prices.as_ref().or(self.config.prices.as_ref()) {
            Some(p) => table.with_overrides(p),
            None => Ok(table),
        }
    }

    /// Prints a warning and records it for the report's `warnings` section.
    pub fn warn(&self, msg: &str) {
        self.diag.warn(msg);
        self.warnings.borrow_mut().push(msg.to_string());
    }

    /// The repositories to read: `--repo`, else the config's `[[repo]]` entries.
    pub fn repo_paths(&self) -> Vec<std::path::PathBuf> {
        if self.args.repo.is_empty() {
            self.config.repos.iter().map(|r| r.path.clone()).collect()
        } else {
            self.args.repo.clone()
        }
    }

    /// Reads all inputs (and the archive, when one is given), prints what ingest found, and
    /// enforces `--strict`.
    pub fn load(&self, prices: &PriceTable) -> Result<Ingested> {
        let opts = self.load_options()?;
        self.load_with(&opts, prices)
    }

    /// A progress bar for reading inputs: on stderr, only when it is a terminal and neither
    /// `-q` nor `--no-progress` is given.
    pub fn progress(&self) -> Option<indicatif::ProgressBar> {
        if self.args.quiet || self.args.no_progress || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(0),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "reading {bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        ) {
            bar.set_style(style);
        }
        Some(bar)
    }

    /// The archive directory: `--archive`, else the config's `archive`.
    pub fn archive(&self) -> Option<std::path::PathBuf> {
        self.args
            .archive
            .clone()
            .or_else(|| self.config.archive.clone())
    }

    /// What [`Ctx::load`] reads, for a command that needs to adjust it.
    pub fn load_options(&self) -> Result<LoadOptions> {
        // inputs on the command line replace the config's, which replace discovery
        let a = &self.args;
        let (claude, codex, exports) =
            if a.claude.is_empty() && a.codex.is_empty() && a.export.is_empty() {
                let s = &self.config.sources;
                (s.claude.clone(), s.codex.clone(), s.exports.clone())
            } else {
                (a.claude.clone(), a.codex.clone(), a.export.clone())
            };
        let opts = LoadOptions {
            claude,
            codex,
            exports: crate::ingest::export::expand(&exports)?,
            focus_scope: a.focus_scope,
            focus_rules: self.config.focus.include.clone(),
            reconcile: !a.no_reconcile,
            raw: false,
            archive: self.archive(),
            unchanged: None,
            progress: self.progress(),
            env: self.env.clone(),
            chunk_size: std::env::var("COSTPER_CHUNK_SIZE")
                .ok()
                .and_then(|v| v.parse().ok()),
        };
        Ok(opts)
    }

    /// Reads `opts`, prints what ingest found, and enforces `--strict`.
    pub fn load_with(&self, opts: &LoadOptions, prices: &PriceTable) -> Result<Ingested> {
        let ing = crate::ingest::load(opts, prices)?;
        for (phase, t) in &ing.timings {
            self.diag.timing(phase, *t);
        }
        self.report_ingest(&ing)?;
        Ok(ing)
    }

    fn report_ingest(&self, ing: &Ingested) -> Result<()> {
        let d = self.diag;
        for n in &ing.notes {
            d.note(n);
        }
        if ing.discovered {
            if ing.sources.is_empty() {
                self.warn(
                    "no agent logs found in the default locations (~/.claude/projects, \
                     ~/.config/claude/projects, ~/.codex/sessions); pass --claude DIR or --codex DIR",
                );
            }
            for s in &ing.sources {
                let how = match &s.origin {
                    RootOrigin::Env(v) => format!(" (from {v})"),
                    _ => String::new(),
                };
                d.note(&format!(
                    "reading {} from {}{how}: {} file(s)",
                    s.kind.label(),
                    s.path.display(),
                    s.files
                ));
            }
        }
        let mut warnings: Vec<String> = Vec::new();
        if !ing.rejects.is_empty() {
            let mut by_reason = std::collections::BTreeMap::new();
            for r in &ing.rejects {
                *by_reason.entry(r.reason.as_str()).or_insert(0u64) += 1;
            }
            let reasons: Vec<String> = by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
            let shown = if d.verbose > 0 { ing.rejects.len() } else { 3 };
            let mut msg = format!(
                "{} line(s) rejected ({}); they are not counted:",
                ing.rejects.len(),
                reasons.join(", ")
            );
            for r in ing.rejects.iter().take(shown) {
                msg.push_str(&format!(
                    "\n  {}:{}: {}: {}",
                    ing.path_of(r.origin).display(),
                    r.origin.line,
                    r.reason,
                    r.detail
                ));
            }
            if ing.rejects.len() > shown {
                msg.push_str(&format!(
                    "\n  … {} more; `costper sources --rejected` lists them all",
                    ing.rejects.len() - shown
                ));
            }
            warnings.push(msg);
        }
        for u in &ing.unpriced {
            warnings.push(format!(
                "model `{}` has no price: {} call(s), {} tokens reported as unpriced \
                 (add it with --prices FILE)",
                u.model,
                u.requests,
                money::group_thousands(&u.tokens.to_string())
            ));
        }
        if ing.codex_model_fallbacks > 0 {
            warnings.push(format!(
                "{} Codex call(s) were logged before the session named its model; priced as {}",
                ing.codex_model_fallbacks,
                crate::ingest::CODEX_FALLBACK_MODEL
            ));
        }
        for (p, why) in &ing.archive_skipped {
            warnings.push(format!(
                "{} is not a readable costper archive file ({why}); it was skipped",
                p.display()
            ));
        }
        for v in &ing.vanished {
            warnings.push(format!(
                "{} disappeared while costper was reading (deleted meanwhile?); it was skipped",
                v.display()
            ));
        }
        for l in &ing.loose_matches {
            let msg = format!(
                "model `{}` priced as `{}` ({}; {} call(s))",
                l.raw,
                l.model,
                l.how.describe(),
                l.requests
            );
            match l.how {
                MatchKind::Contains(_) => d.note(&msg),
                _ => d.detail(&msg),
            }
        }
        let incomplete: u64 = ing.sources.iter().map(|s| s.incomplete).sum();
        if incomplete > 0 {
            d.note(&format!(
                "{incomplete} file(s) end with an incomplete line (a session still being \
                 written); that line was skipped"
            ));
        }
        for w in &warnings {
            self.warn(w);
        }
        if self.args.strict && !warnings.is_empty() {
            bail!(
                "--strict: {} warning(s) above; fix the inputs or drop --strict",
                warnings.len()
            );
        }
        Ok(())
    }

    /// Reads the `--repo` repositories and `--prs` exports, prints what was found wrong, and
    /// enforces `--strict`.
    pub fn outcomes(&self, stats: bool) -> Result<crate::outcomes::Outcomes> {
        let pairs = &self.args.prs_after_repo;
        let from_config = self.args.repo.is_empty() && self.args.prs.is_empty();
        let (repos, exports, repo_branches) = if from_config {
            let c = &self.config.repos;
            (
                self.repo_paths(),
                c.iter()
                    .enumerate()
                    .flat_map(|(i, r)| r.prs.iter().map(move |p| (p.clone(), Some(i))))
                    .collect(),
                c.iter().map(|r| r.branch.clone()).collect(),
            )
        } else {
            (
                self.args.repo.clone(),
                self.args
                    .prs
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.clone(), pairs.get(i).copied().flatten()))
                    .collect(),
                Vec::new(),
            )
        };
        let opts = crate::outcomes::Options {
            repos,
            exports,
            repo_branches,
            branch: self.args.branch.clone(),
            patterns: self.args.pr_pattern.clone(),
            stats,
        };
        let clock = std::time::Instant::now();
        let o = crate::outcomes::load(&opts)?;
        self.diag.timing("outcomes", clock.elapsed());
        for r in &o.repos {
            let shape = match r.commit_graph {
                true => "shape from git's commit-graph".to_string(),
                false => format!(
                    "shape from {} commits read ahead from the packs",
                    r.read_ahead
                ),
            };
            self.diag.detail(&format!(
                "{}: walked {} ({} mainline commits, {} commits read; {shape})",
                r.id, r.mainline, r.mainline_commits, r.commits,
            ));
        }
        for w in &o.warnings {
            self.warn(w);
        }
        if !o.disagreements.is_empty() {
            self.diag.note(&format!(
                "{} disagreement(s) between git and the PR export(s); they are listed in the \
                 output (`disagreements`)",
                o.disagreements.len()
            ));
        }
        if self.args.strict && !o.warnings.is_empty() {
            bail!(
                "--strict: {} warning(s) above; fix the inputs or drop --strict",
                o.warnings.len()
            );
        }
        Ok(o)
    }

    /// Writes a document in the chosen format to stdout or `--output`.
    pub fn emit(&self, doc: &Doc) -> Result<()> {
        let format = self.args.format;
        if format == Format::Csv && matches!(doc, Doc::Sections(_)) {
            return Err(crate::UsageError(
                "CSV holds a single table; this output has several sections. \
                 Choose one view (e.g. --by) or use --format json"
                    .into(),
            )
            .into());
        }
        // Notes belong under a human table; for machine formats they go to stderr.
        if !matches!(format, Format::Table | Format::Markdown | Format::Html) {
            for n in doc_notes(doc) {
                self.diag.note(n);
            }
        }
        match &self.args.output {
            Some(path) => write_atomically(path, |w| {
                crate::report::renderer(format, false, self.diag.verbose > 0).render(doc, w)?;
                Ok(())
            }),
            None => {
                let tty = std::io::stdout().is_terminal();
                let stdout = std::io::stdout();
                let mut lock = std::io::BufWriter::new(stdout.lock());
                crate::report::renderer(format, tty, self.diag.verbose > 0)
                    .render(doc, &mut lock)?;
                lock.flush()?;
                Ok(())
            }
        }
    }
}

fn doc_notes(doc: &Doc) -> Vec<&String> {
    match doc {
        Doc::Table(t) => t.notes.iter().collect(),
        Doc::Sections(s) => s
            .iter()
            .flat_map(|(_, sec)| match sec {
                Section::Table(t) | Section::Data(t) => t.notes.iter().collect::<Vec<_>>(),
                Section::Fields(_) | Section::Scalar(_) => Vec::new(),
            })
            .collect(),
    }
}

/// Writes `path` via a temporary file in the same directory and a rename, so readers never
/// see a partial file. A symlink is written through (the link stays), an existing file keeps
/// its permissions, and anything that is not a regular file — `/dev/null`, `/dev/stdout`, a
/// FIFO — is written to directly instead of being replaced.
pub fn write_atomically(path: &Path, f: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let existing = std::fs::metadata(path).ok();
    if let Some(m) = &existing
        && !m.is_file()
    {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut w = std::io::BufWriter::new(file);
        f(&mut w)?;
        w.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
        return Ok(());
    }
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path)
            .with_context(|| format!("cannot resolve the link {}", path.display()))?,
        _ => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // what a plain create would give (0666 less the umask), not tempfile's 0600
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot write to {}", dir.display()))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        f(&mut w)?;
        w.flush()?;
    }
    if let Some(m) = existing {
        // best effort: the content matters more than the mode
        let _ = tmp.as_file().set_permissions(m.permissions());
    }
    tmp.persist(&target)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
