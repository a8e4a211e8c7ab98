//! The workspace's projects (with their tasks) and tags, read for the window's picker
//! (issue 16), and a tag made from the window.

use serde_json::json;
use stint_api::{Project, Tag, User};

use super::{message_of, Remote};

/// Most projects or tags read: one page of the API's largest size. A workspace with more
/// shows the first 5,000 by name in the picker (logged).
const PAGE: u32 = 5000;

/// What [`Remote::catalog`] read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteCatalog {
    /// Hydrated: each with its tasks.
    pub projects: Vec<Project>,
    pub tags: Vec<Tag>,
    /// Whether this user is an admin of the workspace (admins create tags).
    pub admin: bool,
}

impl Remote {
    /// The projects this user may track on (each with its tasks) and the tags, archived
    /// ones included (so old entries keep their names).
    pub async fn catalog(&self) -> Result<RemoteCatalog, String> {
        let wid = &self.account.workspace_id;
        let projects: Vec<Project> = self
            .get_json(&format!(
                "/workspaces/{wid}/projects?hydrated=true&page-size={PAGE}"
            ))
            .await?
            .unwrap_or_default();
        let tags: Vec<Tag> = self
            .get_json(&format!("/workspaces/{wid}/tags?page-size={PAGE}"))
            .await?
            .unwrap_or_default();
        if projects.len() as u32 == PAGE || tags.len() as u32 == PAGE {
            tracing::warn!(
                "the workspace has over {PAGE} projects or tags; the picker shows the first {PAGE}"
            );
        }
        let me: Option<User> = self.get_json("/user").await?;
        let admin = me.is_some_and(|u| u.role == "admin");
        Ok(RemoteCatalog {
            projects,
            tags,
            admin,
        })
    }

    /// Creates a tag named `name`; the server's refusal (a member may not, the name is
    /// taken) comes back as its message.
    pub async fn create_tag(&self, name: &str) -> Result<Tag, String> {
        let path = format!("/workspaces/{}/tags", self.account.workspace_id);
        let key = uuid::Uuid::new_v4().to_string();
        let body = json!({ "name": name });
        match self
            .send(reqwest::Method::POST, &path, &key, Some(&body))
            .await?
        {
            (201, body) => {
                serde_json::from_str(&body).map_err(|e| format!("unexpected answer: {e}"))
            }
            (status, body) => Err(message_of(status, &body)),
        }
    }
}
