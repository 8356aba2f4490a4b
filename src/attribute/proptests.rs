//! Property tests of attribution over random usage, PRs and commit links: conservation
//! (every input nano-dollar and request in exactly one bucket), independence from the order
//! of the input rows and PRs, and the promises of each signal (an explicit tag names its PR,
//! a branch match lies in the PR's window on its head branch, a split never exceeds the
//! candidates).

use std::collections::BTreeMap;

use polars::prelude::*;
use proptest::prelude::*;

use super::*;

const HOUR: i64 = 3_600_000_000;
/// 2026-10-01T00:00:00Z in microseconds.
const BASE: i64 = 1_790_812_800_000_000;

const CWDS: &[Option<&str>] = &[
    Some("/w/a"),
    Some("/w/a/sub"),
    Some("/w/b"),
    Some("/home/x/b/y"),
    Some("/elsewhere"),
    None,
];
const REMOTES: &[Option<&str>] = &[None, None, Some("https://github.com/o/b.git")];
const TAGS: &[Option<&str>] = &[
    None,
    None,
    None,
    Some("pr:1"),
    Some("pr:2 repo:b"),
    Some("repo:a"),
    Some("team:x"),
    Some("pr:#3, repo:o/a"),
];
const BRANCHES: &[Option<&str>] = &[
    Some("f1"),
    Some("f2"),
    Some("f3"),
    Some("main"),
    Some("develop"),
    None,
];

fn sha(i: usize) -> String {
    format!("{i:02x}{}", "c".repeat(38))
}

#[derive(Debug, Clone)]
struct Row {
    cwd: usize,
    remote: usize,
    tags: usize,
    branch: usize,
    hour: i64,
    session: Option<u8>,
    cost: Option<i64>,
    requests: i64,
    aggregate: bool,
}

#[derive(Debug, Clone)]
struct GenPr {
    repo: usize,
    number: u64,
    state: u8,
    branch: usize,
    start: Option<i64>,
    hours: i64,
    shas: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Link {
    session: u8,
    hour: i64,
    sha: usize,
    short: bool,
    cwd: usize,
}

fn row() -> impl Strategy<Value = Row> {
    (
        (
            0..CWDS.len(),
            0..REMOTES.len(),
            0..TAGS.len(),
            0..BRANCHES.len(),
        ),
        (
            0i64..96,
            proptest::option::weighted(0.8, 0u8..5),
            proptest::option::weighted(0.9, -2_000_000_000i64..5_000_000_000_000),
            0i64..4,
            proptest::bool::weighted(0.05),
        ),
    )
        .prop_map(
            |((cwd, remote, tags, branch), (hour, session, cost, requests, aggregate))| Row {
                cwd,
                remote,
                tags,
                branch,
                hour,
                session,
                cost,
                requests,
                aggregate,
            },
        )
}

fn pr() -> impl Strategy<Value = GenPr> {
    (
        0usize..2,
        1u64..6,
        0u8..3,
        0..BRANCHES.len(),
        proptest::option::weighted(0.8, 0i64..72),
        0i64..30,
        proptest::collection::vec(0usize..10, 0..3),
    )
        .prop_map(|(repo, number, state, branch, start, hours, shas)| GenPr {
            repo,
            number,
            state,
            branch,
            start,
            hours,
            shas,
        })
}

fn link() -> impl Strategy<Value = Link> {
    (0u8..5, 0i64..96, 0usize..12, any::<bool>(), 0..CWDS.len()).prop_map(
        |(session, hour, sha, short, cwd)| Link {
            session,
            hour,
            sha,
            short,
            cwd,
        },
    )
}

fn repos() -> Vec<RepoSpec> {
    vec![
        RepoSpec {
            id: "o/a".into(),
            workdirs: vec!["/w/a".into()],
            patterns: vec![],
            remote: Some("o/a".into()),
            mainline: Some("main".into()),
        },
        RepoSpec {
            id: "o/b".into(),
            workdirs: vec!["/w/b".into()],
            patterns: vec!["/home/*/b".into()],
            remote: Some("o/b".into()),
            mainline: Some("main".into()),
        },
    ]
}

fn usage(rows: &[Row]) -> DataFrame {
    let s = |name: &str, f: &dyn Fn(&Row) -> Option<String>| {
        let v: Vec<Option<String>> = rows.iter().map(f).collect();
        strs(name, v.iter().map(|x| x.as_deref()))
    };
    let ts: Vec<Option<i64>> = rows.iter().map(|r| Some(BASE + r.hour * HOUR)).collect();
    let ts_end: Vec<Option<i64>> = rows
        .iter()
        .map(|r| r.aggregate.then_some(BASE + (r.hour + 24) * HOUR))
        .collect();
    let columns = vec![
        times("ts", ts.into_iter()),
        times("ts_end", ts_end.into_iter()),
        s("source", &|_| Some("claude_code".into())),
        s("model", &|_| Some("m".into())),
        s("session_id", &|r| {
            if r.aggregate {
                None
            } else {
                r.session.map(|x| format!("s{x}"))
            }
        }),
        s("cwd", &|r| CWDS[r.cwd].map(str::to_string)),
        s("branch", &|r| BRANCHES[r.branch].map(str::to_string)),
        s("git_remote", &|r| REMOTES[r.remote].map(str::to_string)),
        s("tags", &|r| TAGS[r.tags].map(str::to_string)),
        s("actor", &|_| None),
        s("api_key_id", &|_| None),
        s("workspace", &|_| None),
        s("project", &|_| None),
        s("entrypoint", &|_| None),
        s("workflow", &|_| Some("claude-code".into())),
        opt_ints("cost", rows.iter().map(|r| r.cost)),
        opt_ints("requests", rows.iter().map(|r| Some(r.requests))),
    ];
    DataFrame::new(rows.len(), columns).expect("usage frame")
}

fn outcomes(prs: &[GenPr]) -> Outcomes {
    let mut out = Outcomes::default();
    for p in prs {
        let repo = ["o/a", "o/b"][p.repo];
        let state = [PrState::Merged, PrState::Closed, PrState::Open][usize::from(p.state)];
        let start = p.start.map(|h| BASE + h * HOUR);
        let end = start.map(|s| s + p.hours * HOUR);
        let mut pr = crate::outcomes::blank_pr(&repo.into(), p.number);
        pr.state = state;
        pr.platform = "github";
        pr.head_branch = BRANCHES[p.branch].map(str::to_string);
        pr.base_branch = Some("main".into());
        pr.created_at = start;
        pr.merged_at = (state == PrState::Merged).then_some(end).flatten();
        pr.closed_at = (state != PrState::Open).then_some(end).flatten();
        pr.branch_shas = p.shas.iter().map(|&i| sha(i)).collect();
        out.prs.push(pr);
    }
    out
}

fn links(ls: &[Link]) -> Vec<CommitLink> {
    ls.iter()
        .enumerate()
        .map(|(i, l)| {
            let full = sha(l.sha);
            CommitLink {
                source: crate::ingest::SourceKind::ClaudeCode,
                session_id: format!("s{}", l.session).into(),
                ts: BASE + l.hour * HOUR,
                sha: if l.short { full[..7].to_string() } else { full },
                branch: "f1".into(),
                cwd: CWDS[l.cwd].map(Into::into),
                origin: crate::ingest::Origin {
                    file: 0,
                    line: i as u64,
                },
            }
        })
        .collect()
}

fn settings() -> Settings {
    Settings {
        lookback: 6 * HOUR,
        grace: HOUR,
        default_branches: vec![],
        workflows: vec![],
    }
}

/// A bucket without its row index: (repo, number, signal, reason, shares, cost, requests).
type Bucket = (
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
);

/// The buckets of each usage row, by row index.
fn buckets_by_row(a: &Attributed) -> BTreeMap<i64, Vec<Bucket>> {
    let b = &a.buckets;
    let get_s = |c: &str| b.column(c).expect(c).str().expect(c).clone();
    let get_i = |c: &str| {
        b.column(c)
            .expect(c)
            .cast(&DataType::Int64)
            .expect(c)
            .i64()
            .expect(c)
            .clone()
    };
    let (row, repo, number, signal, reason, shares, cost, requests) = (
        get_i("row"),
        get_s("repo"),
        get_i("number"),
        get_s("signal"),
        get_s("reason"),
        get_i("shares"),
        get_i("cost"),
        get_i("requests"),
    );
    let mut out: BTreeMap<i64, Vec<Bucket>> = BTreeMap::new();
    for i in 0..b.height() {
        out.entry(row.get(i).expect("row")).or_default().push((
            repo.get(i).map(str::to_string),
            number.get(i),
            signal.get(i).map(str::to_string),
            reason.get(i).map(str::to_string),
            shares.get(i).expect("shares"),
            cost.get(i),
            requests.get(i),
        ));
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

fn run(rows: &[Row], prs: &[GenPr], ls: &[Link]) -> Attributed {
    attribute(
        &usage(rows),
        &links(ls),
        &outcomes(prs),
        &repos(),
        &settings(),
    )
    .expect("attribute")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn conservation_order_independence_and_signal_promises(
        rows in proptest::collection::vec(row(), 0..40),
        prs in proptest::collection::vec(pr(), 0..10),
        ls in proptest::collection::vec(link(), 0..8),
        rot_rows in 0usize..40,
        rot_prs in 0usize..10,
    ) {
        // outcomes hold one record per (repo, number)
        let mut seen = std::collections::BTreeSet::new();
        let prs: Vec<GenPr> = prs.into_iter().filter(|p| seen.insert((p.repo, p.number))).collect();
        let a = run(&rows, &prs, &ls);
        prop_assert_eq!(check_conservation(&a).expect("check"), Ok(()));

        // every row has buckets that add up to it exactly
        let by_row = buckets_by_row(&a);
        prop_assert_eq!(by_row.len(), rows.len());
        let total_in: i64 = rows.iter().filter_map(|r| r.cost).sum();
        let total_out: i64 = by_row.values().flatten().filter_map(|b| b.5).sum();
        prop_assert_eq!(total_in, total_out);
        let o = outcomes(&prs);
        for (i, r) in rows.iter().enumerate() {
            let bs = &by_row[&(i as i64)];
            let attributed: Vec<&Bucket> = bs.iter().filter(|b| b.1.is_some()).collect();
            // either one unattributed bucket or one bucket per PR, all with the same share
            if attributed.is_empty() {
                prop_assert_eq!(bs.len(), 1);
                prop_assert!(bs[0].3.is_some(), "unattributed without reason: {:?}", bs);
            } else {
                prop_assert_eq!(attributed.len(), bs.len());
                prop_assert!(bs.iter().all(|b| b.4 == bs.len() as i64));
                let signals: std::collections::BTreeSet<_> = bs.iter().map(|b| b.2.clone()).collect();
                prop_assert_eq!(signals.len(), 1, "one signal per row: {:?}", bs);
            }
            let requests: i64 = bs.iter().filter_map(|b| b.6).sum();
            prop_assert_eq!(requests, r.requests);
            // billed spend without session detail that nothing claims
            if r.aggregate && attributed.is_empty() {
                prop_assert_eq!(bs[0].3.as_deref(), Some("aggregate_only"));
            }
            for b in &attributed {
                let pr = o
                    .prs
                    .iter()
                    .find(|p| Some(&*p.repo) == b.0.as_deref() && Some(p.number as i64) == b.1)
                    .expect("a bucket's PR exists");
                prop_assert_eq!(b.3.is_some(), pr.state == PrState::Closed);
                match b.2.as_deref() {
                    Some("explicit") => {
                        let tags = TAGS[r.tags].unwrap_or("");
                        let n = tag_refs(tags).1;
                        prop_assert_eq!(n, Some(pr.number as i64));
                    }
                    Some("branch") => {
                        prop_assert_eq!(BRANCHES[r.branch], pr.head_branch.as_deref());
                        let ts = BASE + r.hour * HOUR;
                        let s = settings();
                        if let Some(start) = pr.created_at {
                            prop_assert!(ts >= start - s.lookback);
                        }
                        let end = match pr.state {
                            PrState::Merged => pr.merged_at,
                            PrState::Closed => pr.closed_at,
                            PrState::Open => None,
                        };
                        if let Some(end) = end {
                            prop_assert!(ts <= end + s.grace);
                        }
                    }
                    Some("commit") => prop_assert!(r.session.is_some()),
                    other => prop_assert!(false, "unknown signal {:?}", other),
                }
            }
        }

        // the same rows and PRs in another order: the same buckets for each row
        let n = rows.len().max(1);
        let mut rows2 = rows.clone();
        rows2.rotate_left(rot_rows % n);
        rows2.reverse();
        let mut prs2 = prs.clone();
        prs2.rotate_left(rot_prs % prs.len().max(1));
        let mut ls2 = ls.clone();
        ls2.reverse();
        let b = run(&rows2, &prs2, &ls2);
        prop_assert_eq!(check_conservation(&b).expect("check"), Ok(()));
        let by_row2 = buckets_by_row(&b);
        // new row j is old row perm[j]
        let mut perm: Vec<usize> = (0..rows.len()).collect();
        perm.rotate_left(rot_rows % n);
        perm.reverse();
        for (j, &old) in perm.iter().enumerate() {
            prop_assert_eq!(
                &by_row2[&(j as i64)],
                &by_row[&(old as i64)],
                "row {} (was {}) differs after reordering the inputs", j, old
            );
        }
    }
}
