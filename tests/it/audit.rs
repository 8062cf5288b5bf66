//! The audit log (issue 36) on both backends: each change a person makes leaves one entry
//! with the right actor and channel (web UI, API, the command line through the API, the
//! server's own command line, a signal), nothing secret in it; `firewatch audit verify`
//! passes, then names the first entry a test edited or removed with `sqlite3`/`psql`;
//! `audit export` writes JSON Lines; and under `kill -9` during a stream of changes, every
//! change has its entry and every entry its change. Also passwords: changing one's own ends
//! the other sessions, a common one is refused, an admin's reset ends them all.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use firewatch::core::role::Role;
use firewatch::store::audit::AuditFilter;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cli::{run, run_with_stdin};
use crate::process::{Server, admin_token, shell_query, write_config};
use crate::support::{Destination, TestApp, TestDatabase, backends};
use crate::web::{Browser, PASSWORD, add_user, chat_config, firing_alert};

const SCHEDULE: &str = r#"
[[people]]
id = "ana"
user = "ana"

[[people]]
id = "bo"

[[schedules]]
id = "primary"
timezone = "UTC"
[[schedules.layers]]
rotation = "weekly"
handoff = "mon 09:00"
start = "2026-11-02"
members = ["ana", "bo"]
"#;

/// `firewatch user ARGS… --password-stdin --database-url URL`, with `password` on standard
/// input, as an admin at the server types it.
pub async fn user_command(url: &str, args: &[&str], password: &str) -> std::process::Output {
    let mut all: Vec<String> = vec!["user".into()];
    all.extend(args.iter().map(|arg| (*arg).to_owned()));
    all.extend([
        "--password-stdin".into(),
        "--database-url".into(),
        url.to_owned(),
    ]);
    run_with_stdin(all, &format!("{password}\n")).await
}

/// Every entry, oldest first, from the API.
async fn entries(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, body) = app
        .api(
            Method::GET,
            &format!("/api/v1/audit?limit=500{query}"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut items = body["items"].as_array().unwrap().clone();
    items.reverse();
    items
}

/// (action, actor, channel) of each entry, in order.
fn summary(items: &[Value]) -> Vec<(String, String, String)> {
    items
        .iter()
        .map(|entry| {
            (
                entry["action"].as_str().unwrap().to_owned(),
                entry["actor"].as_str().unwrap().to_owned(),
                entry["channel"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn each_change_leaves_one_entry_with_its_actor_and_channel() {
    for backend in backends() {
        let destination = Destination::start().await;
        let config = format!("{}\n{SCHEDULE}", chat_config(&destination));
        let app =
            TestApp::spawn_at(backend, &config, "2026-11-20T12:00:00Z".parse().unwrap()).await;
        add_user(&app, "ana", Role::Admin).await;
        let alert = firing_alert(&app).await;
        let mut browser = Browser::new(&app);

        // Sign-in: a wrong password, then the right one.
        let refused = browser.sign_in("ana", "not the password at all").await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        let signed = browser.sign_in("ana", PASSWORD).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        let csrf = browser.csrf().await;

        // A user added on the Users page.
        let added = browser
            .post(
                "/users",
                &[
                    ("_csrf", &csrf),
                    ("name", "mina"),
                    ("role", "responder"),
                    ("password", "another good passphrase 9"),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);

        // A token made and revoked through the API.
        let (status, token) = app
            .api_json(
                Method::POST,
                "/api/v1/tokens",
                &app.admin_token,
                &json!({"name": "deploys", "scopes": ["events:read"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{token}");
        let secret = token["token"].as_str().unwrap().to_owned();
        let token_id = token["id"].as_str().unwrap().to_owned();
        let (status, _) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/tokens/{token_id}"),
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);

        // A silence from the page, expired through the API.
        let made = browser
            .post(
                "/silences",
                &[
                    ("_csrf", &csrf),
                    ("matchers", "instance=db-9"),
                    ("duration", "1h"),
                    ("comment", "disk swap"),
                ],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let silence = app.store.list_silences().await.unwrap()[0].id.clone();
        let (status, body) = app
            .api(
                Method::DELETE,
                &format!("/api/v1/silences/{silence}"),
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // An override through the API as Firewatch's own command line sends it, removed on
        // the page.
        let response = app
            .http
            .post(format!("{}/api/v1/schedules/primary/overrides", app.url))
            .bearer_auth(&app.admin_token)
            .header("firewatch-client", "cli")
            .json(&json!({"person": "bo", "start": "2026-11-21T00:00:00Z", "end": "2026-11-22T00:00:00Z"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let created: Value = response.json().await.unwrap();
        let removed = browser
            .post(
                &format!(
                    "/oncall/overrides/{}/delete",
                    created["id"].as_str().unwrap()
                ),
                &[("_csrf", &csrf)],
            )
            .await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);

        // The alert acknowledged through the API, resolved on the page.
        let (status, body) = app
            .api(
                Method::POST,
                &format!("/api/v1/alerts/{alert}/acknowledge"),
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let resolved = browser
            .post(&format!("/alerts/{alert}/resolve"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(resolved.status, StatusCode::SEE_OTHER);

        // Her own password, then signing out.
        let changed = browser
            .post(
                "/account/password",
                &[
                    ("_csrf", &csrf),
                    ("current", PASSWORD),
                    ("password", "a brand new passphrase 7"),
                    ("again", "a brand new passphrase 7"),
                ],
            )
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
        let out = browser.post("/logout", &[("_csrf", &csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);

        let items = entries(&app, "").await;
        let admin = "api:test-admin".to_owned();
        let ana = "user:ana".to_owned();
        let expected: Vec<(String, String, String)> = [
            ("token.create", "cli", "cli"),
            ("user.create", "cli", "cli"),
            ("session.sign_in_failed", ana.as_str(), "ui"),
            ("session.sign_in", &ana, "ui"),
            ("user.create", &ana, "ui"),
            ("token.create", &admin, "api"),
            ("token.revoke", &admin, "api"),
            ("silence.create", &ana, "ui"),
            ("silence.expire", &admin, "api"),
            ("override.create", &admin, "cli"),
            ("override.delete", &ana, "ui"),
            ("alert.acknowledge", "token:test-admin", "api"),
            ("alert.resolve", &ana, "ui"),
            ("user.password_change", &ana, "ui"),
            ("session.sign_out", &ana, "ui"),
        ]
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
        assert_eq!(summary(&items), expected, "{backend:?}: {items:#?}");

        // What each says it changed.
        let by_action: BTreeMap<&str, &Value> = items
            .iter()
            .map(|entry| (entry["action"].as_str().unwrap(), entry))
            .collect();
        assert_eq!(by_action["user.create"]["target"], "mina");
        assert_eq!(by_action["user.create"]["after"]["role"], "responder");
        assert_eq!(by_action["token.create"]["target"], token_id.as_str());
        assert_eq!(
            by_action["token.create"]["after"]["scopes"],
            json!(["events:read"])
        );
        assert_eq!(by_action["silence.create"]["after"]["comment"], "disk swap");
        assert_eq!(by_action["override.delete"]["before"]["person"], "bo");
        assert_eq!(by_action["alert.acknowledge"]["before"]["state"], "firing");
        assert_eq!(
            by_action["alert.acknowledge"]["after"]["state"],
            "acknowledged"
        );
        assert_eq!(by_action["alert.resolve"]["after"]["state"], "resolved");
        assert_eq!(
            by_action["session.sign_in_failed"]["after"]["why"],
            "wrong password"
        );
        // Never a secret: no password (old or new), no token, no hash.
        let all = serde_json::to_string(&items).unwrap();
        for secret in [
            PASSWORD,
            "a brand new passphrase 7",
            "another good passphrase 9",
            "not the password at all",
            &secret,
            "$argon2",
        ] {
            assert!(!all.contains(secret), "{secret} in the audit log");
        }
        // Chained: each names the one before.
        for pair in items.windows(2) {
            assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
            assert_eq!(
                pair[1]["seq"].as_i64().unwrap(),
                pair[0]["seq"].as_i64().unwrap() + 1
            );
        }
        assert_eq!(
            firewatch::accounts::audit::verify(&app.store)
                .await
                .unwrap(),
            items.len() as i64
        );

        // Filters: exact, a prefix, and time.
        let ana_only = entries(&app, "&actor=user:ana").await;
        assert_eq!(ana_only.len(), 8);
        let sessions = entries(&app, "&action=session.*").await;
        assert_eq!(
            summary(&sessions)
                .iter()
                .map(|s| s.0.as_str())
                .collect::<Vec<_>>(),
            [
                "session.sign_in_failed",
                "session.sign_in",
                "session.sign_out"
            ]
        );
        let later = entries(&app, "&from=2026-11-20T12:00:01Z").await;
        assert!(later.is_empty(), "the clock stood still: {later:?}");
        let (status, body) = app
            .api(
                Method::GET,
                "/api/v1/audit?from=yesterday-ish",
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        // Read by admins and auditors' tokens only.
        let reader = app
            .token(&[firewatch::core::scope::Scope::EventsRead])
            .await;
        let (status, _) = app.api(Method::GET, "/api/v1/audit", Some(&reader)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let auditor = app.token(&[firewatch::core::scope::Scope::AuditRead]).await;
        let (status, _) = app.api(Method::GET, "/api/v1/audit", Some(&auditor)).await;
        assert_eq!(status, StatusCode::OK);

        // The Audit page: admins only.
        let mut mina = Browser::new(&app);
        assert_eq!(
            mina.sign_in("mina", "another good passphrase 9")
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(mina.get("/audit").await.status, StatusCode::FORBIDDEN);
        let mut ana = Browser::new(&app);
        ana.sign_in("ana", "a brand new passphrase 7").await;
        let page = ana.get("/audit?action=silence.*&verify=1").await;
        assert_eq!(page.status, StatusCode::OK);
        let shown = page.testid("audit-entries").unwrap();
        assert!(
            shown.contains("silence.create") && shown.contains("silence.expire"),
            "{shown}"
        );
        assert!(!shown.contains("alert.resolve"), "{shown}");
        assert!(
            page.testid("audit-chain")
                .unwrap()
                .contains("The chain holds"),
            "{}",
            page.body
        );
    }
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_and_a_common_one_is_refused() {
    for backend in backends() {
        let app = TestApp::spawn(backend, "").await;
        add_user(&app, "ana", Role::Responder).await;
        let mut laptop = Browser::new(&app);
        let mut phone = Browser::new(&app);
        for browser in [&mut laptop, &mut phone] {
            let answer = browser.sign_in("ana", PASSWORD).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER);
        }
        let csrf = laptop.csrf().await;
        let change = |new: &'static str, again: &'static str, current: &'static str| {
            vec![("current", current), ("password", new), ("again", again)]
        };
        for (form, says) in [
            (
                change("password1234", "password1234", PASSWORD),
                "that password is",
            ),
            (
                change("qwertyuiop123", "qwertyuiop123", PASSWORD),
                "that password is",
            ),
            (change("short", "short", PASSWORD), "at least 12 characters"),
            (
                change(
                    "a brand new passphrase 7",
                    "a brand new passphrase 8",
                    PASSWORD,
                ),
                "The two new passwords differ.",
            ),
            (
                change(
                    "a brand new passphrase 7",
                    "a brand new passphrase 7",
                    "wrong",
                ),
                "The current password is wrong.",
            ),
        ] {
            let mut fields: Vec<(&str, &str)> = form.clone();
            fields.push(("_csrf", &csrf));
            let refused = laptop.post("/account/password", &fields).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{form:?}");
            let problem = refused.testid("password-problem").unwrap();
            assert!(problem.contains(says), "{form:?}: {problem}");
        }
        // Nothing changed: both still in.
        assert_eq!(phone.get("/").await.status, StatusCode::OK);

        let done = laptop
            .post(
                "/account/password",
                &[
                    ("_csrf", &csrf),
                    ("current", PASSWORD),
                    ("password", "a brand new passphrase 7"),
                    ("again", "a brand new passphrase 7"),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let shown = laptop.get(done.location.as_deref().unwrap()).await;
        assert!(
            shown
                .testid("password-changed")
                .unwrap()
                .contains("One other session was signed out."),
            "{}",
            shown.body
        );
        // The laptop stays, the phone is out.
        assert_eq!(laptop.get("/").await.status, StatusCode::OK);
        let out = phone.get("/").await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(out.location.unwrap().starts_with("/login"));
        // The old password no longer works; the new one does.
        let mut again = Browser::new(&app);
        assert_eq!(
            again.sign_in("ana", PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            again
                .sign_in("ana", "a brand new passphrase 7")
                .await
                .status,
            StatusCode::SEE_OTHER
        );

        // An admin's reset at the server's command line ends every session, with the same
        // refusal of a common password.
        let reset = |password: &'static str| {
            user_command(&app._database.url, &["password", "ana"], password)
        };
        let refused = reset("iloveyou1234").await;
        assert_eq!(refused.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("that password is"),
            "{refused:?}"
        );
        assert_eq!(laptop.get("/").await.status, StatusCode::OK);
        let output = reset("yet another fine passphrase").await;
        assert!(output.status.success(), "{output:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("ended 2 session(s)"),
            "{output:?}"
        );
        assert_eq!(laptop.get("/").await.status, StatusCode::SEE_OTHER);
        assert_eq!(again.get("/").await.status, StatusCode::SEE_OTHER);
        let twice = reset("yet another fine passphrase").await;
        assert!(twice.status.success(), "{twice:?}");
        let nobody = user_command(
            &app._database.url,
            &["password", "nobody"],
            "yet another fine passphrase",
        )
        .await;
        assert_eq!(nobody.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&nobody.stderr).contains("no user named \"nobody\""));

        let items = entries(&app, "&action=user.password_*").await;
        assert_eq!(
            summary(&items)
                .iter()
                .map(|(action, actor, channel)| (
                    action.as_str(),
                    actor.starts_with("cli"),
                    channel.as_str()
                ))
                .collect::<Vec<_>>(),
            [
                ("user.password_change", false, "ui"),
                ("user.password_reset", true, "cli"),
                ("user.password_reset", true, "cli"),
            ]
        );
    }
}

/// `firewatch audit …` against `url`.
async fn audit(url: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["audit".to_owned()];
    all.extend(args.iter().map(|arg| (*arg).to_owned()));
    all.extend(["--database-url".to_owned(), url.to_owned()]);
    run(all, vec![]).await
}

#[tokio::test]
async fn audit_verify_names_the_first_entry_changed_or_removed() {
    for backend in backends() {
        let database = TestDatabase::new(backend).await;
        for name in ["ana", "bo", "mina", "jun"] {
            let output = user_command(
                &database.url,
                &["add", name, "--role", "viewer"],
                "correct horse battery staple",
            )
            .await;
            assert!(output.status.success(), "{output:?}");
        }
        let holds = audit(&database.url, &["verify"]).await;
        assert!(holds.status.success(), "{holds:?}");
        assert!(String::from_utf8_lossy(&holds.stdout).contains("holds: 4 entries"));

        // Exported as JSON Lines, oldest first.
        let export = audit(&database.url, &["export"]).await;
        assert!(export.status.success(), "{export:?}");
        let lines: Vec<Value> = String::from_utf8_lossy(&export.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines
                .iter()
                .map(|line| line["target"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["ana", "bo", "mina", "jun"]
        );
        assert_eq!(lines[0]["prev_hash"], "0".repeat(64));
        let none = audit(
            &database.url,
            &["export", "--since", "2999-01-01T00:00:00Z"],
        )
        .await;
        assert!(none.status.success() && none.stdout.is_empty(), "{none:?}");

        let broken = |output: &std::process::Output, seq: i64| {
            assert_eq!(output.status.code(), Some(1), "{output:?}");
            let said = String::from_utf8_lossy(&output.stderr);
            assert!(said.contains(&format!("broken at entry {seq}:")), "{said}");
        };
        // An entry edited: named.
        shell_query(
            backend,
            &database.url,
            "UPDATE audit_log SET actor = 'cli:mallory' WHERE seq = 2",
        );
        broken(&audit(&database.url, &["verify"]).await, 2);
        // Edited with its hash made up again: the next entry's link names it.
        let original = lines[1]["actor"].as_str().unwrap().to_owned();
        shell_query(
            backend,
            &database.url,
            &format!("UPDATE audit_log SET actor = '{original}' WHERE seq = 2"),
        );
        assert!(audit(&database.url, &["verify"]).await.status.success());
        shell_query(
            backend,
            &database.url,
            "UPDATE audit_log SET hash = 'ab' || substr(hash, 3) WHERE seq = 2",
        );
        broken(&audit(&database.url, &["verify"]).await, 2);
        shell_query(
            backend,
            &database.url,
            &format!(
                "UPDATE audit_log SET hash = '{}' WHERE seq = 2",
                lines[1]["hash"].as_str().unwrap()
            ),
        );
        assert!(audit(&database.url, &["verify"]).await.status.success());
        // One removed from the middle, then the last one.
        shell_query(
            backend,
            &database.url,
            "DELETE FROM audit_log WHERE seq = 3",
        );
        broken(&audit(&database.url, &["verify"]).await, 3);
        let database = TestDatabase::new(backend).await;
        for name in ["ana", "bo"] {
            let output = user_command(
                &database.url,
                &["add", name, "--role", "viewer"],
                "correct horse battery staple",
            )
            .await;
            assert!(output.status.success(), "{output:?}");
        }
        shell_query(
            backend,
            &database.url,
            "DELETE FROM audit_log WHERE seq = 2",
        );
        broken(&audit(&database.url, &["verify"]).await, 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_kill_9_each_change_commits_with_its_entry_or_neither_does() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let database = TestDatabase::new(backend).await;
        let destination = Destination::start().await;
        let config = write_config(dir.path(), &destination, "");
        let log = dir.path().join("firewatch.log");
        let token = admin_token(&database.url).await;
        let mut server = Server::start(&config, &database.url, &log).await;

        // Four clients making silences as fast as the server takes them.
        let stop = Arc::new(AtomicBool::new(false));
        let acknowledged = Arc::new(std::sync::Mutex::new(HashSet::new()));
        let mut clients = Vec::new();
        for client in 0..4 {
            let (stop, acknowledged, url, token) = (
                stop.clone(),
                acknowledged.clone(),
                server.url.clone(),
                token.clone(),
            );
            clients.push(tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let sent = http
                        .post(format!("{url}/api/v1/silences"))
                        .bearer_auth(&token)
                        .json(&json!({"matchers": format!("instance=c{client}-{n}"), "duration": "1h", "comment": "load"}))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status() == StatusCode::CREATED => {
                            let body: Value = response.json().await.unwrap();
                            acknowledged
                                .lock()
                                .unwrap()
                                .insert(body["id"].as_str().unwrap().to_owned());
                        }
                        _ => break,
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for client in clients {
            client.await.unwrap();
        }
        let acknowledged = acknowledged.lock().unwrap().clone();
        assert!(
            acknowledged.len() > 20,
            "only {} silences",
            acknowledged.len()
        );

        let store = firewatch::store::Store::connect(&database.url)
            .await
            .unwrap();
        let silences: HashSet<String> = store
            .list_silences()
            .await
            .unwrap()
            .into_iter()
            .map(|silence| silence.id)
            .collect();
        let audited: Vec<String> = store
            .list_audit(&AuditFilter {
                action: Some("silence.create".into()),
                limit: 10_000,
                ..AuditFilter::default()
            })
            .await
            .unwrap()
            .into_iter()
            .map(|entry| entry.target)
            .collect();
        let audited_set: HashSet<String> = audited.iter().cloned().collect();
        assert_eq!(audited.len(), audited_set.len(), "one entry per silence");
        assert_eq!(
            audited_set, silences,
            "{backend:?}: a change without its entry, or the reverse"
        );
        assert!(
            acknowledged.is_subset(&silences),
            "an acknowledged silence was lost"
        );
        let entries = firewatch::accounts::audit::verify(&store).await.unwrap();
        assert_eq!(
            entries,
            silences.len() as i64 + 1,
            "the silences and the token"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn incidents_roles_post_mortems_change_decisions_and_statuses_are_audited() {
    use firewatch::core::scope::Scope;
    let config = format!(
        "{}\n[[status_page.components]]\nname = \"Public API\"\nservices = [\"api\"]\n",
        crate::web::INCIDENTS_CONFIG
    );
    for backend in backends() {
        let app = TestApp::spawn(backend, &config).await;
        add_user(&app, "rui", Role::Responder).await;
        add_user(&app, "mina", Role::Responder).await;
        let rui = app.user_token("rui", &[Scope::Admin]).await;
        let mina = app.user_token("mina", &[Scope::Admin]).await;
        let call = |token: &str, method: Method, path: &str, body: Value| {
            let (http, url, token, path) = (
                app.http.clone(),
                app.url.clone(),
                token.to_owned(),
                path.to_owned(),
            );
            async move {
                let response = http
                    .request(method, format!("{url}{path}"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let text = response.text().await.unwrap();
                assert!(status.is_success(), "{path}: {status} {text}");
                serde_json::from_str::<Value>(&text).unwrap_or(Value::Null)
            }
        };
        let incident = call(
            &rui,
            Method::POST,
            "/api/v1/incidents",
            json!({"title": "API errors", "severity": "SEV2", "services": ["api"]}),
        )
        .await;
        let number = incident["number"].as_i64().unwrap();
        let path = |tail: &str| format!("/api/v1/incidents/{number}{tail}");
        call(&rui, Method::POST, &path("/acknowledge"), Value::Null).await;
        call(
            &rui,
            Method::PUT,
            &path("/roles/commander"),
            json!({"person": "mina"}),
        )
        .await;
        call(
            &rui,
            Method::POST,
            &path("/updates"),
            json!({"status": "identified", "message": "a bad deploy", "public": true}),
        )
        .await;
        call(
            &rui,
            Method::PUT,
            "/api/v1/status/components/public-api",
            json!({"status": "partial_outage", "note": "errors"}),
        )
        .await;
        call(&rui, Method::POST, &path("/resolve"), Value::Null).await;
        app.idle().await;
        call(
            &mina,
            Method::POST,
            &path("/postmortem/review"),
            Value::Null,
        )
        .await;
        call(
            &mina,
            Method::POST,
            &path("/postmortem/publish"),
            Value::Null,
        )
        .await;
        let status = app
            .http
            .delete(format!("{}/api/v1/status/components/public-api", app.url))
            .bearer_auth(&rui)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::NO_CONTENT);
        // A change rui announces, mina approves; another mina rejects.
        let announce = |summary: &str| {
            call(
                &rui,
                Method::POST,
                "/api/v1/changes",
                json!({"summary": summary, "service": "api", "environment": "prod", "risk": "high", "rollback": "revert", "needs_approval": true}),
            )
        };
        let first = announce("resize the pool").await;
        let second = announce("drop the old index").await;
        call(
            &mina,
            Method::POST,
            &format!("/api/v1/changes/{}/approve", first["id"].as_str().unwrap()),
            Value::Null,
        )
        .await;
        call(
            &mina,
            Method::POST,
            &format!("/api/v1/changes/{}/reject", second["id"].as_str().unwrap()),
            json!({"reason": "not this week"}),
        )
        .await;

        let items = entries(&app, "&action=incident.*").await;
        let actions: Vec<&str> = items
            .iter()
            .map(|entry| entry["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "incident.declare",
                "incident.acknowledge",
                "incident.role",
                "incident.update",
                "incident.resolve",
                "incident.move",
            ],
            "{items:#?}"
        );
        assert!(
            items[..5]
                .iter()
                .all(|e| e["actor"] == "user:rui" && e["channel"] == "api")
        );
        assert_eq!(items[1]["before"]["state"], "triage");
        assert_eq!(items[1]["after"]["state"], "active");
        assert_eq!(items[2]["after"]["detail"]["person"], "mina");
        assert_eq!(items[3]["after"]["detail"]["status"], "identified");
        assert_eq!(items[4]["after"]["state"], "resolved");
        // Publishing moved the incident on to learning, as mina.
        assert_eq!(items[5]["actor"], "user:mina");
        assert_eq!(items[5]["after"]["state"], "learning");

        let others = summary(&entries(&app, "&action=postmortem.*").await);
        assert_eq!(
            others,
            [
                ("postmortem.state".into(), "user:mina".into(), "api".into()),
                (
                    "postmortem.publish".into(),
                    "user:mina".into(),
                    "api".into()
                ),
            ]
        );
        let statuses = entries(&app, "&action=status.*").await;
        assert_eq!(summary(&statuses)[0].0, "status.set");
        assert_eq!(statuses[0]["after"]["status"], "partial_outage");
        assert_eq!(summary(&statuses)[1].0, "status.clear");
        assert_eq!(statuses[1]["before"]["status"], "partial_outage");
        let decisions = entries(&app, "&action=change.*").await;
        assert_eq!(
            summary(&decisions)
                .iter()
                .map(|(action, actor, _)| (action.as_str(), actor.as_str()))
                .collect::<Vec<_>>(),
            [
                ("change.approve", "user:mina (token mina-token)"),
                ("change.reject", "user:mina (token mina-token)")
            ]
        );
        assert_eq!(decisions[1]["after"]["reason"], "not this week");
        assert_eq!(decisions[0]["before"]["state"], "pending_approval");
        firewatch::accounts::audit::verify(&app.store)
            .await
            .unwrap();
    }
}
