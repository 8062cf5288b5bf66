//! Templates from the config reword a route's messages; `check-config` catches broken ones.

use crate::github::{deliver, fixture};
use crate::support::{Destination, TestApp, backends};

const SECRET: &str = "template-test-secret";

#[tokio::test]
async fn a_route_template_words_the_message_on_each_platform() {
    for backend in backends() {
        let chat = Destination::start().await;
        let config = format!(
            r#"
[[integrations]]
name = "github"
kind = "github"
secret = "{SECRET}"

[[destinations]]
name = "chat"
kind = "slack"
url = "{url}"

[[templates]]
name = "terse-push"
title = "{{{{ repository }}}}: {{{{ push.total_commits }}}} new on {{{{ branch }}}}"
body = """
{{% for commit in push.commits %}}- [{{{{ commit.sha[:7] }}}}]({{{{ commit.url }}}}) {{{{ commit.title }}}}{{% if commit.author %}} — **{{{{ commit.author }}}}**{{% endif %}}
{{% endfor %}}"""

[[routes]]
match = {{ kind = "push" }}
to = ["chat"]
template = "terse-push"

[[routes]]
to = ["chat"]
"#,
            url = chat.url
        );
        let app = TestApp::spawn(backend, &config).await;
        assert_eq!(
            deliver(&app, "push", &fixture("push.branch"), "p1", SECRET)
                .await
                .0,
            202
        );
        assert_eq!(
            deliver(&app, "release", &fixture("release.published"), "p2", SECRET)
                .await
                .0,
            202
        );
        let messages = chat.wait_for(2).await;
        let push = messages[0].json();
        let text = push["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(text.starts_with("*<https://github.com/acme/api/compare/1b2c3d4e5f60...c3d4e5f60718|acme/api: 3 new on main>*\n"), "{text}");
        assert!(text.contains("- <https://github.com/acme/api/commit/b2c3d4e5f60718293a4b5c6d7e8f901122334455|b2c3d4e> Add test for &lt;401&gt; retry &amp; backoff — *gyeongjun*"), "{text}");
        // A route without a template keeps the default wording.
        assert!(
            messages[1].json()["text"]
                .as_str()
                .unwrap()
                .contains("release v1.4.2")
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn check_config_reports_template_errors_with_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("firewatch.toml");
    std::fs::write(
        &file,
        r#"
[[destinations]]
name = "chat"
kind = "slack"
url = "http://127.0.0.1:9/hook"

[[templates]]
name = "broken"
title = "ok"
body = """
{{ actor }}
{% for commit in push.commits %}
"""

[[routes]]
to = ["chat"]
template = "missing"
"#,
    )
    .unwrap();
    let output = crate::cli::run(
        vec![
            "check-config".into(),
            "--config".into(),
            file.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("templates[0].body: the template does not compile: syntax error (line 2): unexpected end of input, expected end of block"), "{stderr}");
    assert!(
        stderr.contains("routes[0].template: unknown template \"missing\""),
        "{stderr}"
    );
}
