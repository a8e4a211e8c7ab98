//! Issue 17: two server processes on one PostgreSQL database, behind a proxy that sends
//! each request to the other one in turn (a load balancer) and injects faults. An agent
//! drains a backlog through them exactly once, sees a change made on either node within
//! seconds (its long-poll waits on one node; the other node's change wakes it), and the
//! retention job runs on one node at a time, moving to the other when that one dies.

use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use stint_testkit::{queue_backlog, wait_until, AgentCli, Fault, FaultProxy, Postgres, TestServer};

/// The API of one node, as a script or the web pages would call it.
fn api(node: &TestServer, key: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("{}/api/v1{path}", node.url);
    let mut response = match (method, body) {
        ("GET", _) => http.get(&url).header("X-Api-Key", key).call(),
        ("PATCH", b) => http
            .patch(&url)
            .header("X-Api-Key", key)
            .send_json(b.unwrap_or(Value::Null)),
        (_, b) => http
            .post(&url)
            .header("X-Api-Key", key)
            .send_json(b.unwrap_or(Value::Null)),
    }
    .unwrap();
    response.body_mut().read_json().unwrap_or(Value::Null)
}

/// The pid of the server process that holds the jobs lock, per the database.
fn jobs_leader(pg: &Postgres, db: &str) -> Vec<String> {
    let lock = stint_server::storage::PG_JOBS_LOCK;
    let (high, low) = ((lock >> 32) as u32, (lock & 0xffff_ffff) as u32);
    let rows = pg
        .psql(
            db,
            &format!(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE l.locktype = 'advisory' AND l.granted
                   AND l.classid = {high} AND l.objid = {low} AND l.objsubid = 1"
            ),
        )
        .unwrap();
    rows.lines()
        .filter_map(|l| l.strip_prefix("stint-server:"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn two_nodes_on_one_database_act_as_one_server() {
    let pg = Postgres::start().unwrap();
    pg.psql("postgres", "CREATE DATABASE stint").unwrap();
    let address = pg.url("stint");
    let flags = ["--retention-interval-seconds", "1"];
    let a = TestServer::start_on_database(&address, &flags).unwrap();
    let b = TestServer::start_on_database(&address, &flags).unwrap();
    let key = a.add_user("Acme", "ida@acme.test", "regular").unwrap();
    let me = api(&b, &key, "GET", "/user", None);
    let (ws, uid) = (
        me["activeWorkspace"].as_str().unwrap().to_owned(),
        me["id"].as_str().unwrap().to_owned(),
    );

    // Exactly once: a backlog drains through alternating nodes while answers are lost
    // after the commit, requests are cut and nodes answer 503.
    let total = 300;
    let root = tempfile::tempdir().unwrap();
    queue_backlog(&root.path().join("data/stint.db"), total).unwrap();
    let proxy = FaultProxy::spread(
        &[a.address(), b.address()],
        vec![
            Fault::Pass,
            Fault::Pass,
            Fault::Pass,
            Fault::DropAnswer,
            Fault::ServerError,
            Fault::Reset,
        ],
    )
    .unwrap();
    let mut cli = AgentCli::spawn(stint_tests::cli_bin(), root.path());
    wait_until(
        Duration::from_secs(30),
        "a sign-in through the proxy",
        || {
            cli.sign_in(&proxy.url, &key)
                .get("ok")
                .is_some()
                .then_some(())
        },
    )
    .unwrap();
    let drained = wait_until(Duration::from_secs(120), "the backlog to drain", || {
        // Nothing waits to be sent (the state itself may say "offline" for a while: the
        // last look at the feed may have met a fault).
        let status = cli.ask("sync-status")["ok"].clone();
        (status["waiting"] == 0 && status["parked"] == 0).then_some(())
    });
    if let Err(e) = drained {
        panic!("{e}: {}", cli.ask("sync-status"));
    }
    let list = api(
        &a,
        &key,
        "GET",
        &format!("/workspaces/{ws}/user/{uid}/time-entries?page-size=5000"),
        None,
    );
    let list = list.as_array().unwrap();
    let ids: std::collections::HashSet<_> = list.iter().map(|e| e["id"].clone()).collect();
    assert_eq!((list.len(), ids.len()), (total, total), "each entry once");

    // The feed: the agent's long-poll (55 s) waits on one node; changes made on each
    // node reach it within seconds, so the node that did not hold it woke it.
    proxy.set_plan(vec![Fault::Pass]);
    for (starter, stopper) in [(&a, &b), (&b, &a)] {
        let started = api(
            starter,
            &key,
            "POST",
            &format!("/workspaces/{ws}/time-entries"),
            Some(serde_json::json!({
                "start": Utc::now() - chrono::Duration::minutes(1),
                "description": format!("started on {}", starter.address()),
            })),
        );
        wait_until(
            Duration::from_secs(10),
            "the agent to see the timer",
            || (cli.ask("status")["ok"]["id"] == started["id"]).then_some(()),
        )
        .unwrap();
        api(
            stopper,
            &key,
            "PATCH",
            &format!("/workspaces/{ws}/user/{uid}/time-entries"),
            Some(serde_json::json!({"end": Utc::now()})),
        );
        wait_until(
            Duration::from_secs(10),
            "the agent to see it stopped",
            || cli.ask("status")["ok"].is_null().then_some(()),
        )
        .unwrap();
    }

    // Retention: one node leads the jobs; when it dies, the other takes over.
    let pids = [a.pid().unwrap().to_string(), b.pid().unwrap().to_string()];
    let leader = wait_until(Duration::from_secs(10), "a node to lead the jobs", || {
        let leaders = jobs_leader(&pg, "stint");
        (leaders.len() == 1).then(|| leaders[0].clone())
    })
    .unwrap();
    let leading = pids
        .iter()
        .position(|p| *p == leader)
        .unwrap_or_else(|| panic!("{leader} is one of {pids:?}"));
    let mut nodes = [a, b];
    nodes[leading].kill();
    let other = pids[1 - leading].clone();
    wait_until(
        Duration::from_secs(20),
        "the other node to take over",
        || (jobs_leader(&pg, "stint") == [other.clone()]).then_some(()),
    )
    .unwrap();
}
