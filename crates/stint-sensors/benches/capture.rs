//! Capture figures on a real two-monitor X server (Xvnc, 1920x1080 + 3840x2160): how long
//! one shot of every monitor takes and the skew between the monitors' pictures in one set.
//! With several monitors on X11 the shot is one read of the root window (zero skew by
//! construction; the "reading" line is that read's duration). Then the same two outputs
//! in a headless sway through wlr-screencopy: every copy is asked for in one batch, and
//! the skew is the spread of the moments the compositor had each output's frame.
//! `cargo bench -p stint-sensors --bench capture` (release build).

use std::time::{Duration, Instant};

use stint_sensors::wayland::screencopy::WlrScreencopy;
use stint_sensors::{ScreenCapturer, Shot, XcapCapturer};
use stint_testkit::{Desktop, Sway, WaylandSession};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(name: &str, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    let pick = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<34} min {:7.2}  median {:7.2}  p90 {:7.2}  max {:7.2} ms",
        pick(0.0),
        pick(0.5),
        pick(0.9),
        pick(1.0)
    );
}

/// Between the first and the last output's frame being ready.
fn ready_spread(shot: &Shot) -> Duration {
    let done = shot.frames.iter().map(|f| f.done_at);
    match (done.clone().min(), done.max()) {
        (Some(a), Some(b)) => b - a,
        _ => Duration::ZERO,
    }
}

fn screencopy(runs: usize) -> anyhow::Result<()> {
    let sway = Sway::start(&[(1920, 1080), (3840, 2160)])?;
    sway.enter();
    let (mut totals, mut spreads) = (Vec::new(), Vec::new());
    WlrScreencopy.shoot()?;
    for _ in 0..runs {
        let started = Instant::now();
        let shot = WlrScreencopy.shoot()?;
        totals.push(ms(started.elapsed()));
        anyhow::ensure!(shot.frames.len() == 2, "expected two outputs");
        spreads.push(ms(ready_spread(&shot)));
    }
    println!("wlr-screencopy, 2 outputs (1920x1080 + 3840x2160) in headless sway, {runs} shots:");
    summary("whole shot (both outputs)", totals);
    summary("skew: spread of the frames' moments", spreads);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let desktop = Desktop::start_monitors(&[(1920, 1080), (3840, 2160)])?;
    std::env::set_var("DISPLAY", &desktop.display);
    std::env::remove_var("WAYLAND_DISPLAY");
    let runs = 30;
    let (mut totals, mut skews, mut spans) = (Vec::new(), Vec::new(), Vec::new());
    // One warm-up shot: the first connects to the X server.
    XcapCapturer.shoot()?;
    for _ in 0..runs {
        let started = Instant::now();
        let shot = XcapCapturer.shoot()?;
        totals.push(ms(started.elapsed()));
        anyhow::ensure!(
            shot.frames.len() == 2,
            "expected two monitors, got {}",
            shot.frames.len()
        );
        skews.push(ms(shot.skew()));
        spans.push(ms(shot.span()));
    }
    println!("xcap, 2 monitors (1920x1080 + 3840x2160) on Xvnc, {runs} shots:");
    summary("whole shot (both monitors)", totals);
    summary("skew between the monitors", skews);
    summary("reading the screen (start to end)", spans);
    for (w, h) in [(1920u16, 1080u16), (3840, 2160)] {
        let single = Desktop::start_monitors(&[(w, h)])?;
        std::env::set_var("DISPLAY", &single.display);
        XcapCapturer.shoot()?;
        let times = (0..runs)
            .map(|_| {
                let t = Instant::now();
                XcapCapturer.shoot().map(|_| ms(t.elapsed()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        summary(&format!("one {w}x{h} monitor"), times);
    }
    screencopy(runs)
}
