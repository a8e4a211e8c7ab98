//! The auto tracker's span merging, threshold, idle cuts and site trimming, exhaustively.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use stint_core::activity::{hosts_only, is_browser, site_of, Reading, SpanBuilder};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap() + Duration::seconds(secs)
}

fn r(secs: i64, app: &str, title: &str) -> Reading {
    Reading {
        at: t(secs),
        app: app.into(),
        title: title.into(),
    }
}

#[test]
fn a_span_lasts_from_its_window_coming_to_the_front_until_another_does() {
    let mut b = SpanBuilder::new();
    assert!(!b.is_open());
    assert_eq!(b.push(r(0, "Code", "main.rs")), None);
    // The same window reported again (a title set to what it was) changes nothing.
    assert_eq!(b.push(r(25, "Code", "main.rs")), None);
    assert!(b.is_open());
    let span = b.push(r(40, "Terminal", "bash")).unwrap();
    assert_eq!(
        (span.app.as_str(), span.start, span.end),
        ("Code", t(0), t(40))
    );
    assert_eq!(span.site, None);
}

#[test]
fn spans_of_ten_seconds_or_less_are_dropped() {
    let mut b = SpanBuilder::new();
    b.push(r(0, "Code", "a"));
    assert_eq!(
        b.push(r(10, "Mail", "inbox")),
        None,
        "exactly 10 s is dropped"
    );
    let kept = b.push(r(21, "Code", "a")).unwrap();
    assert_eq!(
        (kept.app.as_str(), kept.start, kept.end),
        ("Mail", t(10), t(21))
    );
}

#[test]
fn a_different_title_of_the_same_app_is_another_span() {
    let mut b = SpanBuilder::new();
    b.push(r(0, "Code", "a.rs"));
    let span = b.push(r(20, "Code", "b.rs")).unwrap();
    assert_eq!((span.title.as_str(), span.end), ("a.rs", t(20)));
}

#[test]
fn idle_time_cuts_the_open_span_at_the_last_input() {
    let mut b = SpanBuilder::new();
    b.push(r(0, "Code", "main.rs"));
    let span = b.cut(t(42)).unwrap();
    assert_eq!((span.start, span.end), (t(0), t(42)));
    assert!(!b.is_open());
    assert_eq!(b.cut(t(100)), None, "nothing open any more");
    // A cut before the span's start leaves an empty span, which is dropped.
    b.push(r(200, "Code", "x"));
    assert_eq!(b.cut(t(150)), None);
    // A reading older than the open one (a clock set back) starts a new span.
    b.push(r(300, "Code", "x"));
    assert_eq!(b.push(r(250, "Code", "x")), None);
    let span = b.cut(t(270)).unwrap();
    assert_eq!((span.start, span.end), (t(250), t(270)));
}

#[test]
fn browser_titles_keep_the_host_only() {
    assert!(is_browser("Firefox") && is_browser("google-chrome") && !is_browser("Code"));
    let cases = [
        (
            "https://docs.rs/axum/latest/axum/?search=x#top — Mozilla Firefox",
            Some("docs.rs"),
        ),
        (
            "http://user:pw@Example.ORG:8080/a/b?c=d#e - Chromium",
            Some("example.org"),
        ),
        (
            "www.example.co.uk/private/path?token=secret",
            Some("www.example.co.uk"),
        ),
        (
            "Bücher kaufen – https://bücher.example/kasse?id=9",
            Some("bücher.example"),
        ),
        ("xn--bcher-kva.example/x", Some("xn--bcher-kva.example")),
        ("GitHub - Mozilla Firefox", None),
        ("Release v1.2 notes", None),
        ("e.g. nothing here", None),
        (
            "(https://news.ycombinator.com/item?id=1)",
            Some("news.ycombinator.com"),
        ),
        ("localhost:3000/admin", Some("localhost")),
    ];
    for (title, site) in cases {
        assert_eq!(site_of(title).as_deref(), site, "{title}");
    }
    let trimmed = hosts_only("Search https://example.com/q?secret=1#frag results");
    assert_eq!(trimmed, "Search example.com results");
    for secret in ["/q", "secret", "frag"] {
        assert!(!trimmed.contains(secret));
    }
}

#[test]
fn a_browser_span_carries_its_site_and_no_path() {
    let mut b = SpanBuilder::new();
    let title = "Pay - https://bank.example/account/42?session=abc — Mozilla Firefox";
    b.push(r(0, "firefox", title));
    let span = b.cut(t(15)).unwrap();
    assert_eq!(span.site.as_deref(), Some("bank.example"));
    assert!(
        !span.title.contains("account") && !span.title.contains("session"),
        "{}",
        span.title
    );
}

#[test]
fn every_url_form_in_any_title_is_cut_to_its_host() {
    // Issue 11 #12: the forms that kept their paths, and their right answers.
    let cases = [
        (
            "Admin http://192.168.1.10/admin/users?token=abc",
            "Admin 192.168.1.10",
        ),
        (
            "salary file:///home/user/private/salary.pdf",
            "salary [local file]",
        ),
        ("Dev localhost:3000/reset?token=abc", "Dev localhost"),
        ("Docs\thttps://example.org/p?q=secret", "Docs\texample.org"),
        ("HTTPS://EXAMPLE.ORG/Private", "example.org"),
        ("x [::1]:8080/debug?k=v", "x ::1"),
        ("(http://[fe80::1]/p)", "(fe80::1"),
        (
            "Mail mailto:bob@example.org?subject=raise",
            "Mail example.org",
        ),
        ("Docs—https://example.org/p", "Docs—example.org"),
        ("ext chrome-extension://abcdef/options.html", "ext abcdef"),
        ("C:\\ file:/C:/Users/me/secret.txt", "C:\\ [local file]"),
        ("nbsp\u{a0}example.org/secret", "nbsp\u{a0}example.org"),
        ("lib.rs:42 - Code", "lib.rs:42 - Code"),
        ("Profile: Jane", "Profile: Jane"),
        ("localhost:3000", "localhost:3000"),
    ];
    for (title, stored) in cases {
        assert_eq!(hosts_only(title), stored, "{title:?}");
    }
}

#[test]
fn every_apps_title_is_trimmed_not_only_a_browsers() {
    let mut b = SpanBuilder::new();
    let title = "bash — curl https://api.example/v1/reset?token=s3cret";
    b.push(r(0, "gnome-terminal", title));
    let span = b.cut(t(15)).unwrap();
    assert_eq!(span.title, "bash — curl api.example");
    assert_eq!(span.site, None);
}

/// Parts of a URL that must never be stored, each with a marker word.
fn url_strategy() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "http://",
        "https://",
        "HTTPS://",
        "Http://",
        "ftp://",
        "ws://",
        "chrome-extension://",
        "file://",
        "FILE:///",
        "",
        "",
    ]);
    let host = prop::sample::select(vec![
        "example.org",
        "WWW.Example.CO.UK",
        "192.168.1.10",
        "10.0.0.1",
        "localhost",
        "[::1]",
        "[fe80::1]",
        "bücher.example",
        "xn--bcher-kva.example",
        "sub-domain.example.io",
    ]);
    let userinfo = prop::sample::select(vec!["", "userZsecret:pwZsecret@", "userZsecret@"]);
    let port = prop::sample::select(vec!["", ":8080", ":3000"]);
    let path = prop::sample::select(vec![
        "/pathZsecret",
        "/a/pathZsecret/b.pdf",
        "/",
        "\\pathZsecret",
        "",
    ]);
    let query = prop::sample::select(vec!["", "?token=queryZsecret", "?a=1&b=queryZsecret"]);
    let fragment = prop::sample::select(vec!["", "#fragZsecret"]);
    (scheme, userinfo, host, port, path, query, fragment).prop_map(
        |(scheme, userinfo, host, port, path, query, fragment)| {
            // Without a scheme, user info is no URL form; without anything after the
            // host, there is nothing to hide.
            let userinfo = if scheme.is_empty() { "" } else { userinfo };
            let path = if path.is_empty() && query.is_empty() && fragment.is_empty() {
                "/pathZsecret"
            } else {
                path
            };
            format!("{scheme}{userinfo}{host}{port}{path}{query}{fragment}")
        },
    )
}

proptest! {
    /// Issue 11 #12: a URL of any form, embedded anywhere in any title with any separator,
    /// leaves no path, query, fragment or user info in what is stored.
    #[test]
    fn no_url_part_survives_in_a_stored_title(
        url in url_strategy(),
        before in prop::sample::select(vec!["", "Docs", "Pay -", "(", "«", "Tab"]),
        separator in prop::sample::select(vec![" ", "\t", "\n", "\u{a0}", " | ", "—", " (", "|"]),
        after in prop::sample::select(vec!["", " — Mozilla Firefox", ") next", "\tend"]),
        app in prop::sample::select(vec!["firefox", "Code", "gnome-terminal"]),
    ) {
        let title = format!("{before}{separator}{url}{after}");
        let mut b = SpanBuilder::new();
        b.push(r(0, app, &title));
        let span = b.cut(t(15)).unwrap();
        prop_assert!(!span.title.contains("Zsecret"), "{title:?} stored as {:?}", span.title);
        prop_assert!(!hosts_only(&title).contains("Zsecret"));
        if let Some(site) = &span.site {
            prop_assert!(!site.contains("Zsecret"));
        }
    }
}

proptest! {
    /// Whatever the readings, spans are longer than ten seconds, lie within the readings,
    /// never overlap, come out in order and each ends where the next window came to the front.
    #[test]
    fn spans_are_long_enough_ordered_and_disjoint(
        steps in prop::collection::vec((1i64..12, 0usize..3), 1..200),
    ) {
        let apps = ["A", "B", "C"];
        let mut b = SpanBuilder::new();
        let mut at = 0;
        let mut spans = Vec::new();
        for (advance, app) in steps {
            at += advance;
            spans.extend(b.push(r(at, apps[app], "t")));
        }
        spans.extend(b.cut(t(at)));
        for s in &spans {
            prop_assert!(s.end - s.start > Duration::seconds(10));
            prop_assert!(s.start >= t(0) && s.end <= t(at));
        }
        for pair in spans.windows(2) {
            prop_assert!(pair[0].end <= pair[1].start);
        }
        // The total kept is everything but the dropped short stretches: never more time
        // than passed.
        let kept: i64 = spans.iter().map(|s| (s.end - s.start).num_seconds()).sum();
        prop_assert!(kept <= at);
    }
}

#[test]
fn titles_are_one_plain_line() {
    assert_eq!(
        stint_core::activity::plain_line("a\nb\tc\u{202E}gnp.exe\u{202C} d"),
        "a b cgnp.exe d"
    );
}
