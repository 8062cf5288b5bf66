//! Single sign-on over HTTP, as a browser speaks it, against a provider that forges what a test
//! asks for (support/oidc.rs): an honest token signs the person in with their groups' role and
//! links them to their `[[people]]` entry by email; a tampered token, another audience, an
//! expired token, a missing or wrong nonce, a replayed state and a state from another browser
//! are each refused with a sentence, make no session and are written to the audit log; a key
//! the provider rotated in is read and taken. The browser test through the real
//! `oidc-provider` is in browser.rs.

use firewatch::clock::Clock as _;
use firewatch::core::role::Role;
use reqwest::StatusCode;

use crate::support::oidc::{Forgery, ForgingProvider, Person, oidc_config};
use crate::support::{TestApp, backends};
use crate::web::{Browser, PASSWORD, Page, add_user};

const PEOPLE: &str = r#"
[[people]]
id = "ana-kim"
name = "Ana Kim"
email = "ANA@example.com"
"#;

/// The callback path the provider sends this browser back to, after its sign-in started.
async fn to_callback(browser: &mut Browser<'_>, next: &str) -> String {
    let started = browser.get(&format!("/auth/oidc/login?next={next}")).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let authorize = started.location.unwrap();
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );
    assert!(authorize.contains("nonce="), "{authorize}");
    assert!(authorize.contains("state="), "{authorize}");
    let provider = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = provider.get(&authorize).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let back = answer.headers()["location"].to_str().unwrap().to_owned();
    let path = back.split_once("://").unwrap().1;
    path[path.find('/').unwrap()..].to_owned()
}

/// A whole sign-in through the provider; the callback's answer.
async fn single_sign_on(browser: &mut Browser<'_>) -> Page {
    let callback = to_callback(browser, "/alerts").await;
    browser.get(&callback).await
}

fn refused(page: &Page, says: &str) {
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    let problem = page.testid("login-problem").unwrap_or_default();
    assert!(problem.contains(says), "wanted {says:?}, got {problem:?}");
}

#[tokio::test]
async fn honest_tokens_sign_in_by_groups_and_forged_ones_are_refused() {
    for backend in backends() {
        let start = crate::support::start_time();
        let provider = ForgingProvider::start(start).await;
        let config = format!("{}\n{PEOPLE}", oidc_config(&provider.issuer));
        let app = TestApp::spawn_at(backend, &config, start).await;

        // The sign-in page offers the provider.
        let mut browser = Browser::new(&app);
        let login = browser.get("/login?next=/alerts").await;
        assert_eq!(login.status, StatusCode::OK);
        assert!(
            login.body.contains("Sign in with Test IdP"),
            "{}",
            login.body
        );
        assert!(crate::web::unescape(&login.body).contains("/auth/oidc/login?next=%2Falerts"));
        assert!(login.testid("sso-down").is_none());

        // ana is in `sre`: a responder, and the person whose email she has.
        let done = single_sign_on(&mut browser).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location.as_deref(), Some("/alerts"));
        let page = browser.get("/oncall").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.testid("signed-in-as").unwrap().contains("ana"));
        let users = app.store.list_users().await.unwrap();
        let ana = users
            .iter()
            .find(|u| u.name == "ana")
            .expect("made on sign-in");
        assert_eq!(ana.role, "responder");
        assert_eq!(ana.person.as_deref(), Some("ana-kim"));
        // She has no password here to change, and an admin cannot set one.
        let account = browser.get("/account").await;
        assert!(account.testid("password-sso").is_some(), "{}", account.body);
        let reset = crate::audit::user_command(
            &app._database.url,
            &["password", "ana"],
            "a fine long passphrase here",
        )
        .await;
        assert_eq!(reset.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&reset.stderr)
                .contains("signs in through the identity provider"),
            "{reset:?}"
        );
        // The same state again: once only.
        let replay_path = {
            let mut other = Browser::new(&app);
            let callback = to_callback(&mut other, "/").await;
            let first = other.get(&callback).await;
            assert_eq!(first.status, StatusCode::SEE_OTHER);
            let again = other.get(&callback).await;
            refused(&again, "already used or has expired");
            callback
        };
        // A state started in one browser, finished in another.
        let mut starter = Browser::new(&app);
        let callback = to_callback(&mut starter, "/").await;
        let mut thief = Browser::new(&app);
        refused(&thief.get(&callback).await, "started in another browser");
        assert_ne!(callback, replay_path);

        // Forged tokens: each refused, no session made.
        for (forgery, says) in [
            (Forgery::Tampered, "The ID token did not check out"),
            (Forgery::WrongAudience, "The ID token did not check out"),
            (Forgery::Expired, "The ID token did not check out"),
            (Forgery::NoNonce, "The ID token did not check out"),
            (Forgery::WrongNonce, "The ID token did not check out"),
        ] {
            provider.forge(forgery.clone());
            let mut browser = Browser::new(&app);
            let page = single_sign_on(&mut browser).await;
            refused(&page, says);
            assert!(
                browser.cookie("fw_session").is_none(),
                "{forgery:?} made a session"
            );
            assert_eq!(
                browser.get("/").await.status,
                StatusCode::SEE_OTHER,
                "{forgery:?}"
            );
        }
        provider.forge(Forgery::Honest);

        // The highest group wins; no listed group, no access.
        provider.sign_in_as(Person::new("root", &["sre", "sre-admins"]));
        let mut root = Browser::new(&app);
        assert_eq!(
            single_sign_on(&mut root).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(root.get("/users").await.status, StatusCode::OK, "an admin");
        provider.sign_in_as(Person::new("guest", &["marketing"]));
        let mut guest = Browser::new(&app);
        refused(
            &single_sign_on(&mut guest).await,
            "guest@example.com is in no group that gives access to Firewatch (groups: marketing)",
        );

        // The provider's own refusal is said too.
        let mut denied = Browser::new(&app);
        refused(
            &denied
                .get("/auth/oidc/callback?error=access_denied&error_description=The+user+said+no&state=x")
                .await,
            "did not sign you in: The user said no.",
        );

        // An answer that cannot be read is said on the page too.
        let unreadable = denied
            .get("/auth/oidc/callback?code=a&code=b&state=x")
            .await;
        assert_eq!(unreadable.status, StatusCode::BAD_REQUEST);
        assert!(
            unreadable
                .testid("login-problem")
                .unwrap()
                .contains("cannot be read (duplicate field `code`)"),
            "{}",
            unreadable.body
        );

        // A key the provider rotated in is read once and taken.
        let reads = provider.jwks_reads();
        provider.rotate_key("key-2");
        provider.sign_in_as(Person::new("ana", &["sre"]));
        let mut again = Browser::new(&app);
        assert_eq!(
            single_sign_on(&mut again).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(provider.jwks_reads(), reads + 1);
        // One user for ana, however often she signs in.
        assert_eq!(
            app.store
                .list_users()
                .await
                .unwrap()
                .iter()
                .filter(|u| u.name.starts_with("ana"))
                .count(),
            1
        );

        // Disabled on the Users page: refused.
        let ana_id = app
            .store
            .list_users()
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.name == "ana")
            .unwrap()
            .id;
        app.store
            .set_user_disabled(&ana_id, Some(app.clock.now()), &[], app.clock.now())
            .await
            .unwrap();
        let mut disabled = Browser::new(&app);
        refused(
            &single_sign_on(&mut disabled).await,
            "Your Firewatch user \"ana\" is disabled",
        );

        // Local users still sign in beside it.
        add_user(&app, "breakglass", Role::Admin).await;
        let mut local = Browser::new(&app);
        assert_eq!(
            local.sign_in("breakglass", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );

        // Every outcome is in the audit log.
        let entries = app
            .store
            .list_audit(&firewatch::store::audit::AuditFilter {
                action: Some("session.*".into()),
                oldest_first: true,
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        let oidc_ins = entries
            .iter()
            .filter(|e| {
                e.action == "session.sign_in"
                    && e.after_text
                        .as_deref()
                        .is_some_and(|t| t.contains("\"oidc\""))
            })
            .count();
        let failures = entries
            .iter()
            .filter(|e| e.action == "session.sign_in_failed")
            .count();
        assert_eq!(oidc_ins, 4, "ana, the replay's first, root, ana again");
        let made = app
            .store
            .list_audit(&firewatch::store::audit::AuditFilter {
                action: Some("user.create".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        let made: Vec<&str> = made.iter().map(|e| e.target.as_str()).collect();
        // ana, the replay's browser (a user of its own: the provider's ana again is ana),
        // root; and the local breakglass admin.
        assert_eq!(made.iter().filter(|t| **t == "ana").count(), 1, "{made:?}");
        assert!(
            made.contains(&"root") && made.contains(&"breakglass"),
            "{made:?}"
        );
        assert_eq!(failures, 10, "{entries:#?}");
        assert!(
            entries
                .iter()
                .all(|e| !e.after_text.as_deref().unwrap_or("").contains("eyJ")),
            "an ID token in the audit log"
        );
    }
}

#[tokio::test]
async fn a_provider_that_does_not_answer_is_said_and_local_sign_in_works() {
    // The issuer's port is held bound and never listening: nothing answers there.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let issuer = format!("http://{}", held.local_addr().unwrap());
    for backend in backends() {
        let app = TestApp::spawn(backend, &oidc_config(&issuer)).await;
        add_user(&app, "breakglass", Role::Admin).await;
        let mut browser = Browser::new(&app);
        let login = browser.get("/login").await;
        assert_eq!(login.status, StatusCode::OK);
        assert!(
            login
                .testid("sso-down")
                .unwrap()
                .contains("The identity provider does not answer right now"),
            "{}",
            login.body
        );
        let start = browser.get("/auth/oidc/login").await;
        assert_eq!(start.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            start
                .testid("login-problem")
                .unwrap()
                .contains("Sign in with a local Firewatch user below")
        );
        assert_eq!(
            browser.sign_in("breakglass", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(browser.get("/").await.status, StatusCode::OK);
    }
}
