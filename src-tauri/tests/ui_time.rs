//! The window's local-time code (ui/src/localtime.ts: what an edit form's time means, the
//! repeated and skipped hours of clock changes) under several time zones: the TypeScript
//! is compiled with the UI's own tsc and node's test runner runs ui/tests/localtime.test.mjs
//! once per zone, with TZ set.

use std::path::Path;
use std::process::Command;

/// Zones with a one-hour autumn/spring change on either hemisphere, a 30-minute change,
/// a half-hour offset without changes, and UTC.
const ZONES: [&str; 5] = [
    "Europe/Helsinki",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
];

#[test]
fn the_edit_forms_time_code_in_several_zones() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui");
    let tsc = ui.join("node_modules/.bin/tsc");
    assert!(
        tsc.is_file(),
        "{} is missing: the UI's npm packages are installed by the README's test command",
        tsc.display()
    );
    let out = tempfile::tempdir().unwrap();
    let compiled = Command::new(&tsc)
        .current_dir(&ui)
        .args([
            "src/localtime.ts",
            "--target",
            "ES2021",
            "--module",
            "ES2022",
            "--skipLibCheck",
        ])
        .arg("--outDir")
        .arg(out.path())
        .output()
        .expect("running tsc (node is needed: the test command installs it)");
    assert!(
        compiled.status.success(),
        "tsc: {}",
        String::from_utf8_lossy(&compiled.stdout)
    );
    let module = out.path().join("localtime.mjs");
    std::fs::rename(out.path().join("localtime.js"), &module).unwrap();
    for zone in ZONES {
        let run = Command::new("node")
            .current_dir(&ui)
            .args(["--test", "tests/localtime.test.mjs"])
            .env("TZ", zone)
            .env("STINT_LOCALTIME_JS", &module)
            .output()
            .expect("running node (the test command installs it)");
        let report = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "{zone}:\n{report}");
        assert!(
            report.contains("# fail 0") && !report.contains("# pass 0"),
            "{zone}:\n{report}"
        );
    }
}
