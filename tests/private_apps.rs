//! Private apps end to end (issue 19) on a real X server with two monitors (Xvnc with two
//! RandR monitors side by side, openbox managing windows), the real capturer and the real
//! front-window sensor, the agent in this process and the real server: while a window of
//! a listed app is in front on monitor 2, that monitor's picture is the plain private tile
//! (nothing of its screen) and the set says so, while monitor 1's is a real blurred picture.

use std::time::Duration;

use serde_json::{json, Value};
use stint_agent::{AgentOptions, Paths};
use stint_testkit::http::send_bytes;
use stint_testkit::{wait_until, Desktop, SolidWindows};

#[path = "support/in_process.rs"]
mod in_process;
use in_process::*;

const LEFT: (u16, u16) = (1280, 800);
const RIGHT: (u16, u16) = (1024, 768);

/// The spread of a picture's grey levels: 0 for a plain tile.
fn spread(jpeg: &[u8]) -> f64 {
    let img = image::load_from_memory(jpeg).unwrap().to_luma8();
    let px: Vec<f64> = img.as_raw().iter().map(|&v| f64::from(v)).collect();
    let mean = px.iter().sum::<f64>() / px.len() as f64;
    px.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / px.len() as f64
}

#[test]
fn a_private_app_in_front_on_monitor_two_makes_only_that_monitor_a_private_tile() {
    let desktop = Desktop::start_monitors(&[LEFT, RIGHT]).unwrap();
    std::env::set_var("DISPLAY", &desktop.display);
    std::env::remove_var("WAYLAND_DISPLAY");
    let windows = SolidWindows::connect(&desktop.display).unwrap();
    // Monitor 1: stripes (something to see); monitor 2: the private app, a window with
    // marks of its own.
    for i in 0..20i16 {
        windows.add(i * 64, 0, 32, LEFT.1, 0x202020).unwrap();
    }
    windows
        .add_titled_at("Bank account", "Secret", (1280 + 50, 50, 900, 650))
        .unwrap();

    let (server, admin, key, api) = Api::start();
    api.switch(&admin, true, 640);
    let root = tempfile::tempdir().unwrap();
    let paths = Paths::under(root.path());
    std::fs::create_dir_all(&paths.config_dir).unwrap();
    std::fs::write(
        paths.settings_file(),
        json!({"privacy": {"privateApps": ["secret"]}}).to_string(),
    )
    .unwrap();
    let options = AgentOptions {
        capture_window: chrono::Duration::seconds(2),
        ..AgentOptions::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let agent = agent_on(&runtime, &paths, options);
    sign_in(&agent, &server.url, &key);
    wait_until(Duration::from_secs(20), "screenshots on", || {
        policy(&agent).filter(|p| p.screenshots_enabled)
    })
    .unwrap();
    start(&agent, "paying bills");
    let set: Value = wait_until(Duration::from_secs(30), "a capture set", || {
        api.sets(&key).into_iter().next()
    })
    .unwrap();
    stop_timer(&agent);
    let mut shots = set["screenshots"].as_array().unwrap().clone();
    assert_eq!(shots.len(), 2, "{set}");
    shots.sort_by_key(|s| s["monitor"]["x"].as_i64().unwrap());
    assert_eq!(shots[0]["monitor"]["x"], 0);
    assert_eq!(shots[1]["monitor"]["x"], i64::from(LEFT.0));
    assert_eq!(shots[0]["private"], false, "{set}");
    assert_eq!(shots[1]["private"], true, "{set}");
    let picture = |shot: &Value| {
        let (status, _, bytes) = send_bytes(
            &server.url,
            "GET",
            shot["imagePath"].as_str().unwrap(),
            Some(&key),
            None,
            &[],
        );
        assert_eq!(status, 200);
        bytes
    };
    let (real, tile) = (picture(&shots[0]), picture(&shots[1]));
    assert!(
        spread(&tile) < 1.0,
        "the private tile is plain: {}",
        spread(&tile)
    );
    assert!(
        spread(&real) > 100.0,
        "monitor 1 is a real picture: {}",
        spread(&real)
    );
    // The tile has the size the monitor's picture would have had.
    assert_eq!(shots[1]["width"], 640);
}
