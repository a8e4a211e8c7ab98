//! The global shortcut on X11: a passive key grab on the root window (core protocol
//! `GrabKey`), made once for each combination of Caps Lock and Num Lock so the shortcut
//! works whichever is on. One connection and one thread blocked on it for the process; a
//! new shortcut replaces the grab. Holding the keys presses once: X's auto-repeat sends a
//! release and a press with the same time stamp, which is not a new press.

use std::sync::{Arc, Mutex};

use x11rb::connection::Connection;
use x11rb::errors::ReplyError;
use x11rb::protocol::xproto::{ConnectionExt as _, GrabMode, Keycode, ModMask};
use x11rb::protocol::{ErrorKind, Event};
use x11rb::rust_connection::RustConnection;

use crate::hotkey::{Accelerator, HotkeySource, OnPress};

/// Caps Lock (`Lock`) and Num Lock (`Mod2` on every common layout).
const LOCKS: [u16; 4] = [0, 2, 16, 2 | 16];

/// [`HotkeySource`] for an X11 session; connects at the first shortcut.
#[derive(Default)]
pub struct X11Hotkeys {
    watch: Mutex<Option<Arc<Watch>>>,
}

struct Grab {
    keycode: Keycode,
    modifiers: u16,
    on_press: OnPress,
}

struct Watch {
    conn: RustConnection,
    root: u32,
    grab: Mutex<Option<Grab>>,
}

fn modifiers_of(accel: &Accelerator) -> u16 {
    let mut mask = 0;
    for (on, bit) in [
        (accel.shift, 1),
        (accel.ctrl, 4),
        (accel.alt, 8),
        (accel.super_key, 64),
    ] {
        if on {
            mask |= bit;
        }
    }
    mask
}

impl Watch {
    fn start() -> Result<Arc<Watch>, String> {
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            return Err("no X display to take a shortcut on".into());
        }
        let (conn, screen) =
            x11rb::connect(None).map_err(|e| format!("cannot reach the X server: {e}"))?;
        let root = conn.setup().roots[screen].root;
        let watch = Arc::new(Watch {
            conn,
            root,
            grab: Mutex::new(None),
        });
        let thread_watch = watch.clone();
        std::thread::Builder::new()
            .name("stint-x11-hotkey".into())
            .spawn(move || thread_watch.run())
            .map_err(|e| e.to_string())?;
        Ok(watch)
    }

    fn keycode_of(&self, accel: &Accelerator) -> Result<Keycode, String> {
        let setup = self.conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let map = self
            .conn
            .get_keyboard_mapping(min, max - min + 1)
            .map_err(ReplyError::from)
            .and_then(|cookie| cookie.reply())
            .map_err(|e| format!("cannot read the keyboard map: {e}"))?;
        let per = usize::from(map.keysyms_per_keycode.max(1));
        let keysym = accel.key.keysym();
        map.keysyms
            .chunks(per)
            .position(|syms| syms.contains(&keysym))
            .and_then(|i| u8::try_from(i).ok())
            .map(|i| min + i)
            .ok_or_else(|| format!("this keyboard layout has no key for {accel}"))
    }

    fn ungrab(&self, grab: &Grab) {
        for locks in LOCKS {
            let _ = self.conn.ungrab_key(
                grab.keycode,
                self.root,
                ModMask::from(grab.modifiers | locks),
            );
        }
        let _ = self.conn.flush();
    }

    fn set(&self, accel: Option<&Accelerator>, on_press: OnPress) -> Result<(), String> {
        let mut slot = self.grab.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = slot.take() {
            self.ungrab(&old);
        }
        let Some(accel) = accel else { return Ok(()) };
        let grab = Grab {
            keycode: self.keycode_of(accel)?,
            modifiers: modifiers_of(accel),
            on_press,
        };
        for locks in LOCKS {
            let checked = self
                .conn
                .grab_key(
                    false,
                    self.root,
                    ModMask::from(grab.modifiers | locks),
                    grab.keycode,
                    GrabMode::ASYNC,
                    GrabMode::ASYNC,
                )
                .map_err(ReplyError::from)
                .and_then(|cookie| cookie.check());
            if let Err(e) = checked {
                self.ungrab(&grab);
                return Err(match e {
                    ReplyError::X11Error(x) if x.error_kind == ErrorKind::Access => format!(
                        "{accel} is already taken by another program; choose another shortcut"
                    ),
                    other => format!("cannot take {accel}: {other}"),
                });
            }
        }
        *slot = Some(grab);
        Ok(())
    }

    fn run(&self) {
        let mut held = false;
        let mut last_release = None;
        loop {
            match self.conn.wait_for_event() {
                Ok(Event::KeyPress(press)) => {
                    let repeat = held || last_release == Some(press.time);
                    held = true;
                    if repeat {
                        continue;
                    }
                    // Called outside the lock: it may set another shortcut.
                    let on_press = {
                        let slot = self.grab.lock().unwrap_or_else(|p| p.into_inner());
                        slot.as_ref()
                            .filter(|g| g.keycode == press.detail)
                            .map(|g| g.on_press.clone())
                    };
                    if let Some(on_press) = on_press {
                        on_press();
                    }
                }
                Ok(Event::KeyRelease(release)) => {
                    held = false;
                    last_release = Some(release.time);
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("stopped hearing the global shortcut: {e}");
                    return;
                }
            }
        }
    }
}

impl HotkeySource for X11Hotkeys {
    fn set(&self, accel: Option<&Accelerator>, on_press: OnPress) -> Result<(), String> {
        let mut slot = self.watch.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            if accel.is_none() {
                return Ok(());
            }
            *slot = Some(Watch::start()?);
        }
        let watch = slot.as_ref().expect("started above");
        watch.set(accel, on_press)
    }
}
