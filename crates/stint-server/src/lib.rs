//! Stint's sync server: a Clockify-compatible time-entry API (`/api/v1`) over a
//! [`storage::Storage`], with Stint's additions (client-generated ids, `Idempotency-Key`).

pub mod audit;
pub mod auth;
pub mod blobs;
mod csv_file;
mod error;
mod hardening;
mod idempotency;
pub mod ops;
pub(crate) mod routes;
pub mod storage;
pub mod transfer;
pub mod web;
mod zip_export;

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

/// How long an `Idempotency-Key` answer is kept: far longer than any client retries (the
/// agent's backoff tops out at five minutes; Stripe keeps keys for a day), short enough that
/// the table does not grow forever. Creates with client ids stay idempotent beyond it.
pub fn idempotency_retention() -> chrono::Duration {
    chrono::Duration::days(30)
}

/// How many blob store calls run at once (each on a blocking thread).
pub const BLOB_CALLS: usize = 16;

/// How long the change feed's log keeps a change: an agent offline for longer catches up
/// with a snapshot of the user's entries instead.
pub fn change_log_retention() -> chrono::Duration {
    chrono::Duration::days(30)
}

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub blobs: Arc<dyn blobs::BlobStore>,
    /// Blob calls at once ([`BLOB_CALLS`]): a slow store makes requests wait for a turn
    /// instead of taking every blocking thread the database needs too.
    pub blob_turns: Arc<tokio::sync::Semaphore>,
    pub web: web::WebConfig,
    /// Set when the server begins to stop: long-polls answer at once instead of holding the
    /// shutdown for up to a minute.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Where operations read the time (a fixed clock in tests).
    pub clock: ops::Clock,
    /// How often the retention job runs (an hour; shorter in tests).
    pub jobs_every: std::time::Duration,
}

impl AppState {
    /// SQLite and files under `data_dir`, created on first use.
    pub fn open(data_dir: &std::path::Path) -> anyhow::Result<AppState> {
        AppState::open_with(data_dir, None, None)
    }

    /// The database `database` names ([`open_storage`]: PostgreSQL, or by default SQLite
    /// under `data_dir`), and the screenshots in the blob store `blob_store` names
    /// ([`blobs::open`]: a directory, `s3://bucket/prefix`, or by default
    /// `data_dir/screenshots`).
    pub fn open_with(
        data_dir: &std::path::Path,
        database: Option<&str>,
        blob_store: Option<&str>,
    ) -> anyhow::Result<AppState> {
        let storage = open_storage(data_dir, database)?;
        let blobs = blobs::open(blob_store, &data_dir.join("screenshots"))?;
        tracing::info!(place = %blobs.place, "screenshots are kept in the blob store");
        Ok(AppState {
            storage,
            blobs: Arc::new(blobs),
            blob_turns: Arc::new(tokio::sync::Semaphore::new(BLOB_CALLS)),
            web: web::WebConfig::default(),
            stopping: Arc::new(tokio::sync::watch::Sender::new(false)),
            clock: ops::system_clock(),
            jobs_every: std::time::Duration::from_secs(3600),
        })
    }
}

/// Opens the server's database: PostgreSQL when `database` is a PostgreSQL address
/// (`postgres://user@host/db`, `postgresql://…`, or the key=value form `host=… dbname=…`),
/// else the SQLite file `stint-server.db` in `data_dir` (created on first use). Either is
/// brought to the latest schema.
///
/// Errors: an address that is not PostgreSQL's, a database that cannot be reached, is too
/// old, or was written by a newer server; each says which.
pub fn open_storage(
    data_dir: &std::path::Path,
    database: Option<&str>,
) -> anyhow::Result<Arc<dyn Storage>> {
    use anyhow::Context;
    match database.map(str::trim).filter(|d| !d.is_empty()) {
        Some(address) => {
            anyhow::ensure!(
                is_postgres_address(address),
                "--database takes a PostgreSQL address (postgres://user@host/database); \
                 without it the server keeps its data in SQLite in the data directory"
            );
            let storage =
                storage::Postgres::open(address).context("opening the PostgreSQL database")?;
            tracing::info!(
                "the data is kept in PostgreSQL: {}",
                storage::Postgres::describe(address)
            );
            Ok(Arc::new(storage))
        }
        None => {
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("creating {}", data_dir.display()))?;
            let db = data_dir.join("stint-server.db");
            let storage =
                storage::Sqlite::open(&db).with_context(|| format!("opening {}", db.display()))?;
            tracing::info!("the data is kept in SQLite: {}", db.display());
            Ok(Arc::new(storage))
        }
    }
}

/// Whether `address` names a PostgreSQL database (a URL, or libpq's key=value form).
pub fn is_postgres_address(address: &str) -> bool {
    address.starts_with("postgres://")
        || address.starts_with("postgresql://")
        || address.split_whitespace().any(|part| {
            ["host=", "dbname=", "user=", "port="]
                .iter()
                .any(|key| part.starts_with(key))
        })
}

/// Removes pictures whose rows are gone. A failure is logged, not returned: the rows
/// already say the screenshots are deleted, and nothing can reach an orphaned file.
pub async fn remove_blobs(state: &AppState, keys: Vec<String>) {
    let result = state
        .blob(move |blobs| {
            for key in &keys {
                if let Err(e) = blobs.delete(key) {
                    tracing::error!(blob = %key, "could not delete a screenshot file: {e}");
                }
            }
            Ok(())
        })
        .await;
    if let Err(e) = result {
        tracing::error!("blob deletion task failed: {}", e.message);
    }
}

/// The retention job: deletes screenshots captured more than [`screenshot_retention`]
/// before `now`, pictures included. Returns how many pictures went.
pub async fn expire_screenshots(
    state: &AppState,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, ApiFailure> {
    // The sweep is best effort: a store that cannot be listed (offline, a name it cannot
    // read) must not keep expired screenshots from going.
    if let Err(e) = sweep_orphans(state, now).await {
        tracing::warn!("the sweep for pictures no row names failed: {}", e.message);
    }
    let before = now - screenshot_retention();
    let keys = state.db(move |db| db.expire_capture_sets(before)).await?;
    let count = keys.len();
    remove_blobs(state, keys).await;
    if count > 0 {
        tracing::info!(pictures = count, %before, "retention deleted old screenshots");
        audit_expired_screenshots(state, count, before).await;
    }
    let forgotten = state
        .db(move |db| db.expire_responses(now - idempotency_retention()))
        .await?;
    if forgotten > 0 {
        tracing::info!(
            answers = forgotten,
            "retention forgot old Idempotency-Key answers"
        );
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
    let forgotten = state
        .db(move |db| db.expire_changes(now - change_log_retention()))
        .await?;
    if forgotten > 0 {
        tracing::info!(
            changes = forgotten,
            "retention forgot change-log rows; readers behind them get a snapshot"
        );
    }
    Ok(count)
}

/// How long an upload may take between reserving its set and storing its pictures; what
/// is older is left over from a crash.
fn unfinished_after() -> chrono::Duration {
    chrono::Duration::hours(1)
}

/// Removes what a crash can leave behind: sets reserved but never finished (with whatever
/// of their pictures was written), and picture files that no row names. Only what is older
/// than [`unfinished_after`] goes, so an upload under way is never touched. Returns how
/// many files went.
pub async fn sweep_orphans(
    state: &AppState,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, ApiFailure> {
    let cutoff = now - unfinished_after();
    let keys = state.db(move |db| db.sweep_unfinished(cutoff)).await?;
    let mut removed = keys.len();
    remove_blobs(state, keys).await;
    let stale_before = std::time::SystemTime::from(cutoff);
    let listed = state
        .blob(move |blobs| blobs.list(stale_before))
        .await?
        .map_err(|e| ApiFailure::internal(format!("listing screenshot files: {e}")))?;
    let old: Vec<String> = listed
        .into_iter()
        .filter(|(_, modified)| *modified < stale_before)
        .map(|(key, _)| key)
        .collect();
    let orphans = state
        .db(move |db| {
            let mut orphans = Vec::new();
            for key in old {
                if !db.blob_key_known(&key)? {
                    orphans.push(key);
                }
            }
            Ok(orphans)
        })
        .await?;
    for key in &orphans {
        tracing::warn!(blob = %key, "removing a screenshot file that no row names");
    }
    removed += orphans.len();
    remove_blobs(state, orphans).await;
    Ok(removed)
}

impl AppState {
    /// Runs a blob store call off the async threads once a turn is free (at most
    /// [`BLOB_CALLS`] at once); the outer error is the task's, the inner the store's.
    pub async fn blob<T, F>(&self, f: F) -> Result<std::io::Result<T>, ApiFailure>
    where
        T: Send + 'static,
        F: FnOnce(&dyn blobs::BlobStore) -> std::io::Result<T> + Send + 'static,
    {
        let _turn = self
            .blob_turns
            .acquire()
            .await
            .map_err(|e| ApiFailure::internal(format!("blob turns closed: {e}")))?;
        let blobs = self.blobs.clone();
        tokio::task::spawn_blocking(move || f(blobs.as_ref()))
            .await
            .map_err(|e| ApiFailure::internal(format!("blob task failed: {e}")))
    }

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
    .layer(axum::middleware::from_fn(hardening::answer_shape))
    // A panic is a bug, but it must answer 500 rather than drop the connection.
    .layer(tower_http::catch_panic::CatchPanicLayer::custom(
        hardening::panic_answer,
    ))
    .with_state(state)
}

/// How long a client may take to send a request's headers before the connection is
/// closed (a half-sent request must not hold a connection open).
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves until SIGTERM or Ctrl-C, then finishes the requests under way (for at most 30 s).
/// Headers must arrive within `header_timeout`, and a body may pause no longer.
pub async fn serve(
    state: AppState,
    listen: SocketAddr,
    header_timeout: std::time::Duration,
) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    // Tests and scripts read the address from this line (the port may have been 0).
    println!("listening on http://{addr}");
    tracing::info!(%addr, "stint-server listening");
    let retention = tokio::spawn(run_retention(state.clone()));
    let state_stopping = state.stopping.clone();
    let blob_turns = state.blob_turns.clone();
    // A client that stops sending in the middle of a body is cut off too: each pause
    // between a body's frames may last as long as the headers may take.
    let service = hyper_util::service::TowerToHyperService::new(
        tower::ServiceBuilder::new()
            .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
                header_timeout,
            ))
            // Clockify's clients add a trailing `/` to some paths: the same route answers.
            .service(tower_http::normalize_path::NormalizePath::trim_trailing_slash(router(state))),
    );
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown_signal());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, keep serving.
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .max_buf_size(hardening::MAX_HEADER_BUFFER)
            .max_headers(hardening::MAX_HEADER_COUNT * 4);
        let connection = http.serve_connection(TokioIo::new(stream), service.clone());
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
    retention.abort();
    state_stopping.send_replace(true);
    if tokio::time::timeout(std::time::Duration::from_secs(30), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still under way after 30 s; stopping anyway");
    }
    // Blob calls still running on blocking threads (a request cut off above) finish
    // before the runtime goes: one ended by the runtime's end would panic half-done.
    let every_turn = u32::try_from(BLOB_CALLS).unwrap_or(u32::MAX);
    if tokio::time::timeout(
        std::time::Duration::from_secs(30),
        blob_turns.acquire_many(every_turn),
    )
    .await
    .is_err()
    {
        tracing::warn!("screenshot store calls still under way after 30 s; stopping anyway");
    }
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

/// Runs the retention job at start and then every `jobs_every` (an hour), on the one
/// server that leads the jobs when several share a database.
async fn run_retention(state: AppState) {
    let mut leading = None;
    loop {
        match state.db(|db| db.lead_jobs()).await {
            Ok(lead) => {
                if leading != Some(lead) {
                    tracing::info!(
                        "{}",
                        if lead {
                            "this server runs the retention job"
                        } else {
                            "another server runs the retention job"
                        }
                    );
                    leading = Some(lead);
                }
                if lead {
                    if let Err(e) = expire_screenshots(&state, chrono::Utc::now()).await {
                        tracing::error!("screenshot retention failed: {}", e.message);
                    }
                }
            }
            Err(e) => tracing::warn!(
                "could not tell whether this server runs the retention job: {}",
                e.message
            ),
        }
        tokio::time::sleep(state.jobs_every).await;
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
