//! What an uploaded picture must be before anything of it is kept: one whole JPEG and
//! nothing else (its segments walked from the start marker to an end marker that is the
//! last byte), of the size its metadata declares, within a pixel limit and a compression
//! ratio checked before the decoder allocates, decoding without error.

use crate::ApiFailure;

/// Longest side a screenshot may have.
pub const MAX_SIDE: u32 = 16_384;
/// Most pixels one picture may have (an 8K monitor's 33 MP fits; a JPEG that declares
/// 65,500 x 65,500 does not).
pub const MAX_PIXELS: u64 = 40_000_000;
/// Most pixels per byte of file: a uniform 1280x720 screenshot compresses to ~100 pixels a
/// byte; a frame that claims far more pixels than its data can fill is a decompression
/// bomb (or damaged), and decoding it would cost seconds of CPU for nothing.
pub const MAX_PIXELS_PER_BYTE: u64 = 1_000;

/// Decodes the whole picture before anything is kept: its header must be a JPEG of the
/// size its metadata declares (and within [`MAX_PIXELS`], checked before the decoder
/// allocates), and its data must decode to the end without a missing or damaged part.
pub fn check_jpeg(id: &str, bytes: &[u8], width: u32, height: u32) -> Result<(), ApiFailure> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let bad = |why: String| ApiFailure::bad_request(format!("screenshot {id} {why}"));
    if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(bad("is not a JPEG".into()));
    }
    // A JPEG ends with its EOI marker; one cut short in transit does not, and nothing may
    // follow it (a picture that is also a page or a second file).
    if !bytes.ends_with(&[0xFF, 0xD9]) {
        return Err(bad("is not a whole JPEG (it is cut short)".into()));
    }
    let frame =
        walk_segments(bytes).map_err(|why| bad(format!("is not a well-formed JPEG ({why})")))?;
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(MAX_SIDE as usize)
        .set_max_height(MAX_SIDE as usize);
    // The decoder fills a scan that meets a marker too early with grey; without its end
    // marker, a scan cut short instead runs off the end of the data, which strict mode
    // refuses (a whole scan is used up before the end, so a whole picture passes). So a
    // sequential frame (what Stint's agent writes) is decoded without its end marker;
    // progressive scans read ahead past their data, so they are decoded whole.
    let data = if matches!(frame, 0xC0 | 0xC1) {
        &bytes[..bytes.len() - 2]
    } else {
        bytes
    };
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(data), options);
    decoder
        .decode_headers()
        .map_err(|e| bad(format!("is not a readable JPEG ({e})")))?;
    let info = decoder
        .info()
        .ok_or_else(|| bad("is not a readable JPEG".into()))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(bad(format!(
            "has {w}x{h} pixels, more than the {MAX_PIXELS} a screenshot may have"
        )));
    }
    if u64::from(w) * u64::from(h) > MAX_PIXELS_PER_BYTE * bytes.len() as u64 {
        return Err(bad(format!(
            "declares {w}x{h} pixels but holds too little data for them"
        )));
    }
    if (w, h) != (width, height) {
        return Err(bad(format!(
            "is {w}x{h} pixels, but its metadata says {width}x{height}"
        )));
    }
    decoder
        .decode()
        .map_err(|e| bad(format!("is damaged or cut short ({e})")))?;
    Ok(())
}

/// Walks a JPEG's segments: SOI, then marker segments (each with its length), entropy-coded
/// data after each SOS (up to the next marker that is not a restart or a stuffed 0xFF), and
/// the first EOI, which must be the last two bytes. Every scan must hold data and must not
/// end with a restart marker (an empty restart interval: what a cut file padded with
/// markers looks like), and a sequential frame whose first scan covers every component has
/// no second scan. Returns the frame's SOF marker.
fn walk_segments(bytes: &[u8]) -> Result<u8, String> {
    let mut at = 2; // after SOI
    let mut scans = 0;
    let mut frame: Option<(u8, u8)> = None; // (SOF marker, components)
    let mut interleaved_first_scan = false;
    let mut restart_interval = 0u16;
    loop {
        if at + 1 >= bytes.len() {
            return Err("it ends inside a segment".into());
        }
        if bytes[at] != 0xFF {
            return Err(format!("no marker at byte {at}"));
        }
        let marker = bytes[at + 1];
        match marker {
            0xFF => at += 1, // fill bytes before a marker
            0xD9 => {
                if scans == 0 {
                    return Err("it has no image data".into());
                }
                return if at + 2 == bytes.len() {
                    frame
                        .map(|(m, _)| m)
                        .ok_or_else(|| "it has no frame header".to_owned())
                } else {
                    Err(format!("{} bytes follow its end", bytes.len() - at - 2))
                };
            }
            0xD0..=0xD7 | 0x01 => at += 2,
            _ => {
                let length = bytes
                    .get(at + 2..at + 4)
                    .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
                    .ok_or("it ends inside a segment header")?;
                if length < 2 || at + 2 + length > bytes.len() {
                    return Err(format!("a segment at byte {at} runs past the end"));
                }
                let field = |offset: usize| bytes.get(at + 4 + offset).copied().unwrap_or(0);
                if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
                    frame = Some((marker, field(5)));
                }
                let segment_end = at + 2 + length;
                if marker == 0xDD {
                    restart_interval = u16::from_be_bytes([field(0), field(1)]);
                }
                if marker == 0xDA {
                    let (sof, components) = frame.ok_or("a scan comes before the frame header")?;
                    if scans == 1 && interleaved_first_scan && matches!(sof, 0xC0 | 0xC1) {
                        return Err("a second scan follows a scan of every component".into());
                    }
                    if scans == 0 {
                        interleaved_first_scan = field(0) == components;
                    }
                    scans += 1;
                    at = scan_end(bytes, segment_end);
                    if at == segment_end {
                        return Err(format!("scan {scans} holds no data"));
                    }
                    if bytes[at - 2] == 0xFF && (0xD0..=0xD7).contains(&bytes[at - 1]) {
                        return Err(format!("scan {scans} ends with an empty restart interval"));
                    }
                    check_restarts(&bytes[segment_end..at], restart_interval)
                        .map_err(|why| format!("scan {scans}: {why}"))?;
                } else {
                    at = segment_end;
                }
            }
        }
    }
}

/// Restart markers appear only when a restart interval is set, and then in order (RST0 to
/// RST7 and round again); anything else in a scan is damage.
fn check_restarts(data: &[u8], interval: u16) -> Result<(), String> {
    let mut expected = 0xD0;
    for pair in data
        .windows(2)
        .filter(|w| w[0] == 0xFF && (0xD0..=0xD7).contains(&w[1]))
    {
        if interval == 0 {
            return Err("a restart marker without a restart interval".into());
        }
        if pair[1] != expected {
            return Err("restart markers out of order".into());
        }
        expected = if expected == 0xD7 { 0xD0 } else { expected + 1 };
    }
    Ok(())
}

/// Where the entropy-coded data that starts at `from` ends: the next 0xFF that is neither
/// a stuffed 0xFF00 nor a restart marker.
fn scan_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while i + 1 < bytes.len() {
        if bytes[i] == 0xFF && bytes[i + 1] != 0x00 && !(0xD0..=0xD7).contains(&bytes[i + 1]) {
            return i;
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::check_jpeg;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        // A noisy picture, so that its scan is long and cutting it loses real data.
        let mut x = 7u32;
        let rgba: Vec<u8> = (0..w * h * 4)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8
            })
            .collect();
        let mut out = Vec::new();
        jpeg_encoder::Encoder::new(&mut out, 90)
            .encode(&rgba, w as u16, h as u16, jpeg_encoder::ColorType::Rgba)
            .unwrap();
        out
    }

    /// Pictures other encoders write (made with Pillow: progressive, CMYK, grey, 4:4:4)
    /// are whole JPEGs too.
    #[test]
    fn other_encoders_pictures_pass() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jpeg");
        let mut seen = 0;
        for file in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            let size = name
                .trim_end_matches(".jpg")
                .rsplit('_')
                .next()
                .unwrap()
                .to_owned();
            let (w, h) = size.split_once('x').unwrap();
            let bytes = std::fs::read(file.path()).unwrap();
            let checked = check_jpeg("p", &bytes, w.parse().unwrap(), h.parse().unwrap());
            assert!(
                checked.is_ok(),
                "{name}: {:?}",
                checked.err().map(|e| e.message)
            );
            seen += 1;
        }
        assert!(seen >= 5, "fixtures missing in {}", dir.display());
    }

    #[test]
    fn whole_pictures_pass_and_damaged_ones_do_not() {
        let good = jpeg(64, 48);
        assert!(check_jpeg("p", &good, 64, 48).is_ok());
        let mut trailing = good.clone();
        trailing.extend_from_slice(b"<html><script>alert(1)</script>\xFF\xD9");
        assert!(
            check_jpeg("p", &trailing, 64, 48).is_err(),
            "data after the end"
        );
        let mut twice = good.clone();
        twice.extend_from_slice(&good);
        assert!(check_jpeg("p", &twice, 64, 48).is_err(), "two files");
        let sos = good.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let scan_start = sos + 2 + usize::from(u16::from_be_bytes([good[sos + 2], good[sos + 3]]));
        // Cut anywhere before the last row of 8x8 (here 16x16) blocks: a cut inside the
        // last row still decodes (grey at the bottom), which the closing note of issue 11
        // leaves open.
        let scan = good.len() - 2 - scan_start;
        let sos_header = good[sos..scan_start].to_vec();
        for cut in [
            scan_start,
            scan_start + 1,
            scan_start + scan / 3,
            scan_start + scan * 3 / 5,
        ] {
            // Cut and padded with an end marker, a restart marker first, or a second
            // (empty) scan: each still reads as a whole file to a tolerant decoder.
            for padding in [
                vec![0xFF, 0xD9],
                vec![0xFF, 0xD0, 0xFF, 0xD9],
                [&[0xFF, 0xD3], &b"abc"[..], &[0xFF, 0xD9]].concat(),
                [&sos_header[..], &[0, 0, 0, 0, 0xFF, 0xD9]].concat(),
                [&sos_header[..], &[0xFF, 0xD9]].concat(),
            ] {
                let mut damaged = good[..cut].to_vec();
                damaged.extend_from_slice(&padding);
                let checked = check_jpeg("p", &damaged, 64, 48);
                assert!(
                    checked.is_err(),
                    "cut at {cut} of {}, padded with {padding:02x?}",
                    good.len()
                );
            }
        }
    }
}
