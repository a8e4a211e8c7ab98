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

/// Wakes readers of a workspace's feed when its log grows. The storage publishes after
/// each of its operations (one look at the log's highest position).
#[derive(Default)]
pub struct ChangeHub {
    inner: Mutex<Hub>,
}

#[derive(Default)]
struct Hub {
    /// The highest position published.
    last: i64,
    senders: HashMap<String, watch::Sender<i64>>,
}

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

    /// A receiver that changes whenever the workspace's log grows.
    pub fn subscribe(&self, workspace_id: &str) -> watch::Receiver<i64> {
        let mut hub = self.hub();
        let last = hub.last;
        hub.senders
            .entry(workspace_id.to_owned())
            .or_insert_with(|| watch::channel(last).0)
            .subscribe()
    }

    /// The log grew to `last`, with new changes in these workspaces.
    pub fn publish(&self, last: i64, workspaces: impl IntoIterator<Item = String>) {
        let mut hub = self.hub();
        hub.last = hub.last.max(last);
        for workspace in workspaces {
            if let Some(sender) = hub.senders.get(&workspace) {
                sender.send_replace(last);
            }
        }
        // Nobody listens to a workspace any more: its sender goes.
        hub.senders.retain(|_, s| s.receiver_count() > 0);
    }
}
