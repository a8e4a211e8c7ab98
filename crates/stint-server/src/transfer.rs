//! `stint-server export` and `import` (issue 17): a whole server's data, every workspace,
//! moves between SQLite and PostgreSQL (either way, or between two of one) through a
//! directory, so an operator outgrowing one node loses no entry, screenshot or audit record:
//!
//! - `rows.jsonl`: one `{"table": …, "row": {column: value}}` a line, the tables in an
//!   order that satisfies the foreign keys and the insert triggers on import, each table's
//!   rows by primary key and the audit log in the order written; every value in the one form
//!   both engines read the same (`transfer_rows`).
//! - `manifest.json`: format 1, the source's engine and schema version, the rows of each
//!   table, the pictures (and those the blob store lacked), when it was made.
//! - `pictures/<blob key>`: each picture a screenshot row names, from the blob store.
//!
//! The change log stays behind: an import empties the one its inserts wrote and moves its
//! position past the source's, so every agent's cursor is unknown to the new database and
//! its next feed request is answered with a snapshot. An import goes into an empty database
//! only, in one transaction that also stores the pictures (each checked against its row's
//! size and sha256) before it commits: a failure leaves the database as it was.

#[path = "transfer_jsonl.rs"]
mod jsonl;
#[path = "transfer_pg.rs"]
mod pg;
#[path = "transfer_pictures.rs"]
mod pictures;
#[path = "transfer_rows.rs"]
mod rows;
#[path = "transfer_sqlite.rs"]
mod sqlite;

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};

use anyhow::{ensure, Context, Result};

use pictures::Pictures;
use rows::{Source, Target};

/// The layout of an export's directory this server writes and reads.
pub const FORMAT: u32 = 1;
const ROWS: &str = "rows.jsonl";
const MANIFEST: &str = "manifest.json";
const PICTURES: &str = "pictures";

/// Where a server keeps its data, as its command line says (`--data-dir`, `--database`,
/// `--blob-store`).
pub struct Place<'a> {
    pub data_dir: &'a Path,
    pub database: Option<&'a str>,
    pub blob_store: Option<&'a str>,
}

/// What an export or import did, to print.
pub struct Summary {
    /// e.g. `exported 120 rows from SQLite (schema 13) into /backup/move`.
    pub heading: String,
    pub rows: Vec<(&'static str, u64)>,
    pub pictures: u64,
    /// Pictures the source's blob store lacked (their rows moved without them).
    pub missing_pictures: Vec<String>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}:", self.heading)?;
        for (table, count) in &self.rows {
            writeln!(f, "  {table:<24} {count}")?;
        }
        write!(f, "{} pictures", self.pictures)?;
        if !self.missing_pictures.is_empty() {
            write!(
                f,
                "; {} missing from the source's blob store: {}",
                self.missing_pictures.len(),
                self.missing_pictures.join(", ")
            )?;
        }
        Ok(())
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    format: u32,
    /// `sqlite` or `postgres`.
    engine: String,
    schema_version: i64,
    created: String,
    /// The source's change-log position: an import moves the target's past it.
    feed_position: i64,
    rows: BTreeMap<String, u64>,
    pictures: u64,
    missing_pictures: u64,
    missing_picture_keys: Vec<String>,
}

enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Place<'_> {
    /// The database the place names, by the rule of [`crate::open_storage`].
    fn database(&self) -> Result<Database> {
        match self.database.map(str::trim).filter(|d| !d.is_empty()) {
            Some(address) => {
                ensure!(
                    crate::is_postgres_address(address),
                    "--database takes a PostgreSQL address (postgres://user@host/database)"
                );
                Ok(Database::Postgres(address.to_owned()))
            }
            None => Ok(Database::Sqlite(self.data_dir.join("stint-server.db"))),
        }
    }
}

impl Database {
    /// Opens the database as the server does (created, or brought to the latest schema);
    /// returns its schema version.
    fn open(&self) -> Result<i64> {
        Ok(match self {
            Database::Sqlite(path) => {
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                }
                crate::storage::Sqlite::open(path)
                    .with_context(|| format!("opening {}", path.display()))?
                    .schema_version()?
            }
            Database::Postgres(address) => crate::storage::Postgres::open(address)
                .context("opening the PostgreSQL database")?
                .schema_version()?,
        })
    }

    fn name(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "SQLite",
            Database::Postgres(_) => "PostgreSQL",
        }
    }

    /// For messages: never the PostgreSQL address, which may hold a password.
    fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres(_) => "the PostgreSQL database".to_owned(),
        }
    }

    fn read<T>(&self, f: impl FnOnce(&mut dyn Source) -> Result<T>) -> Result<T> {
        match self {
            Database::Sqlite(path) => sqlite::read(path, f),
            Database::Postgres(address) => pg::read(address, f),
        }
    }

    fn write<T>(&self, f: impl FnOnce(&mut dyn Target) -> Result<T>) -> Result<T> {
        match self {
            Database::Sqlite(path) => sqlite::write(path, f),
            Database::Postgres(address) => pg::write(address, f),
        }
    }
}

/// Writes `bytes` to a new file at `path` and syncs it.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file =
        File::create_new(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}

/// Makes `dir` if missing; refuses one with anything in it.
fn new_dir(dir: &Path) -> Result<()> {
    match fs::read_dir(dir) {
        Ok(mut entries) => ensure!(
            entries.next().is_none(),
            "{} is not empty: an export goes into a new or empty directory",
            dir.display()
        ),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    }
    // Hashes of keys and passwords, sessions and everyone's screenshots: the operator's
    // alone, whatever the umask.
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .with_context(|| format!("making {} private", dir.display()))?;
    Ok(())
}

/// Writes the whole server's data at `place` into the new (or empty) directory `to`.
pub fn export(place: &Place<'_>, to: &Path) -> Result<Summary> {
    let database = place.database()?;
    if let Database::Sqlite(path) = &database {
        ensure!(
            path.is_file(),
            "there is no database at {} to export (a PostgreSQL one is named with --database)",
            path.display()
        );
    }
    new_dir(to)?;
    let written = write_export(&database, place, to);
    if written.is_err() {
        // What an export that did not finish left is of no use, and would only stand in
        // the way of the next try.
        for part in [ROWS, MANIFEST, PICTURES] {
            let path = to.join(part);
            let _ = fs::remove_dir_all(&path).or_else(|_| fs::remove_file(&path));
        }
    }
    written
}

fn write_export(database: &Database, place: &Place<'_>, to: &Path) -> Result<Summary> {
    let schema_version = database.open()?;
    let store = Pictures::open(place)?;
    let rows_path = to.join(ROWS);
    let file = File::create_new(&rows_path)
        .with_context(|| format!("creating {}", rows_path.display()))?;
    let mut out = BufWriter::new(file);
    let (engine, counts, shots, feed_position) =
        database.read(|source| jsonl::write_rows(source, &mut out))?;
    out.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|file| file.sync_all())
        .with_context(|| format!("writing {}", rows_path.display()))?;

    let dir = to.join(PICTURES);
    fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let (copied, missing) = pictures::copy_out(&store, &shots, &dir)?;
    let manifest = Manifest {
        format: FORMAT,
        engine: engine.to_owned(),
        schema_version,
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        feed_position,
        rows: counts.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect(),
        pictures: copied,
        missing_pictures: missing.len() as u64,
        missing_picture_keys: missing.clone(),
    };
    // Written last: a directory without it is an export that did not finish.
    write_new(&to.join(MANIFEST), &serde_json::to_vec_pretty(&manifest)?)?;
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    Ok(Summary {
        heading: format!(
            "exported {total} rows from {} (schema {schema_version}) into {}",
            database.name(),
            to.display()
        ),
        rows: counts,
        pictures: copied,
        missing_pictures: missing,
    })
}

/// Loads the export in `from` into the empty database at `place`, and its pictures into
/// the place's blob store.
pub fn import(place: &Place<'_>, from: &Path) -> Result<Summary> {
    let manifest = read_manifest(from)?;
    let rows_path = from.join(ROWS);
    let file =
        File::open(&rows_path).with_context(|| format!("opening {}", rows_path.display()))?;
    let database = place.database()?;
    let schema_version = database.open()?;
    let store = Pictures::open(place)?;
    let (counts, stored, missing) = database.write(|target| {
        ensure!(
            !target.has_workspace()?,
            "{} already holds data (a workspace): import only into an empty database",
            database.describe()
        );
        let (counts, shots) = jsonl::load_rows(target, BufReader::new(file))?;
        for (table, count) in &counts {
            let said = manifest.rows.get(*table).copied().unwrap_or(0);
            ensure!(
                *count == said,
                "{ROWS} holds {count} rows of {table} where the manifest says {said}: the \
                 export is incomplete or was changed"
            );
        }
        target.forget_changes(manifest.feed_position.saturating_add(1))?;
        let (stored, missing) = pictures::store_pictures(&store, from, &shots, &manifest)?;
        Ok((counts, stored, missing))
    })?;
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    Ok(Summary {
        heading: format!(
            "imported {total} rows from {} ({} schema {}) into {} (schema {schema_version})",
            from.display(),
            manifest.engine,
            manifest.schema_version,
            database.name()
        ),
        rows: counts,
        pictures: stored,
        missing_pictures: missing,
    })
}

fn read_manifest(from: &Path) -> Result<Manifest> {
    let path = from.join(MANIFEST);
    let text = fs::read_to_string(&path)
        .with_context(|| format!("reading {} (every finished export has one)", path.display()))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an export's manifest", path.display()))?;
    ensure!(
        manifest.format == FORMAT,
        "{} is of format {}; this stint-server reads format {FORMAT}",
        path.display(),
        manifest.format
    );
    for name in manifest.rows.keys() {
        ensure!(
            rows::find(name).is_some(),
            "{} counts rows of {name}, a table this stint-server does not know",
            path.display()
        );
    }
    Ok(manifest)
}
