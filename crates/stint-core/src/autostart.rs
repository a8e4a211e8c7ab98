//! Start at login, decided by the freedesktop Desktop Application Autostart Specification:
//! a session starts the `.desktop` files in `$XDG_CONFIG_HOME/autostart` and in each
//! `$XDG_CONFIG_DIRS/autostart` (`/etc/xdg/autostart`, where the package puts Stint's); of
//! two files with one name, the user's wins, and a user file with `Hidden=true` hides the
//! system one. GNOME also honours `X-GNOME-Autostart-enabled=false`.
//!
//! Pure: the agent reads the files, asks [`is_enabled`] and [`plan`], and writes what the
//! plan says.

/// What one autostart file says, as far as starting goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryState {
    /// `Hidden=true` or `X-GNOME-Autostart-enabled=false`: the session must not start it.
    pub hidden: bool,
}

impl EntryState {
    /// Reads the `[Desktop Entry]` group of a desktop file's text (other groups, comments
    /// and unknown keys are skipped; a value is `true` only when spelled so, as the
    /// Desktop Entry Specification's booleans are).
    pub fn parse(text: &str) -> EntryState {
        let mut in_entry = false;
        let mut hidden = false;
        for line in text.lines().map(str::trim) {
            if line.starts_with('[') {
                in_entry = line == "[Desktop Entry]";
                continue;
            }
            if !in_entry || line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            match (key.trim(), value.trim()) {
                ("Hidden", "true") | ("X-GNOME-Autostart-enabled", "false") => hidden = true,
                _ => {}
            }
        }
        EntryState { hidden }
    }
}

/// Whether the session will start Stint: the user's file if there is one, else the
/// system's (the package's), else not.
pub fn is_enabled(system: Option<EntryState>, user: Option<EntryState>) -> bool {
    match user.or(system) {
        Some(entry) => !entry.hidden,
        None => false,
    }
}

/// What to do with the user's autostart file to get `want`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Already so.
    Nothing,
    /// Remove the user's file (the package's, or none, then decides as wanted).
    RemoveUser,
    /// Write a user file that starts Stint (no package file, or a hidden one).
    WriteStart,
    /// Write a user file with `Hidden=true` over the package's.
    WriteHidden,
}

/// The smallest change to the user's autostart file that makes [`is_enabled`] say `want`.
pub fn plan(system: Option<EntryState>, user: Option<EntryState>, want: bool) -> Plan {
    if is_enabled(system, user) == want {
        return Plan::Nothing;
    }
    let system_starts = system.is_some_and(|s| !s.hidden);
    match (want, user.is_some()) {
        (true, true) if system_starts => Plan::RemoveUser,
        (true, _) => Plan::WriteStart,
        (false, true) if !system_starts => Plan::RemoveUser,
        (false, _) => Plan::WriteHidden,
    }
}

/// Quotes one argument of an `Exec=` line as the Desktop Entry Specification asks: plain
/// when it has no reserved character, else in double quotes with `"`, `` ` ``, `$` and `\`
/// escaped by a backslash. The result is then escaped once more as a string value (`\` as
/// `\\`) by [`exec_line`].
pub fn quote_exec_arg(arg: &str) -> String {
    const RESERVED: &[char] = &[
        ' ', '\t', '\n', '"', '\'', '\\', '>', '<', '~', '|', '&', ';', '$', '*', '?', '#', '(',
        ')', '`', '=', '%',
    ];
    if !arg.is_empty() && !arg.contains(RESERVED) {
        return arg.to_owned();
    }
    let mut quoted = String::with_capacity(arg.len() + 2);
    quoted.push('"');
    for c in arg.chars() {
        match c {
            '"' | '`' | '$' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            // A field code (`%f`…) is expanded by launchers even inside quotes: double it.
            '%' => quoted.push_str("%%"),
            _ => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// The `Exec=` value for a program and its arguments, escaped for a desktop file.
pub fn exec_line(program: &str, args: &[&str]) -> String {
    let line = std::iter::once(program)
        .chain(args.iter().copied())
        .map(quote_exec_arg)
        .collect::<Vec<_>>()
        .join(" ");
    // The string type's own escapes: a backslash is written twice, control characters never.
    line.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
        .replace('\r', "\\r")
}

/// The line that marks a user autostart file as the switch's own (which it may replace or
/// remove); a file without it is the user's, which the switch only edits.
pub const MARK: &str = "X-Stint-Autostart=switch";

/// Whether the switch wrote this file.
pub fn is_ours(text: &str) -> bool {
    text.lines().any(|l| l.trim() == MARK)
}

/// The user's own file with its `[Desktop Entry]` group's `Hidden` and
/// `X-GNOME-Autostart-enabled` set for `hidden`, everything else as it was.
pub fn with_hidden(text: &str, hidden: bool) -> String {
    let keys = if hidden {
        "Hidden=true\nX-GNOME-Autostart-enabled=false\n"
    } else {
        "Hidden=false\nX-GNOME-Autostart-enabled=true\n"
    };
    let mut out = String::with_capacity(text.len() + keys.len());
    let mut in_entry = false;
    let mut placed = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_entry = trimmed == "[Desktop Entry]";
            out.push_str(line);
            out.push('\n');
            if in_entry && !placed {
                out.push_str(keys);
                placed = true;
            }
            continue;
        }
        let key = trimmed.split('=').next().unwrap_or("").trim();
        if in_entry && (key == "Hidden" || key == "X-GNOME-Autostart-enabled") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if !placed {
        out.insert_str(0, &format!("[Desktop Entry]\n{keys}"));
    }
    out
}

/// The text of a user autostart file: one that starts `exec` (from [`exec_line`]), or one
/// that hides the package's.
pub fn user_entry(exec: &str, hidden: bool) -> String {
    let mut text = format!(
        "[Desktop Entry]\nType=Application\nName=Stint\n\
         Comment=Stint's timer in the tray, started with your session\n{MARK}\n"
    );
    if hidden {
        // Both the specification's key and GNOME's, so every session leaves it off.
        text.push_str("Hidden=true\nX-GNOME-Autostart-enabled=false\n");
    } else {
        text.push_str(&format!(
            "Exec={exec}\nIcon=stint\nTerminal=false\nNoDisplay=true\n\
             X-GNOME-Autostart-enabled=true\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOWN: Option<EntryState> = Some(EntryState { hidden: false });
    const HIDDEN: Option<EntryState> = Some(EntryState { hidden: true });

    #[test]
    fn the_users_file_wins_over_the_package() {
        assert!(is_enabled(SHOWN, None));
        assert!(!is_enabled(SHOWN, HIDDEN));
        assert!(is_enabled(HIDDEN, SHOWN));
        assert!(!is_enabled(None, None));
    }

    #[test]
    fn plans_take_the_smallest_step() {
        // Installed from the package: off hides it, on again removes the override.
        assert_eq!(plan(SHOWN, None, false), Plan::WriteHidden);
        assert_eq!(plan(SHOWN, HIDDEN, true), Plan::RemoveUser);
        assert_eq!(plan(SHOWN, None, true), Plan::Nothing);
        // From a source checkout: on writes the user's file, off removes it.
        assert_eq!(plan(None, None, true), Plan::WriteStart);
        assert_eq!(plan(None, SHOWN, false), Plan::RemoveUser);
        assert_eq!(plan(None, HIDDEN, true), Plan::WriteStart);
        // A package file someone hid system-wide: only a user file can turn it on.
        assert_eq!(plan(HIDDEN, None, true), Plan::WriteStart);
        assert_eq!(plan(HIDDEN, SHOWN, false), Plan::RemoveUser);
        for system in [None, SHOWN, HIDDEN] {
            for user in [None, SHOWN, HIDDEN] {
                for want in [false, true] {
                    let after = match plan(system, user, want) {
                        Plan::Nothing => user,
                        Plan::RemoveUser => None,
                        Plan::WriteStart => SHOWN,
                        Plan::WriteHidden => HIDDEN,
                    };
                    assert_eq!(is_enabled(system, after), want, "{system:?} {user:?}");
                }
            }
        }
    }

    #[test]
    fn only_the_desktop_entry_group_counts() {
        let text = "# Hidden=true\n[Desktop Entry]\nName=Stint\nHidden = true\n";
        assert!(EntryState::parse(text).hidden);
        let other = "[Desktop Entry]\nName=Stint\n[Desktop Action x]\nHidden=true\n";
        assert!(!EntryState::parse(other).hidden);
        assert!(EntryState::parse("[Desktop Entry]\nX-GNOME-Autostart-enabled=false").hidden);
        assert!(!EntryState::parse("[Desktop Entry]\nHidden=True").hidden);
        assert!(EntryState::parse(&user_entry("stint", true)).hidden);
        assert!(!EntryState::parse(&user_entry("stint", false)).hidden);
    }

    #[test]
    fn the_users_own_file_is_edited_not_replaced() {
        let own = "# mine\n[Desktop Entry]\nExec=stint --no-window\nX-GNOME-Autostart-Delay=60\n\
                   Hidden=false\n[Desktop Action x]\nHidden=true\n";
        assert!(!is_ours(own));
        let off = with_hidden(own, true);
        assert!(EntryState::parse(&off).hidden);
        for kept in [
            "# mine",
            "X-GNOME-Autostart-Delay=60",
            "Exec=stint --no-window",
            "[Desktop Action x]\nHidden=true",
        ] {
            assert!(off.contains(kept), "{kept} lost:\n{off}");
        }
        let on = with_hidden(&off, false);
        assert!(!EntryState::parse(&on).hidden);
        assert!(on.contains("X-GNOME-Autostart-Delay=60"));
        assert!(is_ours(&user_entry("stint", false)) && is_ours(&user_entry("", true)));
        assert!(EntryState::parse(&with_hidden("Name=x\n", true)).hidden);
    }

    #[test]
    fn exec_lines_are_quoted_as_the_spec_says() {
        assert_eq!(
            exec_line("/usr/bin/stint", &["--no-window"]),
            "/usr/bin/stint --no-window"
        );
        assert_eq!(
            exec_line("/home/a b/stint", &[]),
            "\"/home/a b/stint\"",
            "spaces quote"
        );
        // `$` and `"` get one backslash as arguments, which the string escape doubles.
        assert_eq!(exec_line("/x/$d\"q", &[]), "\"/x/\\\\$d\\\\\"q\"");
        assert_eq!(exec_line("/x/100%", &[]), "\"/x/100%%\"");
        assert_eq!(exec_line("/x/a\nb", &[]), "\"/x/a\\nb\"");
    }
}
