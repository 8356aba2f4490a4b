//! LiteLLM proxy `LiteLLM_SpendLogs` rows (reference/formats.md §6.1) as JSON (an array,
//! `{data: [...]}` from `/spend/logs/ui`, or one row per line) or CSV with the same column
//! names (JSON columns as JSON text). One record per request: `spend` in dollars (read
//! exactly from its text), `prompt_tokens` including cached tokens, cache reads and writes
//! from `metadata.usage_object`, `request_tags` and `metadata.spend_logs_metadata` as tags —
//! so `pr:1234` or `workflow:pr-review` set by the caller attribute the request. The virtual
//! key is only ever a hash in the table; costper shows its alias, never the hash's full text.
//! `messages` and `response` are never read.

use serde_json::{Map, Value};

use super::{ExportKind, ExportOut, Header, Input, Row, blank, csv_rows, parse_ts, text};
use crate::ingest::record::{CostBasis, RejectReason, Text, record_id};
use crate::money;

/// The columns read (everything else, prompts and responses included, is skipped).
const COLUMNS: &[&str] = &[
    "request_id",
    "call_type",
    "api_key",
    "spend",
    "prompt_tokens",
    "completion_tokens",
    "startTime",
    "endTime",
    "model",
    "model_group",
    "custom_llm_provider",
    "user",
    "metadata",
    "request_tags",
    "team_id",
    "session_id",
    "status",
    "end_user",
];

pub fn read<'a>(input: impl Into<Input<'a>>, file: u32) -> anyhow::Result<ExportOut> {
    let input = input.into();
    let mut out = ExportOut::default();
    match input.json() {
        Some(text_in) => {
            let rows = json_rows(text_in)?;
            for (line, row) in rows {
                out.rows += 1;
                record(&mut out, &row, file, line);
            }
        }
        None => {
            csv_rows(input, &mut out, &[], || {
                move |out: &mut ExportOut, h: &Header, row: &Row| {
                    let mut map = Map::new();
                    for c in COLUMNS {
                        let Some(v) = row.get(h.col(&[c])) else {
                            continue;
                        };
                        let value = if matches!(*c, "metadata" | "request_tags") {
                            serde_json::from_str(v).unwrap_or(Value::Null)
                        } else {
                            Value::String(v.to_string())
                        };
                        map.insert(c.to_string(), value);
                    }
                    map.entry("_row").or_insert(Value::Bool(true));
                    record(out, &map, file, row.line);
                }
            })?;
        }
    }
    Ok(out)
}

/// The columns read from a JSON row; serde skips every other field (the prompts and
/// responses included) without building it.
#[derive(serde::Deserialize)]
#[allow(non_snake_case)]
struct Wanted {
    request_id: Option<Value>,
    call_type: Option<Value>,
    api_key: Option<Value>,
    spend: Option<Value>,
    prompt_tokens: Option<Value>,
    completion_tokens: Option<Value>,
    startTime: Option<Value>,
    endTime: Option<Value>,
    model: Option<Value>,
    model_group: Option<Value>,
    custom_llm_provider: Option<Value>,
    user: Option<Value>,
    metadata: Option<Value>,
    request_tags: Option<Value>,
    team_id: Option<Value>,
    session_id: Option<Value>,
    status: Option<Value>,
    end_user: Option<Value>,
}

impl Wanted {
    fn into_map(self) -> Map<String, Value> {
        let fields = [
            ("request_id", self.request_id),
            ("call_type", self.call_type),
            ("api_key", self.api_key),
            ("spend", self.spend),
            ("prompt_tokens", self.prompt_tokens),
            ("completion_tokens", self.completion_tokens),
            ("startTime", self.startTime),
            ("endTime", self.endTime),
            ("model", self.model),
            ("model_group", self.model_group),
            ("custom_llm_provider", self.custom_llm_provider),
            ("user", self.user),
            ("metadata", self.metadata),
            ("request_tags", self.request_tags),
            ("team_id", self.team_id),
            ("session_id", self.session_id),
            ("status", self.status),
            ("end_user", self.end_user),
        ];
        let mut m: Map<String, Value> = fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect();
        // the marker that this was an object, even with none of the columns
        m.entry("_row").or_insert(Value::Bool(true));
        m
    }
}

/// The rows of a JSON export with their lines, keeping only [`COLUMNS`].
fn json_rows(text_in: &str) -> anyhow::Result<Vec<(u64, Map<String, Value>)>> {
    use serde_json::value::RawValue;
    let raws: Vec<&RawValue> = match serde_json::from_str::<Vec<&RawValue>>(text_in) {
        Ok(v) => v,
        Err(_) => {
            #[derive(serde::Deserialize)]
            struct Page<'a> {
                #[serde(borrow)]
                data: Vec<&'a RawValue>,
            }
            match serde_json::from_str::<Page>(text_in) {
                Ok(p) => p.data,
                // one JSON object per line
                Err(_) => text_in
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(serde_json::from_str::<&RawValue>)
                    .collect::<Result<_, _>>()
                    .map_err(|e| anyhow::anyhow!("not a JSON array, page or JSON lines: {e}"))?,
            }
        }
    };
    let mut out = Vec::with_capacity(raws.len());
    for raw in raws {
        let line = super::line_of(text_in, raw.get());
        let map = serde_json::from_str::<Wanted>(raw.get())
            .map(Wanted::into_map)
            .unwrap_or_default();
        out.push((line, map));
    }
    Ok(out)
}

fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn count(v: Option<&Value>) -> u64 {
    string(v)
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|f| f.is_finite() && *f >= 0.0)
        .map_or(0, |f| f as u64)
}

fn record(out: &mut ExportOut, row: &Map<String, Value>, file: u32, line: u64) {
    if row.is_empty() {
        return out.reject(
            line,
            RejectReason::InvalidJson,
            "not a spend-log row object",
        );
    }
    let get = |k: &str| row.get(k);
    let Some(request_id) = text(string(get("request_id")).as_deref()) else {
        return out.reject(line, RejectReason::MissingField, "no request_id");
    };
    let Some(start) = string(get("startTime")) else {
        return out.reject(line, RejectReason::MissingTimestamp, "no startTime");
    };
    let Some(ts) = parse_ts(&start) else {
        return out.reject(
            line,
            RejectReason::InvalidTimestamp,
            format!("startTime `{start}` is not a timestamp"),
        );
    };
    let spend = match string(get("spend")) {
        Some(s) if !s.trim().is_empty() => match money::parse_usd(&s) {
            Ok(v) => v,
            Err(e) => return out.reject(line, RejectReason::InvalidNumber, format!("spend: {e}")),
        },
        _ => return out.reject(line, RejectReason::MissingField, "no spend"),
    };
    let model = text(string(get("model")).as_deref())
        .or_else(|| text(string(get("model_group")).as_deref()))
        .unwrap_or_else(|| Text::from("(no model)"));
    let meta = get("metadata").and_then(Value::as_object);
    let usage = meta
        .and_then(|m| m.get("usage_object"))
        .and_then(Value::as_object);
    let ukey = |k: &str| count(usage.and_then(|u| u.get(k)));
    let cache_read = ukey("cache_read_input_tokens").max(count(
        usage
            .and_then(|u| u.get("prompt_tokens_details"))
            .and_then(|d| d.get("cached_tokens")),
    ));
    let cache_write = ukey("cache_creation_input_tokens");
    let prompt = count(get("prompt_tokens"));
    let mut tags: Vec<String> = match get("request_tags") {
        Some(Value::Array(a)) => a.iter().filter_map(|t| string(Some(t))).collect(),
        _ => Vec::new(),
    };
    if let Some(m) = meta
        .and_then(|m| m.get("spend_logs_metadata"))
        .and_then(Value::as_object)
    {
        for (k, v) in m {
            if let Some(v) = string(Some(v)) {
                tags.push(format!("{k}:{v}"));
            }
        }
    }
    let tags: Vec<String> = tags
        .into_iter()
        .map(|t| t.trim().replace([',', ' '], "_"))
        .filter(|t| !t.is_empty())
        .collect();
    let meta_str = |k: &str| text(string(meta.and_then(|m| m.get(k))).as_deref());

    let mut r = blank(ExportKind::Litellm, file, line);
    r.record_id = record_id(&["litellm", &request_id]);
    r.ts = ts;
    r.provider = text(string(get("custom_llm_provider")).as_deref())
        .unwrap_or_else(|| Text::from("litellm"));
    r.model_raw = model.clone();
    r.model = model;
    r.tokens.cache_read = cache_read;
    r.tokens.cache_write_5m = cache_write;
    r.tokens.input = prompt
        .saturating_sub(cache_read)
        .saturating_sub(cache_write);
    r.tokens.output = count(get("completion_tokens"));
    r.requests = 1;
    r.cost = Some(spend);
    r.cost_basis = Some(CostBasis::Billed);
    r.session_id = text(string(get("session_id")).as_deref());
    r.request_id = Some(request_id);
    r.actor = text(string(get("user")).as_deref()).or_else(|| meta_str("user_api_key_user_email"));
    r.api_key_id = meta_str("user_api_key_alias").or_else(|| {
        text(string(get("api_key")).as_deref())
            // the first 8 characters (a hash is hex, but the field is not ours to trust)
            .map(|h| {
                Text::from(format!(
                    "key-hash:{}",
                    h.chars().take(8).collect::<String>()
                ))
            })
    });
    r.workspace =
        meta_str("user_api_key_team_alias").or_else(|| text(string(get("team_id")).as_deref()));
    r.project = meta_str("user_api_key_project_id");
    let tagged = tags
        .iter()
        .find_map(|t| t.strip_prefix("workflow:"))
        .map(Text::from);
    r.workflow = Some(tagged.unwrap_or_else(|| Text::from("litellm")));
    r.tags = (!tags.is_empty()).then(|| Text::from(tags.join(",")));
    out.records.push(r);
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: &str = r#"{"request_id":"chatcmpl-6dcb","call_type":"acompletion","api_key":"88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
 "spend":0.0421,"total_tokens":93710,"prompt_tokens":92800,"completion_tokens":910,
 "startTime":"2026-10-01T13:33:12.001000Z","endTime":"2026-10-01T13:33:20.124000Z",
 "model":"claude-sonnet-4-5-20250929","custom_llm_provider":"anthropic",
 "user":"dev1@example.com","team_id":"team-platform","request_tags":["workflow:pr-review","repo:acme/api"],"session_id":"6f1c","status":"success",
 "messages":[{"role":"user","content":"PRIVATE PROMPT"}],
 "metadata":{"user_api_key_alias":"ci-bot","user_api_key_team_alias":"platform","spend_logs_metadata":{"pr":"1234"},
   "usage_object":{"prompt_tokens":92800,"completion_tokens":910,"cache_read_input_tokens":88000,"cache_creation_input_tokens":2400}}}"#;

    #[test]
    fn json_rows_carry_tags_and_exact_spend() {
        let text = format!("[{ROW}]");
        let out = read(text.as_str(), 0).unwrap();
        assert!(out.rejects.is_empty(), "{:?}", out.rejects);
        let r = &out.records[0];
        assert_eq!(r.cost, Some(42_100_000));
        assert_eq!(
            (
                r.tokens.input,
                r.tokens.cache_read,
                r.tokens.cache_write_5m,
                r.tokens.output
            ),
            (2_400, 88_000, 2_400, 910)
        );
        assert_eq!(
            r.tags.as_deref(),
            Some("workflow:pr-review,repo:acme/api,pr:1234")
        );
        assert_eq!(r.workflow.as_deref(), Some("pr-review"));
        assert_eq!(r.api_key_id.as_deref(), Some("ci-bot"));
        assert_eq!(r.workspace.as_deref(), Some("platform"));
        assert_eq!(r.origin.line, 1);
    }

    #[test]
    fn csv_rows_and_bad_rows() {
        let csv = "request_id,spend,startTime,model,prompt_tokens,completion_tokens,request_tags,api_key\n\
                   r1,0.5,2026-10-01T00:00:00Z,gpt-5,100,10,\"[\"\"pr:7\"\"]\",abcdef0123456789\n\
                   r2,x,2026-10-01T00:00:00Z,gpt-5,1,1,[],\n\
                   ,1,2026-10-01T00:00:00Z,gpt-5,1,1,[],\n";
        let out = read(csv, 0).unwrap();
        assert_eq!(out.rows, 3);
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].tags.as_deref(), Some("pr:7"));
        assert_eq!(
            out.records[0].api_key_id.as_deref(),
            Some("key-hash:abcdef01")
        );
        let reasons: Vec<(u64, RejectReason)> =
            out.rejects.iter().map(|(l, r, _)| (*l, *r)).collect();
        assert_eq!(
            reasons,
            vec![
                (3, RejectReason::InvalidNumber),
                (4, RejectReason::MissingField)
            ]
        );
    }
}
