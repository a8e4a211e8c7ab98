//! API keys: 48 hexadecimal characters, Clockify's length (some Clockify clients check it):
//! a 16-digit key id, then a 32-digit (128-bit) secret. Keys issued before in the form
//! `stint_<key id>_<secret>` keep working. Only a SHA-256 of the secret is stored; the key
//! id finds the row and the hashes are compared in constant time. Keys are never logged.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A new key and what to store of it.
pub struct IssuedKey {
    pub key: String,
    pub key_id: String,
    pub hash: Vec<u8>,
}

fn random_hex(bytes: usize) -> String {
    let mut out = String::new();
    while out.len() < bytes * 2 {
        // UUIDv4 draws from the OS's secure random source.
        out.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    out.truncate(bytes * 2);
    out
}

pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// The length of a key, as Clockify's.
pub const KEY_CHARS: usize = 48;
const KEY_ID_CHARS: usize = 16;

pub fn issue_key() -> IssuedKey {
    let key_id = random_hex(KEY_ID_CHARS / 2);
    let secret = random_hex((KEY_CHARS - KEY_ID_CHARS) / 2);
    IssuedKey {
        key: format!("{key_id}{secret}"),
        hash: hash_secret(&secret),
        key_id,
    }
}

/// Splits a presented key into its id and secret; `None` if it is not shaped like ours.
pub fn split_key(key: &str) -> Option<(&str, &str)> {
    if let Some(rest) = key.strip_prefix("stint_") {
        let (id, secret) = rest.split_once('_')?;
        return (id.len() == KEY_ID_CHARS && !secret.is_empty()).then_some((id, secret));
    }
    (key.len() == KEY_CHARS && key.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| key.split_at(KEY_ID_CHARS))
}

pub fn secret_matches(secret: &str, stored_hash: &[u8]) -> bool {
    hash_secret(secret).ct_eq(stored_hash).into()
}

/// A 24-hex-digit id, the shape of Clockify's ids.
pub fn new_id() -> String {
    random_hex(12)
}

/// An Argon2id hash (PHC string, random salt) of a password for the web pages.
pub fn hash_password(password: &str) -> Result<String, String> {
    use argon2::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches a hash made by [`hash_password`]; a malformed hash matches
/// nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::PasswordVerifier;
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}
