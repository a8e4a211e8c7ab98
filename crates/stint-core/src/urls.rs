//! Cutting URLs in window titles down to their host, for the auto tracker (DESIGN.md rule
//! 1: stored titles hold no URL path, query or fragment of any URL form).
//!
//! A title is split into runs of non-whitespace (any Unicode white space separates: spaces,
//! tabs, newlines, no-break spaces). In each run the first URL-like part is found and
//! everything from it to the end of the run is replaced by its host:
//! - a scheme URL, `scheme://…` in any case (`https`, `FTP`, `chrome-extension`, …): the
//!   authority without user info and port; `file:` URLs (and other host-less ones) become
//!   the neutral word [`LOCAL_FILE`];
//! - `mailto:` and `file:/…` without the double slash: the mail domain, or [`LOCAL_FILE`];
//! - a bare host followed by a path, query, fragment or port (`www.example.org/x`,
//!   `localhost:3000/reset?token=…`, `192.168.1.10/admin`, `[::1]:8080/`).
//!
//! What comes before the URL in the run (`(`, `Docs|`, `—`) stays; what follows it in the
//! same run is dropped with the path, since nothing tells where a path ends.

/// What a `file:` URL (or another URL without a host) is replaced by.
pub const LOCAL_FILE: &str = "[local file]";

/// The title with every URL-like part cut to its host.
pub fn hosts_only(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut run = String::new();
    for c in title.chars() {
        if c.is_whitespace() {
            out.push_str(&trim_run(&run).0);
            run.clear();
            out.push(c);
        } else {
            run.push(c);
        }
    }
    out.push_str(&trim_run(&run).0);
    out
}

/// The first host a URL or host name in `title` names (lowercased), if any.
pub fn first_host(title: &str) -> Option<String> {
    title
        .split(char::is_whitespace)
        .find_map(|run| trim_run(run).1.filter(|h| h != LOCAL_FILE))
}

/// A run with its URL cut to the host, and that host.
fn trim_run(run: &str) -> (String, Option<String>) {
    if let Some((prefix, host)) = scheme_url(run) {
        return (format!("{prefix}{host}"), Some(host));
    }
    // A bare host: it may follow punctuation, so try every start after a non-host char.
    let mut starts = vec![0];
    starts.extend(
        run.char_indices()
            .filter(|(_, c)| !is_host_char(*c) && *c != '[')
            .map(|(i, c)| i + c.len_utf8()),
    );
    for start in starts {
        if let Some((host, rest)) = bare_host(&run[start..]) {
            let cut = rest.starts_with(['/', '?', '#', '\\']) || port_then_path(rest);
            if cut {
                return (format!("{}{host}", &run[..start]), Some(host));
            }
            if rest.is_empty() || !rest.starts_with(is_host_char) {
                // A host on its own (or before punctuation) is kept as written.
                return (run.to_owned(), Some(host));
            }
        }
    }
    (run.to_owned(), None)
}

/// `:1234/…` (or `?`, `#`): a port with something after it. A port alone (`:3000`) or a
/// line number (`main.rs:42`) is no URL.
fn port_then_path(rest: &str) -> bool {
    let Some(after) = rest.strip_prefix(':') else {
        return false;
    };
    let digits = after.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && after[digits..].starts_with(['/', '?', '#', '\\'])
}

fn is_host_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '.' || c == '_'
}

/// `prefix` and host of the first `scheme://…`, `mailto:…` or `file:…` in the run.
fn scheme_url(run: &str) -> Option<(String, String)> {
    let lower = run.to_ascii_lowercase();
    let (at, after) = if let Some(i) = lower.find("://") {
        // The scheme is the run of scheme characters before `://`, starting with a letter.
        let scheme_start = lower[..i]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || "+.-".contains(*c))
            .last()
            .map_or(i, |(j, _)| j);
        let scheme_start = lower[scheme_start..i]
            .char_indices()
            .find(|(_, c)| c.is_ascii_alphabetic())
            .map_or(i, |(j, _)| scheme_start + j);
        (scheme_start, i + 3)
    } else if let Some(i) = find_word(&lower, "mailto:") {
        (i, i + "mailto:".len())
    } else if let Some(i) = find_word(&lower, "file:/") {
        return Some((run[..i].to_owned(), LOCAL_FILE.to_owned()));
    } else {
        return None;
    };
    let scheme = &lower[at..after];
    if scheme.starts_with("file") {
        return Some((run[..at].to_owned(), LOCAL_FILE.to_owned()));
    }
    let authority = run[after..]
        .split(['/', '?', '#', '\\'])
        .next()
        .unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = strip_port(host_port).trim_end_matches('.').to_lowercase();
    let host = if host.is_empty() {
        LOCAL_FILE.to_owned()
    } else {
        host
    };
    Some((run[..at].to_owned(), host))
}

/// Where `word` starts in `text` at a word boundary (not inside a longer name).
fn find_word(text: &str, word: &str) -> Option<usize> {
    text.match_indices(word)
        .map(|(i, _)| i)
        .find(|&i| !text[..i].ends_with(|c: char| c.is_ascii_alphanumeric()))
}

fn strip_port(host_port: &str) -> &str {
    if let Some(rest) = host_port.strip_prefix('[') {
        // [v6]:port
        return rest.split(']').next().unwrap_or_default();
    }
    match host_port.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host_port,
    }
}

/// A host name at the start of `text`, lowercased, and what follows it. Hosts are dotted
/// names with an alphabetic (or punycode) top-level label, IPv4 addresses, `localhost`
/// and bracketed IPv6 addresses.
fn bare_host(text: &str) -> Option<(String, &str)> {
    if let Some(rest) = text.strip_prefix('[') {
        let end = rest.find(']')?;
        let inner = &rest[..end];
        let v6 = inner.contains(':') && inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':');
        return v6.then(|| (inner.to_lowercase(), &rest[end + 1..]));
    }
    let len = text
        .char_indices()
        .find(|(_, c)| !is_host_char(*c))
        .map_or(text.len(), |(i, _)| i);
    let name = &text[..len];
    let name = name.trim_end_matches('.');
    let rest = &text[name.len()..];
    let host = name.to_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let valid_label =
        |l: &&str| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-');
    let ipv4 = labels.len() == 4 && labels.iter().all(|l| l.parse::<u8>().is_ok());
    let tld = labels.last().copied().unwrap_or_default();
    let named = labels.len() >= 2
        && labels.iter().all(valid_label)
        && !host.contains('_')
        && (tld.chars().all(char::is_alphabetic) && tld.chars().count() >= 2
            || tld.starts_with("xn--"));
    (ipv4 || named || host == "localhost").then_some((host, rest))
}
