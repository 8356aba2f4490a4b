//! OpenAI Admin API exports (reference/formats.md §2.1–2.2): completions usage (Unix-second
//! buckets; `input_tokens` **includes** cached and cache-write tokens) and costs
//! (`amount.value` is a JSON number in **dollars**, read exactly from its text; the currency
//! is lowercase).

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{
    ExportKind, ExportOut, Input, api_workflow, blank, csv_rows, each_typed, json_amount, opt,
    text, to_nano,
};
use crate::ingest::record::{CostBasis, RejectReason, Text, record_id};

#[derive(Deserialize)]
struct UsageItem<'a> {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    input_cached_tokens: u64,
    #[serde(default)]
    input_cache_write_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    num_model_requests: u64,
    project_id: Option<&'a str>,
    user_id: Option<&'a str>,
    api_key_id: Option<&'a str>,
    model: Option<&'a str>,
    batch: Option<bool>,
    service_tier: Option<&'a str>,
}

#[derive(Deserialize)]
struct Amount<'a> {
    #[serde(borrow)]
    value: Option<&'a RawValue>,
    currency: Option<&'a str>,
}

#[derive(Deserialize)]
struct CostItem<'a> {
    #[serde(borrow)]
    amount: Option<Amount<'a>>,
    line_item: Option<&'a str>,
    project_id: Option<&'a str>,
    api_key_id: Option<&'a str>,
}

/// `organization/usage/completions` (API JSON or the dashboard's CSV).
pub fn usage<'a>(input: impl Into<Input<'a>>, file: u32) -> anyhow::Result<ExportOut> {
    let input = input.into();
    let Some(text_in) = input.json() else {
        return usage_csv(input, file);
    };
    let mut out = ExportOut::default();
    let provider = Text::from("openai");
    let workflow = Text::from("openai-api");
    each_typed(text_in, &mut out, |out, it: UsageItem, line, start, end| {
        let Some(model) = text(it.model) else {
            return out.reject(
                line,
                RejectReason::MissingModel,
                "no model: export usage with group_by[]=model so it can be priced",
            );
        };
        let mut r = blank(ExportKind::OpenaiUsage, file, line);
        // input_tokens includes cached and cache-write tokens
        r.tokens.cache_read = it.input_cached_tokens;
        r.tokens.cache_write_5m = it.input_cache_write_tokens;
        r.tokens.input = it
            .input_tokens
            .saturating_sub(it.input_cached_tokens)
            .saturating_sub(it.input_cache_write_tokens);
        r.tokens.output = it.output_tokens;
        if r.tokens == Default::default() && it.num_model_requests == 0 {
            out.ignored += 1;
            return;
        }
        let batch = it.batch.unwrap_or(false);
        r.record_id = record_id(&[
            "openai_usage",
            &start.to_string(),
            &end.unwrap_or(0).to_string(),
            opt(it.project_id),
            opt(it.user_id),
            opt(it.api_key_id),
            &model,
            if batch { "batch" } else { "" },
            opt(it.service_tier),
        ]);
        r.ts = start;
        r.ts_end = Some(end.unwrap_or(start));
        r.provider = provider.clone();
        r.model_raw = model.clone();
        r.model = model;
        r.requests = it.num_model_requests;
        r.project = text(it.project_id);
        r.actor = text(it.user_id);
        r.api_key_id = text(it.api_key_id);
        r.batch = batch;
        r.workflow = Some(api_workflow(r.api_key_id.as_ref(), &workflow));
        out.records.push(r);
    })?;
    Ok(out)
}

/// `organization/costs` (API JSON or the dashboard's CSV).
pub fn costs<'a>(input: impl Into<Input<'a>>, file: u32) -> anyhow::Result<ExportOut> {
    let input = input.into();
    let Some(text_in) = input.json() else {
        return costs_csv(input, file);
    };
    let mut out = ExportOut::default();
    let provider = Text::from("openai");
    let workflow = Text::from("openai-api");
    each_typed(text_in, &mut out, |out, it: CostItem, line, start, end| {
        let Some(amount) = it.amount else {
            return out.reject(line, RejectReason::MissingField, "no amount");
        };
        let currency = amount.currency.unwrap_or("usd");
        if !currency.eq_ignore_ascii_case("usd") {
            return out.reject(
                line,
                RejectReason::Currency,
                format!("amount in {currency}: costper adds up USD only"),
            );
        }
        let Some(value) = amount.value else {
            return out.reject(line, RejectReason::MissingField, "no amount.value");
        };
        let nano = match json_amount(value, 9).and_then(to_nano) {
            Ok(v) => v,
            Err(e) => {
                return out.reject(
                    line,
                    RejectReason::InvalidNumber,
                    format!("amount.value: {e}"),
                );
            }
        };
        // line items look like "gpt-4o-2024-08-06, input": the model is the part before ", "
        let model = it
            .line_item
            .and_then(|l| l.split(", ").next())
            .and_then(|m| text(Some(m)))
            .unwrap_or_else(|| {
                Text::from(format!("openai {}", crate::ingest::reconcile::ALL_MODELS))
            });
        let mut r = blank(ExportKind::OpenaiCosts, file, line);
        r.record_id = record_id(&[
            "openai_costs",
            &start.to_string(),
            &end.unwrap_or(0).to_string(),
            opt(it.line_item),
            opt(it.project_id),
            opt(it.api_key_id),
        ]);
        r.ts = start;
        r.ts_end = Some(end.unwrap_or(start));
        r.provider = provider.clone();
        r.model_raw = model.clone();
        r.model = model;
        r.cost = Some(nano);
        r.cost_basis = Some(CostBasis::Billed);
        r.project = text(it.project_id);
        r.api_key_id = text(it.api_key_id);
        r.workflow = Some(workflow.clone());
        out.records.push(r);
    })?;
    Ok(out)
}

/// The dashboard CSVs: the API's rows flattened, times as Unix seconds, counts sometimes
/// written as floats (`10.0`), `batch` as `TRUE`/`FALSE`, empty rows for days without usage.
fn csv_with(
    input: Input,
    each: impl Fn(&mut ExportOut, &super::Header, &super::Row, i64, i64) + Sync,
) -> anyhow::Result<ExportOut> {
    let mut out = ExportOut::default();
    let each = &each;
    csv_rows(input, &mut out, &[], || {
        move |out: &mut ExportOut, h: &super::Header, row: &super::Row| {
            let start = row.get(h.col(&["start_time"])).and_then(super::parse_ts);
            let Some(start) = start else {
                return out.reject(
                    row.line,
                    RejectReason::MissingTimestamp,
                    "no valid start_time",
                );
            };
            let end = row
                .get(h.col(&["end_time"]))
                .and_then(super::parse_ts)
                .unwrap_or(start);
            each(out, h, row, start, end);
        }
    })?;
    Ok(out)
}

fn costs_csv(input: Input, file: u32) -> anyhow::Result<ExportOut> {
    csv_with(input, |out, h, row, start, end| {
        let Some(v) = row.get(h.col(&["amount_value"])) else {
            out.ignored += 1; // a day without cost
            return;
        };
        let currency = row.get(h.col(&["amount_currency"])).unwrap_or("usd");
        if !currency.eq_ignore_ascii_case("usd") {
            return out.reject(
                row.line,
                RejectReason::Currency,
                format!("amount in {currency}: costper adds up USD only"),
            );
        }
        let nano = match crate::money::parse_usd(v) {
            Ok(n) => n,
            Err(e) => {
                return out.reject(
                    row.line,
                    RejectReason::InvalidNumber,
                    format!("amount_value: {e}"),
                );
            }
        };
        let line_item = row.get(h.col(&["line_item"]));
        let model = line_item
            .and_then(|l| l.split(", ").next())
            .map(Text::from)
            .unwrap_or_else(|| {
                Text::from(format!("openai {}", crate::ingest::reconcile::ALL_MODELS))
            });
        let mut r = blank(ExportKind::OpenaiCosts, file, row.line);
        r.record_id = record_id(&[
            "openai_costs",
            &start.to_string(),
            &end.to_string(),
            line_item.unwrap_or(""),
            row.get(h.col(&["project_id"])).unwrap_or(""),
            row.get(h.col(&["api_key_id"])).unwrap_or(""),
        ]);
        r.ts = start;
        r.ts_end = Some(end);
        r.provider = Text::from("openai");
        r.model_raw = model.clone();
        r.model = model;
        r.cost = Some(nano);
        r.cost_basis = Some(CostBasis::Billed);
        r.project = row.text(h.col(&["project_id"]));
        r.workflow = Some(Text::from("openai-api"));
        out.records.push(r);
    })
}

fn usage_csv(input: Input, file: u32) -> anyhow::Result<ExportOut> {
    csv_with(input, |out, h, row, start, end| {
        let Some(model) = row.text(h.col(&["model"])) else {
            if row.get(h.col(&["input_tokens"])).is_none() {
                out.ignored += 1; // a day without usage
            } else {
                out.reject(
                    row.line,
                    RejectReason::MissingModel,
                    "no model: export usage grouped by model",
                );
            }
            return;
        };
        let counts = (|| -> Result<[u64; 5], String> {
            Ok([
                row.count(h.col(&["input_tokens"]), "input_tokens")?,
                row.count(h.col(&["input_cached_tokens"]), "input_cached_tokens")?,
                row.count(
                    h.col(&["input_cache_write_tokens"]),
                    "input_cache_write_tokens",
                )?,
                row.count(h.col(&["output_tokens"]), "output_tokens")?,
                row.count(h.col(&["num_model_requests"]), "num_model_requests")?,
            ])
        })();
        let [input, cached, written, output, requests] = match counts {
            Ok(v) => v,
            Err(e) => return out.reject(row.line, RejectReason::InvalidNumber, e),
        };
        let batch = row
            .get(h.col(&["batch"]))
            .is_some_and(|b| b.eq_ignore_ascii_case("true"));
        let mut r = blank(ExportKind::OpenaiUsage, file, row.line);
        r.tokens.cache_read = cached;
        r.tokens.cache_write_5m = written;
        r.tokens.input = input.saturating_sub(cached).saturating_sub(written);
        r.tokens.output = output;
        let g = |c: &str| row.get(h.col(&[c])).unwrap_or("");
        r.record_id = record_id(&[
            "openai_usage",
            &start.to_string(),
            &end.to_string(),
            g("project_id"),
            g("user_id"),
            g("api_key_id"),
            &model,
            if batch { "batch" } else { "" },
            g("service_tier"),
        ]);
        r.ts = start;
        r.ts_end = Some(end);
        r.provider = Text::from("openai");
        r.model_raw = model.clone();
        r.model = model;
        r.requests = requests;
        r.project = row.text(h.col(&["project_id"]));
        r.actor = row.text(h.col(&["user_id"]));
        r.api_key_id = row.text(h.col(&["api_key_id"]));
        r.batch = batch;
        r.workflow = Some(api_workflow(
            r.api_key_id.as_ref(),
            &Text::from("openai-api"),
        ));
        out.records.push(r);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_are_exact_dollars_and_usage_splits_cached_input() {
        let text = r#"{"object":"page","data":[{"object":"bucket","start_time":1759276800,"end_time":1759363200,"results":[
 {"object":"organization.costs.result","amount":{"value":0.1336,"currency":"usd"},"line_item":"gpt-4o-2024-08-06, input","project_id":"proj_abc","api_key_id":null,"quantity":53440,"quantity_unit":"tokens"},
 {"object":"organization.costs.result","amount":{"value":0.10646,"currency":"usd"},"line_item":"gpt-4o-2024-08-06, output","project_id":"proj_abc"}
]}],"has_more":false,"next_page":null}"#;
        let out = costs(text, 0).unwrap();
        let c: Vec<i64> = out.records.iter().filter_map(|r| r.cost).collect();
        assert_eq!(c, vec![133_600_000, 106_460_000]);
        assert_eq!(&*out.records[0].model_raw, "gpt-4o-2024-08-06");
        assert_ne!(out.records[0].record_id, out.records[1].record_id);
        assert_eq!(out.records[0].ts, 1_759_276_800_000_000);

        let text = r#"{"object":"page","data":[{"object":"bucket","start_time":1759276800,"end_time":1759363200,"results":[
 {"object":"organization.usage.completions.result","input_tokens":59200,"input_cached_tokens":5760,"input_cache_write_tokens":0,"output_tokens":10646,"num_model_requests":10,"project_id":"proj_abc","user_id":"user-abc","api_key_id":"key_abc","model":"gpt-4o-2024-08-06","batch":true,"service_tier":"default"}
]}]}"#;
        let out = usage(text, 0).unwrap();
        let r = &out.records[0];
        assert_eq!((r.tokens.input, r.tokens.cache_read), (53_440, 5_760));
        assert_eq!(r.requests, 10);
        assert!(r.batch);
    }

    #[test]
    fn dashboard_csvs_with_float_tails_and_empty_days() {
        let text = "start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,line_item,project_id,organization_id,organization_name
1759622400,1759708800,2025-10-05T00:00:00+00:00,2025-10-06T00:00:00+00:00,0.8958740000000000,usd,,,org-X,Personal
1759968000,1760054400,2025-10-09T00:00:00+00:00,2025-10-10T00:00:00+00:00,,,,,,
";
        let out = costs(text, 0).unwrap();
        assert_eq!((out.rows, out.ignored), (2, 1));
        assert_eq!(out.records[0].cost, Some(895_874_000));
        let text = "start_time,end_time,start_time_iso,end_time_iso,project_id,num_model_requests,user_id,api_key_id,model,batch,service_tier,input_tokens,output_tokens,input_cached_tokens
1759276800,1759363200,x,y,proj,10.0,u,k,gpt-4o-2024-08-06,FALSE,default,59200,10646.0,5760
1759363200,1759449600,x,y,,,,,,,,,,
";
        let out = usage(text, 0).unwrap();
        assert_eq!((out.rows, out.ignored), (2, 1));
        let r = &out.records[0];
        assert_eq!(
            (r.requests, r.tokens.input, r.tokens.output),
            (10, 53_440, 10_646)
        );
        assert!(!r.batch);
    }
}
