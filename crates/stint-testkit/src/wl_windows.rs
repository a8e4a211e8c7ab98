//! Solid-colour Wayland windows for tests: an xdg-shell client with its own connection to a
//! [`Sway`] session. Each window has an app id, a title and one colour, and is redrawn at
//! whatever size the compositor gives it (tiled, fullscreen), so a screenshot can be checked
//! corner by corner. A thread answers the compositor; the test's thread sends requests.

use std::collections::HashMap;
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use wayland_client::globals::{registry_queue_init, GlobalListContents};
use wayland_client::protocol::{
    wl_buffer::WlBuffer, wl_compositor::WlCompositor, wl_registry::WlRegistry, wl_shm,
    wl_shm::WlShm, wl_shm_pool::WlShmPool, wl_surface::WlSurface,
};
use wayland_client::{delegate_noop, Connection, Dispatch, QueueHandle};
use wayland_protocols::xdg::shell::client::{xdg_surface, xdg_toplevel, xdg_wm_base};

use crate::sway::Sway;
use crate::wait_until;

struct Window {
    surface: WlSurface,
    toplevel: xdg_toplevel::XdgToplevel,
    rgb: [u8; 3],
    /// Dark marks on white instead of the colour.
    marks: bool,
    /// The size the compositor asked for; 0 lets the client choose.
    size: (i32, i32),
    /// The size last drawn at; `None` before the first.
    drawn: Option<(i32, i32)>,
}

#[derive(Default)]
struct State {
    windows: HashMap<String, Window>,
    shm: Option<WlShm>,
}

type Shared = Arc<Mutex<State>>;

struct Client {
    state: Shared,
}

fn lock(state: &Shared) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl Dispatch<WlRegistry, GlobalListContents> for Client {
    fn event(
        _: &mut Self,
        _: &WlRegistry,
        _: wayland_client::protocol::wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

delegate_noop!(Client: ignore WlCompositor);
delegate_noop!(Client: ignore WlSurface);
delegate_noop!(Client: ignore WlShm);
delegate_noop!(Client: ignore WlShmPool);
delegate_noop!(Client: ignore WlBuffer);

impl Dispatch<xdg_wm_base::XdgWmBase, ()> for Client {
    fn event(
        _: &mut Self,
        base: &xdg_wm_base::XdgWmBase,
        event: xdg_wm_base::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let xdg_wm_base::Event::Ping { serial } = event {
            base.pong(serial);
        }
    }
}

impl Dispatch<xdg_toplevel::XdgToplevel, String> for Client {
    fn event(
        client: &mut Self,
        _: &xdg_toplevel::XdgToplevel,
        event: xdg_toplevel::Event,
        app_id: &String,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let xdg_toplevel::Event::Configure { width, height, .. } = event {
            if let Some(w) = lock(&client.state).windows.get_mut(app_id) {
                w.size = (width, height);
            }
        }
    }
}

impl Dispatch<xdg_surface::XdgSurface, String> for Client {
    fn event(
        client: &mut Self,
        surface: &xdg_surface::XdgSurface,
        event: xdg_surface::Event,
        app_id: &String,
        _: &Connection,
        qh: &QueueHandle<Self>,
    ) {
        let xdg_surface::Event::Configure { serial } = event else {
            return;
        };
        surface.ack_configure(serial);
        let mut state = lock(&client.state);
        let Some(shm) = state.shm.clone() else { return };
        let Some(window) = state.windows.get_mut(app_id) else {
            return;
        };
        let (width, height) = match window.size {
            (w, h) if w > 0 && h > 0 => (w, h),
            _ => (320, 240),
        };
        match draw(&shm, window, width, height, qh) {
            Ok(()) => window.drawn = Some((width, height)),
            Err(e) => eprintln!("test window {app_id}: {e}"),
        }
    }
}

/// Fills a buffer with the window's colour and shows it.
fn draw(
    shm: &WlShm,
    window: &Window,
    width: i32,
    height: i32,
    qh: &QueueHandle<Client>,
) -> anyhow::Result<()> {
    use rustix::fs::{memfd_create, MemfdFlags};
    let stride = width * 4;
    let size = (stride * height) as usize;
    let fd = memfd_create("stint-test-window", MemfdFlags::CLOEXEC)?;
    let [r, g, b] = window.rgb;
    // XRGB8888 is B, G, R, X in memory.
    let mut pixels: Vec<u8> = [b, g, r, 255].repeat(size / 4);
    if window.marks {
        pixels.fill(255);
        // 8x12 marks every 30x34 pixels, three in four of them: a page of text.
        for (i, px) in pixels.chunks_exact_mut(4).enumerate() {
            let (x, y) = ((i % width as usize) as i32, (i / width as usize) as i32);
            let (col, row) = ((x - 30) / 30, (y - 30) / 34);
            let inside = x >= 30 && y >= 30 && (x - 30) % 30 < 8 && (y - 30) % 34 < 12;
            if inside && (row * 7 + col) % 4 != 0 {
                px.copy_from_slice(&[17, 17, 17, 255]);
            }
        }
    }
    let file = std::fs::File::from(fd);
    file.write_all_at(&pixels, 0)?;
    let pool = shm.create_pool(file.as_fd(), size as i32, qh, ());
    let buffer = pool.create_buffer(0, width, height, stride, wl_shm::Format::Xrgb8888, qh, ());
    window.surface.attach(Some(&buffer), 0, 0);
    window.surface.damage_buffer(0, 0, width, height);
    window.surface.commit();
    pool.destroy();
    Ok(())
}

/// Solid windows in a sway session; closed when dropped (the connection ends).
pub struct WaylandWindows {
    conn: Connection,
    qh: QueueHandle<Client>,
    state: Shared,
    compositor: WlCompositor,
    base: xdg_wm_base::XdgWmBase,
}

impl WaylandWindows {
    /// Connects to `sway` (its socket, not this process's environment).
    pub fn connect(sway: &Sway) -> anyhow::Result<WaylandWindows> {
        let stream = std::os::unix::net::UnixStream::connect(sway.runtime_dir.join(&sway.display))
            .context("connecting to sway")?;
        let conn = Connection::from_socket(stream)?;
        let (globals, mut queue) = registry_queue_init::<Client>(&conn)?;
        let qh = queue.handle();
        let compositor: WlCompositor = globals.bind(&qh, 4..=4, ())?;
        let base: xdg_wm_base::XdgWmBase = globals.bind(&qh, 1..=2, ())?;
        let shm: WlShm = globals.bind(&qh, 1..=1, ())?;
        let state: Shared = Arc::default();
        lock(&state).shm = Some(shm);
        let mut client = Client {
            state: state.clone(),
        };
        queue.roundtrip(&mut client)?;
        std::thread::Builder::new()
            .name("test-wl-windows".into())
            .spawn(move || while queue.blocking_dispatch(&mut client).is_ok() {})?;
        Ok(WaylandWindows {
            conn,
            qh,
            state,
            compositor,
            base,
        })
    }

    /// Opens a window and waits until it is drawn.
    pub fn open(&self, app_id: &str, title: &str, rgb: [u8; 3]) -> anyhow::Result<()> {
        self.open_window(app_id, title, rgb, false)
    }

    /// Opens a window of dark marks on white and waits until it is drawn.
    pub fn open_marks(&self, app_id: &str, title: &str) -> anyhow::Result<()> {
        self.open_window(app_id, title, [255, 255, 255], true)
    }

    fn open_window(
        &self,
        app_id: &str,
        title: &str,
        rgb: [u8; 3],
        marks: bool,
    ) -> anyhow::Result<()> {
        let surface = self.compositor.create_surface(&self.qh, ());
        let xdg = self
            .base
            .get_xdg_surface(&surface, &self.qh, app_id.to_owned());
        let toplevel = xdg.get_toplevel(&self.qh, app_id.to_owned());
        toplevel.set_app_id(app_id.to_owned());
        toplevel.set_title(title.to_owned());
        lock(&self.state).windows.insert(
            app_id.to_owned(),
            Window {
                surface: surface.clone(),
                toplevel,
                rgb,
                marks,
                size: (0, 0),
                drawn: None,
            },
        );
        surface.commit();
        self.conn.flush()?;
        wait_until(
            Duration::from_secs(10),
            "the test window to be drawn",
            || {
                lock(&self.state)
                    .windows
                    .get(app_id)
                    .is_some_and(|w| w.drawn.is_some())
                    .then_some(())
            },
        )
    }

    /// Waits until the window was drawn at `width` x `height` (after a fullscreen, say).
    pub fn wait_drawn_at(&self, app_id: &str, width: i32, height: i32) -> anyhow::Result<()> {
        wait_until(
            Duration::from_secs(10),
            &format!("{app_id} drawn at {width}x{height}"),
            || {
                (lock(&self.state).windows.get(app_id)?.drawn == Some((width, height)))
                    .then_some(())
            },
        )
    }

    /// Gives a window a new title.
    pub fn set_title(&self, app_id: &str, title: &str) -> anyhow::Result<()> {
        let state = lock(&self.state);
        let window = state.windows.get(app_id).context("no such test window")?;
        window.toplevel.set_title(title.to_owned());
        window.surface.commit();
        drop(state);
        self.conn.flush()?;
        Ok(())
    }
}
