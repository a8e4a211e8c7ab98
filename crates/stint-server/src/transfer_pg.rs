//! `stint-server export` / `import` on PostgreSQL: an export reads every table on one
//! repeatable-read snapshot (while servers may keep writing), an import writes every row in
//! one transaction that holds the servers' write lock, both in the shared form of
//! `transfer_rows`. What each column holds is read from `information_schema`; its
//! booleans must be the flags the transfer lists, and the identity column (`audit_log.seq`)
//! is left to the database, which numbers the rows in the order they are inserted.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{IsolationLevel, NoTls, Row, Statement, Transaction};

use super::rows::{self, Cell, Column, Kind, Source, Table, Target};

fn connect(address: &str) -> Result<postgres::Client> {
    let mut config: postgres::Config = address
        .parse()
        .context("the database address is not valid")?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.application_name(&format!("stint-server-transfer:{}", std::process::id()));
    // The client's errors never hold the password.
    config
        .connect(NoTls)
        .context("cannot reach the PostgreSQL database")
}

/// Runs `f` on the database at `address` on one read-only snapshot.
pub(super) fn read<T>(address: &str, f: impl FnOnce(&mut dyn Source) -> Result<T>) -> Result<T> {
    let mut client = connect(address)?;
    let mut tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let out = f(&mut Side::new(&mut tx))?;
    tx.rollback()?;
    Ok(out)
}

/// Runs `f` on the database at `address` in one transaction, committed if `f` succeeds
/// (else nothing is written). It holds the advisory lock every server's writes take, so
/// no server writes in between.
pub(super) fn write<T>(address: &str, f: impl FnOnce(&mut dyn Target) -> Result<T>) -> Result<T> {
    let mut client = connect(address)?;
    let mut tx = client.transaction()?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&crate::storage::PG_WRITE_LOCK],
    )?;
    let out = f(&mut Side::new(&mut tx))?;
    tx.commit().context("committing the import")?;
    Ok(out)
}

struct Side<'a, 'b> {
    tx: &'a mut Transaction<'b>,
    /// Prepared inserts by their SQL.
    inserts: HashMap<String, Statement>,
}

impl<'a, 'b> Side<'a, 'b> {
    fn new(tx: &'a mut Transaction<'b>) -> Side<'a, 'b> {
        Side {
            tx,
            inserts: HashMap::new(),
        }
    }

    /// The columns of `table` as `information_schema` describes them.
    fn table_columns(&mut self, table: &Table) -> Result<Vec<Column>> {
        let found = self.tx.query(
            "SELECT column_name::text, data_type::text, is_identity::text
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1
             ORDER BY ordinal_position",
            &[&table.name],
        )?;
        let mut columns = Vec::new();
        for row in found {
            let (name, data_type, identity): (String, String, String) =
                (row.get(0), row.get(1), row.get(2));
            if identity == "YES" {
                continue;
            }
            let kind = match data_type.as_str() {
                "text" => Kind::Text,
                "bigint" => Kind::Int,
                "integer" => Kind::Int32,
                "bytea" => Kind::Blob,
                "boolean" => {
                    anyhow::ensure!(
                        table.flags.contains(&name.as_str()),
                        "{}.{name} is a boolean on PostgreSQL but not among the transfer's \
                         flags: the transfer must learn it (SQLite keeps it as 0/1)",
                        table.name
                    );
                    Kind::Flag
                }
                other => anyhow::bail!(
                    "{}.{name} is of type {other}, which the transfer does not know",
                    table.name
                ),
            };
            columns.push(Column { name, kind });
        }
        rows::check_flags(table, &columns, "PostgreSQL")?;
        Ok(columns)
    }
}

fn cell(row: &Row, i: usize, kind: Kind) -> std::result::Result<Cell, postgres::Error> {
    Ok(match kind {
        Kind::Text => row
            .try_get::<_, Option<String>>(i)?
            .map_or(Cell::Null, Cell::Text),
        Kind::Int => row
            .try_get::<_, Option<i64>>(i)?
            .map_or(Cell::Null, Cell::Int),
        Kind::Int32 => row
            .try_get::<_, Option<i32>>(i)?
            .map_or(Cell::Null, |v| Cell::Int(v.into())),
        Kind::Flag => row
            .try_get::<_, Option<bool>>(i)?
            .map_or(Cell::Null, Cell::Flag),
        Kind::Blob => row
            .try_get::<_, Option<Vec<u8>>>(i)?
            .map_or(Cell::Null, Cell::Blob),
    })
}

/// The parameter for `cell` in a column of `kind` (a NULL is typed by its column).
fn param(cell: &Cell, kind: Kind) -> std::result::Result<Box<dyn ToSql + Sync>, String> {
    Ok(match (cell, kind) {
        (Cell::Null, Kind::Text) => Box::new(None::<String>),
        (Cell::Null, Kind::Int) => Box::new(None::<i64>),
        (Cell::Null, Kind::Int32) => Box::new(None::<i32>),
        (Cell::Null, Kind::Flag) => Box::new(None::<bool>),
        (Cell::Null, Kind::Blob) => Box::new(None::<Vec<u8>>),
        (Cell::Text(s), Kind::Text) => Box::new(s.clone()),
        (Cell::Int(i), Kind::Int) => Box::new(*i),
        (Cell::Int(i), Kind::Int32) => Box::new(
            i32::try_from(*i).map_err(|_| format!("{i} is too large for a 32-bit integer"))?,
        ),
        (Cell::Flag(b), Kind::Flag) => Box::new(*b),
        (Cell::Blob(b), Kind::Blob) => Box::new(b.clone()),
        (cell, kind) => return Err(format!("{cell:?} cannot go into a {kind:?} column")),
    })
}

impl Source for Side<'_, '_> {
    fn engine(&self) -> &'static str {
        "postgres"
    }

    fn table_names(&mut self) -> Result<Vec<String>> {
        let found = self.tx.query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            &[],
        )?;
        Ok(found.iter().map(|r| r.get(0)).collect())
    }

    fn columns(&mut self, table: &Table) -> Result<Vec<Column>> {
        self.table_columns(table)
    }

    fn rows(
        &mut self,
        table: &Table,
        columns: &[Column],
        each: &mut dyn FnMut(Vec<Cell>) -> Result<()>,
    ) -> Result<()> {
        // `seq` keeps the order audit records were written in (see `pg_schema`).
        let sql = rows::select(table, columns, "seq");
        let mut found = self
            .tx
            .query_raw(sql.as_str(), std::iter::empty::<&(dyn ToSql + Sync)>())?;
        while let Some(row) = found.next()? {
            let mut cells = Vec::with_capacity(columns.len());
            for (i, column) in columns.iter().enumerate() {
                cells.push(cell(&row, i, column.kind).with_context(|| {
                    format!("reading {}.{} from PostgreSQL", table.name, column.name)
                })?);
            }
            each(cells)?;
        }
        Ok(())
    }

    fn feed_position(&mut self) -> Result<i64> {
        Ok(self
            .tx
            .query_one("SELECT last FROM feed_position", &[])?
            .get(0))
    }
}

impl Target for Side<'_, '_> {
    fn columns(&mut self, table: &Table) -> Result<Vec<Column>> {
        self.table_columns(table)
    }

    fn has_workspace(&mut self) -> Result<bool> {
        Ok(self
            .tx
            .query_one("SELECT EXISTS (SELECT 1 FROM workspaces)", &[])?
            .get(0))
    }

    fn insert(&mut self, table: &Table, columns: &[&Column], cells: &[Cell]) -> Result<()> {
        let sql = rows::insert(table, columns, '$');
        let statement = match self.inserts.get(&sql) {
            Some(s) => s.clone(),
            None => {
                let s = self.tx.prepare(&sql)?;
                self.inserts.insert(sql, s.clone());
                s
            }
        };
        let params = cells
            .iter()
            .zip(columns)
            .map(|(cell, column)| {
                param(cell, column.kind).map_err(|e| anyhow::anyhow!("{}: {e}", column.name))
            })
            .collect::<Result<Vec<_>>>()?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
        self.tx.execute(&statement, &refs)?;
        Ok(())
    }

    fn forget_changes(&mut self, at_least: i64) -> Result<()> {
        self.tx.execute("DELETE FROM changes", &[])?;
        self.tx.execute(
            "UPDATE feed_position SET last = greatest(last, $1)",
            &[&at_least],
        )?;
        Ok(())
    }
}
