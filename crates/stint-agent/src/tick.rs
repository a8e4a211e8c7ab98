//! The one periodic task. It sleeps until the next thing is due and is woken early by
//! commands; with no timer running nothing is due and it sleeps until woken.

use std::sync::Arc;
use std::time::Duration;

use stint_core::timer::next_display_refresh;

use crate::agent::Agent;

impl Agent {
    /// How long until the tick has work to do; `None` while idle.
    fn next_tick_in(&self) -> Option<Duration> {
        let running = match self.running() {
            Ok(r) => r?,
            Err(e) => {
                tracing::warn!("tick could not read the timer: {e}");
                return Some(Duration::from_secs(60));
            }
        };
        let now = self.now();
        let due = next_display_refresh(running.start, now);
        Some(
            (due - now)
                .to_std()
                .unwrap_or(Duration::ZERO)
                .max(Duration::from_millis(200)),
        )
    }

    /// Runs until the task is dropped. Spawn it once on the runtime that hosts the agent.
    pub async fn run_ticks(self: Arc<Self>) {
        loop {
            match self.next_tick_in() {
                Some(delay) => {
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {
                            if let Err(e) = self.emit_tick() {
                                tracing::warn!("tick failed: {e}");
                            }
                        }
                        () = self.wake.notified() => {}
                    }
                }
                None => self.wake.notified().await,
            }
        }
    }
}
