//! `stint-cli serve` as a test drives it: one command per line in, one JSON answer out.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};

use serde_json::Value;

/// An agent process on its own data under `root` (`root/data`, `root/config`); killed
/// when dropped.
pub struct AgentCli {
    pub child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl AgentCli {
    /// `bin` is the `stint-cli` binary.
    pub fn spawn(bin: impl AsRef<std::ffi::OsStr>, root: &Path) -> AgentCli {
        AgentCli::spawn_with(bin, root, &[])
    }

    /// The same with more environment (e.g. `STINT_SOCKET`).
    pub fn spawn_with(
        bin: impl AsRef<std::ffi::OsStr>,
        root: &Path,
        envs: &[(&str, &Path)],
    ) -> AgentCli {
        let mut child = Command::new(bin)
            .arg("serve")
            .env("STINT_DATA_DIR", root.join("data"))
            .env("STINT_CONFIG_DIR", root.join("config"))
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the stint-cli binary starts");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        AgentCli {
            child,
            stdin,
            stdout,
        }
    }

    /// The whole answer: `{"ok": …}` or `{"error": {code, message}}`.
    pub fn ask(&mut self, line: &str) -> Value {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").expect("the agent reads its commands");
        let mut answer = String::new();
        self.stdout
            .read_line(&mut answer)
            .expect("the agent answers");
        serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{line}: answer {answer:?}: {e}"))
    }

    /// The `ok` part of the answer; panics on an error answer.
    pub fn ok(&mut self, line: &str) -> Value {
        let answer = self.ask(line);
        answer
            .get("ok")
            .cloned()
            .unwrap_or_else(|| panic!("{line} failed: {answer}"))
    }

    /// Signs the agent in; the whole answer, so a test can look at a refusal too.
    pub fn sign_in(&mut self, server_url: &str, key: &str) -> Value {
        self.ask(&format!("sign-in {server_url} {key}"))
    }

    /// Closes stdin, which ends the agent, and waits for it.
    pub fn end(mut self) -> ExitStatus {
        drop(self.stdin.take());
        self.child.wait().expect("the agent exits")
    }
}

impl Drop for AgentCli {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
