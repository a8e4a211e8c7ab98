//! Desktop notifications over org.freedesktop.Notifications (the Desktop Notifications
//! Specification, version 1.2): workspace notices and capture problems as plain ones, and
//! the idle prompt as an actionable one (Keep / Discard / Discard and continue / Keep as
//! new entry, whichever apply) where the server offers the `actions` capability, so
//! answering needs no web view. "Keep as new entry" needs a description, so that action
//! (and a click on the notification's body, the `default` action) opens the small prompt
//! window. Where no notification server runs, the message goes to the log.
//!
//! zbus talks to the server directly: the notify-rust crate waits for an action by
//! blocking a thread per notification, where the agent wants one signal stream on its
//! runtime.

use std::collections::HashMap;

use futures_util::StreamExt;
use stint_core::idle::{IdleChoice, IdleChoiceKind};
use stint_ipc::{IdlePrompt, ReminderKind};
use zbus::zvariant::Value;

#[zbus::proxy(
    interface = "org.freedesktop.Notifications",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications"
)]
trait Notifications {
    fn get_capabilities(&self) -> zbus::Result<Vec<String>>;

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: &str,
        replaces_id: u32,
        app_icon: &str,
        summary: &str,
        body: &str,
        actions: &[&str],
        hints: HashMap<&str, Value<'_>>,
        expire_timeout: i32,
    ) -> zbus::Result<u32>;

    fn close_notification(&self, id: u32) -> zbus::Result<()>;

    #[zbus(signal)]
    fn action_invoked(&self, id: u32, action_key: String) -> zbus::Result<()>;

    #[zbus(signal)]
    fn notification_closed(&self, id: u32, reason: u32) -> zbus::Result<()>;
}

/// An action the user took on the idle notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdleAction {
    /// Answer prompt `id` with this choice.
    Answer { id: u32, choice: IdleChoice },
    /// Open the small prompt window (to type a description, or on a click on the body).
    OpenPrompt,
}

/// The action keys and labels offered for `prompt`.
pub fn idle_actions(prompt: &IdlePrompt) -> Vec<(&'static str, &'static str)> {
    let mut actions = vec![("default", "Answer…")];
    for kind in &prompt.choices {
        actions.push(match kind {
            IdleChoiceKind::Keep => ("keep", "Keep"),
            IdleChoiceKind::Discard => ("discard", "Discard"),
            IdleChoiceKind::DiscardAndContinue => ("discardAndContinue", "Discard and continue"),
            IdleChoiceKind::KeepAsNewEntry => ("keepAsNewEntry", "Keep as new entry…"),
        });
    }
    actions
}

/// What an invoked action key of the prompt `id` means.
pub fn idle_action(id: u32, key: &str) -> Option<IdleAction> {
    let choice = match key {
        "keep" => IdleChoice::Keep,
        "discard" => IdleChoice::Discard,
        "discardAndContinue" => IdleChoice::DiscardAndContinue,
        "keepAsNewEntry" | "default" => return Some(IdleAction::OpenPrompt),
        _ => return None,
    };
    Some(IdleAction::Answer { id, choice })
}

/// "Idle since 10:05, 25 minutes".
pub fn idle_message(prompt: &IdlePrompt) -> String {
    let since = prompt
        .period
        .start
        .with_timezone(&chrono::Local)
        .format("%H:%M");
    let minutes = prompt.period.length().num_minutes();
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    format!("Idle since {since}, {minutes} {unit}. Keep or discard this time?")
}

/// An action the user took on a reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderAction {
    StartTimer,
    StopTimer,
    /// Pomodoro: the break counts as work.
    KeepBreak,
    /// A click on the body: the window.
    OpenWindow,
}

/// The buttons of a reminder: Start where no timer runs, Stop on a long one.
pub fn reminder_actions(kind: ReminderKind) -> [(&'static str, &'static str); 2] {
    match kind {
        ReminderKind::NoTimer => [("default", "Open Stint"), ("start", "Start timer")],
        ReminderKind::StillRunning | ReminderKind::BackToWork => {
            [("default", "Open Stint"), ("stop", "Stop timer")]
        }
        ReminderKind::Break => [("default", "Open Stint"), ("keepBreak", "Count the break")],
    }
}

/// What an invoked action key of a reminder means.
pub fn reminder_action(key: &str) -> Option<ReminderAction> {
    match key {
        "start" => Some(ReminderAction::StartTimer),
        "stop" => Some(ReminderAction::StopTimer),
        "keepBreak" => Some(ReminderAction::KeepBreak),
        "default" => Some(ReminderAction::OpenWindow),
        _ => None,
    }
}

/// The agent's connection to the notification server.
pub struct Notifier {
    proxy: NotificationsProxy<'static>,
    /// The idle notification on screen: (its id, the prompt's id).
    idle: Option<(u32, u32)>,
    /// The reminder on screen: (its id, which one).
    reminder: Option<(u32, ReminderKind)>,
}

impl Notifier {
    /// Connects on the session bus.
    ///
    /// # Errors
    /// No session bus.
    pub async fn connect() -> zbus::Result<Notifier> {
        let connection = zbus::Connection::session().await?;
        let proxy = NotificationsProxy::builder(&connection)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await?;
        Ok(Notifier {
            proxy,
            idle: None,
            reminder: None,
        })
    }

    /// Whether the server shows action buttons; `false` where no server answers.
    pub async fn has_actions(&self) -> bool {
        match self.proxy.get_capabilities().await {
            Ok(caps) => caps.iter().any(|c| c == "actions"),
            Err(e) => {
                tracing::info!("no notification server answers: {e}");
                false
            }
        }
    }

    /// A plain notification; where none can be shown, the log keeps the message.
    pub async fn tell(&self, message: &str) {
        let sent = self
            .proxy
            .notify("Stint", 0, "", "Stint", message, &[], HashMap::new(), -1)
            .await;
        if let Err(e) = sent {
            tracing::warn!("could not show a notification ({e}): {message}");
        }
    }

    /// The idle prompt with its answers as buttons, replacing an earlier one (a prompt that
    /// widened). Returns whether it is on screen.
    pub async fn ask_idle(&mut self, prompt: &IdlePrompt) -> bool {
        let actions: Vec<&str> = idle_actions(prompt)
            .into_iter()
            .flat_map(|(key, label)| [key, label])
            .collect();
        let mut hints = HashMap::new();
        // Stays until answered: critical urgency and resident (spec: "urgency", "resident").
        hints.insert("urgency", Value::U8(2));
        hints.insert("resident", Value::Bool(true));
        hints.insert("category", Value::Str("presence".into()));
        let replaces = self.idle.map_or(0, |(id, _)| id);
        let message = idle_message(prompt);
        match self
            .proxy
            .notify(
                "Stint",
                replaces,
                "",
                "Stint — idle time",
                &message,
                &actions,
                hints,
                0,
            )
            .await
        {
            Ok(id) => {
                self.idle = Some((id, prompt.id));
                true
            }
            Err(e) => {
                tracing::warn!("could not show the idle prompt as a notification: {e}");
                false
            }
        }
    }

    /// The prompt was answered (anywhere): its notification goes.
    pub async fn idle_answered(&mut self) {
        if let Some((id, _)) = self.idle.take() {
            let _ = self.proxy.close_notification(id).await;
        }
    }

    /// A reminder with its button (where the server shows buttons), replacing the one
    /// before, so reminders never pile up.
    pub async fn remind(&mut self, kind: ReminderKind, message: &str) {
        let actions: Vec<&str> = if self.has_actions().await {
            reminder_actions(kind)
                .into_iter()
                .flat_map(|(key, label)| [key, label])
                .collect()
        } else {
            vec![]
        };
        let replaces = self.reminder.map_or(0, |(id, _)| id);
        let mut hints = HashMap::new();
        hints.insert("category", Value::Str("presence".into()));
        let sent = self
            .proxy
            .notify("Stint", replaces, "", "Stint", message, &actions, hints, -1)
            .await;
        match sent {
            Ok(id) => self.reminder = Some((id, kind)),
            Err(e) => tracing::warn!("could not show a reminder ({e}): {message}"),
        }
    }

    /// The timer started or stopped: a reminder about the other state has had its say.
    pub async fn timer_changed(&mut self, running: bool) {
        let stale = match self.reminder {
            Some((id, ReminderKind::NoTimer)) if running => Some(id),
            Some((id, _)) if !running => Some(id),
            _ => None,
        };
        if let Some(id) = stale {
            self.reminder = None;
            let _ = self.proxy.close_notification(id).await;
        }
    }

    /// What an action on notification `id` asks for, if it is the reminder's.
    pub fn reminder_action_of(&self, id: u32, key: &str) -> Option<ReminderAction> {
        let (shown, _) = self.reminder?;
        (shown == id).then(|| reminder_action(key)).flatten()
    }

    /// The stream of actions invoked on any notification: (notification id, key).
    pub async fn actions(&self) -> zbus::Result<impl futures_util::Stream<Item = (u32, String)>> {
        let stream = self.proxy.receive_action_invoked().await?;
        Ok(stream.filter_map(|signal| async move {
            let args = signal.args().ok()?;
            Some((args.id, args.action_key))
        }))
    }

    /// What an action on notification `id` asks for, if it is the idle prompt's.
    pub fn idle_action_of(&self, id: u32, key: &str) -> Option<IdleAction> {
        let (shown, prompt) = self.idle?;
        (shown == id).then(|| idle_action(prompt, key)).flatten()
    }
}
