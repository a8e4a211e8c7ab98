//! Secrets out of text the user sends to someone (a problem report): the known ones (the
//! API key in use) wherever they appear, and anything written as a secret whatever its
//! value: a URL's password, `X-Api-Key`, `api_key`, `password`, `token`, `secret` and
//! `Authorization` values. The logs should hold none (DESIGN.md rule 6); this is the second
//! line, for what a library or an old version wrote.

use std::sync::LazyLock;

use regex::Regex;

/// What stands where a secret was.
pub const REMOVED: &str = "[removed]";

/// `scheme://user:password@host`: the password.
static URL_PASSWORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*:)[^\s/@]+@").unwrap());

/// `name=value`, `name: value`, `"name": "value"` for the names secrets go by.
static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)((?:x-api-key|api[_-]?key|password|passwd|secret|token|authorization)["']?\s*[:=]\s*["']?)(?:(?:bearer|basic)\s+)?[^\s"',;&}]+"#,
    )
    .unwrap()
});

/// `Bearer value` on its own.
static BEARER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)(\bbearer\s+)[^\s"',;&}]+"#).unwrap());

/// `text` with every secret replaced by [`REMOVED`]. Known secrets shorter than 8
/// characters are not looked for (they would match ordinary words).
pub fn redact(text: &str, known: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in known.iter().filter(|s| s.len() >= 8) {
        out = out.replace(secret, REMOVED);
    }
    let out = URL_PASSWORD.replace_all(&out, format!("${{1}}{REMOVED}@"));
    let out = NAMED.replace_all(&out, format!("${{1}}{REMOVED}"));
    BEARER
        .replace_all(&out, format!("${{1}}{REMOVED}"))
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_named_secrets_go_and_the_rest_stays() {
        let key = "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2";
        let text = format!(
            "INFO signed in server=http://127.0.0.1:8400 key {key}\n\
             WARN db postgres://stint:hunter2@db.internal/stint unreachable\n\
             X-Api-Key: zzzzzzzz\n{{\"apiKey\": \"qqqqqqqq\", \"name\": \"Ada\"}}\n\
             Authorization: Bearer tttttttt\npassword=pppp&user=ada\nsent bearer bbbbbbbb\n"
        );
        let clean = redact(&text, &[key]);
        for secret in [
            key, "hunter2", "zzzzzzzz", "qqqqqqqq", "tttttttt", "pppp", "bbbbbbbb",
        ] {
            assert!(!clean.contains(secret), "{secret} left in:\n{clean}");
        }
        for kept in [
            "http://127.0.0.1:8400",
            "postgres://stint:",
            "@db.internal/stint",
            "\"name\": \"Ada\"",
            "user=ada",
            "INFO signed in",
        ] {
            assert!(clean.contains(kept), "{kept} lost from:\n{clean}");
        }
        assert_eq!(
            redact("nothing secret here", &["short"]),
            "nothing secret here"
        );
    }
}
