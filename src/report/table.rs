//! Terminal tables (comfy-table). Width-aware on a terminal; when output is not a terminal the
//! layout is fixed (no wrapping, no colour) so it is stable in files and tests.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table as Comfy, presets};

use super::{Doc, Render, Section, Table, Value};

pub struct TableRender {
    /// Output is a terminal: fit its width.
    pub tty: bool,
    /// Show detail columns.
    pub detail: bool,
}

/// `by_model` → `By model`, `ai_agents` → `AI agents`, `prs` → `PRs`.
pub fn section_title(name: &str) -> String {
    let words: Vec<String> = name
        .split('_')
        .enumerate()
        .map(|(i, w)| match w {
            "ai" => "AI".to_string(),
            "prs" => "PRs".to_string(),
            "pr" => "PR".to_string(),
            w if i == 0 => {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            }
            w => w.to_string(),
        })
        .collect();
    words.join(" ")
}

impl TableRender {
    fn comfy(&self) -> Comfy {
        let mut t = Comfy::new();
        t.load_style(presets::UTF8_FULL_CONDENSED);
        if self.tty {
            t.set_content_arrangement(ContentArrangement::Dynamic);
        } else {
            t.force_no_tty();
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
        t
    }

    fn table(&self, t: &Table, out: &mut dyn Write) -> io::Result<()> {
        if t.rows.is_empty() {
            writeln!(out, "(none)")?;
            for n in &t.notes {
                writeln!(out, "{n}")?;
            }
            return Ok(());
        }
        let visible = t.visible_columns(self.detail);
        let mut c = self.comfy();
        c.set_header(visible.iter().map(|&i| t.columns[i].title.clone()));
        for r in &t.rows {
            c.add_row(visible.iter().map(|&i| r[i].human_text()));
        }
        if let Some(total) = &t.total {
            c.add_row(visible.iter().map(|&i| match &total[i] {
                Value::Null => String::new(),
                v => v.human_text(),
            }));
        }
        for (pos, &i) in visible.iter().enumerate() {
            if t.is_numeric_column(i)
                && let Some(col) = c.column_mut(pos)
            {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        writeln!(out, "{c}")?;
        for n in &t.notes {
            writeln!(out, "{n}")?;
        }
        Ok(())
    }
}

impl Render for TableRender {
    fn render(&self, doc: &Doc, out: &mut dyn Write) -> io::Result<()> {
        match doc {
            Doc::Table(t) => self.table(t, out),
            Doc::Sections(sections) => {
                let shown = sections
                    .iter()
                    .filter(|(_, s)| !matches!(s, Section::Scalar(_) | Section::Data(_)));
                for (i, (name, s)) in shown.enumerate() {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "{}", section_title(name))?;
                    match s {
                        Section::Table(t) => self.table(t, out)?,
                        Section::Fields(f) => {
                            let mut c = self.comfy();
                            for (col, v) in f {
                                let align = if v.is_numeric() {
                                    CellAlignment::Right
                                } else {
                                    CellAlignment::Left
                                };
                                c.add_row(vec![
                                    Cell::new(&col.title),
                                    Cell::new(v.human_text()).set_alignment(align),
                                ]);
                            }
                            writeln!(out, "{c}")?;
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
    fn section_titles() {
        assert_eq!(super::section_title("by_model"), "By model");
        assert_eq!(super::section_title("ai_agents"), "AI agents");
        assert_eq!(super::section_title("prs"), "PRs");
    }

    #[test]
    fn table_is_stable_without_a_terminal() {
        let out = render(Format::Table, &Doc::Table(sample()));
        insta::assert_snapshot!(out, @r#"
        ┌────────────┬─────────────────┬───────────┬───────┬────────┐
        │ Day        ┆ Model           ┆     Input ┆  Cost ┆ Models │
        ╞════════════╪═════════════════╪═══════════╪═══════╪════════╡
        │ 2026-01-02 ┆ claude-opus-4-6 ┆ 1,234,567 ┆ $1.23 ┆ a, b   │
        │ 2026-01-03 ┆ say "hi", ok    ┆         0 ┆     — ┆        │
        │ Total      ┆                 ┆ 1,234,567 ┆ $1.23 ┆        │
        └────────────┴─────────────────┴───────────┴───────┴────────┘
        a note
        "#);
    }
}
