//! Just enough of the RFB (VNC) protocol to ask TigerVNC's Xvnc for a multi-monitor layout.
//! Plain Xvfb shows one RandR monitor whatever the layout says; Xvnc gives one RandR output
//! per screen once a client sends SetDesktopSize (RFC 6143 extension, message 251) with
//! several screens. The answer is not read: callers wait for RandR to show the layout.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use anyhow::{ensure, Context};

const PSEUDO_ENCODING_EXTENDED_DESKTOP_SIZE: i32 = -308;
const SET_DESKTOP_SIZE: u8 = 251;
const SET_ENCODINGS: u8 = 2;
const SECURITY_NONE: u8 = 1;

/// A screen of the layout: position and size in the framebuffer.
#[derive(Debug, Clone, Copy)]
pub struct Screen {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
}

fn read_exact<const N: usize>(s: &mut UnixStream) -> anyhow::Result<[u8; N]> {
    let mut buf = [0u8; N];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

/// Connects to the Xvnc RFB socket, does the handshake without authentication and asks
/// for `screens`. Returns the open connection: Xvnc may undo a layout when its last
/// client leaves, so keep it while the layout is needed.
pub fn set_layout(socket: &Path, screens: &[Screen]) -> anyhow::Result<UnixStream> {
    let mut s = UnixStream::connect(socket)
        .with_context(|| format!("connecting to Xvnc at {}", socket.display()))?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let version: [u8; 12] = read_exact(&mut s).context("reading the RFB version")?;
    ensure!(
        version.starts_with(b"RFB "),
        "not an RFB server: {version:?}"
    );
    s.write_all(b"RFB 003.008\n")?;
    let [count] = read_exact::<1>(&mut s)?;
    ensure!(count > 0, "Xvnc refused the connection");
    let mut types = vec![0u8; usize::from(count)];
    s.read_exact(&mut types)?;
    ensure!(
        types.contains(&SECURITY_NONE),
        "Xvnc wants authentication (types {types:?}); start it with -SecurityTypes None"
    );
    s.write_all(&[SECURITY_NONE])?;
    let result = u32::from_be_bytes(read_exact(&mut s)?);
    ensure!(result == 0, "RFB security handshake failed ({result})");
    s.write_all(&[1])?; // ClientInit: share the desktop
    let _size_and_format: [u8; 20] = read_exact(&mut s)?;
    let name_len = u32::from_be_bytes(read_exact(&mut s)?);
    let mut name = vec![0u8; name_len as usize];
    s.read_exact(&mut name)?;

    // Say we understand ExtendedDesktopSize, or the server ignores SetDesktopSize.
    let mut msg = vec![SET_ENCODINGS, 0];
    msg.extend_from_slice(&2u16.to_be_bytes());
    msg.extend_from_slice(&0i32.to_be_bytes()); // Raw
    msg.extend_from_slice(&PSEUDO_ENCODING_EXTENDED_DESKTOP_SIZE.to_be_bytes());
    s.write_all(&msg)?;

    let width = screens.iter().map(|c| c.x + c.width).max().unwrap_or(0);
    let height = screens.iter().map(|c| c.y + c.height).max().unwrap_or(0);
    let mut msg = vec![SET_DESKTOP_SIZE, 0];
    msg.extend_from_slice(&width.to_be_bytes());
    msg.extend_from_slice(&height.to_be_bytes());
    msg.push(u8::try_from(screens.len()).context("too many screens")?);
    msg.push(0);
    for (id, c) in screens.iter().enumerate() {
        msg.extend_from_slice(&(id as u32 + 1).to_be_bytes());
        for v in [c.x, c.y, c.width, c.height] {
            msg.extend_from_slice(&v.to_be_bytes());
        }
        msg.extend_from_slice(&0u32.to_be_bytes());
    }
    s.write_all(&msg)?;
    Ok(s)
}
