//! `costper completions SHELL`: the shell completion script, generated from the clap
//! definition (so it never drifts from the options).

use anyhow::Result;
use clap::CommandFactory;

use super::{Ctx, write_atomically};
use crate::ExitStatus;
use crate::cli::CompletionsArgs;

pub fn run(ctx: &Ctx, a: &CompletionsArgs) -> Result<ExitStatus> {
    let mut cmd = crate::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "costper", &mut buf);
    match &ctx.args.output {
        Some(p) => write_atomically(p, |w| Ok(w.write_all(&buf)?))?,
        None => std::io::Write::write_all(&mut std::io::stdout().lock(), &buf)?,
    }
    Ok(ExitStatus::Success)
}
