//! What an uploaded picture must be before anything of it is kept: a whole JPEG, of the
//! size its metadata declares, within a pixel limit checked before the decoder allocates.

use crate::ApiFailure;

/// Longest side a screenshot may have.
pub const MAX_SIDE: u32 = 16_384;
/// Most pixels one picture may have (an 8K monitor's 33 MP fits; a JPEG that declares
/// 65,500 x 65,500 does not).
pub const MAX_PIXELS: u64 = 40_000_000;

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
    // A JPEG ends with its EOI marker; one cut short in transit does not.
    if !bytes.ends_with(&[0xFF, 0xD9]) {
        return Err(bad("is not a whole JPEG (it is cut short)".into()));
    }
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(MAX_SIDE as usize)
        .set_max_height(MAX_SIDE as usize);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
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
    if (w, h) != (width, height) {
        return Err(bad(format!(
            "is {w}x{h} pixels, but its metadata says {width}x{height}"
        )));
    }
    decoder
        .decode()
        .map_err(|e| bad(format!("is damaged ({e})")))?;
    Ok(())
}
