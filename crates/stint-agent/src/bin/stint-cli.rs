//! A command line for the agent, also used by the crash tests.
//!
//! `stint-cli start [DESCRIPTION]`, `stop`, `toggle` (stop, or start one: bind a key to
//! it), `status`, `today`, `sign-in SERVER KEY` (`-` as the key reads it from standard
//! input, so it is not seen in the process list), `sign-out`, `sync-status`, `policy`,
//! `notices`, `autostart [on|off]` (start at login), `about`, `open-logs`, `report` (a zip
//! of the logs, secrets removed), or `serve`: read one of those commands per line on stdin
//! and answer each with one JSON line, with the agent's task running (sensors,
//! screenshots, sync) and the socket served, until stdin closes.
//!
//! While an agent answers on the socket (`STINT_SOCKET`, else the runtime directory's
//! `stint/agent.sock`), every command but `serve` goes to it; otherwise the command runs on
//! an agent of its own over the same data.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{bail, Context};
use stint_agent::socket::{self, Headless, Serving, SocketServer};
use stint_agent::windows::Windows;
use stint_agent::{AgentHandle, AgentOptions, Paths};
use stint_ipc::protocol::{Answer, Command};
use stint_ipc::UiError;

const USAGE: &str =
    "use start, stop, toggle, status, today, week [N], edit ID DESCRIPTION, delete ID, catalog, sign-in, sign-out, sync-status, policy, notices, autostart [on|off], privacy, waiting, discard SET_ID, my-data, export, delete-local-data --yes, about, open-logs, report or serve";

/// The protocol command for a command line; `Err` is a usage problem.
fn command_of(command: &str, rest: &str) -> anyhow::Result<Command> {
    Ok(match command {
        "start" => Command::StartTimer {
            description: rest.to_owned(),
            work: stint_core::Work::default(),
        },
        "stop" => Command::StopTimer,
        "toggle" => Command::ToggleTimer,
        "about" => Command::About,
        "open-logs" => Command::OpenLogsFolder,
        "report" => Command::ReportProblem,
        "catalog" => Command::Catalog,
        "status" => Command::TimerStatus,
        "today" => Command::Today,
        "week" => Command::Week {
            weeks_back: match rest.trim() {
                "" => 0,
                n => n
                    .parse()
                    .context("usage: week [N], N weeks before this one")?,
            },
        },
        "edit" => {
            let (id, description) = rest.split_once(' ').context("usage: edit ID DESCRIPTION")?;
            Command::EditEntry {
                id: stint_core::EntryId(id.to_owned()),
                patch: stint_core::EntryPatch {
                    description: Some(description.to_owned()),
                    ..Default::default()
                },
            }
        }
        "delete" => match rest.trim() {
            "" => bail!("usage: delete ID"),
            id => Command::DeleteEntry {
                id: stint_core::EntryId(id.to_owned()),
            },
        },
        "sign-in" => {
            let (server, key) = rest
                .split_once(' ')
                .context("usage: sign-in SERVER API_KEY (or - to read the key from stdin)")?;
            let api_key = if key == "-" {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("reading the API key from stdin")?;
                line.trim().to_owned()
            } else {
                key.to_owned()
            };
            Command::SignIn {
                server: server.to_owned(),
                api_key,
            }
        }
        "sign-out" => Command::SignOut,
        "sync-status" => Command::SyncStatus,
        "policy" => Command::WorkspacePolicy,
        "notices" => Command::ShownNotices,
        "autostart" => match rest.trim() {
            "" => Command::Autostart,
            "on" => Command::SetAutostart { enabled: true },
            "off" => Command::SetAutostart { enabled: false },
            _ => bail!("usage: autostart [on|off]"),
        },
        "privacy" => Command::Privacy,
        "waiting" => Command::WaitingScreenshots,
        "discard" => match rest.trim() {
            "" => bail!("usage: discard SET_ID (the id `waiting` shows)"),
            id => Command::DiscardScreenshots { id: id.to_owned() },
        },
        "my-data" => Command::MyData,
        "export" => Command::ExportMyData,
        "delete-local-data" => match rest.trim() {
            "--yes" => Command::DeleteLocalData { confirm: true },
            _ => bail!("usage: delete-local-data --yes (deletes every entry, screenshot and the sign-in on this computer)"),
        },
        other => bail!("unknown command {other:?}: {USAGE}"),
    })
}

/// The answer's value alone, as scripts read it.
fn answer_json(answer: Answer) -> anyhow::Result<serde_json::Value> {
    Ok(match answer {
        Answer::Done => serde_json::Value::Null,
        Answer::Entry(e) => serde_json::to_value(e)?,
        Answer::MaybeEntry(e) => serde_json::to_value(e)?,
        Answer::Day(d) => serde_json::to_value(d)?,
        Answer::Week(w) => serde_json::to_value(w)?,
        Answer::Sync(s) => serde_json::to_value(s)?,
        Answer::Policy(p) => serde_json::to_value(p)?,
        Answer::Ids(ids) => serde_json::to_value(ids)?,
        Answer::Catalog(c) => serde_json::to_value(c)?,
        Answer::Autostart(a) => serde_json::to_value(a)?,
        Answer::About(a) => serde_json::to_value(a)?,
        Answer::Path(p) => serde_json::Value::String(p),
        Answer::Privacy(p) => serde_json::to_value(p)?,
        Answer::Waiting(w) => serde_json::to_value(w)?,
        Answer::Discarded(d) => serde_json::to_value(d)?,
        Answer::MyData(d) => serde_json::to_value(d)?,
        other => serde_json::to_value(other)?,
    })
}

/// One line of `serve`: `{"ok": …}` or `{"error": {code, message}}`.
fn serve_line(agent: &AgentHandle, line: &str) -> serde_json::Value {
    let (command, rest) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
    let command = match command_of(command, rest) {
        Ok(c) => c,
        Err(e) => {
            return serde_json::json!({ "error": { "code": "usage", "message": e.to_string() } })
        }
    };
    match agent.call_blocking(command).map(answer_json) {
        Ok(Ok(v)) => serde_json::json!({ "ok": v }),
        Ok(Err(e)) => {
            serde_json::json!({ "error": { "code": "internal", "message": e.to_string() } })
        }
        Err(e) => serde_json::json!({ "error": e }),
    }
}

fn main() -> anyhow::Result<()> {
    Paths::private_files();
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "status".to_owned());
    let rest = args.collect::<Vec<_>>().join(" ");
    let path = socket::socket_path();
    // Read once: a sign-in's key may come from stdin.
    let one_shot = match command.as_str() {
        "serve" => None,
        _ => Some(command_of(&command, &rest)?),
    };
    if let Some(call) = &one_shot {
        match socket::call(&path, call.clone()) {
            Ok(Ok(answer)) => {
                println!("{}", answer_json(answer)?);
                return Ok(());
            }
            Ok(Err(e)) => bail!("{} ({})", e.message, e.code),
            // No agent runs: work on the data directly.
            Err(socket::CallError::NoAgent(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let paths = Paths::from_env()?;
    // One worker runs the agent's task; this thread reads stdin and waits for answers.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    // Only `serve` watches the desktop; a single command needs the data alone.
    let options = match one_shot {
        None => AgentOptions::default(),
        Some(_) => AgentOptions::with_sensors(stint_sensors::Sensors::none()),
    };
    let started = {
        let _inside = runtime.enter();
        stint_agent::start(&paths, options)
    };
    let (agent, _task) = match started {
        Ok(started) => started,
        // An agent took the data while this command looked for it: ask it after all.
        Err(e) if one_shot.is_some() && e.is::<stint_agent::data_lock::DataLockError>() => {
            let call = one_shot.clone().expect("checked");
            let answer = socket::call(&path, call)
                .map_err(|_| e)?
                .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code))?;
            println!("{}", answer_json(answer)?);
            return Ok(());
        }
        Err(e) => {
            return Err(e.context(format!(
                "opening Stint's data in {}",
                paths.data_dir.display()
            )))
        }
    };
    if let Some(call) = one_shot {
        let answer = agent
            .call_blocking(call)
            .map_err(|e: UiError| anyhow::anyhow!("{} ({})", e.message, e.code))?;
        println!("{}", answer_json(answer)?);
        runtime.block_on(agent.shut_down());
        return Ok(());
    }
    // A headless agent without its socket has no one to serve but stdin; another agent on
    // the same socket would answer for other data.
    let server = runtime
        .block_on(SocketServer::bind(&path))
        .context("not serving the socket")?;
    let serving = Serving {
        agent: agent.clone(),
        host: Arc::new(Headless {
            data_dir: paths.data_dir.clone(),
        }),
        windows: Windows::headless(),
    };
    runtime.spawn(server.serve(serving));
    for line in std::io::stdin().lock().lines() {
        println!("{}", serve_line(&agent, &line?));
    }
    runtime.block_on(agent.shut_down());
    let _ = std::fs::remove_file(&path);
    Ok(())
}
