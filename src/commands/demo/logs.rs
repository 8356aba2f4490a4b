//! The demo organisation's agent logs (deterministic: same bytes on every run). They have
//! the shapes real ones have — content blocks streamed over several lines, subagent
//! transcripts, 1-hour cache writes, a `git commit` in tool output, summary and snapshot
//! lines, a Codex session with cumulative token counts — and no prompt text at all. The
//! working directories are a developer's home on another machine (`/home/dev/…`), which the
//! demo's `costper.toml` maps to its repositories with `paths` patterns.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::json;

/// A tiny deterministic PRNG (splitmix64), so the demo needs no dependency and never varies.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

struct Project {
    cwd: &'static str,
    sessions: &'static [(&'static str, &'static str, u32, &'static str)],
}

/// (session id, branch, day of October 2026, main model)
const PROJECTS: &[Project] = &[
    Project {
        cwd: "/home/dev/acme-api",
        sessions: &[
            (
                "5f0c1a2e-0001-4000-8000-000000000001",
                "feat/login",
                5,
                "claude-opus-4-6",
            ),
            (
                "5f0c1a2e-0002-4000-8000-000000000002",
                "feat/login",
                6,
                "claude-opus-4-6",
            ),
            (
                "5f0c1a2e-0003-4000-8000-000000000003",
                "fix/rate-limit",
                8,
                "claude-sonnet-4-5-20250929",
            ),
            (
                "5f0c1a2e-0004-4000-8000-000000000004",
                "main",
                9,
                "claude-opus-4-6",
            ),
            (
                "5f0c1a2e-0008-4000-8000-000000000008",
                "feat/search-api",
                9,
                "claude-sonnet-4-5-20250929",
            ),
        ],
    },
    Project {
        cwd: "/home/dev/acme-web",
        sessions: &[
            (
                "5f0c1a2e-0005-4000-8000-000000000005",
                "feat/checkout",
                6,
                "claude-sonnet-4-5-20250929",
            ),
            (
                "5f0c1a2e-0006-4000-8000-000000000006",
                "feat/checkout",
                7,
                "claude-opus-4-6",
            ),
            (
                "5f0c1a2e-0007-4000-8000-000000000007",
                "chore/deps",
                12,
                "claude-haiku-4-5-20251001",
            ),
        ],
    },
    Project {
        cwd: "/home/dev/scratch",
        sessions: &[(
            "5f0c1a2e-0009-4000-8000-000000000009",
            "",
            11,
            "claude-sonnet-4-5-20250929",
        )],
    },
];

fn ts(day: u32, secs: u64) -> String {
    format!(
        "2026-10-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        9 + secs / 3600,
        (secs / 60) % 60,
        secs % 60,
        (secs * 37) % 1000
    )
}

fn line(out: &mut Vec<String>, v: serde_json::Value) {
    out.push(v.to_string());
}

/// Writes one session transcript and, for some sessions, a subagent transcript.
fn claude_session(
    rng: &mut Rng,
    dir: &Path,
    cwd: &str,
    (session, branch, day, model): (&str, &str, u32, &str),
    commit: Option<(&str, &str)>,
) -> Result<()> {
    let slug = crate::ingest::claude::slug_of(cwd);
    let mut lines = Vec::new();
    let calls = rng.range(6, 14);
    let mut t = rng.range(0, 1800);
    let mut context = rng.range(8_000, 20_000);
    for call in 0..calls {
        t += rng.range(20, 240);
        let uuid = format!("{session}-u{call}");
        line(
            &mut lines,
            json!({"parentUuid": null, "isSidechain": false, "userType": "external", "cwd": cwd,
                   "sessionId": session, "version": "2.1.63", "gitBranch": branch, "type": "user",
                   "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": format!("toolu_{call}"),
                   "content": "(tool output omitted in the demo)"}]}, "uuid": uuid, "timestamp": ts(day, t)}),
        );
        if let (Some((sha, subject)), true) = (commit, call == calls - 2) {
            line(
                &mut lines,
                json!({"parentUuid": uuid, "isSidechain": false, "userType": "external", "cwd": cwd,
                       "sessionId": session, "version": "2.1.63", "gitBranch": branch, "type": "user",
                       "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": format!("toolu_c{call}"),
                       "content": format!("[{branch} {sha}] {subject}\n 3 files changed, 42 insertions(+), 7 deletions(-)")}]},
                       "toolUseResult": {"stdout": format!("[{branch} {sha}] {subject}\n 3 files changed"), "stderr": ""},
                       "uuid": format!("{uuid}c"), "timestamp": ts(day, t + 1)}),
            );
        }
        let write_1h = if call == 0 {
            context
        } else {
            rng.range(500, 6_000)
        };
        let read = if call == 0 { 0 } else { context };
        context += write_1h;
        let output = rng.range(80, 2_400);
        let blocks = rng.range(1, 4);
        let msg_id = format!("msg_{}_{call:02}", &session[..8]);
        let req_id = format!("req_{}_{call:02}", &session[9..13]);
        for b in 0..blocks {
            // streamed content blocks: same ids and usage, growing output tokens
            let out_tokens = if b + 1 == blocks {
                output
            } else {
                output * (b + 1) / (blocks + 1)
            };
            line(
                &mut lines,
                json!({"parentUuid": uuid, "isSidechain": false, "userType": "external", "cwd": cwd,
                       "sessionId": session, "version": "2.1.63", "gitBranch": branch,
                       "message": {"model": model, "id": msg_id, "type": "message", "role": "assistant",
                         "content": [{"type": "text", "text": "(assistant text omitted in the demo)"}],
                         "stop_reason": if b + 1 == blocks { json!("tool_use") } else { json!(null) },
                         "usage": {"input_tokens": rng.range(3, 40), "cache_creation_input_tokens": write_1h,
                           "cache_read_input_tokens": read,
                           "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": write_1h},
                           "output_tokens": out_tokens, "service_tier": "standard"}},
                       "requestId": req_id, "type": "assistant", "uuid": format!("{uuid}a{b}"),
                       "timestamp": ts(day, t + 2 + b)}),
            );
        }
    }
    line(
        &mut lines,
        json!({"type": "summary", "summary": "(session summary omitted)", "leafUuid": format!("{session}-u0")}),
    );
    line(
        &mut lines,
        json!({"type": "file-history-snapshot", "messageId": "m", "snapshot": {"trackedFileBackups": {}}, "isSnapshotUpdate": false}),
    );
    let project_dir = dir.join(&slug);
    write_lines(&project_dir.join(format!("{session}.jsonl")), &lines)?;

    // a subagent (Explore-style) on a cheaper model for some sessions
    if rng.range(0, 2) > 0 {
        let mut sub = Vec::new();
        let agent = format!("a{}", &session[..6]);
        for k in 0..rng.range(2, 5) {
            line(
                &mut sub,
                json!({"parentUuid": null, "isSidechain": true, "userType": "external", "cwd": cwd,
                       "sessionId": session, "version": "2.1.63", "gitBranch": branch, "agentId": agent,
                       "message": {"model": "claude-haiku-4-5-20251001", "id": format!("msg_sub_{}_{k}", &session[..8]),
                         "type": "message", "role": "assistant", "content": [],
                         "usage": {"input_tokens": rng.range(5, 60), "cache_creation_input_tokens": rng.range(2_000, 9_000),
                           "cache_read_input_tokens": rng.range(0, 30_000),
                           "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                           "output_tokens": rng.range(100, 900)}},
                       "requestId": format!("req_sub_{}_{k}", &session[..8]), "type": "assistant",
                       "uuid": format!("{agent}-{k}"), "timestamp": ts(day, t + 30 + k * 20)}),
            );
        }
        write_lines(
            &project_dir
                .join(session)
                .join("subagents")
                .join(format!("agent-{agent}.jsonl")),
            &sub,
        )?;
    }
    Ok(())
}

fn codex_session(rng: &mut Rng, dir: &Path) -> Result<()> {
    let id = "0199f00d-0000-7000-8000-00000000c0de";
    let day = 14;
    let mut lines = Vec::new();
    line(
        &mut lines,
        json!({"timestamp": ts(day, 0), "type": "session_meta", "payload": {"id": id, "timestamp": ts(day, 0),
               "cwd": "/home/dev/acme-web", "originator": "codex_cli_rs", "cli_version": "0.63.0",
               "instructions": null, "source": "cli", "model_provider": "openai",
               "git": {"commit_hash": "4e1d2c0b9a8f7e6d5c4b3a29180716f5e4d3c2b1", "branch": "feat/search",
                       "repository_url": "git@github.com:acme/acme-web.git"}}}),
    );
    line(
        &mut lines,
        json!({"timestamp": ts(day, 1), "type": "turn_context", "payload": {"cwd": "/home/dev/acme-web",
               "approval_policy": "on-request", "model": "gpt-5-codex", "effort": "medium"}}),
    );
    let (mut input, mut cached, mut output, mut reasoning) = (0u64, 0u64, 0u64, 0u64);
    for k in 0..rng.range(5, 9) {
        let last_in = rng.range(6_000, 30_000);
        let last_cached = last_in * rng.range(50, 90) / 100;
        let last_out = rng.range(200, 3_000);
        let last_reason = last_out / 3;
        input += last_in;
        cached += last_cached;
        output += last_out;
        reasoning += last_reason;
        let u = |i: u64, c: u64, o: u64, r: u64| {
            json!({"input_tokens": i, "cached_input_tokens": c, "output_tokens": o,
                   "reasoning_output_tokens": r, "total_tokens": i + o})
        };
        line(
            &mut lines,
            json!({"timestamp": ts(day, 60 + k * 90), "type": "event_msg", "payload": {"type": "token_count",
                   "info": {"total_token_usage": u(input, cached, output, reasoning),
                            "last_token_usage": u(last_in, last_cached, last_out, last_reason),
                            "model_context_window": 272_000},
                   "rate_limits": {"primary": {"used_percent": 12.0}}}}),
        );
    }
    write_lines(
        &dir.join(format!(
            "2026/10/{day:02}/rollout-2026-10-{day:02}T09-00-00-{id}.jsonl"
        )),
        &lines,
    )
}

pub(super) fn write_lines(path: &Path, lines: &[String]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
    );
    for l in lines {
        writeln!(f, "{l}")?;
    }
    f.flush()?;
    Ok(())
}

/// Writes the agent logs under `root`: `claude/projects/…` and `codex/sessions/…`. `links`
/// are the abbreviated shas the sessions that commit print (acme-api's login commit,
/// acme-web's checkout commit).
pub fn generate(root: &Path, links: [&str; 2]) -> Result<(PathBuf, PathBuf)> {
    let claude = root.join("claude").join("projects");
    let codex = root.join("codex").join("sessions");
    let mut rng = Rng(0xC057_0E12);
    for p in PROJECTS {
        for (i, s) in p.sessions.iter().enumerate() {
            let commit = match (p.cwd, i) {
                ("/home/dev/acme-api", 1) => Some((links[0], "Add login form")),
                ("/home/dev/acme-web", 1) => Some((links[1], "Checkout: validate cart")),
                _ => None,
            };
            claude_session(&mut rng, &claude, p.cwd, *s, commit)?;
        }
    }
    codex_session(&mut rng, &codex)?;
    Ok((claude, codex))
}
