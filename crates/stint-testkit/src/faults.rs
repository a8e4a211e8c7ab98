//! A fault-injecting HTTP proxy for loopback tests: one request per connection, and for
//! each a fault drawn from a plan by a seeded hash of the request's number, so runs are
//! repeatable yet the faults do not fall into a short cycle that a retry loop could
//! never escape.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward and relay the answer.
    Pass,
    /// Answer 503 without forwarding.
    ServerError,
    /// Close the connection after half the request, without forwarding.
    Reset,
    /// Forward (the server commits), then close without relaying the answer.
    DropAnswer,
}

pub struct FaultProxy {
    pub url: String,
    /// What each request gets from now on (see [`FaultProxy::set_plan`]).
    plan: Arc<std::sync::Mutex<Vec<Fault>>>,
    stop: Arc<AtomicBool>,
    pub requests: Arc<AtomicUsize>,
    /// Every request as it arrived (head and body), for privacy checks.
    recorded: Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
    /// Requests whose first line contains one of these get 503, whatever the plan.
    failing: Arc<std::sync::Mutex<Vec<String>>>,
}

/// Reads one HTTP message (headers, then a Content-Length body).
fn read_message(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(buf);
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Makes the message close its connection after it, so one connection carries one request.
fn with_connection_close(message: &[u8]) -> Vec<u8> {
    let Some(end) = message.windows(4).position(|w| w == b"\r\n\r\n") else {
        return message.to_vec();
    };
    let head = String::from_utf8_lossy(&message[..end]);
    let mut out: Vec<u8> = head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n")
        .into_bytes();
    out.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    out.extend_from_slice(&message[end + 4..]);
    out
}

fn handle(
    mut client: TcpStream,
    upstream: &str,
    mut fault: Fault,
    recorded: &std::sync::Mutex<Vec<Vec<u8>>>,
    failing: &std::sync::Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let request = read_message(&mut client)?;
    recorded
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(request.clone());
    let first_line = String::from_utf8_lossy(&request)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    if failing
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .any(|needle| first_line.contains(needle.as_str()))
    {
        fault = Fault::ServerError;
    }
    match fault {
        Fault::Reset => {
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        }
        Fault::ServerError => {
            let body = br#"{"message":"injected fault","code":503}"#;
            let head = format!(
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            client.write_all(head.as_bytes())?;
            client.write_all(body)?;
            return Ok(());
        }
        Fault::Pass | Fault::DropAnswer => {}
    }
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(&with_connection_close(&request))?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    if fault == Fault::DropAnswer {
        let _ = client.shutdown(Shutdown::Both);
        return Ok(());
    }
    client.write_all(&with_connection_close(&answer))?;
    Ok(())
}

/// SplitMix64's finaliser: a well-spread hash of the request number.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl FaultProxy {
    /// Proxies to `upstream` (`127.0.0.1:PORT`); each request gets one of `plan`, drawn
    /// evenly (repeat an entry to make it likelier).
    pub fn start(upstream: &str, plan: Vec<Fault>) -> anyhow::Result<FaultProxy> {
        Self::spread(&[upstream], plan)
    }

    /// Proxies to several servers (a load balancer in front of them): request N goes to
    /// `upstreams[N % len]`, so consecutive requests alternate; faults as in
    /// [`FaultProxy::start`].
    pub fn spread(upstreams: &[&str], plan: Vec<Fault>) -> anyhow::Result<FaultProxy> {
        anyhow::ensure!(!upstreams.is_empty(), "a proxy needs at least one upstream");
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}", listener.local_addr()?);
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let recorded = Arc::new(std::sync::Mutex::new(Vec::new()));
        anyhow::ensure!(!plan.is_empty(), "a fault plan needs at least one entry");
        let plan = Arc::new(std::sync::Mutex::new(plan));
        let (stop2, count) = (stop.clone(), requests.clone());
        let upstreams: Vec<String> = upstreams.iter().map(|u| (*u).to_owned()).collect();
        let shared_plan = plan.clone();
        let record = recorded.clone();
        let failing = Arc::new(std::sync::Mutex::new(Vec::new()));
        let fail = failing.clone();
        std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        let n = count.fetch_add(1, Ordering::Relaxed);
                        let fault = {
                            let plan = shared_plan.lock().unwrap_or_else(|p| p.into_inner());
                            plan[(mix(n as u64) % plan.len() as u64) as usize]
                        };
                        let upstream = upstreams[n % upstreams.len()].clone();
                        let (record, fail) = (record.clone(), fail.clone());
                        std::thread::spawn(move || {
                            handle(client, &upstream, fault, &record, &fail)
                        });
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            }
        });
        Ok(FaultProxy {
            url,
            plan,
            stop,
            requests,
            recorded,
            failing,
        })
    }

    /// Requests whose first line (method and path) contains one of `needles` get 503 from
    /// now on, whatever the plan; an empty list ends that.
    pub fn fail_paths(&self, needles: &[&str]) {
        *self.failing.lock().unwrap_or_else(|p| p.into_inner()) =
            needles.iter().map(|n| (*n).to_owned()).collect();
    }

    /// Requests from now on get one of `plan` (e.g. `[Pass]`: the way to the server heals).
    /// An empty plan is ignored.
    pub fn set_plan(&self, plan: Vec<Fault>) {
        if !plan.is_empty() {
            *self.plan.lock().unwrap_or_else(|p| p.into_inner()) = plan;
        }
    }

    /// A proxy that only relays and records.
    pub fn recording(upstream: &str) -> anyhow::Result<FaultProxy> {
        Self::start(upstream, vec![Fault::Pass])
    }

    /// The recorded requests that contain `needle`, ignoring case (a privacy check's
    /// finding: what left the machine that should not have).
    pub fn requests_containing(&self, needle: &str) -> Vec<String> {
        let needle = needle.to_lowercase();
        self.recorded()
            .into_iter()
            .filter(|r| r.to_lowercase().contains(&needle))
            .collect()
    }

    /// Whether any recorded request holds these bytes (a picture's JPEG, say).
    pub fn saw_bytes(&self, needle: &[u8]) -> bool {
        !needle.is_empty()
            && self
                .recorded
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .any(|r| r.windows(needle.len()).any(|w| w == needle))
    }

    /// The requests seen so far, as text (bodies that are not UTF-8 lossily).
    pub fn recorded(&self) -> Vec<String> {
        self.recorded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
