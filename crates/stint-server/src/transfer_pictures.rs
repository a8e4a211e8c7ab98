//! The pictures of `stint-server export` / `import`: each one a screenshot row names, copied
//! from the blob store into the export's `pictures/` (a missing one is a warning), and
//! stored from there into the target's blob store after a check against its row's size and
//! sha256 (a mismatch is an error naming the key).

use std::collections::HashSet;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::{anyhow, bail, ensure, Context, Result};
use sha2::{Digest, Sha256};

use super::rows::{self, Cell};
use super::{write_new, Manifest, Place, PICTURES};
use crate::blobs::BlobStore;

/// The place's blob store, with the runtime its calls block on.
pub(super) struct Pictures {
    store: crate::blobs::ObjectBlobs,
    runtime: tokio::runtime::Runtime,
}

impl Pictures {
    pub(super) fn open(place: &Place<'_>) -> Result<Pictures> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("starting a runtime for the blob store")?;
        let store = {
            let _inside = runtime.enter();
            crate::blobs::open(place.blob_store, &place.data_dir.join("screenshots"))?
        };
        Ok(Pictures { store, runtime })
    }

    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        let _inside = self.runtime.enter();
        self.store.get(key)
    }

    fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let _inside = self.runtime.enter();
        self.store.put(key, bytes)
    }

    fn delete(&self, key: &str) -> std::io::Result<()> {
        let _inside = self.runtime.enter();
        self.store.delete(key)
    }
}

/// What a screenshot row says of its picture.
pub(super) struct Shot {
    key: String,
    size: i64,
    sha256: String,
}

impl Shot {
    pub(super) fn new<'a>(row: impl IntoIterator<Item = (&'a str, &'a Cell)>) -> Result<Shot> {
        let (mut key, mut size, mut sha256) = (None, None, None);
        for (name, cell) in row {
            match (name, cell) {
                ("blob_key", Cell::Text(k)) => key = Some(k.clone()),
                ("size_bytes", Cell::Int(s)) => size = Some(*s),
                ("sha256", Cell::Text(s)) => sha256 = Some(s.clone()),
                _ => {}
            }
        }
        let (Some(key), Some(size), Some(sha256)) = (key, size, sha256) else {
            bail!("a screenshot row lacks its blob_key, size_bytes or sha256");
        };
        // The key names a file of the export: only what the server itself names blobs.
        let valid = !key.is_empty()
            && key.len() <= 128
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        ensure!(
            valid,
            "a screenshot row names the picture {key:?}, which is not a blob key"
        );
        Ok(Shot { key, size, sha256 })
    }

    /// Whether `bytes` are the picture the row describes; the error says how they differ.
    fn check(&self, bytes: &[u8]) -> std::result::Result<(), String> {
        let sha256 = rows::hex(&Sha256::digest(bytes)[..]);
        if i64::try_from(bytes.len()) == Ok(self.size) && sha256.eq_ignore_ascii_case(&self.sha256)
        {
            return Ok(());
        }
        Err(format!(
            "does not match its screenshot row: it has {} bytes with sha256 {sha256}, the row \
             says {} bytes with sha256 {}",
            bytes.len(),
            self.size,
            self.sha256
        ))
    }
}

/// Copies the picture of each screenshot row from the blob store into `dir`; the count
/// copied and the keys the store lacked (each a warning, not an error).
pub(super) fn copy_out(
    pictures: &Pictures,
    shots: &[Shot],
    dir: &Path,
) -> Result<(u64, Vec<String>)> {
    let mut copied = 0;
    let mut missing = Vec::new();
    for shot in shots {
        let found = pictures
            .get(&shot.key)
            .with_context(|| format!("reading the picture {} from the blob store", shot.key))?;
        let Some(bytes) = found else {
            tracing::warn!(
                blob = %shot.key,
                "a screenshot's picture is missing from the blob store; its row is exported without it"
            );
            missing.push(shot.key.clone());
            continue;
        };
        if let Err(e) = shot.check(&bytes) {
            tracing::warn!(blob = %shot.key, "the picture {e}; an import will refuse it");
        }
        write_new(&dir.join(&shot.key), &bytes)?;
        copied += 1;
    }
    Ok((copied, missing))
}

/// Stores the picture of each screenshot row, checked against the row; the count in the
/// store and the keys the source lacked (as the manifest says). A picture the store already
/// holds (the source's own store) is left as it is; on an error the pictures this import
/// stored are removed again (the rows that name them are not committed).
pub(super) fn store_pictures(
    pictures: &Pictures,
    from: &Path,
    shots: &[Shot],
    manifest: &Manifest,
) -> Result<(u64, Vec<String>)> {
    let mut stored = Vec::new();
    let result = store_each(pictures, from, shots, manifest, &mut stored);
    if result.is_err() {
        for key in stored {
            if let Err(e) = pictures.delete(key) {
                tracing::warn!(blob = %key, "could not remove a picture stored before the import failed: {e}");
            }
        }
    }
    result
}

fn store_each<'a>(
    pictures: &Pictures,
    from: &Path,
    shots: &'a [Shot],
    manifest: &Manifest,
    stored: &mut Vec<&'a str>,
) -> Result<(u64, Vec<String>)> {
    let lacked: HashSet<&str> = manifest
        .missing_picture_keys
        .iter()
        .map(String::as_str)
        .collect();
    let dir = from.join(PICTURES);
    let mut count = 0;
    let mut missing = Vec::new();
    for shot in shots {
        let path = dir.join(&shot.key);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound && lacked.contains(shot.key.as_str()) => {
                tracing::warn!(
                    blob = %shot.key,
                    "the source lacked this screenshot's picture; its row is imported without it"
                );
                missing.push(shot.key.clone());
                continue;
            }
            Err(e) if e.kind() == ErrorKind::NotFound => bail!(
                "{} is missing, and the manifest does not say the source lacked it: the \
                 export is incomplete",
                path.display()
            ),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        shot.check(&bytes)
            .map_err(|e| anyhow!("the picture {} {e}", shot.key))?;
        let there = pictures
            .get(&shot.key)
            .with_context(|| format!("reading the picture {} from the blob store", shot.key))?;
        match there {
            Some(held) if held == bytes => {}
            Some(_) => bail!(
                "the blob store already holds a different picture under {}: import into a \
                 blob store of the new database's own",
                shot.key
            ),
            None => {
                pictures.put(&shot.key, &bytes).with_context(|| {
                    format!("storing the picture {} in the blob store", shot.key)
                })?;
                stored.push(&shot.key);
            }
        }
        count += 1;
    }
    Ok((count, missing))
}
