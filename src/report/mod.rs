//! Report output. Commands build a [`Doc`] — one [`Table`] for single-table views, or named
//! sections for multi-part reports — out of typed [`Value`]s; each output format is one
//! [`Render`] implementation, so every format shows the same numbers. Money travels as
//! integer nano-USD until a renderer formats it: JSON/CSV/NDJSON print USD with exactly 9
//! decimals (the exact value), table and Markdown round to cents for reading.
//!
//! polars stays in [`frame`]; renderers only see plain values.

pub mod csv;
pub mod frame;
pub mod html;
pub mod json;
pub mod markdown;
pub mod table;

use std::io::{self, Write};

use chrono::{DateTime, NaiveDate, SecondsFormat};

use crate::money;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Ndjson,
    Markdown,
    Html,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Str(String),
    Int(i64),
    /// nano-USD.
    Usd(i64),
    /// A decimal number already formatted (e.g. a price per million tokens).
    Num(String),
    /// A ratio 0..=1 (shown as a percentage in tables).
    Share(f64),
    Bool(bool),
    Date(NaiveDate),
    /// Microseconds since the epoch, UTC.
    Ts(i64),
    List(Vec<String>),
}

impl Value {
    pub fn opt_str(s: Option<&str>) -> Value {
        s.map_or(Value::Null, |s| Value::Str(s.to_string()))
    }

    pub fn int(n: u64) -> Value {
        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    pub fn opt_ts(t: Option<i64>) -> Value {
        t.map_or(Value::Null, Value::Ts)
    }

    /// nano-USD, or null when unknown.
    pub fn opt_usd(n: Option<i64>) -> Value {
        n.map_or(Value::Null, Value::Usd)
    }

    /// Machine text: the same in CSV and (for non-numbers) JSON.
    pub fn machine_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Str(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::Usd(n) => money::format_usd(*n, 9),
            Value::Num(s) => s.clone(),
            Value::Share(f) => format!("{f:.6}"),
            Value::Bool(b) => b.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Ts(t) => format_ts(*t),
            Value::List(v) => v.join(", "),
        }
    }

    /// Human text for tables and Markdown.
    pub fn human_text(&self) -> String {
        match self {
            Value::Null => "—".into(),
            Value::Int(n) => {
                let s = n.unsigned_abs().to_string();
                let g = money::group_thousands(&s);
                if *n < 0 { format!("-{g}") } else { g }
            }
            Value::Usd(n) => money::format_usd_human(*n, 2),
            Value::Share(f) => format!("{:.1}%", f * 100.0),
            Value::Ts(t) => DateTime::from_timestamp_micros(*t)
                .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
            other => other.machine_text(),
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Value::Int(_) | Value::Usd(_) | Value::Num(_) | Value::Share(_)
        )
    }
}

/// The calendar day of an instant (microseconds, UTC) in an IANA time zone.
pub fn local_day(micros: i64, tz: &str) -> Option<NaiveDate> {
    let tz: chrono_tz::Tz = tz.parse().ok()?;
    DateTime::from_timestamp_micros(micros).map(|t| t.with_timezone(&tz).date_naive())
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-02-02T21:55:18.284Z`.
pub fn format_ts(micros: i64) -> String {
    DateTime::from_timestamp_micros(micros)
        .map(|d| d.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// A column: stable snake_case `name` (JSON/CSV), human `title` (table/Markdown).
/// An `optional` column is left out of human formats when no row has a value in it (null, zero,
/// false or empty in every row); a `detail`
/// column is shown in human formats only with `-v`. Machine formats always carry every
/// column, so their schema never changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Col {
    pub name: String,
    pub title: String,
    pub optional: bool,
    pub detail: bool,
}

impl Col {
    pub fn new(name: &str, title: &str) -> Self {
        Col {
            name: name.into(),
            title: title.into(),
            optional: false,
            detail: false,
        }
    }

    /// A column shown in tables and Markdown only with `-v`.
    pub fn detail(name: &str, title: &str) -> Self {
        Col {
            detail: true,
            ..Col::new(name, title)
        }
    }

    /// A column hidden in tables and Markdown when it is empty or all zero.
    pub fn optional(name: &str, title: &str) -> Self {
        Col {
            optional: true,
            ..Col::new(name, title)
        }
    }
}

impl Table {
    /// A table of `rows` under `columns`, with no total row and no notes.
    pub fn new(columns: Vec<Col>, rows: Vec<Vec<Value>>) -> Table {
        Table {
            columns,
            rows,
            total: None,
            notes: Vec::new(),
        }
    }

    /// A table from column-major values (one `Vec` per column, all of the table's height).
    pub fn from_columns(columns: Vec<Col>, values: Vec<Vec<Value>>) -> Table {
        let height = values.first().map_or(0, Vec::len);
        let rows = (0..height)
            .map(|i| values.iter().map(|c| c[i].clone()).collect())
            .collect();
        Table::new(columns, rows)
    }

    /// Indexes of the columns a human format shows (`detail`: also the detail columns).
    pub fn visible_columns(&self, detail: bool) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&i| detail || !self.columns[i].detail)
            .filter(|&i| {
                !self.columns[i].optional
                    || self.rows.iter().any(|r| {
                        !matches!(
                            &r[i],
                            Value::Null | Value::Int(0) | Value::Usd(0) | Value::Bool(false)
                        ) && !matches!(&r[i], Value::List(v) if v.is_empty())
                    })
            })
            .collect()
    }

    /// Whether column `i` holds numbers (decides right alignment).
    pub fn is_numeric_column(&self, i: usize) -> bool {
        self.rows
            .iter()
            .chain(self.total.iter())
            .map(|r| &r[i])
            .find(|v| !matches!(v, Value::Null))
            .is_some_and(Value::is_numeric)
    }
}

/// A table of rows, with an optional total row (shown by table/Markdown only; JSON/CSV
/// consumers sum the rows themselves) and notes (shown under tables, sent to stderr for
/// machine formats).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<Col>,
    pub rows: Vec<Vec<Value>>,
    pub total: Option<Vec<Value>>,
    pub notes: Vec<String>,
}

/// What a command outputs.
#[derive(Debug, Clone, PartialEq)]
pub enum Doc {
    /// A single table: a JSON array of row objects, one CSV.
    Table(Table),
    /// Named sections: a JSON object keyed by section name; not representable as one CSV.
    Sections(Vec<(String, Section)>),
}

/// A section of a multi-part document.
#[derive(Debug, Clone, PartialEq)]
pub enum Section {
    Table(Table),
    /// Key/value pairs: a JSON object.
    Fields(Vec<(Col, Value)>),
    /// A single value (e.g. `schema_version`): machine formats only; tables and Markdown
    /// leave it out.
    Scalar(Value),
    /// A table of chart data (e.g. spend per day and model): JSON and HTML (as a chart with
    /// its table folded away); tables and Markdown leave it out.
    Data(Table),
}

/// A renderer for one output format.
pub trait Render {
    fn render(&self, doc: &Doc, out: &mut dyn Write) -> io::Result<()>;
}

/// The renderer of a format. `tty`: output goes to a terminal (tables then fit its width);
/// `detail`: human formats also show detail columns.
pub fn renderer(format: Format, tty: bool, detail: bool) -> Box<dyn Render> {
    match format {
        Format::Table => Box::new(table::TableRender { tty, detail }),
        Format::Json => Box::new(json::JsonRender { lines: false }),
        Format::Ndjson => Box::new(json::JsonRender { lines: true }),
        Format::Csv => Box::new(csv::CsvRender),
        Format::Markdown => Box::new(markdown::MarkdownRender { detail }),
        Format::Html => Box::new(html::HtmlRender { detail }),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> Table {
        Table {
            columns: vec![
                Col::new("day", "Day"),
                Col::new("model", "Model"),
                Col::new("input_tokens", "Input"),
                Col::new("cost_usd", "Cost"),
                Col::new("models", "Models"),
            ],
            rows: vec![
                vec![
                    Value::Date(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()),
                    Value::Str("claude-opus-4-6".into()),
                    Value::Int(1234567),
                    Value::Usd(1_234_567_891),
                    Value::List(vec!["a".into(), "b".into()]),
                ],
                vec![
                    Value::Date(NaiveDate::from_ymd_opt(2026, 1, 3).unwrap()),
                    Value::Str("say \"hi\", ok".into()),
                    Value::Int(0),
                    Value::Null,
                    Value::List(vec![]),
                ],
            ],
            total: Some(vec![
                Value::Str("Total".into()),
                Value::Null,
                Value::Int(1234567),
                Value::Usd(1_234_567_891),
                Value::Null,
            ]),
            notes: vec!["a note".into()],
        }
    }

    pub fn render(format: Format, doc: &Doc) -> String {
        let mut buf = Vec::new();
        renderer(format, false, false)
            .render(doc, &mut buf)
            .unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn values_format_for_machines_and_humans() {
        assert_eq!(Value::Usd(81_759_000).machine_text(), "0.081759000");
        assert_eq!(Value::Usd(81_759_000).human_text(), "$0.08");
        assert_eq!(Value::Int(-1234567).human_text(), "-1,234,567");
        assert_eq!(
            Value::Ts(1_770_069_318_284_000).machine_text(),
            "2026-02-02T21:55:18.284Z"
        );
        assert_eq!(Value::Share(0.1234).human_text(), "12.3%");
    }
}
