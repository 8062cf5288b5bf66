//! Deployments and DORA end to end: a seed recorded from the CLI, a squash-merged pull request
//! pushed and deployed through GitHub's own webhooks, a rollback recorded on the API, an
//! incident naming a deployment; then the five keys on the API (JSON and CSV) and the CLI,
//! with the lead time counted from the pull request's first commit. And GitLab's deployment
//! event, the bad requests, and idempotent retries.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::github::{deliver, fixture};
use crate::support::{TestApp, backends};

pub const SECRET: &str = "It's a Secret to Everybody";

pub const CONFIG: &str = r#"
[[integrations]]
name = "github"
kind = "github"
secret = "It's a Secret to Everybody"

[[integrations]]
name = "gitlab"
kind = "gitlab"
token = "gl-token"

[[teams]]
id = "cloud"

[[services]]
id = "api"
team = "cloud"
repos = ["acme/api"]

[[services]]
id = "deploy-hooks"
repos = ["root/test-deployment-webhooks"]
production_environments = ["staging"]
"#;

/// The first commit of the pull request's own branch, then its head, then the squash commit
/// that landed on main.
const FIRST: &str = "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1";
const HEAD: &str = "9f4c2e1d0b7a6c5e4d3c2b1a09f8e7d6c5b4a392";
const SQUASH: &str = "77aa88bb99cc00dd11ee22ff33aa44bb55cc66dd";
/// What main held before: the seed deployment's commit.
pub const BEFORE: &str = "1b2c3d4e5f60718293a4b5c6d7e8f90112233445";

pub fn commit(sha: &str, message: &str, at: &str) -> Value {
    json!({
        "id": sha, "tree_id": "0000000000000000000000000000000000000000", "distinct": true,
        "message": message, "timestamp": at,
        "url": format!("https://github.com/acme/api/commit/{sha}"),
        "author": {"name": "Gyeongjun", "email": "gyeongjun@example.com", "username": "gyeongjun"},
        "committer": {"name": "GitHub", "email": "noreply@github.com", "username": "web-flow"},
        "added": [], "removed": [], "modified": ["src/pool.rs"]
    })
}

/// GitHub's push event for `reference`, from the stored payload with its commits replaced.
pub fn push(reference: &str, before: &str, created: bool, commits: Vec<Value>) -> String {
    let mut payload: Value = serde_json::from_str(&fixture("push.branch")).unwrap();
    let after = commits.last().unwrap()["id"].clone();
    payload["ref"] = json!(reference);
    payload["before"] = json!(before);
    payload["after"] = after.clone();
    payload["created"] = json!(created);
    payload["head_commit"] = commits.last().unwrap().clone();
    payload["commits"] = json!(commits);
    payload.to_string()
}

pub async fn wait_for_deployments(app: &TestApp, token: &str, count: usize) -> Vec<Value> {
    for _ in 0..100 {
        let (status, page) = app
            .api(Method::GET, "/api/v1/deployments?limit=100", Some(token))
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap().clone();
        if items.len() >= count {
            return items;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{count} deployments were never projected");
}

/// Pull request #42: its branch pushed with two commits (the first at 20:00 the day before),
/// squash-merged, and main pushed with the squash commit; deliveries `PREFIX-1` to `-3`.
async fn merge_pull_request_42(app: &TestApp, prefix: &str) {
    let branch = push(
        "refs/heads/fix/token-refresh",
        "0000000000000000000000000000000000000000",
        true,
        vec![
            commit(FIRST, "Cap the pool", "2026-11-21T20:00:00Z"),
            commit(HEAD, "Test the cap", "2026-11-21T22:00:00+00:00"),
        ],
    );
    let merged = fixture("pull_request.closed.merged");
    let main = push(
        "refs/heads/main",
        BEFORE,
        false,
        vec![commit(
            SQUASH,
            "Cap the pool (#42)",
            "2026-11-22T10:00:00+09:00",
        )],
    );
    for (n, (event, body)) in [
        ("push", &branch),
        ("pull_request", &merged),
        ("push", &main),
    ]
    .into_iter()
    .enumerate()
    {
        let delivery = format!("{prefix}-{}", n + 1);
        let (status, answer) = deliver(app, event, body, &delivery, SECRET).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{event}: {answer}");
    }
}

pub async fn record(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, answer) = app
        .api_json(Method::POST, "/api/v1/deployments", token, &body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer
}

#[tokio::test]
async fn dora_counts_a_squash_merge_from_its_first_commit_and_a_rollback_as_a_failure() {
    for backend in backends() {
        let app = TestApp::spawn_at(backend, CONFIG, "2026-11-22T02:00:00Z".parse().unwrap()).await;
        let pipeline = app
            .token(&[
                firewatch::core::scope::Scope::DeploymentsWrite,
                firewatch::core::scope::Scope::MetricsRead,
            ])
            .await;

        // The first deployment, from a pipeline's CLI: nothing before it, so a seed.
        let recorded = crate::cli::client(
            &[
                "deploy",
                "record",
                "--service",
                "api",
                "--env",
                "production",
                "--version",
                "v1.4.1",
                "--commit",
                BEFORE,
                "--finished-at",
                "2026-11-21T12:00:00Z",
            ],
            &app.url,
            &pipeline,
        )
        .await;
        assert!(
            recorded.status.success(),
            "{}",
            String::from_utf8_lossy(&recorded.stderr)
        );
        let said = String::from_utf8_lossy(&recorded.stdout).into_owned();
        assert!(
            said.contains("recorded: api v1.4.1 to production (success, planned)"),
            "{said}"
        );
        let seed_id = said.split_whitespace().next().unwrap().to_owned();

        // The pull request's branch: two commits, the first five hours before the deployment;
        // squash-merged, main gets one new commit, made at merge time.
        merge_pull_request_42(&app, "d").await;
        // GitHub reports the deployment of the squash commit to production at 01:05.
        let (status, _) = deliver(
            &app,
            "deployment_status",
            &fixture("deployment_status.success"),
            "d-4",
            SECRET,
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);

        let deployed = wait_for_deployments(&app, &pipeline, 2).await;
        let squash = &deployed[0];
        assert_eq!(squash["service"], "api", "{squash}");
        assert_eq!(squash["source"], "github");
        assert_eq!(squash["changes"], "known");
        assert_eq!(squash["finished_at"], "2026-11-22T01:05:00Z");
        assert_eq!(deployed[1]["changes"], "seed");
        let (_, detail) = app
            .api(
                Method::GET,
                &format!("/api/v1/deployments/{}", squash["id"].as_str().unwrap()),
                Some(&pipeline),
            )
            .await;
        assert_eq!(
            detail["shipped"],
            json!([{"sha": SQUASH, "first_commit_at": "2026-11-21T20:00:00Z",
                    "title": "Cap the pool (#42)", "author": "gyeongjun", "repository": "acme/api"}]),
            "{detail}"
        );

        // Thirty minutes later it is rolled back; a staging deployment does not count.
        record(
            &app,
            &pipeline,
            json!({"service": "api", "environment": "production", "version": "v1.4.1",
                   "commit": BEFORE, "status": "success", "kind": "rollback",
                   "finished_at": "2026-11-22T01:35:00Z"}),
        )
        .await;
        record(
            &app,
            &pipeline,
            json!({"service": "api", "environment": "staging", "version": "v1.4.3",
                   "commit": SQUASH, "status": "success", "finished_at": "2026-11-22T01:40:00Z"}),
        )
        .await;
        // An incident names the seed as its cause, and is not yet mitigated.
        let (status, incident) = app
            .api_json(
                Method::POST,
                "/api/v1/incidents",
                &app.admin_token,
                &json!({"title": "Token refresh loops", "severity": "SEV3", "services": ["api"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        let (status, patched) = app
            .api_json(
                Method::PATCH,
                &format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap()),
                &app.admin_token,
                &json!({"causing_deployment": seed_id}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{patched}");
        // A cause typed as free text, with the separators the query packs rows with, names
        // no deployment: it is refused, and the incident keeps the cause it had.
        let (status, refused) = app
            .api_json(
                Method::PATCH,
                &format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap()),
                &app.admin_token,
                &json!({"causing_deployment": "v1.4; or the |proxy| change"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["code"], "unknown_deployment");
        wait_for_deployments(&app, &pipeline, 4).await;

        let window = "from=2026-11-21T00:00:00Z&to=2026-11-23T00:00:00Z";
        let (status, dora) = app
            .api(
                Method::GET,
                &format!("/api/v1/metrics/dora?service=api&{window}"),
                Some(&pipeline),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{dora}");
        assert_eq!(dora["environments"], json!(["prod", "production"]));
        // Three production deployments in two days.
        assert_eq!(dora["deployment_frequency"]["deployments"], 3, "{dora}");
        assert_eq!(dora["deployment_frequency"]["per_week"], 10.5);
        assert_eq!(dora["deployment_frequency"]["class"], "on_demand");
        // 20:00 → 01:05: from the branch's first commit, not the squash commit's 01:00.
        assert_eq!(dora["lead_time"]["median_seconds"], 5 * 3600 + 300);
        assert_eq!(dora["lead_time"]["changes"], 1);
        assert_eq!(dora["lead_time"]["seeds"], 1);
        // The rollback went back to the seed's commit, which production had: it ships nothing
        // (issue 29; it was "unknown", as a commit no push lists).
        assert_eq!(dora["lead_time"]["unknown"], 0);
        assert!(dora["lead_time"]["na_reason"].is_null());
        // The seed (named by the incident) and the squash deployment (rolled back).
        assert_eq!(dora["change_failure_rate"]["count"], 2, "{dora}");
        assert_eq!(dora["change_failure_rate"]["of"], 3);
        let failed: Vec<(&str, &str)> = dora["failed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["deployment"].as_str().unwrap(), f["by"].as_str().unwrap()))
            .collect();
        assert_eq!(
            failed,
            [
                (seed_id.as_str(), "incident"),
                (squash["id"].as_str().unwrap(), "followup")
            ]
        );
        assert_eq!(dora["recovery_time"]["median_seconds"], 1800);
        assert_eq!(dora["recovery_time"]["not_recovered"], 1);
        assert_eq!(dora["rework_rate"]["count"], 1);
        assert_eq!(dora["bands"]["table"], "2024");
        assert_eq!(dora["bands"]["lead_time"], "elite");
        assert_eq!(dora["bands"]["recovery_time"], "elite");
        assert!(
            dora["lead_time"]["method"]
                .as_str()
                .unwrap()
                .contains("squash")
        );

        // Staging alone, on request; an empty window says why it has nothing.
        let (_, staging) = app
            .api(
                Method::GET,
                &format!("/api/v1/metrics/dora?service=api&environment=staging&{window}"),
                Some(&pipeline),
            )
            .await;
        assert_eq!(staging["deployment_frequency"]["deployments"], 1);
        let (_, empty) = app
            .api(
                Method::GET,
                "/api/v1/metrics/dora?service=api&from=2026-10-01T00:00:00Z&to=2026-10-08T00:00:00Z",
                Some(&pipeline),
            )
            .await;
        assert_eq!(
            empty["lead_time"]["na_reason"],
            "no production deployments in the window"
        );
        assert!(empty["lead_time"]["median_seconds"].is_null());

        // CSV, one row per figure.
        let csv = app
            .http
            .get(format!(
                "{}/api/v1/metrics/dora?service=api&{window}&format=csv",
                app.url
            ))
            .bearer_auth(&pipeline)
            .send()
            .await
            .unwrap();
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let csv = csv.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "metric,value,unit,band,method,na_reason,quick_check"
        );
        // 5h 5m is less than a day: the Quick Check's answer 5 of 6, scored 8.
        assert!(lines[2].ends_with(",8.0"), "{csv}");
        assert!(
            lines[2].starts_with("lead_time,18300,seconds,elite,"),
            "{csv}"
        );
        assert!(
            lines[3].starts_with("change_failure_rate,0.6667,ratio,"),
            "{csv}"
        );
        assert_eq!(lines.len(), 6);

        // The CLI's table.
        let table = crate::cli::client(
            &["metrics", "dora", "--service", "api", "--days", "30"],
            &app.url,
            &pipeline,
        )
        .await;
        let table = String::from_utf8_lossy(&table.stdout).into_owned();
        assert!(table.contains("Change lead time"), "{table}");
        assert!(table.contains("5h 5m"), "{table}");
        assert!(table.contains("66.7%"), "{table}");
        app.stop().await;
    }
}

#[tokio::test]
async fn gitlab_deployments_and_bad_requests() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let writer = app
            .token(&[firewatch::core::scope::Scope::DeploymentsWrite])
            .await;
        let reader = app
            .token(&[firewatch::core::scope::Scope::MetricsRead])
            .await;

        // GitLab's own deployment event: the project is the service's repository, and the
        // commit is named in full only in its link.
        let body = std::fs::read_to_string(format!(
            "{}/tests/fixtures/gitlab/published/deployment.success.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let (status, answer) = app
            .post_hook(
                "gitlab",
                &body,
                &[
                    ("x-gitlab-event", "Deployment Hook"),
                    ("x-gitlab-token", "gl-token"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        let deployed = wait_for_deployments(&app, &reader, 1).await;
        assert_eq!(deployed[0]["service"], "deploy-hooks", "{}", deployed[0]);
        assert_eq!(deployed[0]["environment"], "staging");
        assert_eq!(
            deployed[0]["sha"],
            "279484c09fbe69ededfced8c1bb6e6d24616b468"
        );
        assert_eq!(deployed[0]["finished_at"], "2021-04-28T19:50:00Z");
        assert_eq!(deployed[0]["changes"], "seed");

        // Bad input: 400 with a sentence, nothing stored.
        for (body, says) in [
            (
                json!({"service": "api", "environment": "production", "version": "1", "status": "done"}),
                "status \"done\"",
            ),
            (
                json!({"service": "api", "environment": "production", "version": "1", "status": "success", "kind": "yolo"}),
                "kind \"yolo\"",
            ),
            (
                json!({"service": "api", "environment": "production", "version": "1", "status": "success", "commit": "not-a-sha"}),
                "not a commit sha",
            ),
            (
                json!({"service": "a pi", "environment": "production", "version": "1", "status": "success"}),
                "may hold only",
            ),
            (
                json!({"service": "api", "environment": "production", "version": "1", "status": "success", "commit": "abcd", "commits": ["abcd"]}),
                "either commit or commits",
            ),
            (
                json!({"service": "api", "environment": "production", "version": "1", "status": "success", "started_at": "2026-11-02T02:00:00Z", "finished_at": "2026-11-02T01:00:00Z"}),
                "started_at is after",
            ),
        ] {
            let (status, answer) = app
                .api_json(Method::POST, "/api/v1/deployments", &writer, &body)
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
            assert_eq!(answer["error"]["code"], "invalid_parameter");
            assert!(
                answer["error"]["message"].as_str().unwrap().contains(says),
                "{answer}"
            );
        }
        let (status, answer) = app
            .post_json(
                "/api/v1/deployments",
                "{\"service\": ",
                &[("authorization", &format!("Bearer {writer}"))],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["error"]["code"], "invalid_json");
        // Reading needs metrics:read, recording deployments:write.
        let (status, _) = app
            .api(Method::GET, "/api/v1/metrics/dora", Some(&writer))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .api_json(Method::POST, "/api/v1/deployments", &reader, &json!({}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, answer) = app
            .api(
                Method::GET,
                "/api/v1/metrics/dora?team=nobody",
                Some(&reader),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");

        // A retried request with the same Idempotency-Key is the same deployment.
        let body = json!({"service": "api", "environment": "production", "version": "v2",
                          "commit": "abcdef1", "status": "success"})
        .to_string();
        let headers = [
            ("authorization", format!("Bearer {writer}")),
            ("idempotency-key", "run-77".to_owned()),
        ];
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let (first_status, first) = app.post_json("/api/v1/deployments", &body, &headers).await;
        let (_, again) = app.post_json("/api/v1/deployments", &body, &headers).await;
        assert_eq!(first_status, StatusCode::CREATED, "{first}");
        assert_eq!(again["id"], first["id"]);
        assert_eq!(again["duplicate"], true);
        let deployed = wait_for_deployments(&app, &reader, 2).await;
        assert_eq!(deployed.len(), 2);
        app.stop().await;
    }
}

const OPS_CONFIG: &str = r#"
[[people]]
id = "mina"
name = "Mina"
timezone = "UTC"

[[teams]]
id = "cloud"
members = ["mina"]
page_budget_per_week = 2

[[services]]
id = "api"
team = "cloud"

[[services]]
id = "search"
"#;

#[tokio::test]
async fn ops_metrics_count_acknowledgement_resolution_post_mortems_and_action_items() {
    for backend in backends() {
        let app =
            TestApp::spawn_at(backend, OPS_CONFIG, "2026-11-02T09:00:00Z".parse().unwrap()).await;
        let reader = app
            .token(&[firewatch::core::scope::Scope::MetricsRead])
            .await;
        let declare = |title: &'static str, severity: &'static str, service: &'static str| {
            let app = &app;
            async move {
                let (status, incident) = app
                    .api_json(
                        Method::POST,
                        "/api/v1/incidents",
                        &app.admin_token,
                        &json!({"title": title, "severity": severity, "services": [service]}),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{incident}");
                incident["id"].as_str().unwrap().to_owned()
            }
        };
        let act = |id: String, verb: &'static str| {
            let app = &app;
            async move {
                let (status, answer) = app
                    .api_json(
                        Method::POST,
                        &format!("/api/v1/incidents/{id}/{verb}"),
                        &app.admin_token,
                        &json!({}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{verb}: {answer}");
            }
        };
        // Checkout: acknowledged after 4 minutes, resolved after an hour.
        let checkout = declare("Checkout fails", "SEV2", "api").await;
        app.advance(4 * 60);
        act(checkout.clone(), "acknowledge").await;
        app.advance(56 * 60);
        act(checkout.clone(), "resolve").await;
        // A week later, search: acknowledged after 10 minutes, resolved after three hours.
        app.advance(7 * 86_400);
        let search = declare("Search is slow", "SEV3", "search").await;
        app.advance(10 * 60);
        act(search.clone(), "acknowledge").await;
        app.advance(170 * 60);
        act(search.clone(), "resolve").await;
        // One action item, due the next day and still outstanding.
        let (status, item) = app
            .api_json(
                Method::POST,
                &format!("/api/v1/incidents/{checkout}/action_items"),
                &app.admin_token,
                &json!({"title": "Alert on pool saturation", "owner": "mina", "due": "2026-11-03", "kind": "prevent"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{item}");
        app.idle().await;

        let window = "from=2026-11-02T00:00:00Z&to=2026-11-16T00:00:00Z";
        let (status, ops) = app
            .api(
                Method::GET,
                &format!("/api/v1/metrics/ops?{window}"),
                Some(&reader),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{ops}");
        assert_eq!(ops["mtta"]["count"], 2, "{ops}");
        assert_eq!(ops["mtta"]["median_seconds"], 420);
        assert_eq!(ops["mtta"]["mean_seconds"], 420);
        assert_eq!(ops["mttr"]["median_seconds"], 7200);
        assert_eq!(ops["incidents"]["total"], 2);
        assert_eq!(ops["incidents"]["by_severity"]["SEV2"], 1);
        assert_eq!(ops["incidents"]["per_week"][1]["by_severity"]["SEV3"], 1);
        // Both resolved, neither post-mortem published yet (each has its draft).
        assert_eq!(ops["postmortems"]["required"], 2);
        assert_eq!(ops["postmortems"]["published"], 0);
        assert_eq!(ops["postmortems"]["completion"], 0.0);
        assert_eq!(ops["action_items"]["outstanding"], 1);
        assert_eq!(ops["action_items"]["overdue"], 1);

        // One team: only its service's incidents.
        let (_, cloud) = app
            .api(
                Method::GET,
                &format!("/api/v1/metrics/ops?team=cloud&{window}"),
                Some(&reader),
            )
            .await;
        assert_eq!(cloud["incidents"]["total"], 1, "{cloud}");
        assert_eq!(cloud["mttr"]["median_seconds"], 3600);
        let (_, empty) = app
            .api(
                Method::GET,
                "/api/v1/metrics/ops?from=2026-10-01T00:00:00Z&to=2026-10-08T00:00:00Z",
                Some(&reader),
            )
            .await;
        assert_eq!(
            empty["mtta"]["na_reason"],
            "no incidents started in the window"
        );

        // The CLI's table, and CSV.
        let output =
            crate::cli::client(&["metrics", "ops", "--days", "30"], &app.url, &reader).await;
        let table = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(table.contains("MTTA"), "{table}");
        assert!(table.contains("7m"), "{table}");
        assert!(table.contains("Action items overdue"), "{table}");
        let csv = crate::cli::client(
            &["metrics", "ops", "--days", "30", "--csv"],
            &app.url,
            &reader,
        )
        .await;
        let csv = String::from_utf8_lossy(&csv.stdout).into_owned();
        assert!(csv.starts_with("metric,value,unit,na_reason\n"), "{csv}");
        assert!(csv.contains("\nmtta_median,420,seconds,\n"), "{csv}");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_incident_suggests_its_likely_deployment_and_a_responder_confirms_or_rules_it_out() {
    for backend in backends() {
        let config = "[[services]]\nid = \"api\"\n";
        let app = TestApp::spawn_at(backend, config, "2026-11-02T09:00:00Z".parse().unwrap()).await;
        let writer = app
            .token(&[firewatch::core::scope::Scope::DeploymentsWrite])
            .await;
        let deploy = |environment: &'static str, version: &'static str, at: &'static str| {
            let (app, writer) = (&app, &writer);
            async move {
                record(
                    app,
                    writer,
                    json!({"service": "api", "environment": environment, "version": version,
                           "commit": "abcdef1", "status": "success", "finished_at": at}),
                )
                .await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        let earlier = deploy("production", "v40", "2026-11-02T07:00:00Z").await;
        let production = deploy("production", "v41", "2026-11-02T08:30:00Z").await;
        // Closer, but not production: never the suggestion.
        deploy("staging", "v42", "2026-11-02T08:50:00Z").await;
        let (_, incident) = app
            .api_json(
                Method::POST,
                "/api/v1/incidents",
                &app.admin_token,
                &json!({"title": "Errors after the release", "severity": "SEV2", "services": ["api"]}),
            )
            .await;
        let path = format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap());
        let likely = |detail: &Value| -> Vec<String> {
            detail["what_changed"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["likely"] == true)
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let (_, detail) = app.api(Method::GET, &path, Some(&app.admin_token)).await;
        assert_eq!(
            detail["what_changed"].as_array().unwrap().len(),
            3,
            "{detail}"
        );
        assert_eq!(likely(&detail), [production.as_str()], "{detail}");

        // On the page: the badge, and the two buttons.
        let mut browser =
            crate::web::signed_in(&app, "ana", firewatch::core::role::Role::Responder).await;
        let number = incident["number"].as_i64().unwrap();
        let page = browser.get(&format!("/incidents/{number}")).await;
        assert!(page.body.contains("likely cause"), "{}", page.body);
        assert!(page.body.contains("Confirm as cause"));
        // Ruled out from the page, the suggestion moves to the one before.
        let csrf = browser.csrf().await;
        let answer = browser
            .post(
                &format!("/incidents/{number}/rule-out"),
                &[("_csrf", &csrf), ("change", &production)],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        let (_, detail) = app.api(Method::GET, &path, Some(&app.admin_token)).await;
        assert_eq!(likely(&detail), [earlier.as_str()]);
        let (_, timeline) = app
            .api(
                Method::GET,
                &format!("{path}/timeline"),
                Some(&app.admin_token),
            )
            .await;
        let ruled = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["kind"] == "ruled_out")
            .expect("the timeline says who ruled it out")
            .clone();
        assert_eq!(ruled["link"], format!("#change-{production}"));
        assert!(
            ruled["text"]
                .as_str()
                .unwrap()
                .starts_with("Ruled out as the cause: ")
        );

        // Confirmed: it is the cause, and nothing is suggested any more.
        let answer = browser
            .post(
                &format!("/incidents/{number}/cause"),
                &[("_csrf", &csrf), ("change", &earlier)],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        let (_, detail) = app.api(Method::GET, &path, Some(&app.admin_token)).await;
        assert_eq!(detail["causing_deployment"], earlier.as_str());
        assert!(likely(&detail).is_empty());
        app.stop().await;
    }
}

const CI_CD: &str = r#"
[[integrations]]
name = "jenkins"
kind = "jenkins"
token = "jk-token"
[[integrations.deploys]]
match = "*/deploy-*"

[[integrations]]
name = "argocd"
kind = "argocd"
token = "argo-token"

[[integrations]]
name = "gitlab"
kind = "gitlab"
token = "gl-token"
deploys = [{ match = "deploy-prod", environment = "production", kind = "hotfix" }]

[[services]]
id = "api"
repos = ["acme/api"]
"#;

fn seed(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/fuzz/seeds/deploy_intake/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Jenkins' Notification plugin, Argo CD's notifications webhook and a GitLab pipeline's deploy
/// job each record a deployment, with the credentials and content types those senders use.
#[tokio::test]
async fn jenkins_argocd_and_gitlab_pipelines_record_deployments() {
    use base64::Engine as _;
    for backend in backends() {
        let app = TestApp::spawn(backend, CI_CD).await;
        let reader = app
            .token(&[firewatch::core::scope::Scope::MetricsRead])
            .await;
        // The plugin sends the endpoint URL's `jenkins:jk-token@` as basic auth.
        let basic = |secret: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("jenkins:{secret}"))
            )
        };
        let jenkins = |phase: &str| seed("jenkins.finalized.json").replace("\"FINALIZED\"", phase);
        let content_type = ("content-type", "application/json;charset=UTF-8");
        let good = basic("jk-token");
        let (status, answer) = app
            .post_hook(
                "jenkins",
                &jenkins("\"FINALIZED\""),
                &[content_type, ("authorization", &basic("wrong"))],
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        assert_eq!(answer["error"]["code"], "invalid_token");
        let mut duplicates = Vec::new();
        for phase in ["\"STARTED\"", "\"COMPLETED\"", "\"FINALIZED\""] {
            let (status, answer) = app
                .post_hook(
                    "jenkins",
                    &jenkins(phase),
                    &[content_type, ("authorization", &good)],
                )
                .await;
            assert_eq!(status, StatusCode::ACCEPTED, "{phase}: {answer}");
            duplicates.push(answer["duplicate"].as_bool().unwrap());
        }
        assert_eq!(
            duplicates,
            [false, false, true],
            "FINALIZED repeats COMPLETED"
        );
        let deployed = wait_for_deployments(&app, &reader, 1).await;
        assert_eq!(deployed.len(), 1, "{deployed:?}");
        let jenkins_deploy = &deployed[0];
        assert_eq!(jenkins_deploy["source"], "jenkins", "{jenkins_deploy}");
        assert_eq!(jenkins_deploy["service"], "api", "the repository's service");
        assert_eq!(jenkins_deploy["environment"], "production");
        assert_eq!(jenkins_deploy["version"], "2.14.0");
        assert_eq!(jenkins_deploy["status"], "success");
        assert_eq!(
            jenkins_deploy["url"],
            "https://ci.acme.example/job/api/job/deploy-production/57/"
        );
        assert_eq!(jenkins_deploy["started_at"], "2026-11-30T14:03:00.5Z");

        // Argo CD's sync of the next revision, sent as the documented template renders it.
        let argocd = seed("argocd.synced.json")
            .replace(
                "9fceb02d0ae598e95dc970b74767f19372d61af8",
                "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
            )
            .replace("2026-11-30T14:03:40Z", "2026-11-30T16:00:00Z")
            .replace("2026-11-30T14:03:01Z", "2026-11-30T15:59:00Z");
        let (status, answer) = app
            .post_hook("argocd", &argocd, &[("authorization", "Bearer argo-token")])
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        let deployed = wait_for_deployments(&app, &reader, 2).await;
        let argo_deploy = &deployed[0];
        assert_eq!(argo_deploy["source"], "argocd", "{argo_deploy}");
        assert_eq!(argo_deploy["service"], "api");
        assert_eq!(argo_deploy["environment"], "production");
        assert_eq!(
            argo_deploy["sha"],
            "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
        );
        assert_eq!(
            argo_deploy["url"],
            "https://argocd.acme.example/applications/api-production"
        );
        assert_eq!(
            argo_deploy["changes"], "unknown",
            "no stored push links the two revisions"
        );

        // GitLab's pipeline with a deploy job that has no `environment:`, matched by the rule.
        let mut pipeline: Value = serde_json::from_str(
            &std::fs::read_to_string(format!(
                "{}/tests/fixtures/gitlab/published/pipeline.success.json",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        )
        .unwrap();
        pipeline["builds"].as_array_mut().unwrap().push(json!({
            "id": 381, "stage": "deploy", "name": "deploy-prod", "status": "success",
            "created_at": "2016-08-12 15:23:28 UTC", "started_at": "2016-08-12 15:25:00 UTC",
            "finished_at": "2016-08-12 15:26:20 UTC", "duration": 80, "when": "on_success",
            "manual": false, "allow_failure": false, "environment": null,
            "user": {"id": 1, "name": "Administrator", "username": "root"}
        }));
        let (status, answer) = app
            .post_hook(
                "gitlab",
                &pipeline.to_string(),
                &[
                    ("x-gitlab-event", "Pipeline Hook"),
                    ("x-gitlab-token", "gl-token"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        let deployed = wait_for_deployments(&app, &reader, 3).await;
        let gitlab_deploy = deployed
            .iter()
            .find(|deployment| deployment["source"] == "gitlab")
            .unwrap();
        assert_eq!(gitlab_deploy["service"], "gitlab-test", "{gitlab_deploy}");
        assert_eq!(gitlab_deploy["environment"], "production");
        assert_eq!(gitlab_deploy["kind"], "hotfix");
        assert_eq!(
            gitlab_deploy["sha"],
            "bcbb5ec396a2c0f828686f14fac9b80b780504f2"
        );
        assert_eq!(gitlab_deploy["finished_at"], "2016-08-12T15:26:20Z");
        app.stop().await;
    }
}

/// A sample's value on `/metrics`, if the series is there.
async fn sample(app: &TestApp, series: &str) -> Option<f64> {
    let text = app
        .http
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().unwrap())
}

#[tokio::test]
async fn the_five_keys_and_team_figures_are_prometheus_gauges_recomputed_each_minute() {
    for backend in backends() {
        let app = TestApp::spawn_at(backend, CONFIG, "2026-11-22T02:00:00Z".parse().unwrap()).await;
        let token = app
            .token(&[
                firewatch::core::scope::Scope::DeploymentsWrite,
                firewatch::core::scope::Scope::MetricsRead,
            ])
            .await;
        let api = r#"{service="api",team="cloud"}"#;
        let deploy = |version: &str, kind: &str, at: &str| {
            json!({"service": "api", "environment": "production", "version": version,
                   "commit": BEFORE, "status": "success", "kind": kind, "finished_at": at})
        };
        record(
            &app,
            &token,
            deploy("v1", "planned", "2026-11-20T00:00:00Z"),
        )
        .await;
        wait_for_deployments(&app, &token, 1).await;
        let per_week = |count: f64| count / 30.0 * 7.0;
        let frequency = format!("firewatch_dora_deployments_per_week{api}");
        assert_eq!(sample(&app, &frequency).await, Some(per_week(1.0)));
        assert_eq!(
            sample(&app, &format!("firewatch_dora_lead_time_seconds{api}")).await,
            None,
            "a seed has no lead time: no sample, not a zero"
        );
        assert_eq!(
            sample(&app, &format!("firewatch_dora_rework_ratio{api}")).await,
            Some(0.0)
        );
        assert_eq!(
            sample(&app, r#"firewatch_ops_incidents{team="cloud"}"#).await,
            Some(0.0)
        );

        // A rollback: the next scrape within the minute answers with the values it has.
        record(
            &app,
            &token,
            deploy("v0", "rollback", "2026-11-21T00:00:00Z"),
        )
        .await;
        wait_for_deployments(&app, &token, 2).await;
        assert_eq!(sample(&app, &frequency).await, Some(per_week(1.0)));
        app.advance(61);
        assert_eq!(sample(&app, &frequency).await, Some(per_week(2.0)));
        assert_eq!(
            sample(&app, &format!("firewatch_dora_rework_ratio{api}")).await,
            Some(0.5)
        );
        assert_eq!(
            sample(&app, &format!("firewatch_dora_change_failure_ratio{api}")).await,
            Some(0.5),
            "the rolled-back deployment failed"
        );
        app.stop().await;
    }
}

/// Issue 29: a declined incident was counted as a change failure, and a deployment an incident
/// names was failed over one window but not over a longer one when the incident started more
/// than the attribution window after the shorter one's end.
#[tokio::test]
async fn a_declined_incident_fails_nothing_and_a_named_cause_counts_however_late() {
    for backend in backends() {
        let config = "[[services]]\nid = \"api\"\n\n[[services]]\nid = \"web\"\n";
        let app = TestApp::spawn_at(backend, config, "2026-11-02T09:00:00Z".parse().unwrap()).await;
        let writer = app
            .token(&[firewatch::core::scope::Scope::DeploymentsWrite])
            .await;
        let reader = app
            .token(&[firewatch::core::scope::Scope::MetricsRead])
            .await;
        let deploy = |service: &'static str, at: &'static str| {
            let (app, writer) = (&app, &writer);
            async move {
                record(
                    app,
                    writer,
                    json!({"service": service, "environment": "production", "version": at,
                           "commit": "abcdef1", "status": "success", "finished_at": at}),
                )
                .await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        let declare = |service: &'static str| {
            let app = &app;
            async move {
                let (status, incident) = app
                    .api_json(
                        Method::POST,
                        "/api/v1/incidents",
                        &app.admin_token,
                        &json!({"title": "Errors", "severity": "SEV2", "services": [service]}),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{incident}");
                format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap())
            }
        };
        let failures = |query: &'static str| {
            let (app, reader) = (&app, &reader);
            async move {
                let (status, dora) = app
                    .api(
                        Method::GET,
                        &format!("/api/v1/metrics/dora?{query}"),
                        Some(reader),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{dora}");
                (
                    dora["change_failure_rate"]["count"].as_i64().unwrap(),
                    dora["failed"].clone(),
                )
            }
        };

        // An incident on api half an hour after its deployment, then declined: no failure.
        deploy("api", "2026-11-02T08:30:00Z").await;
        wait_for_deployments(&app, &app.admin_token, 1).await;
        let declined = declare("api").await;
        let (status, moved) = app
            .api_json(
                Method::PATCH,
                &declined,
                &app.admin_token,
                &json!({"state": "declined"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        let window = "service=api&from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z";
        assert_eq!(failures(window).await, (0, json!([])));

        // web deployed on the 2nd; an incident found on the 10th names it.
        let named = deploy("web", "2026-11-02T08:00:00Z").await;
        wait_for_deployments(&app, &app.admin_token, 2).await;
        app.advance(8 * 24 * 3600);
        let late = declare("web").await;
        let (status, linked) = app
            .api_json(
                Method::PATCH,
                &late,
                &app.admin_token,
                &json!({"causing_deployment": named}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{linked}");
        // Failed over the day it shipped, as over the fortnight.
        for window in [
            "service=web&from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z",
            "service=web&from=2026-11-01T00:00:00Z&to=2026-11-15T00:00:00Z",
        ] {
            let (count, failed) = failures(window).await;
            assert_eq!(count, 1, "{window}: {failed}");
            assert_eq!(failed[0]["deployment"], named.as_str(), "{failed}");
            assert_eq!(failed[0]["by"], "incident", "{failed}");
        }
    }
}

/// Issue 29: `/metrics` was always OpenMetrics, so `promtool check metrics` failed on the
/// counters ("no help text": the classic format names a counter by its `_total` series) and
/// classic parsers split them. Prometheus' own `promtool` (Debian's `prometheus` package, which
/// `scripts/test` installs) checks what a plain scrape gets.
#[tokio::test]
async fn metrics_are_classic_text_that_promtool_passes_unless_openmetrics_is_asked_for() {
    for backend in backends() {
        let config = r#"
[[integrations]]
name = "ingest"
kind = "generic"
token = "t"

[[destinations]]
name = "nowhere"
kind = "webhook"
url = "http://127.0.0.1:9/hook"

[[routes]]
match = { integration = "ingest" }
to = ["nowhere"]

[[teams]]
id = "cloud"

[[services]]
id = "api"
team = "cloud"
"#;
        let app = TestApp::spawn(backend, config).await;
        let answer = app
            .http
            .post(format!("{}/hooks/ingest", app.url))
            .bearer_auth("t")
            .json(&json!({"type": "deploy"}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::ACCEPTED);
        // The delivery fails (nothing listens on port 9): a counter with a sample.
        for _ in 0..100 {
            if sample(
                &app,
                "firewatch_delivery_attempts_total{destination=\"nowhere\",outcome=\"retry\"}",
            )
            .await
            .is_some()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let scrape = |accept: Option<&'static str>| {
            let app = &app;
            async move {
                let mut request = app.http.get(format!("{}/metrics", app.url));
                if let Some(accept) = accept {
                    request = request.header("accept", accept);
                }
                let answer = request.send().await.unwrap();
                assert_eq!(answer.status(), StatusCode::OK);
                let kind = answer.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                (kind, answer.text().await.unwrap())
            }
        };
        let (kind, classic) = scrape(None).await;
        assert_eq!(kind, "text/plain; version=0.0.4; charset=utf-8");
        assert!(
            classic.contains("# TYPE firewatch_intake_requests_total counter\n"),
            "{classic}"
        );
        assert!(
            classic.contains(
                "firewatch_intake_requests_total{integration=\"ingest\",result=\"accepted\"} 1\n"
            ),
            "{classic}"
        );
        assert!(!classic.contains("# EOF"), "{classic}");
        let mut promtool = std::process::Command::new("promtool")
            .args(["check", "metrics"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("promtool (Debian's prometheus package; scripts/test installs it)");
        use std::io::Write as _;
        promtool
            .stdin
            .take()
            .unwrap()
            .write_all(classic.as_bytes())
            .unwrap();
        let checked = promtool.wait_with_output().unwrap();
        assert!(
            checked.status.success(),
            "promtool check metrics: {}{}\n{classic}",
            String::from_utf8_lossy(&checked.stdout),
            String::from_utf8_lossy(&checked.stderr)
        );
        // What Prometheus asks for.
        let (kind, open_metrics) = scrape(Some(
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
        ))
        .await;
        assert_eq!(
            kind,
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
        assert!(
            open_metrics.contains("# TYPE firewatch_intake_requests counter\n"),
            "{open_metrics}"
        );
        assert!(open_metrics.ends_with("# EOF\n"), "{open_metrics}");
    }
}

/// Issue 29: a rollback counted every commit back to the previous deployment's as shipped, so
/// it "shipped" weeks-old changes and the lead time jumped. Each change counts once, at its
/// first arrival in the environment; a commit production already had ships nothing. The week
/// the issue scripts: c0 deployed (the seed); c1 and c2 pushed at t0+4h and t0+16h and
/// deployed at t0+28h; c3 pushed at t0+3d and deployed at t0+4d; then a rollback to c2. The
/// lead times are c1 24 h, c2 12 h, c3 24 h: the median is 24 h.
#[tokio::test]
async fn a_rollback_ships_no_changes_and_each_change_counts_once() {
    const C0: &str = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
    const C1: &str = "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1";
    const C2: &str = "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2";
    const C3: &str = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3";
    for backend in backends() {
        let app = TestApp::spawn_at(backend, CONFIG, "2026-11-12T00:00:00Z".parse().unwrap()).await;
        let pipeline = app
            .token(&[
                firewatch::core::scope::Scope::DeploymentsWrite,
                firewatch::core::scope::Scope::MetricsRead,
            ])
            .await;
        let deploy = |sha: &'static str, kind: &'static str, at: &'static str| {
            let (app, pipeline) = (&app, &pipeline);
            async move {
                record(
                    app,
                    pipeline,
                    json!({"service": "api", "environment": "production", "version": sha,
                           "commit": sha, "status": "success", "kind": kind, "finished_at": at}),
                )
                .await;
            }
        };
        // t0 = 2026-11-02T00:00Z.
        deploy(C0, "planned", "2026-11-02T00:00:00Z").await;
        wait_for_deployments(&app, &pipeline, 1).await;
        let main = push(
            "refs/heads/main",
            C0,
            false,
            vec![
                commit(C1, "Retry the payment call", "2026-11-02T04:00:00Z"),
                commit(C2, "Log the retry", "2026-11-02T16:00:00Z"),
            ],
        );
        assert_eq!(
            deliver(&app, "push", &main, "r-1", SECRET).await.0,
            StatusCode::ACCEPTED
        );
        let main = push(
            "refs/heads/main",
            C2,
            false,
            vec![commit(C3, "Cache the prices", "2026-11-05T00:00:00Z")],
        );
        assert_eq!(
            deliver(&app, "push", &main, "r-2", SECRET).await.0,
            StatusCode::ACCEPTED
        );
        // Projected in the order stored: the pushes before the deployments that ship them.
        deploy(C2, "planned", "2026-11-03T04:00:00Z").await;
        wait_for_deployments(&app, &pipeline, 2).await;
        deploy(C3, "planned", "2026-11-06T00:00:00Z").await;
        wait_for_deployments(&app, &pipeline, 3).await;
        deploy(C2, "rollback", "2026-11-06T02:00:00Z").await;
        let deployed = wait_for_deployments(&app, &pipeline, 4).await;

        let shipped = |id: &str| {
            let (app, pipeline) = (&app, &pipeline);
            let path = format!("/api/v1/deployments/{id}");
            async move {
                let (_, detail) = app.api(Method::GET, &path, Some(pipeline)).await;
                detail["shipped"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|change| change["sha"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        // Newest first: the rollback ships nothing, c3's deployment c3 alone.
        assert_eq!(deployed[0]["kind"], "rollback", "{deployed:?}");
        assert_eq!(deployed[0]["changes"], "known", "{deployed:?}");
        assert!(
            shipped(deployed[0]["id"].as_str().unwrap())
                .await
                .is_empty()
        );
        assert_eq!(shipped(deployed[1]["id"].as_str().unwrap()).await, [C3]);
        let mut first = shipped(deployed[2]["id"].as_str().unwrap()).await;
        first.sort();
        assert_eq!(first, [C1, C2]);

        let (status, dora) = app
            .api(
                Method::GET,
                "/api/v1/metrics/dora?service=api&from=2026-11-02T00:00:00Z&to=2026-11-09T00:00:00Z",
                Some(&pipeline),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{dora}");
        assert_eq!(dora["lead_time"]["changes"], 3, "{dora}");
        assert_eq!(dora["lead_time"]["median_seconds"], 24 * 3600, "{dora}");
        assert_eq!(dora["lead_time"]["unknown"], 0, "{dora}");
    }
}

/// What is deployed where: each service's latest successful deployment per environment (who,
/// what, when), and the pull requests merged since it first reached production that
/// production has not shipped, until a deployment ships them.
#[tokio::test]
async fn environments_show_what_is_deployed_where_and_what_waits_to_ship() {
    use firewatch::core::scope::Scope;
    for backend in backends() {
        let app = TestApp::spawn_at(backend, CONFIG, "2026-11-22T02:00:00Z".parse().unwrap()).await;
        let pipeline = app
            .token(&[Scope::DeploymentsWrite, Scope::MetricsRead])
            .await;
        let reader = app.token(&[Scope::DeliveryRead]).await;
        let environments = || async {
            let (status, body) = app
                .api(Method::GET, "/api/v1/environments", Some(&reader))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body["services"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["service"] == "api")
                .cloned()
                .unwrap()
        };
        // Needs delivery:read.
        let (status, _) = app
            .api(Method::GET, "/api/v1/environments", Some(&pipeline))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Production holds v1.4.1 (the seed); staging a later build.
        record(
            &app,
            &pipeline,
            json!({"service": "api", "environment": "production", "version": "v1.4.1",
                   "commit": BEFORE, "status": "success", "finished_at": "2026-11-21T12:00:00Z"}),
        )
        .await;
        record(
            &app,
            &pipeline,
            json!({"service": "api", "environment": "staging", "version": "v1.4.2",
                   "commit": BEFORE, "status": "success", "finished_at": "2026-11-21T13:00:00Z"}),
        )
        .await;
        wait_for_deployments(&app, &pipeline, 2).await;
        let api = environments().await;
        assert_eq!(api["environments"][0]["environment"], "production", "{api}");
        assert_eq!(api["environments"][0]["production"], true);
        assert_eq!(api["environments"][0]["version"], "v1.4.1");
        assert_eq!(api["environments"][0]["commit"], BEFORE);
        assert_eq!(api["environments"][1]["environment"], "staging");
        assert_eq!(api["waiting"], json!([]));

        // Pull request #42 is squash-merged onto main: it waits to ship.
        merge_pull_request_42(&app, "e").await;
        app.idle().await;
        let mut waiting = json!([]);
        for _ in 0..100 {
            waiting = environments().await["waiting"].clone();
            if waiting.as_array().is_some_and(|w| !w.is_empty()) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(waiting[0]["commit"], SQUASH, "{waiting}");
        assert_eq!(waiting[0]["number"], 42);
        assert_eq!(waiting[0]["repository"], "acme/api");
        assert_eq!(
            waiting[0]["pull_request"],
            "https://github.com/acme/api/pull/42"
        );
        // The page says the same to a viewer.
        let mut viewer =
            crate::web::signed_in(&app, "mina", firewatch::core::role::Role::Viewer).await;
        let page = viewer.get("/environments").await;
        assert_eq!(page.status, StatusCode::OK);
        let body = crate::web::unescape(&page.body);
        assert!(body.contains("acme/api#42"), "{body}");
        assert!(body.contains("v1.4.1"), "{body}");

        // GitHub reports the squash commit deployed to production by andrew: it has shipped.
        let (status, _) = deliver(
            &app,
            "deployment_status",
            &fixture("deployment_status.success"),
            "e-4",
            SECRET,
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        wait_for_deployments(&app, &pipeline, 3).await;
        let api = environments().await;
        assert_eq!(api["environments"][0]["commit"], SQUASH, "{api}");
        assert_eq!(api["environments"][0]["by"], "andrew");
        assert_eq!(api["waiting"], json!([]), "{api}");
        app.stop().await;
    }
}

/// Jira kept in step with GitHub: pull request #42 (titled `CCC-1580 …`) merging is
/// commented on CCC-1580 once, however often it is delivered, through Jira Cloud's REST v3
/// with a document body and basic auth; its change reaching production is commented once
/// more (staging is not production, and a redeploy says nothing new). Jira Server gets REST
/// v2 with wiki markup and a bearer token.
#[tokio::test]
async fn jira_hears_once_when_a_named_pull_request_merges_and_once_when_it_ships() {
    use base64::Engine as _;
    use firewatch::core::scope::Scope;
    for backend in backends() {
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("bot@acme.example:jira-token")
        );
        let jira = crate::support::standins::Jira::start(&["CCC-1580"], &basic).await;
        let config = format!(
            "{CONFIG}\n[jira]\nurl = \"{}\"\napi = \"cloud\"\nuser = \"bot@acme.example\"\n\
             token = \"jira-token\"\nprojects = [\"CCC\"]\n",
            jira.origin
        );
        let app =
            TestApp::spawn_at(backend, &config, "2026-11-22T02:00:00Z".parse().unwrap()).await;
        let pipeline = app
            .token(&[Scope::DeploymentsWrite, Scope::MetricsRead])
            .await;
        record(
            &app,
            &pipeline,
            json!({"service": "api", "environment": "production", "version": "v1.4.1",
                   "commit": BEFORE, "status": "success", "finished_at": "2026-11-21T12:00:00Z"}),
        )
        .await;
        wait_for_deployments(&app, &pipeline, 1).await;
        merge_pull_request_42(&app, "jira").await;
        let said = jira.wait_for(1).await;
        assert_eq!(said[0].path, "/rest/api/3/issue/CCC-1580/comment");
        assert_eq!(said[0].header("authorization"), basic);
        let body = said[0].json();
        let paragraph = &body["body"]["content"][0]["content"];
        let text = paragraph[0]["text"].as_str().unwrap();
        assert!(
            text.starts_with(
                "acme/api#42 \"CCC-1580 Retry token refresh on 401 <fast path>\" was merged by "
            ),
            "{body}"
        );
        assert_eq!(
            paragraph[2]["marks"][0]["attrs"]["href"],
            "https://github.com/acme/api/pull/42"
        );
        // Delivered again under another id: Jira hears nothing more.
        let (status, _) = deliver(
            &app,
            "pull_request",
            &fixture("pull_request.closed.merged"),
            "jira-again",
            SECRET,
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        // Staging ships it, then production.
        for (environment, version) in [("staging", "v1.5.0-rc1"), ("production", "v1.5.0")] {
            record(
                &app,
                &pipeline,
                json!({"service": "api", "environment": environment, "version": version,
                       "commit": SQUASH, "status": "success",
                       "url": "https://github.com/acme/api/actions/runs/42"}),
            )
            .await;
        }
        wait_for_deployments(&app, &pipeline, 3).await;
        let said = jira.wait_for(2).await;
        let shipped = said[1].json();
        assert_eq!(
            shipped["body"]["content"][0]["content"][0]["text"],
            "acme/api#42 \"CCC-1580 Retry token refresh on 401 <fast path>\" reached production in api v1.5.0."
        );
        // A redeploy of the same commit ships nothing new.
        record(
            &app,
            &pipeline,
            json!({"service": "api", "environment": "production", "version": "v1.5.0",
                   "commit": SQUASH, "status": "success"}),
        )
        .await;
        wait_for_deployments(&app, &pipeline, 4).await;
        app.idle().await;
        assert_eq!(jira.received().len(), 2);
        app.stop().await;

        // Jira Server: REST v2, wiki markup, a personal access token; Jira down at first.
        let server = crate::support::standins::Jira::start(&["CCC-1580"], "Bearer pat-123").await;
        server.fail_next(&[503]);
        let config = format!(
            "{CONFIG}\n[jira]\nurl = \"{}\"\ntoken = \"pat-123\"\nprojects = [\"CCC\"]\n\
             comment_on = [\"merged\"]\n",
            server.origin
        );
        let app =
            TestApp::spawn_at(backend, &config, "2026-11-22T02:00:00Z".parse().unwrap()).await;
        merge_pull_request_42(&app, "server").await;
        server.wait_for(1).await;
        app.idle().await;
        app.advance(120);
        let said = server.wait_for(2).await;
        assert_eq!(said[1].path, "/rest/api/2/issue/CCC-1580/comment");
        assert_eq!(said[1].header("authorization"), "Bearer pat-123");
        let text = said[1].json()["body"].as_str().unwrap().to_owned();
        assert!(
            text.ends_with("[Open the pull request|https://github.com/acme/api/pull/42]"),
            "{text}"
        );
        app.stop().await;
    }
}
