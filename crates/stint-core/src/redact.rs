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
/// of the address (a password may hold `@` and `/`). A `:` that begins a port (digits,
/// then the path) is not a password.
static URL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([A-Za-z][A-Za-z0-9+.-]*://[^\s/:@"'<>]*:)([^\s"'<>]+)@"#).unwrap()
});

/// A port and a path, which [`URL_PASSWORD`] must leave alone.
static PORT_THEN_PATH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d+/").unwrap());

/// Private key blocks (PEM, OpenSSH, PGP), whole, or to the end of a cut-off text.
static PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----|\z)",
    )
    .unwrap()
});

/// Headers whose whole value is a credential, wherever on a line: the rest of the line.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?im)(\b(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token)\s*:\s*)[^\r\n]+",
    )
    .unwrap()
});

/// A secret's name (quoted, or escaped-quoted as in debug output), then `=` or `:`, then
/// its value: a quoted string (escapes included), or the rest of the line up to a
/// separator (an unquoted value may hold spaces).
static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)((?:[\w.-]*(?:passw(?:or)?d|pass\b|pwd\b|passphrase|secret|token|api[_-]?key|apikey|private[_-]?key|privatekey|access[_-]?key|credential|cookie|session[_-]?id|authorization)[\w.-]*|\bkey|\bauth)(?:\\?["'])?\s*[:=]\s*)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\\"(?:[^"\\]|\\[^"])*\\"|(?:(?:bearer|basic|token)\s+)?[^\r\n"',;&}<>\\]+)"#,
    )
    .unwrap()
});

/// `Bearer value` on its own.
static BEARER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)(\bbearer\s+)[^\s"',;&}<>]+"#).unwrap());

/// Passwords on command lines: `mysql … -pSECRET`, `curl … -u user:SECRET`.
static COMMAND_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)(\b(?:mysql|mysqldump|mariadb)\b[^\r\n]*?\s-p)\S+|(\bcurl\b[^\r\n]*?\s(?:-u|--user)\s+[^\s:]+:)\S+")
        .unwrap()
});

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
    let out = URL_PASSWORD.replace_all(&out, |c: &regex::Captures<'_>| {
        if PORT_THEN_PATH.is_match(&c[2]) {
            c[0].to_owned()
        } else {
            format!("{}{REMOVED}@", &c[1])
        }
    });
    let out = HEADER.replace_all(&out, format!("${{1}}{REMOVED}"));
    let out = NAMED.replace_all(&out, format!("${{1}}{REMOVED}"));
    let out = COMMAND_LINE.replace_all(&out, |c: &regex::Captures<'_>| {
        let kept = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
        format!("{kept}{REMOVED}")
    });
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
             {{\"server\":\"http://x\",\"email\":\"a@b.c\"}}\n\
             body=\"{{\\\"password\\\":\\\"debugescaped7\\\",\\\"apiKey\\\":\\\"debugkey8\\\"}}\"\n\
             -----BEGIN PGP PRIVATE KEY BLOCK-----\npgpsecretline\n-----END PGP PRIVATE KEY BLOCK-----\n\
             DEBUG hdr Cookie: theme=dark; auth=midcookie3; csrf=csrfval4\n\
             {{\"pass\": \"passval9\", \"auth\": \"authval10\"}} db_pass=dbpassval11\n\
             run mysql -u root -pmysqlpw12 db\ncurl -s -u ada:curlpw13 https://x\n\
             DB_PASSWORD = plain spaced pw14\nGET http://127.0.0.1:8400/users/a@b.c\n\
             -----BEGIN OPENSSH PRIVATE KEY-----\ncutoffpem15",
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
            "debugescaped7",
            "debugkey8",
            "pgpsecretline",
            "midcookie3",
            "csrfval4",
            "passval9",
            "authval10",
            "dbpassval11",
            "mysqlpw12",
            "curlpw13",
            "spaced pw14",
            "cutoffpem15",
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
            "http://127.0.0.1:8400/users/a@b.c",
        ] {
            assert!(clean.contains(kept), "{kept} lost from:\n{clean}");
        }
        assert_eq!(
            redact("nothing secret here", &["short"]),
            "nothing secret here"
        );
    }
}
