//! The workspace's projects (with their tasks) and tags for the window's picker (issue
//! 16). The sync task reads them when the server's change feed says they changed; they
//! are kept in the store per account, so the picker works offline and after a restart.
//! A tag made from the window goes to the server at once (ids are the server's).

use stint_ipc::protocol::Answer;
use stint_ipc::{AgentEvent, Catalog, CatalogProject, CatalogTag, CatalogTask, UiError};
use stint_sync::RemoteCatalog;
use tokio::sync::oneshot;

use crate::actor::{Agent, Message};
use crate::error::AgentError;

/// How many recent project / task pairs the picker shows first.
const RECENT_PAIRS: usize = 5;

/// The catalog as the window shows it: projects by client then name (no client last),
/// tags by name; names compared without case.
pub fn catalog_of(remote: RemoteCatalog) -> Catalog {
    let mut projects: Vec<CatalogProject> = remote
        .projects
        .into_iter()
        .map(|p| CatalogProject {
            tasks: p
                .tasks
                .unwrap_or_default()
                .into_iter()
                .map(|t| CatalogTask {
                    done: t.status == stint_api::TaskStatus::Done,
                    id: t.id,
                    name: t.name,
                })
                .collect(),
            client_name: Some(p.client_name).filter(|c| !c.is_empty()),
            id: p.id,
            name: p.name,
            color: p.color,
            billable: p.billable,
            archived: p.archived,
        })
        .collect();
    projects.sort_by_cached_key(|p| {
        (
            p.client_name.is_none(),
            p.client_name.as_deref().map(str::to_lowercase),
            p.name.to_lowercase(),
        )
    });
    let mut tags: Vec<CatalogTag> = remote
        .tags
        .into_iter()
        .map(|t| CatalogTag {
            id: t.id,
            name: t.name,
            archived: t.archived,
        })
        .collect();
    tags.sort_by_cached_key(|t| t.name.to_lowercase());
    Catalog {
        projects,
        tags,
        recent: Vec::new(),
        can_create_tags: remote.admin,
    }
}

impl Agent {
    /// The catalog kept for the signed-in account (empty when signed out or not read
    /// yet), with the recent project / task pairs of this device's entries.
    pub fn catalog(&self) -> Result<Catalog, AgentError> {
        let mut catalog = self.sync.catalog.clone().unwrap_or_default();
        let latest = self.store.latest_entries(200)?;
        catalog.recent = stint_core::timer::recent_work(&latest, RECENT_PAIRS);
        Ok(catalog)
    }

    /// Each entry's "Project: Task" (or "Project"), where it has a project the catalog
    /// knows; for lines outside the window (the tray).
    pub fn project_labels(&self, entries: &[stint_core::Entry]) -> Vec<Option<String>> {
        let Some(catalog) = &self.sync.catalog else {
            return vec![None; entries.len()];
        };
        entries
            .iter()
            .map(|e| {
                let project = catalog
                    .projects
                    .iter()
                    .find(|p| Some(&p.id) == e.work.project_id.as_ref())?;
                let task = project
                    .tasks
                    .iter()
                    .find(|t| Some(&t.id) == e.work.task_id.as_ref());
                Some(match task {
                    Some(t) => format!("{}: {}", project.name, t.name),
                    None => project.name.clone(),
                })
            })
            .collect()
    }

    /// Refuses `work` that names a project, task or tag the workspace does not have (as
    /// last read), or, for new time (`new_time`), an archived project, a done task or an
    /// archived tag, as the server would (Clockify's rule): caught here, the user is told
    /// at once instead of the server refusing the change later. Before the catalog was
    /// ever read nothing is known, and the server decides.
    pub fn check_work(&self, work: &stint_core::Work, new_time: bool) -> Result<(), AgentError> {
        let names_something = work.project_id.is_some() || !work.tag_ids.is_empty();
        if !names_something {
            return Ok(());
        }
        if self.sync.account.is_none() {
            return Err(AgentError::BadInput(
                "projects and tags come from your workspace: sign in to a server first".into(),
            ));
        }
        let Some(catalog) = &self.sync.catalog else {
            return Ok(());
        };
        let bad = |m: String| Err(AgentError::BadInput(m));
        if let Some(pid) = &work.project_id {
            let Some(project) = catalog.projects.iter().find(|p| &p.id == pid) else {
                return bad(
                    "that project is not one of your workspace's (it may have been deleted)".into(),
                );
            };
            if new_time && project.archived {
                return bad(format!(
                    "project {} is archived: time is no longer added to it",
                    project.name
                ));
            }
            if let Some(tid) = &work.task_id {
                let Some(task) = project.tasks.iter().find(|t| &t.id == tid) else {
                    return bad(format!(
                        "that task is not one of project {}'s",
                        project.name
                    ));
                };
                if new_time && task.done {
                    return bad(format!(
                        "task {} is done: time is no longer added to it",
                        task.name
                    ));
                }
            }
        }
        for tid in &work.tag_ids {
            match catalog.tags.iter().find(|t| &t.id == tid) {
                None => {
                    return bad(
                        "a tag is not one of your workspace's (it may have been deleted)".into(),
                    )
                }
                Some(t) if new_time && t.archived => {
                    return bad(format!("tag {} is archived", t.name));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

/// The catalog kept in the store for `account`, if it was ever read (once, at the start of
/// sync; the agent holds it in memory from then on).
pub(crate) fn load_catalog(store: &stint_store::Store, account: &str) -> Option<Catalog> {
    let body = store.catalog(account).unwrap_or_else(|e| {
        tracing::warn!("could not read the kept catalog: {e}");
        None
    })?;
    serde_json::from_str(&body)
        .map_err(|e| {
            tracing::warn!("the kept catalog is unreadable, read again at the next sync: {e}")
        })
        .ok()
}

impl Agent {
    fn keep_catalog(&mut self, account: &str, catalog: Catalog) {
        let body = serde_json::to_string(&catalog).expect("a catalog serialises");
        if let Err(e) = self.store.save_catalog(account, &body) {
            tracing::error!("could not keep the workspace's projects and tags: {e}");
        }
        // Held in memory either way: this session's picker has it.
        self.sync.catalog = Some(catalog);
        self.emit(AgentEvent::CatalogChanged);
    }

    /// The sync task read the catalog of `account` (dropped if another account signed in
    /// meanwhile).
    pub fn catalog_learned(&mut self, account: &str, remote: RemoteCatalog) {
        if self.sync.account.as_deref() != Some(account) {
            return;
        }
        let catalog = catalog_of(remote);
        tracing::info!(
            projects = catalog.projects.len(),
            tags = catalog.tags.len(),
            "read the workspace's projects and tags"
        );
        self.keep_catalog(account, catalog);
    }

    /// Creates a tag on the server in a task of its own; the answer (the catalog with the
    /// tag) comes as [`Message::TagCreated`].
    #[allow(clippy::result_large_err)]
    pub fn create_tag(
        &mut self,
        name: String,
        reply: oneshot::Sender<Result<Answer, UiError>>,
    ) -> Result<(), (AgentError, oneshot::Sender<Result<Answer, UiError>>)> {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            let e = AgentError::BadInput("a tag's name must be 1 to 100 characters".into());
            return Err((e, reply));
        }
        let (Some(remote), Some(account)) = (self.sync.remote.clone(), self.sync.account.clone())
        else {
            let e = AgentError::BadInput("sign in to a server to create tags".into());
            return Err((e, reply));
        };
        let me = self.me.clone();
        tokio::spawn(async move {
            let result = remote.create_tag(&name).await;
            if let Some(agent) = me.upgrade() {
                let _ = agent
                    .send(Message::TagCreated {
                        account,
                        result,
                        reply,
                    })
                    .await;
            }
        });
        Ok(())
    }

    /// Adds the server's new tag to the kept catalog and answers with the catalog.
    pub fn tag_created(
        &mut self,
        account: &str,
        result: Result<stint_api::Tag, String>,
    ) -> Result<Answer, AgentError> {
        let tag = result
            .map_err(|why| AgentError::BadInput(format!("the tag was not created: {why}")))?;
        if self.sync.account.as_deref() == Some(account) {
            let mut catalog = self.sync.catalog.clone().unwrap_or_default();
            if !catalog.tags.iter().any(|t| t.id == tag.id) {
                catalog.tags.push(CatalogTag {
                    id: tag.id,
                    name: tag.name,
                    archived: tag.archived,
                });
                catalog.tags.sort_by_cached_key(|t| t.name.to_lowercase());
            }
            self.keep_catalog(account, catalog);
        }
        self.catalog().map(Answer::Catalog)
    }
}
