//! Pricing: the dated price table (bundled `prices.toml`, optionally overridden or extended by
//! `--prices FILE` in LiteLLM's JSON format or costper's TOML format), model-name resolution
//! ([`resolve`]) and the arithmetic that turns token counts into nano-USD.
//!
//! Rules (docs/pricing.md explains each with its source):
//! * a call is priced at the period in force on its UTC day;
//! * uncached input, output, cache reads, 5-minute and 1-hour cache writes each have a rate;
//! * long context: when input + cache reads + cache writes of one request exceed the
//!   model's threshold, the *whole request* (every token type) is priced at the tier rates;
//! * fast mode multiplies the token cost by the model's `fast_multiplier`;
//! * all arithmetic is integer: rates in femto-USD per token, sums in `i128`, one rounding
//!   (half away from zero) to nano-USD per record.

pub mod litellm;
pub mod resolve;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::money::{self, femto_to_nano};

pub use resolve::{MatchKind, Resolved, normalize_model_name};

/// The bundled price table (data with provenance; see the file header).
pub const BUNDLED_TABLE: &str = include_str!("prices.toml");

/// Rates in femto-USD (10^-15 USD) per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rates {
    pub input: i64,
    pub output: i64,
    pub cache_read: i64,
    pub cache_write_5m: i64,
    pub cache_write_1h: i64,
}

/// A long-context tier: above `threshold` prompt tokens the whole request uses `rates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongContext {
    pub threshold: u64,
    pub rates: Rates,
}

/// One price period of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// First UTC day the period applies; `None` = since launch.
    pub from: Option<NaiveDate>,
    pub rates: Rates,
    pub long_context: Option<LongContext>,
    pub batch: Option<Rates>,
    /// femto-USD per server-side web search request.
    pub web_search_per_request: i64,
    /// Provenance id (a `[[sources]]` entry, or the override file).
    pub source: String,
}

/// Where a model's prices came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceOrigin {
    Bundled,
    File(PathBuf),
}

/// One model in the table.
#[derive(Debug, Clone)]
pub struct ModelPrice {
    pub id: String,
    pub provider: String,
    pub aliases: Vec<String>,
    /// Fast-mode multiplier in thousandths (6x = 6000).
    pub fast_multiplier_milli: Option<i64>,
    pub periods: Vec<Period>,
    pub origin: PriceOrigin,
}

impl ModelPrice {
    /// The period in force on `day`: the latest one whose `from` is on or before `day`;
    /// a day before every dated period uses the first period.
    pub fn period_on(&self, day: NaiveDate) -> &Period {
        let mut chosen = &self.periods[0];
        for p in &self.periods {
            match p.from {
                None => chosen = p,
                Some(from) if from <= day => chosen = p,
                Some(_) => {}
            }
        }
        chosen
    }
}

/// Provenance of the table as a whole.
#[derive(Debug, Clone, Deserialize)]
pub struct SourceInfo {
    pub id: String,
    pub description: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub license: Option<String>,
    #[serde(default)]
    pub retrieved: Option<String>,
}

/// Token counts of one priced unit. `input` is *uncached* input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write_5m: u64,
    pub cache_write_1h: u64,
    pub web_search_requests: u64,
}

impl Tokens {
    /// Tokens the model read for this request: uncached input, cache reads and writes.
    pub fn prompt(&self) -> u64 {
        self.input
            .saturating_add(self.cache_read)
            .saturating_add(self.cache_write_5m)
            .saturating_add(self.cache_write_1h)
    }
}

/// How a request was served, when the source says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServiceTier {
    #[default]
    Standard,
    Batch,
}

/// The result of pricing one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priced {
    pub cost_nano: i64,
    pub long_context: bool,
    pub fast: bool,
}

/// The price table.
#[derive(Debug, Clone)]
pub struct PriceTable {
    pub as_of: String,
    pub sources: Vec<SourceInfo>,
    pub models: Vec<ModelPrice>,
    index: resolve::Index,
}

// ---- TOML schema (bundled table and costper-format override files) ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlTable {
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    sources: Vec<SourceInfo>,
    #[serde(default)]
    models: Vec<TomlModel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlModel {
    id: String,
    provider: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    fast_multiplier: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    prices: Vec<TomlPeriod>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlPeriod {
    #[serde(default)]
    from: Option<String>,
    input: String,
    output: String,
    #[serde(default)]
    cache_read: Option<String>,
    #[serde(default)]
    cache_write_5m: Option<String>,
    #[serde(default)]
    cache_write_1h: Option<String>,
    #[serde(default)]
    web_search_per_1k: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    long_context: Option<TomlTier>,
    #[serde(default)]
    batch: Option<TomlRates>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlTier {
    threshold: u64,
    #[serde(flatten)]
    rates: TomlRates,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TomlRates {
    #[serde(default)]
    input: Option<String>,
    #[serde(default)]
    output: Option<String>,
    #[serde(default)]
    cache_read: Option<String>,
    #[serde(default)]
    cache_write_5m: Option<String>,
    #[serde(default)]
    cache_write_1h: Option<String>,
}

/// USD per million tokens (decimal text) → femto-USD per token.
fn per_mtok(text: &str, what: &str) -> Result<i64> {
    let v = money::parse_decimal(text, 9).with_context(|| format!("{what}: bad price"))?;
    if v < 0 {
        bail!("{what}: negative price `{text}`");
    }
    i64::try_from(v).with_context(|| format!("{what}: price `{text}` is too large"))
}

/// Fills rates a table left out, by the provider's published rules:
/// Anthropic 5-minute writes cost 1.25x input, 1-hour writes 2x input; elsewhere a cache
/// write without its own price costs the input rate, and a cache read without a published
/// discount costs the input rate (never silently free).
pub(crate) fn complete_rates(
    provider: &str,
    input: i64,
    output: i64,
    cache_read: Option<i64>,
    write_5m: Option<i64>,
    write_1h: Option<i64>,
) -> Rates {
    let anthropic = provider == "anthropic";
    let w5 = write_5m.unwrap_or(if anthropic { input * 5 / 4 } else { input });
    let w1 = write_1h.unwrap_or(if anthropic { input * 2 } else { w5 });
    Rates {
        input,
        output,
        cache_read: cache_read.unwrap_or(input),
        cache_write_5m: w5,
        cache_write_1h: w1,
    }
}

fn tier_rates(base: &Rates, t: &TomlRates, what: &str) -> Result<Rates> {
    let get = |v: &Option<String>, fallback: i64, name: &str| -> Result<i64> {
        match v {
            Some(s) => per_mtok(s, &format!("{what}.{name}")),
            None => Ok(fallback),
        }
    };
    Ok(Rates {
        input: get(&t.input, base.input, "input")?,
        output: get(&t.output, base.output, "output")?,
        cache_read: get(&t.cache_read, base.cache_read, "cache_read")?,
        cache_write_5m: get(&t.cache_write_5m, base.cache_write_5m, "cache_write_5m")?,
        cache_write_1h: get(&t.cache_write_1h, base.cache_write_1h, "cache_write_1h")?,
    })
}

fn parse_date(text: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("{what}: `{text}` is not a date (YYYY-MM-DD)"))
}

fn models_from_toml(text: &str, origin: &PriceOrigin) -> Result<(TomlMeta, Vec<ModelPrice>)> {
    let table: TomlTable = toml::from_str(text)?;
    let mut models = Vec::with_capacity(table.models.len());
    for m in table.models {
        let what = format!("model `{}`", m.id);
        if m.prices.is_empty() {
            bail!("{what}: no [[models.prices]] period");
        }
        let fast_multiplier_milli = match &m.fast_multiplier {
            Some(f) => Some(
                i64::try_from(
                    money::parse_decimal(f, 3)
                        .with_context(|| format!("{what}: bad fast_multiplier"))?,
                )
                .context("fast_multiplier too large")?,
            ),
            None => None,
        };
        let _ = &m.notes;
        let mut periods = Vec::with_capacity(m.prices.len());
        for (i, p) in m.prices.iter().enumerate() {
            let pw = format!("{what} period {}", i + 1);
            let opt = |v: &Option<String>, name: &str| -> Result<Option<i64>> {
                v.as_deref()
                    .map(|s| per_mtok(s, &format!("{pw}.{name}")))
                    .transpose()
            };
            let rates = complete_rates(
                &m.provider,
                per_mtok(&p.input, &format!("{pw}.input"))?,
                per_mtok(&p.output, &format!("{pw}.output"))?,
                opt(&p.cache_read, "cache_read")?,
                opt(&p.cache_write_5m, "cache_write_5m")?,
                opt(&p.cache_write_1h, "cache_write_1h")?,
            );
            let long_context = match &p.long_context {
                Some(t) => Some(LongContext {
                    threshold: t.threshold,
                    rates: tier_rates(&rates, &t.rates, &format!("{pw}.long_context"))?,
                }),
                None => None,
            };
            let batch = match &p.batch {
                Some(b) => Some(tier_rates(&rates, b, &format!("{pw}.batch"))?),
                None => None,
            };
            let web_search_per_request = match &p.web_search_per_1k {
                // USD per 1000 requests → femto-USD per request = x * 1e15 / 1e3.
                Some(s) => i64::try_from(
                    money::parse_decimal(s, 12)
                        .with_context(|| format!("{pw}.web_search_per_1k"))?,
                )
                .context("web_search_per_1k too large")?,
                None => 0,
            };
            let _ = &p.notes;
            periods.push(Period {
                from: p
                    .from
                    .as_deref()
                    .map(|d| parse_date(d, &format!("{pw}.from")))
                    .transpose()?,
                rates,
                long_context,
                batch,
                web_search_per_request,
                source: p.source.clone().unwrap_or_else(|| match origin {
                    PriceOrigin::Bundled => "bundled".into(),
                    PriceOrigin::File(path) => path.display().to_string(),
                }),
            });
        }
        for w in periods.windows(2) {
            match (w[0].from, w[1].from) {
                (_, None) => bail!("{what}: only the first price period may omit `from`"),
                (Some(a), Some(b)) if a >= b => {
                    bail!("{what}: price periods must be in increasing `from` order")
                }
                _ => {}
            }
        }
        models.push(ModelPrice {
            id: m.id,
            provider: m.provider,
            aliases: m.aliases,
            fast_multiplier_milli,
            periods,
            origin: origin.clone(),
        });
    }
    Ok((
        TomlMeta {
            as_of: table.as_of,
            sources: table.sources,
        },
        models,
    ))
}

struct TomlMeta {
    as_of: Option<String>,
    sources: Vec<SourceInfo>,
}

impl PriceTable {
    /// The table compiled into the binary.
    pub fn bundled() -> Result<Self> {
        let (meta, models) = models_from_toml(BUNDLED_TABLE, &PriceOrigin::Bundled)
            .context("the bundled price table is invalid")?;
        Ok(Self::new(
            meta.as_of.unwrap_or_default(),
            meta.sources,
            models,
        ))
    }

    fn new(as_of: String, sources: Vec<SourceInfo>, models: Vec<ModelPrice>) -> Self {
        let index = resolve::Index::build(&models);
        PriceTable {
            as_of,
            sources,
            models,
            index,
        }
    }

    /// Adds or replaces models from a price file: LiteLLM's
    /// `model_prices_and_context_window.json` (JSON) or costper's own TOML format. A model in
    /// the file replaces the bundled model with the same id (all its periods).
    pub fn with_overrides(self, path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read price file {}", path.display()))?;
        self.with_overrides_text(&text, path)
    }

    /// [`PriceTable::with_overrides`] on the text of a price file read from `path`.
    pub fn with_overrides_text(self, text: &str, path: &Path) -> Result<Self> {
        let origin = PriceOrigin::File(path.to_path_buf());
        let trimmed = text.trim_start();
        let new_models = if trimmed.starts_with('{') {
            litellm::models_from_json(text, &origin)
                .with_context(|| format!("price file {} (LiteLLM JSON format)", path.display()))?
        } else {
            models_from_toml(text, &origin)
                .with_context(|| format!("price file {} (costper TOML format)", path.display()))?
                .1
        };
        if new_models.is_empty() {
            bail!(
                "price file {} contains no usable model prices",
                path.display()
            );
        }
        // A model in the file replaces the bundled model with the same id, and any bundled
        // model that is the same model spelled differently (`anthropic/claude-x` replaces
        // `claude-x`), so the user's price always wins.
        let replaced: HashSet<String> = new_models
            .iter()
            .map(|m| normalize_model_name(&m.id, true))
            .collect();
        let mut by_id: HashMap<String, ModelPrice> = self
            .models
            .into_iter()
            .filter(|m| !replaced.contains(&normalize_model_name(&m.id, true)))
            .map(|m| (m.id.clone(), m))
            .collect();
        for m in new_models {
            by_id.insert(m.id.clone(), m);
        }
        let mut models: Vec<ModelPrice> = by_id.into_values().collect();
        models.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Self::new(self.as_of, self.sources, models))
    }

    /// Resolves a model name as logged or billed to a model of the table.
    pub fn resolve(&self, raw: &str) -> Option<Resolved> {
        self.index.resolve(&self.models, raw)
    }

    /// Prices one unit of usage of `model` on `day` (one request: its prompt size decides
    /// the long-context tier).
    pub fn price(
        &self,
        model: usize,
        day: NaiveDate,
        tokens: &Tokens,
        fast: bool,
        tier: ServiceTier,
    ) -> Priced {
        self.price_in_context(model, day, tokens, fast, tier, None)
    }

    /// Like [`PriceTable::price`], with the long-context tier given (`Some`) rather than
    /// decided from the prompt size — for aggregated usage, whose token sums say nothing
    /// about the size of each request.
    pub fn price_in_context(
        &self,
        model: usize,
        day: NaiveDate,
        tokens: &Tokens,
        fast: bool,
        tier: ServiceTier,
        long: Option<bool>,
    ) -> Priced {
        let m = &self.models[model];
        let period = m.period_on(day);
        let long_context = period.long_context.as_ref().filter(|lc| match long {
            Some(l) => l,
            None => tokens.prompt() > lc.threshold,
        });
        let rates = match (long_context, tier, &period.batch) {
            (Some(lc), _, _) => &lc.rates,
            (None, ServiceTier::Batch, Some(batch)) => batch,
            _ => &period.rates,
        };
        let mul = |n: u64, rate: i64| n as i128 * rate as i128;
        let mut femto = mul(tokens.input, rates.input)
            + mul(tokens.output, rates.output)
            + mul(tokens.cache_read, rates.cache_read)
            + mul(tokens.cache_write_5m, rates.cache_write_5m)
            + mul(tokens.cache_write_1h, rates.cache_write_1h);
        let fast_applied = fast && m.fast_multiplier_milli.is_some();
        if let (true, Some(milli)) = (fast, m.fast_multiplier_milli) {
            femto = femto * milli as i128 / 1000;
        }
        femto += mul(tokens.web_search_requests, period.web_search_per_request);
        Priced {
            cost_nano: femto_to_nano(femto),
            long_context: long_context.is_some(),
            fast: fast_applied,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn table() -> PriceTable {
        PriceTable::bundled().expect("bundled table parses")
    }

    fn price_of(model: &str, d: &str, t: Tokens, fast: bool) -> Priced {
        let table = table();
        let r = table.resolve(model).expect("model resolves");
        table.price(r.model, day(d), &t, fast, ServiceTier::Standard)
    }

    #[test]
    fn bundled_table_loads_with_provenance() {
        let t = table();
        assert!(t.models.len() > 100);
        assert!(t.sources.iter().any(|s| s.id == "litellm-1.109.1"
            && s.sha256.as_deref()
                == Some("8f8060d8ce7a40c91b995c74d6a27657543d49e3c1c53430dabd556f244392c6")));
        assert_eq!(t.as_of, "2026-11-22");
    }

    /// Sonnet 4.5: 3 in / 350 out / 12,000 1h writes / 15,000 reads (peers.md §3 fixture).
    /// 3*3 + 350*15 + 12000*6 + 15000*0.3 = 9 + 5250 + 72000 + 4500 = 81,759 µUSD = $0.081759.
    #[test]
    fn one_hour_cache_writes_cost_twice_input() {
        let t = Tokens {
            input: 3,
            output: 350,
            cache_write_1h: 12_000,
            cache_read: 15_000,
            ..Tokens::default()
        };
        let p = price_of("claude-sonnet-4-5-20250929", "2026-10-01", t, false);
        assert_eq!(p.cost_nano, 81_759_000);
        assert!(!p.long_context);
    }

    /// Same tokens as 5-minute writes: 9 + 5250 + 12000*3.75 + 4500 = 54,759 µUSD.
    #[test]
    fn five_minute_cache_writes_cost_one_and_a_quarter_input() {
        let t = Tokens {
            input: 3,
            output: 350,
            cache_write_5m: 12_000,
            cache_read: 15_000,
            ..Tokens::default()
        };
        let p = price_of("claude-sonnet-4-5", "2026-10-01", t, false);
        assert_eq!(p.cost_nano, 54_759_000);
    }

    /// Sonnet 4.5 with 250k input: the whole request at the long-context rates:
    /// 250000*6 + 1000*22.5 = 1,500,000 + 22,500 µUSD = $1.5225 (ccusage's marginal rule
    /// would give $0.915; Anthropic bills the whole request at the premium).
    #[test]
    fn long_context_prices_the_whole_request() {
        let t = Tokens {
            input: 250_000,
            output: 1_000,
            ..Tokens::default()
        };
        let p = price_of("claude-sonnet-4-5", "2026-01-15", t, false);
        assert!(p.long_context);
        assert_eq!(p.cost_nano, 1_522_500_000);
        // exactly at the threshold is not "exceeds"
        let t = Tokens {
            input: 200_000,
            ..Tokens::default()
        };
        let p = price_of("claude-sonnet-4-5", "2026-01-15", t, false);
        assert!(!p.long_context);
        assert_eq!(p.cost_nano, 600_000_000);
    }

    /// Cache reads count toward the threshold: 10 in + 195,000 read + 6,000 5m write =
    /// 201,010 > 200k → tier: 10*6 + 195000*0.6 + 6000*7.5 + 100*22.5
    /// = 60 + 117,000 + 45,000 + 2,250 = 164,310 µUSD.
    #[test]
    fn cache_tokens_count_toward_the_long_context_threshold() {
        let t = Tokens {
            input: 10,
            cache_read: 195_000,
            cache_write_5m: 6_000,
            output: 100,
            ..Tokens::default()
        };
        let p = price_of("claude-sonnet-4-5", "2026-01-15", t, false);
        assert!(p.long_context);
        assert_eq!(p.cost_nano, 164_310_000);
    }

    /// Opus 4.6 had the premium from launch (2026-02-05) until 2026-03-13, then flat rates.
    /// 300k input + 2k output: before → 300000*10 + 2000*37.5 = 3,075,000 µUSD;
    /// after → 300000*5 + 2000*25 = 1,550,000 µUSD.
    #[test]
    fn long_context_tier_depends_on_the_day() {
        let t = Tokens {
            input: 300_000,
            output: 2_000,
            ..Tokens::default()
        };
        let before = price_of("claude-opus-4-6", "2026-03-12", t, false);
        let after = price_of("claude-opus-4-6", "2026-03-13", t, false);
        assert!(before.long_context);
        assert_eq!(before.cost_nano, 3_075_000_000);
        assert!(!after.long_context);
        assert_eq!(after.cost_nano, 1_550_000_000);
    }

    /// Fast mode on Opus 4.6 bills 6x: (100*5 + 1000*25) * 6 = 153,000 µUSD.
    #[test]
    fn fast_mode_multiplies() {
        let t = Tokens {
            input: 100,
            output: 1_000,
            ..Tokens::default()
        };
        let p = price_of("claude-opus-4-6", "2026-06-01", t, true);
        assert!(p.fast);
        assert_eq!(p.cost_nano, 153_000_000);
        // a model without a fast multiplier is priced normally and says so
        let p = price_of("claude-haiku-4-5", "2026-06-01", t, true);
        assert!(!p.fast);
        assert_eq!(p.cost_nano, 5_100_000);
    }

    /// Web search: $10 per 1000 → 3 searches = $0.03 on top of tokens.
    #[test]
    fn web_search_requests_are_priced() {
        let t = Tokens {
            web_search_requests: 3,
            ..Tokens::default()
        };
        let p = price_of("claude-sonnet-4-5", "2026-06-01", t, false);
        assert_eq!(p.cost_nano, 30_000_000);
    }

    /// OpenAI gpt-5 (Codex): 1000 uncached in, 4000 cached, 500 out:
    /// 1000*1.25 + 4000*0.125 + 500*10 = 1250 + 500 + 5000 = 6,750 µUSD.
    /// gpt-5.4 above 272k prompt: 280,000 in *5 + 10*22.5 = 1,400,225 µUSD.
    #[test]
    fn openai_rates_and_272k_tier() {
        let t = Tokens {
            input: 1_000,
            cache_read: 4_000,
            output: 500,
            ..Tokens::default()
        };
        assert_eq!(
            price_of("gpt-5", "2026-06-01", t, false).cost_nano,
            6_750_000
        );
        let t = Tokens {
            input: 280_000,
            output: 10,
            ..Tokens::default()
        };
        let p = price_of("gpt-5.4", "2026-06-01", t, false);
        assert!(p.long_context);
        assert_eq!(p.cost_nano, 1_400_225_000);
    }

    /// Batch: Sonnet 4.5 batch input 1.5, output 7.5: 1000*1.5 + 1000*7.5 = 9,000 µUSD.
    #[test]
    fn batch_tier_uses_batch_rates() {
        let table = table();
        let r = table.resolve("claude-sonnet-4-5").unwrap();
        let t = Tokens {
            input: 1_000,
            output: 1_000,
            ..Tokens::default()
        };
        let p = table.price(r.model, day("2026-06-01"), &t, false, ServiceTier::Batch);
        assert_eq!(p.cost_nano, 9_000_000);
    }

    /// Sub-nano rounding: at $0.0001/MTok a token costs 0.1 nano-USD (100,000 femto):
    /// 14 tokens → 1.4 nano → 1; 15 tokens → 1.5 nano → 2 (half away from zero).
    #[test]
    fn rounds_once_per_record_half_away_from_zero() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.toml");
        std::fs::write(
            &path,
            "[[models]]\nid = \"tiny\"\nprovider = \"test\"\n[[models.prices]]\ninput = \"0.0001\"\noutput = \"0\"\n",
        )
        .unwrap();
        let table = table().with_overrides(&path).unwrap();
        let r = table.resolve("tiny").unwrap();
        let cost = |n| {
            let t = Tokens {
                input: n,
                ..Tokens::default()
            };
            table
                .price(r.model, day("2026-06-01"), &t, false, ServiceTier::Standard)
                .cost_nano
        };
        assert_eq!(cost(14), 1);
        assert_eq!(cost(15), 2);
        assert_eq!(cost(10), 1);
    }

    #[test]
    fn override_file_in_costper_format_replaces_a_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(
            &path,
            r#"
[[models]]
id = "claude-sonnet-4-5"
provider = "anthropic"
[[models.prices]]
input = "1"
output = "2"
[[models.prices]]
from = "2026-07-01"
input = "10"
output = "20"
"#,
        )
        .unwrap();
        let table = table().with_overrides(&path).unwrap();
        let r = table.resolve("claude-sonnet-4-5-20250929").unwrap();
        let t = Tokens {
            input: 1_000_000,
            output: 1_000_000,
            cache_write_5m: 1_000_000,
            ..Tokens::default()
        };
        // before July: 1 + 2 + 1.25 (5m write defaults to 1.25x input for anthropic) = $4.25
        let p = table.price(r.model, day("2026-06-30"), &t, false, ServiceTier::Standard);
        assert_eq!(p.cost_nano, 4_250_000_000);
        let p = table.price(r.model, day("2026-07-01"), &t, false, ServiceTier::Standard);
        assert_eq!(p.cost_nano, 42_500_000_000);
    }

    #[test]
    fn override_file_errors_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(
            &path,
            "[[models]]\nid = \"x\"\nprovider = \"p\"\n[[models.prices]]\ninput = \"abc\"\noutput = \"1\"\n",
        )
        .unwrap();
        let err = format!("{:#}", table().with_overrides(&path).unwrap_err());
        assert!(err.contains("bad.toml"), "{err}");
        assert!(err.contains("model `x` period 1.input"), "{err}");
    }
}
