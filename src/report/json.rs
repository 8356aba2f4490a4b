//! JSON and NDJSON. A single table is a JSON array of row objects (NDJSON: one object per
//! line); sections are one object keyed by section name. Keys keep column order, money is a
//! JSON number in USD with exactly 9 decimals, timestamps are RFC 3339 UTC strings.

use std::io::{self, Write};

use super::{Col, Doc, Render, Section, Table, Value};

/// JSON (`lines: false`) or NDJSON (`lines: true`).
pub struct JsonRender {
    pub lines: bool,
}

fn string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Str(s) => string(s),
        Value::Int(n) => n.to_string(),
        Value::Usd(_) | Value::Share(_) | Value::Num(_) => v.machine_text(),
        Value::Bool(b) => b.to_string(),
        Value::Date(_) | Value::Ts(_) => string(&v.machine_text()),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(|s| string(s)).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

fn object(cols: &[Col], row: &[Value], indent: &str, compact: bool) -> String {
    let sep = if compact { ":" } else { ": " };
    let fields: Vec<String> = cols
        .iter()
        .zip(row)
        .map(|(c, v)| format!("{}{sep}{}", string(&c.name), value(v)))
        .collect();
    if compact {
        return format!("{{{}}}", fields.join(","));
    }
    if fields.is_empty() {
        return "{}".into();
    }
    let inner = format!("{indent}  ");
    format!(
        "{{\n{inner}{}\n{indent}}}",
        fields.join(&format!(",\n{inner}"))
    )
}

fn array(t: &Table, indent: &str, compact: bool) -> String {
    if compact {
        let rows: Vec<String> = t
            .rows
            .iter()
            .map(|r| object(&t.columns, r, "", true))
            .collect();
        return format!("[{}]", rows.join(","));
    }
    if t.rows.is_empty() {
        return "[]".into();
    }
    let inner = format!("{indent}  ");
    let rows: Vec<String> = t
        .rows
        .iter()
        .map(|r| format!("{inner}{}", object(&t.columns, r, &inner, false)))
        .collect();
    format!("[\n{}\n{indent}]", rows.join(",\n"))
}

fn section(s: &Section, indent: &str, compact: bool) -> String {
    match s {
        Section::Table(t) => array(t, indent, compact),
        Section::Fields(f) => {
            let (cols, vals): (Vec<Col>, Vec<Value>) = f.iter().cloned().unzip();
            object(&cols, &vals, indent, compact)
        }
    }
}

impl Render for JsonRender {
    fn render(&self, doc: &Doc, out: &mut dyn Write) -> io::Result<()> {
        match (doc, self.lines) {
            (Doc::Table(t), false) => writeln!(out, "{}", array(t, "", false)),
            (Doc::Table(t), true) => {
                for r in &t.rows {
                    writeln!(out, "{}", object(&t.columns, r, "", true))?;
                }
                Ok(())
            }
            (Doc::Sections(sections), false) => {
                let body: Vec<String> = sections
                    .iter()
                    .map(|(name, s)| format!("  {}: {}", string(name), section(s, "  ", false)))
                    .collect();
                writeln!(out, "{{\n{}\n}}", body.join(",\n"))
            }
            (Doc::Sections(sections), true) => {
                // NDJSON of a multi-part document: one line per section.
                for (name, s) in sections {
                    writeln!(
                        out,
                        "{{\"section\":{},\"data\":{}}}",
                        string(name),
                        section(s, "", true)
                    )?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{render, sample};
    use super::super::{Doc, Format};

    #[test]
    fn json_array_of_objects_with_exact_money() {
        let out = render(Format::Json, &Doc::Table(sample()));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["cost_usd"].to_string(), "1.234567891");
        assert_eq!(v[0]["day"], "2026-01-02");
        assert_eq!(v[1]["cost_usd"], serde_json::Value::Null);
        assert_eq!(v[1]["model"], "say \"hi\", ok");
        assert_eq!(v[0]["models"], serde_json::json!(["a", "b"]));
        assert!(out.contains("\"cost_usd\": 1.234567891"));
        assert_eq!(v.as_array().unwrap().len(), 2, "the total row is not data");
    }

    #[test]
    fn ndjson_one_object_per_line() {
        let out = render(Format::Ndjson, &Doc::Table(sample()));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        for l in lines {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert!(v.is_object());
        }
    }
}
