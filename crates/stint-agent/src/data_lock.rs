//! One agent per data directory, whatever socket it serves: the agent holds an exclusive
//! lock (flock) on `agent.lock` in the data directory for as long as it runs. The kernel
//! lets go when the process ends, however it ends, so a crash never leaves it held. A
//! short holder (a `stint-cli` command working on the data while no agent answered) is
//! waited for, up to [`WAIT_FOR_HOLDER`].

use std::io::Write;
use std::path::Path;

use rustix::fs::{flock, FlockOperation};

/// How long to wait for another holder to let go before saying it holds the data.
pub const WAIT_FOR_HOLDER: std::time::Duration = std::time::Duration::from_secs(3);

/// The held lock; released when dropped or when the process ends.
pub struct DataLock {
    _file: std::fs::File,
}

/// Why the data directory could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum DataLockError {
    #[error(
        "another Stint agent{pid} is using the data in {dir}; one agent per data directory \
         (quit the other, or give this one its own STINT_DATA_DIR)"
    )]
    Taken { dir: String, pid: String },
    #[error("could not lock {dir}: {source}")]
    Io { dir: String, source: std::io::Error },
}

impl DataLock {
    /// Takes the lock of `data_dir` (which exists), writing this process's pid for the
    /// message another agent gives.
    ///
    /// # Errors
    /// [`DataLockError::Taken`] while another process holds it.
    pub fn take(data_dir: &Path) -> Result<DataLock, DataLockError> {
        let path = data_dir.join("agent.lock");
        let io = |source| DataLockError::Io {
            dir: data_dir.display().to_string(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let deadline = std::time::Instant::now() + WAIT_FOR_HOLDER;
        let taken = loop {
            if flock(&file, FlockOperation::NonBlockingLockExclusive).is_ok() {
                break false;
            }
            if std::time::Instant::now() >= deadline {
                break true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        if taken {
            let pid = std::fs::read_to_string(&path)
                .ok()
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .map(|p| format!(" (pid {p})"))
                .unwrap_or_default();
            return Err(DataLockError::Taken {
                dir: data_dir.display().to_string(),
                pid,
            });
        }
        file.set_len(0).map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        Ok(DataLock { _file: file })
    }
}
