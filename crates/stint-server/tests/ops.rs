//! The operations layer on its own (issue 15): time comes from the injected clock, and an
//! operation is one transaction — refused halfway, it leaves nothing behind, its audit
//! records included.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use stint_api::{TagChanges, WorkspaceSettings};
use stint_server::ops;
use stint_server::storage::{AuditFilter, Role};
use stint_server::AppState;

fn state_at(dir: &std::path::Path, now: chrono::DateTime<Utc>) -> AppState {
    let mut state = AppState::open(dir).unwrap();
    state.clock = Arc::new(move || now);
    state
}

#[tokio::test]
async fn operations_take_the_injected_time_and_a_refusal_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc.with_ymd_and_hms(2031, 5, 6, 7, 8, 9).unwrap();
    let state = state_at(dir.path(), now);
    let (admin, _) = state
        .storage
        .add_user("Acme", "a@a.test", "Ann", Role::Admin)
        .unwrap();
    let wid = admin.workspace_id.clone();
    let settings = WorkspaceSettings {
        audit_log: stint_api::AuditSettings {
            enabled: true,
            ..Default::default()
        },
        ..Default::default()
    };
    state.storage.save_settings(&wid, &settings).unwrap();

    let w = wid.clone();
    let tag = state
        .op(
            &admin,
            move |op| {
                ops::catalog::create_tag(
                    op,
                    &w,
                    TagChanges {
                        name: Some("urgent".into()),
                        archived: None,
                    },
                )
            },
            |_| Ok(None),
        )
        .await
        .unwrap();
    let records = state
        .storage
        .audit_records(&wid, &AuditFilter::default())
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].action.as_str(), records[0].at),
        ("tag.created", now)
    );

    // A second tag is written, then the operation refuses: neither the tag nor its record
    // is kept.
    let w = wid.clone();
    let refused = state
        .op(
            &admin,
            move |op| {
                let made = ops::catalog::create_tag(
                    op,
                    &w,
                    TagChanges {
                        name: Some("calls".into()),
                        archived: None,
                    },
                )?;
                ops::catalog::create_tag(
                    op,
                    &w,
                    TagChanges {
                        name: Some("urgent".into()),
                        archived: None,
                    },
                )?;
                Ok(made)
            },
            |_| Ok(None),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.status.as_u16(), 409, "{}", refused.message);
    let w = wid.clone();
    let tags = state
        .read_op(&admin, move |op| ops::catalog::tags(op, &w))
        .await
        .unwrap();
    assert_eq!(tags, vec![tag]);
    let records = state
        .storage
        .audit_records(&wid, &AuditFilter::default())
        .unwrap();
    assert_eq!(
        records.len(),
        1,
        "the refused operation's record is gone too"
    );
}
