//! Screenshots through xdg-desktop-portal in a real headless GNOME Shell 43, as on GNOME's
//! Wayland session: permission set once in the permission store, then no dialog; the
//! picture arrives in memory, cut to the monitor, and the file the portal wrote is gone.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};

use stint_sensors::portal::PortalScreenshot;
use stint_sensors::ScreenCapturer;
use stint_testkit::{GnomeShell, WaylandSession};

fn pngs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            pngs(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("png"))
        {
            out.push(path);
        }
    }
}

/// The pictures in the session's own directories (searched whole) and directly in the
/// shared temp directory. Other tests' sessions live in directories under /tmp and make
/// and delete their own pictures meanwhile, so those are left out.
fn pictures_in(dirs: &[&Path]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in dirs {
        pngs(dir, &mut found);
    }
    for entry in std::fs::read_dir("/tmp").into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("png"))
        {
            found.push(path);
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Where the portal may write its picture: the session's home and runtime directory (and
/// the shared temp directory, which `pictures_in` always reads).
fn portal_writes_in(shell: &GnomeShell) -> [&Path; 2] {
    [shell.home.as_path(), shell.runtime_dir.as_path()]
}

#[test]
fn the_portal_takes_the_screen_without_asking_and_leaves_no_file() {
    let shell = GnomeShell::start(1280, 720).unwrap();
    shell.enter();
    let dirs = portal_writes_in(&shell);
    let before = pictures_in(&dirs);
    for _ in 0..2 {
        let shot = PortalScreenshot::default().shoot().unwrap();
        assert_eq!(shot.frames.len(), 1, "{:?}", shot.failed);
        let frame = &shot.frames[0];
        assert_eq!((frame.width, frame.height), (1280, 720));
        assert_eq!(frame.rgba.len(), 1280 * 720 * 4);
        assert!(frame.rgba.chunks_exact(4).all(|p| p[3] == 255), "opaque");
    }
    assert_eq!(
        pictures_in(&dirs),
        before,
        "the portal's pictures are deleted"
    );
}

#[test]
fn a_picture_the_portal_writes_after_the_shot_gave_up_is_deleted_too() {
    let shell = GnomeShell::start(1280, 720).unwrap();
    shell.enter();
    let dirs = portal_writes_in(&shell);
    let before = pictures_in(&dirs);
    // The first shot starts the portal's processes; then its GNOME backend stalls.
    PortalScreenshot::default().shoot().unwrap();
    let backend = stint_testkit::find_process(
        Path::new("/usr/libexec/xdg-desktop-portal-gnome"),
        // The runtime directory is this test's own; the display's name is the same in
        // every GNOME Shell the testkit starts, so another test's backend would match it.
        &format!("XDG_RUNTIME_DIR={}", shell.runtime_dir.display()),
    )
    .expect("the portal's GNOME backend runs");
    let pid = rustix::process::Pid::from_raw(backend as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::STOP).unwrap();
    let impatient = PortalScreenshot {
        answer_within: std::time::Duration::from_secs(2),
    };
    let refused = impatient.shoot().unwrap_err();
    assert!(refused.to_string().contains("did not answer"), "{refused}");
    rustix::process::kill_process(pid, rustix::process::Signal::CONT).unwrap();
    // The stalled backend writes its picture once it runs again; it is found and deleted.
    stint_testkit::wait_until(
        std::time::Duration::from_secs(60),
        "the late picture found and deleted",
        || (stint_sensors::portal::late_pictures_deleted() >= 1).then_some(()),
    )
    .unwrap();
    assert_eq!(pictures_in(&dirs), before, "no picture left");
}
