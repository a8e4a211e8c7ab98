//! What this desktop cannot do for Stint, told once per feature: a capability the session
//! cannot serve at all (found at start by stint-sensors' session detection) or a sensor
//! that stopped answering. Each is logged, kept for the tray's menu and the window, and
//! sent as one event (the desktop turns it into one notification). Nothing is recorded in
//! its place: the part that needed the sensor records nothing until it answers again.

use stint_ipc::{AgentEvent, SensorProblem};
use stint_sensors::Capability;

use crate::actor::Agent;

impl Agent {
    /// Tells about `capability` once; later reports of the same feature are only logged.
    pub fn report_problem(&mut self, capability: Capability, message: &str) {
        if self.problems.iter().any(|(c, _)| *c == capability) {
            tracing::debug!("{}: {message}", capability.feature());
            return;
        }
        tracing::warn!("{}: {message}", capability.feature());
        let problem = SensorProblem {
            feature: capability.feature().to_owned(),
            message: message.to_owned(),
        };
        self.problems.push((capability, problem.clone()));
        self.emit(AgentEvent::SensorProblem { problem });
    }

    /// The sensor answers again: it leaves the list (without another notification).
    pub fn problem_solved(&mut self, capability: Capability) {
        self.problems.retain(|(c, _)| *c != capability);
    }

    pub fn sensor_problems(&self) -> Vec<SensorProblem> {
        self.problems.iter().map(|(_, p)| p.clone()).collect()
    }
}
