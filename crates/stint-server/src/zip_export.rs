//! The "My data" screenshots zip, streamed to the browser as it is written: one blocking
//! thread reads the pictures one at a time from the blob store (each read takes a blob
//! turn, as every picture read does) and writes them into the zip, whose bytes reach the
//! response through a small bounded channel. A large export so holds about one picture
//! and a few 64 KiB chunks in memory, and no async thread. Pictures are stored as they are
//! (JPEGs do not shrink); `index.json` (deflated) comes last, so it can list the files the
//! store no longer had.
//!
//! A failure half-way (the store unreachable) ends the response with an error, so the
//! browser reports a failed download instead of keeping a zip that looks whole.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use chrono::{DateTime, Datelike, Timelike, Utc};
use tokio::sync::mpsc;
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

use crate::blobs::BlobStore;
use crate::ops::my_data::ZipPicture;
use crate::AppState;

/// How many bytes go to the response at a time.
const CHUNK: usize = 64 * 1024;
/// How many chunks may wait for a slow client before the writer waits too.
const WAITING_CHUNKS: usize = 4;

/// The zip's bytes, handed to the response a chunk at a time.
struct Chunks {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
    /// Set when writing failed: what the zip writer adds while it is dropped goes nowhere.
    failed: Arc<AtomicBool>,
}

impl Chunks {
    fn send(&mut self) -> io::Result<()> {
        if self.failed.load(Ordering::Relaxed) {
            return Err(io::Error::other("the zip was abandoned"));
        }
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the download was cancelled"))
    }
}

impl Write for Chunks {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.failed.load(Ordering::Relaxed) {
            return Err(io::Error::other("the zip was abandoned"));
        }
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    /// Chunks go when they are full and at the end.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A zip entry's time (zip has no zone: UTC); 1980-01-01 for what zip cannot hold.
fn zip_time(t: DateTime<Utc>) -> zip::DateTime {
    let fit = |v: u32| u8::try_from(v).unwrap_or(u8::MAX);
    u16::try_from(t.year())
        .ok()
        .and_then(|year| {
            zip::DateTime::from_date_and_time(
                year,
                fit(t.month()),
                fit(t.day()),
                fit(t.hour()),
                fit(t.minute()),
                fit(t.second()),
            )
            .ok()
        })
        .unwrap_or_default()
}

fn zip_error(e: zip::result::ZipError) -> io::Error {
    io::Error::other(format!("zip: {e}"))
}

/// Writes every picture, then `index.json` made from the paths the store did not have.
fn write_entries(
    zip: &mut ZipWriter<StreamWriter<Chunks>>,
    pictures: Vec<ZipPicture>,
    index: impl FnOnce(&[String]) -> Vec<u8>,
    read: &dyn Fn(&str) -> io::Result<Option<Vec<u8>>>,
) -> io::Result<()> {
    let mut missing = Vec::new();
    for picture in pictures {
        let Some(bytes) = read(&picture.blob_key)? else {
            missing.push(picture.path);
            continue;
        };
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .last_modified_time(zip_time(picture.captured));
        zip.start_file(picture.path, options).map_err(zip_error)?;
        zip.write_all(&bytes)?;
    }
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file("index.json", options).map_err(zip_error)?;
    zip.write_all(&index(&missing))
}

/// The zip of `pictures` and `index.json` (made by `index` from the paths of pictures the
/// store no longer had) as a response body that is written while it is sent.
pub fn stream(
    state: &AppState,
    pictures: Vec<ZipPicture>,
    index: impl FnOnce(&[String]) -> Vec<u8> + Send + 'static,
) -> Body {
    let (tx, mut rx) = mpsc::channel::<io::Result<Bytes>>(WAITING_CHUNKS);
    let (blobs, turns) = (state.blobs.clone(), state.blob_turns.clone());
    let handle = tokio::runtime::Handle::current();
    let errors = tx.clone();
    tokio::task::spawn_blocking(move || {
        let failed = Arc::new(AtomicBool::new(false));
        let chunks = Chunks {
            tx,
            buf: Vec::with_capacity(CHUNK),
            failed: failed.clone(),
        };
        let read = |key: &str| -> io::Result<Option<Vec<u8>>> {
            let _turn = handle
                .block_on(turns.acquire())
                .map_err(|e| io::Error::other(format!("blob turns closed: {e}")))?;
            BlobStore::get(blobs.as_ref(), key)
        };
        let mut zip = ZipWriter::new_stream(chunks);
        let written = match write_entries(&mut zip, pictures, index, &read) {
            Ok(()) => zip
                .finish()
                .map_err(zip_error)
                .and_then(|out| out.into_inner().send()),
            Err(e) => {
                // Dropping the writer finishes the zip: it must not reach the browser.
                failed.store(true, Ordering::Relaxed);
                drop(zip);
                Err(e)
            }
        };
        if let Err(e) = written {
            if errors.is_closed() {
                tracing::info!("a screenshots zip download was cancelled");
            } else {
                tracing::error!("a screenshots zip stopped half-way: {e}");
                let _ = errors.blocking_send(Err(e));
            }
        }
    });
    Body::from_stream(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}
