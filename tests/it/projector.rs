//! The forge-state projector against concurrent intake transactions: on PostgreSQL a lower
//! seq can commit after a higher one has been read.

use std::time::Duration;

use firewatch::forge::projector::StateProjector;
use firewatch::integrations::inbound::github;
use firewatch::store::{EventStatus, NewEvent, Store};
use serde_json::Value;

use crate::github::fixture;
use crate::support::{Backend, POSTGRES_URL_VAR, TestDatabase, backends, start_time};

/// GitHub's `pull_request.opened` for pull request `number`, normalized as intake stores it.
fn opened(number: i64) -> String {
    let mut payload: Value = serde_json::from_str(&fixture("pull_request.opened")).unwrap();
    payload["number"] = number.into();
    payload["pull_request"]["number"] = number.into();
    let (event, _) = github::normalize("pull_request", &payload);
    serde_json::to_string(&event.expect("a forge event")).unwrap()
}

fn event(number: i64) -> NewEvent {
    let now = start_time();
    NewEvent {
        id: format!("pr-{number}"),
        integration: "github".into(),
        source: "github".into(),
        kind: "pull_request".into(),
        status: EventStatus::Accepted,
        ignored_reason: None,
        dedup_key: None,
        received_at: now,
        headers: "{}".into(),
        body: bytes::Bytes::from_static(b"{}"),
        normalized: Some(opened(number)),
        repository: None,
        jobs: Vec::new(),
        destinations: Vec::new(),
        expires_at: now,
    }
}

async fn open_numbers(store: &Store) -> Vec<i64> {
    let mut numbers: Vec<i64> = store
        .open_changes()
        .await
        .unwrap()
        .iter()
        .map(|change| change.number)
        .collect();
    numbers.sort_unstable();
    numbers
}

#[tokio::test]
async fn an_event_committed_after_a_later_one_is_still_projected() {
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let store = database.store().await;
        let projector = StateProjector {
            store: store.clone(),
        };
        let now = start_time();
        // A transaction left open in another database on the same server, as another
        // application's would be: it cannot store our events, so it holds nothing back.
        let elsewhere = match backend {
            Backend::Postgres => {
                let admin = std::env::var(POSTGRES_URL_VAR).unwrap();
                let pool = sqlx::PgPool::connect(&admin).await.unwrap();
                let mut transaction = pool.begin().await.unwrap();
                sqlx::query("SELECT pg_current_xact_id()")
                    .execute(&mut *transaction)
                    .await
                    .unwrap();
                Some((pool, transaction))
            }
            Backend::Sqlite => None,
        };
        // Pull request 1 takes the lower seq in a transaction that stays open while pull
        // request 2 is stored and committed, as two intake committers can on PostgreSQL.
        // SQLite has one writer, so there the two simply commit in turn.
        let held = match backend {
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&database.url).await.unwrap();
                let mut transaction = pool.begin().await.unwrap();
                sqlx::query(
                    "INSERT INTO events (id, integration, source, kind, status, dedup_key, \
                     received_at, headers, body, normalized) \
                     VALUES ('pr-1', 'github', 'github', 'pull_request', 'accepted', 'pr-1', \
                     $1, '{}', '\\x7b7d', $2)",
                )
                .bind(now.as_millisecond())
                .bind(opened(1))
                .execute(&mut *transaction)
                .await
                .unwrap();
                Some((pool, transaction))
            }
            Backend::Sqlite => {
                store.insert_events(&[event(1)], now).await.unwrap();
                None
            }
        };
        store.insert_events(&[event(2)], now).await.unwrap();

        if let Some((pool, transaction)) = held {
            // Reading pull request 2 now would move the position past pull request 1's seq.
            assert_eq!(projector.step().await.unwrap(), 0, "{backend:?}");
            assert_eq!(open_numbers(&store).await, Vec::<i64>::new());
            transaction.commit().await.unwrap();
            pool.close().await;
        }

        // Other tests' transactions in this database's server cannot hold it back, but a
        // transaction of ours still ending may for a moment.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            projector.catch_up().await.unwrap();
            let numbers = open_numbers(&store).await;
            if numbers == [1, 2] {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{backend:?}: projected {numbers:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Nothing is read twice: the position is past both.
        assert_eq!(projector.step().await.unwrap(), 0);
        if let Some((pool, transaction)) = elsewhere {
            transaction.rollback().await.unwrap();
            pool.close().await;
        }
        store.close().await;
    }
}
