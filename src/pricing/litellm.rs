//! Reads LiteLLM's `model_prices_and_context_window.json` (USD per token as JSON numbers)
//! into price-table models, so users can drop in the file they already have.
//!
//! Fields used: `input_cost_per_token`, `output_cost_per_token`,
//! `cache_read_input_token_cost`, `cache_creation_input_token_cost` (5-minute write),
//! `cache_creation_input_token_cost_above_1hr` (1-hour write), the `*_above_{200k,272k,128k,
//! 100k}_tokens` long-context tiers, the `*_batches` batch rates, `litellm_provider`, and
//! `search_context_cost_per_query` for Anthropic web search. Entries without both an input
//! and an output token price (images, audio, embeddings, `sample_spec`) are skipped.

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use super::{LongContext, ModelPrice, Period, PriceOrigin, Rates, complete_rates};
use crate::money;

const TIERS: &[(&str, u64)] = &[
    ("_above_200k_tokens", 200_000),
    ("_above_272k_tokens", 272_000),
    ("_above_128k_tokens", 128_000),
    ("_above_100k_tokens", 100_000),
];

/// USD per token (a JSON number) → femto-USD per token, exactly as written in decimal.
fn femto(v: &Value, what: &str) -> Result<Option<i64>> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => {
            let text = match n.as_f64() {
                // Display of f64 is the shortest decimal that round-trips, without exponent.
                Some(f) => format!("{f}"),
                None => n.to_string(),
            };
            let x = money::parse_decimal(&text, 15).with_context(|| what.to_string())?;
            if x < 0 {
                bail!("{what}: negative price {text}");
            }
            Ok(Some(
                i64::try_from(x).with_context(|| format!("{what}: too large"))?,
            ))
        }
        Value::String(s) => {
            let x = money::parse_decimal(s, 15).with_context(|| what.to_string())?;
            if x < 0 {
                bail!("{what}: negative price {s}");
            }
            Ok(Some(
                i64::try_from(x).with_context(|| format!("{what}: too large"))?,
            ))
        }
        _ => bail!("{what}: expected a number"),
    }
}

fn field(obj: &Map<String, Value>, key: &str, name: &str) -> Result<Option<i64>> {
    match obj.get(name) {
        Some(v) => femto(v, &format!("`{key}`.{name}")),
        None => Ok(None),
    }
}

fn rates_with_suffix(
    obj: &Map<String, Value>,
    key: &str,
    suffix: &str,
    base: &Rates,
) -> Result<Option<Rates>> {
    let get = |name: &str| field(obj, key, &format!("{name}{suffix}"));
    let input = get("input_cost_per_token")?;
    let output = get("output_cost_per_token")?;
    let cache_read = get("cache_read_input_token_cost")?;
    let w5 = get("cache_creation_input_token_cost")?;
    let w1 = get("cache_creation_input_token_cost_above_1hr")?;
    let any = [input, output, cache_read, w5, w1];
    // LiteLLM writes 0 for tiers it has no data on; a tier of zeros is "unknown", not free.
    if any.iter().all(|v| v.is_none_or(|x| x == 0)) {
        return Ok(None);
    }
    Ok(Some(Rates {
        input: input.unwrap_or(base.input),
        output: output.unwrap_or(base.output),
        cache_read: cache_read.unwrap_or(base.cache_read),
        cache_write_5m: w5.unwrap_or(base.cache_write_5m),
        cache_write_1h: w1.unwrap_or(base.cache_write_1h),
    }))
}

/// Parses a LiteLLM price map.
pub fn models_from_json(text: &str, origin: &PriceOrigin) -> Result<Vec<ModelPrice>> {
    let root: Value = serde_json::from_str(text).context("not valid JSON")?;
    let Value::Object(map) = root else {
        bail!("expected a JSON object mapping model names to prices");
    };
    let source = match origin {
        PriceOrigin::File(p) => p.display().to_string(),
        PriceOrigin::Bundled => "bundled".into(),
    };
    let mut models = Vec::new();
    for (key, entry) in &map {
        if key == "sample_spec" {
            continue;
        }
        let Value::Object(obj) = entry else { continue };
        let (Some(input), Some(output)) = (
            field(obj, key, "input_cost_per_token")?,
            field(obj, key, "output_cost_per_token")?,
        ) else {
            continue;
        };
        let litellm_provider = obj
            .get("litellm_provider")
            .and_then(Value::as_str)
            .unwrap_or("");
        let provider = if litellm_provider == "anthropic" || key.contains("claude") {
            "anthropic"
        } else if litellm_provider.is_empty() {
            "unknown"
        } else {
            litellm_provider
        };
        let rates = complete_rates(
            provider,
            input,
            output,
            field(obj, key, "cache_read_input_token_cost")?,
            field(obj, key, "cache_creation_input_token_cost")?,
            field(obj, key, "cache_creation_input_token_cost_above_1hr")?,
        );
        let mut long_context = None;
        for (suffix, threshold) in TIERS {
            if let Some(r) = rates_with_suffix(obj, key, suffix, &rates)? {
                long_context = Some(LongContext {
                    threshold: *threshold,
                    rates: r,
                });
                break;
            }
        }
        let batch = rates_with_suffix(obj, key, "_batches", &rates)?;
        let web_search_per_request = if provider == "anthropic" {
            match obj
                .get("search_context_cost_per_query")
                .and_then(|q| q.get("search_context_size_low"))
            {
                // USD per request → femto-USD per request.
                Some(v) => {
                    femto(v, &format!("`{key}`.search_context_cost_per_query"))?.unwrap_or(0)
                }
                None => 0,
            }
        } else {
            0
        };
        models.push(ModelPrice {
            id: key.clone(),
            provider: provider.to_string(),
            aliases: Vec::new(),
            fast_multiplier_milli: None,
            periods: vec![Period {
                from: None,
                rates,
                long_context,
                batch,
                web_search_per_request,
                source: source.clone(),
            }],
            origin: origin.clone(),
        });
    }
    models.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(models)
}

#[cfg(test)]
mod tests {
    use super::super::{PriceTable, ServiceTier, Tokens};
    use chrono::NaiveDate;

    #[test]
    fn litellm_file_overrides_and_extends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model_prices_and_context_window.json");
        std::fs::write(
            &path,
            r#"{
  "sample_spec": {"input_cost_per_token": 0},
  "my-proxy/special-model": {"litellm_provider": "openai", "input_cost_per_token": 2e-06,
     "output_cost_per_token": 8e-06, "cache_read_input_token_cost": 5e-07,
     "input_cost_per_token_above_128k_tokens": 4e-06, "output_cost_per_token_above_128k_tokens": 1.6e-05},
  "claude-sonnet-4-5": {"litellm_provider": "anthropic", "input_cost_per_token": 3.3e-06,
     "output_cost_per_token": 1.65e-05},
  "dall-e-3": {"litellm_provider": "openai", "output_cost_per_pixel": 0.0}
}"#,
        )
        .unwrap();
        let table = PriceTable::bundled()
            .unwrap()
            .with_overrides(&path)
            .unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();

        // special-model: 1000 in * 2 + 1000 cached * 0.5 + 1000 out * 8 = 10,500 µUSD
        let r = table.resolve("special-model").unwrap();
        let t = Tokens {
            input: 1_000,
            cache_read: 1_000,
            output: 1_000,
            ..Tokens::default()
        };
        let p = table.price(r.model, day, &t, false, ServiceTier::Standard);
        assert_eq!(p.cost_nano, 10_500_000);
        // above 128k the whole request: 130,000 * 4 = 520,000 µUSD
        let t = Tokens {
            input: 130_000,
            ..Tokens::default()
        };
        let p = table.price(r.model, day, &t, false, ServiceTier::Standard);
        assert!(p.long_context);
        assert_eq!(p.cost_nano, 520_000_000);

        // claude-sonnet-4-5 replaced: 1M in at $3.30 + 1M 5m-writes at 1.25x = $7.425
        let r = table.resolve("claude-sonnet-4-5-20250929").unwrap();
        let t = Tokens {
            input: 1_000_000,
            cache_write_5m: 1_000_000,
            ..Tokens::default()
        };
        let p = table.price(r.model, day, &t, false, ServiceTier::Standard);
        assert_eq!(p.cost_nano, 7_425_000_000);
        assert!(table.resolve("dall-e-3").is_none());
    }
}
