//! Shell completions and man pages come from the clap definition; progress bars appear only
//! on a terminal.

use crate::common::*;

#[test]
fn completions_for_every_shell_know_the_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]).ok().stdout;
        for cmd in ["report", "check", "ingest", "--archive"] {
            assert!(out.contains(cmd), "{shell}: {cmd}");
        }
    }
    assert_eq!(run(&["completions", "tcsh"]).code, 2);
}

#[test]
fn man_pages_for_costper_and_each_command() {
    let main = run(&["man"]).ok().stdout;
    assert!(main.contains(".TH costper 1"), "{main}");
    assert!(main.contains("report"));
    let report = run(&["man", "report"]).ok().stdout;
    assert!(report.contains(".TH costper-report 1"), "{report}");
    assert!(report.contains("\\-\\-top"), "{report}");
    let r = run(&["man", "nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("commands: usage"), "{}", r.stderr);
}

#[test]
fn no_progress_bar_off_a_terminal() {
    // stderr is a pipe here: no bar, with or without --no-progress
    let r = run(&["usage", "--claude", "fixtures/claude", "-q"]).ok();
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let r = run(&["usage", "--claude", "fixtures/claude", "--no-progress"]).ok();
    assert!(!r.stderr.contains("reading "), "{}", r.stderr);
}

/// On a terminal (`script` gives the command one) the bar is drawn on stderr and cleared
/// before the diagnostics; `--no-progress` turns it off.
#[test]
fn progress_bar_on_a_terminal() {
    let bin = env!("CARGO_BIN_EXE_costper");
    let script = |extra: &str| {
        std::process::Command::new("script")
            .current_dir(root())
            .args([
                "-qec",
                &format!("{bin} usage --claude fixtures/claude {extra} > /dev/null"),
                "/dev/null",
            ])
            .output()
    };
    let Ok(out) = script("") else {
        eprintln!("SKIPPED: no `script` program to give costper a terminal");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("reading "), "{text}");
    assert!(
        text.contains("/12.59 KiB"),
        "the total is the bytes to read: {text}"
    );
    let off = script("--no-progress").unwrap();
    assert!(!String::from_utf8_lossy(&off.stdout).contains("reading "));
}
