//! Command-line definition (clap derive). Global options apply to every subcommand and may
//! be given before or after it. Dates and time zones are validated here, so a bad value is a
//! usage error (exit 2) before any input is read.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{ArgAction, Args, Parser, Subcommand};

use crate::report::Format;
use crate::report::frame::UsageDim;

const ABOUT: &str = "What did our AI spend buy? Cost per merged PR, per workflow and per model, \
from AI agent logs, provider billing exports and git history.";

const AFTER_HELP: &str = "\
Inputs: without --claude/--codex, costper reads the default locations (CLAUDE_CONFIG_DIR or \
~/.config/claude/projects and ~/.claude/projects; CODEX_HOME or ~/.codex) and says which it used.

Exit codes: 0 ok, 1 runtime error (unreadable input, --strict violation), 2 usage error.

Examples:
  costper demo                                  # everything on an embedded demo organisation
  costper usage --by day                        # daily spend from local agent logs
  costper usage --by model,day --format csv     # one row per model and day, for a spreadsheet
  costper sources                               # what was read, accepted, rejected
  costper prices claude-sonnet-4-5-20250929     # how a model name is priced";

#[derive(Debug, Parser)]
#[command(name = "costper", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y%m%d"))
        .map_err(|_| format!("`{s}` is not a date; use YYYY-MM-DD"))
}

fn parse_tz(s: &str) -> Result<String, String> {
    s.parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_string())
        .map_err(|_| format!("`{s}` is not an IANA time zone (e.g. UTC, Europe/Berlin)"))
}

/// Options shared by all commands.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// First day to include (YYYY-MM-DD, inclusive, in --tz).
    #[arg(long, global = true, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<NaiveDate>,
    /// Last day to include (YYYY-MM-DD, inclusive, in --tz).
    #[arg(long, global = true, value_name = "DATE", value_parser = parse_date)]
    pub until: Option<NaiveDate>,
    /// IANA time zone for days, weeks and months [default: the config's `tz`, else UTC].
    #[arg(long, global = true, value_name = "TZ", value_parser = parse_tz)]
    pub tz: Option<String>,
    /// Configuration file [default: ./costper.toml when it exists].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Extra or overriding prices: LiteLLM's model_prices_and_context_window.json, or a
    /// costper TOML price table.
    #[arg(long, global = true, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Treat warnings (rejected lines, unpriced models, vanished files) as errors.
    #[arg(long, global = true)]
    pub strict: bool,
    /// Only errors on stderr.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// No progress bar (one is shown on stderr only when it is a terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// More detail on stderr (repeat for more).
    #[arg(long, short = 'v', global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Claude Code transcripts: a config dir, a projects/ dir or any dir of .jsonl files
    /// (repeatable; replaces auto-discovery).
    #[arg(long, global = true, value_name = "DIR")]
    pub claude: Vec<PathBuf>,
    /// Codex sessions: a CODEX_HOME, a sessions/ dir or any dir of rollout .jsonl files
    /// (repeatable; replaces auto-discovery).
    #[arg(long, global = true, value_name = "DIR")]
    pub codex: Vec<PathBuf>,
    /// A provider billing or usage export (format detected from its header or JSON;
    /// `KIND:FILE` forces one; `*` in the file name matches several; repeatable). Kinds:
    /// anthropic_usage, anthropic_cost, openai_usage, openai_costs, litellm, focus, cursor,
    /// copilot, otel, claude_result, claude_code_analytics.
    #[arg(long, global = true, value_name = "FILE")]
    pub export: Vec<PathBuf>,
    /// Which rows of FOCUS exports to read: `ai` (AI services) or `all` (the whole bill).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "ai",
        value_name = "SCOPE"
    )]
    pub focus_scope: crate::ingest::export::FocusScope,
    /// A costper archive to read besides the inputs (`costper ingest --archive DIR` writes
    /// it) [default: the config's `archive`].
    #[arg(long, global = true, value_name = "DIR")]
    pub archive: Option<PathBuf>,
    /// Do not scale log estimates to the bills that cover them (the estimates stand; the
    /// covered bills are set aside and listed).
    #[arg(long, global = true)]
    pub no_reconcile: bool,
    /// Worker threads for parsing (default: all cores). Output never depends on it.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// A git repository (work tree or bare clone) whose merged PRs are the outcomes
    /// (repeatable).
    #[arg(long, global = true, value_name = "PATH")]
    pub repo: Vec<PathBuf>,
    /// A PR export (`gh pr list --json …` or GitLab MR API JSON). Given right after a
    /// `--repo`, it belongs to that repository; otherwise it is matched by the PR URLs
    /// (repeatable).
    #[arg(long, global = true, value_name = "FILE")]
    pub prs: Vec<PathBuf>,
    /// The mainline branch of the repositories (default: origin/HEAD, main, master).
    #[arg(long, global = true, value_name = "NAME")]
    pub branch: Option<String>,
    /// An extra PR message pattern: a regex with a named group `n` for the number (optional
    /// `branch`, `base`, `title`), tried before the built-in formats (repeatable).
    #[arg(long, global = true, value_name = "REGEX")]
    pub pr_pattern: Vec<String>,
    /// For each `--prs`, the index of the `--repo` given right before it (set from the raw
    /// argument order; see `pair_exports`).
    #[arg(skip)]
    pub prs_after_repo: Vec<Option<usize>>,
}

/// For each `--prs` in `args`, the index of the last `--repo` before it (if any).
pub fn pair_exports<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Vec<Option<usize>> {
    let mut repos = 0usize;
    let mut out = Vec::new();
    let mut it = args.iter().map(|a| a.as_ref().to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--repo" || a.starts_with("--repo=") {
            repos += 1;
            if a == "--repo" {
                it.next();
            }
        } else if a == "--prs" || a.starts_with("--prs=") {
            out.push(repos.checked_sub(1));
            if a == "--prs" {
                it.next();
            }
        }
    }
    out
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Spend and tokens from agent logs by day, week, month, model, session or project.
    #[command(after_help = "\
Examples:
  costper usage                                  # by day (the default)
  costper usage --by model
  costper usage --by day,model --since 2026-10-01 --until 2026-10-31
  costper usage --by session --format json
  costper usage --by month --tz Europe/Berlin --format csv -o spend.csv")]
    Usage(UsageArgs),
    /// What was read: per input, files, lines, accepted, duplicates, rejected, date range, cost.
    #[command(after_help = "\
Every line read is counted once: rows = accepted + duplicates + ignored + rejected + incomplete.
  accepted    usage records kept (one per API call)
  duplicates  repeated lines of one call (streaming), replays, copies
  ignored     lines that carry no usage (prompts, tool results, summaries, snapshots)
  rejected    malformed lines, each listed by --rejected with file:line and reason
  incomplete  an unterminated last line (a session still being written)

Examples:
  costper sources
  costper sources --rejected --format csv")]
    Sources(SourcesArgs),
    /// The price table, and how a model name resolves to a price.
    #[command(after_help = "\
Prices are USD per million tokens. Without MODEL, one row per model with the period in force
on --date (default: each model's latest period).

Examples:
  costper prices
  costper prices --provider anthropic --format csv
  costper prices 'Claude Opus 4.6 (1M context)'
  costper prices claude-opus-4-6 --prices my_prices.json")]
    Prices(PricesArgs),
    /// Outcomes from git: merged PRs, how they landed, AI-assisted share, reverts, cycle time.
    #[command(after_help = "\
The mainline's first-parent chain is classified commit by commit: merge PRs (GitHub, GitLab,
Bitbucket, Azure DevOps, Gitea, bors, homu), squash PRs (`Title (#N)`, Gerrit, Phabricator),
direct pushes. A PR export adds created/merged times, authors, labels, unmerged and
rebase-merged PRs; where it disagrees with git, both are shown. AI assistance comes from
co-author trailers (by email), `Generated with [Claude Code]`, `Assisted-by:`, bot authors,
agent branch names and git-ai notes.

Examples:
  costper prs --repo .
  costper prs --repo ~/src/api --prs api-prs.json --since 2026-10-01
  costper prs --repo ~/src/api --by pr --format csv -o prs.csv
  costper prs --repo ~/src/api --by commit --stats --format json
  gh pr list --state all --limit 10000 --json number,title,url,state,isDraft,author,createdAt,mergedAt,closedAt,baseRefName,headRefName,additions,deletions,changedFiles,labels,mergeCommit,commits > api-prs.json")]
    Prs(PrsArgs),
    /// Cost per merged PR, per workflow and per model: spend joined to PRs.
    #[command(after_help = "\
Every usage row is booked to one PR by the strongest signal that applies — explicit (a pr:N
tag), commit (the session made a commit of the PR), branch (the row's branch is the PR's head
branch, within [created - lookback, merged/closed + grace]) — or stays unattributed with a
reason: abandoned, no_repo, default_branch, no_pr, outside_window, aggregate_only.
input = attributed + unattributed, exactly. Semantics: docs/attribution.md.

Examples:
  costper report --repo ~/src/api --prs api-prs.json
  costper report                                   # repos and inputs from ./costper.toml
  costper report --by pr --format csv -o pr-costs.csv
  costper report --by workflow --since 2026-10-01 --until 2026-10-31
  costper report --format json > report.json")]
    Report(ReportArgs),
    /// Generate a synthetic organisation (repositories, PR exports, agent logs, a bill) and
    /// run the full report on it.
    #[command(after_help = "\
Examples:
  costper demo                             # cost per merged PR, per workflow, per model
  costper demo --by pr
  costper demo --format markdown
  costper demo --keep /tmp/costper-demo    # keep the inputs: costper report --config /tmp/costper-demo/costper.toml")]
    Demo(DemoArgs),
    /// Append the inputs' usage to the archive (--archive DIR), for nightly runs.
    #[command(after_help = "\
Reads the inputs (as `usage` does) and writes what the archive does not hold yet as Parquet
files under DIR (one per month, named by their content), with the commit links; input files
unchanged since the last run on this machine are skipped. Other commands read the archive
with --archive DIR besides their inputs, so history survives Claude Code deleting
transcripts after 30 days. Archives of several machines merge by copying their files into
one directory. Layout and guarantees: docs/archive.md.

Examples:
  costper ingest --archive ~/.costper/archive
  costper ingest --archive /srv/costper --machine ci-runner-3 --claude /builds/transcripts
  costper report --archive ~/.costper/archive --repo .")]
    Ingest(IngestArgs),
    /// CI gate: exit 3 when spend breaks a threshold (cost per merged PR, a PR's cost, the
    /// period budget and its forecast, an actor's monthly spend, the unattributed share,
    /// model policies).
    #[command(after_help = "\
Thresholds come from the flags, else from [check] and [[policy]] in costper.toml. Every rule
is listed with its limit, the actual value and ok/breach; each breach is also explained on
stderr. Exit codes: 0 all rules pass, 3 a rule is breached, 1 an error.

The budget period (month, week or day in --tz) is the one holding the last day of the
report (--until, else the last call); the forecast extends the trailing 7-day burn rate to
the period's end and says on which day the budget runs out.

Examples:
  costper check --max-cost-per-pr 25 --max-unattributed-share 30%
  costper check --budget 2000 --period month
  costper check --max-pr-cost 100 --format markdown >> \"$GITHUB_STEP_SUMMARY\"
  costper check                                   # thresholds and policies from costper.toml")]
    Check(CheckArgs),
    /// Re-price the usage as if some models' calls had gone to others: savings per
    /// workflow, model and PR.
    #[command(after_help = "\
Each swapped call keeps its tokens and is priced at the new model's list prices on its day;
its cost keeps its ratio to list price, so billed and reconciled costs stay on their basis.
Calls of other models, unpriced calls and billed rows without tokens keep their cost.
A policy file applies several swaps at once (the first matching swap decides a call):

  [[swap]]
  from = \"claude-opus-*\"
  to = \"claude-sonnet-4-5\"
  workflow = \"docs*\"          # optional; also repo

Examples:
  costper whatif --swap claude-opus-4-6=claude-sonnet-4-5
  costper whatif --swap 'claude-opus-*=claude-sonnet-4-5' --workflow claude-code-ci
  costper whatif --policy routing.toml --by pr --format csv")]
    Whatif(WhatifArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = "\
Examples:
  costper completions bash > ~/.local/share/bash-completion/completions/costper
  costper completions zsh > \"${fpath[1]}/_costper\"
  costper completions fish > ~/.config/fish/completions/costper.fish")]
    Completions(CompletionsArgs),
    /// Print the man page of costper or of one of its commands (roff).
    #[command(after_help = "\
Examples:
  costper man > costper.1 && man ./costper.1
  costper man report > costper-report.1")]
    Man(ManArgs),
    /// Write a commented costper.toml from what this machine shows: agent log locations,
    /// the repositories sessions worked in, their mainlines, the time zone, workflow labels.
    #[command(after_help = "\
Reads the agent logs (as `usage` would: --claude/--codex, else the default locations), finds
the git repositories their working directories belong to (and the one costper runs in), and
writes them with the figures that back each entry as comments. Sessions in directories that
do not exist here (logs from other machines) become suggested `paths` patterns. Review the
file, add PR exports, then run `costper report`. Nothing is written when the file exists,
unless --force.

Examples:
  costper init                          # ./costper.toml
  costper init -o ci/costper.toml       # paths in the file are relative to its directory
  costper init --claude /srv/logs/claude --force")]
    Init(InitArgs),
}

#[derive(Debug, Args, Clone)]
pub struct UsageArgs {
    /// Group by one or more dimensions (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "day")]
    pub by: Vec<UsageDim>,
}

#[derive(Debug, Args, Clone)]
pub struct SourcesArgs {
    /// List every rejected line (path, line, reason) instead of the per-input summary.
    #[arg(long)]
    pub rejected: bool,
}

#[derive(Debug, Args, Clone)]
pub struct PricesArgs {
    /// A model name as it appears in logs or bills.
    pub model: Option<String>,
    /// Only models of this provider (anthropic, openai, google).
    #[arg(long)]
    pub provider: Option<String>,
    /// Show the prices in force on this day.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub date: Option<NaiveDate>,
}

/// A view of the outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PrsView {
    /// One row per PR/MR.
    Pr,
    /// One row per commit (mainline and merged).
    Commit,
    /// AI-assisted PRs per agent.
    Agent,
    /// One row per repository.
    Repo,
}

#[derive(Debug, Args, Clone)]
pub struct PrsArgs {
    /// A single table instead of the full report.
    #[arg(long, value_enum)]
    pub by: Option<PrsView>,
    /// Count added and deleted lines per commit and PR (slower: diffs every commit).
    #[arg(long)]
    pub stats: bool,
}

/// A single-table view of `costper report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportView {
    Pr,
    Waste,
    Model,
    Workflow,
    Repo,
    Author,
    Branch,
    Session,
    Day,
    Week,
    Month,
}

#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// One table instead of the full report.
    #[arg(long, value_enum)]
    pub by: Option<ReportView>,
    /// Keep the N most expensive rows: PRs in the full report's `prs` section (default 10;
    /// 0 = all), rows of a `--by` table (default all; the total still covers every row).
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
}

fn parse_usd_arg(s: &str) -> Result<i64, String> {
    crate::money::parse_usd(s.trim().trim_start_matches('$'))
        .map_err(|e| format!("{e}; write dollars, e.g. 25 or 12.50"))
}

fn parse_share(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("`{s}` is not a share; write 0.3 or 30%"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("`{s}` is not between 0 and 100%"))
    }
}

/// The budget's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BudgetPeriod {
    Month,
    Week,
    Day,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CheckArgs {
    /// Breach when the cost per merged PR (attributed ÷ merged PRs) is above USD.
    #[arg(long, value_name = "USD", value_parser = parse_usd_arg)]
    pub max_cost_per_pr: Option<i64>,
    /// Breach when any PR merged in the period cost more than USD.
    #[arg(long, value_name = "USD", value_parser = parse_usd_arg)]
    pub max_pr_cost: Option<i64>,
    /// Breach when the period's spend, or its forecast, is above USD.
    #[arg(long, value_name = "USD", value_parser = parse_usd_arg)]
    pub budget: Option<i64>,
    /// The budget's period [default: month].
    #[arg(long, value_enum)]
    pub period: Option<BudgetPeriod>,
    /// Breach when one actor spent more than USD in a calendar month.
    #[arg(long, value_name = "USD", value_parser = parse_usd_arg)]
    pub max_actor_cost: Option<i64>,
    /// Breach when the unattributed share of spend is above SHARE (0.3 or 30%).
    #[arg(long, value_name = "SHARE", value_parser = parse_share)]
    pub max_unattributed_share: Option<f64>,
}

#[derive(Debug, Args, Clone)]
pub struct IngestArgs {
    /// The name records are labelled with, and under which this machine's read files are
    /// remembered [default: the host name].
    #[arg(long, value_name = "NAME")]
    pub machine: Option<String>,
}

/// `whatif --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WhatifView {
    Workflow,
    Model,
    Repo,
    Pr,
}

#[derive(Debug, Args, Clone, Default)]
pub struct WhatifArgs {
    /// MODEL_A=MODEL_B: price MODEL_A's calls (a name or a pattern with `*`) as MODEL_B's
    /// (repeatable; the first matching swap decides).
    #[arg(long, value_name = "A=B")]
    pub swap: Vec<String>,
    /// Only calls of this workflow (pattern) are swapped by --swap.
    #[arg(long, value_name = "WORKFLOW")]
    pub workflow: Option<String>,
    /// Only calls of this repository (pattern, e.g. acme/api) are swapped by --swap.
    #[arg(long, value_name = "REPO")]
    pub in_repo: Option<String>,
    /// A TOML file of `[[swap]]` rules (from, to, workflow, repo) applied as a whole.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// One table instead of all.
    #[arg(long, value_enum)]
    pub by: Option<WhatifView>,
}

#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args, Clone)]
pub struct ManArgs {
    /// A command (`report`, `check`, …) for its own page.
    pub command: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Write the demo inputs to DIR and keep them (default: a temporary directory).
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// One table of the report instead of all of it (as `report --by`).
    #[arg(long, value_enum)]
    pub by: Option<ReportView>,
    /// As `report --top`.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "costper",
            "usage",
            "--by",
            "day,model",
            "--format",
            "json",
            "--since",
            "20261001",
        ])
        .unwrap();
        assert_eq!(cli.global.format, Format::Json);
        assert_eq!(cli.global.since, NaiveDate::from_ymd_opt(2026, 10, 1));
        let Command::Usage(u) = cli.command else {
            panic!()
        };
        assert_eq!(u.by, vec![UsageDim::Day, UsageDim::Model]);
    }

    #[test]
    fn exports_pair_with_the_repo_before_them() {
        let args = [
            "costper",
            "prs",
            "--prs",
            "x.json",
            "--repo",
            "a",
            "--prs",
            "a.json",
            "--repo=b",
            "--prs=b.json",
            "--prs",
            "b2.json",
        ];
        assert_eq!(pair_exports(&args), vec![None, Some(0), Some(1), Some(1)]);
    }

    #[test]
    fn bad_dates_and_zones_are_usage_errors() {
        assert!(Cli::try_parse_from(["costper", "usage", "--since", "yesterday"]).is_err());
        assert!(Cli::try_parse_from(["costper", "usage", "--tz", "Mars/Olympus"]).is_err());
    }
}
