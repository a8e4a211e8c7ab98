//! The auto tracker's decisions: consecutive readings of the same foreground window merge
//! into spans, spans of 10 seconds or less are dropped, idle time and gaps (a suspend, a
//! pause) end a span, and a browser's site is reduced to its host (never a path, query or
//! fragment). Time is passed in; nothing here reads a clock or a window.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Spans this short or shorter are not kept.
pub fn min_span() -> Duration {
    Duration::seconds(10)
}

/// One look at the foreground window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub at: DateTime<Utc>,
    pub app: String,
    pub title: String,
}

/// A finished stretch of one app and title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    pub app: String,
    /// The window title; for a browser, URLs in it are cut to their host.
    pub title: String,
    /// A browser's site (host), where the title shows one.
    pub site: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Merges readings into spans. `pulse` is the time between readings; a reading later
/// than 1.5 pulses after the previous one starts a new span (the machine slept, or the
/// tracker was paused).
#[derive(Debug, Clone)]
pub struct SpanBuilder {
    pulse: Duration,
    open: Option<(Reading, DateTime<Utc>)>,
}

impl SpanBuilder {
    pub fn new(pulse: Duration) -> SpanBuilder {
        SpanBuilder { pulse, open: None }
    }

    fn close(&mut self) -> Option<Span> {
        let (first, last) = self.open.take()?;
        (last - first.at > min_span()).then(|| span_of(&first, first.at, last))
    }

    /// Adds a reading; returns the span it finished, if one is worth keeping.
    pub fn push(&mut self, reading: Reading) -> Option<Span> {
        if let Some((first, last)) = &mut self.open {
            let gap = reading.at - *last;
            let same = first.app == reading.app && first.title == reading.title;
            if same && gap >= Duration::zero() && gap * 2 <= self.pulse * 3 {
                *last = reading.at;
                return None;
            }
        }
        let finished = self.close();
        self.open = Some((reading.clone(), reading.at));
        finished
    }

    /// The user went idle (last input at `since`) or the tracker stops: the open span ends
    /// at `since` at the latest.
    pub fn cut(&mut self, since: DateTime<Utc>) -> Option<Span> {
        if let Some((first, last)) = &mut self.open {
            *last = (*last).min(since).max(first.at);
        }
        self.close()
    }
}

fn span_of(reading: &Reading, start: DateTime<Utc>, end: DateTime<Utc>) -> Span {
    let browser = is_browser(&reading.app);
    Span {
        app: reading.app.clone(),
        title: if browser {
            hosts_only(&reading.title)
        } else {
            reading.title.clone()
        },
        site: browser.then(|| site_of(&reading.title)).flatten(),
        start,
        end,
    }
}

const BROWSERS: [&str; 12] = [
    "firefox",
    "chrome",
    "chromium",
    "brave",
    "edge",
    "opera",
    "vivaldi",
    "safari",
    "epiphany",
    "librewolf",
    "falkon",
    "qutebrowser",
];

/// Whether an app name is a web browser's.
pub fn is_browser(app: &str) -> bool {
    let app = app.to_lowercase();
    BROWSERS.iter().any(|b| app.contains(b))
}

/// The host of a URL-like token (`https://user@Host:8080/path?q#f`, `www.example.org/x`),
/// lowercased, without port, path, query or fragment. `None` if the token is no host.
fn host_of(token: &str) -> Option<String> {
    let token = token.trim_matches(|c: char| "()[]<>\"'«»,;".contains(c));
    let (rest, had_scheme) = match token.find("://") {
        Some(i) if token[..i].chars().all(|c| c.is_ascii_alphabetic()) && i > 0 => {
            (&token[i + 3..], true)
        }
        _ => (token, false),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host_port,
    }
    .trim_end_matches('.')
    .to_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let valid_label = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld = labels.last().copied().unwrap_or_default();
    let looks_like_host = labels.len() >= 2
        && labels.iter().all(valid_label)
        && (tld.chars().all(char::is_alphabetic) && tld.chars().count() >= 2
            || tld.starts_with("xn--"));
    (looks_like_host && (had_scheme || labels.len() >= 2)).then_some(host)
}

/// The site a browser title shows: the first token that is a URL or a host name.
pub fn site_of(title: &str) -> Option<String> {
    title.split_whitespace().find_map(host_of)
}

/// The title with every URL or host in it cut down to the host.
pub fn hosts_only(title: &str) -> String {
    title
        .split(' ')
        .map(|word| host_of(word).unwrap_or_else(|| word.to_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}
