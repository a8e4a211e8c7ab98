//! Where Stint keeps its files: the platform's standard directories unless `STINT_DATA_DIR`
//! or `STINT_CONFIG_DIR` say otherwise (tests and side-by-side agents use those).

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    #[error("no home directory to keep Stint's data in; set STINT_DATA_DIR and STINT_CONFIG_DIR")]
    NoHome,
    #[error("could not create {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Paths {
    /// Makes what every Stint process creates readable by its user alone (umask 077):
    /// databases, logs and settings hold private data. Call first thing in `main`.
    #[cfg(unix)]
    pub fn private_files() {
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    }

    /// Reads the overrides from the environment, falling back to the platform's directories.
    pub fn from_env() -> Result<Paths, PathsError> {
        let pick = |var: &str, base: Option<PathBuf>| -> Result<PathBuf, PathsError> {
            match std::env::var_os(var).filter(|v| !v.is_empty()) {
                Some(dir) => Ok(PathBuf::from(dir)),
                None => base.map(|b| b.join("stint")).ok_or(PathsError::NoHome),
            }
        };
        Ok(Paths {
            data_dir: pick("STINT_DATA_DIR", dirs::data_dir())?,
            config_dir: pick("STINT_CONFIG_DIR", dirs::config_dir())?,
        })
    }

    /// Both directories under one root, for tests.
    pub fn under(root: &Path) -> Paths {
        Paths {
            data_dir: root.join("data"),
            config_dir: root.join("config"),
        }
    }

    pub fn database(&self) -> PathBuf {
        self.data_dir.join("stint.db")
    }

    /// Data that never leaves the device (idle periods).
    pub fn private_database(&self) -> PathBuf {
        self.data_dir.join("private.db")
    }

    /// The app's own settings (idle detection).
    pub fn settings_file(&self) -> PathBuf {
        self.config_dir.join("settings.json")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// Creates the directories, readable by the user alone: they hold private data.
    pub fn create(&self) -> Result<(), PathsError> {
        for dir in [&self.data_dir, &self.config_dir] {
            create_private_dir(dir).map_err(|source| PathsError::Create {
                path: dir.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    // One made by an older version, or by hand, may be open to others: ours is closed.
    let meta = std::fs::metadata(dir)?;
    if meta.uid() == rustix::process::geteuid().as_raw() && meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}
