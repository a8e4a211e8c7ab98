//! Stint's sync server: a Clockify-compatible time-entry API (`/api/v1`) over a
//! [`storage::Storage`], with Stint's additions (client-generated ids, `Idempotency-Key`).

pub mod audit;
pub mod auth;
pub mod blobs;
mod error;
mod idempotency;
pub(crate) mod routes;
pub mod storage;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;

pub use error::ApiFailure;
use storage::Storage;

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Screenshot uploads may be larger: a set of several monitors' pictures.
pub const MAX_UPLOAD_BYTES: usize = 24 * 1024 * 1024;

/// How long screenshots are kept (DESIGN.md).
pub fn screenshot_retention() -> chrono::Duration {
    chrono::Duration::days(7)
}

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub blobs: Arc<dyn blobs::BlobStore>,
    pub web: web::WebConfig,
}

impl AppState {
    /// SQLite and files under `data_dir`, created on first use.
    pub fn open(data_dir: &std::path::Path) -> anyhow::Result<AppState> {
        use anyhow::Context;
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
        let db = data_dir.join("stint-server.db");
        let storage =
            storage::Sqlite::open(&db).with_context(|| format!("opening {}", db.display()))?;
        let blob_dir = data_dir.join("screenshots");
        let blobs = blobs::FsBlobs::new(&blob_dir)
            .with_context(|| format!("creating {}", blob_dir.display()))?;
        Ok(AppState {
            storage: Arc::new(storage),
            blobs: Arc::new(blobs),
            web: web::WebConfig::default(),
        })
    }
}

/// Removes pictures whose rows are gone. A failure is logged, not returned: the rows
/// already say the screenshots are deleted, and nothing can reach an orphaned file.
pub async fn remove_blobs(state: &AppState, keys: Vec<String>) {
    let blobs = state.blobs.clone();
    let result = tokio::task::spawn_blocking(move || {
        for key in &keys {
            if let Err(e) = blobs.delete(key) {
                tracing::error!(blob = %key, "could not delete a screenshot file: {e}");
            }
        }
    })
    .await;
    if let Err(e) = result {
        tracing::error!("blob deletion task failed: {e}");
    }
}

/// The retention job: deletes screenshots captured more than [`screenshot_retention`]
/// before `now`, pictures included. Returns how many pictures went.
pub async fn expire_screenshots(
    state: &AppState,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, ApiFailure> {
    let before = now - screenshot_retention();
    let keys = state.db(move |db| db.expire_capture_sets(before)).await?;
    let count = keys.len();
    remove_blobs(state, keys).await;
    if count > 0 {
        tracing::info!(pictures = count, %before, "retention deleted old screenshots");
        audit_expired_screenshots(state, count, before).await;
    }
    let expired = state
        .db(move |db| db.expire_audit(now - audit::retention()))
        .await?;
    if expired > 0 {
        tracing::info!(
            records = expired,
            "retention deleted audit records older than a year"
        );
    }
    Ok(count)
}

impl AppState {
    /// Runs a storage call off the async threads: SQLite blocks.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiFailure>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Storage) -> storage::Result<T> + Send + 'static,
    {
        let storage = self.storage.clone();
        tokio::task::spawn_blocking(move || f(storage.as_ref()))
            .await
            .map_err(|e| ApiFailure::internal(format!("storage task failed: {e}")))?
            .map_err(ApiFailure::from)
    }
}

/// Where the server serves its OpenAPI document.
pub const OPENAPI_PATH: &str = "/api/openapi.json";

pub fn router(state: AppState) -> Router {
    let (api, doc) = routes::api().split_for_parts();
    let doc = Arc::new(
        doc.to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")),
    );
    api.route(
        OPENAPI_PATH,
        axum::routing::get(move || {
            let doc = doc.clone();
            async move {
                (
                    [("content-type", "application/json")],
                    doc.as_str().to_owned(),
                )
            }
        }),
    )
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        idempotency::replay,
    ))
    .merge(web::router())
    .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
    .fallback(|| async { ApiFailure::not_found("no such route") })
    .with_state(state)
}

/// Serves until SIGTERM or Ctrl-C, then finishes the requests under way.
pub async fn serve(state: AppState, listen: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    // Tests and scripts read the address from this line (the port may have been 0).
    println!("listening on http://{addr}");
    tracing::info!(%addr, "stint-server listening");
    let retention = tokio::spawn(run_retention(state.clone()));
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await;
    retention.abort();
    served?;
    tracing::info!("stint-server stopped");
    Ok(())
}

/// The retention job's deletions, in every workspace's audit log that wants them.
async fn audit_expired_screenshots(
    state: &AppState,
    count: usize,
    before: chrono::DateTime<chrono::Utc>,
) {
    // Counted per server, not per workspace: the job deletes across all of them.
    let workspaces = state.db(|db| db.workspace_ids()).await.unwrap_or_default();
    for wid in workspaces {
        let event = audit::Event {
            category: audit::Category::TimeEntries,
            action: "screenshots.expired",
            target_id: "",
            summary: format!("{count} screenshots older than {before} deleted"),
            details: serde_json::json!({"pictures": count, "capturedBefore": before}),
        };
        audit::record(state, &wid, audit::Author::System, event).await;
    }
}

/// Runs the retention job at start and then every hour.
async fn run_retention(state: AppState) {
    loop {
        if let Err(e) = expire_screenshots(&state, chrono::Utc::now()).await {
            tracing::error!("screenshot retention failed: {}", e.message);
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}
