//! JSON and NDJSON. A single table is a JSON array of row objects (NDJSON: one object per
//! line); sections are one object keyed by section name. Keys keep column order, money is a
//! JSON number in USD with exactly 9 decimals, timestamps are RFC 3339 UTC strings.

use std::io::{self, Write};

use super::{Col, Doc, Render, Section, Table, Value};

/// JSON (`lines: false`) or NDJSON (`lines: true`).
pub struct JsonRender {
    pub lines: bool,
}

// Everything is written straight to the (buffered) output: a report of tens of thousands of
// rows is tens of megabytes, and building it as strings first cost more than the work that
// produced it.

fn string(out: &mut dyn Write, s: &str) -> io::Result<()> {
    serde_json::to_writer(&mut *out, s).map_err(io::Error::from)
}

fn value(out: &mut dyn Write, v: &Value) -> io::Result<()> {
    match v {
        Value::Null => out.write_all(b"null"),
        Value::Str(s) => string(out, s),
        Value::Int(n) => write!(out, "{n}"),
        Value::Usd(_) | Value::Share(_) | Value::Num(_) => {
            out.write_all(v.machine_text().as_bytes())
        }
        Value::Bool(b) => write!(out, "{b}"),
        Value::Date(_) | Value::Ts(_) => string(out, &v.machine_text()),
        Value::List(items) => {
            out.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b", ")?;
                }
                string(out, item)?;
            }
            out.write_all(b"]")
        }
    }
}

fn object(
    out: &mut dyn Write,
    cols: &[Col],
    row: &[Value],
    indent: &str,
    compact: bool,
) -> io::Result<()> {
    if compact {
        out.write_all(b"{")?;
        for (i, (c, v)) in cols.iter().zip(row).enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            string(out, &c.name)?;
            out.write_all(b":")?;
            value(out, v)?;
        }
        return out.write_all(b"}");
    }
    if cols.is_empty() || row.is_empty() {
        return out.write_all(b"{}");
    }
    out.write_all(b"{")?;
    for (i, (c, v)) in cols.iter().zip(row).enumerate() {
        out.write_all(if i > 0 { b",\n" } else { b"\n" })?;
        write!(out, "{indent}  ")?;
        string(out, &c.name)?;
        out.write_all(b": ")?;
        value(out, v)?;
    }
    write!(out, "\n{indent}}}")
}

fn array(out: &mut dyn Write, t: &Table, indent: &str, compact: bool) -> io::Result<()> {
    if compact {
        out.write_all(b"[")?;
        for (i, r) in t.rows.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            object(out, &t.columns, r, "", true)?;
        }
        return out.write_all(b"]");
    }
    if t.rows.is_empty() {
        return out.write_all(b"[]");
    }
    let inner = format!("{indent}  ");
    out.write_all(b"[")?;
    for (i, r) in t.rows.iter().enumerate() {
        out.write_all(if i > 0 { b",\n" } else { b"\n" })?;
        out.write_all(inner.as_bytes())?;
        object(out, &t.columns, r, &inner, false)?;
    }
    write!(out, "\n{indent}]")
}

fn section(out: &mut dyn Write, s: &Section, indent: &str, compact: bool) -> io::Result<()> {
    match s {
        Section::Table(t) | Section::Data(t) => array(out, t, indent, compact),
        Section::Fields(f) => {
            let (cols, vals): (Vec<Col>, Vec<Value>) = f.iter().cloned().unzip();
            object(out, &cols, &vals, indent, compact)
        }
        Section::Scalar(v) => value(out, v),
    }
}

impl Render for JsonRender {
    fn render(&self, doc: &Doc, out: &mut dyn Write) -> io::Result<()> {
        match (doc, self.lines) {
            (Doc::Table(t), false) => {
                array(out, t, "", false)?;
                out.write_all(b"\n")
            }
            (Doc::Table(t), true) => {
                for r in &t.rows {
                    object(out, &t.columns, r, "", true)?;
                    out.write_all(b"\n")?;
                }
                Ok(())
            }
            (Doc::Sections(sections), false) if sections.is_empty() => out.write_all(b"{\n\n}\n"),
            (Doc::Sections(sections), false) => {
                out.write_all(b"{")?;
                for (i, (name, s)) in sections.iter().enumerate() {
                    out.write_all(if i > 0 { b",\n  " } else { b"\n  " })?;
                    string(out, name)?;
                    out.write_all(b": ")?;
                    section(out, s, "  ", false)?;
                }
                out.write_all(b"\n}\n")
            }
            (Doc::Sections(sections), true) => {
                // NDJSON of a multi-part document: one line per section.
                for (name, s) in sections {
                    out.write_all(b"{\"section\":")?;
                    string(out, name)?;
                    out.write_all(b",\"data\":")?;
                    section(out, s, "", true)?;
                    out.write_all(b"}\n")?;
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
