//! Claude Code headless results (`claude -p --output-format json`, or the final `result`
//! event of `--output-format stream-json`): one record per model of a run from
//! `modelUsage` (tokens and Claude Code's own `costUSD`), else one from `usage` and
//! `total_cost_usd`. A file may hold one result, an array of them, or JSON lines (other
//! event types are skipped). The result carries no time: the file's modification time is
//! the run's. `pr-123` (or `pr123`, `pr#123`) as a word of the file's path tags the run `pr:123`,
//! the explicit signal (docs/attribution.md). The `result` text is never read.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{ExportKind, ExportOut, blank, line_of};
use crate::ingest::record::{CostBasis, RejectReason, Text, record_id};
use crate::money;

/// A model's usage in `modelUsage` (camelCase), or the run's `usage` (snake_case).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ModelUsage {
    #[serde(default, alias = "input_tokens")]
    input_tokens: u64,
    #[serde(default, alias = "output_tokens")]
    output_tokens: u64,
    #[serde(default, alias = "cache_read_input_tokens")]
    cache_read_input_tokens: u64,
    #[serde(default, alias = "cache_creation_input_tokens")]
    cache_creation_input_tokens: u64,
    #[serde(default)]
    web_search_requests: u64,
    #[serde(rename = "costUSD")]
    cost_usd: Option<serde_json::Number>,
}

#[derive(Deserialize)]
struct Result {
    #[serde(rename = "type")]
    kind: Option<String>,
    session_id: Option<String>,
    total_cost_usd: Option<serde_json::Number>,
    #[serde(default)]
    usage: Option<ModelUsage>,
    #[serde(rename = "modelUsage", default)]
    model_usage: BTreeMap<String, ModelUsage>,
    is_error: Option<bool>,
}

/// `pr:N` from `pr-N`, `prN` or `pr#N` as a word of a path component (`pr-123/run.json`,
/// `review_pr-45.json`, `pr123-run.json`; not `prices.json`), the innermost one first.
fn pr_tag(path: &std::path::Path) -> Option<String> {
    static PR: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?:^|[^a-z0-9])pr[-#]?([0-9]+)(?:[^a-z0-9]|$)").expect("pattern")
    });
    path.components().rev().find_map(|c| {
        let s = c.as_os_str().to_string_lossy().to_ascii_lowercase();
        PR.captures(&s).map(|m| format!("pr:{}", &m[1]))
    })
}

fn nano(n: &serde_json::Number) -> std::result::Result<i64, String> {
    let v = money::parse_decimal(&n.to_string(), 9).map_err(|e| e.to_string())?;
    i64::try_from(v).map_err(|_| "out of range".to_string())
}

pub fn read(text: &str, file: u32, path: &std::path::Path) -> anyhow::Result<ExportOut> {
    let mut out = ExportOut::default();
    let mtime = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_micros() as i64);
    let tag = pr_tag(path).map(Text::from);
    let items: Vec<&serde_json::value::RawValue> = match serde_json::from_str(text) {
        Ok(serde_json::Value::Array(_)) => serde_json::from_str(text)?,
        Ok(_) => vec![serde_json::from_str(text)?],
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect(),
    };
    let workflow = Text::from("claude-code-ci");
    for raw in items {
        let line = line_of(text, raw.get());
        let res: Result = match serde_json::from_str(raw.get()) {
            Ok(r) => r,
            Err(e) => {
                out.rows += 1;
                out.reject(line, RejectReason::InvalidJson, e.to_string());
                continue;
            }
        };
        if res.kind.as_deref().is_some_and(|k| k != "result") {
            continue; // other stream-json events
        }
        out.rows += 1;
        let session = res.session_id.clone().unwrap_or_default();
        let mut models: Vec<(String, ModelUsage)> = res.model_usage.into_iter().collect();
        if models.is_empty() {
            let mut u = res.usage.unwrap_or_default();
            u.cost_usd = res.total_cost_usd.clone();
            models.push(("(unknown model)".into(), u));
        }
        for (model, m) in models {
            let mut r = blank(ExportKind::ClaudeResult, file, line);
            if let Some(c) = &m.cost_usd {
                match nano(c) {
                    Ok(v) => {
                        r.cost = Some(v);
                        r.cost_basis = Some(CostBasis::Estimated);
                    }
                    Err(e) => {
                        out.reject(line, RejectReason::InvalidNumber, format!("costUSD: {e}"));
                        continue;
                    }
                }
            }
            r.tokens.input = m.input_tokens;
            r.tokens.output = m.output_tokens;
            r.tokens.cache_read = m.cache_read_input_tokens;
            r.tokens.cache_write_5m = m.cache_creation_input_tokens;
            r.tokens.web_search_requests = m.web_search_requests;
            r.record_id = record_id(&["claude_result", &session, &model, &line.to_string()]);
            r.ts = mtime;
            r.provider = Text::from("anthropic");
            r.model_raw = Text::from(model.as_str());
            r.model = r.model_raw.clone();
            r.requests = 1;
            r.session_id = res.session_id.as_deref().map(Text::from);
            r.entrypoint = Some(Text::from("sdk-cli"));
            r.workflow = Some(workflow.clone());
            r.tags = tag.clone();
            if res.is_error == Some(true) {
                r.tags = Some(Text::from(match &tag {
                    Some(t) => format!("{t},error"),
                    None => "error".into(),
                }));
            }
            out.records.push(r);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_record_per_model_and_pr_tags_from_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pr-42").join("result.json");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let text = r#"{"type":"result","subtype":"success","is_error":false,"result":"PRIVATE","session_id":"s-ci","total_cost_usd":0.30,"modelUsage":{"claude-sonnet-4-5-20250929":{"inputTokens":10,"outputTokens":20,"cacheReadInputTokens":30,"cacheCreationInputTokens":40,"costUSD":0.25},"claude-haiku-4-5":{"inputTokens":1,"outputTokens":2,"costUSD":0.05}}}"#;
        std::fs::write(&p, text).unwrap();
        let out = read(text, 0, &p).unwrap();
        let c: Vec<i64> = out.records.iter().filter_map(|r| r.cost).collect();
        assert_eq!(c, vec![50_000_000, 250_000_000]);
        assert_eq!(out.records[0].tags.as_deref(), Some("pr:42"));
        assert!(out.records[0].ts > 0);
        assert_eq!(
            pr_tag(std::path::Path::new("/ci/run_pr123.json")).as_deref(),
            Some("pr:123")
        );
        assert_eq!(pr_tag(std::path::Path::new("/ci/prices.json")), None);
        // an older result without modelUsage: the run's usage and total
        let old = r#"{"type":"result","session_id":"s2","total_cost_usd":0.125,"usage":{"input_tokens":7,"output_tokens":8,"cache_read_input_tokens":9}}"#;
        let out = read(old, 0, &p).unwrap();
        let r = &out.records[0];
        assert_eq!(
            (r.cost, r.tokens.input, r.tokens.cache_read),
            (Some(125_000_000), 7, 9)
        );
        assert_eq!(
            pr_tag(std::path::Path::new("/ci/pr-7-review.json")).as_deref(),
            Some("pr:7")
        );
        assert_eq!(pr_tag(std::path::Path::new("/ci/pr12abc.json")), None);
    }
}
