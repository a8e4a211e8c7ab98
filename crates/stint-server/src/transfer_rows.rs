//! The rows of `stint-server export` / `import` (issue 17), the same for both engines: which
//! tables move and in what order, what each column holds, and the one JSON form each value
//! takes in `rows.jsonl` whichever engine wrote it or reads it: flags as `true`/`false`
//! (0/1 integers on SQLite, booleans on PostgreSQL), blobs as lowercase hex, integers as
//! numbers, text as strings, NULL as `null`. Each engine reads and writes rows through
//! [`Source`] and [`Target`].

use anyhow::Result;
use serde_json::Value;

/// A table that moves.
pub(crate) struct Table {
    pub name: &'static str,
    /// The columns its rows are ordered by (its primary key); empty: the order the rows
    /// were written in (SQLite's rowid, PostgreSQL's `seq`).
    pub key: &'static [&'static str],
    /// Its flags: booleans on PostgreSQL, 0/1 integers on SQLite, whose declared type
    /// (INTEGER) cannot tell a flag from a number.
    pub flags: &'static [&'static str],
}

const fn table(
    name: &'static str,
    key: &'static [&'static str],
    flags: &'static [&'static str],
) -> Table {
    Table { name, key, flags }
}

/// Every table that moves, in an order that satisfies the foreign keys on import.
pub(crate) const TABLES: &[Table] = &[
    table("workspaces", &["id"], &[]),
    table("users", &["id"], &["active"]),
    table("profiles", &["user_id"], &[]),
    table("web_sessions", &["id_hash"], &[]),
    table("invitations", &["token_hash"], &[]),
    table("notices", &["id"], &[]),
    table("clients", &["id"], &["archived"]),
    table("projects", &["id"], &["billable", "archived", "public"]),
    table("tasks", &["id"], &["billable"]),
    table("tags", &["id"], &["archived"]),
    table(
        "time_entries",
        &["workspace_id", "id"],
        &["billable", "locked"],
    ),
    // After the entries: an entry inserted while its id is listed here would take the
    // deleted one's next version (the insert triggers look it up).
    table("deleted_entry_versions", &["workspace_id", "id"], &[]),
    table("invoiced_entries", &["workspace_id", "entry_id"], &[]),
    table("capture_sets", &["workspace_id", "id"], &["stored"]),
    table("screenshots", &["workspace_id", "id"], &["private"]),
    table(
        "discarded_captures",
        &["workspace_id", "user_id", "id"],
        &[],
    ),
    table("audit_log", &[], &[]),
    table("idempotency", &["scope", "key"], &[]),
];

/// Tables left behind: the change log and its position (after a move every agent's
/// cursor is unknown and the feed answers with a snapshot), and each engine's own
/// bookkeeping.
pub(crate) const SKIPPED: &[&str] = &[
    "changes",
    "feed_position",
    // Failed sign-ins only slow guessing down for a quarter of an hour: nothing to keep.
    "sign_in_failures",
    "sqlite_sequence",
    "stint_schema",
];

/// The table called `name` and its place in [`TABLES`].
pub(crate) fn find(name: &str) -> Option<(usize, &'static Table)> {
    TABLES.iter().enumerate().find(|(_, t)| t.name == name)
}

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    /// A 64-bit integer (SQLite's INTEGER, PostgreSQL's BIGINT).
    Int,
    /// PostgreSQL's 32-bit INTEGER.
    Int32,
    Flag,
    Blob,
}

pub(crate) struct Column {
    pub name: String,
    pub kind: Kind,
}

/// One value, as either engine holds it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    Null,
    Text(String),
    Int(i64),
    Flag(bool),
    Blob(Vec<u8>),
}

impl Cell {
    /// The value's form in `rows.jsonl`.
    pub fn to_json(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Int(i) => Value::from(*i),
            Cell::Flag(b) => Value::Bool(*b),
            Cell::Blob(b) => Value::String(hex(b)),
        }
    }

    /// The value `json` stands for in a column of `kind`; the error says what was wrong.
    pub fn from_json(json: &Value, kind: Kind) -> std::result::Result<Cell, String> {
        let cell = match (json, kind) {
            (Value::Null, _) => Some(Cell::Null),
            (Value::String(s), Kind::Text) => Some(Cell::Text(s.clone())),
            (Value::Number(n), Kind::Int | Kind::Int32) => n.as_i64().map(Cell::Int),
            (Value::Bool(b), Kind::Flag) => Some(Cell::Flag(*b)),
            (Value::String(s), Kind::Blob) => unhex(s).map(Cell::Blob),
            _ => None,
        };
        cell.ok_or_else(|| {
            let expected = match kind {
                Kind::Text => "text (a string)",
                Kind::Int | Kind::Int32 => "a whole number",
                Kind::Flag => "a flag (true or false)",
                Kind::Blob => "bytes (a string of hex digits)",
            };
            let mut found = json.to_string();
            if found.len() > 60 {
                let cut = (0..=60)
                    .rev()
                    .find(|i| found.is_char_boundary(*i))
                    .unwrap_or(0);
                found.truncate(cut);
                found.push('…');
            }
            format!("holds {found} where {expected} belongs")
        })
    }
}

/// One engine's side of an export, inside one read transaction.
pub(crate) trait Source {
    /// `sqlite` or `postgres`.
    fn engine(&self) -> &'static str;
    /// Every table the database has (but the engine's own).
    fn table_names(&mut self) -> Result<Vec<String>>;
    /// The columns of `table` that move, with what they hold.
    fn columns(&mut self, table: &Table) -> Result<Vec<Column>>;
    /// Calls `each` with every row of `table` (its `columns`, in that order), in the
    /// table's order.
    fn rows(
        &mut self,
        table: &Table,
        columns: &[Column],
        each: &mut dyn FnMut(Vec<Cell>) -> Result<()>,
    ) -> Result<()>;
    /// The change log's highest position ever given.
    fn feed_position(&mut self) -> Result<i64>;
}

/// One engine's side of an import, inside the one transaction that holds all of it.
pub(crate) trait Target {
    /// The columns of `table` a row may give, with what they hold.
    fn columns(&mut self, table: &Table) -> Result<Vec<Column>>;
    /// Whether the database has any workspace.
    fn has_workspace(&mut self) -> Result<bool>;
    /// Inserts one row: `cells[i]` into `columns[i]`.
    fn insert(&mut self, table: &Table, columns: &[&Column], cells: &[Cell]) -> Result<()>;
    /// Empties the change log the inserts' triggers wrote, and moves its position to at
    /// least `at_least`.
    fn forget_changes(&mut self, at_least: i64) -> Result<()>;
}

/// `{"table": …, "row": {…}}` for one row, its columns by name (so both engines write
/// the same line).
pub(crate) fn row_line(table: &str, columns: &[Column], cells: &[Cell]) -> String {
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by(|a, b| columns[*a].name.cmp(&columns[*b].name));
    let mut line = format!("{{\"table\":{},\"row\":{{", Value::from(table));
    for (n, i) in order.into_iter().enumerate() {
        if n > 0 {
            line.push(',');
        }
        line.push_str(&Value::from(columns[i].name.as_str()).to_string());
        line.push(':');
        line.push_str(&cells[i].to_json().to_string());
    }
    line.push_str("}}");
    line
}

/// A name quoted for SQL (both engines quote the same way).
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `SELECT` of `columns` from `table` in the table's order; `written` is the engine's
/// column for the order rows were written in.
pub(crate) fn select(table: &Table, columns: &[Column], written: &str) -> String {
    let names: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
    let order = if table.key.is_empty() {
        written.to_owned()
    } else {
        let key: Vec<String> = table.key.iter().map(|k| quote(k)).collect();
        key.join(", ")
    };
    format!(
        "SELECT {} FROM {} ORDER BY {order}",
        names.join(", "),
        quote(table.name)
    )
}

/// `INSERT` of `columns` into `table`, the values numbered `?1` / `$1` as `mark` says.
pub(crate) fn insert(table: &Table, columns: &[&Column], mark: char) -> String {
    let names: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
    let values: Vec<String> = (1..=columns.len()).map(|i| format!("{mark}{i}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote(table.name),
        names.join(", "),
        values.join(", ")
    )
}

/// Checks that `table` was found, with the flags it lists among its columns.
pub(crate) fn check_flags(table: &Table, columns: &[Column], engine: &str) -> Result<()> {
    anyhow::ensure!(
        !columns.is_empty(),
        "the {engine} database has no table {}",
        table.name
    );
    for flag in table.flags {
        anyhow::ensure!(
            columns
                .iter()
                .any(|c| c.name == *flag && c.kind == Kind::Flag),
            "{}.{flag} should be a flag column but the {engine} database has no such column",
            table.name
        );
    }
    Ok(())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// The bytes of a string of hex digits (either case); `None` if it is not one.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let value = |d: u8| char::from(d).to_digit(16).map(|v| v as u8);
    digits
        .chunks(2)
        .map(|pair| Some(value(pair[0])? << 4 | value(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_form_through_json() {
        for (cell, kind) in [
            (Cell::Null, Kind::Text),
            (Cell::Text("Zoë \"quoted\"".into()), Kind::Text),
            (Cell::Int(i64::MIN), Kind::Int),
            (Cell::Int(7), Kind::Int32),
            (Cell::Flag(true), Kind::Flag),
            (Cell::Blob(vec![0, 1, 0xab, 0xff]), Kind::Blob),
        ] {
            assert_eq!(Cell::from_json(&cell.to_json(), kind), Ok(cell));
        }
        assert_eq!(Cell::Blob(vec![0x0f, 0xa0]).to_json(), "0fa0");
        assert_eq!(unhex("0FA0"), Some(vec![0x0f, 0xa0]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
        let wrong = Cell::from_json(&Value::from(1), Kind::Flag).unwrap_err();
        assert!(wrong.contains("true or false"), "{wrong}");
        assert!(Cell::from_json(&Value::from(1.5), Kind::Int).is_err());
    }

    #[test]
    fn a_line_lists_columns_by_name() {
        let columns = [
            Column {
                name: "b".into(),
                kind: Kind::Flag,
            },
            Column {
                name: "a".into(),
                kind: Kind::Text,
            },
        ];
        let line = row_line("t", &columns, &[Cell::Flag(false), Cell::Null]);
        assert_eq!(line, r#"{"table":"t","row":{"a":null,"b":false}}"#);
    }

    #[test]
    fn every_table_is_listed_once() {
        for t in TABLES {
            assert_eq!(find(t.name).map(|(_, f)| f.name), Some(t.name));
            assert!(!SKIPPED.contains(&t.name));
        }
    }
}
