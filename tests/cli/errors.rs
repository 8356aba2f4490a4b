//! Exit codes and messages: 1 for runtime errors (naming the input), 2 for usage errors,
//! `--strict` turning warnings into errors.

use crate::common::*;

#[test]
fn strict_turns_warnings_into_an_error() {
    let r = run(&args(&[&["usage", "--strict"], CLAUDE]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("--strict"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("11111111-1111-4111-8111-111111111111.jsonl:8: not_json"),
        "{}",
        r.stderr
    );
    // a clean input passes --strict
    run(&args(&[&["usage", "--strict"], CODEX])).ok();
}

#[test]
fn missing_input_names_the_path() {
    let r = run(&["usage", "--claude", "no/such/dir"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--claude no/such/dir"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn unreadable_file_names_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("projects/-p/locked.jsonl");
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(&f, "{}\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&f).is_ok() {
        // running as root: permissions are not enforced, nothing to test
        return;
    }
    let r = run(&["usage", "--claude", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("locked.jsonl"), "{}", r.stderr);
}

#[test]
fn usage_errors_exit_2() {
    for bad in [
        vec!["usage", "--by", "fortnight"],
        vec!["usage", "--since", "last tuesday"],
        vec!["usage", "--tz", "Mars/Olympus"],
        vec!["usage", "--format", "xml"],
        vec!["frobnicate"],
        vec!["usage", "--threads", "0"],
        vec!["prices", "claude-opus-4-6", "--format", "csv"],
    ] {
        let r = run(&bad);
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
        assert!(!r.stderr.is_empty());
    }
}

#[test]
fn bad_price_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("prices.json");
    std::fs::write(&p, "{ not json").unwrap();
    let r = run(&["prices", "--prices", p.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("prices.json"), "{}", r.stderr);
}

#[test]
fn help_lists_commands_with_examples() {
    let r = run(&["--help"]).ok();
    for c in ["usage", "sources", "prices", "demo", "Examples:"] {
        assert!(r.stdout.contains(c), "{c}");
    }
    let r = run(&["usage", "--help"]).ok();
    assert!(
        r.stdout.contains("costper usage --by day,model"),
        "{}",
        r.stdout
    );
}
