//! The global shortcut on Wayland, through xdg-desktop-portal's GlobalShortcuts interface
//! (the `ashpd` crate), where the desktop offers it (KDE Plasma 5.27+, GNOME 48+,
//! Hyprland): a session binds one shortcut with the user's accelerator as the preferred
//! trigger (the desktop may ask the user, or let them pick another), and its `Activated`
//! signal is a press. One thread with its own small runtime per binding; a new shortcut
//! ends the old session. Where no portal offers the interface, the user is told to bind
//! `stint-cli toggle` in the desktop's settings.

use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

use ashpd::desktop::global_shortcuts::{BindShortcutsOptions, GlobalShortcuts, NewShortcut};
use ashpd::desktop::CreateSessionOptions;
use futures_util::StreamExt;
use tokio::sync::oneshot;

use crate::hotkey::{Accelerator, HotkeySource, OnPress};

/// The one shortcut's id in the portal session.
const SHORTCUT_ID: &str = "toggle-timer";

/// How long `set` waits for the portal before it lets the desktop ask the user on its own.
const ANSWER_WAIT: Duration = Duration::from_secs(3);

/// [`HotkeySource`] through the portal.
#[derive(Default)]
pub struct PortalHotkeys {
    /// Dropping it ends the session in force.
    session: Mutex<Option<oneshot::Sender<()>>>,
}

/// What a portal that cannot help says, for the user.
fn not_offered(e: impl std::fmt::Display) -> String {
    format!(
        "this desktop offers no global shortcuts to applications (GlobalShortcuts portal: \
         {e}); bind a key to `stint-cli toggle` in your desktop's keyboard settings instead"
    )
}

async fn bind(
    trigger: String,
    on_press: OnPress,
    ready: mpsc::Sender<Result<(), String>>,
    stop: oneshot::Receiver<()>,
) {
    let bound = async {
        // A connection of this thread's own: ashpd's shared one would belong to the
        // runtime of whichever thread made it first, which ends with its session.
        let connection = zbus::Connection::session().await?;
        let portal = GlobalShortcuts::with_connection(connection).await?;
        let session = portal
            .create_session(CreateSessionOptions::default())
            .await?;
        let activated = portal.receive_activated().await?;
        let shortcut = NewShortcut::new(SHORTCUT_ID, "Start or stop the Stint timer")
            .preferred_trigger(trigger.as_str());
        portal
            .bind_shortcuts(&session, &[shortcut], None, BindShortcutsOptions::default())
            .await?
            .response()?;
        Ok::<_, ashpd::Error>((session, activated))
    }
    .await;
    let (session, activated) = match bound {
        Ok(bound) => bound,
        Err(e) => {
            let _ = ready.send(Err(not_offered(e)));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    tokio::pin!(activated);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            press = activated.next() => match press {
                // The portal sends a session's presses to its owner alone.
                Some(press) if press.shortcut_id() == SHORTCUT_ID => on_press(),
                Some(_) => {}
                None => {
                    tracing::warn!("the portal stopped sending shortcut presses");
                    return;
                }
            },
            _ = &mut stop => {
                let _ = session.close().await;
                return;
            }
        }
    }
}

impl HotkeySource for PortalHotkeys {
    fn set(&self, accel: Option<&Accelerator>, on_press: OnPress) -> Result<(), String> {
        let mut slot = self.session.lock().unwrap_or_else(|p| p.into_inner());
        // The old session ends when its sender goes.
        slot.take();
        let Some(accel) = accel else { return Ok(()) };
        let trigger = accel.portal_trigger();
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("stint-portal-hotkey".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime.block_on(bind(trigger, on_press, ready_tx, stop_rx)),
                    Err(e) => {
                        let _ =
                            ready_tx.send(Err(format!("cannot start the portal's thread: {e}")));
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        match ready_rx.recv_timeout(ANSWER_WAIT) {
            Ok(Err(why)) => Err(why),
            // Bound, or the desktop is asking the user (KDE shows a dialog): it stays.
            Ok(Ok(())) | Err(mpsc::RecvTimeoutError::Timeout) => {
                *slot = Some(stop_tx);
                Ok(())
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(not_offered("no answer")),
        }
    }
}
