//! The `firewatch` binary as a user runs it.

use std::process::Output;

use firewatch::core::scope::Scope;

use crate::support::{TestApp, TestDatabase, backends};

pub const BINARY: &str = env!("CARGO_BIN_EXE_firewatch");

/// Runs a client-side command against a running app, off the test's runtime thread so the
/// app keeps answering while the command waits.
pub async fn client(args: &[&str], url: &str, token: &str) -> Output {
    run(
        args.iter().map(|a| a.to_string()).collect(),
        vec![
            ("FIREWATCH_URL".into(), url.into()),
            ("FIREWATCH_TOKEN".into(), token.into()),
        ],
    )
    .await
}

pub async fn run(args: Vec<String>, envs: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(BINARY)
            .args(&args)
            .envs(envs)
            .env_remove("FIREWATCH_CONFIG")
            .output()
            .expect("firewatch runs")
    })
    .await
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn check_config_reports_every_problem_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        r#"
[[integrations]]
name = "ingest"
kind = "generic"
secret = "${FIREWATCH_TEST_UNSET_SECRET}"
"#,
    )
    .unwrap();
    let output = run(
        vec![
            "check-config".into(),
            "--config".into(),
            bad.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains(
            "integrations[0].secret: environment variable FIREWATCH_TEST_UNSET_SECRET is not set"
        ),
        "{output:?}"
    );

    std::fs::write(
        &bad,
        r#"
[[destinations]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:9/x"
[[routes]]
to = ["eng-chat"]
[[routes]]
match = { source = "carrier-pigeon" }
to = ["hook"]
"#,
    )
    .unwrap();
    let output = run(
        vec![
            "check-config".into(),
            "--config".into(),
            bad.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("2 problem(s)"), "{stderr}");
    assert!(
        stderr.contains("routes[0].to[0]: unknown destination \"eng-chat\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("routes[1].match.source: unknown source \"carrier-pigeon\""),
        "{stderr}"
    );

    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[[integrations]]\nname = \"ingest\"\nkind = \"generic\"\ntoken = \"${FIREWATCH_TEST_TOKEN}\"\n").unwrap();
    let output = run(
        vec![
            "check-config".into(),
            "--config".into(),
            good.display().to_string(),
        ],
        vec![("FIREWATCH_TEST_TOKEN".into(), "x".into())],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        text(&output.stdout).contains("OK (1 integration, 0 destinations, 0 routes, 0 digests)")
    );

    let output = run(
        vec![
            "check-config".into(),
            "--config".into(),
            dir.path().join("missing.toml").display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("cannot read the file"));
}

#[tokio::test]
async fn token_create_prints_a_working_token_once_and_stores_its_hash() {
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let output = run(
            vec![
                "token".into(),
                "create".into(),
                "--name".into(),
                "ci".into(),
                "--scopes".into(),
                "events:read".into(),
                "--database-url".into(),
                database.url.clone(),
            ],
            vec![],
        )
        .await;
        assert!(output.status.success(), "{output:?}");
        let token = text(&output.stdout).trim().to_owned();
        assert!(token.starts_with("fw_") && token.len() == 67, "{token}");
        let store = database.store().await;
        let tokens = store.list_tokens().await.unwrap();
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].scopes, vec!["events:read"]);
        // Only the hash is stored.
        let row: (String,) = match &store {
            firewatch::store::Store::Sqlite(_) | firewatch::store::Store::Postgres(_) => {
                let hash = firewatch::tokens::hash(&token);
                assert!(store.find_token(&hash).await.is_ok());
                (hash,)
            }
        };
        assert_ne!(row.0, token);
        store.close().await;

        let output = run(
            vec![
                "token".into(),
                "create".into(),
                "--name".into(),
                "x".into(),
                "--scopes".into(),
                "root".into(),
                "--database-url".into(),
                database.url.clone(),
            ],
            vec![],
        )
        .await;
        assert!(!output.status.success());
        assert!(
            text(&output.stderr).contains("unknown scope \"root\""),
            "{output:?}"
        );
    }
}

#[tokio::test]
async fn client_commands_explain_api_errors() {
    let app = TestApp::spawn(backends()[0], "").await;
    let viewer = app.token(&[Scope::EventsRead]).await;
    let output = client(&["notifications", "redrive", "--all"], &app.url, &viewer).await;
    assert!(!output.status.success());
    assert!(
        text(&output.stderr)
            .contains("forbidden: this token lacks the \"notifications:write\" scope"),
        "{output:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn version_is_printed() {
    let output = run(vec!["--version".into()], vec![]).await;
    assert!(text(&output.stdout).starts_with("firewatch "));
}
