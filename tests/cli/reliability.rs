//! Reliability across the export parsers and the newer outputs: bad input gives a counted
//! rejection naming file and line (or an error naming the file), never a panic; the same
//! export read twice, or the inputs in another order, change nothing; canary text in
//! prompts, responses and tool output never reaches a report, an HTML page or the archive.

use std::path::Path;

use crate::common::*;

fn write(dir: &Path, name: &str, text: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn sources(files: &[&str]) -> Run {
    let mut a = vec!["sources", "--format", "json"];
    for f in files {
        a.extend(["--export", f]);
    }
    run(&a)
}

/// Each case: a file, what `sources` must say about it (accepted, rejected), and the reason
/// of its rejections.
#[test]
fn bad_export_input_catalogue() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let cases: Vec<(&str, Vec<u8>, i64, i64, &str)> = vec![
        // a BOM and CRLF line endings are fine
        (
            "bom-crlf.csv",
            b"\xef\xbb\xbfrequest_id,spend,startTime,model\r\nr1,0.5,2026-10-01T00:00:00Z,gpt-5\r\n".to_vec(),
            1,
            0,
            "",
        ),
        // extra columns are ignored, columns in another order are found by name
        (
            "extra-columns.csv",
            b"model,zzz,startTime,spend,request_id,yyy\ngpt-5,x,2026-10-01T00:00:00Z,0.25,r2,y\n".to_vec(),
            1,
            0,
            "",
        ),
        // a truncated last row (fewer cells) lacks its money: rejected
        (
            "truncated.csv",
            b"request_id,spend,startTime,model\nr3,0.5,2026-10-01T00:00:00Z,gpt-5\nr4,0.5".to_vec(),
            1,
            1,
            "missing_timestamp",
        ),
        // invalid UTF-8 inside a row is replaced, not fatal; the row still parses
        (
            "invalid-utf8.csv",
            b"request_id,spend,startTime,model\nr5\xff,0.5,2026-10-01T00:00:00Z,gpt-5\n".to_vec(),
            1,
            0,
            "",
        ),
        // huge, negative-looking and non-numeric money
        (
            "numbers.csv",
            b"request_id,spend,startTime,model\nr6,99999999999999999999,2026-10-01T00:00:00Z,gpt-5\nr7,lots,2026-10-01T00:00:00Z,gpt-5\nr8,-0.10,2026-10-01T00:00:00Z,gpt-5\n".to_vec(),
            1,
            2,
            "invalid_number",
        ),
        // timestamps with offsets are instants: +02:00 is two hours earlier in UTC
        (
            "offsets.csv",
            b"request_id,spend,startTime,model\nr9,0.5,2026-10-01T01:30:00+02:00,gpt-5\nr10,0.5,yesterday,gpt-5\n".to_vec(),
            1,
            1,
            "invalid_timestamp",
        ),
    ];
    for (name, bytes, accepted, rejected, reason) in &cases {
        let f = write(p, name, bytes);
        let r = sources(&[&f]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let j = r.json();
        assert_eq!(j[0]["accepted"], *accepted, "{name}: {:#}", j[0]);
        assert_eq!(j[0]["rejected"], *rejected, "{name}: {:#}", j[0]);
        if *rejected > 0 {
            assert!(r.stderr.contains(reason), "{name}: {}", r.stderr);
            assert!(
                r.stderr.contains(&format!("{name}:")),
                "{name} names the file: {}",
                r.stderr
            );
        }
    }
    // the offset row is on 2026-09-30 UTC
    let f = write(
        p,
        "offset-day.csv",
        b"request_id,spend,startTime,model\nr11,0.5,2026-10-01T01:30:00+02:00,gpt-5\n",
    );
    let j = run(&["usage", "--export", &f, "--by", "day", "--format", "json"])
        .ok()
        .json();
    assert_eq!(j[0]["day"], "2026-09-30");

    // files that are no export at all are errors naming the file (exit 1), never a panic
    for (name, bytes) in [
        ("empty.csv", b"".to_vec()),
        ("binary.bin", vec![0u8, 159, 146, 150, 0, 1, 2]),
        ("deep.json", {
            let mut v = b"{\"data\":".to_vec();
            v.extend(std::iter::repeat_n(b'[', 100_000));
            v
        }),
    ] {
        let f = write(p, name, &bytes);
        let r = sources(&[&f]);
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        assert!(r.stderr.contains(name), "{name}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
    }
    // deeply nested JSON of a known kind: an error, not a stack overflow
    let mut deep = b"{\"data\":[{\"starting_at\":\"2026-10-01T00:00:00Z\",\"results\":[{\"cost_type\":\"tokens\",\"amount\":".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 200_000));
    let f = write(p, "deep-cost.json", &deep);
    let r = run(&["sources", "--export", &f]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("deep-cost.json"), "{}", r.stderr);
}

/// The same export twice, exports in another order, and thread counts: byte-identical
/// reports.
#[test]
fn dedup_is_idempotent_and_order_does_not_matter() {
    let d = tempfile::tempdir().unwrap();
    let a = write(
        d.path(),
        "a.csv",
        b"request_id,spend,startTime,model,request_tags\nr1,0.5,2026-10-01T00:00:00Z,gpt-5,[]\nr2,0.25,2026-10-02T00:00:00Z,gpt-5,[]\n",
    );
    // overlaps a.csv on r2 (a re-export of a longer range)
    let b = write(
        d.path(),
        "b.csv",
        b"request_id,spend,startTime,model,request_tags\nr2,0.25,2026-10-02T00:00:00Z,gpt-5,[]\nr3,1,2026-10-03T00:00:00Z,gpt-5,[]\n",
    );
    let report = |files: &[&str], threads: &str| {
        let mut args = vec![
            "report",
            "--format",
            "json",
            "--threads",
            threads,
            "--claude",
            "fixtures/claude",
        ];
        for f in files {
            args.extend(["--export", f]);
        }
        run(&args).ok().stdout
    };
    let once = report(&[&a, &b], "1");
    assert_eq!(
        once,
        report(&[&a, &b, &a, &b], "1"),
        "the same files again change nothing"
    );
    assert_eq!(once, report(&[&a, &b], "8"), "threads change nothing");
    // in another order only the `inputs` section (which file holds the shared row) differs
    let without_inputs = |s: &str| {
        let mut j: serde_json::Value = serde_json::from_str(s).unwrap();
        j.as_object_mut().unwrap().remove("inputs");
        j
    };
    assert_eq!(
        without_inputs(&once),
        without_inputs(&report(&[&b, &a], "2"))
    );
    let j: serde_json::Value = serde_json::from_str(&once).unwrap();
    let claude_total = {
        let u = run(&[
            "usage",
            "--claude",
            "fixtures/claude",
            "--by",
            "model",
            "--format",
            "json",
        ])
        .ok()
        .json();
        total_cost(&u)
    };
    assert_eq!(
        nano(&j["summary"]["input_cost_usd"]),
        claude_total + 1_750_000_000
    );
}

const CANARY: &str = "EXPORT-CANARY-93d1";

/// Prompt, response and tool text in exports never reach any output, the HTML page or the
/// archive's files.
#[test]
fn export_text_never_reaches_outputs_or_the_archive() {
    let d = tempfile::tempdir().unwrap();
    let litellm = write(
        d.path(),
        "spend.json",
        format!(
            r#"[{{"request_id":"r1","spend":0.5,"startTime":"2026-10-01T00:00:00Z","model":"gpt-5","messages":[{{"role":"user","content":"{CANARY}"}}],"response":{{"text":"{CANARY}"}},"proxy_server_request":{{"body":"{CANARY}"}}}}]"#
        )
        .as_bytes(),
    );
    let result = write(
        d.path(),
        "result.json",
        format!(r#"{{"type":"result","session_id":"s","result":"{CANARY}","total_cost_usd":0.1}}"#)
            .as_bytes(),
    );
    let otel = write(
        d.path(),
        "otel.jsonl",
        format!(
            r#"{{"resourceLogs":[{{"resource":{{"attributes":[]}},"scopeLogs":[{{"logRecords":[{{"timeUnixNano":"1790812800000000000","body":{{"stringValue":"claude_code.user_prompt"}},"attributes":[{{"key":"event.name","value":{{"stringValue":"user_prompt"}}}},{{"key":"prompt","value":{{"stringValue":"{CANARY}"}}}}]}},{{"timeUnixNano":"1790812800000000000","body":{{"stringValue":"claude_code.tool_result"}},"attributes":[{{"key":"event.name","value":{{"stringValue":"tool_result"}}}},{{"key":"tool_parameters","value":{{"stringValue":"{CANARY}"}}}}]}}]}}]}}]}}"#
        )
        .as_bytes(),
    );
    let exports = ["--export", &litellm, "--export", &result, "--export", &otel];
    let mut outputs = Vec::new();
    for format in ["table", "json", "csv", "ndjson", "markdown", "html"] {
        let by: &[&str] = if format == "csv" {
            &["--by", "model"]
        } else {
            &[]
        };
        let mut a = vec!["report", "--format", format, "-vv"];
        a.extend(by);
        a.extend(exports);
        outputs.push(run(&a));
        let mut a = vec!["sources", "--rejected", "--format", format, "-vv"];
        a.extend(exports);
        outputs.push(run(&a));
    }
    for r in &outputs {
        assert!(!r.stdout.contains(CANARY), "leaked to stdout: {}", r.stdout);
        assert!(!r.stderr.contains(CANARY), "leaked to stderr: {}", r.stderr);
    }
    let arch = d.path().join("archive");
    let mut a = vec!["ingest", "--archive", arch.to_str().unwrap(), "-q"];
    a.extend(exports);
    run(&a).ok();
    let mut stack = vec![arch];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
                    "leaked into {}",
                    path.display()
                );
            }
        }
    }
}

/// With no network at all (a fresh network namespace: not even loopback is up), the whole
/// demo — repositories, exports, reconciliation, the full report in every format — runs and
/// gives the same bytes. Skipped with a message where namespaces are not allowed.
#[test]
fn runs_without_a_network() {
    let bin = env!("CARGO_BIN_EXE_costper");
    let home = tempfile::tempdir().unwrap();
    let offline = |format: &str| {
        std::process::Command::new("unshare")
            .args(["-rn", bin, "demo", "--format", format])
            .current_dir(root())
            .env_clear()
            .env("HOME", home.path())
            .output()
    };
    let probe = std::process::Command::new("unshare")
        .args(["-rn", "true"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: cannot create a network namespace here (unshare -rn)");
        return;
    }
    for format in ["json", "html", "markdown"] {
        let out = offline(format).expect("unshare runs");
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let online = run(&["demo", "--format", format]).ok();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            online.stdout,
            "{format}"
        );
    }
}

/// No system call that could reach a network — no socket is even created — in the demo
/// (repositories, exports, every section), an archive ingest and a report from the archive
/// (polars' Parquet I/O, whose dependency tree carries an HTTP client costper never calls:
/// pola-rs/polars#25921). Traced with strace; skipped with a message where it is missing
/// (`.ci/run` installs it).
#[test]
fn makes_no_network_system_calls() {
    if std::process::Command::new("strace")
        .arg("-V")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: strace is not installed");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_costper");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = d.join("demo");
    let archive = d.join("archive");
    let config = demo.join("costper.toml");
    let (demo, archive, config) = (
        demo.display().to_string(),
        archive.display().to_string(),
        config.display().to_string(),
    );
    let runs: [&[&str]; 3] = [
        &["demo", "--keep", &demo, "--format", "json"],
        &["ingest", "--config", &config, "--archive", &archive],
        &[
            "report",
            "--config",
            &config,
            "--archive",
            &archive,
            "--format",
            "json",
        ],
    ];
    for (i, args) in runs.iter().enumerate() {
        let log = d.join(format!("trace-{i}.log"));
        let out = std::process::Command::new("strace")
            .args(["-f", "-qq", "-e", "trace=%network", "-o"])
            .arg(&log)
            .arg(bin)
            .args(*args)
            .current_dir(root())
            .env("HOME", d)
            .output()
            .expect("strace runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let trace = std::fs::read_to_string(&log).unwrap();
        let calls: Vec<&str> = trace
            .lines()
            .filter(|l| !l.contains("+++ exited") && !l.contains("--- SIG"))
            .collect();
        assert!(calls.is_empty(), "{args:?} made network calls: {calls:#?}");
    }
    assert!(
        std::fs::read_dir(&archive).unwrap().next().is_some(),
        "the archive was written"
    );
}

/// The fuzz targets (src/fuzzing.rs, run for hours with cargo fuzz: docs/reliability.md) on
/// their committed seeds and on 400 deterministic mutations of each — bytes flipped,
/// inserted, deleted, duplicated, truncated, numbers made huge — so CI replays the same
/// parsers on broken input every run, on the stable toolchain. A panic names the target,
/// the seed and the mutation.
#[test]
fn fuzz_targets_survive_their_seeds_and_mutations() {
    let seeds = root().join("tests/fuzz/seeds");
    for (name, target) in costper::fuzzing::TARGETS {
        let mut files: Vec<_> = std::fs::read_dir(seeds.join(name))
            .unwrap_or_else(|e| panic!("seeds of {name}: {e}"))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{name} has seeds");
        for (i, file) in files.iter().enumerate() {
            let seed = std::fs::read(file).unwrap();
            let mut rng = 0x9e37_79b9_7f4a_7c15_u64 ^ (i as u64 + 1).wrapping_mul(0x2545_f491);
            for m in 0..=400 {
                let input = match m {
                    0 => seed.clone(),
                    _ => mutate(&seed, &mut rng),
                };
                let r = std::panic::catch_unwind(|| target(&input));
                assert!(
                    r.is_ok(),
                    "fuzz target {name} panicked on {} mutation {m}",
                    file.display()
                );
            }
        }
    }
}

/// The next number of a xorshift64 sequence: the same "random" inputs every run.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// One random edit of `seed`.
fn mutate(seed: &[u8], rng: &mut u64) -> Vec<u8> {
    let mut next = |n: usize| (xorshift(rng) % n.max(1) as u64) as usize;
    let mut v = seed.to_vec();
    for _ in 0..1 + next(4) {
        let at = next(v.len() + 1);
        match next(8) {
            0 if at < v.len() => v[at] ^= 1 << next(8),
            1 => v.insert(
                at,
                [b'"', b'\\', b'{', b'[', b',', b'\n', 0xff, b'-'][next(8)],
            ),
            2 => v.truncate(at),
            3 => {
                let end = (at + next(64)).min(v.len());
                v.drain(at..end);
            }
            4 => {
                let end = (at + next(256)).min(v.len());
                let copy = v[at..end].to_vec();
                v.splice(at..at, copy);
            }
            5 => drop(v.splice(at..at, *b"99999999999999999999999")),
            6 if at < v.len() => v[at] = next(256) as u8,
            _ => drop(v.splice(at..at, *b"-1e308")),
        }
    }
    v
}

/// Shuffled input order, as a property over random rounds: the transcripts under other file
/// names (so they are found in another order), with a resumed session's file copied again
/// under a name that sorts before or after the original, give byte-identical output — with
/// 1 and 8 threads.
#[test]
fn transcript_order_and_copies_do_not_change_the_output() {
    let by = ["usage", "--by", "session,model", "--format", "json"];
    let reference = run(&[&by[..], &["--claude", "fixtures/claude"]].concat())
        .ok()
        .stdout;
    let projects = root().join("fixtures/claude/projects");
    let mut rng = 0x51f1_5eed_u64;
    let mut next = || xorshift(&mut rng);
    for round in 0..6 {
        let dir = tempfile::tempdir().unwrap();
        let mut sessions = Vec::new();
        for project in std::fs::read_dir(&projects).unwrap() {
            let project = project.unwrap().path();
            let to = dir
                .path()
                .join("projects")
                .join(project.file_name().unwrap());
            copy_dir(&project, &to);
            // top-level session files get a random prefix: another discovery order
            for f in std::fs::read_dir(&to).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_some_and(|e| e == "jsonl") {
                    let name = f.file_name().unwrap().to_string_lossy().into_owned();
                    let renamed = to.join(format!("{:016x}-{name}", next()));
                    std::fs::rename(&f, &renamed).unwrap();
                    sessions.push(renamed);
                }
            }
        }
        sessions.sort();
        let copied = &sessions[next() as usize % sessions.len()];
        let copy = copied.with_file_name(format!("{:016x}-resumed.jsonl", next()));
        std::fs::copy(copied, &copy).unwrap();
        let claude = dir.path().display().to_string();
        for threads in ["1", "8"] {
            let out = run(&[&by[..], &["--claude", &claude, "--threads", threads]].concat())
                .ok()
                .stdout;
            assert_eq!(
                out,
                reference,
                "round {round}, {threads} threads, {} copied",
                copied.display()
            );
        }
    }
}

/// A large CSV export is read in parallel chunks cut at record boundaries: any chunk size
/// and thread count gives the same bytes — rows, lines of rejections, record ids of
/// identical rows in different chunks, quoted fields holding newlines.
#[test]
fn csv_exports_read_in_chunks_give_the_same_output() {
    let d = tempfile::tempdir().unwrap();
    let mut csv = String::from(
        "Date,User,Kind,Model,Max Mode,Input (w/ Cache Write),Input (w/o Cache Write),Cache Read,Output Tokens,Total Tokens,Cost\n",
    );
    for i in 0..300 {
        // every 10th row repeats the one before exactly (two real charges)
        let n = if i % 10 == 9 { i - 1 } else { i };
        let user = match n % 7 {
            0 => "\"dev\nnewline@acme.dev\"".to_string(),
            _ => format!("dev{}@acme.dev", n % 5),
        };
        let cost = if i == 150 {
            "$x".to_string()
        } else {
            format!("${}.{:02}", n % 3, n % 100)
        };
        csv.push_str(&format!(
            "2026-10-{:02}T10:00:00.000Z,{user},Usage-based,gpt-5,No,{},{},5,7,0,{cost}\n",
            1 + n % 28,
            100 + n,
            90 + n
        ));
    }
    let f = write(d.path(), "cursor.csv", csv.as_bytes());
    let read = |chunk: &str, threads: &str| {
        let args = [
            "sources",
            "--export",
            &f,
            "--format",
            "json",
            "--threads",
            threads,
        ];
        let sources = run_env(&args, &[("COSTPER_CHUNK_SIZE", chunk)]).ok().stdout;
        let args = [
            "usage",
            "--export",
            &f,
            "--by",
            "day,model",
            "--format",
            "json",
            "--threads",
            threads,
        ];
        (
            sources,
            run_env(&args, &[("COSTPER_CHUNK_SIZE", chunk)]).ok().stdout,
        )
    };
    let one = read("100000000", "1");
    assert!(one.0.contains("\"accepted\": 299"), "{}", one.0);
    assert!(one.0.contains("\"rejected\": 1"), "{}", one.0);
    for (chunk, threads) in [("37", "1"), ("200", "2"), ("1000", "8"), ("4096", "3")] {
        assert_eq!(
            read(chunk, threads),
            one,
            "chunk {chunk}, {threads} threads"
        );
    }
}
