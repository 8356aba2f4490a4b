//! `costper man [COMMAND]`: the man page (roff) of costper or of one of its commands
//! (`costper-report(1)`, …), generated from the clap definition so it never drifts from the
//! options.

use anyhow::Result;
use clap::CommandFactory;

use super::{Ctx, write_atomically};
use crate::ExitStatus;
use crate::cli::ManArgs;

pub fn run(ctx: &Ctx, a: &ManArgs) -> Result<ExitStatus> {
    let cmd = crate::Cli::command();
    let page = match &a.command {
        None => cmd,
        Some(name) => {
            let Some(sub) = cmd.find_subcommand(name) else {
                let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
                return Err(crate::UsageError(format!(
                    "no command `{name}`; commands: {}",
                    names.join(", ")
                ))
                .into());
            };
            let full = format!("costper-{name}");
            sub.clone().name(full.clone()).display_name(full)
        }
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(page).render(&mut buf)?;
    match &ctx.args.output {
        Some(p) => write_atomically(p, |w| Ok(w.write_all(&buf)?))?,
        None => std::io::Write::write_all(&mut std::io::stdout().lock(), &buf)?,
    }
    Ok(ExitStatus::Success)
}
