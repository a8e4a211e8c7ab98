//! The socket protocol: every message survives a round trip, anything else is a clear
//! refusal (never a panic), and another version is told to restart.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use stint_core::activity::IgnoreKind;
use stint_core::idle::{IdleChoice, IdleSettings};
use stint_core::{Entry, EntryId, EntryPatch, Work};
use stint_ipc::protocol::{
    decode, encode, welcome, Answer, Command, FromAgent, ProtocolError, ToAgent, MAX_MESSAGE_BYTES,
    PROTOCOL_VERSION,
};
use stint_ipc::{AgentEvent, UiError};

fn entry() -> Entry {
    Entry {
        id: EntryId("e1".into()),
        description: "Writing".into(),
        start: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
        end: None,
        work: Work {
            project_id: Some("p1".into()),
            task_id: None,
            tag_ids: vec!["t1".into()],
            billable: true,
        },
    }
}

fn every_command() -> Vec<Command> {
    let t = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let date = t.date_naive();
    vec![
        Command::TimerStatus,
        Command::StartTimer {
            description: "Writing".into(),
            work: Work::default(),
        },
        Command::StopTimer,
        Command::Today,
        Command::EditEntry {
            id: EntryId("e1".into()),
            patch: EntryPatch {
                description: Some("x".into()),
                start: None,
                end: Some(t),
                work: Some(Work::default()),
            },
        },
        Command::DeleteEntry {
            id: EntryId("e1".into()),
        },
        Command::AddManualEntry {
            description: "Call".into(),
            start: t,
            end: t,
            work: Work::default(),
        },
        Command::Catalog,
        Command::CreateTag {
            name: "urgent".into(),
        },
        Command::SignIn {
            server: "http://127.0.0.1:8400".into(),
            api_key: "k".into(),
        },
        Command::SignOut,
        Command::SyncStatus,
        Command::WorkspacePolicy,
        Command::IdlePrompt,
        Command::ResolveIdle {
            id: 3,
            choice: IdleChoice::Keep,
        },
        Command::IdleSettings,
        Command::SetIdleSettings {
            settings: IdleSettings {
                enabled: true,
                threshold_seconds: 300,
            },
        },
        Command::ActivityDay { date },
        Command::DeleteActivity { ids: vec![1, 2] },
        Command::DeleteActivityDay { date: None },
        Command::IgnoreActivity {
            kind: IgnoreKind::Site,
            value: "example.org".into(),
        },
        Command::SetAutoTrackerPaused { paused: true },
        Command::RecentEntries,
        Command::ContinueEntry {
            id: EntryId("e1".into()),
        },
        Command::Overview,
        Command::ShownNotices,
        Command::AgentInfo,
        Command::OpenWindow,
        Command::OpenIdlePrompt,
        Command::Quit,
    ]
}

#[test]
fn every_message_survives_a_round_trip_as_one_line() {
    let mut messages: Vec<ToAgent> = vec![
        ToAgent::Hello {
            protocol: PROTOCOL_VERSION,
            client: "window 0.1.0".into(),
            window: Some(stint_ipc::WindowKind::Idle),
        },
        ToAgent::Hello {
            protocol: PROTOCOL_VERSION,
            client: "stint-cli 0.1.0".into(),
            window: None,
        },
    ];
    messages.extend(
        every_command()
            .into_iter()
            .enumerate()
            .map(|(i, command)| ToAgent::Call {
                id: i as u64,
                command,
            }),
    );
    for message in messages {
        let line = encode(&message);
        assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1, "one line");
        assert_eq!(decode::<ToAgent>(&line).unwrap(), message);
    }
    for message in [
        FromAgent::Reply {
            id: 7,
            result: Ok(Answer::MaybeEntry(Some(entry()))),
        },
        FromAgent::Reply {
            id: 8,
            result: Err(UiError {
                code: "invalid_entry".into(),
                message: "the end is before the start".into(),
            }),
        },
        FromAgent::Reply {
            id: 9,
            result: Ok(Answer::Done),
        },
        FromAgent::Show {
            window: stint_ipc::WindowKind::Main,
        },
        FromAgent::Event {
            event: AgentEvent::TimerChanged {
                running: Some(entry()),
            },
        },
        welcome(PROTOCOL_VERSION, "0.1.0"),
    ] {
        assert_eq!(decode::<FromAgent>(&encode(&message)).unwrap(), message);
    }
}

#[test]
fn another_version_is_told_to_restart() {
    let FromAgent::Refused { code, message } = welcome(PROTOCOL_VERSION + 1, "0.1.0") else {
        panic!("welcomed another version")
    };
    assert_eq!(code, "version_mismatch");
    assert!(message.contains("restart"), "{message}");
}

#[test]
fn anything_else_is_a_clear_refusal() {
    for garbage in [
        &b""[..],
        b"{",
        b"null",
        b"\xff\xfe\x00",
        br#"{"type":"call","id":1,"command":{"command":"formatDisk"}}"#,
        br#"{"type":"call","id":-1,"command":{"command":"today"}}"#,
        br#"{"type":"hello"}"#,
    ] {
        let refused = decode::<ToAgent>(garbage).unwrap_err();
        assert!(matches!(refused, ProtocolError::Invalid(_)), "{garbage:?}");
        let FromAgent::Refused { code, message } = refused.refusal() else {
            unreachable!()
        };
        assert_eq!(code, "bad_message");
        assert!(message.contains("protocol"), "{message}");
    }
    let huge = vec![b' '; MAX_MESSAGE_BYTES + 1];
    assert_eq!(decode::<ToAgent>(&huge), Err(ProtocolError::TooLong));
}

proptest! {
    /// No line of bytes makes decoding panic.
    #[test]
    fn decoding_never_panics(line in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode::<ToAgent>(&line);
        let _ = decode::<FromAgent>(&line);
    }
}

#[test]
fn a_sign_in_never_shows_its_key_in_logs() {
    let command = Command::SignIn {
        server: "http://127.0.0.1:8400".into(),
        api_key: "stint_secret_key_42".into(),
    };
    let logged = format!("{command:?} {}", command.name());
    assert!(!logged.contains("stint_secret_key_42"), "{logged}");
    assert!(logged.contains("127.0.0.1:8400"), "{logged}");
    for command in every_command() {
        assert!(!command.name().is_empty());
    }
}
