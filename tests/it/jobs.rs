//! The durable job table under concurrent workers: leases, queue order, scheduled jobs.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use firewatch::store::{JobOutcome, NewJob, Store};
use jiff::{SignedDuration, Timestamp};

use crate::support::{TestDatabase, backends, start_time};

fn job(queue: Option<&str>, run_at: Timestamp) -> NewJob {
    NewJob {
        kind: "test".into(),
        queue: queue.map(str::to_owned),
        destination: None,
        event_id: None,
        payload: "{}".into(),
        run_at,
        expires_at: run_at + SignedDuration::from_hours(24),
    }
}

fn later(seconds: i64) -> Timestamp {
    start_time() + SignedDuration::from_secs(seconds)
}

const DONE: JobOutcome = JobOutcome::Done { status: None };

#[tokio::test]
async fn claims_are_exclusive_and_a_queue_runs_in_order() {
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let store = database.store().await;
        let now = start_time();
        let a1 = store.insert_job(&job(Some("a"), now), now).await.unwrap();
        let a2 = store.insert_job(&job(Some("a"), now), now).await.unwrap();
        let b1 = store.insert_job(&job(Some("b"), now), now).await.unwrap();
        let c1 = store.insert_job(&job(None, now), now).await.unwrap();
        let c2 = store.insert_job(&job(None, now), now).await.unwrap();

        let (first, second) = tokio::join!(
            store.claim_jobs("one", now, later(60), 10),
            store.claim_jobs("two", now, later(60), 10)
        );
        let first: HashSet<i64> = first.unwrap().iter().map(|j| j.seq).collect();
        let second: HashSet<i64> = second.unwrap().iter().map(|j| j.seq).collect();
        assert!(first.is_disjoint(&second), "{first:?} {second:?}");
        let all: HashSet<i64> = first.union(&second).copied().collect();
        assert_eq!(all, HashSet::from([a1, b1, c1, c2]), "a2 waits behind a1");

        assert!(
            store
                .claim_jobs("three", now, later(60), 10)
                .await
                .unwrap()
                .is_empty()
        );
        let owner = if first.contains(&a1) { "one" } else { "two" };
        assert!(store.finish_job(a1, owner, &DONE, now).await.unwrap());
        let next: Vec<i64> = store
            .claim_jobs("three", now, later(60), 10)
            .await
            .unwrap()
            .iter()
            .map(|j| j.seq)
            .collect();
        assert_eq!(next, vec![a2]);
        store.close().await;
    }
}

#[tokio::test]
async fn a_job_whose_worker_died_is_taken_after_its_lease() {
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let store = database.store().await;
        let now = start_time();
        let seq = store.insert_job(&job(Some("q"), now), now).await.unwrap();
        assert_eq!(
            store
                .claim_jobs("dead-worker", now, later(120), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        // While the lease holds, nobody else gets it; the worker may sleep until it ends.
        assert!(
            store
                .claim_jobs("rescuer", later(119), later(240), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.next_job_due().await.unwrap(), Some(later(120)));
        let taken = store
            .claim_jobs("rescuer", later(120), later(240), 10)
            .await
            .unwrap();
        assert_eq!(taken.iter().map(|j| j.seq).collect::<Vec<_>>(), vec![seq]);
        // The first worker's late answer is not recorded over the new lease.
        assert!(
            !store
                .finish_job(seq, "dead-worker", &DONE, later(121))
                .await
                .unwrap()
        );
        assert!(
            store
                .finish_job(seq, "rescuer", &DONE, later(121))
                .await
                .unwrap()
        );
        assert_eq!(store.next_job_due().await.unwrap(), None);
        store.close().await;
    }
}

#[tokio::test]
async fn a_scheduled_job_runs_at_its_time_not_before() {
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let store = database.store().await;
        let now = start_time();
        store
            .insert_job(&job(None, later(3600)), now)
            .await
            .unwrap();
        assert!(
            store
                .claim_jobs("w", later(3599), later(3700), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.next_job_due().await.unwrap(), Some(later(3600)));
        assert_eq!(
            store
                .claim_jobs("w", later(3600), later(3700), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        store.close().await;
    }
}

/// Several workers (as several replicas would) drain one table: every job runs exactly once,
/// and the jobs of each queue run in insertion order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_run_each_job_once_in_queue_order() {
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let now = start_time();
        let setup = database.store().await;
        let mut queue_of = HashMap::new();
        for n in 0..200 {
            let queue = format!("q{}", n % 10);
            let seq = setup
                .insert_job(&job(Some(&queue), now), now)
                .await
                .unwrap();
            queue_of.insert(seq, queue);
        }
        let runs: Arc<Mutex<Vec<i64>>> = Arc::default();
        let mut workers = Vec::new();
        for worker in 0..4 {
            // Separate stores stand for separate replicas, each with its own pool.
            let store: Store = database.store().await;
            let runs = runs.clone();
            workers.push(tokio::spawn(async move {
                let owner = format!("worker-{worker}");
                let mut idle = 0;
                while idle < 20 {
                    let jobs = store.claim_jobs(&owner, now, later(600), 3).await.unwrap();
                    if jobs.is_empty() {
                        idle += 1;
                        tokio::task::yield_now().await;
                        continue;
                    }
                    idle = 0;
                    for job in jobs {
                        runs.lock().unwrap().push(job.seq);
                        assert!(store.finish_job(job.seq, &owner, &DONE, now).await.unwrap());
                    }
                }
                store.close().await;
            }));
        }
        for worker in workers {
            worker.await.unwrap();
        }
        let runs = runs.lock().unwrap().clone();
        let distinct: HashSet<i64> = runs.iter().copied().collect();
        assert_eq!(runs.len(), 200, "each job ran exactly once");
        assert_eq!(distinct.len(), 200);
        let mut last_in_queue: HashMap<&str, i64> = HashMap::new();
        for seq in &runs {
            let queue = queue_of[seq].as_str();
            if let Some(previous) = last_in_queue.insert(queue, *seq) {
                assert!(previous < *seq, "queue {queue} ran {seq} after {previous}");
            }
        }
        setup.close().await;
    }
}
