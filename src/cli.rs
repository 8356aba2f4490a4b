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
    /// IANA time zone for days, weeks and months.
    #[arg(long, global = true, value_name = "TZ", default_value = "UTC", value_parser = parse_tz)]
    pub tz: String,
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
    /// Worker threads for parsing (default: all cores). Output never depends on it.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
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
    /// Generate a synthetic organisation's agent logs and report on them.
    #[command(after_help = "\
Examples:
  costper demo
  costper demo --keep /tmp/costper-demo    # keep the generated inputs to explore them")]
    Demo(DemoArgs),
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

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Write the demo inputs to DIR and keep them (default: a temporary directory).
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
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
    fn bad_dates_and_zones_are_usage_errors() {
        assert!(Cli::try_parse_from(["costper", "usage", "--since", "yesterday"]).is_err());
        assert!(Cli::try_parse_from(["costper", "usage", "--tz", "Mars/Olympus"]).is_err());
    }
}
