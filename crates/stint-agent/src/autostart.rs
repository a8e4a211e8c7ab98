//! Start at login: reads and writes the XDG autostart files (`stint.desktop` in
//! `$XDG_CONFIG_HOME/autostart`, over the package's in `$XDG_CONFIG_DIRS/autostart`); the
//! rules are stint-core's [`stint_core::autostart`]. The package installs
//! `/etc/xdg/autostart/stint.desktop`, so Stint starts at login once installed, and the
//! switch turns it off with a user file that hides it.

use std::io;
use std::path::{Path, PathBuf};

use stint_core::autostart::{self, EntryState, Plan};
pub use stint_ipc::AutostartStatus;

use crate::actor::Agent;
use crate::error::AgentError;

/// The autostart file's name, in every autostart directory (the package's too).
const FILE: &str = "stint.desktop";

/// Where the session looks for autostart files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutostartDirs {
    /// `$XDG_CONFIG_HOME/autostart`: the user's, which wins.
    pub user: PathBuf,
    /// `$XDG_CONFIG_DIRS/…/autostart`, most important first.
    pub system: Vec<PathBuf>,
}

impl AutostartDirs {
    /// From the environment, as the XDG Base Directory Specification says: relative paths
    /// are ignored; `~/.config` and `/etc/xdg` are the defaults. `None` without a home.
    pub fn from_env() -> Option<AutostartDirs> {
        let absolute = |value: std::ffi::OsString| {
            let path = PathBuf::from(value);
            path.is_absolute().then_some(path)
        };
        let config_home = std::env::var_os("XDG_CONFIG_HOME")
            .and_then(absolute)
            .or_else(|| dirs::home_dir().map(|home| home.join(".config")))?;
        let system = std::env::var_os("XDG_CONFIG_DIRS")
            .filter(|v| !v.is_empty())
            .map(|dirs| {
                std::env::split_paths(&dirs)
                    .filter(|p| p.is_absolute())
                    .collect()
            })
            .unwrap_or_else(|| vec![PathBuf::from("/etc/xdg")]);
        Some(AutostartDirs {
            user: config_home.join("autostart"),
            system: system
                .into_iter()
                .map(|dir: PathBuf| dir.join("autostart"))
                .collect(),
        })
    }

    /// The user's file (which may not exist).
    pub fn user_file(&self) -> PathBuf {
        self.user.join(FILE)
    }

    /// The most important system file that exists (the package's).
    fn system_file(&self) -> Option<PathBuf> {
        self.system
            .iter()
            .map(|dir| dir.join(FILE))
            .find(|path| path.is_file())
    }

    /// Whether the session will start Stint, and whether a package put it there.
    pub fn status(&self) -> io::Result<AutostartStatus> {
        let system = read(self.system_file().as_deref())?.map(|t| EntryState::parse(&t));
        let user = read(Some(&self.user_file()))?.map(|t| EntryState::parse(&t));
        Ok(AutostartStatus {
            enabled: autostart::is_enabled(system, user),
            packaged: system.is_some(),
        })
    }

    /// Makes the session start Stint at login (`program --no-window`) or not, and answers
    /// the state afterwards. Only the user's file is touched.
    pub fn set(&self, enabled: bool, program: &Path) -> io::Result<AutostartStatus> {
        let system = read(self.system_file().as_deref())?.map(|t| EntryState::parse(&t));
        let user_file = self.user_file();
        let user_text = read(Some(&user_file))?;
        let plan = autostart::plan(system, user_text.as_deref().map(EntryState::parse), enabled);
        // A file the user wrote (a delay, their own command) is edited, never replaced.
        if let Some(own) = user_text.filter(|t| plan != Plan::Nothing && !autostart::is_ours(t)) {
            write_atomically(&user_file, &autostart::with_hidden(&own, !enabled))?;
            return self.status();
        }
        let text = match plan {
            Plan::Nothing => None,
            Plan::RemoveUser => {
                std::fs::remove_file(&user_file).or_else(ignore_missing)?;
                None
            }
            Plan::WriteHidden => Some(autostart::user_entry("", true)),
            Plan::WriteStart => {
                let program = program.to_str().ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the program's path is not UTF-8, which a desktop file cannot name",
                    )
                })?;
                let exec = autostart::exec_line(program, &["--no-window"]);
                Some(autostart::user_entry(&exec, false))
            }
        };
        if let Some(text) = text {
            write_atomically(&user_file, &text)?;
        }
        self.status()
    }
}

impl Agent {
    /// Whether the session starts Stint at login.
    pub(crate) fn autostart_status(&self) -> Result<AutostartStatus, AgentError> {
        let dirs = autostart_dirs()?;
        dirs.status().map_err(|source| AgentError::Autostart {
            path: dirs.user,
            source,
        })
    }

    /// The window's "Start at login" switch.
    pub(crate) fn set_autostart(&self, enabled: bool) -> Result<AutostartStatus, AgentError> {
        let dirs = autostart_dirs()?;
        let status =
            dirs.set(enabled, &agent_program())
                .map_err(|source| AgentError::Autostart {
                    path: dirs.user.clone(),
                    source,
                })?;
        tracing::info!(enabled = status.enabled, "start at login changed");
        Ok(status)
    }
}

fn autostart_dirs() -> Result<AutostartDirs, AgentError> {
    if !cfg!(target_os = "linux") {
        return Err(AgentError::Unsupported(
            "start at login is only offered on Linux so far",
        ));
    }
    AutostartDirs::from_env().ok_or(AgentError::Unsupported(
        "no home directory to keep the autostart entry in",
    ))
}

/// The agent's program, which the session starts: this one, or the `stint` beside it
/// when `stint-cli serve` runs the agent.
fn agent_program() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("stint"));
    match exe.file_name().and_then(|n| n.to_str()) {
        Some("stint") => exe,
        _ => exe.with_file_name("stint"),
    }
}

fn ignore_missing(e: io::Error) -> io::Result<()> {
    if e.kind() == io::ErrorKind::NotFound {
        Ok(())
    } else {
        Err(e)
    }
}

/// A desktop file's text; `None` where there is none.
fn read(path: Option<&Path>) -> io::Result<Option<String>> {
    let Some(path) = path else { return Ok(None) };
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A session reading the directory meanwhile sees the old file or the new, never half. A
/// user's file that is a link (into a dotfiles folder) is written where it points.
fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let target;
    let path = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            target = std::fs::canonicalize(path)?;
            target.as_path()
        }
        _ => path,
    };
    let dir = path.parent().expect("the autostart file has a directory");
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".{FILE}.{}", std::process::id()));
    std::fs::write(&temp, text)?;
    // Desktop files are read by the session, not secret: the usual 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o644))?;
    }
    std::fs::rename(&temp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(root: &Path) -> AutostartDirs {
        AutostartDirs {
            user: root.join("home/autostart"),
            system: vec![root.join("etc1/autostart"), root.join("etc2/autostart")],
        }
    }

    #[test]
    fn from_a_checkout_the_switch_writes_and_removes_the_users_file() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        let program = Path::new("/opt/my apps/stint");
        assert!(!dirs.status().unwrap().enabled);
        let on = dirs.set(true, program).unwrap();
        assert!(on.enabled && !on.packaged);
        let text = std::fs::read_to_string(dirs.user_file()).unwrap();
        assert!(
            text.contains("Exec=\"/opt/my apps/stint\" --no-window\n"),
            "{text}"
        );
        assert!(!dirs.set(false, program).unwrap().enabled);
        assert!(!dirs.user_file().exists());
    }

    #[test]
    fn a_file_the_user_wrote_keeps_what_they_wrote() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        std::fs::create_dir_all(&dirs.system[0]).unwrap();
        std::fs::write(dirs.system[0].join(FILE), "[Desktop Entry]\nExec=stint\n").unwrap();
        std::fs::create_dir_all(&dirs.user).unwrap();
        let own = "[Desktop Entry]\nExec=stint --no-window\nX-GNOME-Autostart-Delay=60\n";
        std::fs::write(dirs.user_file(), own).unwrap();
        let program = Path::new("/usr/bin/stint");
        assert!(!dirs.set(false, program).unwrap().enabled);
        assert!(
            !dirs.set(false, program).unwrap().enabled,
            "twice is the same"
        );
        assert!(dirs.set(true, program).unwrap().enabled);
        let text = std::fs::read_to_string(dirs.user_file()).unwrap();
        assert!(text.contains("X-GNOME-Autostart-Delay=60"), "{text}");
        // Kept in a dotfiles folder behind a link: the link stays, its target changes.
        let dotfiles = root.path().join("dotfiles/stint.desktop");
        std::fs::create_dir_all(dotfiles.parent().unwrap()).unwrap();
        std::fs::rename(dirs.user_file(), &dotfiles).unwrap();
        std::os::unix::fs::symlink(&dotfiles, dirs.user_file()).unwrap();
        assert!(!dirs.set(false, program).unwrap().enabled);
        let link = std::fs::symlink_metadata(dirs.user_file()).unwrap();
        assert!(link.file_type().is_symlink());
        assert!(EntryState::parse(&std::fs::read_to_string(&dotfiles).unwrap()).hidden);
    }

    #[test]
    fn installed_from_the_package_off_hides_it_and_on_removes_the_override() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        std::fs::create_dir_all(&dirs.system[1]).unwrap();
        let package = dirs.system[1].join(FILE);
        std::fs::write(&package, "[Desktop Entry]\nExec=stint --no-window\n").unwrap();
        let status = dirs.status().unwrap();
        assert!(status.enabled && status.packaged, "on by default");
        assert!(
            !dirs
                .set(false, Path::new("/usr/bin/stint"))
                .unwrap()
                .enabled
        );
        assert!(EntryState::parse(&std::fs::read_to_string(dirs.user_file()).unwrap()).hidden);
        assert!(dirs.set(true, Path::new("/usr/bin/stint")).unwrap().enabled);
        assert!(!dirs.user_file().exists());
        assert!(package.exists(), "the package's file is never touched");
    }
}
