//! Per frame size: downscale, blur, encode and total milliseconds of the pipeline, against
//! the naive path (full-size Gaussian blur, then resize, then encode), with the ratio.
//! Prints figures; asserts nothing. `cargo bench -p stint-capture --bench pipeline`

use std::time::{Duration, Instant};

use stint_capture::{process, Settings};

fn frame(width: u32, height: u32) -> Vec<u8> {
    (0..width * height * 4)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn naive(width: u32, height: u32, rgba: &[u8]) -> Duration {
    let start = Instant::now();
    let img = image::RgbaImage::from_raw(width, height, rgba.to_vec()).unwrap();
    let blurred = image::imageops::blur(&img, 8.0);
    let (w, h) = stint_capture::target_size(width, height, 1280);
    let small = image::imageops::resize(&blurred, w, h, image::imageops::FilterType::Triangle);
    let rgb = image::DynamicImage::ImageRgba8(small).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 70)
        .encode(&rgb, w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    start.elapsed()
}

fn main() {
    for (w, h) in [(1920u32, 1080u32), (3840, 2160)] {
        let rgba = frame(w, h);
        let runs = 10;
        let mut total = Duration::ZERO;
        let (mut down, mut blur, mut enc) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        for _ in 0..runs {
            let start = Instant::now();
            let (_, t) = process(w, h, &rgba, Settings::default()).unwrap();
            total += start.elapsed();
            down += t.downscale;
            blur += t.blur;
            enc += t.encode;
        }
        let n = runs as f64;
        let naive_ms = (0..3).map(|_| ms(naive(w, h, &rgba))).sum::<f64>() / 3.0;
        let ours = ms(total) / n;
        let (tw, th) = stint_capture::target_size(w, h, 1280);
        println!(
            "{w}x{h}: downscale {:.1} ms, blur {:.1} ms, encode {:.1} ms, total {:.1} ms; naive {:.1} ms; {:.1}x faster; extra memory ~{:.1} MiB ({tw}x{th} buffers, the frame is read in place)",
            ms(down) / n,
            ms(blur) / n,
            ms(enc) / n,
            ours,
            naive_ms,
            naive_ms / ours,
            (tw * th * 4 * 3 + tw * th * 3) as f64 / 1_048_576.0
        );
    }
}
