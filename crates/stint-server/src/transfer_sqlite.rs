//! `stint-server export` / `import` on SQLite: an export reads every table in one read
//! transaction (one snapshot, while a server may keep writing), an import writes every row
//! in one immediate transaction, both in the shared form of `transfer_rows`.

use std::path::Path;

use anyhow::{Context, Result};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::rows::{self, Cell, Column, Kind, Source, Table, Target};

fn connect(path: &Path) -> Result<Connection> {
    // The server's open path made the file; this one does not create another.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// Runs `f` on the database at `path` in one read transaction.
pub(super) fn read<T>(path: &Path, f: impl FnOnce(&mut dyn Source) -> Result<T>) -> Result<T> {
    let mut conn = connect(path)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
    let out = f(&mut Side(&tx))?;
    tx.rollback()?;
    Ok(out)
}

/// Runs `f` on the database at `path` in one write transaction, committed if `f`
/// succeeds (else nothing is written).
pub(super) fn write<T>(path: &Path, f: impl FnOnce(&mut dyn Target) -> Result<T>) -> Result<T> {
    let mut conn = connect(path)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&mut Side(&tx))?;
    tx.commit().context("committing the import")?;
    Ok(out)
}

struct Side<'a>(&'a Connection);

/// The columns of `table`, told apart by their declared (STRICT) types and the table's
/// list of flags.
fn columns(conn: &Connection, table: &Table) -> Result<Vec<Column>> {
    let mut stmt = conn.prepare("SELECT name, upper(type) FROM pragma_table_info(?1)")?;
    let found = stmt
        .query_map([table.name], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut columns = Vec::new();
    for (name, declared) in found {
        let kind = match declared.as_str() {
            "TEXT" => Kind::Text,
            "INTEGER" if table.flags.contains(&name.as_str()) => Kind::Flag,
            "INTEGER" => Kind::Int,
            "BLOB" => Kind::Blob,
            other => anyhow::bail!(
                "{}.{name} is declared {other}, which the transfer does not know",
                table.name
            ),
        };
        columns.push(Column { name, kind });
    }
    rows::check_flags(table, &columns, "SQLite")?;
    Ok(columns)
}

fn cell(value: ValueRef<'_>, kind: Kind) -> std::result::Result<Cell, String> {
    match (value, kind) {
        (ValueRef::Null, _) => Ok(Cell::Null),
        (ValueRef::Text(t), Kind::Text) => std::str::from_utf8(t)
            .map(|s| Cell::Text(s.to_owned()))
            .map_err(|_| "holds text that is not UTF-8".to_owned()),
        (ValueRef::Integer(i), Kind::Int | Kind::Int32) => Ok(Cell::Int(i)),
        (ValueRef::Integer(i @ (0 | 1)), Kind::Flag) => Ok(Cell::Flag(i == 1)),
        (ValueRef::Blob(b), Kind::Blob) => Ok(Cell::Blob(b.to_vec())),
        (other, kind) => Err(format!(
            "holds {} where {kind:?} belongs",
            match other {
                ValueRef::Integer(i) => format!("the integer {i}"),
                other => format!("a value of type {}", other.data_type()),
            }
        )),
    }
}

impl Source for Side<'_> {
    fn engine(&self) -> &'static str {
        "sqlite"
    }

    fn table_names(&mut self) -> Result<Vec<String>> {
        let mut stmt = self.0.prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        )?;
        let names = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(names)
    }

    fn columns(&mut self, table: &Table) -> Result<Vec<Column>> {
        columns(self.0, table)
    }

    fn rows(
        &mut self,
        table: &Table,
        columns: &[Column],
        each: &mut dyn FnMut(Vec<Cell>) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.0.prepare(&rows::select(table, columns, "rowid"))?;
        let mut found = stmt.query([])?;
        while let Some(row) = found.next()? {
            let mut cells = Vec::with_capacity(columns.len());
            for (i, column) in columns.iter().enumerate() {
                let value = cell(row.get_ref(i)?, column.kind)
                    .map_err(|e| anyhow::anyhow!("a row of {}: {} {e}", table.name, column.name))?;
                cells.push(value);
            }
            each(cells)?;
        }
        Ok(())
    }

    fn feed_position(&mut self) -> Result<i64> {
        let last: Option<i64> = self.0.query_row(
            "SELECT max(seq) FROM sqlite_sequence WHERE name = 'changes'",
            [],
            |r| r.get(0),
        )?;
        Ok(last.unwrap_or(0))
    }
}

impl Target for Side<'_> {
    fn columns(&mut self, table: &Table) -> Result<Vec<Column>> {
        columns(self.0, table)
    }

    fn has_workspace(&mut self) -> Result<bool> {
        Ok(self
            .0
            .query_row("SELECT EXISTS (SELECT 1 FROM workspaces)", [], |r| r.get(0))?)
    }

    fn insert(&mut self, table: &Table, columns: &[&Column], cells: &[Cell]) -> Result<()> {
        let mut stmt = self.0.prepare_cached(&rows::insert(table, columns, '?'))?;
        let values = cells.iter().map(|c| match c {
            Cell::Null => SqlValue::Null,
            Cell::Text(s) => SqlValue::Text(s.clone()),
            Cell::Int(i) => SqlValue::Integer(*i),
            Cell::Flag(b) => SqlValue::Integer(i64::from(*b)),
            Cell::Blob(b) => SqlValue::Blob(b.clone()),
        });
        stmt.execute(rusqlite::params_from_iter(values))?;
        Ok(())
    }

    fn forget_changes(&mut self, at_least: i64) -> Result<()> {
        self.0.execute("DELETE FROM changes", [])?;
        // AUTOINCREMENT's mark is the log's position (see `sqlite_feed`).
        self.0.execute(
            "UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = 'changes'",
            [at_least],
        )?;
        self.0.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'changes', ?1
             WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'changes')",
            [at_least],
        )?;
        Ok(())
    }
}
