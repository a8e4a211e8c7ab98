//! Where the compositor puts its outputs: each `wl_output` with its `xdg-output` logical
//! position, size and name, read over one short connection.

use wayland_client::protocol::wl_output::{self, WlOutput};
use wayland_client::{delegate_noop, Connection, Dispatch, QueueHandle};
use wayland_protocols::xdg::xdg_output::zv1::client::zxdg_output_manager_v1::ZxdgOutputManagerV1;
use wayland_protocols::xdg::xdg_output::zv1::client::zxdg_output_v1::{self, ZxdgOutputV1};

use crate::screen::MonitorInfo;

/// One output: its registry name (the same for every client) and its place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputLayout {
    pub global: u32,
    pub name: String,
    pub x: i32,
    pub y: i32,
    /// Logical size (after scaling); 0 where the compositor did not say.
    pub width: i32,
    pub height: i32,
}

#[derive(Default)]
struct Layouts(Vec<OutputLayout>);

ignore_registry_events!(Layouts);

delegate_noop!(Layouts: ZxdgOutputManagerV1);

impl Dispatch<WlOutput, usize> for Layouts {
    fn event(
        layouts: &mut Self,
        _: &WlOutput,
        event: wl_output::Event,
        index: &usize,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        let Some(output) = layouts.0.get_mut(*index) else {
            return;
        };
        match event {
            wl_output::Event::Name { name } => output.name = name,
            wl_output::Event::Mode {
                flags: wayland_client::WEnum::Value(flags),
                width,
                height,
                ..
            } if flags.contains(wl_output::Mode::Current) && output.width == 0 => {
                (output.width, output.height) = (width, height);
            }
            _ => {}
        }
    }
}

impl Dispatch<ZxdgOutputV1, usize> for Layouts {
    fn event(
        layouts: &mut Self,
        _: &ZxdgOutputV1,
        event: zxdg_output_v1::Event,
        index: &usize,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        let Some(output) = layouts.0.get_mut(*index) else {
            return;
        };
        match event {
            zxdg_output_v1::Event::LogicalPosition { x, y } => (output.x, output.y) = (x, y),
            zxdg_output_v1::Event::LogicalSize { width, height } => {
                (output.width, output.height) = (width, height)
            }
            zxdg_output_v1::Event::Name { name } if output.name.is_empty() => output.name = name,
            _ => {}
        }
    }
}

/// The outputs as the compositor places them now.
///
/// # Errors
/// No Wayland display, or the compositor did not answer.
pub fn outputs() -> Result<Vec<OutputLayout>, String> {
    super::answered(read_outputs)
}

fn read_outputs() -> Result<Vec<OutputLayout>, String> {
    let (_conn, globals, mut queue) = super::connect::<Layouts>()?;
    let qh = queue.handle();
    let xdg: Option<ZxdgOutputManagerV1> = globals.bind(&qh, 2..=3, ()).ok();
    let listed: Vec<(u32, u32)> = globals.contents().with_list(|list| {
        list.iter()
            .filter(|g| g.interface == "wl_output")
            .map(|g| (g.name, g.version))
            .collect()
    });
    let mut layouts = Layouts::default();
    for (index, (global, version)) in listed.into_iter().enumerate() {
        let output: WlOutput = globals.registry().bind(global, version.min(4), &qh, index);
        if let Some(xdg) = &xdg {
            xdg.get_xdg_output(&output, &qh, index);
        }
        layouts.0.push(OutputLayout {
            global,
            ..OutputLayout::default()
        });
    }
    // Outputs, then their xdg-output details.
    for _ in 0..2 {
        queue.roundtrip(&mut layouts).map_err(|e| e.to_string())?;
    }
    Ok(layouts.0)
}

/// The outputs as monitors (logical positions and sizes).
pub fn monitors() -> Result<Vec<MonitorInfo>, String> {
    Ok(outputs()?
        .into_iter()
        .enumerate()
        .map(|(i, o)| MonitorInfo {
            name: if o.name.is_empty() {
                format!("monitor {}", i + 1)
            } else {
                o.name
            },
            x: o.x,
            y: o.y,
            width: u32::try_from(o.width).unwrap_or(0),
            height: u32::try_from(o.height).unwrap_or(0),
        })
        .collect())
}
