//! The auto tracker's decisions: consecutive readings of the same foreground window merge
//! into spans, spans of 10 seconds or less are dropped, idle time and gaps (a suspend, a
//! pause) end a span, every URL in a title is cut to its host (never a path, query or
//! fragment; see [`crate::urls`]) and a browser's site is that host. Time is passed in; nothing here reads a clock or a window.

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
    /// The window title, every URL in it cut to its host.
    pub title: String,
    /// A browser's site (host), where the title shows one.
    pub site: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A span on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StoredSpan {
    pub id: u32,
    #[serde(flatten)]
    pub span: Span,
}

/// What "Ignore forever" applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum IgnoreKind {
    App,
    Site,
}

impl IgnoreKind {
    /// How the private store names it.
    pub fn as_str(self) -> &'static str {
        match self {
            IgnoreKind::App => "app",
            IgnoreKind::Site => "site",
        }
    }
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
        // Every app's title, not only a browser's: a terminal or an editor shows URLs too.
        title: hosts_only(&reading.title),
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

/// The site a browser title shows: the host of the first URL or host name in it.
pub fn site_of(title: &str) -> Option<String> {
    crate::urls::first_host(title)
}

pub use crate::urls::hosts_only;
