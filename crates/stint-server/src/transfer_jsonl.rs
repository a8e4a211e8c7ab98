//! `rows.jsonl` of `stint-server export` / `import`: every row of a [`Source`] written as
//! one line, table by table in the order of [`TABLES`], and the lines read back into a
//! [`Target`], each checked (its table, that table's place in the order, its columns and
//! the form of each value) with an error that names the line.

use std::io::{BufRead, Write};

use anyhow::{anyhow, ensure, Context, Result};

use super::pictures::Shot;
use super::rows::{self, Cell, Column, Source, Target, SKIPPED, TABLES};
use super::ROWS;

pub(super) type Counts = Vec<(&'static str, u64)>;

/// Every row of every table that moves, as lines of `out`; the counts, the screenshot
/// rows and the change log's position.
pub(super) fn write_rows(
    source: &mut dyn Source,
    out: &mut impl Write,
) -> Result<(&'static str, Counts, Vec<Shot>, i64)> {
    for name in source.table_names()? {
        ensure!(
            rows::find(&name).is_some() || SKIPPED.contains(&name.as_str()),
            "the database has a table {name} that this stint-server cannot move"
        );
    }
    let mut counts = Vec::new();
    let mut shots = Vec::new();
    for table in TABLES {
        let columns: Vec<Column> = source.columns(table)?;
        let mut count = 0;
        source.rows(table, &columns, &mut |cells| {
            writeln!(out, "{}", rows::row_line(table.name, &columns, &cells))
                .context("writing rows.jsonl")?;
            if table.name == "screenshots" {
                shots.push(Shot::new(
                    columns.iter().map(|c| c.name.as_str()).zip(&cells),
                )?);
            }
            count += 1;
            Ok(())
        })?;
        counts.push((table.name, count));
    }
    Ok((source.engine(), counts, shots, source.feed_position()?))
}

/// One line of `rows.jsonl`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    table: String,
    row: serde_json::Map<String, serde_json::Value>,
}

/// Inserts every line of `input`; the rows of each table, and the screenshot rows.
pub(super) fn load_rows(
    target: &mut dyn Target,
    input: impl BufRead,
) -> Result<(Counts, Vec<Shot>)> {
    let columns = TABLES
        .iter()
        .map(|t| target.columns(t))
        .collect::<Result<Vec<_>>>()?;
    let mut counts = vec![0; TABLES.len()];
    let mut shots = Vec::new();
    let mut last = 0;
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        let line = line.with_context(|| format!("reading {ROWS} line {n}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{ROWS} line {n}");
        let line: Line = serde_json::from_str(&line)
            .with_context(|| format!("{} is not a row of an export", at()))?;
        let (index, table) = rows::find(&line.table)
            .with_context(|| format!("{}: no table {:?} moves", at(), line.table))?;
        ensure!(
            index >= last,
            "{}: a row of {} after rows of {}: an export lists the tables in the order {}",
            at(),
            table.name,
            TABLES[last].name,
            TABLES.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
        );
        last = index;
        let mut chosen = Vec::with_capacity(line.row.len());
        let mut cells = Vec::with_capacity(line.row.len());
        for (name, value) in &line.row {
            let column = columns[index]
                .iter()
                .find(|c| &c.name == name)
                .with_context(|| format!("{}: {} has no column {name}", at(), table.name))?;
            let cell = Cell::from_json(value, column.kind)
                .map_err(|e| anyhow!("{}: {}.{name} {e}", at(), table.name))?;
            chosen.push(column);
            cells.push(cell);
        }
        target
            .insert(table, &chosen, &cells)
            .with_context(|| format!("{}: inserting a row of {}", at(), table.name))?;
        if table.name == "screenshots" {
            let names = chosen.iter().map(|c| c.name.as_str());
            shots.push(Shot::new(names.zip(&cells)).with_context(at)?);
        }
        counts[index] += 1;
    }
    let counts = TABLES.iter().map(|t| t.name).zip(counts).collect();
    Ok((counts, shots))
}
