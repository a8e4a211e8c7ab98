//! Screenshot bytes, kept apart from the database, through the `object_store` crate (issue
//! 17): a directory under the data directory by default, or any S3-compatible bucket (AWS
//! S3, MinIO, Garage, Ceph, R2) with `--blob-store s3://bucket/prefix`. Pictures are only
//! ever served by the server; no public or presigned link leaves it.
//!
//! Keys are ids the server checked (letters, digits, `-`, `_`); each is stored as
//! `PREFIX/ab/abcdef…` (the first two characters shard a directory), which is also the
//! layout of earlier versions' files, so an existing data directory keeps its pictures.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use futures::TryStreamExt;
use object_store::path::Path as StorePath;
use object_store::ObjectStore;

/// Partial writes of earlier versions carried this prefix; swept like object_store's own.
const OLD_PARTIAL_PREFIX: &str = ".partial-";

/// Where screenshots go. Calls block: make them off the async threads (`spawn_blocking`),
/// as every caller does.
pub trait BlobStore: Send + Sync + 'static {
    fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()>;
    /// `None` if there is no such blob.
    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>>;
    /// Deleting a missing blob is not an error.
    fn delete(&self, key: &str) -> std::io::Result<()>;
    /// Every stored key with when it was last written, for the orphan sweep. Removes
    /// partial writes (a crash mid-write) last touched before `stale_before` on the way,
    /// where the store has such things (a directory).
    fn list(&self, stale_before: SystemTime) -> std::io::Result<Vec<(String, SystemTime)>>;
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
}

fn io(e: object_store::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 128
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A blob store on an `object_store` backend, under `prefix`.
pub struct ObjectBlobs {
    store: Arc<dyn ObjectStore>,
    prefix: StorePath,
    /// The directory of a local store, for sweeping partial writes.
    local_root: Option<PathBuf>,
    /// For display: where the pictures are.
    pub place: String,
}

impl ObjectBlobs {
    /// Pictures as files under `root` (created if missing), written to a staging name and
    /// renamed into place, so a crash never leaves half a picture under a real name.
    pub fn local(root: &Path) -> std::io::Result<ObjectBlobs> {
        std::fs::create_dir_all(root)?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(root).map_err(io)?;
        Ok(ObjectBlobs {
            store: Arc::new(store),
            prefix: StorePath::default(),
            local_root: Some(root.to_owned()),
            place: root.display().to_string(),
        })
    }

    /// Pictures in an S3-compatible bucket: `url` is `s3://bucket` or `s3://bucket/prefix`;
    /// the endpoint, region and credentials come from the environment as the AWS tools
    /// read them (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP=true` for a plain-HTTP endpoint).
    pub fn s3(url: &str) -> anyhow::Result<ObjectBlobs> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| {
            anyhow::anyhow!("an S3 blob store is s3://bucket/prefix, not {url:?}")
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's rule for bucket names: 3 to 63 of a-z, 0-9, '.', '-'.
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
        anyhow::ensure!(
            valid_bucket,
            "{url:?}: a bucket name is 3 to 63 of a-z, 0-9, '.' and '-'"
        );
        anyhow::ensure!(
            !prefix.contains("//") && !prefix.contains(['?', '#']),
            "{url:?}: the prefix may not have an empty part, '?' or '#'"
        );
        // A stalled endpoint must not hold uploads (and the threads they run on) for
        // minutes: short timeouts and few retries; the agent sends again later.
        // These options replace the environment's client options: AWS_ALLOW_HTTP is read
        // again here.
        let allow_http =
            std::env::var("AWS_ALLOW_HTTP").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let client = object_store::ClientOptions::new()
            .with_allow_http(allow_http)
            .with_timeout(std::time::Duration::from_secs(20))
            .with_connect_timeout(std::time::Duration::from_secs(5));
        let retry = object_store::RetryConfig {
            max_retries: 2,
            retry_timeout: std::time::Duration::from_secs(20),
            ..Default::default()
        };
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_client_options(client)
            .with_retry(retry)
            .build()
            .map_err(|e| anyhow::anyhow!("the S3 blob store {url:?} cannot be used: {e}"))?;
        let prefix = StorePath::parse(prefix.trim_matches('/'))
            .map_err(|e| anyhow::anyhow!("{url:?}: the prefix is not usable: {e}"))?;
        Ok(ObjectBlobs {
            store: Arc::new(store),
            prefix,
            local_root: None,
            place: url.to_owned(),
        })
    }

    fn path(&self, key: &str) -> std::io::Result<StorePath> {
        if !valid_key(key) {
            return Err(invalid(format!("not a blob key: {key:?}")));
        }
        let shard: String = key.chars().take(2).collect();
        Ok(self.prefix.child(shard).child(key))
    }

    /// Runs an `object_store` call from a blocking thread of the server's runtime.
    fn block<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Handle::current().block_on(f)
    }

    /// Removes staging files of writes that never finished (object_store's `name#N`, and
    /// earlier versions' `.partial-*`) last touched before `stale_before`.
    fn sweep_partials(root: &Path, stale_before: SystemTime) -> std::io::Result<()> {
        for shard in std::fs::read_dir(root)? {
            let shard = shard?;
            if !shard.file_type()?.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(shard.path())? {
                let file = file?;
                let name = file.file_name().to_string_lossy().into_owned();
                let partial = name.contains('#') || name.starts_with(OLD_PARTIAL_PREFIX);
                if partial && file.metadata()?.modified()? < stale_before {
                    std::fs::remove_file(file.path())?;
                }
            }
        }
        Ok(())
    }
}

impl BlobStore for ObjectBlobs {
    fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path(key)?;
        let payload = object_store::PutPayload::from(bytes.to_vec());
        self.block(self.store.put(&path, payload)).map_err(io)?;
        // object_store renames a local file into place without syncing it: a row that
        // names it must not outlive a power cut that loses the bytes.
        if let Some(root) = &self.local_root {
            std::fs::File::open(root.join(path.as_ref()))?.sync_data()?;
        }
        Ok(())
    }

    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        let path = self.path(key)?;
        self.block(async {
            match self.store.get(&path).await {
                Ok(found) => found.bytes().await.map(|b| Some(b.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .map_err(io)
    }

    fn delete(&self, key: &str) -> std::io::Result<()> {
        let path = self.path(key)?;
        match self.block(self.store.delete(&path)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io(e)),
        }
    }

    fn list(&self, stale_before: SystemTime) -> std::io::Result<Vec<(String, SystemTime)>> {
        if let Some(root) = &self.local_root {
            Self::sweep_partials(root, stale_before)?;
        }
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let listed: Vec<object_store::ObjectMeta> = self
            .block(self.store.list(prefix).try_collect())
            .map_err(io)?;
        Ok(listed
            .into_iter()
            .filter_map(|meta| {
                let key = meta.location.filename()?.to_owned();
                // Only what sits where this store puts a key (PREFIX/shard/key): anything
                // else in the bucket is not the server's to sweep.
                let canonical =
                    valid_key(&key) && self.path(&key).is_ok_and(|p| p == meta.location);
                canonical.then(|| (key, SystemTime::from(meta.last_modified)))
            })
            .collect())
    }
}

/// The blob store `spec` names: `None` is `default_dir`; `s3://…` a bucket; anything else
/// a directory.
pub fn open(spec: Option<&str>, default_dir: &Path) -> anyhow::Result<ObjectBlobs> {
    match spec.map(str::trim).filter(|s| !s.is_empty()) {
        Some(url) if url.starts_with("s3://") => ObjectBlobs::s3(url),
        Some(url) if url.contains("://") => {
            anyhow::bail!("a blob store is a directory or s3://bucket/prefix, not {url:?}")
        }
        Some(dir) => ObjectBlobs::local(Path::new(dir))
            .map_err(|e| anyhow::anyhow!("the blob store directory {dir:?} cannot be used: {e}")),
        None => ObjectBlobs::local(default_dir).map_err(|e| {
            anyhow::anyhow!(
                "the blob store directory {} cannot be used: {e}",
                default_dir.display()
            )
        }),
    }
}
