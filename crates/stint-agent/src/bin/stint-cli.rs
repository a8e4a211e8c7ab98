//! A command line for the agent API, also used by the crash tests.
//!
//! `stint-cli start [DESCRIPTION]`, `stop`, `status`, `today`, `sign-in SERVER KEY`,
//! `sign-out`, `sync-status`, or `serve`: read one of those commands per line on stdin and
//! answer each with one JSON line, with the tick and sync running, until stdin closes.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{bail, Context};
use stint_agent::{Agent, Paths, SystemClock, UiError};

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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    // The tick runs beside the command loop, as it does in the app.
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

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "status".to_owned());
    let rest = args.collect::<Vec<_>>().join(" ");
    let paths = Paths::from_env()?;
    let agent = Agent::open(&paths, Arc::new(SystemClock))
        .with_context(|| format!("opening Stint's data in {}", paths.data_dir.display()))?;
    if command == "serve" {
        return serve(agent);
    }
    println!("{}", run(&agent, &command, &rest)?);
    Ok(())
}
