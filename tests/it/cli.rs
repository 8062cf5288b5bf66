//! The `firewatch` binary as a user runs it.

use std::process::Output;

use firewatch::core::scope::Scope;

use crate::support::{TestApp, TestDatabase, backends};

pub const BINARY: &str = env!("CARGO_BIN_EXE_firewatch");

/// Runs a client-side command against a running app, off the test's runtime thread so the
/// app keeps answering while the command waits.
/// A client command against `url`, in UTC whatever this machine's zone, so times read alike
/// everywhere the tests run.
pub async fn client(args: &[&str], url: &str, token: &str) -> Output {
    run(
        args.iter().map(|a| a.to_string()).collect(),
        vec![
            ("FIREWATCH_URL".into(), url.into()),
            ("FIREWATCH_TOKEN".into(), token.into()),
            ("TZ".into(), "UTC".into()),
        ],
    )
    .await
}

pub async fn run(args: Vec<String>, envs: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(BINARY)
            .args(&args)
            // English unless a test asks otherwise, whatever this machine's shell speaks.
            .env_remove("FIREWATCH_LOCALE")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("LANG")
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

    // The alerting sections are counted when there are any.
    let alerting = dir.path().join("alerting.toml");
    std::fs::write(
        &alerting,
        r#"
[[destinations]]
name = "cloud-chat"
kind = "webhook"
url = "http://127.0.0.1:9/hook"

[[teams]]
id = "cloud"
channel = "cloud-chat"

[[services]]
id = "api"
team = "cloud"

[[services]]
id = "db"
team = "cloud"

[[checks]]
name = "db-port"
kind = "tcp"
address = "127.0.0.1:5432"
"#,
    )
    .unwrap();
    let output = run(
        vec![
            "check-config".into(),
            "--config".into(),
            alerting.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        text(&output.stdout).contains(
            "OK (0 integrations, 1 destination, 0 routes, 0 digests, 1 team, 2 services, 1 check)"
        ),
        "{output:?}"
    );
    // In Korean: asked by the shell's language, by FIREWATCH_LOCALE, or by `[server] locale`.
    let korean =
        ": 이상 없음 (연동 0개, 대상 1개, 경로 0개, 요약 0개, 팀 1개, 서비스 2개, 점검 1개)";
    for env in [
        vec![("LANG".to_owned(), "ko_KR.UTF-8".to_owned())],
        vec![
            ("LANG".to_owned(), "en_US.UTF-8".to_owned()),
            ("FIREWATCH_LOCALE".to_owned(), "ko".to_owned()),
        ],
    ] {
        let output = run(
            vec![
                "check-config".into(),
                "--config".into(),
                alerting.display().to_string(),
            ],
            env,
        )
        .await;
        assert!(text(&output.stdout).contains(korean), "{output:?}");
    }
    let korean_server = dir.path().join("korean.toml");
    std::fs::write(
        &korean_server,
        format!(
            "[server]\nlocale = \"ko\"\n{}",
            std::fs::read_to_string(&alerting).unwrap()
        ),
    )
    .unwrap();
    let output = run(
        vec![
            "check-config".into(),
            "--config".into(),
            korean_server.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert!(text(&output.stdout).contains(korean), "{output:?}");
    let wrong = dir.path().join("wrong-locale.toml");
    std::fs::write(&wrong, "[server]\nlocale = \"fr\"\n").unwrap();
    let output = run(
        vec![
            "check-config".into(),
            "--config".into(),
            wrong.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        text(&output.stderr).contains("Firewatch speaks \"en\" (English) and \"ko\" (Korean)"),
        "{output:?}"
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
        let row: (String,) = {
            let hash = firewatch::accounts::tokens::hash(&token);
            assert!(store.find_token(&hash).await.is_ok());
            (hash,)
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
    for backend in backends() {
        let app = TestApp::spawn(backend, "").await;
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
}

/// The version and, in a release build, the commit (a debug build says so instead, since
/// asking git would rebuild it after every commit; build.rs).
#[tokio::test]
async fn version_is_printed_with_the_commit() {
    let output = run(vec!["--version".into()], vec![]).await;
    let version = text(&output.stdout);
    let expected = concat!("firewatch ", env!("CARGO_PKG_VERSION"), " (");
    assert!(version.starts_with(expected), "{version}");
    assert!(version.ends_with(")\n"), "{version}");
}

/// The container's HEALTHCHECK: 0 while the server answers /readyz, 1 with a sentence when
/// nothing listens. An address of every interface is asked on loopback.
#[tokio::test]
async fn healthcheck_asks_readyz_where_the_server_listens() {
    for backend in backends() {
        let app = TestApp::spawn(backend, "").await;
        let port = app.url.rsplit(':').next().unwrap().to_owned();
        let output = run(
            vec![
                "healthcheck".into(),
                "--listen".into(),
                format!("0.0.0.0:{port}"),
            ],
            vec![],
        )
        .await;
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert!(
            text(&output.stdout).contains("\"ready\""),
            "{}",
            text(&output.stdout)
        );
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap().to_string();
    drop(closed);
    let output = run(
        vec!["healthcheck".into(), "--listen".into(), address.clone()],
        vec![],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!("http://{address}/readyz did not answer")),
        "{stderr}"
    );
}

/// A store that cannot be opened is named with its cause, once: the error chain the command
/// line prints does not repeat the database driver's message.
#[tokio::test]
async fn a_store_that_cannot_be_opened_is_named_with_its_cause_once() {
    let url = "sqlite:///nonexistent-firewatch-dir/firewatch.db";
    let output = run(
        vec![
            "token".into(),
            "list".into(),
            "--database-url".into(),
            url.into(),
        ],
        vec![],
    )
    .await;
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot open the store at {url}: database error:")),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("unable to open database file").count(),
        1,
        "{stderr}"
    );
}

/// Every config in examples/ passes `check-config` with no warning, checked as its README says:
/// each `${VAR}` it names set to a placeholder.
#[tokio::test]
async fn every_example_config_passes_check_config() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for file in files {
        let text_of_file = std::fs::read_to_string(&file).unwrap();
        let variables: std::collections::BTreeSet<String> = text_of_file
            .split("${")
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
            .collect();
        let mut envs: Vec<(String, String)> = variables
            .into_iter()
            .map(|name| (name, "example-secret-0123456789abcdefg".to_owned()))
            .collect();
        envs.push(("LANG".into(), "C".into()));
        let output = run(
            vec![
                "check-config".into(),
                "--config".into(),
                file.display().to_string(),
            ],
            envs,
        )
        .await;
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert!(
            output.status.success(),
            "{}:\n{stdout}{stderr}",
            file.display()
        );
        assert!(!stderr.contains("warning"), "{}:\n{stderr}", file.display());
    }
}

/// Runs the binary with `input` on standard input.
pub async fn run_with_stdin(args: Vec<String>, input: &str) -> Output {
    let input = input.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new(BINARY)
            .args(&args)
            .env_remove("FIREWATCH_CONFIG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("firewatch runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

/// The stored password hash, read straight from the table.
async fn stored_password_hash(database: &TestDatabase, name: &str) -> String {
    let sql = "SELECT password_hash FROM users WHERE name = $1";
    if database.url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&database.url).await.unwrap();
        let hash = sqlx::query_scalar(sql)
            .bind(name)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        hash
    } else {
        let pool = sqlx::PgPool::connect(&database.url).await.unwrap();
        let hash = sqlx::query_scalar(sql)
            .bind(name)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        hash
    }
}

#[tokio::test]
async fn user_add_hashes_the_password_with_argon2id_and_never_shows_it() {
    const PASSWORD: &str = "tr0ub4dor&3-horse-staple";
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        let add = |name: &str, role: &str| {
            vec![
                "user".into(),
                "add".into(),
                name.into(),
                "--role".into(),
                role.into(),
                "--password-stdin".into(),
                "--database-url".into(),
                database.url.clone(),
            ]
        };
        let output = run_with_stdin(add("andrew", "admin"), &format!("{PASSWORD}\n")).await;
        assert!(output.status.success(), "{output:?}");
        let all_output = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(
            all_output.starts_with("added admin andrew ("),
            "{all_output}"
        );
        assert!(!all_output.contains(PASSWORD));

        let hash = stored_password_hash(&database, "andrew").await;
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains(PASSWORD));
        assert!(firewatch::accounts::users::verify_password(PASSWORD, &hash));

        let output = run(
            vec![
                "user".into(),
                "list".into(),
                "--database-url".into(),
                database.url.clone(),
            ],
            vec![],
        )
        .await;
        let listing = text(&output.stdout);
        assert!(
            listing.contains("andrew") && listing.contains("admin") && !listing.contains("argon2"),
            "{listing}"
        );

        for (args, input, expected) in [
            (
                add("andrew", "viewer"),
                format!("{PASSWORD}\n"),
                "a user named \"andrew\" already exists",
            ),
            (
                add("gyeongjun", "viewer"),
                "short\n".to_owned(),
                "at least 12 characters",
            ),
            (
                add("gyeongjun", "root"),
                format!("{PASSWORD}\n"),
                "unknown role \"root\"",
            ),
            (
                add("no spaces please", "viewer"),
                format!("{PASSWORD}\n"),
                "the name may hold only",
            ),
        ] {
            let output = run_with_stdin(args, &input).await;
            assert!(!output.status.success());
            assert!(
                text(&output.stderr).contains(expected),
                "{expected}: {output:?}"
            );
        }
    }
}

/// The README's first-admin step, run in a new terminal: the server-side commands read only
/// `server.database_url` from the config, so a token variable the server needs but this shell
/// lacks does not stop them; a variable in the URL itself still must be set.
#[tokio::test]
async fn server_side_commands_need_only_the_database_url_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("fw.db");
    let config = dir.path().join("firewatch.toml");
    std::fs::write(
        &config,
        "[server]\ndatabase_url = \"sqlite://${FIREWATCH_TEST_DB_DIR}/fw.db\"\n\n\
         [[integrations]]\nname = \"ingest\"\nkind = \"generic\"\ntoken = \"${FIREWATCH_TEST_UNSET_TOKEN}\"\n",
    )
    .unwrap();
    let args = |command: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = command.iter().map(|a| a.to_string()).collect();
        args.extend(["--config".into(), config.display().to_string()]);
        args
    };
    let directory = dir.path().display().to_string();
    let output = run(
        args(&["token", "create", "--name", "me", "--scopes", "admin"]),
        vec![("FIREWATCH_TEST_DB_DIR".into(), directory.clone())],
    )
    .await;
    assert!(output.status.success(), "{output:?}");
    assert!(database.exists(), "the URL's variable was expanded");
    let listed = run(
        args(&["token", "list"]),
        vec![("FIREWATCH_TEST_DB_DIR".into(), directory)],
    )
    .await;
    assert!(text(&listed.stdout).contains("me"), "{listed:?}");

    let output = run(args(&["token", "list"]), vec![]).await;
    assert!(!output.status.success());
    assert!(
        text(&output.stderr)
            .contains("server.database_url: environment variable FIREWATCH_TEST_DB_DIR is not set"),
        "{output:?}"
    );
}

/// Issue 29: a client command without a URL or token failed with clap's "--url <URL>" and
/// "--token <TOKEN>" alone, naming neither environment variable the README sets.
#[test]
fn a_client_command_without_a_url_or_token_says_which_variable_to_set() {
    let run = |envs: &[(&str, &str)]| {
        let output = std::process::Command::new(BINARY)
            .args(["incident", "list"])
            .env_remove("FIREWATCH_URL")
            .env_remove("FIREWATCH_TOKEN")
            .env_remove("FIREWATCH_CONFIG")
            .envs(envs.iter().copied())
            .output()
            .expect("firewatch runs");
        assert!(!output.status.success());
        text(&output.stderr)
    };
    let said = run(&[]);
    assert!(said.contains("set FIREWATCH_URL (or pass --url)"), "{said}");
    let said = run(&[("FIREWATCH_URL", "http://127.0.0.1:9")]);
    assert!(
        said.contains("set FIREWATCH_TOKEN (or pass --token)"),
        "{said}"
    );
}

/// Issue 29: lists printed API times as they came (`2026-11-02T01:00:00.123456789Z`), some
/// without a header, and an empty list printed a bare header or nothing.
#[tokio::test]
async fn client_lists_have_headers_local_times_to_the_second_and_say_when_empty() {
    for backend in crate::support::backends() {
        let app = crate::support::TestApp::spawn(
            backend,
            "[[services]]\nid = \"api\"\n\n[[people]]\nid = \"andrew\"\n",
        )
        .await;
        let in_seoul = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            run(
                args,
                vec![
                    ("FIREWATCH_URL".into(), app.url.clone()),
                    ("FIREWATCH_TOKEN".into(), app.admin_token.clone()),
                    ("TZ".into(), "Asia/Seoul".into()),
                ],
            )
        };
        let empty = text(&in_seoul(&["alert", "list"]).await.stdout);
        assert_eq!(empty.trim(), "no open alerts");
        let empty = text(&in_seoul(&["incident", "list"]).await.stdout);
        assert_eq!(empty.trim(), "no open incidents");
        let empty = text(&in_seoul(&["silence", "list"]).await.stdout);
        assert_eq!(empty.trim(), "no active or pending silences");
        let empty = text(&in_seoul(&["alert", "tasks"]).await.stdout);
        assert_eq!(empty.trim(), "no open tasks");

        // Declared at 01:00:00 UTC on the test clock, plus a fraction of a second.
        app.clock.advance(jiff::SignedDuration::from_millis(250));
        let (status, _) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/incidents",
                &app.admin_token,
                &serde_json::json!({"title": "Search is slow", "severity": "SEV3", "services": ["api"]}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::CREATED);
        app.api_json(
            reqwest::Method::PUT,
            "/api/v1/incidents/1/roles/commander",
            &app.admin_token,
            &serde_json::json!({"person": "andrew"}),
        )
        .await;
        let listed = text(&in_seoul(&["incident", "list"]).await.stdout);
        assert!(
            listed.trim_start().starts_with("#  SEV"),
            "a header first: {listed}"
        );
        let row = listed.lines().nth(1).unwrap();
        assert!(
            row.contains("andrew") && row.contains("2026-11-02 10:00:00 KST"),
            "the commander, and the time in the machine's zone to the second: {row}"
        );
        let utc = text(&in_seoul(&["incident", "list", "--utc"]).await.stdout);
        assert!(utc.contains("2026-11-02 01:00:00 UTC"), "{utc}");
        let shown = text(&in_seoul(&["incident", "show", "1", "--utc"]).await.stdout);
        assert!(shown.contains("  2026-11-02 01:00:00 UTC state"), "{shown}");
        assert!(!shown.contains(".250"), "no fractions of a second: {shown}");
        app.stop().await;
    }
}
