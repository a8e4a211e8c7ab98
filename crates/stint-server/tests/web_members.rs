//! Issue 16: the members page over HTTP against the real server. An admin adds a member
//! with a first password or a one-time invitation link, changes a role (seen by that
//! member), deactivates and resets a key; each change is in the audit log and no key or
//! token is.

mod webclient;

use serde_json::json;
use stint_testkit::http::{call, Server};
use webclient::{csrf_of, Browser};

fn signed_in(s: &Server, fields: &[(&str, &str)]) -> (Browser, String) {
    let mut web = Browser::new(&s.process);
    let answer = web.sign_in(fields);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let csrf = csrf_of(&web.get("/web").body);
    (web, csrf)
}

/// The key or link a page shows once.
fn secret(body: &str) -> String {
    body.split("id=\"secret-value\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no key shown in {body}"))
        .to_owned()
}

fn key_works(s: &Server, key: &str) -> bool {
    call(&s.base, "GET", "/user", Some(key), None, &[]).0 == 200
}

#[test]
fn an_admin_adds_invites_promotes_deactivates_and_resets_members() {
    let s = Server::start();
    let ws = s.admin.workspace.clone();
    s.call(
        &s.admin,
        "PUT",
        &format!("/workspaces/{ws}/settings"),
        Some(json!({"auditLog": {"enabled": true}})),
    );
    let (mut admin, csrf) = signed_in(&s, &[("api_key", &s.admin.key)]);
    // With a first password: they sign in with it, and their key works.
    let added = admin.post(
        "/web/members",
        &[
            ("csrf", &csrf),
            ("email", "Pat@Acme.test"),
            ("name", "Pat"),
            ("role", "regular"),
            ("password", "a long first password"),
        ],
    );
    assert_eq!(added.status, 200, "{}", added.body);
    let pat_key = secret(&added.body);
    assert!(key_works(&s, &pat_key));
    let (mut pat, _) = signed_in(
        &s,
        &[
            ("email", "pat@acme.test"),
            ("password", "a long first password"),
        ],
    );
    assert_eq!(
        admin
            .post(
                "/web/members",
                &[
                    ("csrf", &csrf),
                    ("email", "pat@acme.test"),
                    ("name", "Pat again")
                ]
            )
            .status,
        409
    );
    // Without one: a one-time invitation link.
    let invited = admin.post(
        "/web/members",
        &[
            ("csrf", &csrf),
            ("email", "kim@acme.test"),
            ("name", "Kim"),
            ("role", "regular"),
        ],
    );
    assert_eq!(invited.status, 200, "{}", invited.body);
    let token = invited
        .body
        .split("/web/invite/")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_alphanumeric()).next())
        .expect("an invitation link")
        .to_owned();
    let link = format!("/web/invite/{token}");
    let mut kim = Browser::new(&s.process);
    assert_eq!(kim.get(&link).status, 200);
    assert_eq!(
        kim.post(
            &link,
            &[("password", "a long password"), ("repeat", "another")]
        )
        .status,
        400
    );
    assert_eq!(
        kim.post(
            &link,
            &[
                ("password", "kims own password"),
                ("repeat", "kims own password")
            ]
        )
        .status,
        303
    );
    assert_eq!(
        kim.post(
            &link,
            &[
                ("password", "a second try here"),
                ("repeat", "a second try here")
            ]
        )
        .status,
        404,
        "the link works once"
    );
    let answer = kim.sign_in(&[
        ("email", "kim@acme.test"),
        ("password", "kims own password"),
    ]);
    assert_eq!(answer.status, 303);
    // A role change is seen by the member at once.
    let (_, users) = s.call(
        &s.admin,
        "GET",
        &format!("/workspaces/{ws}/users?email=pat@acme.test"),
        None,
    );
    let pat_id = users[0]["id"].as_str().unwrap().to_owned();
    assert!(!pat.get("/web").body.contains("/web/members"));
    let promoted = admin.post(
        &format!("/web/members/{pat_id}"),
        &[("csrf", &csrf), ("action", "role"), ("role", "admin")],
    );
    assert_eq!(promoted.status, 303, "{}", promoted.body);
    assert!(
        pat.get("/web").body.contains("/web/members"),
        "Pat now sees the admin pages"
    );
    // A reset key: the old one stops, the new one works, Pat's sessions end.
    let reset = admin.post(
        &format!("/web/members/{pat_id}"),
        &[("csrf", &csrf), ("action", "reset_key")],
    );
    let new_key = secret(&reset.body);
    assert!(!key_works(&s, &pat_key) && key_works(&s, &new_key));
    assert_eq!(pat.get("/web").status, 303, "back to the sign-in page");
    // Deactivated: the key stops working.
    let off = admin.post(
        &format!("/web/members/{pat_id}"),
        &[("csrf", &csrf), ("action", "deactivate")],
    );
    assert_eq!(off.status, 303);
    assert!(!key_works(&s, &new_key));
    assert!(admin.get("/web/members").body.contains("Inactive"));
    // Recorded, without a key or a token.
    let csv = admin.get("/web/audit.csv").body;
    for action in [
        "Member added",
        "Member invited",
        "Member&#39;s API key reset",
        "User&#39;s role or status changed",
    ] {
        let plain = action.replace("&#39;", "'");
        assert!(csv.contains(&plain), "no {plain:?} in {csv}");
    }
    for secret in [&pat_key, &new_key, &token] {
        assert!(
            !csv.contains(secret.as_str()),
            "a secret is in the audit log"
        );
    }
    // A member does not reach the page.
    let (mut member, member_csrf) = signed_in(&s, &[("api_key", &s.member.key)]);
    assert_eq!(member.get("/web/members").status, 403);
    assert_eq!(
        member
            .post(
                "/web/members",
                &[("csrf", &member_csrf), ("email", "x@y.test"), ("name", "X")]
            )
            .status,
        403
    );
}

/// What an attack on the first version found: an invitation link ends when a newer one is
/// made, when one is used, when the key is reset or a password is set; a bad link says so
/// at once and costs no password hashing; the link is never put in a URL; a refused add
/// keeps what was typed.
#[test]
fn invitation_links_end_when_anything_replaces_them() {
    let s = Server::start();
    let (mut admin, csrf) = signed_in(&s, &[("api_key", &s.admin.key)]);
    let invite = |admin: &mut Browser| -> String {
        let answer = admin.post(
            &format!("/web/members/{}", s.member.id),
            &[("csrf", &csrf), ("action", "invite")],
        );
        assert_eq!(
            answer.status, 200,
            "shown in the page, not redirected to a URL"
        );
        assert!(answer.location.is_none());
        let link = secret(&answer.body);
        link[link.find("/web/invite/").unwrap()..].to_owned()
    };
    let set = |link: &str, password: &str| {
        let mut someone = Browser::new(&s.process);
        someone
            .post(link, &[("password", password), ("repeat", password)])
            .status
    };
    // A newer link ends the older one; using it ends the member's sessions.
    let (mut member, _) = signed_in(&s, &[("api_key", &s.member.key)]);
    let older = invite(&mut admin);
    let newer = invite(&mut admin);
    assert_eq!(set(&older, "an older password"), 404);
    assert_eq!(set(&newer, "the member's own password"), 303);
    assert_eq!(member.get("/web").status, 303, "the member signs in again");
    // A reset key or a password set on the page ends an outstanding link.
    let pending = invite(&mut admin);
    admin.post(
        &format!("/web/members/{}", s.member.id),
        &[("csrf", &csrf), ("action", "reset_key")],
    );
    assert_eq!(set(&pending, "someone else's password"), 404);
    let pending = invite(&mut admin);
    let (mut member, member_csrf) = signed_in(
        &s,
        &[
            ("email", "bo@acme.test"),
            ("password", "the member's own password"),
        ],
    );
    let changed = member.post(
        "/web/password",
        &[
            ("csrf", &member_csrf),
            ("password", "a password of mine"),
            ("repeat", "a password of mine"),
        ],
    );
    assert!(changed.status < 400, "{}", changed.status);
    assert_eq!(set(&pending, "someone else's password"), 404);
    // A bad link says so before anything is typed.
    let mut someone = Browser::new(&s.process);
    assert_eq!(someone.get("/web/invite/0123456789abcdef").status, 404);
    // An inactive member is not invited; a refused add keeps what was typed.
    let refused = admin.post(
        "/web/members",
        &[
            ("csrf", &csrf),
            ("email", "lee@acme.test"),
            ("name", "Lee"),
            ("role", "superadmin"),
        ],
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("value=\"lee@acme.test\""),
        "{}",
        refused.body
    );
    let short = admin.post(
        "/web/members",
        &[
            ("csrf", &csrf),
            ("email", "lee@acme.test"),
            ("name", "Lee"),
            ("password", "short"),
        ],
    );
    assert_eq!(short.status, 400);
    assert!(short.body.contains("value=\"Lee\""));
}
