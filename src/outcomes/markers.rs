//! AI-assistance markers in commits (reference/outcomes.md §2): co-author trailers anywhere in
//! the message classified **by email** (a human called Claude is not an agent), body markers
//! (`Generated with [Claude Code]`, `Claude-Session:`, `Amp-Thread-ID:`, `Assisted-by:`),
//! author/committer identities (bot accounts, the ` (aider)` suffix), PR branch prefixes
//! (`claude/`, `codex/`, …) and git-ai notes (`refs/notes/ai`). Model names are extracted
//! where the marker carries one (`Claude Opus 4.6 (1M context)` → `claude-opus-4-6`).

use std::sync::LazyLock;

use foldhash::HashMap;
use regex::Regex;

/// How a marker was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Evidence {
    Trailer,
    Body,
    Author,
    Committer,
    Branch,
    Note,
}

impl Evidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Trailer => "trailer",
            Evidence::Body => "body",
            Evidence::Author => "author",
            Evidence::Committer => "committer",
            Evidence::Branch => "branch",
            Evidence::Note => "note",
        }
    }
}

/// One piece of evidence that an agent took part.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Marker {
    /// `claude`, `codex`, `cursor`, `copilot`, `devin`, `jules`, `aider`, `amp`, `opencode`,
    /// `gemini`, `roo`, or a git-ai / Assisted-by tool name.
    pub agent: String,
    pub evidence: Evidence,
    pub model: Option<String>,
}

impl Marker {
    /// `agent:evidence` or `agent:evidence:model`, e.g. `claude:trailer:claude-opus-4-6`.
    pub fn label(&self) -> String {
        match &self.model {
            Some(m) => format!("{}:{}:{m}", self.agent, self.evidence.as_str()),
            None => format!("{}:{}", self.agent, self.evidence.as_str()),
        }
    }

    fn new(agent: &str, evidence: Evidence, model: Option<String>) -> Self {
        Marker {
            agent: agent.to_string(),
            evidence,
            model,
        }
    }
}

#[derive(Clone, Copy)]
enum Match {
    Exact,
    Contains,
    EndsWith,
}

/// Agent identities by email (lower case; a `Contains` pattern ends in `[bot]@`).
const EMAILS: &[(&str, Match, &str)] = &[
    ("noreply@anthropic.com", Match::Exact, "claude"),
    ("assistant@anthropic.com", Match::Exact, "claude"),
    ("claude[bot]@", Match::Contains, "claude"),
    ("noreply@openai.com", Match::Exact, "codex"),
    ("codex@openai.com", Match::Exact, "codex"),
    ("cursoragent@cursor.com", Match::Exact, "cursor"),
    ("cursor[bot]@", Match::Contains, "cursor"),
    (
        "+copilot@users.noreply.github.com",
        Match::EndsWith,
        "copilot",
    ),
    ("copilot-swe-agent[bot]@", Match::Contains, "copilot"),
    ("devin-ai-integration[bot]@", Match::Contains, "devin"),
    ("google-labs-jules[bot]@", Match::Contains, "jules"),
    ("aider@aider.chat", Match::Exact, "aider"),
    ("noreply@aider.dev", Match::Exact, "aider"),
    ("amp@ampcode.com", Match::Exact, "amp"),
    ("noreply@opencode.ai", Match::Exact, "opencode"),
    ("gemini-cli@google.com", Match::Exact, "gemini"),
    ("agent@gemini.google.com", Match::Exact, "gemini"),
    ("roomote@roocode.com", Match::Exact, "roo"),
];

/// The agent an email belongs to. `name` disambiguates the generic `noreply@google.com`.
pub fn agent_of_email(email: &str, name: &str) -> Option<&'static str> {
    let email = email.trim();
    // most emails are lower case already: copy only the others
    let e: std::borrow::Cow<str> = match email.bytes().any(|b| b.is_ascii_uppercase()) {
        true => email.to_ascii_lowercase().into(),
        false => email.into(),
    };
    // the exact addresses in one lookup; looking them up first keeps the table's order
    // because no exact address matches another pattern (a test checks)
    static EXACT: LazyLock<HashMap<&str, &str>> = LazyLock::new(|| {
        (EMAILS.iter())
            .filter(|(_, how, _)| matches!(how, Match::Exact))
            .map(|&(pat, _, agent)| (pat, agent))
            .collect()
    });
    if let Some(&agent) = EXACT.get(e.as_ref()) {
        return Some(agent);
    }
    // every `Contains` pattern is a bot account's: one search rules them all out
    static BOT: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("[bot]@"));
    let bot = BOT.find(e.as_bytes()).is_some();
    for &(pat, how, agent) in EMAILS {
        let hit = match how {
            Match::Exact => false,
            Match::Contains => bot && e.contains(pat),
            Match::EndsWith => e.ends_with(pat),
        };
        if hit {
            return Some(agent);
        }
    }
    if e == "noreply@google.com" && name.to_ascii_lowercase().contains("gemini") {
        return Some("gemini");
    }
    None
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern `{pattern}`: {e}"))
}

static CLAUDE_MODEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^claude[ \t]+(opus|sonnet|haiku|fable|mythos)[ \t]+(\d+)(?:\.(\d+))?")
});
static PAREN_MODEL: LazyLock<Regex> = LazyLock::new(|| re(r"\(([^)\s]+)\)"));
/// Head-branch prefixes agents create (`claude/issue-12-…`); case-sensitive, as they write them.
const BRANCH_AGENTS: &[&str] = &["claude", "codex", "copilot", "cursor", "devin"];

/// The billing model id in a Claude Code trailer name: `Claude Opus 4.6 (1M context)` →
/// `claude-opus-4-6`, `Claude Fable 5` → `claude-fable-5`; plain `Claude` → none.
pub fn claude_model(name: &str) -> Option<String> {
    let c = CLAUDE_MODEL.captures(name.trim())?;
    let family = c[1].to_ascii_lowercase();
    Some(match c.get(3) {
        Some(minor) => format!("claude-{family}-{}-{}", &c[2], minor.as_str()),
        None => format!("claude-{family}-{}", &c[2]),
    })
}

/// A model written as `provider/model` (aider) reduced to the model.
fn bare_model(m: &str) -> String {
    m.rsplit('/').next().unwrap_or(m).to_ascii_lowercase()
}

/// The agent an `Assisted-by:` value names (`claude-code:claude-opus-4-6 [git]`, `GPT 5.6`).
fn assisted_by(value: &str) -> Marker {
    let v = value.trim();
    let (tool, model) = match v.split_once(':') {
        Some((t, m)) => (t.trim(), m.split_whitespace().next().map(str::to_string)),
        None => (v, None),
    };
    let lower = tool.to_ascii_lowercase();
    let agent = if lower.contains("claude") {
        "claude"
    } else if lower.contains("codex") || lower.contains("gpt") {
        "codex"
    } else if lower.contains("gemini") {
        "gemini"
    } else if lower.contains("copilot") {
        "copilot"
    } else if lower.contains("cursor") {
        "cursor"
    } else if lower.contains("aider") {
        "aider"
    } else {
        "other"
    };
    Marker::new(agent, Evidence::Body, model.map(|m| m.to_ascii_lowercase()))
}

/// Markers in a commit message and its author/committer identities.
pub fn in_commit(message: &str, author: (&str, &str), committer: (&str, &str)) -> Vec<Marker> {
    let mut out = Vec::new();
    in_body(message, &mut out);
    if message.starts_with("aider: ") {
        out.push(Marker::new("aider", Evidence::Body, None));
    }
    for ((name, email), evidence) in [(author, Evidence::Author), (committer, Evidence::Committer)]
    {
        if let Some(agent) = agent_of_email(email, name) {
            out.push(Marker::new(agent, evidence, None));
        } else if name.trim_end().ends_with(" (aider)") {
            out.push(Marker::new("aider", evidence, None));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Trailers and body markers, line by line (ASCII case-insensitive; leading spaces and tabs
/// allowed): `Co-authored-by: name <email>` ending the line, `Claude-Session:`,
/// `Amp-Thread-ID:`, `Assisted-by: value`, and anywhere in a line `Generated with [Claude
/// Code]` (brackets optional) or `Generated with [opencode]`.
fn in_body(message: &str, out: &mut Vec<Marker>) {
    for line in message.lines() {
        // every trailer starts with `a` or `c`: other lines need no further look
        let start = line.trim_start_matches([' ', '\t']);
        match start.as_bytes().first().map(u8::to_ascii_lowercase) {
            Some(b'c') => {
                if let Some(rest) = strip_prefix_ci(start, "co-authored-by:") {
                    if let Some((name, email)) = name_and_email(rest)
                        && let Some(agent) = agent_of_email(email, name)
                    {
                        let model = match agent {
                            "claude" => claude_model(name),
                            "aider" => PAREN_MODEL.captures(name).map(|m| bare_model(&m[1])),
                            _ => None,
                        };
                        out.push(Marker::new(agent, Evidence::Trailer, model));
                    }
                } else if strip_prefix_ci(start, "claude-session:").is_some() {
                    out.push(Marker::new("claude", Evidence::Body, None));
                }
            }
            Some(b'a') => {
                if strip_prefix_ci(start, "amp-thread-id:").is_some() {
                    out.push(Marker::new("amp", Evidence::Body, None));
                } else if let Some(rest) = strip_prefix_ci(start, "assisted-by:") {
                    let value = rest.trim_matches([' ', '\t', '\r']);
                    if value.chars().next().is_some_and(|c| !c.is_whitespace()) {
                        out.push(assisted_by(value));
                    }
                }
            }
            _ => {}
        }
    }
    // `Generated with …` anywhere in a line (the phrase never spans one): each `g` of the
    // message is a candidate, found a vector at a time
    for at in memchr::memchr2_iter(b'g', b'G', message.as_bytes()) {
        let Some(after) = strip_prefix_ci(&message[at..], "generated with ") else {
            continue;
        };
        let bracketed = after.strip_prefix('[');
        if strip_prefix_ci(bracketed.unwrap_or(after), "claude code").is_some() {
            out.push(Marker::new("claude", Evidence::Body, None));
        } else if bracketed.is_some_and(|b| strip_prefix_ci(b, "opencode]").is_some()) {
            out.push(Marker::new("opencode", Evidence::Body, None));
        }
    }
}

/// `s` without `prefix`, compared ASCII case-insensitively.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// `name <email>` ending a trailer value (trailing spaces allowed): the last `<…>` is the
/// email.
fn name_and_email(value: &str) -> Option<(&str, &str)> {
    let inner = value
        .trim_end_matches([' ', '\t', '\r'])
        .strip_suffix('>')?;
    let lt = inner.rfind('<')?;
    let email = &inner[lt + 1..];
    if email.contains('>') {
        return None;
    }
    Some((inner[..lt].trim(), email.trim()))
}

/// A marker for a PR head branch named after an agent (`claude/issue-12-…`).
pub fn in_branch(branch: &str) -> Option<Marker> {
    let (agent, _) = branch.split_once('/')?;
    BRANCH_AGENTS
        .contains(&agent)
        .then(|| Marker::new(agent, Evidence::Branch, None))
}

/// Markers in a git-ai note (`refs/notes/ai`, schema `authorship/3.x`): an attestation
/// section, a line `---`, then JSON whose `prompts` and `sessions` name the tool and model.
/// A note may start directly with `---`. Unparsable notes give no markers.
pub fn in_git_ai_note(note: &str) -> Vec<Marker> {
    let mut lines = note.split_inclusive('\n');
    let mut offset = 0;
    let mut json_start = None;
    for l in lines.by_ref() {
        offset += l.len();
        if l.trim_end() == "---" {
            json_start = Some(offset);
            break;
        }
    }
    let Some(start) = json_start else {
        return Vec::new();
    };
    let Ok(meta) = serde_json::from_str::<serde_json::Value>(&note[start..]) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for section in ["prompts", "sessions"] {
        let Some(map) = meta.get(section).and_then(|v| v.as_object()) else {
            continue;
        };
        for record in map.values() {
            let Some(agent_id) = record.get("agent_id") else {
                continue;
            };
            let Some(tool) = agent_id.get("tool").and_then(|t| t.as_str()) else {
                continue;
            };
            let tool = tool.to_ascii_lowercase();
            let agent = match tool.as_str() {
                "github-copilot" => "copilot".to_string(),
                _ => tool,
            };
            let model = agent_id
                .get("model")
                .and_then(|m| m.as_str())
                .filter(|m| !m.is_empty() && *m != "unknown")
                .map(str::to_string);
            out.push(Marker {
                agent,
                evidence: Evidence::Note,
                model,
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `agent_of_email` looks for `[bot]@` before trying the `Contains` patterns.
    #[test]
    fn contained_email_patterns_are_bot_accounts() {
        for &(pat, how, agent) in EMAILS {
            if let Match::Contains = how {
                assert!(pat.ends_with("[bot]@"), "{pat}");
                assert_eq!(
                    agent_of_email(&format!("1+{pat}users.x.com"), ""),
                    Some(agent)
                );
            }
        }
        assert_eq!(
            agent_of_email("Claude[bot]@users.noreply.github.com", ""),
            Some("claude")
        );
        assert_eq!(agent_of_email("claude@users.noreply.github.com", ""), None);
    }

    /// Exact addresses are looked up before the table's other patterns are tried, which
    /// keeps the table's order only while no exact address also matches another pattern.
    #[test]
    fn exact_addresses_match_no_other_pattern() {
        for &(exact, how, agent) in EMAILS {
            if !matches!(how, Match::Exact) {
                continue;
            }
            assert_eq!(agent_of_email(exact, ""), Some(agent));
            assert_eq!(agent_of_email(&exact.to_uppercase(), ""), Some(agent));
            for &(pat, how, _) in EMAILS {
                let also = match how {
                    Match::Exact => false,
                    Match::Contains => exact.contains(pat),
                    Match::EndsWith => exact.ends_with(pat),
                };
                assert!(!also, "{exact} also matches {pat}");
            }
        }
    }

    /// The line scanner finds what the former regexes found, on every combination of case,
    /// indentation, line endings and position of the markers.
    #[test]
    fn line_scanner_equals_the_regexes_it_replaced() {
        let trailer = re(r"(?im)^[ \t]*co-authored-by:[ \t]*(.*?)[ \t]*<([^>\n]*)>[ \t]*\r?$");
        let claude = re(r"(?im)generated with \[?claude code\]?|^[ \t]*claude-session:");
        let amp = re(r"(?im)^[ \t]*amp-thread-id:");
        let opencode = re(r"(?i)generated with \[opencode\]");
        let assisted = re(r"(?im)^[ \t]*assisted-by:[ \t]*(\S[^\r\n]*?)[ \t]*\r?$");
        let reference = |m: &str| {
            let mut out = Vec::new();
            for c in trailer.captures_iter(m) {
                let (name, email) = (c[1].trim(), c[2].trim());
                if let Some(agent) = agent_of_email(email, name) {
                    let model = match agent {
                        "claude" => claude_model(name),
                        "aider" => PAREN_MODEL.captures(name).map(|m| bare_model(&m[1])),
                        _ => None,
                    };
                    out.push(Marker::new(agent, Evidence::Trailer, model));
                }
            }
            if claude.is_match(m) {
                out.push(Marker::new("claude", Evidence::Body, None));
            }
            if amp.is_match(m) {
                out.push(Marker::new("amp", Evidence::Body, None));
            }
            if opencode.is_match(m) {
                out.push(Marker::new("opencode", Evidence::Body, None));
            }
            for c in assisted.captures_iter(m) {
                out.push(assisted_by(&c[1]));
            }
            out.sort();
            out.dedup();
            out
        };
        let lines = [
            "Co-Authored-By: Claude Opus 4.6 (1M context) <noreply@anthropic.com>",
            "co-authored-by:Claude <noreply@anthropic.com>  ",
            "\tCO-AUTHORED-BY:   Codex   <NoReply@OpenAI.com>",
            "Co-authored-by: aider (openai/gpt-5) <aider@aider.chat>",
            "Co-authored-by: Jane <jane@example.com>",
            "Co-authored-by: odd <a> <noreply@anthropic.com>",
            "Co-authored-by: broken <noreply@anthropic.com> trailing",
            "Co-authored-by: <noreply@openai.com>",
            "  Co-authored-by: x <a>b>",
            "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
            "generated with claude code",
            "Text then GENERATED WITH [CLAUDE CODE and more",
            "Generated with [opencode](https://opencode.ai)",
            "Generated with opencode",
            "Claude-Session: https://claude.ai/code/session_x",
            "  amp-thread-id: https://ampcode.com/threads/T-1",
            "Assisted-by: claude-code:claude-opus-4-6 [git]",
            "assisted-by:   GPT 5.6   ",
            "Assisted-by:",
            "Assisted-by:    ",
            "not a trailer: Co-authored-by: Claude <noreply@anthropic.com>",
            "Änderung: Co-authored-by-ish",
        ];
        let mut n = 0;
        for (i, a) in lines.iter().enumerate() {
            for b in &lines[i..] {
                for sep in ["\n", "\r\n", "\n\n"] {
                    let m = format!("Subject{sep}{a}{sep}{b}");
                    let got = in_commit(&m, ("", ""), ("", ""));
                    assert_eq!(got, reference(&m), "{m:?}");
                    let m = format!("{a}{sep}{b}\r");
                    assert_eq!(in_commit(&m, ("", ""), ("", "")), reference(&m), "{m:?}");
                    n += 1;
                }
            }
        }
        assert!(n > 700);
    }

    fn agents(m: &[Marker]) -> Vec<(&str, Evidence, Option<&str>)> {
        m.iter()
            .map(|m| (m.agent.as_str(), m.evidence, m.model.as_deref()))
            .collect()
    }

    const HUMAN: (&str, &str) = ("Jane Dev", "jane@example.com");

    #[test]
    fn claude_trailers_with_models_and_case() {
        let m = in_commit(
            "Add x\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.6 (1M context) <noreply@anthropic.com>\n",
            HUMAN,
            HUMAN,
        );
        assert_eq!(
            agents(&m),
            [
                ("claude", Evidence::Trailer, Some("claude-opus-4-6")),
                ("claude", Evidence::Body, None)
            ]
        );
        let m = in_commit(
            "x\n\nco-authored-by: Claude <noreply@anthropic.com>",
            HUMAN,
            HUMAN,
        );
        assert_eq!(agents(&m), [("claude", Evidence::Trailer, None)]);
        assert_eq!(
            claude_model("Claude Sonnet 4.5").as_deref(),
            Some("claude-sonnet-4-5")
        );
        assert_eq!(
            claude_model("Claude Fable 5").as_deref(),
            Some("claude-fable-5")
        );
        assert_eq!(claude_model("Claude"), None);
    }

    #[test]
    fn a_human_named_claude_is_not_an_agent() {
        let m = in_commit(
            "x\n\nCo-authored-by: Claude Shannon <claude@shannon.example>",
            ("Claude Monet", "claude@monet.example"),
            HUMAN,
        );
        assert!(m.is_empty(), "{m:?}");
    }

    #[test]
    fn squash_bodies_carry_trailers_after_the_separator() {
        let m = in_commit(
            "feat: y (#12)\n\n* first\n\n* second\n\n---------\n\nCo-authored-by: Codex <noreply@openai.com>\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>",
            HUMAN,
            ("GitHub", "noreply@github.com"),
        );
        assert_eq!(
            agents(&m),
            [
                ("codex", Evidence::Trailer, None),
                ("cursor", Evidence::Trailer, None)
            ]
        );
    }

    #[test]
    fn bots_and_identities() {
        let bot = (
            "claude[bot]",
            "209825114+claude[bot]@users.noreply.github.com",
        );
        assert_eq!(agents(&in_commit("x", bot, bot)).len(), 2);
        let m = in_commit(
            "x",
            (
                "copilot-swe-agent[bot]",
                "198982749+Copilot@users.noreply.github.com",
            ),
            HUMAN,
        );
        assert_eq!(agents(&m), [("copilot", Evidence::Author, None)]);
        let m = in_commit("x", ("Jane Dev (aider)", "jane@example.com"), HUMAN);
        assert_eq!(agents(&m), [("aider", Evidence::Author, None)]);
        let m = in_commit(
            "x\n\nCo-authored-by: aider (anthropic/claude-sonnet-4-5) <aider@aider.chat>",
            HUMAN,
            HUMAN,
        );
        assert_eq!(
            agents(&m),
            [("aider", Evidence::Trailer, Some("claude-sonnet-4-5"))]
        );
        let m = in_commit(
            "x",
            (
                "Devin AI",
                "158243242+devin-ai-integration[bot]@users.noreply.github.com",
            ),
            HUMAN,
        );
        assert_eq!(agents(&m)[0].0, "devin");
        let m = in_commit(
            "x\n\nCo-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>",
            HUMAN,
            HUMAN,
        );
        assert_eq!(agents(&m)[0].0, "jules");
        let m = in_commit(
            "x\n\nCo-authored-by: Gemini CLI <noreply@google.com>",
            HUMAN,
            HUMAN,
        );
        assert_eq!(agents(&m)[0].0, "gemini");
        assert!(
            in_commit(
                "x\n\nCo-authored-by: Someone <noreply@google.com>",
                HUMAN,
                HUMAN
            )
            .is_empty()
        );
    }

    #[test]
    fn body_markers() {
        let m = in_commit(
            "x\n\nCo-authored-by: Amp <amp@ampcode.com>\nAmp-Thread-ID: https://ampcode.com/threads/T-1",
            HUMAN,
            HUMAN,
        );
        assert_eq!(
            agents(&m),
            [
                ("amp", Evidence::Trailer, None),
                ("amp", Evidence::Body, None)
            ]
        );
        let m = in_commit(
            "x\n\nClaude-Session: https://claude.ai/code/session_01",
            HUMAN,
            HUMAN,
        );
        assert_eq!(agents(&m), [("claude", Evidence::Body, None)]);
        let m = in_commit(
            "x\n\nAssisted-by: claude-code:claude-opus-4-6 [git]",
            HUMAN,
            HUMAN,
        );
        assert_eq!(
            agents(&m),
            [("claude", Evidence::Body, Some("claude-opus-4-6"))]
        );
        let m = in_commit("x\n\nAssisted-by: GPT 5.6", HUMAN, HUMAN);
        assert_eq!(agents(&m), [("codex", Evidence::Body, None)]);
        let m = in_commit(
            "x\n\n🤖 Generated with [opencode](https://opencode.ai)",
            HUMAN,
            HUMAN,
        );
        assert_eq!(agents(&m), [("opencode", Evidence::Body, None)]);
    }

    #[test]
    fn branches() {
        assert_eq!(
            in_branch("claude/issue-12-20260101-1200").map(|m| m.agent),
            Some("claude".into())
        );
        assert_eq!(
            in_branch("codex/fix-x").map(|m| m.agent),
            Some("codex".into())
        );
        assert_eq!(in_branch("feature/claude-stuff"), None);
    }

    #[test]
    fn git_ai_notes() {
        let note = "src/a.rs\n  s_0123456789abcd::t_0123456789abcd 1-4,9\n---\n{\"schema_version\":\"authorship/3.0.0\",\"sessions\":{\"s_0123456789abcd\":{\"agent_id\":{\"tool\":\"claude\",\"id\":\"x\",\"model\":\"claude-opus-4-6\"}}},\"prompts\":{\"f4f2\":{\"agent_id\":{\"tool\":\"github-copilot\",\"id\":\"y\",\"model\":\"unknown\"}}}}";
        assert_eq!(
            agents(&in_git_ai_note(note)),
            [
                ("claude", Evidence::Note, Some("claude-opus-4-6")),
                ("copilot", Evidence::Note, None)
            ]
        );
        // attestation section empty: the note starts with ---
        let note =
            "---\n{\"prompts\":{\"p\":{\"agent_id\":{\"tool\":\"cursor\",\"model\":\"gpt-5\"}}}}";
        assert_eq!(
            agents(&in_git_ai_note(note)),
            [("cursor", Evidence::Note, Some("gpt-5"))]
        );
        assert!(in_git_ai_note("no separator").is_empty());
        assert!(in_git_ai_note("---\nnot json").is_empty());
    }
}
