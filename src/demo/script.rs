//! The demo's history, day by day from a fixed seed: what each team shipped, what broke, who
//! was paged and what they learnt. Each step is sent as its sender sends it, with the clock set
//! to when it happened, and the jobs it started (projections, pages, escalations, digests) run
//! before the next step.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, bail};
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{DAYS, Made, SEED};
use crate::clock::Clock as _;
use crate::store::Store;

const GITHUB_SECRET: &str = "demo-github-secret";
const ALERTMANAGER_TOKEN: &str = "demo-alertmanager-token";

/// GitHub's own example payloads, reworded per step (repository, number, people, commits).
const PULL_REQUEST_OPENED: &str =
    include_str!("../../tests/fixtures/github/published/pull_request.opened.json");
const PULL_REQUEST_CLOSED: &str =
    include_str!("../../tests/fixtures/github/published/pull_request.closed.json");
const PUSH: &str = include_str!("../../tests/fixtures/github/published/push.with-new-branch.json");
const WORKFLOW_JOB: &str =
    include_str!("../../tests/fixtures/github/published/workflow_job.completed.json");
const WORKFLOW_RUN: &str =
    include_str!("../../tests/fixtures/github/published/workflow_run.completed.json");
const CHECK_RUN: &str =
    include_str!("../../tests/fixtures/github/published/check_run.completed.success.json");
const REVIEW: &str =
    include_str!("../../tests/fixtures/github/published/pull_request_review.submitted.json");

const SERVICES: [&str; 8] = [
    "api", "auth", "billing", "ingest", "search", "reports", "web", "gateway",
];
const DEVELOPERS: [&str; 6] = ["andrew", "gyeongjun", "mina", "rui", "sam", "vera"];
const WORK: [&str; 16] = [
    "Cache the token introspection",
    "Retry idempotent writes on 409",
    "Cap the connection pool at 64",
    "Move the nightly export to a queue",
    "Add p99 latency to the dashboard",
    "Drop the legacy v1 endpoints",
    "Batch index updates",
    "Validate webhook payload sizes",
    "Paginate the invoice list",
    "Stream large CSV exports",
    "Tighten the CSP on the login page",
    "Rotate the signing key yearly",
    "Shard the ingest topic by tenant",
    "Warm the search cache after deploys",
    "Trim the Docker image",
    "Upgrade the HTTP client",
];
/// What goes wrong with each service, and how badly.
const INCIDENTS: [(&str, &str, &str); 8] = [
    ("api", "Elevated 5xx on the public API", "SEV2"),
    ("auth", "Sign-in slow for EU users", "SEV3"),
    ("billing", "Invoices not generated", "SEV2"),
    ("ingest", "Ingest lag above 10 minutes", "SEV3"),
    ("search", "Search results stale", "SEV3"),
    ("reports", "Reports export timing out", "SEV4"),
    ("web", "Web assets failing to load", "SEV2"),
    ("gateway", "Gateway returning 502s", "SEV1"),
];
/// Follow-ups a post-mortem asks for: (title, days until due, done by now sometimes).
const FOLLOW_UPS: [(&str, i64, bool); 10] = [
    ("Canary deployments for this service", 14, true),
    (
        "Alert on the error budget burn rate, not the raw 5xx rate",
        21,
        false,
    ),
    (
        "Add a readiness check that covers the database pool",
        10,
        true,
    ),
    ("Runbook: how to roll back a schema migration", 7, true),
    ("Load-test the new release at twice peak traffic", 28, false),
    ("Set client timeouts below the gateway's 30s", 10, true),
    ("Page the owning team, not the platform rotation", 5, true),
    (
        "Feature-flag the new code path so it can be turned off without a deploy",
        21,
        false,
    ),
    (
        "Dashboard panel for upstream latency per dependency",
        14,
        false,
    ),
    (
        "Circuit breaker around the payment provider's API",
        30,
        false,
    ),
];
/// Why a deployment broke production: (cause, what went well, what went badly).
const DEPLOY_CAUSES: [(&str, &str, &str); 4] = [
    (
        "A release changed the connection pool size, and under the evening peak requests queued until they timed out.",
        "The alert fired within five minutes and the rollback took one command.",
        "The pool setting was not visible in the pull request; nothing in CI exercised peak load.",
    ),
    (
        "A migration added an index without `CONCURRENTLY` and locked a hot table for twelve minutes.",
        "The commander posted updates every fifteen minutes; customers knew what was happening.",
        "The migration review checklist had no step for lock time on large tables.",
    ),
    (
        "A new feature read a config key that only staging had, and production fell back to a default that disabled caching.",
        "Staging and production differences were found quickly from the deployment's diff in Firewatch.",
        "Config keys are not validated at start-up, so the release looked healthy until traffic came.",
    ),
    (
        "A dependency upgrade changed the HTTP client's default timeout from 30s to unlimited.",
        "The on-call engineer acknowledged within two minutes and had help in ten.",
        "Upgrades with changelogs over a page were merged without a second reviewer.",
    ),
];
/// Why something failed that nobody deployed.
const DEPENDENCY_CAUSES: [(&str, &str, &str); 3] = [
    (
        "The upstream identity provider answered slowly after its own maintenance.",
        "The status page was updated before the first customer ticket arrived.",
        "We had no timeout budget for the provider, so threads piled up behind it.",
    ),
    (
        "A certificate on an internal load balancer expired overnight.",
        "The TLS check caught it within a minute once it was added.",
        "Nothing watched the certificate's expiry date.",
    ),
    (
        "The message broker's disk filled, and producers blocked.",
        "Consumers recovered on their own once space was freed.",
        "The disk alert was a warning that nobody was paged for.",
    ),
];
/// Change announcements of the ordinary week: (summary, risk, rollback).
const CHANGES: [(&str, &str, &str); 5] = [
    (
        "Rotate {service}'s database credentials",
        "medium",
        "Restore the previous secret version",
    ),
    (
        "Move {service} to the new Kubernetes node pool",
        "medium",
        "Cordon the new pool; pods reschedule on the old one",
    ),
    (
        "Raise {service}'s rate limit from 100 to 300 requests per second",
        "low",
        "Set the limit back in the gateway config",
    ),
    (
        "Turn on HTTP/2 between the gateway and {service}",
        "medium",
        "Flip the gateway flag back to HTTP/1.1",
    ),
    (
        "Renew {service}'s TLS certificate ahead of expiry",
        "low",
        "Reinstall the current certificate from the vault",
    ),
];
/// Who leads an incident on each team's services./// Who leads an incident on each team's services.
const COMMANDERS: [(&str, &str); 3] = [("cloud", "andrew"), ("data", "rui"), ("web", "sam")];

/// Midnight UTC `DAYS` days before `now`.
pub fn start_of(now: Timestamp) -> Timestamp {
    let days_ago = now
        .checked_sub(SignedDuration::from_hours(24 * DAYS))
        .unwrap_or(now);
    Timestamp::from_second(days_ago.as_second() - days_ago.as_second().rem_euclid(86_400))
        .unwrap_or(days_ago)
}

pub struct Script {
    store: Store,
    clock: crate::clock::ManualClock,
    http: reqwest::Client,
    url: String,
    token: String,
    rng: fastrand::Rng,
    deliveries: u64,
    /// Each repository's main branch head and the next pull request number.
    heads: HashMap<String, String>,
    numbers: HashMap<String, u64>,
    /// The latest production deployment per service: (id, sha).
    deployed: HashMap<String, (String, String)>,
    /// Merges from this day on also send their CI run, for the pipelines board.
    pipelines_from: Option<Timestamp>,
    made: Made,
}

impl Script {
    pub fn new(
        store: Store,
        clock: crate::clock::ManualClock,
        url: String,
        token: String,
    ) -> anyhow::Result<Script> {
        Ok(Script {
            store,
            clock,
            http: crate::app::http_client()?,
            url,
            token,
            rng: fastrand::Rng::with_seed(SEED),
            deliveries: 0,
            heads: HashMap::new(),
            numbers: HashMap::new(),
            deployed: HashMap::new(),
            pipelines_from: None,
            made: Made::default(),
        })
    }

    fn sha(&mut self) -> String {
        (0..40)
            .map(|_| char::from_digit(self.rng.u32(0..16), 16).unwrap_or('0'))
            .collect()
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.rng.usize(0..items.len())]
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Moves the clock to `at` (never back) and lets the jobs due by then run.
    async fn at(&mut self, at: Timestamp) -> anyhow::Result<()> {
        if at > self.now() {
            self.clock.set(at);
        }
        self.settle().await
    }

    async fn settle(&self) -> anyhow::Result<()> {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let due = self.store.next_job_due().await?;
            if due.is_none_or(|due| due > self.now()) || std::time::Instant::now() > deadline {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn api(&self, method: reqwest::Method, path: &str, body: Value) -> anyhow::Result<Value> {
        let response = self
            .http
            .request(method.clone(), format!("{}/api/v1{path}", self.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{method} {path}: {status} {answer}");
        }
        Ok(answer)
    }

    async fn github(&mut self, event: &str, payload: &Value) -> anyhow::Result<()> {
        let body = payload.to_string();
        let mut mac = Hmac::<Sha256>::new_from_slice(GITHUB_SECRET.as_bytes())?;
        mac.update(body.as_bytes());
        let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        self.deliveries += 1;
        let response = self
            .http
            .post(format!("{}/hooks/github", self.url))
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", format!("demo-{}", self.deliveries))
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("GitHub {event}: {}", response.status());
        }
        Ok(())
    }

    async fn alert(
        &mut self,
        rule: &str,
        service: &str,
        severity: &str,
        firing: bool,
        summary: &str,
    ) -> anyhow::Result<()> {
        let now = self.now().to_string();
        let status = if firing { "firing" } else { "resolved" };
        let body = json!({
            "version": "4",
            "groupKey": format!("{{}}:{{alertname=\"{rule}\"}}"),
            "truncatedAlerts": 0,
            "status": status,
            "receiver": "firewatch",
            "groupLabels": {"alertname": rule},
            "commonLabels": {"alertname": rule, "service": service},
            "commonAnnotations": {"summary": summary},
            "externalURL": "http://alertmanager.acme.example:9093",
            "alerts": [{
                "status": status,
                "labels": {"alertname": rule, "service": service, "severity": severity,
                           "instance": format!("{service}-1")},
                "annotations": {"summary": summary},
                "startsAt": now,
                "endsAt": if firing { "0001-01-01T00:00:00Z".to_owned() } else { now.clone() },
                "generatorURL": "http://prometheus.acme.example:9090/graph",
                "fingerprint": format!("{:016x}", fingerprint(rule, service)),
            }]
        });
        let response = self
            .http
            .post(format!("{}/hooks/prometheus", self.url))
            .bearer_auth(ALERTMANAGER_TOKEN)
            .json(&body)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("Alertmanager: {}", response.status());
        }
        if firing {
            self.made.alerts += 1;
        }
        Ok(())
    }

    /// A stable GitHub user id per login (FNV-1a), so people differ by id as on GitHub.
    fn user_id(login: &str) -> u64 {
        login.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        }) % 100_000_000
    }

    fn repository(payload: &mut Value, repository: &str) {
        payload["repository"]["full_name"] = json!(repository);
        payload["repository"]["name"] = json!(repository.rsplit('/').next().unwrap_or(repository));
        payload["repository"]["html_url"] = json!(format!("https://github.com/{repository}"));
    }

    fn push_payload(
        repository: &str,
        branch: &str,
        before: &str,
        commits: &[(String, String, Timestamp, &str)],
    ) -> Value {
        let mut payload: Value = serde_json::from_str(PUSH).unwrap_or_default();
        Self::repository(&mut payload, repository);
        let commits: Vec<Value> = commits
            .iter()
            .map(|(sha, message, at, author)| {
                json!({
                    "id": sha, "tree_id": sha, "distinct": true, "message": message,
                    "timestamp": at.to_string(),
                    "url": format!("https://github.com/{repository}/commit/{sha}"),
                    "author": {"name": author, "email": format!("{author}@acme.example"), "username": author},
                    "committer": {"name": author, "email": format!("{author}@acme.example"), "username": author},
                    "added": [], "removed": [], "modified": ["src/lib.rs"]
                })
            })
            .collect();
        payload["ref"] = json!(format!("refs/heads/{branch}"));
        payload["before"] = json!(before);
        payload["after"] = commits.last().map_or(json!(before), |c| c["id"].clone());
        payload["created"] = json!(before.starts_with("0000"));
        payload["head_commit"] = commits.last().cloned().unwrap_or(Value::Null);
        payload["commits"] = json!(commits);
        payload
    }

    /// The main branch's CI after a merge: GitHub Actions' workflow run "CI" with its build
    /// and test jobs, as the workflow_job and workflow_run webhooks tell them.
    async fn ci_run(
        &mut self,
        repository: &str,
        sha: &str,
        number: u64,
        merged: Timestamp,
        (title, author): (String, String),
    ) -> anyhow::Result<()> {
        let run_id = 9_000_000 + number;
        let started = merged + SignedDuration::from_secs(40);
        let build_end = started + SignedDuration::from_secs(150 + (number % 5 * 20) as i64);
        let test_end = build_end + SignedDuration::from_secs(200 + (number % 7 * 30) as i64);
        self.at(test_end + SignedDuration::from_secs(5)).await?;
        for (index, (name, from, to, steps)) in [
            (
                "build",
                started,
                build_end,
                &["Set up job", "Check out", "Build", "Complete job"][..],
            ),
            (
                "test",
                build_end,
                test_end,
                &["Set up job", "Check out", "Test", "Complete job"][..],
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let mut job: Value = serde_json::from_str(WORKFLOW_JOB)?;
            Self::repository(&mut job, repository);
            job["repository"]["default_branch"] = json!("main");
            let at = |t: Timestamp| json!(t.to_string());
            job["workflow_job"] = json!({
                "id": run_id * 10 + index as u64, "run_id": run_id, "workflow_name": "CI",
                "head_branch": "main", "head_sha": sha, "name": name,
                "status": "completed", "conclusion": "success",
                "started_at": at(from), "completed_at": at(to),
                "html_url": format!("https://github.com/{repository}/actions/runs/{run_id}/job/{}", run_id * 10 + index as u64),
                "steps": steps.iter().enumerate().map(|(n, step)| json!({
                    "name": step, "status": "completed", "conclusion": "success", "number": n + 1,
                })).collect::<Vec<_>>(),
            });
            self.github("workflow_job", &job).await?;
        }
        let mut run: Value = serde_json::from_str(WORKFLOW_RUN)?;
        Self::repository(&mut run, repository);
        run["repository"]["default_branch"] = json!("main");
        let workflow = &mut run["workflow_run"];
        workflow["id"] = json!(run_id);
        workflow["name"] = json!("CI");
        workflow["head_branch"] = json!("main");
        workflow["head_sha"] = json!(sha);
        workflow["conclusion"] = json!("success");
        workflow["run_started_at"] = json!(started.to_string());
        workflow["updated_at"] = json!(test_end.to_string());
        workflow["html_url"] = json!(format!(
            "https://github.com/{repository}/actions/runs/{run_id}"
        ));
        workflow["head_commit"]["id"] = json!(sha);
        workflow["head_commit"]["message"] = json!(title);
        workflow["head_commit"]["author"]["name"] = json!(author);
        self.github("workflow_run", &run).await
    }

    /// One pull request from its branch's first commit to production.
    async fn ship(&mut self, service: &str, day_start: Timestamp) -> anyhow::Result<()> {
        let repository = format!("acme/{service}");
        let number = {
            let next = self.numbers.entry(repository.clone()).or_insert(100);
            *next += 1;
            *next
        };
        let author = self.pick(&DEVELOPERS);
        let reviewer = self.pick(&DEVELOPERS);
        let title = self.pick(&WORK).to_owned();
        let opened = day_start + SignedDuration::from_mins(self.rng.i64(8 * 60..15 * 60));
        let branch = format!("{author}/{}", number);
        // The branch's commits, the first up to a day before the pull request.
        let count = self.rng.usize(1..4);
        let mut at = opened - SignedDuration::from_mins(self.rng.i64(30..24 * 60));
        let mut commits = Vec::new();
        for index in 0..count {
            let message = if index == 0 {
                title.clone()
            } else {
                format!("Address review: {}", title.to_lowercase())
            };
            commits.push((self.sha(), message, at, author));
            at += SignedDuration::from_mins(self.rng.i64(10..90));
        }
        let head = commits.last().map(|c| c.0.clone()).unwrap_or_default();
        self.at(opened).await?;
        let push = Self::push_payload(
            &repository,
            &branch,
            "0000000000000000000000000000000000000000",
            &commits,
        );
        self.github("push", &push).await?;

        let mut pull: Value = serde_json::from_str(PULL_REQUEST_OPENED)?;
        Self::repository(&mut pull, &repository);
        pull["number"] = json!(number);
        let pr = &mut pull["pull_request"];
        pr["number"] = json!(number);
        pr["title"] = json!(title);
        pr["html_url"] = json!(format!("https://github.com/{repository}/pull/{number}"));
        pr["user"]["login"] = json!(author);
        pr["head"]["sha"] = json!(head);
        pr["head"]["ref"] = json!(branch);
        pr["base"]["ref"] = json!("main");
        pr["draft"] = json!(false);
        pull["sender"]["login"] = json!(author);
        self.github("pull_request", &pull).await?;

        // CI on the head: most pass; a failure is fixed by the next push.
        self.at(opened + SignedDuration::from_mins(12)).await?;
        let passed = self.rng.u32(0..100) < 85;
        let mut check: Value = serde_json::from_str(CHECK_RUN)?;
        Self::repository(&mut check, &repository);
        check["check_run"]["head_sha"] = json!(head);
        check["check_run"]["name"] = json!("test");
        check["check_run"]["conclusion"] = json!(if passed { "success" } else { "failure" });
        check["check_run"]["html_url"] = json!(format!(
            "https://github.com/{repository}/actions/runs/{number}"
        ));
        check["check_run"]["pull_requests"] = json!([{"number": number}]);
        self.github("check_run", &check).await?;
        if !passed {
            self.at(opened + SignedDuration::from_mins(50)).await?;
            check["check_run"]["conclusion"] = json!("success");
            self.github("check_run", &check).await?;
        }

        let reviewed = opened + SignedDuration::from_mins(self.rng.i64(60..300));
        self.at(reviewed).await?;
        let mut review: Value = serde_json::from_str(REVIEW)?;
        Self::repository(&mut review, &repository);
        review["review"]["state"] = json!("approved");
        review["review"]["user"]["login"] = json!(reviewer);
        // Each person their own GitHub id: the no-self-merge rule compares them.
        review["review"]["user"]["id"] = json!(Self::user_id(reviewer));
        review["pull_request"]["user"]["id"] = json!(Self::user_id(author));
        review["review"]["commit_id"] = json!(head);
        review["pull_request"]["number"] = json!(number);
        review["pull_request"]["title"] = json!(title);
        review["pull_request"]["user"]["login"] = json!(author);
        review["pull_request"]["head"]["sha"] = json!(head);
        review["sender"]["login"] = json!(reviewer);
        self.github("pull_request_review", &review).await?;

        // Squash-merged: main gets one new commit.
        let merged = reviewed + SignedDuration::from_mins(self.rng.i64(5..60));
        self.at(merged).await?;
        let squash = self.sha();
        pull["action"] = json!("closed");
        let mut closed: Value = serde_json::from_str(PULL_REQUEST_CLOSED)?;
        closed["pull_request"] = pull["pull_request"].clone();
        closed["repository"] = pull["repository"].clone();
        closed["number"] = json!(number);
        closed["pull_request"]["state"] = json!("closed");
        closed["pull_request"]["merged"] = json!(true);
        closed["pull_request"]["merge_commit_sha"] = json!(squash);
        closed["pull_request"]["merged_by"] = json!({"login": reviewer});
        closed["sender"]["login"] = json!(reviewer);
        self.github("pull_request", &closed).await?;
        let before = self
            .heads
            .get(&repository)
            .cloned()
            .unwrap_or_else(|| "0000000000000000000000000000000000000000".into());
        let main = Self::push_payload(
            &repository,
            "main",
            &before,
            &[(
                squash.clone(),
                format!("{title} (#{number})"),
                merged,
                reviewer,
            )],
        );
        self.github("push", &main).await?;
        if self.pipelines_from.is_some_and(|from| day_start >= from) {
            let commit = (format!("{title} (#{number})"), reviewer.to_owned());
            self.ci_run(&repository, &squash, number, merged, commit)
                .await?;
        }
        self.heads.insert(repository.clone(), squash.clone());
        self.made.pull_requests += 1;

        // Staging, then production.
        let version = format!("v1.{number}.0");
        for (environment, after) in [("staging", 15), ("production", 45)] {
            self.at(merged + SignedDuration::from_mins(after)).await?;
            let answer = self
                .api(
                    reqwest::Method::POST,
                    "/deployments",
                    json!({"service": service, "environment": environment, "version": version,
                           "commit": squash, "status": "success", "repository": repository,
                           "url": format!("https://github.com/{repository}/actions/runs/{number}")}),
                )
                .await?;
            if environment == "production" {
                let id = answer["id"].as_str().unwrap_or_default().to_owned();
                let previous = self
                    .deployed
                    .insert(service.to_owned(), (id, squash.clone()));
                self.made.deployments += 1;
                // Now and then it goes wrong: an incident, and a rollback.
                if self.rng.u32(0..100) < 7 {
                    if let Some((_, previous_sha)) = previous {
                        self.incident_after_deploy(service, &repository, &previous_sha)
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A deployment that broke production: the alert, the incident, the rollback.
    async fn incident_after_deploy(
        &mut self,
        service: &str,
        repository: &str,
        previous_sha: &str,
    ) -> anyhow::Result<()> {
        let (deployment, _) = self.deployed.get(service).cloned().unwrap_or_default();
        let started = self.now() + SignedDuration::from_mins(self.rng.i64(5..40));
        self.at(started).await?;
        self.alert(
            "HighErrorRate",
            service,
            "critical",
            true,
            &format!("{service}: 5xx above 2% for 5 minutes"),
        )
        .await?;
        let id = self.incident(service, Some(&deployment), started).await?;
        self.at(self.now() + SignedDuration::from_mins(12)).await?;
        let answer = self
            .api(
                reqwest::Method::POST,
                "/deployments",
                json!({"service": service, "environment": "production", "version": "rollback",
                       "commit": previous_sha, "status": "success", "kind": "rollback",
                       "repository": repository}),
            )
            .await?;
        self.made.rollbacks += 1;
        self.made.deployments += 1;
        self.deployed.insert(
            service.to_owned(),
            (
                answer["id"].as_str().unwrap_or_default().to_owned(),
                previous_sha.to_owned(),
            ),
        );
        self.alert("HighErrorRate", service, "critical", false, "recovered")
            .await?;
        self.close_incident(&id, true).await
    }

    /// Declares an incident on `service` that began at `began`; returns its id.
    async fn incident(
        &mut self,
        service: &str,
        cause: Option<&str>,
        began: Timestamp,
    ) -> anyhow::Result<String> {
        let (_, title, severity) = INCIDENTS
            .iter()
            .find(|(name, _, _)| *name == service)
            .copied()
            .unwrap_or(("", "Errors above the SLO", "SEV3"));
        let incident = self
            .api(
                reqwest::Method::POST,
                "/incidents",
                json!({"title": title, "severity": severity, "services": [service],
                       "summary": format!("{title}: {service} is failing for some customers."),
                       "customer_impact": "Some requests failed; retries mostly succeeded."}),
            )
            .await?;
        let id = incident["id"].as_str().unwrap_or_default().to_owned();
        self.made.incidents += 1;
        let mut patch = json!({"times": {"impact_started": (began - SignedDuration::from_mins(3)).to_string()}});
        if let Some(cause) = cause {
            patch["causing_deployment"] = json!(cause);
        }
        self.api(reqwest::Method::PATCH, &format!("/incidents/{id}"), patch)
            .await?;
        let acknowledged = self.now() + SignedDuration::from_mins(self.rng.i64(2..9));
        self.at(acknowledged).await?;
        self.api(
            reqwest::Method::POST,
            &format!("/incidents/{id}/acknowledge"),
            json!({}),
        )
        .await?;
        let team = match service {
            "api" | "auth" | "billing" => "cloud",
            "ingest" | "search" | "reports" => "data",
            _ => "web",
        };
        let commander = COMMANDERS
            .iter()
            .find(|(name, _)| *name == team)
            .map_or("andrew", |(_, person)| person);
        self.api(
            reqwest::Method::PUT,
            &format!("/incidents/{id}/roles/commander"),
            json!({"person": commander}),
        )
        .await?;
        self.at(self.now() + SignedDuration::from_mins(6)).await?;
        self.api(
            reqwest::Method::POST,
            &format!("/incidents/{id}/updates"),
            json!({"status": "identified", "public": true,
                   "message": format!("We know why {service} is failing and are fixing it.")}),
        )
        .await?;
        Ok(id)
    }

    /// Mitigated, resolved, and two days later a post-mortem with action items.
    async fn close_incident(&mut self, id: &str, rolled_back: bool) -> anyhow::Result<()> {
        let mitigated = self.now() + SignedDuration::from_mins(self.rng.i64(10..50));
        self.at(mitigated).await?;
        self.api(
            reqwest::Method::POST,
            &format!("/incidents/{id}/updates"),
            json!({"status": "monitoring", "public": true,
                   "message": "A fix is out; we are watching error rates."}),
        )
        .await?;
        self.at(self.now() + SignedDuration::from_mins(30)).await?;
        self.api(
            reqwest::Method::POST,
            &format!("/incidents/{id}/updates"),
            // A resolved update resolves the incident.
            json!({"status": "resolved", "public": true, "message": "Resolved: error rates are back to normal."}),
        )
        .await?;
        if self.rng.u32(0..100) < 80 {
            let (cause, went_well, went_badly) = if rolled_back {
                let (cause, well, badly) = DEPLOY_CAUSES[self.rng.usize(0..DEPLOY_CAUSES.len())];
                (cause, well, badly)
            } else {
                let (cause, well, badly) =
                    DEPENDENCY_CAUSES[self.rng.usize(0..DEPENDENCY_CAUSES.len())];
                (cause, well, badly)
            };
            let markdown = format!(
                "# Post-mortem\n\n## Summary\n\n{cause} The error rate stayed up until the change was {}.\n\n\
                 ## Impact\n\nSome requests failed for about an hour; retries hid most of it from customers.\n\n\
                 ## What went well\n\n- {went_well}\n\n## What went badly\n\n- {went_badly}\n",
                if rolled_back {
                    "rolled back"
                } else {
                    "mitigated"
                }
            );
            self.api(
                reqwest::Method::PUT,
                &format!("/incidents/{id}/postmortem"),
                json!({"markdown": markdown}),
            )
            .await?;
            let picked = self.rng.usize(0..FOLLOW_UPS.len());
            let second = (picked + 1 + self.rng.usize(0..FOLLOW_UPS.len() - 1)) % FOLLOW_UPS.len();
            let owners = [self.pick(&DEVELOPERS), self.pick(&DEVELOPERS)];
            for (index, (title, days, done)) in [FOLLOW_UPS[picked], FOLLOW_UPS[second]]
                .into_iter()
                .enumerate()
            {
                let owner = owners[index];
                let due = (self.now() + SignedDuration::from_hours(24 * days))
                    .strftime("%Y-%m-%d")
                    .to_string();
                let item = self
                    .api(
                        reqwest::Method::POST,
                        &format!("/incidents/{id}/action_items"),
                        json!({"title": title, "owner": owner, "due": due, "kind": "prevent"}),
                    )
                    .await?;
                if done && self.rng.bool() {
                    let item_id = item["id"].as_str().unwrap_or_default().to_owned();
                    self.api(
                        reqwest::Method::PATCH,
                        &format!("/action_items/{item_id}"),
                        json!({"status": "completed"}),
                    )
                    .await?;
                }
            }
            self.api(
                reqwest::Method::POST,
                &format!("/incidents/{id}/postmortem/review"),
                json!({}),
            )
            .await?;
            if self.rng.u32(0..100) < 75 {
                self.api(
                    reqwest::Method::POST,
                    &format!("/incidents/{id}/postmortem/publish"),
                    json!({}),
                )
                .await?;
                self.made.postmortems += 1;
            }
        }
        Ok(())
    }

    pub async fn run(mut self, now: Timestamp) -> anyhow::Result<Made> {
        let start = self.now();
        self.pipelines_from = Some(start + SignedDuration::from_hours(24 * (DAYS - 10)));
        for day in 0..DAYS {
            let day_start = start + SignedDuration::from_hours(24 * day);
            let weekday = day_start.to_zoned(jiff::tz::TimeZone::UTC).weekday();
            let weekend = matches!(
                weekday,
                jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
            );
            // The noisy rule: the ingest disks fill every night and clear by themselves.
            self.at(day_start + SignedDuration::from_hours(3)).await?;
            self.alert(
                "DiskSpaceLow",
                "ingest",
                "warning",
                true,
                "ingest-1: disk 91% full",
            )
            .await?;
            self.at(day_start + SignedDuration::from_hours(3) + SignedDuration::from_mins(7))
                .await?;
            self.alert(
                "DiskSpaceLow",
                "ingest",
                "warning",
                false,
                "ingest-1: disk 78% full",
            )
            .await?;
            if !weekend {
                for service in SERVICES {
                    if self.rng.u32(0..100) < 40 {
                        self.ship(service, day_start)
                            .await
                            .with_context(|| format!("day {day}, {service}"))?;
                    }
                }
                // A change announcement most Tuesdays.
                if weekday == jiff::civil::Weekday::Tuesday {
                    self.at(day_start + SignedDuration::from_hours(16)).await?;
                    let service = self.pick(&SERVICES);
                    let (summary, risk, rollback) = CHANGES[self.rng.usize(0..CHANGES.len())];
                    self.api(
                        reqwest::Method::POST,
                        "/changes",
                        json!({"summary": summary.replace("{service}", service),
                               "service": service, "environment": "production", "risk": risk,
                               "rollback": rollback, "needs_approval": false}),
                    )
                    .await?;
                    self.made.changes += 1;
                }
            }
            // Now and then an incident nobody deployed: a dependency fails at night.
            if day % 11 == 5 {
                let service = self.pick(&SERVICES);
                let began = self.now() + SignedDuration::from_mins(self.rng.i64(10..120));
                self.at(began).await?;
                self.alert(
                    "UpstreamTimeouts",
                    service,
                    "critical",
                    true,
                    &format!("{service}: upstream timeouts"),
                )
                .await?;
                let id = self.incident(service, None, began).await?;
                self.alert("UpstreamTimeouts", service, "critical", false, "recovered")
                    .await?;
                self.close_incident(&id, false).await?;
            }
        }
        self.live(now).await?;
        self.at(now).await?;
        Ok(self.made)
    }

    /// The last hour leaves something to respond to, so every page and button can be tried:
    /// an incident in progress with its alert attached, a critical alert paging someone now,
    /// a change waiting for a second person's approval, and a silence running.
    async fn live(&mut self, now: Timestamp) -> anyhow::Result<()> {
        let began = now - SignedDuration::from_mins(50);
        self.at(began).await?;
        self.alert(
            "SearchLatencyHigh",
            "search",
            "critical",
            true,
            "search: p99 above 2s for 10 minutes",
        )
        .await?;
        let id = self.incident("search", None, began).await?;
        let firing = self
            .api(
                reqwest::Method::GET,
                "/alerts?state=firing&service=search",
                json!(null),
            )
            .await?;
        let alerts: Vec<Value> = firing["items"]
            .as_array()
            .map(|items| items.iter().map(|alert| alert["id"].clone()).collect())
            .unwrap_or_default();
        if !alerts.is_empty() {
            self.api(
                reqwest::Method::POST,
                &format!("/incidents/{id}/alerts"),
                json!({ "alerts": alerts }),
            )
            .await?;
        }
        self.api(
            reqwest::Method::POST,
            &format!("/incidents/{id}/notes"),
            json!({"text": "The index rebuild started at the top of the hour is still running; queries wait on it.", "starred": true}),
        )
        .await?;

        self.at(now - SignedDuration::from_mins(20)).await?;
        self.api(
            reqwest::Method::POST,
            "/silences",
            json!({"matchers": "alertname=\"DiskSpaceLow\", service=\"ingest\"", "duration": "6h",
                   "comment": "ingest-1 disk replaced tonight; the cleanup job is off until then"}),
        )
        .await?;
        self.api(
            reqwest::Method::POST,
            "/changes",
            json!({"summary": "Upgrade billing's PostgreSQL from 15 to 16", "service": "billing",
                   "environment": "production", "risk": "high",
                   "rollback": "Fail over to the 15 replica kept in sync until Friday",
                   "needs_approval": true}),
        )
        .await?;
        self.made.changes += 1;

        self.at(now - SignedDuration::from_mins(4)).await?;
        self.alert(
            "HighErrorRate",
            "billing",
            "critical",
            true,
            "billing: 5xx above 2% for 5 minutes",
        )
        .await?;
        Ok(())
    }
}

/// A stable fingerprint per rule and service, as Alertmanager's is per label set.
fn fingerprint(rule: &str, service: &str) -> u64 {
    // FNV-1a: stable across Rust versions, unlike the standard hasher's seed.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in rule.bytes().chain([0]).chain(service.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
