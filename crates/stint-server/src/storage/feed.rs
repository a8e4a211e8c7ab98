//! The change feed (issue 14): what changed for a user since a cursor, read from the
//! `changes` log the database's triggers write in each change's own transaction, and a
//! hub that wakes long-polling readers of a workspace when its log grows.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::watch;

use super::EntryRow;

/// One page of a user's feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedPage {
    /// Entries changed or created since the cursor, as they are now.
    pub entries: Vec<EntryRow>,
    /// Ids of the user's entries deleted (or given to another member) since the cursor.
    pub deleted: Vec<String>,
    /// The workspace's settings changed since the cursor.
    pub settings: bool,
    /// The user has notices newer than the cursor.
    pub notices: bool,
    /// The workspace's projects, tasks, tags or clients changed since the cursor.
    pub catalog: bool,
    /// Where the next request starts.
    pub cursor: i64,
    /// More changes wait beyond this page.
    pub more: bool,
    /// The page is every entry of the user (a first sync, or a cursor older than the log
    /// keeps): entries the reader holds that are not in it are gone.
    pub snapshot: bool,
}

/// Wakes readers of a feed when the log grows with something for them: a change of a
/// user's (their entry, their notice) wakes that user's readers only; a change of the whole
/// workspace's (settings, catalog) wakes all of its readers. (Waking every member's
/// long-poll at each member's change made every change cost one feed read per member.)
/// The storage publishes after each of its operations (one look at the log).
#[derive(Default)]
pub struct ChangeHub {
    inner: Mutex<Hub>,
}

#[derive(Default)]
struct Hub {
    /// The highest position published.
    last: i64,
    /// By workspace, then by user.
    senders: HashMap<String, HashMap<String, watch::Sender<i64>>>,
}

/// Who a new stretch of the log is for: a workspace and a user, or the whole workspace.
pub type Reach = (String, Option<String>);

impl ChangeHub {
    fn hub(&self) -> std::sync::MutexGuard<'_, Hub> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The position published last.
    pub fn last(&self) -> i64 {
        self.hub().last
    }

    /// Starts at `last` (the log's highest position when the storage opened).
    pub fn starting_at(last: i64) -> ChangeHub {
        ChangeHub {
            inner: Mutex::new(Hub {
                last,
                senders: HashMap::new(),
            }),
        }
    }

    /// A receiver that changes whenever the log grows with something for `user_id` in
    /// `workspace_id` (theirs, or the workspace's).
    pub fn subscribe(&self, workspace_id: &str, user_id: &str) -> watch::Receiver<i64> {
        let mut hub = self.hub();
        let last = hub.last;
        hub.senders
            .entry(workspace_id.to_owned())
            .or_default()
            .entry(user_id.to_owned())
            .or_insert_with(|| watch::channel(last).0)
            .subscribe()
    }

    /// The log grew to `last`, with changes for these readers.
    pub fn publish(&self, last: i64, reaches: impl IntoIterator<Item = Reach>) {
        let mut hub = self.hub();
        hub.last = hub.last.max(last);
        for (workspace, user) in reaches {
            let Some(users) = hub.senders.get(&workspace) else {
                continue;
            };
            match user {
                Some(user) => {
                    if let Some(sender) = users.get(&user) {
                        sender.send_replace(last);
                    }
                }
                None => users.values().for_each(|sender| {
                    sender.send_replace(last);
                }),
            }
        }
        // Nobody listens any more: the senders go.
        for users in hub.senders.values_mut() {
            users.retain(|_, s| s.receiver_count() > 0);
        }
        hub.senders.retain(|_, users| !users.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::ChangeHub;

    #[test]
    fn a_users_change_wakes_that_user_and_a_workspace_change_wakes_everyone() {
        let hub = ChangeHub::starting_at(10);
        let mut ana = hub.subscribe("w1", "ana");
        let bo = hub.subscribe("w1", "bo");
        let mut other = hub.subscribe("w2", "cy");
        hub.publish(11, [("w1".to_owned(), Some("ana".to_owned()))]);
        assert!(ana.has_changed().unwrap());
        assert!(
            !bo.has_changed().unwrap(),
            "another member's entry is not bo's news"
        );
        assert_eq!(*ana.borrow_and_update(), 11);
        hub.publish(12, [("w1".to_owned(), None)]);
        assert!(ana.has_changed().unwrap() && bo.has_changed().unwrap());
        assert!(!other.has_changed().unwrap(), "another workspace sleeps on");
        assert_eq!(hub.last(), 12);
        // A reader that went away leaves nothing behind.
        drop((ana, bo));
        hub.publish(13, [("w1".to_owned(), None)]);
        assert!(!hub.hub().senders.contains_key("w1"));
        assert!(!other.has_changed().unwrap());
        assert_eq!(*other.borrow_and_update(), 10);
    }
}
