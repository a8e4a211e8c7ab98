//! The auto tracker's decisions: a span lasts while the same foreground window (app and
//! title) stays in front, spans of 10 seconds or less are dropped, idle time, a suspend or
//! a pause end a span, every URL in a title is cut to its host (never a path, query or
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

/// Turns changes of the window in front into spans. The sensors report a reading when the
/// foreground window or its title changes (not on a timer), so the open span lasts from its
/// reading until the next different one, or until a cut (idle time, a suspend, a pause).
#[derive(Debug, Clone, Default)]
pub struct SpanBuilder {
    open: Option<Reading>,
}

impl SpanBuilder {
    pub fn new() -> SpanBuilder {
        SpanBuilder::default()
    }

    /// Whether a window is being followed (nothing was cut since the last reading).
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    fn close(&mut self, end: DateTime<Utc>) -> Option<Span> {
        let first = self.open.take()?;
        let end = end.max(first.at);
        (end - first.at > min_span()).then(|| span_of(&first, first.at, end))
    }

    /// The window in front at `reading.at`; returns the span it finished, if one is worth
    /// keeping. The same app and title again changes nothing (the span goes on).
    pub fn push(&mut self, reading: Reading) -> Option<Span> {
        if let Some(first) = &self.open {
            if first.app == reading.app && first.title == reading.title && reading.at >= first.at {
                return None;
            }
        }
        let finished = self.close(reading.at);
        self.open = Some(reading);
        finished
    }

    /// The user went idle (last input at `at`), the machine slept, no window is in front or
    /// the tracker stops: the open span ends at `at` (never before its start).
    pub fn cut(&mut self, at: DateTime<Utc>) -> Option<Span> {
        self.close(at)
    }
}

/// One line of plain text: control characters (line breaks, tabs) become spaces and
/// bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which can make a
/// title read backwards in the view, are dropped.
pub fn plain_line(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn span_of(reading: &Reading, start: DateTime<Utc>, end: DateTime<Utc>) -> Span {
    let browser = is_browser(&reading.app);
    Span {
        app: plain_line(&reading.app),
        // Every app's title, not only a browser's: a terminal or an editor shows URLs too.
        title: plain_line(&hosts_only(&reading.title)),
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
