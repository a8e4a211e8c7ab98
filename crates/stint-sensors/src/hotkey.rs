//! The global shortcut that starts and stops the timer: an [`Accelerator`] (written as
//! GTK and the desktops' keyboard settings write them, `Ctrl+Alt+Shift+Space`) and a
//! [`HotkeySource`] that hears it anywhere on the desktop. On X11 the agent grabs the key
//! on the root window (`x11_hotkey`); on Wayland the GlobalShortcuts portal binds it where
//! the desktop offers one (`portal_hotkey`); where it does not, the source says so, and the
//! user binds a key to `stint-cli toggle` in their desktop's settings instead.

use std::fmt;
use std::sync::Arc;

/// The default: three modifiers, so no application's own shortcut is taken from it.
pub const DEFAULT_SHORTCUT: &str = "Ctrl+Alt+Shift+Space";

/// A key the shortcut may end in: the ones every keyboard layout has in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `A` to `Z` (upper case).
    Letter(char),
    /// `0` to `9`.
    Digit(char),
    /// `F1` to `F12`.
    Function(u8),
    Space,
}

impl Key {
    /// The X11 keysym (`X11/keysymdef.h`): the lower-case letter's for letters.
    pub fn keysym(self) -> u32 {
        match self {
            Key::Letter(c) => u32::from(c.to_ascii_lowercase()),
            Key::Digit(c) => u32::from(c),
            Key::Function(n) => 0xffbe + u32::from(n) - 1,
            Key::Space => 0x20,
        }
    }
}

/// Modifiers and a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accelerator {
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
    pub super_key: bool,
    pub key: Key,
}

/// Why a shortcut was not taken, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcceleratorError {
    #[error("a shortcut ends in a key: A-Z, 0-9, F1-F12 or Space")]
    NoKey,
    #[error("{0:?} is not a key a shortcut can use (A-Z, 0-9, F1-F12 or Space)")]
    UnknownKey(String),
    #[error("{0:?} is not a modifier (Ctrl, Alt, Shift or Super)")]
    UnknownModifier(String),
    #[error("a shortcut needs Ctrl, Alt or Super, or it would take keys from typing")]
    NeedsModifier,
    #[error(
        "with a letter, digit or Space a shortcut needs two modifiers (like Ctrl+Alt) or \
         Super, or it would take an application's own shortcut (Ctrl+C, Alt+F…)"
    )]
    TooCommon,
    #[error("Ctrl+Alt with F1-F12 switches virtual terminals; choose another shortcut")]
    SwitchesTerminal,
}

impl std::str::FromStr for Accelerator {
    type Err = AcceleratorError;

    /// `Ctrl+Alt+T`, any case, spaces around `+` ignored; `Control`, `Meta` and `Win` are
    /// accepted as GTK and other desktops write them.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = text.split('+').map(str::trim).collect();
        let (key, modifiers) = parts.split_last().ok_or(AcceleratorError::NoKey)?;
        let key = parse_key(key)?;
        let mut accel = Accelerator {
            ctrl: false,
            alt: false,
            shift: false,
            super_key: false,
            key,
        };
        for modifier in modifiers {
            match modifier.to_ascii_lowercase().as_str() {
                "ctrl" | "control" => accel.ctrl = true,
                "alt" => accel.alt = true,
                "shift" => accel.shift = true,
                "super" | "meta" | "win" => accel.super_key = true,
                _ => return Err(AcceleratorError::UnknownModifier((*modifier).to_owned())),
            }
        }
        if !(accel.ctrl || accel.alt || accel.super_key) {
            return Err(AcceleratorError::NeedsModifier);
        }
        // Ctrl+C, Alt+F, Ctrl+1 belong to every application; F-keys with one modifier and
        // anything with Super are the desktop's to give.
        let modifiers = [accel.ctrl, accel.alt, accel.shift]
            .iter()
            .filter(|m| **m)
            .count();
        if !accel.super_key && modifiers < 2 && !matches!(accel.key, Key::Function(_)) {
            return Err(AcceleratorError::TooCommon);
        }
        // XKB's default maps (and Linux consoles) keep these for switching terminals.
        if accel.ctrl && accel.alt && matches!(accel.key, Key::Function(_)) {
            return Err(AcceleratorError::SwitchesTerminal);
        }
        Ok(accel)
    }
}

fn parse_key(text: &str) -> Result<Key, AcceleratorError> {
    if text.is_empty() {
        return Err(AcceleratorError::NoKey);
    }
    let upper = text.to_ascii_uppercase();
    let mut chars = upper.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_uppercase() => return Ok(Key::Letter(c)),
        (Some(c), None) if c.is_ascii_digit() => return Ok(Key::Digit(c)),
        _ => {}
    }
    if upper == "SPACE" {
        return Ok(Key::Space);
    }
    if let Some(n) = upper.strip_prefix('F').and_then(|n| n.parse::<u8>().ok()) {
        if (1..=12).contains(&n) {
            return Ok(Key::Function(n));
        }
    }
    Err(AcceleratorError::UnknownKey(text.to_owned()))
}

impl Accelerator {
    /// The trigger as the XDG "shortcuts" specification writes it for the GlobalShortcuts
    /// portal: `CTRL+ALT+SHIFT+LOGO+` and the key's XKB keysym name (`space`, `t`, `F8`).
    pub fn portal_trigger(&self) -> String {
        let mut trigger = String::new();
        for (on, name) in [
            (self.ctrl, "CTRL+"),
            (self.alt, "ALT+"),
            (self.shift, "SHIFT+"),
            (self.super_key, "LOGO+"),
        ] {
            if on {
                trigger.push_str(name);
            }
        }
        match self.key {
            Key::Letter(c) => trigger.push(c.to_ascii_lowercase()),
            Key::Digit(c) => trigger.push(c),
            Key::Function(n) => trigger.push_str(&format!("F{n}")),
            Key::Space => trigger.push_str("space"),
        }
        trigger
    }
}

impl fmt::Display for Accelerator {
    /// The canonical form: `Ctrl+Alt+Shift+Super+Key`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (on, name) in [
            (self.ctrl, "Ctrl+"),
            (self.alt, "Alt+"),
            (self.shift, "Shift+"),
            (self.super_key, "Super+"),
        ] {
            if on {
                f.write_str(name)?;
            }
        }
        match self.key {
            Key::Letter(c) | Key::Digit(c) => write!(f, "{c}"),
            Key::Function(n) => write!(f, "F{n}"),
            Key::Space => f.write_str("Space"),
        }
    }
}

/// Called at each press of the shortcut (on a thread of the source's).
pub type OnPress = Arc<dyn Fn() + Send + Sync>;

/// Hears one global shortcut.
pub trait HotkeySource: Send + Sync {
    /// Makes `accel` the shortcut (replacing the one before), or none.
    ///
    /// # Errors
    /// The sentence for the user: another program holds the keys, or this desktop lets
    /// no application have a global shortcut.
    fn set(&self, accel: Option<&Accelerator>, on_press: OnPress) -> Result<(), String>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accelerators_read_as_desktops_write_them() {
        let a: Accelerator = "ctrl + alt+shift+space".parse().unwrap();
        assert_eq!(a.to_string(), DEFAULT_SHORTCUT);
        assert_eq!(a.key.keysym(), 0x20);
        let t: Accelerator = "Super+Control+t".parse().unwrap();
        assert_eq!(t.to_string(), "Ctrl+Super+T");
        assert_eq!(t.key.keysym(), u32::from(b't'));
        assert_eq!(
            "Alt+F12".parse::<Accelerator>().unwrap().key.keysym(),
            0xffc9
        );
        assert_eq!(
            "Meta+7".parse::<Accelerator>().unwrap().key,
            Key::Digit('7')
        );
    }

    #[test]
    fn bad_shortcuts_say_why() {
        let err = |s: &str| s.parse::<Accelerator>().unwrap_err();
        assert_eq!(err(""), AcceleratorError::NoKey);
        assert_eq!(err("Ctrl+"), AcceleratorError::NoKey);
        assert_eq!(err("Shift+A"), AcceleratorError::NeedsModifier);
        assert_eq!(err("A"), AcceleratorError::NeedsModifier);
        assert_eq!(err("Ctrl+F13"), AcceleratorError::UnknownKey("F13".into()));
        assert_eq!(err("Ctrl+é"), AcceleratorError::UnknownKey("é".into()));
        assert_eq!(
            err("Hyper+A"),
            AcceleratorError::UnknownModifier("Hyper".into())
        );
        assert_eq!(err("Ctrl+Alt+F2"), AcceleratorError::SwitchesTerminal);
        assert_eq!(err("Ctrl+A"), AcceleratorError::TooCommon);
        assert_eq!(err("Alt+Space"), AcceleratorError::TooCommon);
        assert!("Ctrl+F9".parse::<Accelerator>().is_ok());
        assert!("Ctrl+Shift+7".parse::<Accelerator>().is_ok());
    }
}
