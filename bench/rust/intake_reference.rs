//! The benchmark's reference ceiling (`bench/intake.sh`): the least a durable webhook intake
//! on axum and SQLite can do. Each request's body is read (1 MiB limit) and checked to be JSON,
//! then queued; one task writes whatever has queued in one transaction, in WAL mode with
//! `synchronous = FULL`, and answers 202 after the commit. No routing, no authentication, no
//! dedup, no jobs: Firewatch's intake is measured against this in the same run.
//!
//!   cargo run --release --example intake_reference -- 127.0.0.1:18081 /tmp/reference.db

use std::str::FromStr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{mpsc, oneshot};

type Pending = (Bytes, oneshot::Sender<bool>);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:18081".into());
    let path = args.next().unwrap_or_else(|| "reference.db".into());
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body BLOB NOT NULL)",
    )
    .execute(&pool)
    .await?;

    let (sender, mut receiver) = mpsc::channel::<Pending>(8192);
    tokio::spawn(async move {
        while let Some(first) = receiver.recv().await {
            let mut batch = vec![first];
            while batch.len() < 1024 {
                match receiver.try_recv() {
                    Ok(pending) => batch.push(pending),
                    Err(_) => break,
                }
            }
            let mut builder =
                sqlx::QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO events (id, body) ");
            builder.push_values(&batch, |mut row, (body, _)| {
                row.push_bind(uuid::Uuid::now_v7().to_string())
                    .push_bind(body.to_vec());
            });
            let committed = async {
                let mut transaction = pool.begin().await?;
                builder.build().execute(&mut *transaction).await?;
                transaction.commit().await
            }
            .await
            .is_ok();
            for (_, reply) in batch {
                let _ = reply.send(committed);
            }
        }
    });

    let app = Router::new()
        .route("/hooks/{name}", post(receive))
        .with_state(sender);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn receive(State(sender): State<mpsc::Sender<Pending>>, body: Bytes) -> StatusCode {
    if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        return StatusCode::BAD_REQUEST;
    }
    let (reply, answer) = oneshot::channel();
    if sender.send((body, reply)).await.is_err() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    match answer.await {
        Ok(true) => StatusCode::ACCEPTED,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}
