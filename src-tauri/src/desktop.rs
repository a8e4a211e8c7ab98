//! What the desktop offers: a display to draw on.

/// Fails with a one-line explanation where no window can be shown, instead of the
/// toolkit's panic.
pub fn check_display() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        let has = |v: &str| std::env::var_os(v).is_some_and(|s| !s.is_empty());
        if !has("DISPLAY") && !has("WAYLAND_DISPLAY") {
            return Err(
                "no graphical display (neither DISPLAY nor WAYLAND_DISPLAY is set); \
                 Stint's window needs a desktop session"
                    .into(),
            );
        }
        gtk::init().map_err(|e| format!("cannot open the display: {e}"))?;
    }
    Ok(())
}
