//! Model-name resolution: maps the names logs and bills use (`claude-sonnet-4-5-20250929`,
//! `us.anthropic.claude-sonnet-4-5-20250929-v1:0`, `vertex_ai/claude-opus-4-6@20260205`,
//! `Claude Opus 4.6 (1M context)`, `claude-opus-4-6[1m]`, `claude-4.5-sonnet`,
//! `gpt-4.1-2025-04-14`) to a model of the price table.
//!
//! Order: exact id → exact alias → normalized with the date kept → normalized without a
//! date suffix → version-first display order rewritten (`claude-4-5-sonnet` →
//! `claude-sonnet-4-5`) → the longest table name that occurs in the name on `-` boundaries,
//! provided the token after it is not a version number (so `claude-opus-4-6` never falls
//! back to `claude-opus-4`). Anything else is unpriced — never guessed at $0.

use std::collections::HashMap;

use super::ModelPrice;

/// How a name was matched; shown by `costper prices MODEL` and in warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchKind {
    Exact,
    Alias,
    Normalized,
    /// Matched the longest table name contained in the raw name.
    Contains(String),
}

impl MatchKind {
    pub fn describe(&self) -> String {
        match self {
            MatchKind::Exact => "exact id".into(),
            MatchKind::Alias => "alias".into(),
            MatchKind::Normalized => {
                "normalized (case, provider/region prefixes, dates, separators)".into()
            }
            MatchKind::Contains(key) => format!("contains table name `{key}`"),
        }
    }
}

/// A resolved model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Index into `PriceTable::models`.
    pub model: usize,
    pub how: MatchKind,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    exact: HashMap<String, (usize, bool)>,
    full: HashMap<String, usize>,
    base: HashMap<String, usize>,
    /// (tokens of a base-normalized name, model) sorted longest first.
    keys: Vec<(Vec<String>, String, usize)>,
}

const REGION_PREFIXES: &[&str] = &[
    "us-gov.", "global.", "us.", "eu.", "apac.", "jp.", "au.", "ca.", "uk.", "in.", "sa.",
];
const VENDOR_PREFIXES: &[&str] = &[
    "anthropic.",
    "openai.",
    "google.",
    "amazon.",
    "meta.",
    "mistral.",
    "cohere.",
];
const FAMILIES: &[&str] = &["opus", "sonnet", "haiku"];

fn strip_qualifiers(mut s: &str) -> &str {
    loop {
        let t = s.trim_end();
        let cut = if t.ends_with(']') {
            t.rfind('[')
        } else if t.ends_with(')') {
            t.rfind('(')
        } else {
            None
        };
        match cut {
            Some(i) if i > 0 => s = &t[..i],
            _ => return t,
        }
    }
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Normalizes a model name. With `strip_date`, a trailing `-YYYYMMDD` or `-YYYY-MM-DD` is
/// removed as well.
pub fn normalize_model_name(raw: &str, strip_date: bool) -> String {
    let lower = raw.trim().to_lowercase();
    let mut s: &str = strip_qualifiers(&lower);
    if let Some(i) = s.rfind('/') {
        s = &s[i + 1..];
    }
    for p in REGION_PREFIXES {
        if let Some(rest) = s.strip_prefix(p) {
            s = rest;
            break;
        }
    }
    for p in VENDOR_PREFIXES {
        if let Some(rest) = s.strip_prefix(p) {
            s = rest;
            break;
        }
    }
    // Bedrock version suffixes: `-v1:0`, `-v2`, `:0`.
    let mut owned = s.to_string();
    if let Some(i) = owned.rfind(':')
        && owned[i + 1..].bytes().all(|b| b.is_ascii_digit())
    {
        owned.truncate(i);
    }
    if let Some(i) = owned.rfind("-v")
        && !owned[i + 2..].is_empty()
        && owned[i + 2..].bytes().all(|b| b.is_ascii_digit())
    {
        owned.truncate(i);
    }
    let mut out = String::with_capacity(owned.len());
    for ch in owned.chars() {
        let c = match ch {
            '@' | '.' | ' ' | '_' => '-',
            c => c,
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('-') {
        out.pop();
    }
    if strip_date {
        let tokens: Vec<&str> = out.split('-').collect();
        let n = tokens.len();
        let cut = if n >= 2 && is_digits(tokens[n - 1], 8) {
            Some(n - 1)
        } else if n >= 4
            && is_digits(tokens[n - 3], 4)
            && is_digits(tokens[n - 2], 2)
            && is_digits(tokens[n - 1], 2)
        {
            Some(n - 3)
        } else {
            None
        };
        if let Some(c) = cut {
            out = tokens[..c].join("-");
        }
    }
    out
}

/// True when normalization has to drop a provider path or a region/vendor prefix.
pub(super) fn has_provider_prefix(name: &str) -> bool {
    let l = name.trim().to_lowercase();
    l.contains('/')
        || REGION_PREFIXES
            .iter()
            .chain(VENDOR_PREFIXES)
            .any(|p| l.starts_with(p))
}

/// `claude-4-5-sonnet` → `claude-sonnet-4-5` (Cursor and older display order);
/// a bare `sonnet-4-5` gets its vendor: `claude-sonnet-4-5`.
fn reorder_family(name: &str) -> Option<String> {
    let tokens: Vec<&str> = name.split('-').collect();
    if let Some(first) = tokens.first()
        && FAMILIES.contains(first)
    {
        return Some(format!("claude-{name}"));
    }
    if tokens.first() != Some(&"claude") {
        return None;
    }
    let fam = tokens.iter().position(|t| FAMILIES.contains(t))?;
    if fam < 2
        || !tokens[1..fam]
            .iter()
            .all(|t| t.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut out = vec!["claude", tokens[fam]];
    out.extend_from_slice(&tokens[1..fam]);
    out.extend_from_slice(&tokens[fam + 1..]);
    Some(out.join("-"))
}

impl Index {
    pub(super) fn build(models: &[ModelPrice]) -> Self {
        let mut idx = Index::default();
        // ids first, then aliases: an id always wins over another model's alias
        for (i, m) in models.iter().enumerate() {
            idx.exact.insert(m.id.clone(), (i, false));
        }
        for (i, m) in models.iter().enumerate() {
            for a in &m.aliases {
                idx.exact.entry(a.clone()).or_insert((i, true));
            }
        }
        let mut names: Vec<(usize, &str)> = Vec::new();
        for (i, m) in models.iter().enumerate() {
            names.push((i, &m.id));
        }
        for (i, m) in models.iter().enumerate() {
            for a in &m.aliases {
                names.push((i, a));
            }
        }
        // When several names normalize alike, the least transformed one wins: a plain
        // `claude-sonnet-4-5` over `us.anthropic.claude-sonnet-4-5-v1:0` (a regional price),
        // an undated `gpt-4o` over `gpt-4o-2024-05-13`.
        names.sort_by_key(|&(i, name)| {
            let dated = normalize_model_name(name, true) != normalize_model_name(name, false);
            (has_provider_prefix(name), dated, i)
        });
        for &(i, name) in &names {
            idx.full
                .entry(normalize_model_name(name, false))
                .or_insert(i);
            idx.base
                .entry(normalize_model_name(name, true))
                .or_insert(i);
        }
        let mut keys: Vec<(Vec<String>, String, usize)> = idx
            .base
            .iter()
            .map(|(k, &i)| (k.split('-').map(str::to_string).collect(), k.clone(), i))
            .collect();
        keys.sort_by(|a, b| {
            b.0.len()
                .cmp(&a.0.len())
                .then(b.1.len().cmp(&a.1.len()))
                .then(a.1.cmp(&b.1))
        });
        idx.keys = keys;
        idx
    }

    pub(super) fn resolve(&self, models: &[ModelPrice], raw: &str) -> Option<Resolved> {
        let _ = models;
        if let Some(&(i, alias)) = self.exact.get(raw) {
            let how = if alias {
                MatchKind::Alias
            } else {
                MatchKind::Exact
            };
            return Some(Resolved { model: i, how });
        }
        let full = normalize_model_name(raw, false);
        if full.is_empty() {
            return None;
        }
        if let Some(&i) = self.full.get(&full) {
            return Some(Resolved {
                model: i,
                how: MatchKind::Normalized,
            });
        }
        let base = normalize_model_name(raw, true);
        let mut candidates = vec![base.clone()];
        if let Some(r) = reorder_family(&base) {
            candidates.push(r);
        }
        for c in &candidates {
            if let Some(&i) = self.base.get(c) {
                return Some(Resolved {
                    model: i,
                    how: MatchKind::Normalized,
                });
            }
        }
        for c in &candidates {
            if let Some(r) = self.contains_match(c) {
                return Some(r);
            }
        }
        None
    }

    fn contains_match(&self, name: &str) -> Option<Resolved> {
        let tokens: Vec<&str> = name.split('-').collect();
        for (key, key_text, i) in &self.keys {
            let k = key.len();
            if k == 0 || k > tokens.len() {
                continue;
            }
            let hit = (0..=tokens.len() - k).any(|start| {
                tokens[start..start + k]
                    .iter()
                    .zip(key)
                    .all(|(a, b)| *a == b.as_str())
                    && tokens
                        .get(start + k)
                        .is_none_or(|next| !next.bytes().all(|b| b.is_ascii_digit()))
            });
            if hit {
                return Some(Resolved {
                    model: *i,
                    how: MatchKind::Contains(key_text.clone()),
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::PriceTable;
    use super::*;

    fn resolve(name: &str) -> Option<(String, MatchKind)> {
        let t = PriceTable::bundled().unwrap();
        t.resolve(name)
            .map(|r| (t.models[r.model].id.clone(), r.how))
    }

    fn id(name: &str) -> Option<String> {
        resolve(name).map(|(id, _)| id)
    }

    #[test]
    fn normalizes_names() {
        assert_eq!(
            normalize_model_name("us.anthropic.claude-sonnet-4-5-20250929-v1:0", true),
            "claude-sonnet-4-5"
        );
        assert_eq!(
            normalize_model_name("vertex_ai/claude-opus-4-6@20260205", true),
            "claude-opus-4-6"
        );
        assert_eq!(
            normalize_model_name("Claude Opus 4.6 (1M context)", true),
            "claude-opus-4-6"
        );
        assert_eq!(
            normalize_model_name("claude-opus-4-6[1m]", true),
            "claude-opus-4-6"
        );
        assert_eq!(normalize_model_name("gpt-4.1-2025-04-14", true), "gpt-4-1");
        assert_eq!(
            normalize_model_name("gpt-4.1-2025-04-14", false),
            "gpt-4-1-2025-04-14"
        );
        assert_eq!(
            normalize_model_name("openrouter/openai/GPT-5", true),
            "gpt-5"
        );
        assert_eq!(normalize_model_name("  ", true), "");
    }

    #[test]
    fn resolves_exact_alias_and_normalized() {
        assert_eq!(
            resolve("claude-opus-4-6"),
            Some(("claude-opus-4-6".into(), MatchKind::Exact))
        );
        assert_eq!(
            resolve("claude-sonnet-4-5-20250929"),
            Some(("claude-sonnet-4-5".into(), MatchKind::Alias))
        );
        assert_eq!(
            resolve("Claude Sonnet 4.5"),
            Some(("claude-sonnet-4-5".into(), MatchKind::Normalized))
        );
        assert_eq!(
            id("claude-opus-4-6[1m]").as_deref(),
            Some("claude-opus-4-6")
        );
        assert_eq!(
            id("anthropic/claude-haiku-4-5").as_deref(),
            Some("claude-haiku-4-5")
        );
        assert_eq!(
            id("us.anthropic.claude-sonnet-4-20250514-v1:0").as_deref(),
            Some("claude-sonnet-4")
        );
        assert_eq!(
            id("gemini/gemini-2.5-pro").as_deref(),
            Some("gemini-2.5-pro")
        );
        assert_eq!(
            id("models/gemini-2.5-pro").as_deref(),
            Some("gemini-2.5-pro")
        );
        assert_eq!(id("gpt-5.1-codex").as_deref(), Some("gpt-5.1-codex"));
        assert_eq!(id("GPT-5.1-Codex").as_deref(), Some("gpt-5.1-codex"));
        assert_eq!(
            id("Claude 3.5 Sonnet").as_deref(),
            Some("claude-3-5-sonnet")
        );
    }

    #[test]
    fn dated_ids_with_their_own_price_stay_distinct() {
        assert_eq!(
            id("gpt-4o-2024-05-13").as_deref(),
            Some("gpt-4o-2024-05-13")
        );
        assert_eq!(id("gpt-4o").as_deref(), Some("gpt-4o"));
        // an unknown date of a known model falls back to the undated model
        assert_eq!(id("gpt-4o-2031-01-01").as_deref(), Some("gpt-4o"));
    }

    #[test]
    fn reorders_version_first_display_names() {
        assert_eq!(
            id("claude-4.5-sonnet").as_deref(),
            Some("claude-sonnet-4-5")
        );
        assert_eq!(
            id("claude-4-sonnet-thinking").as_deref(),
            Some("claude-sonnet-4")
        );
        assert_eq!(id("sonnet-4.5").as_deref(), Some("claude-sonnet-4-5"));
    }

    #[test]
    fn contains_match_respects_version_boundaries() {
        assert_eq!(
            resolve("claude-opus-4-6-fast"),
            Some((
                "claude-opus-4-6".into(),
                MatchKind::Contains("claude-opus-4-6".into())
            ))
        );
        // `claude-opus-4-9` is not `claude-opus-4`: the next token is a version number
        assert_eq!(id("claude-opus-4-9"), None);
        assert_eq!(id("gpt-5-turbo-ultra").as_deref(), Some("gpt-5"));
        assert_eq!(id("totally-unknown-model"), None);
        assert_eq!(id("<synthetic>"), None);
        assert_eq!(id(""), None);
    }
}
