//! Markdown (GitHub-flavoured): pipe tables with right-aligned numbers, a bold total row,
//! notes as a list below; sections under `###` headings. Fit for `$GITHUB_STEP_SUMMARY`.

use std::io::{self, Write};

use super::{Doc, Render, Section, Table, Value};

pub struct MarkdownRender {
    /// Show detail columns.
    pub detail: bool,
}

fn cell(v: &Value) -> String {
    v.human_text().replace('|', "\\|").replace('\n', " ")
}

fn table(t: &Table, detail: bool, out: &mut dyn Write) -> io::Result<()> {
    if t.rows.is_empty() {
        writeln!(out, "_(none)_")?;
        for n in &t.notes {
            writeln!(out, "\n- {n}")?;
        }
        return Ok(());
    }
    let visible = t.visible_columns(detail);
    let titles: Vec<String> = visible
        .iter()
        .map(|&i| t.columns[i].title.replace('|', "\\|"))
        .collect();
    writeln!(out, "| {} |", titles.join(" | "))?;
    let aligns: Vec<&str> = visible
        .iter()
        .map(|&i| {
            if t.is_numeric_column(i) {
                "---:"
            } else {
                "---"
            }
        })
        .collect();
    writeln!(out, "|{}|", aligns.join("|"))?;
    for r in &t.rows {
        let cells: Vec<String> = visible.iter().map(|&i| cell(&r[i])).collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    if let Some(total) = &t.total {
        let cells: Vec<String> = visible
            .iter()
            .map(|&i| match &total[i] {
                Value::Null => String::new(),
                v => format!("**{}**", cell(v)),
            })
            .collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    if !t.notes.is_empty() {
        writeln!(out)?;
        for n in &t.notes {
            writeln!(out, "- {n}")?;
        }
    }
    Ok(())
}

impl Render for MarkdownRender {
    fn render(&self, doc: &Doc, out: &mut dyn Write) -> io::Result<()> {
        match doc {
            Doc::Table(t) => table(t, self.detail, out),
            Doc::Sections(sections) => {
                let shown = sections
                    .iter()
                    .filter(|(_, s)| !matches!(s, Section::Scalar(_) | Section::Data(_)));
                for (i, (name, s)) in shown.enumerate() {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "### {}\n", super::table::section_title(name))?;
                    match s {
                        Section::Table(t) => table(t, self.detail, out)?,
                        Section::Fields(f) => {
                            writeln!(out, "| | |\n|---|---:|")?;
                            for (c, v) in f {
                                writeln!(out, "| {} | {} |", c.title, cell(v))?;
                            }
                        }
                        Section::Scalar(_) | Section::Data(_) => {}
                    }
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
    fn markdown_pipe_table() {
        let out = render(Format::Markdown, &Doc::Table(sample()));
        assert_eq!(
            out,
            "| Day | Model | Input | Cost | Models |\n\
             |---|---|---:|---:|---|\n\
             | 2026-01-02 | claude-opus-4-6 | 1,234,567 | $1.23 | a, b |\n\
             | 2026-01-03 | say \"hi\", ok | 0 | — |  |\n\
             | **Total** |  | **1,234,567** | **$1.23** |  |\n\
             \n\
             - a note\n"
        );
    }
}
