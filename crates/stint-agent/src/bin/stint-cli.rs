//! A command line for the agent API, also used by the crash tests.
//!
//! `stint-cli start [DESCRIPTION]`, `stop`, `status`, `today`, `sign-in SERVER KEY`,
//! `sign-out`, `sync-status`, or `serve`: read one of those commands per line on stdin and
//! answer each with one JSON line, with the tick and sync running, until stdin closes.
//!
//! While an agent answers on the socket (`STINT_SOCKET`, else `$XDG_RUNTIME_DIR/stint/
//! agent.sock`), `start`, `stop`, `status` and `today` go to it; `serve` also serves the
//! socket (a headless agent), unless another agent already does.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{bail, Context};
use stint_agent::{socket, Agent, Paths, SystemClock, UiError};
use stint_ipc::protocol::{Answer, Command};

fn run(agent: &Agent, command: &str, rest: &str) -> anyhow::Result<serde_json::Value> {
    let answer = match command {
        "start" => serde_json::to_value(agent.start(rest)?)?,
        "stop" => serde_json::to_value(agent.stop()?)?,
        "status" => serde_json::to_value(agent.running()?)?,
        "today" => serde_json::to_value(agent.today()?)?,
        "sign-in" => {
            let (server, key) = rest
                .split_once(' ')
                .context("usage: sign-in SERVER API_KEY")?;
            serde_json::to_value(agent.sign_in(server, key)?)?
        }
        "sign-out" => serde_json::to_value(agent.sign_out()?)?,
        "sync-status" => serde_json::to_value(agent.sync_status())?,
        "policy" => serde_json::to_value(agent.workspace_policy())?,
        "notices" => serde_json::to_value(agent.shown_notices())?,
        other => bail!(
            "unknown command {other:?}: use start, stop, status, today, sign-in, sign-out, sync-status or serve"
        ),
    };
    Ok(answer)
}

fn serve(agent: Arc<Agent>) -> anyhow::Result<()> {
    let ticker = agent.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    // The tick runs beside the command loop, as it does in the app, and so does the socket.
    if let Some(path) = socket::socket_path() {
        match runtime.block_on(socket::SocketServer::bind(&path)) {
            Ok(server) => {
                runtime.spawn(server.serve(agent.clone(), Arc::new(socket::Headless)));
            }
            // A headless agent without its socket has no one to serve.
            Err(e) => bail!("not serving the socket: {e}"),
        }
    }
    std::thread::spawn(move || runtime.block_on(ticker.run_ticks()));
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let (command, rest) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
        let answer = match run(&agent, command, rest) {
            Ok(v) => serde_json::json!({ "ok": v }),
            Err(e) => match e.downcast::<stint_agent::AgentError>() {
                Ok(agent_error) => serde_json::json!({ "error": UiError::from(agent_error) }),
                Err(other) => {
                    serde_json::json!({ "error": { "code": "usage", "message": other.to_string() } })
                }
            },
        };
        println!("{answer}");
    }
    Ok(())
}

/// The command for the running agent, where the socket protocol has one.
fn socket_command(command: &str, rest: &str) -> Option<Command> {
    Some(match command {
        "start" => Command::StartTimer {
            description: rest.to_owned(),
        },
        "stop" => Command::StopTimer,
        "status" => Command::TimerStatus,
        "today" => Command::Today,
        _ => return None,
    })
}

/// The answer's value as the direct path prints it.
fn answer_json(answer: Answer) -> anyhow::Result<serde_json::Value> {
    Ok(match answer {
        Answer::Entry(e) => serde_json::to_value(e)?,
        Answer::MaybeEntry(e) => serde_json::to_value(e)?,
        Answer::Day(d) => serde_json::to_value(d)?,
        other => serde_json::to_value(other)?,
    })
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "status".to_owned());
    let rest = args.collect::<Vec<_>>().join(" ");
    if let (Some(path), Some(call)) = (socket::socket_path(), socket_command(&command, &rest)) {
        match socket::call(&path, call) {
            Ok(Ok(answer)) => {
                println!("{}", answer_json(answer)?);
                return Ok(());
            }
            Ok(Err(e)) => bail!("{} ({})", e.message, e.code),
            // No agent runs: work on the data directly, as before.
            Err(socket::CallError::NoAgent(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let paths = Paths::from_env()?;
    let agent = Agent::open(&paths, Arc::new(SystemClock))
        .with_context(|| format!("opening Stint's data in {}", paths.data_dir.display()))?;
    if command == "serve" {
        return serve(agent);
    }
    println!("{}", run(&agent, &command, &rest)?);
    Ok(())
}
