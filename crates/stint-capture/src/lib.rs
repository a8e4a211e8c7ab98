//! The screenshot pipeline, all in memory: a full-resolution RGBA frame goes in, a small,
//! blurred JPEG comes out. Nothing here touches the disk, so no sharp pixel can reach it.
//!
//! Downscale once to the stored size, blur by shrinking further and scaling back up (a box
//! blur that costs a fraction of a Gaussian on the full frame), encode. Built at opt-level 3
//! even in dev builds: generic pixel code is 10–100x slower unoptimised.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, IntoImageView, PixelType, ResizeAlg, ResizeOptions, Resizer};
use jpeg_encoder::{ColorType, Encoder};

/// How a frame is turned into a stored picture (workspace settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Longest side of the stored picture, in pixels.
    pub max_side: u32,
    /// 0 (none) to 100 (strongest).
    pub blur: u32,
    /// JPEG quality, 1 to 100.
    pub quality: u8,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_side: 1280,
            blur: 50,
            quality: 70,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PipelineError {
    #[error("an empty frame ({width}x{height})")]
    Empty { width: u32, height: u32 },
    #[error("a {width}x{height} RGBA frame needs {expected} bytes, got {got}")]
    WrongSize {
        width: u32,
        height: u32,
        expected: usize,
        got: usize,
    },
    #[error("resizing failed: {0}")]
    Resize(String),
    #[error("encoding failed: {0}")]
    Encode(String),
}

/// The stored picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
}

/// Time spent in each stage, for the benchmark.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub downscale: std::time::Duration,
    pub blur: std::time::Duration,
    pub encode: std::time::Duration,
}

/// The stored size for a frame: the longest side at most `max_side`, aspect kept, never
/// larger than the frame.
pub fn target_size(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max_side {
        return (width, height);
    }
    let scale = f64::from(max_side) / f64::from(longest);
    let w = ((f64::from(width) * scale).round() as u32).max(1);
    let h = ((f64::from(height) * scale).round() as u32).max(1);
    (w, h)
}

fn resize(
    src: &impl IntoImageView,
    width: u32,
    height: u32,
    alg: ResizeAlg,
) -> Result<Image<'static>, PipelineError> {
    let mut dst = Image::new(width, height, PixelType::U8x4);
    Resizer::new()
        .resize(src, &mut dst, &ResizeOptions::new().resize_alg(alg))
        .map_err(|e| PipelineError::Resize(e.to_string()))?;
    Ok(dst)
}

/// Turns one RGBA frame into the stored picture.
pub fn process(
    width: u32,
    height: u32,
    rgba: &[u8],
    settings: Settings,
) -> Result<(Picture, Timings), PipelineError> {
    if width == 0 || height == 0 {
        return Err(PipelineError::Empty { width, height });
    }
    let expected = width as usize * height as usize * 4;
    if rgba.len() != expected {
        return Err(PipelineError::WrongSize {
            width,
            height,
            expected,
            got: rgba.len(),
        });
    }
    let mut timings = Timings::default();
    let clock = std::time::Instant::now();
    // Read in place: the full-resolution frame is never copied.
    let src = ImageRef::new(width, height, rgba, PixelType::U8x4)
        .map_err(|e| PipelineError::Resize(e.to_string()))?;
    let (w, h) = target_size(width, height, settings.max_side.max(1));
    // Averaging every source pixel (super-sampling) avoids aliasing on a big shrink.
    let small = resize(&src, w, h, ResizeAlg::SuperSampling(FilterType::Box, 2))?;
    timings.downscale = clock.elapsed();

    let clock = std::time::Instant::now();
    // Blur: shrink by up to 16x more and scale back up with a smooth filter.
    let factor = 1.0 + 15.0 * f64::from(settings.blur.min(100)) / 100.0;
    let blurred = if factor > 1.01 {
        let bw = ((f64::from(w) / factor).round() as u32).max(1);
        let bh = ((f64::from(h) / factor).round() as u32).max(1);
        let tiny = resize(&small, bw, bh, ResizeAlg::Convolution(FilterType::Box))?;
        resize(&tiny, w, h, ResizeAlg::Convolution(FilterType::Bilinear))?
    } else {
        small
    };
    timings.blur = clock.elapsed();

    let clock = std::time::Instant::now();
    let side = |v: u32| {
        u16::try_from(v).map_err(|_| PipelineError::Encode(format!("{v} px is too large for JPEG")))
    };
    let mut jpeg = Vec::with_capacity(blurred.buffer().len() / 12);
    Encoder::new(&mut jpeg, settings.quality.clamp(1, 100))
        .encode(blurred.buffer(), side(w)?, side(h)?, ColorType::Rgba)
        .map_err(|e| PipelineError::Encode(e.to_string()))?;
    timings.encode = clock.elapsed();
    Ok((
        Picture {
            width: w,
            height: h,
            jpeg,
        },
        timings,
    ))
}

/// The plain grey tile that stands for a monitor where a private app was in front (issue
/// 19): the size the monitor's picture would have had, made from nothing of the screen.
pub fn private_tile(width: u32, height: u32, settings: Settings) -> Result<Picture, PipelineError> {
    if width == 0 || height == 0 {
        return Err(PipelineError::Empty { width, height });
    }
    let (w, h) = target_size(width, height, settings.max_side.max(1));
    let grey = vec![0x9a; w as usize * h as usize * 4];
    let plain = Settings {
        blur: 0,
        ..settings
    };
    Ok(process(w, h, &grey, plain)?.0)
}

/// Variance of the Laplacian of a grey image: high for sharp edges (readable text), low
/// for blurred pictures. Used by tests and the privacy checks.
pub fn sharpness(width: u32, height: u32, grey: &[u8]) -> f64 {
    let (w, h) = (width as usize, height as usize);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let at = |x: usize, y: usize| f64::from(grey[y * w + x]);
    let mut values = Vec::with_capacity((w - 2) * (h - 2));
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            values.push(at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y));
        }
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64
}
