//! Idle time on X11: the screen saver extension's idle counter, and the first input after
//! the user went away from XInput 2 raw events, selected only while they are away, so a
//! busy user costs nothing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use x11rb::connection::Connection;
use x11rb::protocol::screensaver::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

use crate::idle::{IdleSensorError, IdleSource};

/// The X screen saver extension's idle counter, over one kept connection (opened on first
/// use, reopened after an error). Pure Rust (x11rb): a missing display is an error, not a
/// crash.
#[derive(Default)]
pub struct X11Idle {
    connection: Mutex<Option<(RustConnection, u32)>>,
    /// The raw-input watcher, started at the first wait for input; `Err` once it could not.
    input: Mutex<Option<Result<Arc<InputWatch>, ()>>>,
}

type OnInput = Box<dyn FnOnce() + Send>;

/// A connection that selects XInput 2 key, button and motion events on the root window
/// while someone waits for input, and a thread that waits for them.
struct InputWatch {
    conn: RustConnection,
    root: u32,
    waiting: Mutex<Option<OnInput>>,
}

impl InputWatch {
    fn start() -> Result<Arc<InputWatch>, String> {
        use x11rb::protocol::xinput::ConnectionExt as _;
        let (conn, root) = X11Idle::connect().map_err(|e| e.to_string())?;
        // The server sends XInput 2 events only to clients that said they know version 2.
        let version = conn
            .xinput_xi_query_version(2, 0)
            .map_err(|e| e.to_string())?
            .reply()
            .map_err(|e| format!("no XInput 2: {e}"))?;
        if version.major_version < 2 {
            return Err(format!("XInput {} only", version.major_version));
        }
        let watch = Arc::new(InputWatch {
            conn,
            root,
            waiting: Mutex::new(None),
        });
        let thread_watch = watch.clone();
        std::thread::Builder::new()
            .name("stint-x11-input".into())
            .spawn(move || thread_watch.wait_for_input())
            .map_err(|e| e.to_string())?;
        Ok(watch)
    }

    fn select(&self, on: bool) -> Result<(), String> {
        use x11rb::protocol::xinput::{ConnectionExt as _, EventMask, XIEventMask};
        // Raw motion comes from pointers that move relatively (a mouse); absolute ones (a
        // tablet, XTEST) send only plain motion, which the root window sees too.
        let mask = if on {
            XIEventMask::RAW_KEY_PRESS
                | XIEventMask::RAW_BUTTON_PRESS
                | XIEventMask::RAW_MOTION
                | XIEventMask::MOTION
        } else {
            XIEventMask::from(0u32)
        };
        // Device 1 is XIAllMasterDevices: every keyboard and pointer.
        let masks = [EventMask {
            deviceid: 1,
            mask: vec![mask],
        }];
        self.conn
            .xinput_xi_select_events(self.root, &masks)
            .map_err(|e| e.to_string())?;
        self.conn.flush().map_err(|e| e.to_string())
    }

    fn take(&self) -> Option<OnInput> {
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    fn wait_for_input(&self) {
        use x11rb::protocol::Event;
        loop {
            match self.conn.wait_for_event() {
                Ok(Event::XinputRawKeyPress(_))
                | Ok(Event::XinputRawButtonPress(_))
                | Ok(Event::XinputRawMotion(_))
                | Ok(Event::XinputMotion(_)) => {
                    if let Some(on_input) = self.take() {
                        // Stop the stream at once: a moving mouse sends hundreds a second.
                        let _ = self.select(false);
                        on_input();
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("stopped watching for input: {e}");
                    // Whoever waits looks again and finds the sensor's error.
                    if let Some(on_input) = self.take() {
                        on_input();
                    }
                    return;
                }
            }
        }
    }
}

impl X11Idle {
    fn connect() -> Result<(RustConnection, u32), IdleSensorError> {
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            return Err(IdleSensorError::NoDisplay);
        }
        let (conn, screen) = x11rb::connect(None).map_err(|e| {
            IdleSensorError::Unavailable(format!("the X server cannot tell idle time: {e}"))
        })?;
        let root = conn.setup().roots[screen].root;
        Ok((conn, root))
    }
}

impl IdleSource for X11Idle {
    fn on_next_input(&self, on_input: Box<dyn FnOnce() + Send>) -> bool {
        let mut slot = self.input.lock().unwrap_or_else(|p| p.into_inner());
        let watch = slot.get_or_insert_with(|| {
            InputWatch::start().map_err(|e| {
                tracing::info!("input after idle time cannot be watched ({e}): polling instead")
            })
        });
        let Ok(watch) = watch.clone() else {
            return false;
        };
        drop(slot);
        *watch.waiting.lock().unwrap_or_else(|p| p.into_inner()) = Some(on_input);
        if let Err(e) = watch.select(true) {
            tracing::warn!("could not watch for input: {e}");
            watch.take();
            return false;
        }
        true
    }

    fn idle_for(&self) -> Result<Duration, IdleSensorError> {
        let mut guard = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(Self::connect()?);
        }
        let (conn, root) = guard.as_ref().expect("connected above");
        let answer = conn
            .screensaver_query_info(*root)
            .map_err(|e| e.to_string())
            .and_then(|cookie| cookie.reply().map_err(|e| e.to_string()));
        match answer {
            Ok(info) => Ok(Duration::from_millis(u64::from(info.ms_since_user_input))),
            Err(e) => {
                // A broken connection is reopened next time.
                *guard = None;
                Err(IdleSensorError::Unavailable(format!(
                    "the X server cannot tell idle time: {e}"
                )))
            }
        }
    }
}
