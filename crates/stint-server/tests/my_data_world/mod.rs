//! The workspace the "My data" tests download from: the member whose data it is, the
//! admin of their workspace and a member of another workspace, each with entries (one
//! with a distinctive description), screenshots (distinct pictures) and audit records, and
//! the admin's entries whose ids were chosen to look like the member's. Also the helpers
//! that read a download and the sets the tests compare.
#![allow(dead_code)]

use std::collections::BTreeSet;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use stint_testkit::http::{call, Account, Server};

use crate::shots::{at, hex, jpeg, new_set, send};
use crate::webclient::Browser;

pub const A_WORDS: &str = "Orion launch checklist";
pub const A_FORMULA: &str = "=HYPERLINK(\"http://evil.test\")";
pub const B_WORDS: &str = "Secret merger memo";
pub const B_LOOKALIKE: &str = "Entry named like the member";
pub const B_OLD_LIFE: &str = "Admin's first use of the id";
pub const C_WORDS: &str = "Other workspace plan";
/// An entry id the admin uses, changes and deletes; the member then uses it.
pub const REUSED: &str = "abcabcabcabcabcabcabc000";

pub struct World {
    pub s: Server,
    /// The admin of the other workspace (who switches its audit log on).
    pub other_admin: Account,
    pub project: String,
    pub task: String,
    pub tag: String,
    /// The member's entries: with project, task and tag; a formula; deleted; running.
    pub e1: String,
    pub e2: String,
    pub gone: String,
    pub running: String,
    /// The member's capture sets (on e1, two monitors; on REUSED, one) and their pictures'
    /// SHA-256 in upload order.
    pub set1: String,
    pub set2: String,
    pub shots: Vec<String>,
    /// The admin's entries (b2's id is the member's user id) and capture set.
    pub b1: String,
    pub b2: String,
    pub b_set: String,
    /// The other workspace's member's entry and capture set.
    pub c1: String,
    pub c_set: String,
}

impl World {
    /// The member's current entry ids.
    pub fn mine(&self) -> BTreeSet<String> {
        set(&[&self.e1, &self.e2, REUSED, &self.running])
    }

    /// What no download of the member may hold: the others' words, entry, set and user ids.
    pub fn foreign(&self) -> Vec<&str> {
        vec![
            B_WORDS,
            B_LOOKALIKE,
            B_OLD_LIFE,
            C_WORDS,
            &self.b1,
            &self.c1,
            &self.b_set,
            &self.c_set,
            &self.s.outsider.id,
            &self.other_admin.id,
        ]
    }

    /// A query naming another user and workspace: it must change nothing.
    pub fn sneaky(&self) -> String {
        format!(
            "?user={0}&userId={0}&workspace={1}",
            self.s.admin.id, self.s.outsider.workspace
        )
    }
}

fn post_entry(s: &Server, who: &Account, body: Value) -> String {
    let path = format!("/workspaces/{}/time-entries", who.workspace);
    let (status, made) = s.call(who, "POST", &path, Some(body));
    assert_eq!(status, 201, "{made}");
    made["id"].as_str().unwrap().to_owned()
}

fn put_entry(s: &Server, who: &Account, id: &str, body: Value) {
    let path = format!("/workspaces/{}/time-entries/{id}", who.workspace);
    let (status, answer) = s.call(who, "PUT", &path, Some(body));
    assert_eq!(status, 200, "{answer}");
}

fn delete_entry(s: &Server, who: &Account, id: &str) {
    let path = format!("/workspaces/{}/time-entries/{id}", who.workspace);
    assert_eq!(s.call(who, "DELETE", &path, None).0, 204);
}

fn make(s: &Server, who: &Account, what: &str, body: Value) -> String {
    post(
        s,
        who,
        &format!("/workspaces/{}/{what}", who.workspace),
        body,
    )
}

fn post(s: &Server, who: &Account, path: &str, body: Value) -> String {
    let (status, made) = s.call(who, "POST", path, Some(body));
    assert_eq!(status, 201, "{made}");
    made["id"].as_str().unwrap().to_owned()
}

/// Uploads one capture set with a picture of each shade (one per monitor) at minute
/// `min`; returns its id and the pictures' SHA-256.
fn upload_shades(
    s: &Server,
    who: &Account,
    entry: &str,
    min: i64,
    shades: &[u8],
) -> (String, Vec<String>) {
    let pictures: Vec<Vec<u8>> = shades.iter().map(|&v| jpeg(v)).collect();
    let set = new_set(entry, at(min), &pictures);
    let (status, body) = send(s, who, &set, &pictures, &set.id);
    assert_eq!(status, 201, "{body}");
    let shas = pictures.iter().map(|p| hex(&Sha256::digest(p))).collect();
    (set.id, shas)
}

fn enable_everything(s: &Server, admin: &Account) {
    let settings = format!("/workspaces/{}/settings", admin.workspace);
    let (_, mut on) = s.call(admin, "GET", &settings, None);
    on["screenshotsEnabled"] = json!(true);
    on["auditLog"] = json!({"enabled": true, "timeEntries": true, "projects": true, "users": true});
    assert_eq!(s.call(admin, "PUT", &settings, Some(on)).0, 200);
}

/// The world, with its audit logs on from the start.
pub fn build() -> World {
    let s = Server::start();
    let (admin, member, outsider) = (&s.admin, &s.member, &s.outsider);
    enable_everything(&s, admin);
    let key = s
        .process
        .add_user("Other", "dee@other.test", "admin")
        .unwrap();
    let (_, me) = call(&s.base, "GET", "/user", Some(&key), None, &[]);
    let other_admin = Account {
        key,
        id: me["id"].as_str().unwrap().into(),
        workspace: outsider.workspace.clone(),
    };
    enable_everything(&s, &other_admin);

    // The admin's catalog: a project with a client, a task assigned to the member, a tag.
    let client = make(&s, admin, "clients", json!({"name": "Nimbus Corp"}));
    let project = json!({"name": "Atlas", "clientId": client});
    let project = make(&s, admin, "projects", project);
    let task = json!({"name": "Maps", "assigneeIds": [member.id]});
    let task = make(&s, admin, &format!("projects/{project}/tasks"), task);
    let tag = make(&s, admin, "tags", json!({"name": "urgent"}));

    // The admin's entries: a distinctive one, one whose id (the client's choice) is the
    // member's user id, and one id used, changed and deleted before the member takes it.
    let b1 = json!({"start": at(0), "end": at(20), "description": B_WORDS});
    let b1 = post_entry(&s, admin, b1);
    let b2 = json!({"id": member.id, "start": at(21), "end": at(22), "description": B_LOOKALIKE});
    let b2 = post_entry(&s, admin, b2);
    assert_eq!(b2, member.id);
    let old = json!({"id": REUSED, "start": at(23), "end": at(24), "description": B_OLD_LIFE});
    post_entry(&s, admin, old);
    let old = json!({"start": at(23), "end": at(25), "description": B_OLD_LIFE});
    put_entry(&s, admin, REUSED, old);
    delete_entry(&s, admin, REUSED);

    // The member's entries.
    let e1 = json!({"start": at(30), "end": at(60), "description": A_WORDS,
        "projectId": project, "taskId": task, "tagIds": [tag]});
    let e1 = post_entry(&s, member, e1);
    let e2 = json!({"start": at(61), "end": at(70), "description": A_FORMULA});
    let e2 = post_entry(&s, member, e2);
    let gone = json!({"start": at(71), "end": at(72), "description": "soon gone"});
    let gone = post_entry(&s, member, gone);
    delete_entry(&s, member, &gone);
    let again = json!({"id": REUSED, "start": at(80), "end": at(90), "description": "mine now"});
    assert_eq!(post_entry(&s, member, again), REUSED);
    let running = json!({"start": at(100), "description": "still going"});
    let running = post_entry(&s, member, running);
    // The admin changes the member's entry and role: records about the member.
    let changed = json!({"start": at(30), "end": at(60), "description": A_WORDS,
        "projectId": project, "taskId": task, "tagIds": [tag], "billable": true});
    put_entry(&s, admin, &e1, changed);
    for role in ["admin", "regular"] {
        let path = format!("/workspaces/{}/users/{}/role", admin.workspace, member.id);
        let (status, body) = s.call(admin, "PUT", &path, Some(json!({"role": role})));
        assert_eq!(status, 200, "{body}");
    }
    let c1 = json!({"start": at(0), "end": at(40), "description": C_WORDS});
    let c1 = post_entry(&s, outsider, c1);

    // Screenshots: the member's two sets (three pictures), the others' one each.
    let (set1, mut shots) = upload_shades(&s, member, &e1, 35, &[30, 90]);
    let (set2, more) = upload_shades(&s, member, REUSED, 85, &[150]);
    shots.extend(more);
    let (b_set, b_shots) = upload_shades(&s, admin, &b1, 5, &[210]);
    let (c_set, c_shots) = upload_shades(&s, outsider, &c1, 5, &[250]);
    let every: BTreeSet<&String> = shots.iter().chain(&b_shots).chain(&c_shots).collect();
    assert_eq!(every.len(), 5, "every picture differs");

    World {
        s,
        other_admin,
        project,
        task,
        tag,
        e1,
        e2,
        gone,
        running,
        set1,
        set2,
        shots,
        b1,
        b2,
        b_set,
        c1,
        c_set,
    }
}

/// A browser signed in with `who`'s API key (their web sign-in is recorded).
pub fn signed_in(s: &Server, who: &Account) -> Browser {
    let mut web = Browser::new(&s.process);
    assert_eq!(web.sign_in(&[("api_key", &who.key)]).status, 303);
    web
}

/// The download's bytes, after checking its status, type, attachment name
/// (`stint-my-NAME-YYYY-MM-DD.EXT`, the day in the member's zone: UTC, as the sign-in sent
/// none) and that no cache keeps it.
pub fn download(web: &mut Browser, path: &str, kind: &str, name: &str) -> Vec<u8> {
    let answer = web.get(path);
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    let headers = &answer.headers;
    assert!(
        headers["content-type"].starts_with(kind),
        "{path}: {headers:?}"
    );
    let ext = path.split('?').next().unwrap().rsplit('.').next().unwrap();
    let today = chrono::Utc::now().date_naive();
    let disposition = &headers["content-disposition"];
    let named = [today, today - chrono::Duration::days(1)].iter().any(|d| {
        let file = format!("stint-my-{name}-{}.{ext}", d.format("%Y-%m-%d"));
        *disposition == format!("attachment; filename=\"{file}\"")
    });
    assert!(named, "{path}: {disposition}");
    assert_eq!(headers["cache-control"], "private, no-store");
    let (status, _, bytes) = web.get_bytes(path);
    assert_eq!(status, 200);
    bytes
}

/// The `key` string of each JSON object.
pub fn ids<'v>(items: impl IntoIterator<Item = &'v Value>, key: &str) -> BTreeSet<String> {
    items
        .into_iter()
        .map(|v| v[key].as_str().unwrap().to_owned())
        .collect()
}

pub fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}
