//! The pipeline on synthetic frames full of sharp, text-like detail.

use stint_capture::{process, sharpness, target_size, PipelineError, Settings};

/// A frame of small black "glyphs" on white, like a page of text.
fn text_like(width: u32, height: u32) -> Vec<u8> {
    let mut rgba = vec![255u8; (width * height * 4) as usize];
    let mut seed: u32 = 12345;
    for y in 0..height {
        for x in 0..width {
            // 8x14 character cells, strokes one or two pixels wide.
            let (cx, cy) = (x % 8, y % 14);
            if cy < 11 && cx < 6 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                if (seed >> 16).is_multiple_of(3) {
                    let i = ((y * width + x) * 4) as usize;
                    rgba[i..i + 3].copy_from_slice(&[0, 0, 0]);
                }
            }
        }
    }
    rgba
}

fn decoded_grey(jpeg: &[u8]) -> (u32, u32, Vec<u8>) {
    let image = image::load_from_memory(jpeg)
        .expect("a valid JPEG")
        .to_luma8();
    (image.width(), image.height(), image.into_raw())
}

#[test]
fn a_4k_frame_becomes_a_small_blurred_jpeg() {
    let (w, h) = (3840, 2160);
    let frame = text_like(w, h);
    let (sharp, _) = process(
        w,
        h,
        &frame,
        Settings {
            blur: 0,
            ..Settings::default()
        },
    )
    .unwrap();
    let (blurred, _) = process(w, h, &frame, Settings::default()).unwrap();
    assert_eq!((blurred.width, blurred.height), (1280, 720));
    let (bw, bh, grey) = decoded_grey(&blurred.jpeg);
    assert_eq!((bw, bh), (1280, 720));
    let (sw, sh, sharp_grey) = decoded_grey(&sharp.jpeg);
    let (before, after) = (sharpness(sw, sh, &sharp_grey), sharpness(bw, bh, &grey));
    assert!(
        after < before / 20.0,
        "blur must remove fine detail: {before:.1} -> {after:.1}"
    );
    assert!(blurred.jpeg.len() < 200_000, "{} bytes", blurred.jpeg.len());
}

#[test]
fn stronger_blur_is_blurrier() {
    let (w, h) = (1920, 1080);
    let frame = text_like(w, h);
    let mut last = f64::MAX;
    for blur in [0, 25, 50, 100] {
        let (picture, _) = process(
            w,
            h,
            &frame,
            Settings {
                blur,
                ..Settings::default()
            },
        )
        .unwrap();
        let (pw, ph, grey) = decoded_grey(&picture.jpeg);
        let s = sharpness(pw, ph, &grey);
        assert!(s < last, "blur {blur}: {s:.1} not below {last:.1}");
        last = s;
    }
}

#[test]
fn sizes_keep_the_aspect_and_never_grow() {
    assert_eq!(target_size(3840, 2160, 1280), (1280, 720));
    assert_eq!(target_size(1080, 1920, 1280), (720, 1280));
    assert_eq!(target_size(800, 600, 1280), (800, 600));
    assert_eq!(target_size(5000, 10, 1280), (1280, 3));
    assert_eq!(target_size(10, 5000, 320), (1, 320));
}

#[test]
fn bad_frames_are_refused() {
    assert_eq!(
        process(0, 10, &[], Settings::default()).unwrap_err(),
        PipelineError::Empty {
            width: 0,
            height: 10
        }
    );
    let err = process(4, 4, &[0; 10], Settings::default()).unwrap_err();
    assert!(
        matches!(
            err,
            PipelineError::WrongSize {
                expected: 64,
                got: 10,
                ..
            }
        ),
        "{err}"
    );
}
