//! FinOps FOCUS 1.0–1.3 CSV (reference/formats.md §7): cloud bills in one schema. Columns
//! are matched by header name (case-insensitive; 1.3's `ServiceProviderName` as well as
//! `ProviderName`); `NULL` and empty cells are nulls; timestamps are ISO 8601 or the
//! sample's `YYYY-MM-DD HH:MM:SS` (UTC); money is `BilledCost` in `BillingCurrency`, read
//! exactly, negative on credits and refunds. By default only AI rows are read —
//! `ServiceCategory` "AI and Machine Learning" or a known AI service — the others are counted
//! as ignored; `--focus-scope all` reads the whole bill. `Tags` (a JSON object) become
//! `key:value` tags, so `workflow`, `repo` and `pr` tags work as for any other source.

use super::{ExportKind, ExportOut, FocusScope, Header, Row, blank, csv_rows, parse_ts};
use crate::ingest::record::{CostBasis, RejectReason, Text};
use crate::money;

/// AI services that some exports file under another `ServiceCategory`.
const AI_SERVICES: &[&str] = &[
    "amazon bedrock",
    "amazon sagemaker",
    "amazon q",
    "azure openai",
    "azure openai service",
    "azure ai services",
    "azure ai foundry",
    "azure machine learning",
    "vertex ai",
    "gemini api",
    "generative language api",
    "oci generative ai",
];

/// `{"user:team": "platform", "workflow": "pr-review"}` → `team:platform,workflow:pr-review`
/// (keys lowercased, AWS `user:` prefixes dropped, sorted).
fn tags_of(json: &str) -> Option<String> {
    let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json).ok()?;
    let mut items: Vec<String> = v
        .iter()
        .map(|(k, val)| {
            let k = k.to_ascii_lowercase();
            let k = k.strip_prefix("user:").unwrap_or(&k).to_string();
            let val = match val {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{k}:{}", val.replace([',', ' '], "_"))
        })
        .collect();
    items.sort();
    (!items.is_empty()).then(|| items.join(","))
}

pub fn read<'a>(
    input: impl Into<super::Input<'a>>,
    file: u32,
    scope: FocusScope,
    rules: &[crate::config::FocusRule],
) -> anyhow::Result<ExportOut> {
    let mut out = ExportOut::default();
    let required = ["BilledCost", "ChargePeriodStart", "BillingCurrency"];
    csv_rows(input, &mut out, &required, || {
        move |out: &mut ExportOut, h: &Header, row: &Row| {
            let line = row.line;
            let service = row.text(h.col(&["ServiceName"]));
            let is_ai = row
                .get(h.col(&["ServiceCategory"]))
                .is_some_and(|c| c.eq_ignore_ascii_case("AI and Machine Learning"))
                || service
                    .as_deref()
                    .is_some_and(|s| AI_SERVICES.contains(&s.to_ascii_lowercase().as_str()));
            let tags = row.get(h.col(&["Tags"])).and_then(tags_of);
            let included = || {
                rules.iter().any(|r| {
                    r.matches(
                        service.as_deref(),
                        tags.as_deref(),
                        row.get(h.col(&["ResourceId"])),
                        row.get(h.col(&["SubAccountId"])),
                    )
                })
            };
            if scope == FocusScope::Ai && !is_ai && !included() {
                out.ignored += 1;
                return;
            }
            let Some(start) = row.get(h.col(&["ChargePeriodStart"])) else {
                return out.reject(
                    line,
                    RejectReason::MissingTimestamp,
                    "empty ChargePeriodStart",
                );
            };
            let Some(ts) = parse_ts(start) else {
                return out.reject(
                    line,
                    RejectReason::InvalidTimestamp,
                    format!("ChargePeriodStart `{start}` is not a timestamp"),
                );
            };
            let currency = row.get(h.col(&["BillingCurrency"]));
            if !currency.is_some_and(|c| c.eq_ignore_ascii_case("USD")) {
                return out.reject(
                    line,
                    RejectReason::Currency,
                    format!(
                        "BillingCurrency `{}`: costper adds up USD only",
                        currency.unwrap_or("")
                    ),
                );
            }
            let Some(cost_text) = row.get(h.col(&["BilledCost"])) else {
                return out.reject(line, RejectReason::MissingField, "empty BilledCost");
            };
            let cost = match money::parse_usd(cost_text) {
                Ok(v) => v,
                Err(e) => {
                    return out.reject(
                        line,
                        RejectReason::InvalidNumber,
                        format!("BilledCost: {e}"),
                    );
                }
            };
            let service_name = service.unwrap_or_else(|| Text::from("(no service)"));
            let mut r = blank(ExportKind::Focus, file, line);
            r.record_id = row.id("focus");
            r.ts = ts;
            r.ts_end = Some(
                row.get(h.col(&["ChargePeriodEnd"]))
                    .and_then(parse_ts)
                    .unwrap_or(ts),
            );
            r.provider = Text::from(
                row.get(h.col(&["ServiceProviderName", "ProviderName"]))
                    .map(|p| p.to_ascii_lowercase())
                    .unwrap_or_default(),
            );
            r.model_raw = service_name.clone();
            r.model = service_name.clone();
            r.cost = Some(cost);
            r.cost_basis = Some(CostBasis::Billed);
            r.workspace = row.text(h.col(&["SubAccountId"]));
            r.project = row.text(h.col(&["ResourceId"]));
            r.request_id = row.text(h.col(&["ChargeDescription"]));
            r.tags = tags.map(Text::from);
            let tagged = r.tags.as_deref().and_then(|t| {
                t.split(',')
                    .find_map(|i| i.strip_prefix("workflow:"))
                    .map(Text::from)
            });
            r.workflow =
                Some(tagged.unwrap_or_else(|| Text::from(format!("focus:{service_name}"))));
            out.records.push(r);
        }
    })?;
    Ok(out)
}

/// A FOCUS Parquet file as CSV text for [`read`]: every column cast to text (decimals stay
/// exact, timestamps become `YYYY-MM-DD HH:MM:SS[.f]`); a column that has no text form (a
/// nested `Tags` map) is left empty.
pub fn parquet_as_csv(path: &std::path::Path) -> anyhow::Result<String> {
    use polars::prelude::*;
    let file = std::fs::File::open(path)?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| anyhow::anyhow!("not a readable Parquet file: {e}"))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(df.get_column_names().iter().map(|n| n.as_str()))?;
    let cols: Vec<Option<Column>> = df
        .columns()
        .iter()
        .map(|c| c.cast(&DataType::String).ok())
        .collect();
    let strs: Vec<Option<&StringChunked>> = cols
        .iter()
        .map(|c| c.as_ref().and_then(|c| c.str().ok()))
        .collect();
    let mut cells: Vec<&str> = Vec::with_capacity(strs.len());
    for i in 0..df.height() {
        cells.clear();
        cells.extend(strs.iter().map(|s| s.and_then(|s| s.get(i)).unwrap_or("")));
        w.write_record(&cells)?;
    }
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "BillingAccountId,BillingCurrency,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ChargeDescription,ProviderName,ServiceCategory,ServiceName,SubAccountId,ResourceId,BilledCost,EffectiveCost,Tags
1,USD,Usage,2026-10-01T13:00:00Z,2026-10-01T14:00:00Z,USE1-Claude4.5Sonnet-input-tokens,AWS,AI and Machine Learning,Amazon Bedrock,4444,arn:x,0.54702,0.54702,\"{\"\"user:team\"\":\"\"platform\"\",\"\"user:workflow\"\":\"\"pr-review\"\"}\"
1,USD,Usage,2024-09-18 22:00:00,2024-09-18 23:00:00,SQS,AWS,Integration,Amazon Simple Queue Service,5173,NULL,0.00000080000,0,NULL
1,USD,Credit,2026-10-01 00:00:00,2026-10-02 00:00:00,refund,Microsoft,AI and Machine Learning,Azure OpenAI,sub,NULL,-1.25,-1.25,NULL
1,EUR,Usage,2026-10-01 00:00:00,2026-10-02 00:00:00,x,Microsoft,AI and Machine Learning,Azure OpenAI,sub,NULL,2.00,2.00,NULL
1,USD,Usage,NULL,2026-10-02 00:00:00,x,Google,AI and Machine Learning,Vertex AI,p,NULL,1,1,NULL
1,USD,Usage,2026-10-01T13:00:00Z,2026-10-01T14:00:00Z,USE1-Claude4.5Sonnet-input-tokens,AWS,AI and Machine Learning,Amazon Bedrock,4444,arn:x,0.54702,0.54702,\"{\"\"user:team\"\":\"\"platform\"\",\"\"user:workflow\"\":\"\"pr-review\"\"}\"
";

    #[test]
    fn ai_rows_credits_currencies_and_tags() {
        let out = read(SAMPLE, 0, FocusScope::Ai, &[]).unwrap();
        assert_eq!((out.rows, out.ignored), (6, 1));
        let costs: Vec<i64> = out.records.iter().filter_map(|r| r.cost).collect();
        assert_eq!(costs, vec![547_020_000, -1_250_000_000, 547_020_000]);
        let r = &out.records[0];
        assert_eq!(r.tags.as_deref(), Some("team:platform,workflow:pr-review"));
        assert_eq!(r.workflow.as_deref(), Some("pr-review"));
        assert_eq!(&*r.provider, "aws");
        assert_eq!(&*r.model, "Amazon Bedrock");
        // two identical rows in one file are two charges
        assert_ne!(out.records[0].record_id, out.records[2].record_id);
        let reasons: Vec<(u64, RejectReason)> =
            out.rejects.iter().map(|(l, r, _)| (*l, *r)).collect();
        assert_eq!(
            reasons,
            vec![
                (5, RejectReason::Currency),
                (6, RejectReason::MissingTimestamp)
            ]
        );
        let all = read(SAMPLE, 0, FocusScope::All, &[]).unwrap();
        assert_eq!(all.ignored, 0);
        assert_eq!(all.records[1].cost, Some(800)); // $0.0000008, exactly
        assert_eq!(all.records[1].ts, 1_726_696_800_000_000); // 2024-09-18 22:00 UTC
    }

    /// The same rows as Parquet (costs as decimals, times as datetimes) read like the CSV.
    #[test]
    fn parquet_reads_like_csv() {
        use polars::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("focus.parquet");
        let ts = Int64Chunked::from_vec(
            "ChargePeriodStart".into(),
            vec![1_790_866_800_000_000, 1_726_696_800_000_000],
        )
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column();
        let cost = Column::new("BilledCost".into(), ["0.54702", "-1.25"])
            .cast(&DataType::Decimal(18, 5))
            .unwrap();
        let mut df = DataFrame::new(
            2,
            vec![
                Column::new("BillingCurrency".into(), ["USD", "USD"]),
                ts,
                Column::new(
                    "ServiceCategory".into(),
                    ["AI and Machine Learning", "AI and Machine Learning"],
                ),
                Column::new("ServiceName".into(), ["Amazon Bedrock", "Azure OpenAI"]),
                Column::new("ProviderName".into(), ["AWS", "Microsoft"]),
                cost,
            ],
        )
        .unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let text = parquet_as_csv(&path).unwrap();
        let out = read(text.as_str(), 0, FocusScope::Ai, &[]).unwrap();
        assert!(out.rejects.is_empty(), "{:?}\n{text}", out.rejects);
        let c: Vec<i64> = out.records.iter().filter_map(|r| r.cost).collect();
        assert_eq!(c, vec![547_020_000, -1_250_000_000]);
        assert_eq!(out.records[0].ts, 1_790_866_800_000_000);
        assert_eq!(&*out.records[1].provider, "microsoft");
    }

    /// Config rules add the non-token costs around agents: here the SQS row by its service.
    #[test]
    fn include_rules_add_rows_beside_ai_services() {
        let rule = crate::config::FocusRule {
            service: Some("Amazon Simple Queue*".into()),
            ..Default::default()
        };
        let out = read(SAMPLE, 0, FocusScope::Ai, &[rule]).unwrap();
        assert_eq!(out.ignored, 0);
        assert!(out.records.iter().any(|r| r.cost == Some(800)));
        let by_tag = crate::config::FocusRule {
            tag: Some("team:plat*".into()),
            ..Default::default()
        };
        assert!(by_tag.matches(None, Some("team:platform,workflow:x"), None, None));
        assert!(!by_tag.matches(None, None, None, None));
    }

    #[test]
    fn missing_columns_name_the_column() {
        let e = read("a,b\n1,2\n", 0, FocusScope::Ai, &[]).unwrap_err();
        assert!(e.to_string().contains("BilledCost"), "{e}");
    }
}
