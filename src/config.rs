//! The configuration file `costper.toml` (SPEC §10; reference in docs/config.md): input
//! locations, repositories (with the path patterns their checkouts have on other machines and
//! their PR exports), attribution windows and workflow rules. Unknown keys are errors, and
//! every error names the file, the key and the line, so a typo never silently changes a
//! figure. Paths in the file are relative to the file's directory; `~/` is the home
//! directory.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The file read when `--config` is not given and it exists in the current directory.
pub const DEFAULT_FILE: &str = "costper.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// IANA time zone for days, weeks and months (overridden by `--tz`).
    pub tz: Option<String>,
    #[serde(default)]
    pub sources: Sources,
    #[serde(default, rename = "repo")]
    pub repos: Vec<RepoConfig>,
    #[serde(default)]
    pub attribution: AttributionConfig,
    #[serde(default, rename = "workflow")]
    pub workflows: Vec<WorkflowRule>,
    /// Extra or overriding price file (as `--prices`).
    pub prices: Option<PathBuf>,
    /// The archive directory (as `--archive`).
    pub archive: Option<PathBuf>,
    #[serde(default)]
    pub focus: FocusConfig,
    #[serde(default)]
    pub check: CheckConfig,
    /// Which models each workflow (or repository, branch) may use; `check` reports the rest.
    #[serde(default, rename = "policy")]
    pub policies: Vec<ModelPolicy>,
    #[serde(default)]
    pub waste: WasteConfig,
}

/// Thresholds of the waste finder (docs/waste.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WasteConfig {
    /// A merged PR this small (additions + deletions) is a small change.
    pub small_pr_lines: u64,
    /// Models that are wasted on small changes (patterns).
    pub premium_models: Vec<String>,
    /// Sessions whose cache reads are below this share of their prompt tokens…
    pub min_cache_read_share: f64,
    /// …and that cost at least this much (USD) re-send context uncached.
    #[serde(deserialize_with = "usd_required")]
    pub min_session_usd: i64,
    /// A session costing this many times its workflow's median session is a runaway…
    pub runaway_factor: u64,
    /// …when it also costs at least this much (USD).
    #[serde(deserialize_with = "usd_required")]
    pub runaway_min_usd: i64,
}

impl Default for WasteConfig {
    fn default() -> Self {
        WasteConfig {
            small_pr_lines: 50,
            premium_models: vec![
                "claude-opus-*".into(),
                "gpt-5-pro*".into(),
                "o1-pro*".into(),
                "o3-pro*".into(),
            ],
            min_cache_read_share: 0.5,
            min_session_usd: 1_000_000_000,
            runaway_factor: 5,
            runaway_min_usd: 5_000_000_000,
        }
    }
}

fn usd_required<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    usd(d)?.ok_or_else(|| serde::de::Error::custom("a USD amount is required"))
}

/// `costper check` thresholds (command-line flags override them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Cost per merged PR (the headline average), USD.
    #[serde(default, deserialize_with = "usd")]
    pub max_cost_per_pr: Option<i64>,
    /// Cost of any single merged PR, USD.
    #[serde(default, deserialize_with = "usd")]
    pub max_pr_cost: Option<i64>,
    /// Spend budget of the period, USD.
    #[serde(default, deserialize_with = "usd")]
    pub budget: Option<i64>,
    /// The budget's period: `month` (default), `week` or `day`.
    pub period: Option<String>,
    /// Spend of any one actor in a calendar month, USD.
    #[serde(default, deserialize_with = "usd")]
    pub max_actor_cost: Option<i64>,
    /// Unattributed share of spend, 0–1.
    pub max_unattributed_share: Option<f64>,
}

/// A model policy: rows matching `workflow` / `repo` / `branch` (patterns, `*` = any
/// text; all given must match) may only use the `allow`ed models.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPolicy {
    pub workflow: Option<String>,
    pub repo: Option<String>,
    pub branch: Option<String>,
    pub allow: Vec<String>,
}

impl ModelPolicy {
    /// Whether the policy applies to calls of this workflow, repository and branch.
    pub fn applies(&self, workflow: &str, repo: &str, branch: &str) -> bool {
        let field =
            |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| wildcard(w, have));
        field(&self.workflow, workflow) && field(&self.repo, repo) && field(&self.branch, branch)
    }

    /// Whether the policy allows the model.
    pub fn allows(&self, model: &str) -> bool {
        self.allow.iter().any(|a| wildcard(a, model))
    }
}

/// Money in a config file: a decimal string (`"25.50"`) or a number, read exactly from
/// its text.
fn usd<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Int(i64),
        Float(f64),
    }
    let text = match Option::<Raw>::deserialize(d)? {
        None => return Ok(None),
        Some(Raw::Text(t)) => t,
        Some(Raw::Int(i)) => i.to_string(),
        Some(Raw::Float(f)) => f.to_string(),
    };
    crate::money::parse_usd(text.trim().trim_start_matches('$'))
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// FOCUS export settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FocusConfig {
    /// Rows read besides the AI services: the non-token costs around agents (sandboxes,
    /// vector stores, CI runners), by tag, service, resource or sub-account.
    #[serde(default)]
    pub include: Vec<FocusRule>,
}

/// A FOCUS row matches when every given condition holds (`*` matches any text).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FocusRule {
    /// `ServiceName`, e.g. `AWS Lambda`.
    pub service: Option<String>,
    /// A `key:value` tag (keys lowercased, AWS `user:` prefixes dropped), e.g. `team:agents`.
    pub tag: Option<String>,
    /// `ResourceId`, e.g. `arn:aws:lambda:*:function:agent-*`.
    pub resource: Option<String>,
    /// `SubAccountId`.
    pub sub_account: Option<String>,
}

impl FocusRule {
    /// Whether a row with these fields matches.
    pub fn matches(
        &self,
        service: Option<&str>,
        tags: Option<&str>,
        resource: Option<&str>,
        sub_account: Option<&str>,
    ) -> bool {
        let field = |want: &Option<String>, have: Option<&str>| {
            want.as_deref()
                .is_none_or(|w| have.is_some_and(|h| wildcard(w, h)))
        };
        let any = self.service.is_some()
            || self.tag.is_some()
            || self.resource.is_some()
            || self.sub_account.is_some();
        any && field(&self.service, service)
            && field(&self.resource, resource)
            && field(&self.sub_account, sub_account)
            && self.tag.as_deref().is_none_or(|t| {
                tags.is_some_and(|list| list.split(',').any(|item| wildcard(t, item)))
            })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    #[serde(default)]
    pub claude: Vec<PathBuf>,
    #[serde(default)]
    pub codex: Vec<PathBuf>,
    /// Provider exports (like `--export`: `KIND:FILE` and `*` work too).
    #[serde(default)]
    pub exports: Vec<PathBuf>,
}

/// A repository whose merged PRs are outcomes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoConfig {
    /// A work tree or bare clone on this machine.
    pub path: PathBuf,
    /// Where checkouts of this repository live on other machines: `*` matches within one
    /// path component, `**` any number of them (`/home/*/src/api`, `/builds/**/api`). A
    /// session whose working directory is inside a match belongs to this repository.
    #[serde(default)]
    pub paths: Vec<String>,
    /// PR export(s) of this repository (`gh pr list --json …`, GitLab MR JSON).
    #[serde(default)]
    pub prs: Vec<PathBuf>,
    /// The mainline branch (default: origin/HEAD, main, master).
    pub branch: Option<String>,
}

/// Branch-signal windows and default branches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttributionConfig {
    /// How long before a PR was created its branch's spend counts (`14d`, `36h`, `90m`).
    pub lookback: String,
    /// How long after a PR was merged or closed its branch's spend still counts.
    pub grace: String,
    /// Branches that never match a PR, besides main, master, develop, HEAD and each
    /// repository's mainline.
    pub default_branches: Vec<String>,
}

impl Default for AttributionConfig {
    fn default() -> Self {
        AttributionConfig {
            lookback: "14d".into(),
            grace: "1h".into(),
            default_branches: Vec::new(),
        }
    }
}

/// A workflow rule: every given condition must hold; the first matching rule names the
/// workflow. Values are exact, or patterns with `*` (any text).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowRule {
    pub name: String,
    pub source: Option<String>,
    pub actor: Option<String>,
    pub api_key: Option<String>,
    pub workspace: Option<String>,
    pub project: Option<String>,
    /// A tag the row must carry (`team:platform`, `ci`).
    pub tag: Option<String>,
    pub branch: Option<String>,
    pub repo: Option<String>,
    pub entrypoint: Option<String>,
}

/// Parses a duration such as `14d`, `36h`, `90m`, `45s` (also combined: `1d12h`) into
/// microseconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        let unit: i64 = match c {
            'w' => 7 * 86_400,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?.checked_mul(1_000_000)?)?;
    }
    if !num.is_empty() {
        return None;
    }
    Some(total)
}

/// Matches `text` against a pattern where `*` is any run of characters.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// Whether directory `cwd` lies inside a directory matching `pattern` (path glob: `*` within a
/// component, `**` any number of components).
pub fn path_pattern_contains(pattern: &str, cwd: &str) -> bool {
    let pat: Vec<&str> = pattern
        .trim_end_matches('/')
        .split('/')
        .filter(|c| !c.is_empty())
        .collect();
    let dir: Vec<&str> = cwd.split('/').filter(|c| !c.is_empty()).collect();
    // a prefix of `dir` must match the whole pattern
    fn go(pat: &[&str], dir: &[&str]) -> bool {
        match pat.split_first() {
            None => true,
            Some((&"**", rest)) => (0..=dir.len()).any(|i| go(rest, &dir[i..])),
            Some((p, rest)) => match dir.split_first() {
                Some((d, drest)) => wildcard(p, d) && go(rest, drest),
                None => false,
            },
        }
    }
    go(&pat, &dir)
}

impl Config {
    /// Reads `--config FILE`, or `./costper.toml` when it exists, or nothing.
    pub fn discover(explicit: Option<&Path>) -> Result<Option<(PathBuf, Config)>> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = PathBuf::from(DEFAULT_FILE);
                if !p.is_file() {
                    return Ok(None);
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        let config = Config::parse(&text, &path)?;
        Ok(Some((path, config)))
    }

    /// Parses and validates a config file's text; `path` is named in errors and relative paths
    /// are resolved against its directory.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let mut c: Config = toml::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "config file {}: {}",
                path.display(),
                e.to_string().trim_end()
            )
        })?;
        let err = |key: &str, msg: String| -> anyhow::Error {
            anyhow::anyhow!("config file {}: `{key}`: {msg}", path.display())
        };
        if let Some(tz) = &c.tz
            && tz.parse::<chrono_tz::Tz>().is_err()
        {
            return Err(err(
                "tz",
                format!("`{tz}` is not an IANA time zone (e.g. UTC, Europe/Berlin)"),
            ));
        }
        for (key, v) in [
            ("attribution.lookback", &c.attribution.lookback),
            ("attribution.grace", &c.attribution.grace),
        ] {
            if parse_duration(v).is_none() {
                return Err(err(
                    key,
                    format!("`{v}` is not a duration; write e.g. `14d`, `36h`, `90m`"),
                ));
            }
        }
        for (i, r) in c.focus.include.iter().enumerate() {
            if *r == FocusRule::default() {
                return Err(err(
                    &format!("focus.include[{i}]"),
                    "a rule needs at least one of service, tag, resource, sub_account".into(),
                ));
            }
        }
        if let Some(p) = &c.check.period
            && !matches!(p.as_str(), "month" | "week" | "day")
        {
            return Err(err(
                "check.period",
                format!("`{p}` is not a period; use month, week or day"),
            ));
        }
        if let Some(s) = c.check.max_unattributed_share
            && !(0.0..=1.0).contains(&s)
        {
            return Err(err(
                "check.max_unattributed_share",
                format!("{s} is not a share between 0 and 1"),
            ));
        }
        for (i, p) in c.policies.iter().enumerate() {
            if p.allow.is_empty() {
                return Err(err(
                    &format!("policy[{i}].allow"),
                    "a policy needs the models it allows (patterns like `claude-haiku-*`)".into(),
                ));
            }
        }
        for (i, w) in c.workflows.iter().enumerate() {
            if w.name.trim().is_empty() {
                return Err(err(
                    &format!("workflow[{i}].name"),
                    "a workflow rule needs a name".into(),
                ));
            }
        }
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
        let resolve = |p: &mut PathBuf| {
            if let (Ok(rest), Some(h)) = (p.strip_prefix("~"), &home) {
                *p = Path::new(h).join(rest);
            } else if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        for (i, r) in c.repos.iter_mut().enumerate() {
            if r.path.as_os_str().is_empty() {
                return Err(err(
                    &format!("repo[{i}].path"),
                    "every [[repo]] needs a path".into(),
                ));
            }
            resolve(&mut r.path);
            r.prs.iter_mut().for_each(resolve);
        }
        c.sources.claude.iter_mut().for_each(resolve);
        c.sources.codex.iter_mut().for_each(resolve);
        // `KIND:FILE`: resolve the file part
        for e in c.sources.exports.iter_mut() {
            let t = e.to_string_lossy().into_owned();
            match t.split_once(':') {
                Some((k, rest)) if !k.contains('/') && k.len() > 1 => {
                    let mut p = PathBuf::from(rest);
                    resolve(&mut p);
                    *e = PathBuf::from(format!("{k}:{}", p.display()));
                }
                _ => resolve(e),
            }
        }
        if let Some(p) = c.prices.as_mut() {
            resolve(p);
        }
        if let Some(p) = c.archive.as_mut() {
            resolve(p);
        }
        Ok(c)
    }

    /// Lookback and grace in microseconds (validated by [`Config::parse`]).
    pub fn windows(&self) -> Result<(i64, i64)> {
        let l = parse_duration(&self.attribution.lookback);
        let g = parse_duration(&self.attribution.grace);
        match (l, g) {
            (Some(l), Some(g)) => Ok((l, g)),
            _ => bail!("attribution windows are not durations"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("14d"), Some(14 * 86_400_000_000));
        assert_eq!(parse_duration("1h"), Some(3_600_000_000));
        assert_eq!(parse_duration("1d12h"), Some(36 * 3_600_000_000));
        assert_eq!(parse_duration("0s"), Some(0));
        assert_eq!(parse_duration("14"), None);
        assert_eq!(parse_duration("2 days"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn wildcards_and_path_patterns() {
        assert!(wildcard("claude/*", "claude/fix-1"));
        assert!(wildcard("*", ""));
        assert!(wildcard("a*b*c", "axxbyyc"));
        assert!(!wildcard("a*b*c", "axxc"));
        assert!(!wildcard("ab*ba", "aba"));
        assert!(wildcard("exact", "exact"));
        assert!(path_pattern_contains(
            "/home/*/src/api",
            "/home/ana/src/api"
        ));
        assert!(path_pattern_contains(
            "/home/*/src/api",
            "/home/ana/src/api/crates/x"
        ));
        assert!(!path_pattern_contains(
            "/home/*/src/api",
            "/home/ana/src/apix"
        ));
        assert!(!path_pattern_contains(
            "/home/*/src/api",
            "/home/ana/x/src/api"
        ));
        assert!(path_pattern_contains(
            "/builds/**/api",
            "/builds/a/b/api/src"
        ));
        assert!(path_pattern_contains("/builds/**/api", "/builds/api"));
    }

    #[test]
    fn errors_name_the_file_and_key() {
        let p = Path::new("/etc/costper.toml");
        let e = Config::parse("[attribution]\nlookbak = \"1d\"\n", p).unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("/etc/costper.toml"), "{msg}");
        assert!(msg.contains("lookbak"), "{msg}");
        let e = Config::parse("[attribution]\ngrace = \"soon\"\n", p).unwrap_err();
        assert!(format!("{e:#}").contains("`attribution.grace`"), "{e:#}");
        let e = Config::parse("tz = \"Mars/Base\"\n", p).unwrap_err();
        assert!(format!("{e:#}").contains("`tz`"), "{e:#}");
        let e = Config::parse("[[workflow]]\nname = \"\"\n", p).unwrap_err();
        assert!(format!("{e:#}").contains("workflow[0].name"), "{e:#}");
        let e = Config::parse("[check]\nperiod = \"year\"\n", p).unwrap_err();
        assert!(format!("{e:#}").contains("check.period"), "{e:#}");
        let e = Config::parse("[check]\nbudget = \"lots\"\n", p).unwrap_err();
        assert!(format!("{e:#}").contains("budget"), "{e:#}");
        let c = Config::parse(
            "[check]\nbudget = \"1000.50\"\nmax_pr_cost = 25\nmax_cost_per_pr = 2.5\n",
            p,
        )
        .unwrap();
        assert_eq!(c.check.budget, Some(1_000_500_000_000));
        assert_eq!(c.check.max_pr_cost, Some(25_000_000_000));
        assert_eq!(c.check.max_cost_per_pr, Some(2_500_000_000));
        let e = Config::parse("[[focus.include]]\n", p).unwrap_err();
        assert!(format!("{e:#}").contains("focus.include[0]"), "{e:#}");
        let e = Config::parse("[[focus.include]]\nservise = \"x\"\n", p).unwrap_err();
        assert!(format!("{e:#}").contains("servise"), "{e:#}");
    }

    #[test]
    fn relative_paths_follow_the_file() {
        let c = Config::parse(
            "[[repo]]\npath = \"api\"\nprs = [\"api-prs.json\"]\npaths = [\"/home/*/api\"]\n",
            Path::new("/cfg/costper.toml"),
        )
        .unwrap();
        assert_eq!(c.repos[0].path, PathBuf::from("/cfg/api"));
        assert_eq!(c.repos[0].prs, vec![PathBuf::from("/cfg/api-prs.json")]);
        assert_eq!(c.windows().unwrap(), (14 * 86_400_000_000, 3_600_000_000));
    }
}
