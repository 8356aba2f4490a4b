//! CSV: one header row of stable column names, then the rows. Only single tables can be CSV.

use std::io::{self, Write};

use super::{Doc, Render};

pub struct CsvRender;

impl Render for CsvRender {
    fn render(&self, doc: &Doc, out: &mut dyn Write) -> io::Result<()> {
        let Doc::Table(t) = doc else {
            return Err(io::Error::other(
                "CSV holds a single table; choose one with --by, or use --format json",
            ));
        };
        let mut w = csv::Writer::from_writer(out);
        w.write_record(t.columns.iter().map(|c| c.name.as_str()))?;
        for row in &t.rows {
            w.write_record(row.iter().map(|v| v.machine_text()))?;
        }
        w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{render, sample};
    use super::super::{Doc, Format};

    #[test]
    fn csv_quotes_and_keeps_exact_money() {
        let out = render(Format::Csv, &Doc::Table(sample()));
        assert_eq!(
            out,
            "day,model,input_tokens,cost_usd,models\n\
             2026-01-02,claude-opus-4-6,1234567,1.234567891,\"a, b\"\n\
             2026-01-03,\"say \"\"hi\"\", ok\",0,,\n"
        );
    }
}
