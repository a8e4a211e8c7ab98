//! Screenshot bytes, kept apart from the database. The filesystem under the data directory
//! is the default; an S3-compatible store is meant to be another [`BlobStore`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Partial writes carry this prefix until they are renamed into place.
const PARTIAL_PREFIX: &str = ".partial-";

/// Keys are ids the server checked (letters, digits, `-`, `_`), so they are safe as names.
pub trait BlobStore: Send + Sync + 'static {
    fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()>;
    /// `None` if there is no such blob.
    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>>;
    /// Deleting a missing blob is not an error.
    fn delete(&self, key: &str) -> std::io::Result<()>;
    /// Every stored key with when it was last written, for the orphan sweep. Removes
    /// partial writes (a crash mid-write) last touched before `stale_before` on the way.
    fn list(&self, stale_before: SystemTime) -> std::io::Result<Vec<(String, SystemTime)>>;
}

/// Blobs as files, `DIR/ab/abcdef...`, written to a temporary name and renamed into place
/// so a crash never leaves half a picture under a real name.
pub struct FsBlobs {
    root: PathBuf,
}

impl FsBlobs {
    pub fn new(root: &Path) -> std::io::Result<FsBlobs> {
        std::fs::create_dir_all(root)?;
        Ok(FsBlobs {
            root: root.to_owned(),
        })
    }

    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        let valid = !key.is_empty()
            && key.len() <= 128
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("not a blob key: {key:?}"),
            ));
        }
        let shard: String = key.chars().take(2).collect();
        Ok(self.root.join(shard).join(key))
    }
}

impl BlobStore for FsBlobs {
    fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path(key)?;
        let dir = path.parent().expect("a blob path has a directory");
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(PARTIAL_PREFIX)
            .tempfile_in(dir)?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_data()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.path(key)?) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn delete(&self, key: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn list(&self, stale_before: SystemTime) -> std::io::Result<Vec<(String, SystemTime)>> {
        let mut out = Vec::new();
        for shard in std::fs::read_dir(&self.root)? {
            let shard = shard?;
            if !shard.file_type()?.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(shard.path())? {
                let file = file?;
                let name = file.file_name().to_string_lossy().into_owned();
                let modified = file.metadata()?.modified()?;
                if name.starts_with(PARTIAL_PREFIX) {
                    if modified < stale_before {
                        std::fs::remove_file(file.path())?;
                    }
                } else {
                    out.push((name, modified));
                }
            }
        }
        Ok(out)
    }
}
