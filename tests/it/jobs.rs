//! The durable job table under concurrent workers: leases, queue order, runs of a queue,
//! scheduled jobs; and a burst of alert reports applied as one run.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use firewatch::alerts::jobs as alerts;
use firewatch::clock::{Clock, ManualClock, SleepFuture};
use firewatch::config::Config;
use firewatch::core::alert::{AlertSignal, AlertState, Severity, SignalStatus};
use firewatch::core::silence::{Schedule, parse_matchers};
use firewatch::store::alerts::{AlertFilter, NewSilence, SilenceKind};
use firewatch::store::{EventStatus, JobOutcome, NewEvent, NewJob, Store};
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

const DONE: JobOutcome = JobOutcome::Done {
    status: None,
    chat_message: None,
};

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

#[tokio::test]
async fn a_run_is_the_due_unbroken_front_of_its_queue() {
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let store = database.store().await;
        let now = start_time();
        let a1 = store.insert_job(&job(Some("a"), now), now).await.unwrap();
        let a2 = store.insert_job(&job(Some("a"), now), now).await.unwrap();
        let a3 = store.insert_job(&job(Some("a"), now), now).await.unwrap();
        // Not due yet: it holds back a5, which is.
        let a4 = store
            .insert_job(&job(Some("a"), later(30)), now)
            .await
            .unwrap();
        let a5 = store.insert_job(&job(Some("a"), now), now).await.unwrap();
        let free = store.insert_job(&job(None, now), now).await.unwrap();
        let seqs = |runs: Vec<Vec<firewatch::store::ClaimedJob>>| -> Vec<Vec<i64>> {
            runs.iter()
                .map(|run| run.iter().map(|job| job.seq).collect())
                .collect()
        };

        let runs = store
            .claim_runs("one", now, later(60), 10, 64)
            .await
            .unwrap();
        assert_eq!(seqs(runs), vec![vec![a1, a2, a3], vec![free]]);
        assert!(
            store
                .claim_runs("two", now, later(60), 10, 64)
                .await
                .unwrap()
                .is_empty(),
            "the whole run is leased"
        );

        // The run's owner finishes a1 and a2 in one commit and gives a3 back.
        let recorded = store
            .finish_jobs("one", &[(a1, DONE), (a2, DONE)], now)
            .await
            .unwrap();
        assert_eq!(recorded, vec![true, true]);
        store.release_jobs("one", &[a3], now).await.unwrap();
        let runs = store
            .claim_runs("two", now, later(60), 10, 64)
            .await
            .unwrap();
        assert_eq!(
            seqs(runs),
            vec![vec![a3]],
            "a4 is not due, and a5 waits behind it"
        );
        assert_eq!(
            store.finish_jobs("one", &[(a3, DONE)], now).await.unwrap(),
            vec![false],
            "a3's lease is two's now"
        );
        assert!(store.finish_job(a3, "two", &DONE, now).await.unwrap());
        assert_eq!(store.next_job_due().await.unwrap(), Some(later(30)));

        let runs = store
            .claim_runs("two", later(30), later(90), 10, 64)
            .await
            .unwrap();
        assert_eq!(seqs(runs), vec![vec![a4, a5]]);
        store.close().await;
    }
}

#[tokio::test]
async fn a_long_queue_and_many_timers_leave_the_claim_its_heads() {
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let store = database.store().await;
        let now = start_time();
        let head = store.insert_job(&job(Some("a"), now), now).await.unwrap();
        for _ in 0..300 {
            store.insert_job(&job(Some("a"), now), now).await.unwrap();
            store
                .insert_job(&job(None, later(3600)), now)
                .await
                .unwrap();
        }
        let other = store.insert_job(&job(Some("b"), now), now).await.unwrap();
        let free = store.insert_job(&job(None, now), now).await.unwrap();
        let claimed: Vec<i64> = store
            .claim_jobs("one", now, later(60), 10)
            .await
            .unwrap()
            .iter()
            .map(|job| job.seq)
            .collect();
        assert_eq!(claimed, vec![head, other, free]);
        // Leased jobs are due again when their leases end; the timers after that.
        assert_eq!(store.next_job_due().await.unwrap(), Some(later(60)));
        store.close().await;
    }
}

const ALERT_CONFIG: &str = r#"
[[integrations]]
name = "prometheus"
kind = "alertmanager"

[[destinations]]
name = "chat"
kind = "webhook"
url = "http://127.0.0.1:9/"

[[routes]]
match = { kind = "alert" }
to = ["chat"]
"#;

fn every_alert() -> AlertFilter {
    AlertFilter {
        limit: 100,
        ..AlertFilter::default()
    }
}

/// A stored Alertmanager report of one alert, as intake keeps it (applied by an `alert` job).
fn report(fingerprint: &str, status: SignalStatus, now: Timestamp) -> NewEvent {
    let signal = AlertSignal {
        fingerprint: fingerprint.into(),
        group_key: None,
        status,
        rule: "HighLatency".into(),
        summary: format!("p99 above 500 ms on {fingerprint}"),
        severity: Severity::Critical,
        service: None,
        labels: [("instance".to_owned(), fingerprint.to_owned())].into(),
        annotations: Default::default(),
        starts_at: None,
        ends_at: None,
        url: None,
        status_only: false,
        valid_until: None,
    };
    NewEvent {
        id: firewatch::store::new_id(now),
        integration: "prometheus".into(),
        source: "alertmanager".into(),
        kind: "alerts".into(),
        status: EventStatus::Accepted,
        ignored_reason: None,
        dedup_key: None,
        received_at: now,
        headers: "{}".into(),
        body: bytes::Bytes::from_static(b"{}"),
        normalized: None,
        repository: None,
        jobs: firewatch::store::alert_jobs(&[signal]),
        destinations: Vec::new(),
        expires_at: now + SignedDuration::from_hours(24),
    }
}

#[tokio::test]
async fn a_burst_of_alert_reports_applies_in_one_commit_in_order() {
    let (config, _) = Config::parse(ALERT_CONFIG, &|_| None).unwrap();
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let store = database.store().await;
        let now = start_time();
        let mut reports = [
            report("a", SignalStatus::Firing, now),
            report("b", SignalStatus::Firing, now),
            report("a", SignalStatus::Resolved, now),
        ];
        // Ids in the reverse of arrival order: the store keeps the arrival order all the same.
        let mut ids: Vec<String> = reports.iter().map(|r| r.id.clone()).collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        for (report, id) in reports.iter_mut().zip(ids) {
            report.id = id;
        }
        store.insert_events(&reports, now).await.unwrap();

        let runs = store
            .claim_runs("worker", now, later(60), 10, 64)
            .await
            .unwrap();
        assert_eq!(runs.len(), 1, "one queue, one run");
        assert_eq!(runs[0].len(), 3);
        let batch = alerts::run_batch(&store, &config, "worker", &runs[0], &ManualClock::new(now))
            .await
            .unwrap();
        assert_eq!(
            batch,
            alerts::Batch {
                applied: 3,
                lease_lost: false
            }
        );

        let states: HashMap<String, AlertState> = store
            .list_alerts(&every_alert())
            .await
            .unwrap()
            .into_iter()
            .map(|alert| (alert.labels["instance"].clone(), alert.state))
            .collect();
        assert_eq!(
            states,
            HashMap::from([
                ("a".to_owned(), AlertState::Resolved),
                ("b".to_owned(), AlertState::Firing)
            ])
        );
        // The reports' jobs are done, and the three notices are queued for the chat in the
        // order the changes happened.
        let runs = store
            .claim_runs("worker", now, later(60), 10, 64)
            .await
            .unwrap();
        assert_eq!(runs.len(), 1);
        let mut told = Vec::new();
        for job in &runs[0] {
            assert_eq!(job.kind, "deliver");
            let event = store
                .get_event(job.event_id.as_deref().unwrap())
                .await
                .unwrap();
            let notice: serde_json::Value = serde_json::from_slice(&event.body).unwrap();
            told.push(format!(
                "{} {}",
                notice["change"].as_str().unwrap(),
                notice["alert"]["labels"]["instance"].as_str().unwrap()
            ));
        }
        assert_eq!(told, ["fired a", "fired b", "resolved a"]);
        store.close().await;
    }
}

#[tokio::test]
async fn alert_reports_whose_lease_was_lost_are_left_to_its_new_owner() {
    let (config, _) = Config::parse(ALERT_CONFIG, &|_| None).unwrap();
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let store = database.store().await;
        let now = start_time();
        store
            .insert_events(&[report("a", SignalStatus::Firing, now)], now)
            .await
            .unwrap();
        let stale = store
            .claim_runs("stalled", now, later(60), 10, 64)
            .await
            .unwrap();
        // The first worker stalled past its lease; another took the report.
        let taken = store
            .claim_runs("rescuer", later(61), later(121), 10, 64)
            .await
            .unwrap();
        assert_eq!(taken[0][0].seq, stale[0][0].seq);
        let batch = alerts::run_batch(
            &store,
            &config,
            "stalled",
            &stale[0],
            &ManualClock::new(later(61)),
        )
        .await
        .unwrap();
        assert_eq!(
            batch,
            alerts::Batch {
                applied: 0,
                lease_lost: true
            }
        );
        assert!(
            store.list_alerts(&every_alert()).await.unwrap().is_empty(),
            "nothing applied by the worker that lost the lease"
        );
        let batch = alerts::run_batch(
            &store,
            &config,
            "rescuer",
            &taken[0],
            &ManualClock::new(later(61)),
        )
        .await
        .unwrap();
        assert_eq!(batch.applied, 1);
        store.close().await;
    }
}

/// Answers `first` once, then `then`: a report that decides its silences at `first` and has
/// committed by `then`.
struct Late {
    calls: std::sync::atomic::AtomicUsize,
    /// How many reads answer `first`.
    early: usize,
    first: Timestamp,
    then: Timestamp,
}

impl Late {
    fn new(first: Timestamp, then: Timestamp) -> Late {
        Self::after(1, first, then)
    }

    fn after(early: usize, first: Timestamp, then: Timestamp) -> Late {
        Late {
            calls: Default::default(),
            early,
            first,
            then,
        }
    }
}

impl Clock for Late {
    fn now(&self) -> Timestamp {
        if self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < self.early {
            self.first
        } else {
            self.then
        }
    }

    fn sleep_until(&self, _deadline: Timestamp) -> SleepFuture<'_> {
        Box::pin(std::future::pending())
    }
}

/// A silence from `now` for an hour, by `matchers`.
async fn silence_for_an_hour(store: &Store, matchers: &str, now: Timestamp) {
    store
        .create_silence(
            &NewSilence {
                kind: SilenceKind::Silence,
                service: None,
                matchers: parse_matchers(matchers).unwrap(),
                schedule: Schedule::Once {
                    starts_at: now,
                    ends_at: now + SignedDuration::from_hours(1),
                },
                created_by: "ana".into(),
                comment: "deploying".into(),
            },
            now,
            &|_| Vec::new(),
        )
        .await
        .unwrap();
}

/// A silence check that ran while a report was being applied cannot see the alert that
/// report silences; when the silence is over by the time the report has committed, the
/// report asks for a check of its own, or the alert would stay silenced by a silence that
/// has ended.
#[tokio::test]
async fn a_report_that_silenced_past_its_silences_end_asks_for_a_check() {
    let (config, _) = Config::parse(ALERT_CONFIG, &|_| None).unwrap();
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let store = database.store().await;
        let now = start_time();
        silence_for_an_hour(&store, r#"instance=~"a|c""#, now).await;
        let silence_checks = |at: Timestamp| {
            let store = store.clone();
            async move {
                store
                    .claim_runs("checker", at, at + SignedDuration::from_secs(60), 10, 64)
                    .await
                    .unwrap()
                    .into_iter()
                    .flatten()
                    .filter(|job| job.kind == firewatch::store::JobKind::SilenceCheck.as_str())
                    .count()
            }
        };

        // Silenced, and the silence still holds when the report has committed: nothing to ask.
        store
            .insert_events(&[report("c", SignalStatus::Firing, now)], now)
            .await
            .unwrap();
        let runs = store
            .claim_runs("worker", now, later(60), 10, 64)
            .await
            .unwrap();
        let clock = Late::new(later(10), later(20));
        let batch = alerts::run_batch(&store, &config, "worker", &runs[0], &clock)
            .await
            .unwrap();
        assert_eq!(batch.applied, 1);
        assert_eq!(silence_checks(later(20)).await, 0);

        // Decided a second before the silence ends, committed a second after it: the batch's
        // read, the transaction's and the alert's (with its row held) say 59:59, the recheck
        // after the commit says 01:00:01.
        store
            .insert_events(&[report("a", SignalStatus::Firing, later(20))], later(20))
            .await
            .unwrap();
        let runs = store
            .claim_runs("worker", later(20), later(80), 10, 64)
            .await
            .unwrap();
        let clock = Late::after(3, later(3599), later(3601));
        let batch = alerts::run_batch(&store, &config, "worker", &runs[0], &clock)
            .await
            .unwrap();
        assert_eq!(batch.applied, 1);
        let states = |store: Store| async move {
            let mut states: Vec<String> = store
                .list_alerts(&every_alert())
                .await
                .unwrap()
                .into_iter()
                .map(|alert| format!("{} {}", alert.labels["instance"], alert.state.as_str()))
                .collect();
            states.sort();
            states
        };
        assert_eq!(states(store.clone()).await, ["a silenced", "c silenced"]);
        assert_eq!(silence_checks(later(3601)).await, 1, "a check, due at once");
        let changed = alerts::check_silences(&store, &config, &ManualClock::new(later(3601)))
            .await
            .unwrap();
        assert_eq!(changed, 2);
        assert_eq!(states(store.clone()).await, ["a firing", "c firing"]);
        store.close().await;
    }
}

/// A report read the time before a silence check fired its alert at the silence's end, and
/// is applied after: it must not silence the alert again with that earlier time (it did:
/// silenced, fired, silenced, fired, and "fired" told twice). The alert is decided at the time
/// read once its row is held.
#[tokio::test]
async fn a_report_read_before_a_silence_check_does_not_undo_it() {
    let (config, _) = Config::parse(ALERT_CONFIG, &|_| None).unwrap();
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let store = database.store().await;
        let now = start_time();
        silence_for_an_hour(&store, r#"instance="a""#, now).await;
        store
            .insert_events(&[report("a", SignalStatus::Firing, now)], now)
            .await
            .unwrap();
        let runs = store
            .claim_runs("worker", now, later(60), 10, 64)
            .await
            .unwrap();
        alerts::run_batch(&store, &config, "worker", &runs[0], &ManualClock::new(now))
            .await
            .unwrap();
        // A re-send, claimed; the silence ends and its check fires the alert.
        store
            .insert_events(&[report("a", SignalStatus::Firing, later(30))], later(30))
            .await
            .unwrap();
        let runs = store
            .claim_runs("worker", later(30), later(90), 10, 64)
            .await
            .unwrap();
        alerts::check_silences(&store, &config, &ManualClock::new(later(3600)))
            .await
            .unwrap();
        // The re-send's batch read the time before the check; everything after says later.
        let clock = Late::after(1, later(3599), later(3601));
        alerts::run_batch(&store, &config, "worker", &runs[0], &clock)
            .await
            .unwrap();
        let alert = store.list_alerts(&every_alert()).await.unwrap().remove(0);
        assert_eq!(alert.state.as_str(), "firing");
        let changes: Vec<String> = store
            .alert_changes(&alert.id)
            .await
            .unwrap()
            .into_iter()
            .map(|change| change.change)
            .collect();
        assert_eq!(changes, ["silenced", "fired"]);
        store.close().await;
    }
}
