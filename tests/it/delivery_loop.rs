//! The delivery loop of seed 001 (PRODUCT.md §2.4, §2.18): commands in pull request comments
//! start CI through stand-ins for GitHub's and GitLab's REST APIs and Jenkins, and Firewatch
//! answers on the pull request, then again with the build's result.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::standins::ForgeApis;
use crate::support::{Destination, TestApp, backends};

const SECRET: &str = "It's a Secret to Everybody";
/// GitHub's and GitLab's webhooks, as every scenario here takes them.
const HOOKS: &str = r#"
[[integrations]]
name = "github"
kind = "github"
secret = "It's a Secret to Everybody"

[[integrations]]
name = "gitlab"
kind = "gitlab"
token = "gl-hook-token"
"#;
const JENKINS: &str = r#"
[[integrations]]
name = "jenkins"
kind = "jenkins"
token = "jk-token"
"#;
const GITHUB_TOKEN: &str = "ghp_delivery_loop";
const GITLAB_TOKEN: &str = "glpat-delivery-loop";
const JENKINS_TOKEN: &str = "11aa22bb33cc";
const TRIGGER_TOKEN: &str = "glptt-trigger";
const HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
/// The head of the merge request in GitLab's published note example.
const MR_HEAD: &str = "562e173be03b8ff2efb05345d12df18815438a4b";

fn config(apis: &ForgeApis, hook: &Destination) -> String {
    let origin = &apis.origin;
    format!(
        r#"
{HOOKS}{JENKINS}
[[forges]]
kind = "github"
api_url = "{origin}"
token = "{GITHUB_TOKEN}"

[[forges]]
kind = "gitlab"
api_url = "{origin}"
token = "{GITLAB_TOKEN}"

[[pr_commands]]
repos = ["Codertocat/*"]
allow = ["release-bot"]
targets = ["jenkins-pr", "actions", "notify"]

[[pr_commands]]
repos = ["gitlab-org/*"]
target = "pipeline"

[[ci_targets]]
name = "jenkins-pr"
kind = "jenkins"
url = "{origin}/job/hello-pr/buildWithParameters"
user = "firewatch"
token = "{JENKINS_TOKEN}"

[[ci_targets]]
name = "actions"
kind = "github_actions"
workflow = "ci.yml"

[[ci_targets]]
name = "notify"
kind = "webhook"
url = "{hook}"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

[[ci_targets]]
name = "pipeline"
kind = "gitlab"
token = "{TRIGGER_TOKEN}"
"#,
        hook = hook.url
    )
}

/// GitHub's published `issue_comment` example (a comment on an issue) made a comment on a
/// pull request the documented way: `issue.pull_request` present.
fn pr_comment(id: u64, login: &str, association: &str, body: &str) -> String {
    let mut payload: Value =
        serde_json::from_str(&crate::github::fixture("published/issue_comment.created")).unwrap();
    payload["issue"]["pull_request"] = json!({
        "url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1",
        "html_url": "https://github.com/Codertocat/Hello-World/pull/1",
        "diff_url": "https://github.com/Codertocat/Hello-World/pull/1.diff",
        "patch_url": "https://github.com/Codertocat/Hello-World/pull/1.patch",
        "merged_at": null
    });
    payload["comment"]["id"] = json!(id);
    payload["comment"]["user"]["login"] = json!(login);
    payload["sender"]["login"] = json!(login);
    payload["comment"]["author_association"] = json!(association);
    payload["comment"]["body"] = json!(body);
    payload.to_string()
}

/// Jenkins' Notification plugin reporting the build Firewatch started: the job checks out no
/// SCM, so the commit comes back as the `PR_SHA` parameter.
fn jenkins_result(status: &str) -> String {
    json!({
        "name": "hello-pr",
        "display_name": "hello-pr",
        "url": "job/hello-pr/",
        "build": {
            "full_url": "https://ci.acme.example/job/hello-pr/88/",
            "number": 88,
            "queue_id": 3121,
            "timestamp": "2026-11-30T14:05:12.500+00:00",
            "duration": 91000,
            "phase": "FINALIZED",
            "status": status,
            "url": "job/hello-pr/88/",
            "parameters": {
                "PR_NUMBER": "1", "PR_SHA": HEAD, "PR_BRANCH": "feature/emoji",
                "PR_REPOSITORY": "Codertocat/Hello-World"
            },
            "log": "", "notes": "", "artifacts": {}
        }
    })
    .to_string()
}

async fn post_jenkins(app: &TestApp, body: &str) {
    use base64::Engine as _;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("jenkins:jk-token")
    );
    let (status, answer) = app
        .post_hook(
            "jenkins",
            body,
            &[
                ("content-type", "application/json;charset=UTF-8"),
                ("authorization", &basic),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
}

fn comments(apis: &ForgeApis) -> Vec<String> {
    apis.calls("POST", "/repos/Codertocat/Hello-World/issues/1/comments")
        .iter()
        .map(|request| request.json()["body"].as_str().unwrap().to_owned())
        .collect()
}

/// A member's "test this please" starts every target once (Jenkins with its parameters,
/// GitHub Actions' dispatch, a signed webhook), however often the comment is delivered;
/// Firewatch says so on the pull request and again with Jenkins' result. A stranger's
/// `/test` is refused politely, and an allowlisted bot's is not.
#[tokio::test]
async fn a_members_test_this_please_starts_ci_once_and_the_result_is_told() {
    for backend in backends() {
        let apis = ForgeApis::start(GITHUB_TOKEN, GITLAB_TOKEN, "firewatch", JENKINS_TOKEN).await;
        let hook = Destination::start().await;
        apis.set_pull(
            "Codertocat/Hello-World",
            1,
            "feature/emoji",
            HEAD,
            "Codertocat",
        );
        let app = TestApp::spawn(backend, &config(&apis, &hook)).await;

        let comment = pr_comment(
            7001,
            "Codertocat",
            "MEMBER",
            "Looks flaky.\n\ntest this please",
        );
        let (status, answer) =
            crate::github::deliver(&app, "issue_comment", &comment, "d-7001", SECRET).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        apis.wait_for(4).await;
        app.idle().await;

        let jenkins = apis.calls("POST", "/job/hello-pr/buildWithParameters");
        assert_eq!(jenkins.len(), 1);
        assert_eq!(
            jenkins[0].basic_auth(),
            Some(("firewatch".to_owned(), JENKINS_TOKEN.to_owned()))
        );
        let parameters = ForgeApis::jenkins_parameters(&jenkins[0]);
        for (name, value) in [
            ("PR_NUMBER", "1"),
            ("PR_SHA", HEAD),
            ("PR_BRANCH", "feature/emoji"),
            ("PR_REPOSITORY", "Codertocat/Hello-World"),
        ] {
            assert!(
                parameters.contains(&(name.to_owned(), value.to_owned())),
                "{name} in {parameters:?}"
            );
        }
        let dispatch = apis.calls(
            "POST",
            "/repos/Codertocat/Hello-World/actions/workflows/ci.yml/dispatches",
        );
        assert_eq!(dispatch.len(), 1);
        assert_eq!(
            dispatch[0].json(),
            json!({ "ref": "feature/emoji" }),
            "no inputs the workflow may not declare"
        );
        assert_eq!(
            dispatch[0].header("authorization"),
            format!("Bearer {GITHUB_TOKEN}")
        );
        let sent = hook.wait_for(1).await;
        assert_eq!(sent[0].json()["sha"], HEAD);
        assert_eq!(sent[0].json()["requested_by"], "Codertocat");
        let timestamp = sent[0].header("webhook-timestamp").to_owned();
        assert_eq!(
            firewatch::core::signing::verify(
                &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned()],
                Some(sent[0].header("webhook-id")),
                Some(&timestamp),
                Some(sent[0].header("webhook-signature")),
                &sent[0].body,
                jiff::Timestamp::from_second(timestamp.parse().unwrap()).unwrap(),
            ),
            Ok(()),
            "signed the Standard Webhooks way"
        );
        let said = comments(&apis);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].starts_with("Started for @Codertocat on ec26c3e:"),
            "{}",
            said[0]
        );
        assert!(
            said[0].contains("**jenkins-pr**: queued (http://127.0.0.1:"),
            "{}",
            said[0]
        );
        assert!(said[0].contains("/queue/item/"), "{}", said[0]);
        assert!(said[0].contains("**actions**: queued"), "{}", said[0]);
        assert!(said[0].contains("**notify**: queued"), "{}", said[0]);

        // Redelivered (GitHub's "Redeliver" keeps the delivery id), and the same comment
        // again under another delivery id: nothing starts twice.
        let (_, again) =
            crate::github::deliver(&app, "issue_comment", &comment, "d-7001", SECRET).await;
        assert_eq!(again["duplicate"], true);
        let (status, _) =
            crate::github::deliver(&app, "issue_comment", &comment, "d-7001-copy", SECRET).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        app.idle().await;
        assert_eq!(apis.calls("POST", "/job/").len(), 1);
        assert_eq!(hook.received().len(), 1);
        assert_eq!(comments(&apis).len(), 1);

        // Jenkins' result comes back through its Notification plugin and is told once.
        let before = apis.received().len();
        post_jenkins(&app, &jenkins_result("FAILURE")).await;
        let all = apis.wait_for(before + 1).await;
        let told = all.last().unwrap().json()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            told,
            "❌ **jenkins-pr** (hello-pr) failed on ec26c3e. https://ci.acme.example/job/hello-pr/88/"
        );
        app.idle().await;
        assert_eq!(
            comments(&apis).len(),
            2,
            "only the Jenkins target was answered by Jenkins"
        );

        // Someone the repository does not know: a polite refusal, and nothing started.
        let stranger = pr_comment(7002, "drive-by", "NONE", "/test");
        let before = apis.received().len();
        crate::github::deliver(&app, "issue_comment", &stranger, "d-7002", SECRET).await;
        let all = apis.wait_for(before + 2).await;
        let refusal = all.last().unwrap().json()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            refusal.starts_with(
                "Thanks, @drive-by. Only members and collaborators of Codertocat/Hello-World"
            ),
            "{refusal}"
        );
        // A member whose organization membership is private shows as CONTRIBUTOR; GitHub's
        // permission API says they may write, so they are trusted.
        apis.set_permission("Codertocat/Hello-World", "quiet-member", "write");
        let before = apis.received().len();
        let quiet = pr_comment(7007, "quiet-member", "CONTRIBUTOR", "/test jenkins-pr");
        crate::github::deliver(&app, "issue_comment", &quiet, "d-7007", SECRET).await;
        let all = apis.wait_for(before + 4).await;
        assert!(
            all[before]
                .path
                .ends_with("/collaborators/quiet-member/permission"),
            "{:?}",
            all[before].path
        );
        let said = all.last().unwrap().json()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(said.starts_with("Started for @quiet-member"), "{said}");
        // A name the repository has no target of is said, with the ones it has.
        let unknown = pr_comment(7003, "Codertocat", "OWNER", "/test lint");
        let before = apis.received().len();
        crate::github::deliver(&app, "issue_comment", &unknown, "d-7003", SECRET).await;
        let all = apis.wait_for(before + 1).await;
        let said = all.last().unwrap().json()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            said,
            "@Codertocat, there is no CI target named lint here, so nothing was started. This repository's are: jenkins-pr, actions, notify."
        );
        // An allowlisted bot (no association of its own) asks for the one target it names;
        // Jenkins refuses it this time, and the pull request hears the status, not Jenkins'
        // page.
        let bot = pr_comment(7004, "release-bot", "NONE", "/test jenkins-pr");
        let before = apis.received().len();
        apis.fail_next(&[200, 403]);
        crate::github::deliver(&app, "issue_comment", &bot, "d-7004", SECRET).await;
        let all = apis.wait_for(before + 3).await;
        let said = all.last().unwrap().json()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            said,
            "Nothing could be started for @release-bot on ec26c3e:\n- **jenkins-pr**: could not be started: HTTP 403"
        );
        app.idle().await;
        assert_eq!(apis.calls("POST", "/job/").len(), 3);
        assert_eq!(
            apis.calls("POST", "/repos/Codertocat/Hello-World/actions/")
                .len(),
            1
        );
        assert_eq!(hook.received().len(), 1);
        // An ordinary comment, a quoted command and one on an issue start nothing.
        for (id, body) in [(7005, "LGTM"), (7006, "> /test\nwhy did this fail?")] {
            let quiet = pr_comment(id, "Codertocat", "OWNER", body);
            crate::github::deliver(&app, "issue_comment", &quiet, &format!("d-{id}"), SECRET).await;
        }
        app.idle().await;
        assert_eq!(apis.calls("POST", "/job/").len(), 3);
        assert_eq!(comments(&apis).len(), 6);
        app.stop().await;
    }
}

/// GitLab: a Developer's `/retest` on a merge request runs a pipeline trigger on its source
/// branch, answered with a note; the pipeline's event tells the result; a non-member's
/// command is refused after GitLab's members API says they are not one.
#[tokio::test]
async fn a_gitlab_developers_retest_triggers_a_pipeline_and_a_guests_is_refused() {
    for backend in backends() {
        let apis = ForgeApis::start(GITHUB_TOKEN, GITLAB_TOKEN, "firewatch", JENKINS_TOKEN).await;
        let hook = Destination::start().await;
        apis.set_member("gitlab-org/gitlab-test", 1, "root", 30);
        apis.set_member("gitlab-org/gitlab-test", 3, "guest", 10);
        apis.set_trigger_token("gitlab-org/gitlab-test", TRIGGER_TOKEN);
        let app = TestApp::spawn(backend, &config(&apis, &hook)).await;
        let note = |id: u64, author: u64, username: &str, text: &str| {
            let mut payload: Value =
                serde_json::from_str(&crate::gitlab::fixture("published/note.merge_request"))
                    .unwrap();
            payload["object_attributes"]["id"] = json!(id);
            payload["object_attributes"]["author_id"] = json!(author);
            payload["user"]["id"] = json!(author);
            payload["user"]["username"] = json!(username);
            payload["object_attributes"]["note"] = json!(text);
            payload.to_string()
        };
        let (status, answer) = crate::gitlab::deliver(
            &app,
            "Note Hook",
            &note(5001, 1, "root", "/retest"),
            "n-5001",
            "gl-hook-token",
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        apis.wait_for(3).await;
        app.idle().await;
        let member = apis.calls(
            "GET",
            "/api/v4/projects/gitlab-org%2Fgitlab-test/members/all/1",
        );
        assert_eq!(member.len(), 1);
        assert_eq!(member[0].header("private-token"), GITLAB_TOKEN);
        let trigger = apis.calls(
            "POST",
            "/api/v4/projects/gitlab-org%2Fgitlab-test/trigger/pipeline",
        );
        assert_eq!(trigger.len(), 1);
        assert_eq!(trigger[0].field("token").as_deref(), Some(TRIGGER_TOKEN));
        assert_eq!(trigger[0].field("ref").as_deref(), Some("master"));
        assert_eq!(
            trigger[0].field("variables[PR_SHA]").as_deref(),
            Some(MR_HEAD)
        );
        assert_eq!(
            trigger[0].field("variables[PR_NUMBER]").as_deref(),
            Some("1")
        );
        let notes = apis.calls(
            "POST",
            "/api/v4/projects/gitlab-org%2Fgitlab-test/merge_requests/1/notes",
        );
        assert_eq!(notes.len(), 1);
        let said = notes[0].json()["body"].as_str().unwrap().to_owned();
        assert!(said.starts_with("Started for @root on 562e173:"), "{said}");
        assert!(said.contains("**pipeline**: queued (https://gitlab.example.com/gitlab-org/gitlab-test/-/pipelines/"), "{said}");

        // The triggered pipeline's event, for the merge request's head.
        let pipeline = crate::gitlab::fixture("published/pipeline.success")
            .replace("bcbb5ec396a2c0f828686f14fac9b80b780504f2", MR_HEAD);
        let before = apis.received().len();
        let (status, _) =
            crate::gitlab::deliver(&app, "Pipeline Hook", &pipeline, "p-1", "gl-hook-token").await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let all = apis.wait_for(before + 1).await;
        let told = all.last().unwrap().json()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(told.starts_with("✅ **pipeline** ("), "{told}");
        assert!(told.contains("passed on 562e173."), "{told}");

        // A Guest (access level 10) is no Developer.
        let before = apis.received().len();
        crate::gitlab::deliver(
            &app,
            "Note Hook",
            &note(5002, 3, "guest", "/test"),
            "n-5002",
            "gl-hook-token",
        )
        .await;
        let all = apis.wait_for(before + 2).await;
        let refusal = all.last().unwrap().json()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(refusal.starts_with("Thanks, @guest."), "{refusal}");
        app.idle().await;
        assert_eq!(
            apis.calls("POST", "/api/v4/projects/gitlab-org%2Fgitlab-test/trigger/")
                .len(),
            1
        );
        app.stop().await;
    }
}

fn review_config(chat: &Destination) -> String {
    format!(
        r#"
{HOOKS}
[[destinations]]
name = "audit-chat"
kind = "slack"
url = "{chat}"

[[routes]]
match = {{ kind = "review_finding" }}
to = ["audit-chat"]
"#,
        chat = chat.url
    )
}

const AUTHOR_ID: u64 = 21031067;

/// GitHub's published review example (`submitted`), as an approval by `reviewer` of `sha`.
fn approval(number: u64, reviewer: &str, reviewer_id: u64, sha: &str) -> String {
    let mut payload: Value = serde_json::from_str(&crate::github::fixture(
        "published/pull_request_review.submitted",
    ))
    .unwrap();
    payload["review"]["state"] = json!("approved");
    payload["review"]["user"]["login"] = json!(reviewer);
    payload["review"]["user"]["id"] = json!(reviewer_id);
    payload["review"]["commit_id"] = json!(sha);
    payload["pull_request"]["number"] = json!(number);
    payload["pull_request"]["head"]["sha"] = json!(sha);
    payload.to_string()
}

/// GitHub's published `pull_request` `closed` example, merged at `head` by its author.
fn pull_request(action: &str, number: u64, head: &str) -> String {
    let mut payload: Value =
        serde_json::from_str(&crate::github::fixture("published/pull_request.closed")).unwrap();
    payload["action"] = json!(action);
    payload["number"] = json!(number);
    let pr = &mut payload["pull_request"];
    pr["number"] = json!(number);
    pr["title"] = json!(format!("Change {number}"));
    pr["html_url"] = json!(format!(
        "https://github.com/Codertocat/Hello-World/pull/{number}"
    ));
    pr["head"]["sha"] = json!(head);
    if action == "closed" {
        pr["merged"] = json!(true);
        pr["merged_by"] = pr["user"].clone();
        pr["merge_commit_sha"] = json!(format!("{number:0>40}"));
    } else {
        pr["state"] = json!("open");
    }
    payload.to_string()
}

/// The no-self-merge rule end to end: a self-approved merge and one whose approval a push
/// voided are findings (told through the routes, listed by the API and its CSV), one approved
/// by a reviewer on its last commit is not, on GitHub and GitLab.
#[tokio::test]
async fn merges_without_an_independent_approval_of_the_last_commit_are_findings() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &review_config(&chat)).await;
        let mut delivery = 0;
        let mut send = async |event: &str, body: String| {
            delivery += 1;
            let (status, answer) =
                crate::github::deliver(&app, event, &body, &format!("review-{delivery}"), SECRET)
                    .await;
            assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        };
        // #11: approved by its own author (an admin's bypass), then merged.
        send(
            "pull_request_review",
            approval(11, "Codertocat", AUTHOR_ID, "a".repeat(40).as_str()),
        )
        .await;
        send("pull_request", pull_request("closed", 11, &"a".repeat(40))).await;
        // #12: approved by a reviewer on its last commit.
        send(
            "pull_request_review",
            approval(12, "hubot", 583231, &"b".repeat(40)),
        )
        .await;
        send("pull_request", pull_request("closed", 12, &"b".repeat(40))).await;
        // #13: approved by a reviewer, then a push, then merged.
        send(
            "pull_request_review",
            approval(13, "hubot", 583231, &"c".repeat(40)),
        )
        .await;
        send(
            "pull_request",
            pull_request("synchronize", 13, &"d".repeat(40)),
        )
        .await;
        send("pull_request", pull_request("closed", 13, &"d".repeat(40))).await;
        // GitLab: !7 approved by andrew (not its author) on its last commit and merged.
        for (hook, fixture, key) in [
            (
                "Merge Request Hook",
                "merge_request.approved",
                "gl-approved",
            ),
            ("Merge Request Hook", "merge_request.merge", "gl-merge"),
        ] {
            let (status, answer) = crate::gitlab::deliver(
                &app,
                hook,
                &crate::gitlab::fixture(fixture),
                key,
                "gl-hook-token",
            )
            .await;
            assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        }
        let told = chat.wait_for(2).await;
        app.idle().await;
        let titles: Vec<String> = told
            .iter()
            .map(|message| {
                message.json()["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        assert_eq!(told.len(), 2, "{titles:?}");
        assert!(
            titles
                .iter()
                .any(|t| t.contains("Codertocat/Hello-World#11")),
            "{titles:?}"
        );
        assert!(
            titles
                .iter()
                .any(|t| t.contains("Codertocat/Hello-World#13")),
            "{titles:?}"
        );

        app.advance(60);
        let auditor = app.token(&[firewatch::core::scope::Scope::AuditRead]).await;
        let (status, report) = app
            .api(
                reqwest::Method::GET,
                "/api/v1/compliance/reviews?days=7",
                Some(&auditor),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["merges"], 4, "{report}");
        assert_eq!(report["independently_reviewed"], 2);
        assert_eq!(report["share"], 0.5);
        let findings: Vec<(i64, String)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["number"].as_i64().unwrap(),
                    f["reason"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert!(
            findings.contains(&(11, "self_approved".into())),
            "{findings:?}"
        );
        assert!(
            findings.contains(&(13, "approval_outdated".into())),
            "{findings:?}"
        );
        assert_eq!(findings.len(), 2);
        let outdated = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["number"] == 13)
            .unwrap();
        assert_eq!(
            outdated["detail"],
            "Approved on ccccccc, then commits were pushed; merged at ddddddd with no approval of that commit."
        );
        assert_eq!(outdated["merged_by"], "Codertocat");
        let (status, gitlab) = app
            .api(
                reqwest::Method::GET,
                "/api/v1/compliance/reviews?days=7&repo=acme%2Fapi",
                Some(&auditor),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(gitlab["merges"], 1, "{gitlab}");
        assert_eq!(gitlab["share"], 1.0);

        // The CSV an auditor opens in a spreadsheet.
        let response = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/compliance/reviews?days=7&format=csv",
                app.url
            ))
            .bearer_auth(&auditor)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        let csv = response.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "repo,number,title,author,merged_by,merged_at,reason,detail,url"
        );
        assert_eq!(lines.len(), 3, "{csv}");
        assert!(
            lines.iter().any(|line| line.starts_with("Codertocat/Hello-World,11,Change 11,Codertocat,Codertocat,")
                && line.contains(",self_approved,Approved only by its author.,https://github.com/Codertocat/Hello-World/pull/11")),
            "{csv}"
        );

        // The Compliance page says the same to a responder, with the CSV a click away; a
        // viewer is not shown who merged what.
        let mut responder =
            crate::web::signed_in(&app, "ann", firewatch::core::role::Role::Responder).await;
        let page = responder.get("/compliance?days=7").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let body = crate::web::unescape(&page.body);
        assert!(body.contains("50%"), "{body}");
        assert!(body.contains("Codertocat/Hello-World#13"), "{body}");
        assert!(body.contains("approval outdated"), "{body}");
        assert!(body.contains("Approved only by its author."), "{body}");
        let download = responder.get("/compliance/reviews.csv?days=7").await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.body, csv);
        let mut viewer =
            crate::web::signed_in(&app, "mina", firewatch::core::role::Role::Viewer).await;
        assert_eq!(
            viewer.get("/compliance").await.status,
            StatusCode::FORBIDDEN
        );
        let bad = responder.get("/compliance?days=9999").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);

        // Scope and bad input.
        let reader = app
            .token(&[firewatch::core::scope::Scope::MetricsRead])
            .await;
        let (status, _) = app
            .api(
                reqwest::Method::GET,
                "/api/v1/compliance/reviews",
                Some(&reader),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, error) = app
            .api(
                reqwest::Method::GET,
                "/api/v1/compliance/reviews?format=xml",
                Some(&auditor),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error["error"]["code"], "invalid_parameter");
        app.stop().await;
    }
}

/// The pipelines board, from GitHub's published workflow job and run examples, GitLab's
/// pipeline example and a Jenkins build: each commit a row, each run its stages in order, a
/// job's failure on the branch routed like any build's, and the page showing the same.
#[tokio::test]
async fn the_pipelines_board_shows_each_commits_runs_and_their_stages() {
    for backend in backends() {
        let chat = Destination::start().await;
        let config = format!(
            r#"
{HOOKS}{JENKINS}
[[destinations]]
name = "ci-failures"
kind = "slack"
url = "{chat}"

[[routes]]
match = {{ kind = "build", outcome = "failure", branch = "main" }}
to = ["ci-failures"]
"#,
            chat = chat.url
        );
        let app = TestApp::spawn(backend, &config).await;
        let head = "3484a3fb816e0859fd6e1cea078d76385ff50625";
        // The job starts, then another job of the same run fails; the run's own event last.
        for (event, fixture, delivery) in [
            ("workflow_job", "workflow_job.in_progress", "wj-1"),
            ("workflow_job", "workflow_job.completed", "wj-2"),
        ] {
            let body = crate::github::fixture(&format!("published/{fixture}"));
            let (status, answer) =
                crate::github::deliver(&app, event, &body, delivery, SECRET).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        }
        let mut run: Value =
            serde_json::from_str(&crate::github::fixture("published/workflow_run.completed"))
                .unwrap();
        run["repository"]["full_name"] = json!("Codertocat/Hello-World");
        run["workflow_run"]["id"] = json!(2202229078_u64);
        run["workflow_run"]["name"] = json!("CodeQL");
        run["workflow_run"]["head_branch"] = json!("main");
        run["workflow_run"]["head_sha"] = json!(head);
        run["workflow_run"]["conclusion"] = json!("failure");
        let (status, _) =
            crate::github::deliver(&app, "workflow_run", &run.to_string(), "wr-1", SECRET).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        // GitLab's pipeline on its default branch, and a Jenkins build of the same repository.
        let (status, _) = crate::gitlab::deliver(
            &app,
            "Pipeline Hook",
            &crate::gitlab::fixture("published/pipeline.success"),
            "gl-p-31",
            "gl-hook-token",
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);

        // A failed job on main is a failed build a route can match.
        let told = chat.wait_for(1).await;
        app.idle().await;
        let failures: Vec<String> = chat
            .received()
            .iter()
            .map(|message| {
                message.json()["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        assert!(
            failures.iter().any(|text| text.contains("linters")),
            "{failures:?}"
        );
        assert!(!told.is_empty());

        let reader = app
            .token(&[firewatch::core::scope::Scope::DeliveryRead])
            .await;
        let board = |path: &'static str| {
            let app = &app;
            let reader = reader.clone();
            async move {
                for _ in 0..100 {
                    let (status, answer) = app.api(reqwest::Method::GET, path, Some(&reader)).await;
                    assert_eq!(status, StatusCode::OK, "{answer}");
                    if answer["items"]
                        .as_array()
                        .is_some_and(|items| !items.is_empty())
                        && answer["items"][0]["runs"][0]["status"] != "running"
                    {
                        return answer;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                panic!("{path} shows nothing");
            }
        };
        let github = board("/api/v1/pipelines?repo=Codertocat/Hello-World&branch=main").await;
        let item = &github["items"][0];
        assert_eq!(item["commit"], head, "{github}");
        assert_eq!(item["branch"], "main");
        let run = &item["runs"][0];
        assert_eq!(run["source"], "github");
        assert_eq!(run["name"], "CodeQL");
        assert_eq!(run["status"], "failure");
        let stages: Vec<(String, String)> = run["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_owned(),
                    s["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            stages,
            [
                ("Analyze (javascript)".to_owned(), "running".to_owned()),
                ("linters".to_owned(), "failure".to_owned())
            ]
        );
        let linters = &run["stages"][1];
        assert_eq!(linters["duration_seconds"], 198, "10:34:58 to 10:38:16");
        assert!(
            linters["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|step| step["name"] == "Run yarn run format-check"
                    && step["status"] == "failure"),
            "{linters}"
        );

        // GitLab's pipeline: its stages in the pipeline's order, each from its jobs.
        let gitlab = board("/api/v1/pipelines?repo=gitlab-org/gitlab-test").await;
        let item = &gitlab["items"][0];
        assert_eq!(item["branch"], "master", "the project's default branch");
        assert_eq!(item["commit"], "bcbb5ec396a2c0f828686f14fac9b80b780504f2");
        let run = &item["runs"][0];
        assert_eq!(run["source"], "gitlab");
        assert_eq!(run["status"], "success");
        let stages: Vec<(&str, &str, Value)> = run["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap(),
                    s["status"].as_str().unwrap(),
                    s["duration_seconds"].clone(),
                )
            })
            .collect();
        assert_eq!(
            stages,
            [
                ("build", "success", json!(30)),
                ("test", "failure", json!(17)),
                ("deploy", "queued", Value::Null)
            ]
        );

        // Scope, and bad input.
        let (status, _) = app
            .api(
                reqwest::Method::GET,
                "/api/v1/pipelines",
                Some(
                    &app.token(&[firewatch::core::scope::Scope::EventsRead])
                        .await,
                ),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, error) = app
            .api(
                reqwest::Method::GET,
                "/api/v1/pipelines?commits=0",
                Some(&reader),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error["error"]["code"], "invalid_parameter");

        // The page shows the same boards to a viewer.
        let mut viewer =
            crate::web::signed_in(&app, "mina", firewatch::core::role::Role::Viewer).await;
        let page = viewer
            .get("/pipelines?repo=Codertocat/Hello-World&branch=main")
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let body = crate::web::unescape(&page.body);
        assert!(body.contains("linters"), "{body}");
        assert!(body.contains("3m 18s"), "{body}");
        assert!(body.contains("data-live=\"10\""), "{body}");
        let all = viewer.get("/pipelines").await;
        let all = crate::web::unescape(&all.body);
        assert!(all.contains("gitlab-org/gitlab-test"), "{all}");
        assert!(all.contains("Codertocat/Hello-World"), "{all}");
        app.stop().await;
    }
}

const RUN: &str = "run-FwnENkvDnrpyFC7M";

/// HCP Terraform's documented notification, as a workspace sends it: `trigger` and
/// `run_status` set, signed with the configuration's token.
fn tfc_notification(trigger: &str, status: &str) -> String {
    let mut payload: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/terraform/published/notification.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    payload["notifications"][0]["trigger"] = json!(trigger);
    payload["notifications"][0]["run_status"] = json!(status);
    payload.to_string()
}

async fn post_tfc(app: &TestApp, body: &str, token: &str) -> (StatusCode, Value) {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha512>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    app.post_hook(
        "tfc",
        body,
        &[
            ("content-type", "application/json"),
            ("x-tfe-notification-signature", &signature),
            ("user-agent", "TFE"),
        ],
    )
    .await
}

/// Infrastructure changes: a run that needs confirmation becomes a change needing two-person
/// approval (its creator's approval is refused, a second person's applies the run through HCP
/// Terraform's API), the applied run is a deployment that shows in an incident's what changed,
/// an errored run is told like a failed deployment, and an Atlantis apply is a deployment too.
#[tokio::test]
async fn a_terraform_run_waits_for_a_second_person_and_its_apply_is_a_change() {
    use firewatch::core::scope::Scope;
    for backend in backends() {
        let tfc = crate::support::standins::TerraformCloud::start(
            "tfc-api-token",
            &[RUN, "run-RejectedPlan0001"],
        )
        .await;
        let chat = Destination::start().await;
        let config = format!(
            r#"
[[integrations]]
name = "tfc"
kind = "terraform"
token = "notification-token"
api_url = "{tfc}"
api_token = "tfc-api-token"
approve_applies = true
environment = "production"

[[integrations]]
name = "atlantis"
kind = "atlantis"
token = "atlantis-token"

[[services]]
id = "network"
repos = ["acme-org/my-workspace", "octocat/Hello-World"]

[[destinations]]
name = "infra-chat"
kind = "slack"
url = "{chat}"

[[routes]]
match = {{ kind = "deployment", outcome = "failure" }}
to = ["infra-chat"]
"#,
            tfc = tfc.origin,
            chat = chat.url
        );
        let app = TestApp::spawn(backend, &config).await;
        crate::web::add_user(&app, "sample-user", firewatch::core::role::Role::Responder).await;
        crate::web::add_user(&app, "ann", firewatch::core::role::Role::Responder).await;

        // A body signed with another token is refused.
        let waiting = tfc_notification("run:needs_attention", "planned");
        let (status, answer) = post_tfc(&app, &waiting, "not-the-token").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        let (status, answer) = post_tfc(&app, &waiting, "notification-token").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        app.idle().await;
        let (_, changes) = app
            .api(
                reqwest::Method::GET,
                "/api/v1/changes",
                Some(&app.admin_token),
            )
            .await;
        let change = changes["items"][0].clone();
        assert_eq!(change["state"], "pending_approval", "{changes}");
        assert_eq!(change["service"], "network");
        assert_eq!(change["environment"], "production");
        assert_eq!(
            change["summary"],
            "Terraform apply in my-workspace: Add five new queue workers"
        );
        let id = change["id"].as_str().unwrap().to_owned();

        // The run's creator may not approve it; a second person's approval applies it.
        let creator = app.user_token("sample-user", &[Scope::ChangesWrite]).await;
        let (status, refused) = app
            .api(
                reqwest::Method::POST,
                &format!("/api/v1/changes/{id}/approve"),
                Some(&creator),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"]["code"], "self_approval");
        app.idle().await;
        assert!(tfc.received().is_empty());
        let ann = app.user_token("ann", &[Scope::ChangesWrite]).await;
        let (status, approved) = app
            .api(
                reqwest::Method::POST,
                &format!("/api/v1/changes/{id}/approve"),
                Some(&ann),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        let applied = tfc.wait_for(1).await;
        assert_eq!(applied[0].path, format!("/api/v2/runs/{RUN}/actions/apply"));
        assert_eq!(applied[0].header("authorization"), "Bearer tfc-api-token");
        assert_eq!(
            applied[0].header("content-type"),
            "application/vnd.api+json"
        );
        assert_eq!(
            applied[0].json()["comment"],
            "Approved in Firewatch by user:ann (token ann-token)."
        );
        app.idle().await;
        assert_eq!(tfc.received().len(), 1, "applied once");

        // Another run waits; a rejection discards it.
        let second =
            tfc_notification("run:needs_attention", "planned").replace(RUN, "run-RejectedPlan0001");
        let (status, _) = post_tfc(&app, &second, "notification-token").await;
        assert_eq!(status, StatusCode::ACCEPTED);
        app.idle().await;
        let (_, changes) = app
            .api(
                reqwest::Method::GET,
                "/api/v1/changes",
                Some(&app.admin_token),
            )
            .await;
        let rejected = changes["items"][0]["id"].as_str().unwrap().to_owned();
        assert_ne!(rejected, id);
        let (status, answer) = app
            .api_json(
                reqwest::Method::POST,
                &format!("/api/v1/changes/{rejected}/reject"),
                &ann,
                &json!({"reason": "plan destroys the queue"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let calls = tfc.wait_for(2).await;
        assert_eq!(
            calls[1].path,
            "/api/v2/runs/run-RejectedPlan0001/actions/discard"
        );
        assert_eq!(
            calls[1].json()["comment"],
            "Rejected in Firewatch by user:ann (token ann-token): plan destroys the queue"
        );

        // HCP Terraform says the run applied: a deployment of the workspace's service.
        let (status, _) = post_tfc(
            &app,
            &tfc_notification("run:completed", "applied"),
            "notification-token",
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let reader = app.token(&[Scope::MetricsRead]).await;
        let deployed = crate::metrics::wait_for_deployments(&app, &reader, 1).await;
        assert_eq!(deployed[0]["source"], "terraform", "{deployed:?}");
        assert_eq!(deployed[0]["service"], "network");
        assert_eq!(deployed[0]["environment"], "production");
        assert_eq!(deployed[0]["version"], RUN);

        // An incident on the service lists the apply in what changed.
        app.advance(600);
        let (status, incident) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/incidents",
                &app.admin_token,
                &json!({"title": "Queue workers crash", "severity": "SEV2", "services": ["network"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        let (_, detail) = app
            .api(
                reqwest::Method::GET,
                &format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap()),
                Some(&app.admin_token),
            )
            .await;
        let changed = detail["what_changed"].as_array().unwrap();
        assert!(
            changed.iter().any(|entry| entry["kind"] == "deployment"
                && entry["repository"] == "acme-org/my-workspace"),
            "{changed:?}"
        );
        assert!(
            changed.iter().any(|entry| entry["kind"] == "announcement"),
            "the approved change too: {changed:?}"
        );

        // An errored run is told like any failed deployment.
        let (status, _) = post_tfc(
            &app,
            &tfc_notification("run:errored", "errored"),
            "notification-token",
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let told = chat.wait_for(1).await;
        let text = String::from_utf8_lossy(&told[0].body).into_owned();
        assert!(text.contains("acme-org/my-workspace"), "{text}");

        // Atlantis' documented apply webhook, with the token it is configured to send.
        let atlantis = std::fs::read_to_string(format!(
            "{}/tests/fixtures/atlantis/published/apply.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let (status, answer) = app
            .post_hook(
                "atlantis",
                &atlantis,
                &[
                    ("content-type", "application/json"),
                    ("authorization", "Bearer atlantis-token"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        let deployed = crate::metrics::wait_for_deployments(&app, &reader, 3).await;
        let atlantis = deployed
            .iter()
            .find(|d| d["source"] == "atlantis")
            .unwrap_or_else(|| panic!("{deployed:?}"));
        assert_eq!(atlantis["service"], "network");
        assert_eq!(atlantis["environment"], "default");
        assert_eq!(atlantis["sha"], "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d");
        assert_eq!(atlantis["version"], "example-project");
        app.stop().await;
    }
}
