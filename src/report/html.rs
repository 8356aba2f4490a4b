//! HTML: one self-contained file (inline CSS and SVG, no script, nothing fetched at view
//! time) with the document's sections as tables and, for the report, charts drawn as SVG
//! here: spend over time by model (`daily`), the cost-per-PR distribution
//! (`pr_distribution`), top PRs (`prs`), spend by workflow (`by_workflow`) and unattributed
//! spend by reason (`unattributed`). Every cell carries its machine value (`data-value`,
//! money as exact USD), so the page's numbers can be checked against the JSON report's.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{Doc, Render, Section, Table, Value};

pub struct HtmlRender {
    /// Show detail columns.
    pub detail: bool,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const PALETTE: &[&str] = &[
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

const CSS: &str = "body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}\
h1{font-size:22px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}\
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}\
th{background:#f6f6f6}td.n{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:600;border-top:2px solid #ccc}\
.notes{color:#666;font-size:12px}.chart{margin:8px 0 16px}.legend span{display:inline-block;margin-right:12px;font-size:12px}\
.wrap{overflow-x:auto}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}svg text{font:11px system-ui,sans-serif;fill:#333}";

fn usd_short(nano: i64) -> String {
    Value::Usd(nano).human_text()
}

fn col_index(t: &Table, name: &str) -> Option<usize> {
    t.columns.iter().position(|c| c.name == name)
}

fn usd_of(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::Usd(n)) => *n,
        _ => 0,
    }
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::Null) | None => "—".into(),
        Some(v) => v.human_text(),
    }
}

/// Horizontal bars, one per (label, nano-USD).
fn bars(title: &str, items: &[(String, i64)], out: &mut dyn Write) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let max = items.iter().map(|i| i.1.max(0)).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (260.0, 520.0, 22.0);
    let h = row_h * items.len() as f64 + 8.0;
    writeln!(
        out,
        "<figure class=\"chart\"><figcaption>{}</figcaption><svg role=\"img\" width=\"{}\" height=\"{h}\" viewBox=\"0 0 {} {h}\">",
        esc(title),
        label_w + bar_w + 90.0,
        label_w + bar_w + 90.0
    )?;
    for (i, (label, v)) in items.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let w = (v.max(&0) * 1000 / max) as f64 / 1000.0 * bar_w;
        let short: String = label.chars().take(40).collect();
        writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{}\"><title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{}\">{}</text>",
            label_w - 6.0,
            y + 14.0,
            esc(&short),
            row_h - 6.0,
            PALETTE[0],
            esc(label),
            usd_short(*v),
            label_w + w + 4.0,
            y + 14.0,
            usd_short(*v)
        )?;
    }
    writeln!(out, "</svg></figure>")
}

/// Spend per day, stacked by model.
fn stacked_days(t: &Table, out: &mut dyn Write) -> io::Result<()> {
    let (Some(d), Some(m), Some(c)) = (
        col_index(t, "day"),
        col_index(t, "model"),
        col_index(t, "cost_usd"),
    ) else {
        return Ok(());
    };
    let mut days: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for r in &t.rows {
        let day = text_of(r.get(d));
        let model = text_of(r.get(m));
        let v = usd_of(r.get(c));
        days.entry(day).or_default().push((model.clone(), v));
        *totals.entry(model).or_default() += v;
    }
    if days.is_empty() {
        return Ok(());
    }
    // models by total spend: colours stay stable within the page
    let mut models: Vec<(String, i64)> = totals.into_iter().collect();
    models.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let colour = |model: &str| {
        let i = models.iter().position(|(m, _)| m == model).unwrap_or(0);
        PALETTE[i % PALETTE.len()]
    };
    let max = days
        .values()
        .map(|v| v.iter().map(|x| x.1.max(0)).sum::<i64>())
        .max()
        .unwrap_or(1)
        .max(1);
    let (w, h, left, bottom) = (900.0, 240.0, 60.0, 40.0);
    let step = (w - left) / days.len() as f64;
    let bar = (step * 0.7).max(2.0);
    writeln!(
        out,
        "<figure class=\"chart\"><figcaption>Spend per day by model</figcaption><svg role=\"img\" width=\"{w}\" height=\"{}\" viewBox=\"0 0 {w} {}\">",
        h + bottom,
        h + bottom
    )?;
    writeln!(
        out,
        "<text x=\"{}\" y=\"12\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{h}\" text-anchor=\"end\">$0</text>",
        left - 6.0,
        usd_short(max),
        left - 6.0
    )?;
    for (i, (day, parts)) in days.iter().enumerate() {
        let x = left + step * i as f64;
        let mut y = h;
        for (model, v) in parts {
            let bh = (v.max(&0) * 10_000 / max) as f64 / 10_000.0 * (h - 16.0);
            y -= bh;
            writeln!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{} {}: {}</title></rect>",
                colour(model),
                esc(day),
                esc(model),
                usd_short(*v)
            )?;
        }
        if days.len() <= 31 || i % (days.len() / 15 + 1) == 0 {
            writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                h + 16.0,
                esc(day.get(5..).unwrap_or(day))
            )?;
        }
    }
    writeln!(out, "</svg><div class=\"legend\">")?;
    for (m, total) in &models {
        writeln!(
            out,
            "<span><i style=\"background:{}\"></i>{} {}</span>",
            colour(m),
            esc(m),
            usd_short(*total)
        )?;
    }
    writeln!(out, "</div></figure>")
}

/// Charts for the report's sections that have one.
fn chart(name: &str, t: &Table, out: &mut dyn Write) -> io::Result<()> {
    let pairs = |label: &str, value: &str| -> Vec<(String, i64)> {
        let (Some(l), Some(v)) = (col_index(t, label), col_index(t, value)) else {
            return Vec::new();
        };
        t.rows
            .iter()
            .map(|r| (text_of(r.get(l)), usd_of(r.get(v))))
            .collect()
    };
    match name {
        "daily" => stacked_days(t, out),
        "by_workflow" => bars("Spend by workflow", &pairs("workflow", "cost_usd"), out),
        "unattributed" => bars(
            "Unattributed spend by reason",
            &pairs("reason", "cost_usd"),
            out,
        ),
        "prs" => {
            let (Some(r), Some(n), Some(c)) = (
                col_index(t, "repo"),
                col_index(t, "number"),
                col_index(t, "cost_usd"),
            ) else {
                return Ok(());
            };
            let items: Vec<(String, i64)> = t
                .rows
                .iter()
                .map(|row| {
                    (
                        format!("{}#{}", text_of(row.get(r)), text_of(row.get(n))),
                        usd_of(row.get(c)),
                    )
                })
                .collect();
            bars("Most expensive PRs", &items, out)
        }
        "pr_distribution" => {
            let (Some(b), Some(p)) = (col_index(t, "bucket"), col_index(t, "prs")) else {
                return Ok(());
            };
            let max = t
                .rows
                .iter()
                .map(|r| match r.get(p) {
                    Some(Value::Int(n)) => *n,
                    _ => 0,
                })
                .max()
                .unwrap_or(0)
                .max(1);
            let (w, h) = (700.0, 180.0);
            let step = w / t.rows.len().max(1) as f64;
            writeln!(
                out,
                "<figure class=\"chart\"><figcaption>Merged PRs by cost</figcaption><svg role=\"img\" width=\"{w}\" height=\"{}\" viewBox=\"0 0 {w} {}\">",
                h + 36.0,
                h + 36.0
            )?;
            for (i, r) in t.rows.iter().enumerate() {
                let n = match r.get(p) {
                    Some(Value::Int(n)) => *n,
                    _ => 0,
                };
                let bh = n as f64 / max as f64 * (h - 16.0);
                let x = step * i as f64 + 4.0;
                writeln!(
                    out,
                    "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{}: {n} PR(s)</title></rect><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text><text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    h - bh,
                    step - 8.0,
                    PALETTE[1],
                    esc(&text_of(r.get(b))),
                    x + (step - 8.0) / 2.0,
                    h - bh - 3.0,
                    x + (step - 8.0) / 2.0,
                    h + 16.0,
                    esc(&text_of(r.get(b)))
                )?;
            }
            writeln!(out, "</svg></figure>")
        }
        _ => Ok(()),
    }
}

fn cell(tag: &str, name: &str, v: &Value, out: &mut dyn Write) -> io::Result<()> {
    let class = if v.is_numeric() { " class=\"n\"" } else { "" };
    write!(
        out,
        "<{tag}{class} data-name=\"{}\" data-value=\"{}\">{}</{tag}>",
        esc(name),
        esc(&v.machine_text()),
        esc(&v.human_text())
    )
}

fn table(t: &Table, detail: bool, out: &mut dyn Write) -> io::Result<()> {
    if t.rows.is_empty() {
        writeln!(out, "<p class=\"notes\">(none)</p>")?;
    } else {
        let visible = t.visible_columns(detail);
        write!(out, "<div class=\"wrap\"><table><thead><tr>")?;
        for &i in &visible {
            write!(out, "<th>{}</th>", esc(&t.columns[i].title))?;
        }
        writeln!(out, "</tr></thead><tbody>")?;
        for r in &t.rows {
            write!(out, "<tr>")?;
            for &i in &visible {
                cell("td", &t.columns[i].name, &r[i], out)?;
            }
            writeln!(out, "</tr>")?;
        }
        if let Some(total) = &t.total {
            write!(out, "<tr class=\"total\">")?;
            for &i in &visible {
                cell("td", &t.columns[i].name, &total[i], out)?;
            }
            writeln!(out, "</tr>")?;
        }
        writeln!(out, "</tbody></table></div>")?;
    }
    for n in &t.notes {
        writeln!(out, "<p class=\"notes\">{}</p>", esc(n))?;
    }
    Ok(())
}

/// Opens a section: its anchor, its heading, then `then`.
fn heading(name: &str, then: &str, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<section id=\"{}\"><h2>{}</h2>{then}",
        esc(name),
        esc(&super::table::section_title(name))
    )
}

impl Render for HtmlRender {
    fn render(&self, doc: &Doc, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>costper report</title><style>{CSS}</style></head><body>\n<h1>What did our AI spend buy?</h1>"
        )?;
        match doc {
            Doc::Table(t) => table(t, self.detail, out)?,
            Doc::Sections(sections) => {
                for (name, s) in sections {
                    match s {
                        Section::Scalar(v) => {
                            writeln!(
                                out,
                                "<meta name=\"costper:{}\" content=\"{}\">",
                                esc(name),
                                esc(&v.machine_text())
                            )?;
                        }
                        Section::Data(t) => {
                            heading(name, "", out)?;
                            chart(name, t, out)?;
                            writeln!(out, "<details><summary>Data</summary>")?;
                            table(t, self.detail, out)?;
                            writeln!(out, "</details></section>")?;
                        }
                        Section::Table(t) => {
                            heading(name, "", out)?;
                            chart(name, t, out)?;
                            table(t, self.detail, out)?;
                            writeln!(out, "</section>")?;
                        }
                        Section::Fields(f) => {
                            heading(name, "<table><tbody>", out)?;
                            for (c, v) in f {
                                write!(out, "<tr><th>{}</th>", esc(&c.title))?;
                                cell("td", &c.name, v, out)?;
                                writeln!(out, "</tr>")?;
                            }
                            writeln!(out, "</tbody></table></section>")?;
                        }
                    }
                }
            }
        }
        writeln!(
            out,
            "<p class=\"notes\">Made by costper. Money in USD; each cell's exact value is in its data-value attribute.</p></body></html>"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{render, sample};
    use super::super::{Doc, Format};

    #[test]
    fn self_contained_with_exact_values() {
        let html = render(Format::Html, &Doc::Table(sample()));
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("data-value=\"1.234567891\""), "{html}");
        assert!(html.contains("say &quot;hi&quot;, ok"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(!html.contains("<script"));
    }
}
