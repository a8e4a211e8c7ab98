//! What the screenshot tests check of every file and stored picture: nothing as large as
//! a raw frame, no PNG, every JPEG small and far less sharp than the same screen unblurred.
//! Shared by the X11 and Wayland screenshot tests (`#[path]`-included).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A JPEG's size and its grey-level sharpness (stint-capture's measure).
pub fn grey_sharpness(jpeg: &[u8]) -> (u32, u32, f64) {
    let img = image::load_from_memory(jpeg).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    (w, h, stint_capture::sharpness(w, h, img.as_raw()))
}

/// The sharpness of a frame stored without blur at `max_side`: the bar every stored
/// picture must be far below.
pub fn unblurred(frame: &stint_sensors::Frame, max_side: u32) -> f64 {
    let settings = stint_capture::Settings {
        max_side,
        blur: 0,
        ..Default::default()
    };
    let (picture, _) =
        stint_capture::process(frame.width, frame.height, &frame.rgba, settings).unwrap();
    grey_sharpness(&picture.jpeg).2
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Checks every file under `dirs` and every picture waiting in the agent's `database`: no
/// file of `raw_frame` bytes or more, no PNG, every JPEG at most `max_side` and ten times
/// less sharp than `bar`. Returns how many pictures it checked.
pub fn check_nothing_sharp(
    dirs: &[PathBuf],
    database: &Path,
    raw_frame: u64,
    max_side: u32,
    bar: f64,
) -> usize {
    let mut files = Vec::new();
    for d in dirs {
        files_under(d, &mut files);
    }
    let mut pictures = Vec::new();
    for file in &files {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        assert!(
            (bytes.len() as u64) < raw_frame,
            "{} is as large as a raw frame",
            file.display()
        );
        assert!(
            !bytes.starts_with(b"\x89PNG"),
            "{} is a PNG",
            file.display()
        );
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            pictures.push(bytes);
        }
    }
    if let Ok(conn) =
        rusqlite::Connection::open_with_flags(database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    {
        if let Ok(mut stmt) = conn.prepare("SELECT jpeg FROM capture_pictures") {
            let blobs: Vec<Vec<u8>> = stmt
                .query_map([], |r| r.get(0))
                .map(|rows| rows.flatten().collect())
                .unwrap_or_default();
            pictures.extend(blobs);
        }
    }
    for jpeg in &pictures {
        let (w, h, sharpness) = grey_sharpness(jpeg);
        assert!(w.max(h) <= max_side, "a stored picture is {w}x{h}");
        assert!(
            sharpness * 10.0 < bar,
            "a stored picture is sharp: {sharpness:.1} vs {bar:.1}"
        );
    }
    pictures.len()
}

/// Runs [`check_nothing_sharp`] every 100 ms on a thread until [`Watcher::stop`], so a
/// sharp picture that lives only for a moment is caught too.
pub struct Watcher {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<usize>,
}

impl Watcher {
    pub fn start(
        dirs: Vec<PathBuf>,
        database: PathBuf,
        raw_frame: u64,
        max_side: u32,
        bar: f64,
    ) -> Watcher {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut seen = 0;
            while !flag.load(Ordering::SeqCst) {
                seen += check_nothing_sharp(&dirs, &database, raw_frame, max_side, bar);
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            seen
        });
        Watcher { stop, thread }
    }

    /// Stops watching; how many stored pictures it checked (a panic of the watcher is the
    /// test's).
    pub fn stop(self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        self.thread
            .join()
            .expect("the watcher found something sharp")
    }
}
