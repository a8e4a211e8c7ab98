//! The agent's socket with a real agent and real Unix sockets: calls and events in the
//! stint-ipc protocol, bad lines and other versions refused without harm, a private
//! socket, one agent per socket.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use stint_agent::socket::{Headless, Serving, SocketError, SocketServer};
use stint_agent::windows::Windows;
use stint_agent::{AgentEvent, AgentHandle, AgentOptions, Paths, SystemClock};
use stint_ipc::protocol::{decode, encode, Answer, Command, FromAgent, ToAgent, PROTOCOL_VERSION};
use stint_ipc::WindowKind;
use stint_sensors::fake::{FakeCapturer, FakeIdle, FakeWindow};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;

const WAIT: Duration = Duration::from_secs(10);

struct Client {
    lines: tokio::io::Lines<BufReader<OwnedReadHalf>>,
    write: OwnedWriteHalf,
}

impl Client {
    async fn connect(path: &Path) -> Client {
        let (read, write) = UnixStream::connect(path).await.unwrap().into_split();
        Client {
            lines: BufReader::new(read).lines(),
            write,
        }
    }

    async fn send_raw(&mut self, bytes: &[u8]) {
        self.write.write_all(bytes).await.unwrap();
    }

    async fn send(&mut self, message: &ToAgent) {
        self.send_raw(&encode(message)).await;
    }

    /// The next message, or `None` when the agent closed the connection.
    async fn next(&mut self) -> Option<FromAgent> {
        let line = tokio::time::timeout(WAIT, self.lines.next_line())
            .await
            .expect("the agent answers")
            .unwrap()?;
        Some(decode(line.as_bytes()).unwrap())
    }

    /// The reply to call `id`, skipping events (kept in `seen`).
    async fn reply(
        &mut self,
        id: u64,
        seen: &mut Vec<AgentEvent>,
    ) -> Result<Answer, stint_ipc::UiError> {
        loop {
            match self.next().await.expect("a reply") {
                FromAgent::Reply { id: got, result } if got == id => return result,
                FromAgent::Event { event } => seen.push(event),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    async fn hello(path: &Path) -> Client {
        Client::hello_as(path, None).await
    }

    async fn hello_as(path: &Path, window: Option<WindowKind>) -> Client {
        let mut client = Client::connect(path).await;
        client
            .send(&ToAgent::Hello {
                protocol: PROTOCOL_VERSION,
                client: "test".into(),
                window,
            })
            .await;
        assert!(matches!(
            client.next().await,
            Some(FromAgent::Welcome { .. })
        ));
        client
    }
}

async fn serving() -> (tempfile::TempDir, std::path::PathBuf, AgentHandle) {
    let dir = tempfile::tempdir().unwrap();
    let options = AgentOptions {
        capturer: Arc::new(FakeCapturer::new(vec![(64, 64)])),
        capture_window: stint_core::capture::window(),
        review_minute: chrono::Duration::minutes(1),
        idle_source: Arc::new(FakeIdle::default()),
        window_source: Arc::new(FakeWindow::default()),
        lock_source: Arc::new(stint_sensors::fake::FakeLock::default()),
        hotkeys: Arc::new(stint_sensors::fake::FakeHotkeys::default()),
        front_windows: None,
        missing: Vec::new(),
        clock: Arc::new(SystemClock),
    };
    let paths = Paths::under(&dir.path().join("data"));
    let (agent, _task) = stint_agent::start(&paths, options).unwrap();
    let path = dir.path().join("run").join("agent.sock");
    let server = SocketServer::bind(&path).await.unwrap();
    tokio::spawn(server.serve(Serving {
        agent: agent.clone(),
        host: Arc::new(Headless {
            data_dir: paths.data_dir,
        }),
        windows: Windows::headless(),
    }));
    (dir, path, agent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_answered_and_events_arrive() {
    let (_dir, path, agent) = serving().await;
    let mut client = Client::hello(&path).await;
    let mut events = Vec::new();
    let start = ToAgent::Call {
        id: 1,
        command: Command::StartTimer {
            work: Default::default(),
            description: "Over the socket".into(),
        },
    };
    client.send(&start).await;
    let Ok(Answer::Entry(entry)) = client.reply(1, &mut events).await else {
        panic!("no entry")
    };
    assert_eq!(entry.description, "Over the socket");
    // The agent itself sees the same timer, and the event reaches the client.
    assert_eq!(agent.running().await.unwrap(), Some(entry.clone()));
    client
        .send(&ToAgent::Call {
            id: 2,
            command: Command::Today,
        })
        .await;
    let Ok(Answer::Day(day)) = client.reply(2, &mut events).await else {
        panic!("no day")
    };
    assert_eq!(day.running, Some(entry.clone()));
    while !events.contains(&AgentEvent::TimerChanged {
        running: Some(entry.clone()),
    }) {
        match client.next().await.expect("the event") {
            FromAgent::Event { event } => events.push(event),
            other => panic!("unexpected {other:?}"),
        }
    }
    // A command the agent refuses comes back as the UI's error shape.
    let bad = ToAgent::Call {
        id: 3,
        command: Command::EditEntry {
            id: stint_core::EntryId("no-such-entry".into()),
            patch: Default::default(),
        },
    };
    client.send(&bad).await;
    let Err(error) = client.reply(3, &mut events).await else {
        panic!("accepted")
    };
    assert_eq!(error.code, "not_found", "{error:?}");
    // This agent has no windows: asking for one is refused in words.
    client
        .send(&ToAgent::Call {
            id: 4,
            command: Command::OpenWindow,
        })
        .await;
    let Err(refused) = client.reply(4, &mut events).await else {
        panic!("a headless agent opened a window")
    };
    assert_eq!(refused.code, "unsupported");
    assert!(refused.message.contains("without a window"), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_lines_and_other_versions_are_refused_without_harm() {
    let (_dir, path, agent) = serving().await;
    // Garbage before hello: refused, the connection ends.
    let mut rude = Client::connect(&path).await;
    rude.send_raw(b"\xff\xfe not json\n").await;
    assert!(
        matches!(rude.next().await, Some(FromAgent::Refused { code, .. }) if code == "bad_message")
    );
    assert_eq!(rude.next().await, None);
    // Another protocol version: told to restart, the connection ends.
    let mut old = Client::connect(&path).await;
    old.send(&ToAgent::Hello {
        protocol: PROTOCOL_VERSION + 1,
        client: "old window".into(),
        window: None,
    })
    .await;
    match old.next().await {
        Some(FromAgent::Refused { code, message }) => {
            assert_eq!(code, "version_mismatch");
            assert!(message.contains("restart"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(old.next().await, None);
    // After hello, a bad line is refused and an unknown command gets an error reply to its
    // call; the connection goes on.
    let mut client = Client::hello(&path).await;
    client.send_raw(b"{\n").await;
    assert!(
        matches!(client.next().await, Some(FromAgent::Refused { code, .. }) if code == "bad_message")
    );
    client
        .send_raw(b"{\"type\":\"call\",\"id\":1,\"command\":{\"command\":\"formatDisk\"}}\n")
        .await;
    match client.reply(1, &mut Vec::new()).await {
        Err(error) => assert_eq!(error.code, "bad_message"),
        Ok(answer) => panic!("{answer:?}"),
    }
    client
        .send(&ToAgent::Call {
            id: 9,
            command: Command::TimerStatus,
        })
        .await;
    assert_eq!(
        client.reply(9, &mut Vec::new()).await,
        Ok(Answer::MaybeEntry(None))
    );
    assert!(agent.running().await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_is_private_and_answers_for_one_agent() {
    let (dir, path, _agent) = serving().await;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    // A second agent on the same socket finds the first one running.
    match SocketServer::bind(&path).await {
        Err(SocketError::AgentRunning(p)) => assert_eq!(p, path),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("two agents on one socket"),
    }
    // A socket file left by a crashed agent (nothing listens) is replaced.
    let stale = dir.path().join("stale").join("agent.sock");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::set_permissions(
        stale.parent().unwrap(),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    assert!(stale.exists());
    SocketServer::bind(&stale)
        .await
        .expect("the stale socket is replaced");
    // A file that is not a socket is left alone, and a directory others may enter refused.
    let file = dir.path().join("stale").join("notes.txt");
    std::fs::write(&file, "precious").unwrap();
    assert!(matches!(
        SocketServer::bind(&file).await,
        Err(SocketError::NotASocket(_))
    ));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "precious");
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    assert!(matches!(
        SocketServer::bind(&open.join("agent.sock")).await,
        Err(SocketError::OpenDirectory(_))
    ));
}

/// One window process at a time: a second one is refused with a sentence, and the first
/// is asked to show the window the second wanted; once the first is gone, a new one may come.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_window_process_is_refused_and_the_first_shows_its_window() {
    let (_dir, path, _agent) = serving().await;
    let mut first = Client::hello_as(&path, Some(WindowKind::Main)).await;
    let mut second = Client::connect(&path).await;
    second
        .send(&ToAgent::Hello {
            protocol: PROTOCOL_VERSION,
            client: "second window".into(),
            window: Some(WindowKind::Idle),
        })
        .await;
    match second.next().await {
        Some(FromAgent::Refused { code, message }) => {
            assert_eq!(code, "window_open");
            assert!(message.contains("already open"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(second.next().await, None, "the refused connection ends");
    loop {
        match first.next().await.expect("the first window hears") {
            FromAgent::Show { window } => {
                assert_eq!(window, WindowKind::Idle);
                break;
            }
            FromAgent::Event { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    // A plain client (the CLI) is no window and is always welcome.
    let mut cli = Client::hello(&path).await;
    cli.send(&ToAgent::Call {
        id: 1,
        command: Command::AgentInfo,
    })
    .await;
    let Ok(Answer::Info(info)) = cli.reply(1, &mut Vec::new()).await else {
        panic!("no info")
    };
    assert!(!info.tray_available);
    // "Open Stint" with a window process connected asks it to show its main window.
    cli.send(&ToAgent::Call {
        id: 2,
        command: Command::OpenWindow,
    })
    .await;
    assert_eq!(cli.reply(2, &mut Vec::new()).await, Ok(Answer::Done));
    loop {
        match first.next().await.expect("the first window hears") {
            FromAgent::Show { window } => {
                assert_eq!(window, WindowKind::Main);
                break;
            }
            FromAgent::Event { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    drop(first);
    // The slot frees when the first window process goes.
    let third = tokio::time::timeout(WAIT, async {
        loop {
            let mut c = Client::connect(&path).await;
            c.send(&ToAgent::Hello {
                protocol: PROTOCOL_VERSION,
                client: "third".into(),
                window: Some(WindowKind::Main),
            })
            .await;
            if matches!(c.next().await, Some(FromAgent::Welcome { .. })) {
                return c;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(
        third.is_ok(),
        "a new window process is welcome once the first left"
    );
}

/// `stint-cli` talks to a running agent over the socket: a start from a CLI pointed at
/// another (empty) data directory lands in the serving agent, so it went over the socket.
#[test]
fn the_cli_uses_the_running_agent() {
    let bin = env!("CARGO_BIN_EXE_stint-cli");
    let root = tempfile::tempdir().unwrap();
    let socket = root.path().join("run").join("agent.sock");
    let mut agent =
        stint_testkit::AgentCli::spawn_with(bin, root.path(), &[("STINT_SOCKET", &socket)]);
    stint_testkit::wait_until(WAIT, "the agent's socket", || socket.exists().then_some(()))
        .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .args(args)
            .env("STINT_SOCKET", &socket)
            .env("STINT_DATA_DIR", elsewhere.path().join("data"))
            .env("STINT_CONFIG_DIR", elsewhere.path().join("config"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let started = cli(&["start", "Through", "the", "socket"]);
    assert_eq!(started["description"], "Through the socket");
    assert_eq!(agent.ok("status")["id"], started["id"]);
    assert_eq!(cli(&["status"])["id"], started["id"]);
    assert_eq!(cli(&["stop"])["id"], started["id"]);
    assert!(agent.ok("status").is_null());
    // Nothing was written beside the CLI's own (unused) data directory.
    assert!(!elsewhere.path().join("data").join("stint.db").exists());
}
