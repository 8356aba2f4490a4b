//! The `costper` binary: parse arguments, run, map the outcome to an exit code
//! (0 ok, 1 error, 2 usage error, 3 check breached). A closed stdout pipe is success.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let mut cli = costper::Cli::parse();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    cli.global.prs_after_repo = costper::cli::pair_exports(&args);
    match costper::run(cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            let broken_pipe = err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            let code = if err.downcast_ref::<costper::UsageError>().is_some() {
                2
            } else {
                1
            };
            eprintln!("costper: error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(code)
        }
    }
}
