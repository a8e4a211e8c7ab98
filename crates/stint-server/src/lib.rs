//! Stint's sync server: a Clockify-compatible time-entry API (`/api/v1`) over a
//! [`storage::Storage`], with Stint's additions (client-generated ids, `Idempotency-Key`).

pub mod auth;
mod error;
mod idempotency;
mod routes;
pub mod storage;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;

pub use error::ApiFailure;
use storage::Storage;

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
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
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stint-server stopped");
    Ok(())
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
