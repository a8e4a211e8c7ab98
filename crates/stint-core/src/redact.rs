//! Secrets out of text the user sends to someone (a problem report): the known ones (the
//! API key in use, in any case) wherever they appear, and anything written as a secret
//! whatever its value: a URL's password, private key blocks, header lines that carry
//! credentials (`Authorization`, `Cookie`, `X-Api-Key`…) and every `name=value`,
//! `name: value` or `"name": "value"` whose name speaks of a password, passphrase, secret,
//! token, key, credential, cookie or session. The logs should hold none (DESIGN.md rule 6);
//! this is the second line, for what a library or an old version wrote. It errs on the
//! side of removing too much.

use std::sync::LazyLock;

use regex::Regex;

/// What stands where a secret was.
pub const REMOVED: &str = "[removed]";

/// `scheme://user:password@host`: everything from the `:` after the user to the last `@`
/// of the address (a password may hold `@` and `/`).
static URL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([A-Za-z][A-Za-z0-9+.-]*://[^\s/:@"'<>]*:)[^\s"'<>]+@"#).unwrap()
});

/// PEM blocks of private keys, whole.
static PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?-----END [A-Z0-9 ]*PRIVATE KEY-----")
        .unwrap()
});

/// Header lines whose whole value is a credential: the rest of the line goes.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?im)^(\s*(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token)\s*:\s*).+$",
    )
    .unwrap()
});

/// A secret's name, then `=` or `:`, then its value: a quoted string (escapes included)
/// or the rest of the word.
static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)((?:[\w.-]*(?:passw(?:or)?d|passphrase|secret|token|api[_-]?key|apikey|private[_-]?key|privatekey|access[_-]?key|credential|cookie|session[_-]?id|authorization)[\w.-]*|\bkey)["']?\s*[:=]\s*)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|(?:(?:bearer|basic|token)\s+)?[^\s"',;&}<>]+)"#,
    )
    .unwrap()
});

/// `Bearer value` on its own.
static BEARER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)(\bbearer\s+)[^\s"',;&}<>]+"#).unwrap());

/// `text` with every secret replaced by [`REMOVED`]. Known secrets shorter than 8
/// characters are not looked for (they would match ordinary words).
pub fn redact(text: &str, known: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in known.iter().filter(|s| s.len() >= 8) {
        let Ok(any_case) = Regex::new(&format!("(?i){}", regex::escape(secret))) else {
            continue;
        };
        out = any_case.replace_all(&out, REMOVED).into_owned();
    }
    let out = PRIVATE_KEY.replace_all(&out, REMOVED);
    let out = URL_PASSWORD.replace_all(&out, format!("${{1}}{REMOVED}@"));
    let out = HEADER.replace_all(&out, format!("${{1}}{REMOVED}"));
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
            "INFO signed in server=http://127.0.0.1:8400 key {key} again {}\n\
             WARN db postgres://stint:hunter2@db.internal/stint unreachable\n\
             WARN db postgres://stint:p@ss/w0rd@db/x\n\
             X-Api-Key: zzzzzzzz\n{{\"apiKey\": \"qqqqqqqq\", \"name\": \"Ada\"}}\n\
             Authorization: Token tok_ABCDEFG\npassword=pppp&user=ada\nsent bearer bbbbbbbb\n\
             {{\"password\": \"correct horse battery staple\"}}\n\
             {{\"password\":\"esc\\\"aped\\\"PW\"}}\n\
             AWS_SECRET_ACCESS_KEY=awsawsaws\n{{\"privateKey\":\"pkpkpk\",\"secretAccessKey\":\"sksksk\"}}\n\
             key: kkkkkkkk\npassphrase=phphph\nCookie: sid=ckckck; theme=dark\n\
             -----BEGIN RSA PRIVATE KEY-----\nMIIEpemline\n-----END RSA PRIVATE KEY-----\n\
             {{\"server\":\"http://x\",\"email\":\"a@b.c\"}}\n",
            key.to_uppercase()
        );
        let clean = redact(&text, &[key]);
        for secret in [
            key,
            &key.to_uppercase(),
            "hunter2",
            "p@ss",
            "w0rd",
            "zzzzzzzz",
            "qqqqqqqq",
            "tok_ABCDEFG",
            "pppp",
            "bbbbbbbb",
            "horse",
            "staple",
            "aped",
            "PW",
            "awsawsaws",
            "pkpkpk",
            "sksksk",
            "kkkkkkkk",
            "phphph",
            "ckckck",
            "MIIEpemline",
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
            "\"email\":\"a@b.c\"",
            "\"server\":\"http://x\"",
        ] {
            assert!(clean.contains(kept), "{kept} lost from:\n{clean}");
        }
        assert_eq!(
            redact("nothing secret here", &["short"]),
            "nothing secret here"
        );
    }
}
