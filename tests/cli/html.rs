//! The HTML report: one self-contained file whose numbers are the JSON report's, and which
//! renders in a browser. The browser check runs headless Chromium (Debian's `chromium`,
//! which `.ci/run` installs); without it that part is skipped with a message.

use std::path::Path;
use std::process::Command;

use crate::common::*;

/// `data-name="…" data-value="…"` pairs of the cells of the section `id`.
fn section_values(html: &str, id: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = start + html[start..].find("</section>").unwrap();
    let part = &html[start..end];
    let mut out = Vec::new();
    let mut rest = part;
    while let Some(i) = rest.find("data-name=\"") {
        rest = &rest[i + 11..];
        let name = &rest[..rest.find('"').unwrap()];
        let j = rest.find("data-value=\"").unwrap();
        let r2 = &rest[j + 12..];
        let value = &r2[..r2.find('"').unwrap()];
        out.push((
            name.to_string(),
            value.replace("&quot;", "\"").replace("&amp;", "&"),
        ));
        rest = r2;
    }
    out
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn check_against_json(html: &str, json: &serde_json::Value) {
    let summary = section_values(html, "summary");
    assert!(summary.len() > 15, "{summary:?}");
    for (name, value) in &summary {
        let j = &json["summary"][name];
        let text = match j {
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        // JSON prints the same exact decimals (money with 9 places)
        assert!(
            text == *value || (j.is_number() && j.as_f64() == value.parse::<f64>().ok()),
            "{name}: html {value} json {text}"
        );
    }
    let un = section_values(html, "unattributed");
    let costs: Vec<&str> = un
        .iter()
        .filter(|(n, _)| n == "cost_usd")
        .map(|(_, v)| v.as_str())
        .collect();
    let json_costs: Vec<f64> = json["unattributed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cost_usd"].as_f64().unwrap())
        .collect();
    assert_eq!(
        costs
            .iter()
            .map(|c| c.parse::<f64>().unwrap())
            .collect::<Vec<_>>(),
        json_costs
    );
}

#[test]
fn html_report_is_self_contained_and_equals_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    run(&["demo", "--format", "html", "-o", file.to_str().unwrap()]).ok();
    let html = std::fs::read_to_string(&file).unwrap();
    let json = run(&["demo", "--format", "json"]).ok().json();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "no script");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "nothing fetched"
    );
    assert_eq!(
        html.matches("<svg").count(),
        5,
        "spend per day, workflows, PRs, distribution, unattributed"
    );
    check_against_json(&html, &json);

    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED: no chromium on this machine; the headless render check needs it (CI installs it)"
        );
        return;
    };
    let dom = render(browser, &file, dir.path());
    assert!(dom.contains("<svg"), "the browser kept the charts");
    assert!(dom.contains("Spend per day by model"));
    check_against_json(&dom, &json);
}

/// The DOM headless Chromium builds from the file (offline: the page needs nothing else).
fn render(browser: &str, file: &Path, profile: &Path) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--proxy-server=127.0.0.1:9",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.join("chromium").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
