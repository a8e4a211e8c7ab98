//! The tray: a StatusNotifierItem over D-Bus (the `ksni` crate; no GTK, no web engine in
//! the agent). It shows the running entry and its elapsed minutes beside the icon (Linux
//! trays show the title, not a tooltip) and in the menu's first line; the icon says running,
//! stopped, or running with screenshots on (a red dot, so capture is never invisible). The
//! menu: Start / Stop, the last five entries to continue, Open Stint, Idle time… (while a
//! prompt waits), Pause / Resume auto tracker, Quit; above Open Stint, a line for each
//! feature this desktop cannot serve. A click on the icon opens the window.
//! Menu clicks become [`TrayAction`]s on a channel; the tray itself decides nothing.

use chrono::{DateTime, Utc};
use stint_core::{Entry, EntryId};
use stint_ipc::Overview;
use tokio::sync::mpsc;

/// What a click in the tray asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayAction {
    Start,
    Stop,
    /// Start a new entry like this one.
    Continue(EntryId),
    Open,
    /// Reopen the idle prompt.
    Idle,
    /// Pause or resume the auto tracker.
    PauseTracker,
    Quit,
}

/// "Writing docs · 1:05" (hours:minutes), or "Running · 0:03" without a description.
pub fn label(entry: &Entry, now: DateTime<Utc>) -> String {
    let minutes = entry.duration(now).num_minutes();
    let what = if entry.description.is_empty() {
        "Running"
    } else {
        entry.description.as_str()
    };
    format!("{what} · {}:{:02}", minutes / 60, minutes % 60)
}

/// The tray's line: the entry's label, and a warning while screenshots are taken.
pub fn status_text(entry: &Entry, screenshots: bool, now: DateTime<Utc>) -> String {
    let text = label(entry, now);
    if screenshots {
        format!("{text} · screenshots on")
    } else {
        text
    }
}

/// A recent entry's menu line: its description, cut to fit a menu, and its project
/// ("Project: Task") when it has one.
pub fn continue_label(entry: &Entry, project: Option<&str>) -> String {
    let description = if entry.description.trim().is_empty() {
        "(no description)".to_owned()
    } else if entry.description.chars().count() > 40 {
        let cut: String = entry.description.chars().take(39).collect();
        format!("{cut}…")
    } else {
        entry.description.clone()
    };
    let line = match project {
        Some(p) if p.chars().count() > 30 => {
            let cut: String = p.chars().take(29).collect();
            format!("{description} · {cut}…")
        }
        Some(p) => format!("{description} · {p}"),
        None => description,
    };
    // ksni reads an underscore as an access key; doubled, it is shown as itself.
    format!("Continue: {}", line.replace('_', "__"))
}

/// Which picture the icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayIcon {
    Stopped,
    Running,
    /// Running with screenshots armed.
    Screenshots,
}

/// Everything the tray shows, as of `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayView {
    pub overview: Overview,
    pub now: DateTime<Utc>,
}

impl TrayView {
    pub fn icon(&self) -> TrayIcon {
        match (&self.overview.running, self.overview.capture_armed) {
            (None, _) => TrayIcon::Stopped,
            (Some(_), false) => TrayIcon::Running,
            (Some(_), true) => TrayIcon::Screenshots,
        }
    }

    /// The line beside the icon and atop the menu.
    pub fn status(&self) -> String {
        match &self.overview.running {
            Some(entry) => status_text(entry, self.overview.capture_armed, self.now),
            None => "Stopped".into(),
        }
    }

    /// The menu, top to bottom: (label, enabled, action); `None` action is a line of text,
    /// a `None` label a separator.
    pub fn menu(&self) -> Vec<(Option<String>, bool, Option<TrayAction>)> {
        let running = self.overview.running.is_some();
        let mut items = vec![
            (Some(self.status()), false, None),
            (None, false, None),
            (
                Some("Start timer".into()),
                !running,
                Some(TrayAction::Start),
            ),
            (Some("Stop timer".into()), running, Some(TrayAction::Stop)),
        ];
        if !self.overview.recent.is_empty() {
            items.push((None, false, None));
            for (i, entry) in self.overview.recent.iter().enumerate() {
                let project = self
                    .overview
                    .recent_projects
                    .get(i)
                    .and_then(Option::as_deref);
                items.push((
                    Some(continue_label(entry, project)),
                    true,
                    Some(TrayAction::Continue(entry.id.clone())),
                ));
            }
        }
        items.push((None, false, None));
        // What this desktop cannot do: a line each; the window says why and what to do.
        for problem in &self.overview.problems {
            items.push((
                Some(format!(
                    "⚠ {} unavailable here (details in Stint)",
                    problem.feature
                )),
                true,
                Some(TrayAction::Open),
            ));
        }
        items.push((Some("Open Stint".into()), true, Some(TrayAction::Open)));
        if self.overview.idle_pending {
            items.push((Some("Idle time…".into()), true, Some(TrayAction::Idle)));
        }
        let tracker = if self.overview.auto_tracker.paused {
            "Resume auto tracker"
        } else {
            "Pause auto tracker"
        };
        items.push((Some(tracker.into()), true, Some(TrayAction::PauseTracker)));
        items.push((Some("Quit".into()), true, Some(TrayAction::Quit)));
        items
    }
}

#[cfg(target_os = "linux")]
mod sni {
    use super::*;

    const RUNNING: &[u8] = include_bytes!("../../../icons/tray-running.png");
    const STOPPED: &[u8] = include_bytes!("../../../icons/tray-stopped.png");
    const SCREENSHOTS: &[u8] = include_bytes!("../../../icons/tray-screenshots.png");

    /// A PNG as the StatusNotifierItem spec's ARGB32 pixmap (network byte order).
    fn pixmap(png_bytes: &[u8]) -> Option<ksni::Icon> {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
        let mut reader = decoder.read_info().ok()?;
        let mut rgba = vec![0; reader.output_buffer_size()?];
        let info = reader.next_frame(&mut rgba).ok()?;
        if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
            return None;
        }
        let data = rgba[..info.buffer_size()]
            .chunks_exact(4)
            .flat_map(|p| [p[3], p[0], p[1], p[2]])
            .collect();
        Some(ksni::Icon {
            width: i32::try_from(info.width).ok()?,
            height: i32::try_from(info.height).ok()?,
            data,
        })
    }

    pub(super) struct Icons {
        running: Vec<ksni::Icon>,
        stopped: Vec<ksni::Icon>,
        screenshots: Vec<ksni::Icon>,
    }

    impl Icons {
        pub fn load() -> Icons {
            let one = |bytes| pixmap(bytes).into_iter().collect();
            Icons {
                running: one(RUNNING),
                stopped: one(STOPPED),
                screenshots: one(SCREENSHOTS),
            }
        }
    }

    pub struct StintTray {
        pub view: TrayView,
        pub(super) icons: Icons,
        pub actions: mpsc::UnboundedSender<TrayAction>,
    }

    impl ksni::Tray for StintTray {
        fn id(&self) -> String {
            "stint".into()
        }

        fn title(&self) -> String {
            match &self.view.overview.running {
                Some(_) => self.view.status(),
                None => "Stint".into(),
            }
        }

        fn category(&self) -> ksni::Category {
            ksni::Category::ApplicationStatus
        }

        fn icon_pixmap(&self) -> Vec<ksni::Icon> {
            match self.view.icon() {
                TrayIcon::Stopped => self.icons.stopped.clone(),
                TrayIcon::Running => self.icons.running.clone(),
                TrayIcon::Screenshots => self.icons.screenshots.clone(),
            }
        }

        fn tool_tip(&self) -> ksni::ToolTip {
            ksni::ToolTip {
                title: "Stint".into(),
                description: self.view.status(),
                ..Default::default()
            }
        }

        fn activate(&mut self, _x: i32, _y: i32) {
            let _ = self.actions.send(TrayAction::Open);
        }

        fn menu(&self) -> Vec<ksni::MenuItem<Self>> {
            use ksni::menu::StandardItem;
            self.view
                .menu()
                .into_iter()
                .map(|(label, enabled, action)| match (label, action) {
                    (None, _) => ksni::MenuItem::Separator,
                    (Some(label), action) => StandardItem {
                        label,
                        enabled,
                        activate: Box::new(move |tray: &mut StintTray| {
                            if let Some(action) = &action {
                                let _ = tray.actions.send(action.clone());
                            }
                        }),
                        ..Default::default()
                    }
                    .into(),
                })
                .collect()
        }

        fn watcher_offline(&self, reason: ksni::OfflineReason) -> bool {
            tracing::warn!("the tray host went away ({reason:?}); the tray comes back with it");
            true
        }
    }
}

#[cfg(target_os = "linux")]
pub use sni::StintTray;

/// The running tray: update it with [`Tray::show`].
pub struct Tray {
    #[cfg(target_os = "linux")]
    handle: ksni::Handle<StintTray>,
}

impl Tray {
    /// Puts the tray on the desktop. Clicks arrive on `actions`.
    ///
    /// # Errors
    /// A sentence for the user where the desktop shows no tray (no StatusNotifierWatcher on
    /// the session bus, or no session bus).
    pub async fn spawn(
        view: TrayView,
        actions: mpsc::UnboundedSender<TrayAction>,
    ) -> Result<Tray, String> {
        #[cfg(target_os = "linux")]
        {
            use ksni::TrayMethods;
            let tray = StintTray {
                view,
                icons: sni::Icons::load(),
                actions,
            };
            let handle = tray.spawn().await.map_err(|e| match e {
                ksni::Error::Watcher(_) | ksni::Error::WontShow => {
                    "this desktop shows no tray icons (no StatusNotifierItem host)".to_owned()
                }
                other => format!("no tray: {other}"),
            })?;
            Ok(Tray { handle })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (view, actions);
            Err("the tray on this platform comes with the tray-icon port".into())
        }
    }

    /// Shows `view`.
    pub async fn show(&self, view: TrayView) {
        #[cfg(target_os = "linux")]
        self.handle.update(|tray| tray.view = view).await;
        #[cfg(not(target_os = "linux"))]
        let _ = view;
    }
}
