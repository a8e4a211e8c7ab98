//! Adopting what happened to the running timer elsewhere (the web, a script, another
//! device). Decided only once every local change has reached the server, so the server's
//! view is the newer one.

use crate::entry::Entry;

/// The entries to write locally (without queueing them for the server again), in order.
///
/// - `local`: the timer running here;
/// - `remote`: the timer running on the server for this user;
/// - `remote_copy_of_local`: the server's version of `local`, when one runs here.
pub fn reconcile_running(
    local: Option<&Entry>,
    remote: Option<&Entry>,
    remote_copy_of_local: Option<&Entry>,
) -> Vec<Entry> {
    match (local, remote) {
        (None, None) => Vec::new(),
        // Started elsewhere: run it here too.
        (None, Some(r)) => vec![r.clone()],
        // The same timer; take the server's edits, if any.
        (Some(l), Some(r)) if l.id == r.id => {
            if l == r {
                Vec::new()
            } else {
                vec![r.clone()]
            }
        }
        // Another timer started elsewhere, which stopped ours there: stop it here as it was
        // stopped there (or where the new one began), then run the new one.
        (Some(l), Some(r)) => {
            let end = remote_copy_of_local
                .and_then(|c| c.end)
                .unwrap_or(r.start)
                .max(l.start);
            vec![
                Entry {
                    end: Some(end),
                    ..l.clone()
                },
                r.clone(),
            ]
        }
        // Stopped elsewhere: take its end. Unknown there: leave it alone rather than guess.
        (Some(l), None) => match remote_copy_of_local {
            Some(c) if c.end.is_some() => vec![Entry {
                end: c.end.map(|e| e.max(l.start)),
                ..c.clone()
            }],
            _ => Vec::new(),
        },
    }
}
