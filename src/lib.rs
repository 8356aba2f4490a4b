//! costper: cost per merged PR, per workflow and per model from AI agent logs, provider
//! billing exports and git history.
//!
//! [`run`] executes a parsed command line. Data flows one way: [`ingest`] finds and parses
//! inputs into normalized records (priced by [`pricing`], money in [`money`]), builds the
//! polars `usage` table, [`report::frame`] aggregates it, and a [`report::Render`] writes
//! the result. Commands live in [`commands`], one file each.

pub mod attribute;
pub mod cli;
pub mod commands;
pub mod config;
#[doc(hidden)]
pub mod fuzzing;
pub mod ingest;
pub mod money;
pub mod outcomes;
pub mod pricing;
pub mod report;

pub use cli::Cli;

/// How a successful run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    /// A `check` threshold was breached (exit code 3).
    Breach,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Breach => 3,
        }
    }
}

/// A command-line problem found after parsing (exit code 2, like clap's own errors).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    if let Some(n) = cli.global.threads {
        if n == 0 {
            return Err(UsageError("--threads must be at least 1".into()).into());
        }
        // Fails only if a pool already exists (a second run in one process): keep that one.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    // `init` writes the config file, so a broken one must not stop it
    let ctx = match cli.command {
        cli::Command::Init(_) | cli::Command::Completions(_) | cli::Command::Man(_) => {
            commands::Ctx::without_config(cli.global)
        }
        _ => commands::Ctx::new(cli.global)?,
    };
    match cli.command {
        cli::Command::Usage(a) => commands::usage::run(&ctx, &a),
        cli::Command::Sources(a) => commands::sources::run(&ctx, &a),
        cli::Command::Prices(a) => commands::prices::run(&ctx, &a),
        cli::Command::Prs(a) => commands::prs::run(&ctx, &a),
        cli::Command::Report(a) => commands::report::run(&ctx, &a),
        cli::Command::Demo(a) => commands::demo::run(&ctx, &a),
        cli::Command::Init(a) => commands::init::run(&ctx, &a),
        cli::Command::Check(a) => commands::check::run(&ctx, &a),
        cli::Command::Ingest(a) => commands::ingest::run(&ctx, &a),
        cli::Command::Completions(a) => commands::completions::run(&ctx, &a),
        cli::Command::Man(a) => commands::man::run(&ctx, &a),
        cli::Command::Whatif(a) => commands::whatif::run(&ctx, &a),
    }
}
