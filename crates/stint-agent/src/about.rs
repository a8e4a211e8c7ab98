//! About Stint: the version and where its files are, the logs folder opened in the file
//! manager (`xdg-open` through the opener crate), and "Report a problem": a zip of the
//! logs and settings with every secret removed (stint-core's [`redact`]), written to the
//! Downloads folder for the user to send. Databases, screenshots and the sign-in file are
//! never put in it.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use stint_core::redact::redact;
use stint_ipc::protocol::Answer;
pub use stint_ipc::AboutInfo;
use tokio::sync::oneshot;

use crate::actor::{Agent, Message};
use crate::credentials::SignIn;
use crate::error::{AgentError, UiError};

/// The end of a log that goes into a report: enough for days of an agent's life.
const LOG_TAIL_BYTES: u64 = 4 * 1024 * 1024;

impl Agent {
    pub(crate) fn about(&self) -> AboutInfo {
        AboutInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: self.paths.data_dir.display().to_string(),
            config_dir: self.paths.config_dir.display().to_string(),
            log_dir: self.paths.log_dir().display().to_string(),
        }
    }

    /// Opens the logs folder in the desktop's file manager.
    pub(crate) fn open_logs_folder(&self) -> Result<(), AgentError> {
        let dir = self.paths.log_dir();
        std::fs::create_dir_all(&dir).map_err(AgentError::SaveSettings)?;
        opener::open(&dir).map_err(|e| {
            tracing::warn!(dir = %dir.display(), "could not open the logs folder: {e}");
            AgentError::BadInput(format!(
                "could not open {} in a file manager: {e}",
                dir.display()
            ))
        })
    }

    /// Writes the report off the task (logs can be large; the key is read from the
    /// keyring) and answers its path.
    pub(crate) fn report_problem_zip(&self, reply: oneshot::Sender<Result<Answer, UiError>>) {
        let about = self.about();
        let problems = self.sensor_problems();
        let (paths, me) = (self.paths.clone(), self.me.clone());
        let when = self.clock.now();
        tokio::spawn(async move {
            let result = tokio::task::spawn_blocking(move || {
                let known = SignIn::load(&paths.config_dir)
                    .map(|s| vec![s.api_key])
                    .unwrap_or_default();
                let mut notes = format!(
                    "Stint {}\nwritten {when}\nsystem {} {}\nsession {} {}\n",
                    about.version,
                    std::env::consts::OS,
                    std::env::consts::ARCH,
                    std::env::var("XDG_SESSION_TYPE").unwrap_or_default(),
                    std::env::var("XDG_CURRENT_DESKTOP").unwrap_or_default(),
                );
                for p in problems {
                    notes.push_str(&format!("unavailable: {}: {}\n", p.feature, p.message));
                }
                let folder = dirs::download_dir()
                    .or_else(dirs::home_dir)
                    .unwrap_or_else(|| paths.data_dir.clone());
                let name = format!("stint-report-{}.zip", when.format("%Y%m%d-%H%M%S"));
                write_report(&folder.join(name), &paths, &notes, &known)
            })
            .await
            .map_err(std::io::Error::other)
            .and_then(|r| r)
            .map(|path| Answer::Path(path.display().to_string()))
            .map_err(|e| {
                tracing::warn!("could not write the problem report: {e}");
                AgentError::BadInput(format!("could not write the problem report: {e}"))
            });
            if let Some(agent) = me.upgrade() {
                let _ = agent.send(Message::Answered { result, reply }).await;
            }
        });
    }
}

/// The last [`LOG_TAIL_BYTES`] of a file, from the start of a line.
fn tail(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let start = len.saturating_sub(LOG_TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(match (start > 0, text.find('\n')) {
        (true, Some(cut)) => text[cut + 1..].to_owned(),
        _ => text.into_owned(),
    })
}

/// A new file at `path`, or beside it with `-2`, `-3`… when one of that name exists (two
/// reports in one second).
pub(crate) fn create_report_file(path: &Path) -> std::io::Result<(std::fs::File, PathBuf)> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    let stem = path
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    for n in 1..100 {
        let candidate = match n {
            1 => path.to_owned(),
            n => dir.join(format!("{stem}-{n}.zip")),
        };
        match std::fs::File::create_new(&candidate) {
            Ok(file) => return Ok((file, candidate)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}", candidate.display()),
                ))
            }
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("too many reports named {stem} in {}", dir.display()),
    ))
}

/// The zip: `about.txt`, `settings.json` and every file of the logs folder, redacted.
fn write_report(
    path: &Path,
    paths: &stint_ipc::paths::Paths,
    notes: &str,
    known: &[String],
) -> std::io::Result<PathBuf> {
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let mut entries = vec![("about.txt".to_owned(), notes.to_owned())];
    if let Ok(text) = std::fs::read_to_string(paths.settings_file()) {
        entries.push(("settings.json".to_owned(), text));
    }
    let mut skipped = String::new();
    if let Ok(dir) = std::fs::read_dir(paths.log_dir()) {
        let mut logs: Vec<PathBuf> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
        logs.sort();
        for log in logs {
            let name = log
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            // Only plain files of the folder itself: a link could lead to a database, the
            // sign-in or anything else readable, which a report never carries.
            // A hard link (a second name for a file elsewhere) is refused the same way.
            use std::os::unix::fs::MetadataExt;
            match std::fs::symlink_metadata(&log) {
                Ok(meta) if meta.file_type().is_file() && meta.nlink() == 1 => match tail(&log) {
                    Ok(text) => entries.push((format!("logs/{name}"), text)),
                    Err(e) => skipped.push_str(&format!("skipped logs/{name} ({e})\n")),
                },
                Ok(meta) if meta.file_type().is_symlink() || meta.file_type().is_file() => {
                    skipped.push_str(&format!("skipped logs/{name} (a link)\n"));
                }
                _ => {}
            }
        }
    }
    entries[0].1.push_str(&skipped);
    let (file, written) = create_report_file(path)?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    for (name, text) in entries {
        zip.start_file(name, options)
            .map_err(std::io::Error::other)?;
        zip.write_all(redact(&text, &known).as_bytes())?;
    }
    zip.finish().map_err(std::io::Error::other)?.sync_all()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_log_keeps_its_end_from_a_whole_line() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("agent.log");
        let line = "x".repeat(99) + "\n";
        let mut text = line.repeat((LOG_TAIL_BYTES / 100 + 50) as usize);
        text.push_str("the last line\n");
        std::fs::write(&log, &text).unwrap();
        let kept = tail(&log).unwrap();
        assert!(kept.len() as u64 <= LOG_TAIL_BYTES);
        assert!(kept.starts_with(&line) && kept.ends_with("the last line\n"));
    }
}
