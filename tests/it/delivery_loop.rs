//! The delivery loop of seed 001 (PRODUCT.md §2.4, §2.18): commands in pull request comments
//! start CI through stand-ins for GitHub's and GitLab's REST APIs and Jenkins, and Firewatch
//! answers on the pull request, then again with the build's result.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::standins::ForgeApis;
use crate::support::{Destination, TestApp, backends};

const SECRET: &str = "It's a Secret to Everybody";
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
[[integrations]]
name = "github"
kind = "github"
secret = "{SECRET}"

[[integrations]]
name = "gitlab"
kind = "gitlab"
token = "gl-hook-token"

[[integrations]]
name = "jenkins"
kind = "jenkins"
token = "jk-token"

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
        post_jenkins(&app, &jenkins_result("FAILURE")).await;
        let all = apis.wait_for(apis.received().len() + 1).await;
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
        crate::github::deliver(&app, "issue_comment", &stranger, "d-7002", SECRET).await;
        let all = apis.wait_for(apis.received().len() + 1).await;
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
        // A name the repository has no target of is said, with the ones it has.
        let unknown = pr_comment(7003, "Codertocat", "OWNER", "/test lint");
        crate::github::deliver(&app, "issue_comment", &unknown, "d-7003", SECRET).await;
        let all = apis.wait_for(apis.received().len() + 1).await;
        let said = all.last().unwrap().json()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            said,
            "@Codertocat, there is no CI target named lint here, so nothing was started. This repository's are: jenkins-pr, actions, notify."
        );
        // An allowlisted bot (no association of its own) starts the one target it names.
        let bot = pr_comment(7004, "release-bot", "NONE", "/test jenkins-pr");
        crate::github::deliver(&app, "issue_comment", &bot, "d-7004", SECRET).await;
        apis.wait_for(apis.received().len() + 3).await;
        app.idle().await;
        assert_eq!(apis.calls("POST", "/job/").len(), 2);
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
        assert_eq!(apis.calls("POST", "/job/").len(), 2);
        assert_eq!(comments(&apis).len(), 5);
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
        let (status, _) =
            crate::gitlab::deliver(&app, "Pipeline Hook", &pipeline, "p-1", "gl-hook-token").await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let all = apis.wait_for(apis.received().len() + 1).await;
        let told = all.last().unwrap().json()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(told.starts_with("✅ **pipeline** ("), "{told}");
        assert!(told.contains("passed on 562e173."), "{told}");

        // A Guest (access level 10) is no Developer.
        crate::gitlab::deliver(
            &app,
            "Note Hook",
            &note(5002, 3, "guest", "/test"),
            "n-5002",
            "gl-hook-token",
        )
        .await;
        let all = apis.wait_for(apis.received().len() + 2).await;
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
