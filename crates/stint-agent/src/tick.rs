//! The one periodic task. It sleeps until the next thing is due (the display refresh of a
//! running timer, the next screenshot moment) and is woken early by commands and by changes
//! that arrive from sync; with nothing due it sleeps until woken.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_core::timer::next_display_refresh;
use tokio::sync::broadcast::error::RecvError;

use crate::agent::{Agent, AgentEvent};

impl Agent {
    /// When the running timer's display should move next; `None` while idle.
    fn next_display_at(&self) -> Option<DateTime<Utc>> {
        match self.running() {
            Ok(running) => running.map(|r| next_display_refresh(r.start, self.now())),
            Err(e) => {
                tracing::warn!("tick could not read the timer: {e}");
                Some(self.now() + chrono::Duration::seconds(60))
            }
        }
    }

    /// Runs until the task is dropped. Spawn it once on the runtime that hosts the agent.
    pub async fn run_ticks(self: Arc<Self>) {
        let mut events = self.subscribe();
        loop {
            self.capture_if_due().await;
            let now = self.now();
            let until_display = self.next_display_at().map(|at| {
                (at - now)
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .max(Duration::from_millis(200))
            });
            let delay = [
                until_display,
                self.next_capture_in(now),
                self.check_idle(),
                self.check_activity(),
            ]
            .into_iter()
            .flatten()
            .min();
            // Other events (the agent's own, sync counts) wait for the same deadline
            // rather than re-reading the sensors.
            let deadline = delay.map(|d| tokio::time::Instant::now() + d);
            let display_due = loop {
                let sleep = async {
                    match deadline {
                        Some(at) => tokio::time::sleep_until(at).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    // Slept the whole delay: if it was the display's, the display moves now.
                    () = sleep => break until_display.is_some() && until_display == delay,
                    () = self.wake.notified() => break false,
                    // Sync adopts timers and learns the policy on its own thread: look again.
                    event = events.recv() => match event {
                        Ok(AgentEvent::TimerChanged { .. } | AgentEvent::PolicyChanged { .. })
                        | Err(RecvError::Lagged(_)) => break false,
                        Ok(_) => continue,
                        Err(RecvError::Closed) => return,
                    },
                }
            };
            if display_due {
                if let Err(e) = self.emit_tick() {
                    tracing::warn!("tick failed: {e}");
                }
            }
        }
    }
}
