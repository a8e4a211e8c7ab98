//! What of the user's this store holds (issue 19's "My data"): counts for the window,
//! every entry for an export, and the wipe behind "Delete all local data".

use chrono::{DateTime, NaiveDate, Utc};

use crate::{time, Store, StoreError};

/// Screenshots of one UTC day: taken (sent or not) and still on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptureDay {
    pub date: NaiveDate,
    pub taken: u32,
    pub on_device: u32,
}

/// Counts of what the store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreCounts {
    pub entries: u32,
    pub held: u32,
    pub waiting_upload: u32,
    /// Days since `since` with captures, newest first.
    pub capture_days: Vec<CaptureDay>,
}

impl Store {
    /// What the store holds, capture days from `since` on.
    pub fn counts(&self, since: DateTime<Utc>) -> Result<StoreCounts, StoreError> {
        let count = |sql: &str| -> Result<u32, StoreError> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, u32>(0))?)
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT substr(m.captured_utc, 1, 10) AS day, count(*),
                    count(s.id)
             FROM capture_moments m LEFT JOIN capture_sets s ON s.id = m.set_id
             WHERE m.captured_utc >= ?1 GROUP BY day ORDER BY day DESC",
        )?;
        let days = stmt
            .query_map([time::to_sql(since)], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<Vec<(String, u32, u32)>, _>>()?;
        let capture_days = days
            .into_iter()
            .filter_map(|(day, taken, on_device)| {
                Some(CaptureDay {
                    date: NaiveDate::parse_from_str(&day, "%Y-%m-%d").ok()?,
                    taken,
                    on_device,
                })
            })
            .collect();
        Ok(StoreCounts {
            entries: count("SELECT count(*) FROM entries")?,
            held: self.held_count()?,
            waiting_upload: count(
                "SELECT count(*) FROM capture_sets WHERE hold_until_utc IS NULL",
            )?,
            capture_days,
        })
    }

    /// Every entry, oldest first.
    pub fn all_entries(&self) -> Result<Vec<stint_core::Entry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM entries ORDER BY start_utc, id",
            crate::ENTRY_COLUMNS
        ))?;
        let rows = stmt.query_map([], crate::raw_entry)?;
        rows.map(|r| r?.into_entry()).collect()
    }

    /// Deletes every row of every table (entries, queued changes, screenshots, the
    /// server's copies, the feed position, the catalog, the rules) and compacts the file,
    /// so nothing of it stays on the disk (`secure_delete` overwrites freed pages too).
    pub fn wipe(&mut self) -> Result<(), StoreError> {
        let tables: Vec<String> = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%'",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let tx = self.write()?;
        for table in tables {
            tx.execute(&format!("DELETE FROM \"{table}\""), [])?;
        }
        tx.commit()?;
        // The write-ahead log still holds the old pages until a checkpoint empties it.
        self.conn.execute_batch("VACUUM")?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}
