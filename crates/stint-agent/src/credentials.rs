//! Where a sign-in is kept. The API key goes to the OS keyring (Secret Service on Linux
//! desktops, Keychain, Credential Manager); where none answers, it goes into the sign-in
//! file, readable by the user alone, and the UI says so. The key is never logged.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
pub use stint_ipc::KeyStorage;
use stint_sync::Account;

const KEYRING_SERVICE: &str = "dev.stint.desktop";

/// A sign-in in use.
#[derive(Clone)]
pub(crate) struct SignIn {
    pub server: String,
    pub api_key: String,
    pub account: Account,
    pub key_storage: KeyStorage,
}

/// The file's content; the key is in it only when no keyring took it.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignInFile {
    server: String,
    account: Account,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_key: Option<String>,
}

fn path(config_dir: &Path) -> PathBuf {
    config_dir.join("sync.json")
}

fn keyring_entry(server: &str, account: &Account) -> keyring::Result<keyring::Entry> {
    keyring::Entry::new(KEYRING_SERVICE, &format!("{} at {server}", account.email))
}

impl SignIn {
    /// A new sign-in, kept: the key in the keyring if one answers, else in the file.
    pub fn keep(
        server: String,
        api_key: String,
        account: Account,
        config_dir: &Path,
    ) -> std::io::Result<SignIn> {
        let in_keyring =
            match keyring_entry(&server, &account).and_then(|e| e.set_password(&api_key)) {
                Ok(()) => true,
                Err(e) => {
                    tracing::info!("no keyring to keep the API key in ({e}); using a private file");
                    false
                }
            };
        let sign_in = SignIn {
            server,
            api_key,
            account,
            key_storage: if in_keyring {
                KeyStorage::Keyring
            } else {
                KeyStorage::File
            },
        };
        sign_in.write_file(config_dir)?;
        Ok(sign_in)
    }

    fn write_file(&self, config_dir: &Path) -> std::io::Result<()> {
        use std::io::Write;
        let file = SignInFile {
            server: self.server.clone(),
            account: self.account.clone(),
            api_key: (self.key_storage == KeyStorage::File).then(|| self.api_key.clone()),
        };
        let target = path(config_dir);
        let tmp = target.with_extension("json.tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut out = options.open(&tmp)?;
        out.write_all(serde_json::to_string_pretty(&file)?.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(tmp, target)
    }

    /// The sign-in kept earlier, if any and if its key can still be found.
    pub fn load(config_dir: &Path) -> Option<SignIn> {
        let text = std::fs::read_to_string(path(config_dir)).ok()?;
        let file: SignInFile = match serde_json::from_str(&text) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!("ignoring an unreadable sign-in file: {e}");
                return None;
            }
        };
        let (api_key, key_storage) = match file.api_key {
            Some(key) => (key, KeyStorage::File),
            None => match keyring_entry(&file.server, &file.account).and_then(|e| e.get_password())
            {
                Ok(key) => (key, KeyStorage::Keyring),
                Err(e) => {
                    tracing::warn!("the API key is no longer in the keyring ({e}); sign in again");
                    return None;
                }
            },
        };
        Some(SignIn {
            server: file.server,
            api_key,
            account: file.account,
            key_storage,
        })
    }

    /// Forgets the sign-in: the keyring's copy of the key, then the file.
    pub fn forget(config_dir: &Path) -> std::io::Result<()> {
        if let Some(current) = Self::load(config_dir) {
            if current.key_storage == KeyStorage::Keyring {
                if let Err(e) = keyring_entry(&current.server, &current.account)
                    .and_then(|e| e.delete_credential())
                {
                    tracing::warn!("could not remove the API key from the keyring: {e}");
                }
            }
        }
        match std::fs::remove_file(path(config_dir)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}
