//! The web UI in a real headless Chromium (Debian's `chromium`, driven over WebDriver by
//! `chromedriver`): sign in, read the overview and its charts, filter the event feed, open a raw
//! payload, re-drive a dead letter as a responder, be refused admin pages as a viewer, and run
//! an incident from its declaration to its resolution, and on to its post-mortem (flagged live
//! by the blameless check, reviewed, published) and its action items until it closes.
//! Screenshots of each page land in `target/tmp/screenshots/` for people to look at.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use firewatch::core::role::Role;
use serde_json::json;

use crate::support::{Backend, Destination, TestApp, backends};
use crate::web::{INCIDENTS_CONFIG, PASSWORD, add_user, chat_config, merge_pull_request};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The demo's organisation with 90 days of history up to `now`, and the receiver its
/// destinations post to (kept alive by the caller).
async fn demo_app(
    backend: Backend,
    now: jiff::Timestamp,
) -> (TestApp, firewatch::demo::Sink, firewatch::demo::Made) {
    let sink = firewatch::demo::Sink::start().await.unwrap();
    let config = firewatch::demo::config_text(&sink.url, "http://firewatch.example");
    let app = TestApp::spawn_at(backend, &config, firewatch::demo::start_of(now)).await;
    let made = firewatch::demo::write_history(&app.store, &app.clock, &app.url, now)
        .await
        .unwrap();
    (app, sink, made)
}

/// Chromium is heavy on two cores: one browser at a time keeps the tests steady.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A chromedriver and one browser session, both stopped when dropped.
struct Browser {
    client: Option<Client>,
    driver: Child,
    _profile: tempfile::TempDir,
    base: String,
    label: String,
}

impl Browser {
    /// Starts Chromium in `time_zone`, as a person there would have it.
    async fn start(app: &TestApp, backend: Backend, time_zone: &str) -> Browser {
        Browser::start_in(app, backend, time_zone, "en-US,en").await
    }

    /// Starts Chromium in `time_zone`, asking for pages in `languages` (its
    /// `Accept-Language`).
    async fn start_in(
        app: &TestApp,
        backend: Backend,
        time_zone: &str,
        languages: &str,
    ) -> Browser {
        assert!(
            std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists(),
            "browser tests need Debian's chromium and chromium-driver (scripts/test installs them)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .env("TZ", time_zone)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                // No sandbox (tests may run as root); nothing that would reach the network.
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-extensions",
                    "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--accept-lang={languages}"),
                    format!("--lang={}", languages.split(',').next().unwrap_or("en")),
                ],
                "prefs": { "intl.accept_languages": languages }
            }
        });
        let capabilities = capabilities.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(error) => {
                    assert!(Instant::now() < deadline, "no browser session: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        Browser {
            client: Some(client),
            driver,
            _profile: profile,
            base: app.url.clone(),
            label: format!("{backend:?}").to_lowercase(),
        }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    async fn open(&self, path: &str) {
        self.client()
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    async fn path(&self) -> String {
        let url = self.client().current_url().await.unwrap();
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits for a navigation (a form submit, a redirect) to arrive at `expected`.
    async fn wait_for_path(&self, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let path = self.path().await;
            if path == expected {
                return;
            }
            assert!(Instant::now() < deadline, "at {path}, not {expected}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn text(&self, css: &str) -> String {
        self.client()
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no {css}: {error}"))
            .text()
            .await
            .unwrap()
    }

    /// Waits for `css` to read `expected`: a form posted to the same path gives no new path
    /// to wait for.
    async fn wait_for_text(&self, css: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = match self.client().find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if found == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css} reads {found:?}, not {expected:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for `css` to contain `needle`: a live preview changes the page without a
    /// navigation.
    async fn wait_for_contains(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = match self.client().find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if found.contains(needle) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "{css} reads {found:?}, without {needle:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn count(&self, css: &str) -> usize {
        self.client()
            .find_all(Locator::Css(css))
            .await
            .unwrap()
            .len()
    }

    async fn fill(&self, css: &str, value: &str) {
        let field = self.client().find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    async fn select(&self, css: &str, value: &str) {
        self.client()
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no {css}: {error}"))
            .select_by_value(value)
            .await
            .unwrap();
    }

    /// The current value of a form field, as the browser has it.
    async fn value(&self, css: &str) -> String {
        self.client()
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no {css}: {error}"))
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// How much wider than a phone's screen the page at `path` is; tables scroll inside
    /// their cards and do not count. The window is its usual size again after.
    async fn phone_overflow(&self, path: &str) -> serde_json::Value {
        self.client().set_window_size(390, 844).await.unwrap();
        self.open(path).await;
        let overflow = self
            .client()
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                vec![],
            )
            .await
            .unwrap();
        self.client().set_window_size(1280, 1000).await.unwrap();
        overflow
    }

    /// At a phone's size (390 × 844), whether the page at `path` is no wider than the screen
    /// and the element `css` (a button the page is for) lies within the screen's width, not
    /// in a table that scrolls sideways. The window stays phone-sized.
    async fn fits_a_phone(&self, path: &str, css: &str) -> (i64, bool) {
        self.client().set_window_size(390, 844).await.unwrap();
        self.open(path).await;
        let answer = self
            .client()
            .execute(
                "const e = document.querySelector(arguments[0]);
                 const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
                 if (!e) return [overflow, false];
                 const r = e.getBoundingClientRect();
                 return [overflow, r.width > 0 && r.left >= 0 && r.right <= window.innerWidth];",
                vec![serde_json::json!(css)],
            )
            .await
            .unwrap();
        (
            answer[0].as_i64().unwrap_or(-1),
            answer[1].as_bool().unwrap_or(false),
        )
    }

    /// The top of the element `css` on the page, in CSS pixels.
    async fn top_of(&self, css: &str) -> f64 {
        self.client()
            .execute(
                "return document.querySelector(arguments[0]).getBoundingClientRect().top + window.scrollY",
                vec![serde_json::json!(css)],
            )
            .await
            .unwrap()
            .as_f64()
            .unwrap_or(f64::NAN)
    }

    async fn click(&self, css: &str) {
        self.client()
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no {css}: {error}"))
            .click()
            .await
            .unwrap();
    }

    async fn sign_in(&self, name: &str) {
        self.open("/").await;
        assert!(self.path().await.starts_with("/login"));
        self.fill("input[name=username]", name).await;
        self.fill("input[name=password]", PASSWORD).await;
        self.click("button[type=submit]").await;
        self.wait_for_path("/").await;
    }

    /// Saves a PNG of the page for people to look at; not compared by the tests.
    /// Signs in on the open sign-in form as the demo's user.
    async fn sign_in_to_the_demo(&self) {
        self.fill("input[name=username]", firewatch::demo::USER)
            .await;
        self.fill("input[name=password]", firewatch::demo::PASSWORD)
            .await;
        self.click("button[type=submit]").await;
        self.wait_for_path("/").await;
    }

    async fn screenshot(&self, name: &str) {
        let png = self.client().screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{}-{name}.png", self.label)), png).unwrap();
    }

    async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[tokio::test]
async fn a_responder_reads_the_overview_filters_events_and_redrives_a_dead_letter() {
    let _turn = ONE_AT_A_TIME.lock().await;
    for backend in backends() {
        let destination = Destination::start().await;
        let app = TestApp::spawn(backend, &chat_config(&destination)).await;
        add_user(&app, "rui", Role::Responder).await;
        // Two delivered, then one the destination refuses: a dead letter.
        for title in ["deploy api v1.4.2", "disk 91% on db-2"] {
            let body = json!({ "title": title }).to_string();
            app.post_hook("generic", &body, &[("authorization", "Bearer in")])
                .await;
        }
        destination.wait_for(2).await;
        destination.respond_with(400, &[]);
        app.post_hook(
            "generic",
            r#"{"title":"certificate expires in 5 days"}"#,
            &[("authorization", "Bearer in")],
        )
        .await;
        app.wait_for_notifications("state=dead", |items| items.len() == 1)
            .await;
        let (status, _) = crate::github::deliver(
            &app,
            "pull_request",
            &crate::github::fixture("pull_request.opened"),
            "browser-1",
            "gh-secret",
        )
        .await;
        assert_eq!(status, 202);

        let browser = Browser::start(&app, backend, "Asia/Seoul").await;
        browser.sign_in("rui").await;
        // The first page told the server the browser's zone; times are shown in it.
        browser.open("/").await;
        assert_eq!(browser.text("[data-testid=time-zone]").await, "Asia/Seoul");
        assert_eq!(
            browser.text("[data-testid=events-today] .number").await,
            "4"
        );
        assert_eq!(
            browser.text("[data-testid=dead-letters] .number").await,
            "1"
        );
        // uPlot drew both charts.
        browser
            .client()
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("[data-chart=latency] canvas"))
            .await
            .unwrap();
        assert_eq!(browser.count(".chart canvas").await, 2);
        let legend = browser.text("[data-chart=intake] .u-legend").await;
        assert!(
            legend.contains("generic") && legend.contains("github"),
            "{legend}"
        );
        browser.screenshot("overview").await;

        // The feed, filtered to the GitHub events, and one payload.
        browser.open("/events").await;
        assert_eq!(browser.count("[data-testid=event-feed] tbody tr").await, 4);
        browser
            .client()
            .find(Locator::Css("select[name=source]"))
            .await
            .unwrap()
            .select_by_value("github")
            .await
            .unwrap();
        browser.click("form.filters button[type=submit]").await;
        browser.wait_for_path("/events?source=github").await;
        assert_eq!(browser.count("[data-testid=event-feed] tbody tr").await, 1);
        browser.screenshot("events").await;
        browser.click("[data-testid=event-feed] tbody tr a").await;
        browser
            .wait_for_path(&format!("/events/{}", github_event_id(&app).await))
            .await;
        let payload = browser.text("[data-testid=payload]").await;
        assert!(payload.contains("\"action\": \"opened\""), "{payload}");
        browser.screenshot("event").await;

        // The dead letter, re-driven from the deliveries page once the destination is back.
        browser.open("/deliveries").await;
        assert_eq!(
            browser.count("[data-testid=dead-letters] tbody tr").await,
            1
        );
        browser.screenshot("deliveries").await;
        browser
            .click("[data-testid=dead-letters] form button")
            .await;
        browser.wait_for_path("/deliveries?redriven=1").await;
        let notice = browser.text("[role=status]").await;
        assert_eq!(notice, "1 notification queued again.");
        let delivered = destination.wait_for(4).await;
        assert!(String::from_utf8_lossy(&delivered[3].body).contains("certificate expires"));
        app.wait_for_notifications("state=dead", |items| items.is_empty())
            .await;

        browser.close().await;
        app.stop().await;
    }
}

#[tokio::test]
async fn a_viewer_is_refused_admin_pages_and_cannot_redrive() {
    let _turn = ONE_AT_A_TIME.lock().await;
    for backend in backends() {
        let destination = Destination::start().await;
        let app = TestApp::spawn(backend, &chat_config(&destination)).await;
        add_user(&app, "vic", Role::Viewer).await;
        destination.respond_with(400, &[]);
        app.post_hook(
            "generic",
            r#"{"title":"x"}"#,
            &[("authorization", "Bearer in")],
        )
        .await;
        app.wait_for_notifications("state=dead", |items| items.len() == 1)
            .await;

        let browser = Browser::start(&app, backend, "Europe/Berlin").await;
        browser.sign_in("vic").await;
        let nav = browser.text("nav[aria-label=Main]").await;
        assert!(!nav.contains("Users") && !nav.contains("Tokens"), "{nav}");
        for path in ["/users", "/tokens"] {
            browser.open(path).await;
            assert_eq!(browser.text("h1").await, "Not allowed");
            assert!(
                browser
                    .text("main p")
                    .await
                    .contains("needs the admin role")
            );
        }
        browser.screenshot("refused").await;
        browser.open("/deliveries").await;
        assert_eq!(
            browser.count("[data-testid=dead-letters] tbody tr").await,
            1
        );
        assert_eq!(
            browser.count("[data-testid=dead-letters] form").await,
            0,
            "no re-drive for viewers"
        );

        // Dark mode is one click away and survives a reload.
        browser.click("[data-theme-toggle]").await;
        browser.open("/").await;
        let theme = browser
            .client()
            .execute("return document.documentElement.dataset.theme", vec![])
            .await
            .unwrap();
        assert_eq!(theme, "dark");
        browser.screenshot("overview-dark").await;
        // On a phone's width the page still fits: nothing wider than the screen but tables,
        // which scroll inside their cards.
        browser.client().set_window_size(390, 844).await.unwrap();
        browser.open("/").await;
        let overflow = browser
            .client()
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(overflow, 0, "the overview is wider than a phone");
        browser.screenshot("overview-phone").await;

        // Signing out ends the session.
        browser.click("form[action='/logout'] button").await;
        browser.wait_for_path("/login").await;
        browser.open("/events").await;
        assert!(browser.path().await.starts_with("/login"));

        browser.close().await;
        app.stop().await;
    }
}

async fn github_event_id(app: &TestApp) -> String {
    app.store
        .list_events(&firewatch::store::EventFilter {
            source: Some("github".into()),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()[0]
        .id
        .clone()
}

#[tokio::test]
async fn the_on_call_page_an_override_made_in_it_and_a_pages_confirm_link() {
    use crate::oncall::{Phones, alert_ids, config, escalation, fire, link_path, storm};
    let _turn = ONE_AT_A_TIME.lock().await;
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(backend, &config(&phones, "schedule:cloud-primary", "")).await;
        add_user(&app, "andrew", Role::Responder).await;
        let browser = Browser::start(&app, backend, "Asia/Seoul").await;
        browser.sign_in("andrew").await;

        browser.open("/oncall").await;
        let now = browser.text("#schedule-cloud-primary .now").await;
        assert!(
            now.starts_with("Now: Andrew until 2026-11-09 10:00"),
            "{now}"
        );
        let team = browser.text("#teams li[data-team=cloud]").await;
        assert!(
            team.starts_with("cloud: Andrew (cloud-primary, until 2026-11-09 10:00)"),
            "{team}"
        );
        // The two weeks as a timeline: the rotation pages follow, gaps drawn.
        let titles = |schedule: &'static str| {
            let browser = &browser;
            async move {
                browser
                    .client()
                    .execute(
                        "return [...document.querySelectorAll(arguments[0])].map(t => t.textContent);",
                        vec![json!(format!("[data-testid=timeline-{schedule}] svg.final title"))],
                    )
                    .await
                    .unwrap()
                    .to_string()
            }
        };
        let primary = titles("cloud-primary").await;
        assert!(primary.contains("Andrew: "), "{primary}");
        let weekends = titles("weekends").await;
        assert!(weekends.contains("Nobody: "), "{weekends}");
        // Day by day, folded under it.
        let unfold =
            "document.querySelectorAll('details.calendar-days').forEach(d => d.open = true)";
        browser.client().execute(unfold, vec![]).await.unwrap();
        assert_eq!(
            browser.count("#schedule-cloud-primary .calendar li").await,
            14
        );
        // The weekend schedule: weekdays are nobody's, and say so.
        let weekdays = browser.text("#schedule-weekends .calendar li").await;
        assert!(weekdays.contains("00:00–24:00 nobody"), "{weekdays}");
        assert!(
            browser
                .text("#my-oncall")
                .await
                .contains("Contact methods: phone (webhook)")
        );
        browser.screenshot("oncall").await;

        // An override from the form, in the viewer's zone (Seoul): 11:00-13:00 today.
        for (field, value) in [("start", "2026-11-02T11:00"), ("end", "2026-11-02T13:00")] {
            browser
                .client()
                .execute(
                    &format!("document.querySelector('input[name={field}]').value = '{value}'"),
                    vec![],
                )
                .await
                .unwrap();
        }
        for (name, value) in [("person", "gyeongjun"), ("replaces", "andrew")] {
            browser
                .client()
                .find(Locator::Css(&format!("select[name={name}]")))
                .await
                .unwrap()
                .select_by_value(value)
                .await
                .unwrap();
        }
        browser
            .click("form[aria-label='New override'] button[type=submit]")
            .await;
        browser.wait_for_path("/oncall?changed=created").await;
        browser.client().execute(unfold, vec![]).await.unwrap();
        let today = browser.text("#schedule-cloud-primary .calendar li").await;
        let overrides = browser
            .client()
            .execute(
                "return [...document.querySelectorAll('[data-testid=timeline-cloud-primary] svg title')].map(t => t.textContent).join(' | ');",
                vec![],
            )
            .await
            .unwrap()
            .to_string();
        assert!(
            overrides.contains("Gyeongjun for Andrew: Mon 02 Nov 11:00 → Mon 02 Nov 13:00"),
            "{overrides}"
        );
        assert!(
            today.contains("11:00–13:00 Gyeongjun (override)"),
            "{today}"
        );
        let at = app
            .get("/api/v1/oncall?schedule=cloud-primary&at=2026-11-02T02:30:00Z")
            .await;
        assert_eq!(at["on_call"][0]["person"], "gyeongjun");
        browser.screenshot("oncall-override").await;

        browser.click("#test-page").await;
        browser.wait_for_path("/oncall?changed=test_page").await;
        assert_eq!(
            phones.andrew.wait_for(1).await[0].json()["data"]["test"],
            true
        );

        // A page's link: the confirm page, then the button.
        fire(&app, &storm("HighErrorRate", 1, "firing")).await;
        let page = phones.andrew.wait_for(2).await[1].json();
        browser.open(&link_path(&page)).await;
        assert_eq!(
            browser.text("#page-link h2").await,
            "Acknowledge this page?"
        );
        assert_eq!(
            browser.text("#page-summary").await,
            "HighErrorRate on api-0"
        );
        let alert = alert_ids(&app).await.remove(0);
        assert_eq!(escalation(&app, &alert).await["state"], "active");
        browser.screenshot("page-link").await;
        // Read on the phone that rang: it fits, and the button is on screen.
        assert_eq!(
            browser.fits_a_phone(&link_path(&page), "#confirm").await,
            (0, true)
        );
        browser.screenshot("page-link-phone").await;
        browser.client().set_window_size(1280, 1000).await.unwrap();
        browser.click("#confirm").await;
        browser.wait_for_text("#page-link h2", "Acknowledged").await;
        assert_eq!(escalation(&app, &alert).await["state"], "acknowledged");
        browser.screenshot("page-link-acknowledged").await;

        // The alert's page shows its escalation: who was paged, how, and its log.
        browser.open(&format!("/alerts/{alert}")).await;
        assert!(
            browser
                .text(".escalation h2")
                .await
                .contains("acknowledged")
        );
        let pages = browser.text(".escalation table.pages tbody").await;
        assert!(
            pages.contains("andrew") && pages.contains("phone") && pages.contains("sent"),
            "{pages}"
        );
        assert!(
            browser
                .text(".escalation ul.log")
                .await
                .contains("Acknowledged by Andrew (page link)")
        );
        browser.screenshot("alert-escalation").await;

        browser.close().await;
        app.stop().await;
    }
}

#[tokio::test]
async fn a_responder_runs_an_incident_from_the_declare_form_to_resolved_and_a_viewer_reads_it() {
    let _turn = ONE_AT_A_TIME.lock().await;
    for backend in backends() {
        let app = TestApp::spawn(backend, INCIDENTS_CONFIG).await;
        add_user(&app, "rui", Role::Responder).await;
        add_user(&app, "vic", Role::Viewer).await;
        merge_pull_request(&app).await;
        app.advance(600);
        let browser = Browser::start(&app, backend, "Asia/Seoul").await;
        browser.sign_in("rui").await;
        assert!(
            browser
                .text("[data-testid=open-incidents]")
                .await
                .contains("No open incidents.")
        );

        // Declared from the form: SEV2 on one service, the priority from the severity.
        browser.open("/incidents").await;
        assert_eq!(browser.text("main p.empty").await, "No open incidents.");
        browser.click("[data-testid=declare]").await;
        browser.wait_for_path("/incidents/new").await;
        browser
            .fill("input[name=title]", "Checkout fails for EU customers")
            .await;
        browser.select("select[name=severity]", "SEV2").await;
        browser.click("input[name=services][value=api]").await;
        browser
            .fill("textarea[name=summary]", "Payments time out since 10:00")
            .await;
        browser
            .fill("textarea[name=customer_impact]", "EU customers cannot pay")
            .await;
        browser.screenshot("incident-declare").await;
        browser
            .click("form[aria-label='Declare an incident'] button[type=submit]")
            .await;
        browser.wait_for_path("/incidents/1?changed=declared").await;
        assert_eq!(
            browser.text("[data-testid=incident-title]").await,
            "#1 Checkout fails for EU customers"
        );
        assert_eq!(browser.text("[data-testid=incident-state]").await, "triage");
        assert_eq!(
            browser.text("[data-testid=incident-severity]").await,
            "SEV2"
        );
        assert_eq!(browser.text("[data-testid=incident-priority]").await, "P2");
        assert_eq!(
            browser.text(".incident-badges .service").await,
            "Public API"
        );
        // Key times in the viewer's zone: declared at 01:10 UTC, 10:10 in Seoul.
        assert_eq!(
            browser.value("input[name=detected]").await,
            "2026-11-02T10:10"
        );
        assert!(
            browser
                .text("#what-changed")
                .await
                .contains("#42 CCC-1580 Retry token refresh on 401 <fast path> merged")
        );
        let actions = browser.text("[data-testid=incident-actions]").await;
        for button in ["Acknowledge", "Resolve", "Post update"] {
            assert!(actions.contains(button), "{button} in {actions}");
        }
        let moves = browser.text("[data-testid=incident-moves]").await;
        for button in ["active", "mitigated", "declined", "merged"] {
            assert!(moves.contains(button), "{button} in {moves}");
        }

        // A public status update: "identified" makes the incident active.
        app.advance(120);
        browser
            .select("#status-update select[name=status]", "identified")
            .await;
        browser
            .fill(
                "#status-update textarea[name=message]",
                "A bad deploy of api; rolling back",
            )
            .await;
        browser.click("#status-update input[name=public]").await;
        browser.click("#status-update button[type=submit]").await;
        browser
            .wait_for_path("/incidents/1?changed=update_public")
            .await;
        assert_eq!(browser.text("[data-testid=incident-state]").await, "active");
        let timeline = browser.text("[data-testid=timeline]").await;
        assert!(
            timeline.contains("identified (public): A bad deploy of api; rolling back"),
            "{timeline}"
        );
        assert!(timeline.contains("triage → active"), "{timeline}");
        assert!(browser.text("#updates").await.contains("public"));

        // A commander.
        app.advance(60);
        browser
            .select("[data-role=commander] select[name=person]", "andrew")
            .await;
        browser.click("[data-role=commander] button").await;
        browser.wait_for_path("/incidents/1?changed=role").await;
        assert!(
            browser
                .text("[data-role=commander] .holder")
                .await
                .starts_with("Andrew since 2026-11-02 10:13")
        );
        assert!(
            browser
                .text("[data-testid=timeline]")
                .await
                .contains("Andrew is now commander")
        );
        browser.screenshot("incident").await;
        browser.open("/").await;
        let open = browser.text("[data-testid=open-incidents]").await;
        assert!(
            open.contains("#1") && open.contains("Checkout fails") && open.contains("active"),
            "{open}"
        );

        // Resolved: the time is filled and no more moves but the lifecycle's are offered.
        browser.click("[data-testid=open-incidents] a").await;
        browser.wait_for_path("/incidents/1").await;
        app.advance(600);
        browser.click("#resolve").await;
        browser.wait_for_path("/incidents/1?changed=resolved").await;
        assert_eq!(
            browser.text("[data-testid=incident-state]").await,
            "resolved"
        );
        assert!(
            browser
                .text("[data-testid=timeline]")
                .await
                .contains("active → resolved")
        );
        assert_eq!(
            browser.value("input[name=resolved]").await,
            "2026-11-02T10:23"
        );
        assert_eq!(browser.count("#resolve, #acknowledge").await, 0);
        let actions = browser.text("[data-testid=incident-moves]").await;
        assert!(
            actions.contains("learning") && actions.contains("closed"),
            "{actions}"
        );
        browser.screenshot("incident-resolved").await;
        assert_eq!(
            browser.phone_overflow("/incidents/1").await,
            0,
            "the incident page with its forms is wider than a phone"
        );

        browser.open("/incidents").await;
        assert_eq!(browser.text("main p.empty").await, "No open incidents.");
        browser.select("select[name=state]", "all").await;
        browser.click("form.filters button[type=submit]").await;
        browser
            .wait_for_path("/incidents?q=&state=all&severity=&service=")
            .await;
        let row = browser.text("[data-testid=incidents] tbody tr").await;
        assert!(
            row.contains("#1") && row.contains("resolved") && row.contains("SEV2"),
            "{row}"
        );
        browser.screenshot("incidents").await;

        // A viewer reads it all and is offered nothing to press.
        browser.click("form[action='/logout'] button").await;
        browser.wait_for_path("/login").await;
        browser.sign_in("vic").await;
        browser.open("/incidents/1").await;
        assert_eq!(
            browser.text("[data-testid=incident-state]").await,
            "resolved"
        );
        assert!(
            browser
                .text("[data-testid=timeline]")
                .await
                .contains("Andrew is now commander")
        );
        assert_eq!(browser.count("main form").await, 0, "no forms for a viewer");
        assert_eq!(browser.count("main button").await, 0);
        assert_eq!(
            browser.phone_overflow("/incidents/1").await,
            0,
            "the incident page is wider than a phone"
        );
        browser.open("/incidents").await;
        assert_eq!(browser.count("[data-testid=declare]").await, 0);
        browser.open("/incidents/new").await;
        assert_eq!(browser.text("h1").await, "Not allowed");

        browser.close().await;
        app.stop().await;
    }
}

#[tokio::test]
async fn a_responder_writes_reviews_and_publishes_a_post_mortem_and_closes_the_incident() {
    let _turn = ONE_AT_A_TIME.lock().await;
    for backend in backends() {
        let app = TestApp::spawn(backend, INCIDENTS_CONFIG).await;
        add_user(&app, "rui", Role::Responder).await;
        let (status, body) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/incidents",
                &app.admin_token,
                &json!({"title": "Certificate expired on api", "severity": "SEV2", "services": ["api"]}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
        app.advance(900);
        let browser = Browser::start(&app, backend, "Asia/Seoul").await;
        browser.sign_in("rui").await;

        // Resolved from its page, which then links to the draft.
        browser.open("/incidents/1").await;
        assert_eq!(
            browser.text("[data-testid=postmortem-link]").await,
            "drafted when the incident resolves"
        );
        browser.click("#resolve").await;
        browser.wait_for_path("/incidents/1?changed=resolved").await;
        browser.click("[data-testid=postmortem-link] a").await;
        browser.wait_for_path("/incidents/1/postmortem").await;
        assert_eq!(
            browser.text("[data-testid=postmortem-state]").await,
            "draft"
        );
        assert!(
            browser
                .text("[data-testid=preview] h1")
                .await
                .starts_with("Post-mortem: Certificate expired on api")
        );
        assert_eq!(
            browser.text("[data-testid=findings]").await,
            "No blaming phrases found."
        );
        browser.screenshot("postmortem-editor").await;

        // A blaming sentence typed at the end is flagged before anything is saved.
        let editor = "textarea[name=markdown]";
        browser
            .client()
            .execute(
                "var e = document.querySelector(arguments[0]); e.focus(); e.setSelectionRange(e.value.length, e.value.length);",
                vec![json!(editor)],
            )
            .await
            .unwrap();
        browser
            .client()
            .find(Locator::Css(editor))
            .await
            .unwrap()
            .send_keys("\nAndrew forgot to renew the certificate.\n")
            .await
            .unwrap();
        let findings = browser
            .wait_for_contains("[data-testid=findings]", "Andrew forgot")
            .await;
        assert!(
            findings.contains("Say what the system allowed"),
            "{findings}"
        );
        browser
            .wait_for_contains(
                "[data-testid=preview]",
                "Andrew forgot to renew the certificate.",
            )
            .await;
        browser.screenshot("postmortem-flagged").await;

        // Saved all the same, and the finding is still shown after the save.
        browser.click("#save").await;
        browser
            .wait_for_path("/incidents/1/postmortem?changed=saved")
            .await;
        let stored = app.get("/api/v1/incidents/1/postmortem").await;
        assert!(
            stored["markdown"]
                .as_str()
                .unwrap()
                .contains("\nAndrew forgot to renew the certificate.\n"),
            "{stored}"
        );
        assert_eq!(stored["version"], 2);
        assert!(
            browser
                .text("[role=status]")
                .await
                .starts_with("Saved as version 2. The blameless check found 1 phrase")
        );
        assert!(
            browser
                .text("[data-testid=findings]")
                .await
                .contains("Line ")
        );
        assert!(
            browser
                .text("[data-testid=last-change]")
                .await
                .starts_with("by user:rui, 2026-11-02 10:15")
        );

        // Reviewed, then published: the incident moves on to learning.
        browser.click("button[data-move=in_review]").await;
        browser
            .wait_for_path("/incidents/1/postmortem?changed=in_review")
            .await;
        assert_eq!(
            browser.text("[data-testid=postmortem-state]").await,
            "in review"
        );
        browser.click("button[data-move=published]").await;
        browser
            .wait_for_path("/incidents/1/postmortem?changed=published")
            .await;
        assert_eq!(
            browser.text("[data-testid=postmortem-state]").await,
            "published"
        );
        assert_eq!(
            browser.text("[data-testid=incident-state]").await,
            "learning"
        );
        browser.screenshot("postmortem-published").await;
        assert_eq!(
            browser.phone_overflow("/incidents/1/postmortem").await,
            0,
            "the post-mortem page is wider than a phone"
        );

        // An action item, added and completed on the incident's page: the incident closes.
        browser.open("/incidents/1").await;
        assert_eq!(
            browser.text("[data-testid=incident-state]").await,
            "learning"
        );
        assert_eq!(
            browser.text("[data-testid=postmortem-link]").await,
            "published"
        );
        let form = "form[aria-label='New action item']";
        browser
            .fill(
                &format!("{form} input[name=title]"),
                "Alert 14 days before a certificate expires",
            )
            .await;
        browser
            .select(&format!("{form} select[name=owner]"), "mina")
            .await;
        browser
            .client()
            .execute(
                &format!("document.querySelector(\"{form} input[name=due]\").value = '2026-11-20'"),
                vec![],
            )
            .await
            .unwrap();
        browser
            .select(&format!("{form} select[name=priority]"), "P2")
            .await;
        browser
            .select(&format!("{form} select[name=kind]"), "prevent")
            .await;
        browser.click("#add-item").await;
        browser
            .wait_for_path("/incidents/1?changed=item_added")
            .await;
        let row = browser.text("[data-testid=action-items] tbody tr").await;
        assert!(
            row.contains("Alert 14 days before a certificate expires")
                && row.contains("Mina")
                && row.contains("2026-11-20")
                && row.contains("outstanding"),
            "{row}"
        );
        browser
            .click("[data-testid=action-items] button[data-status=completed]")
            .await;
        browser
            .wait_for_path("/incidents/1?changed=item_completed")
            .await;
        assert_eq!(browser.text("[data-testid=incident-state]").await, "closed");
        assert!(
            browser
                .text("[role=status]")
                .await
                .ends_with("It was the last one: the incident is closed.")
        );
        assert!(
            browser
                .text("[data-testid=action-items] .item-status")
                .await
                .contains("completed")
        );

        browser
            .client()
            .execute(
                "document.getElementById('action-items').scrollIntoView()",
                vec![],
            )
            .await
            .unwrap();
        browser.screenshot("incident-action-items").await;

        browser.open("/action_items").await;
        let row = browser.text("[data-testid=action-items] tbody tr").await;
        assert!(
            row.contains("#1") && row.contains("closed") && row.contains("completed"),
            "{row}"
        );
        browser.screenshot("action-items").await;
        browser.click("[data-testid=action-items] tbody tr a").await;
        browser.wait_for_path("/incidents/1").await;

        browser.open("/postmortems").await;
        let row = browser.text("[data-testid=postmortems] tbody tr").await;
        assert!(
            row.contains("#1")
                && row.contains("Certificate expired on api")
                && row.contains("published"),
            "{row}"
        );

        browser.close().await;
        app.stop().await;
    }
}

const CHANGES_CONFIG: &str = r#"
[[teams]]
id = "cloud"

[[services]]
id = "api"
team = "cloud"
"#;

#[tokio::test]
async fn a_change_announced_by_one_responder_is_approved_by_another_and_never_by_its_announcer() {
    let _turn = ONE_AT_A_TIME.lock().await;
    for backend in backends() {
        let app = TestApp::spawn(backend, CHANGES_CONFIG).await;
        add_user(&app, "ana", Role::Responder).await;
        add_user(&app, "mina", Role::Responder).await;

        // Ana announces from the form.
        let browser = Browser::start(&app, backend, "Europe/Lisbon").await;
        browser.sign_in("ana").await;
        browser.open("/changes").await;
        assert_eq!(
            browser.text("main section.card p.empty").await,
            "Nothing is waiting for approval."
        );
        browser
            .fill(
                "input[name=summary]",
                "Remove the Datadog log filter for api",
            )
            .await;
        browser.select("select[name=risk]", "medium").await;
        browser
            .fill("input[name=rollback]", "Restore the filter from git")
            .await;
        browser.click("input[name=needs_approval]").await;
        browser.screenshot("change-announce").await;
        browser
            .click("form[aria-label='Announce a change'] button[type=submit]")
            .await;
        browser
            .wait_for_text("#change-state", "pending approval")
            .await;
        let path = browser.path().await;
        let path = path.split('?').next().unwrap().to_owned();
        // The announcer is shown no approve button.
        assert_eq!(browser.count("#approve").await, 0);
        assert!(
            browser
                .text("#own-change")
                .await
                .contains("someone else has to approve")
        );
        browser.screenshot("change-own").await;
        browser.close().await;

        // Mina opens it, as from the chat message's link, and approves.
        let browser = Browser::start(&app, backend, "Europe/Lisbon").await;
        browser.sign_in("mina").await;
        browser.open("/changes").await;
        assert!(
            browser
                .text("main")
                .await
                .contains("Remove the Datadog log filter for api")
        );
        browser.open(&path).await;
        assert_eq!(browser.count("#approve").await, 1);
        browser.screenshot("change-pending").await;
        browser.click("#approve").await;
        browser.wait_for_text("#change-state", "approved").await;
        assert!(browser.text("main").await.contains("by user:mina"));
        browser.screenshot("change-approved").await;
        browser.close().await;
        app.stop().await;
    }
}

const STATUS_CONFIG: &str = r#"
[[services]]
id = "api"

[[services]]
id = "search"

[status_page]
title = "Acme status"

[[status_page.components]]
name = "Public API"
services = ["api"]

[[status_page.components]]
name = "Search"
services = ["search"]

[status_page.subscribers]
webhooks = true
# The stand-in receiver is on loopback.
allow_private_webhooks = true
"#;

#[tokio::test]
async fn the_public_status_page_shows_an_incidents_public_update_and_its_history_on_a_phone() {
    let _turn = ONE_AT_A_TIME.lock().await;
    for backend in backends() {
        let app = TestApp::spawn(backend, STATUS_CONFIG).await;
        // An incident that ended yesterday, and one in progress with a public and an internal
        // update.
        let declare = |title: &'static str| {
            let app = &app;
            async move {
                let (_, incident) = app
                    .api_json(
                        reqwest::Method::POST,
                        "/api/v1/incidents",
                        &app.admin_token,
                        &serde_json::json!({"title": title, "severity": "SEV2", "services": ["api"]}),
                    )
                    .await;
                incident["id"].as_str().unwrap().to_owned()
            }
        };
        let update = |id: String, status: &'static str, message: &'static str, public: bool| {
            let app = &app;
            async move {
                let (code, body) = app
                    .api_json(
                        reqwest::Method::POST,
                        &format!("/api/v1/incidents/{id}/updates"),
                        &app.admin_token,
                        &serde_json::json!({"status": status, "message": message, "public": public}),
                    )
                    .await;
                assert!(code.is_success(), "{body}");
            }
        };
        let earlier = declare("Logins fail").await;
        update(
            earlier.clone(),
            "identified",
            "Logins fail for some users",
            true,
        )
        .await;
        app.advance(3600);
        update(earlier, "resolved", "Logins work again", true).await;
        app.advance(86_400);
        let now_id = declare("Checkout fails for EU customers").await;
        update(
            now_id.clone(),
            "investigating",
            "Some EU payments fail; we are looking into it",
            true,
        )
        .await;
        update(
            now_id,
            "identified",
            "INTERNAL: the 1.4.2 chart caps the pool",
            false,
        )
        .await;

        let browser = Browser::start(&app, backend, "UTC").await;
        browser.client().set_window_size(390, 844).await.unwrap();
        browser.open("/status").await;
        assert_eq!(browser.text("#overall").await, "Partial System Outage");
        let main = browser.text("main").await;
        assert!(
            main.contains("Some EU payments fail; we are looking into it"),
            "{main}"
        );
        assert!(!main.contains("INTERNAL"), "{main}");
        assert_eq!(
            browser.text("#component-public-api .status").await,
            "Partial outage"
        );
        assert_eq!(
            browser.text("#component-search .status").await,
            "Operational"
        );
        assert_eq!(
            browser.count("#component-public-api .bars details").await,
            90
        );
        assert_eq!(
            browser
                .count("#component-public-api .bars summary.bar-partial_outage")
                .await,
            2,
            "yesterday's incident and today's"
        );
        let overflow = browser
            .client()
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(overflow, 0, "the status page is wider than a phone");
        browser.screenshot("status-phone").await;
        // Tapping yesterday's bar lists what happened.
        browser
            .click("#component-public-api .bars details:nth-last-child(2) summary")
            .await;
        assert!(
            browser
                .text("#component-public-api .bars details:nth-last-child(2) .day")
                .await
                .contains("Logins fail")
        );
        browser.screenshot("status-phone-day").await;
        // Subscribing from the phone: the form answers the same for everyone, the receiver
        // gets the confirmation link, and its button confirms.
        let receiver = crate::support::Destination::start().await;
        browser
            .fill("#subscribe input[name=webhook]", &receiver.url)
            .await;
        browser.click("#subscribe button").await;
        browser
            .wait_for_contains("#message", "Check your inbox")
            .await;
        browser.screenshot("status-phone-subscribe").await;
        let confirmation = receiver.wait_for(1).await;
        let confirm = confirmation[0].json()["subscription"]["confirm_url"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = confirm.trim_start_matches(&app.url).to_owned();
        browser.open(&path).await;
        browser.click("#confirm").await;
        browser
            .wait_for_contains("#message", "You are subscribed")
            .await;
        browser.close().await;
        app.stop().await;
    }
}

/// The Metrics page on a scripted history: a seed, a deployment of a change committed five
/// hours before it, and a rollback of that deployment. The five keys say so, the trend lines
/// are drawn, the failure rate opens the failed deployment with why it failed, and that opens
/// the change it shipped with its lead time.
#[tokio::test]
async fn the_metrics_page_shows_the_five_keys_and_drills_down_to_a_deployments_changes() {
    use crate::metrics::{BEFORE, CONFIG, SECRET, commit, push, record, wait_for_deployments};
    let _turn = ONE_AT_A_TIME.lock().await;
    const CHANGE: &str = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
    for backend in backends() {
        let app = TestApp::spawn_at(backend, CONFIG, "2026-11-22T02:00:00Z".parse().unwrap()).await;
        add_user(&app, "vera", Role::Viewer).await;
        let token = app
            .token(&[
                firewatch::core::scope::Scope::DeploymentsWrite,
                firewatch::core::scope::Scope::MetricsRead,
            ])
            .await;
        let deploy = |version: &str, sha: &str, kind: &str, at: &str| {
            json!({"service": "api", "environment": "production", "version": version,
                   "commit": sha, "status": "success", "kind": kind, "finished_at": at})
        };
        record(
            &app,
            &token,
            deploy("v1.4.1", BEFORE, "planned", "2026-11-21T12:00:00Z"),
        )
        .await;
        let main = push(
            "refs/heads/main",
            BEFORE,
            false,
            vec![commit(CHANGE, "Cap the pool", "2026-11-21T20:00:00Z")],
        );
        let (status, _) = crate::github::deliver(&app, "push", &main, "m-1", SECRET).await;
        assert_eq!(status, 202);
        record(
            &app,
            &token,
            deploy("v1.4.2", CHANGE, "planned", "2026-11-22T01:05:00Z"),
        )
        .await;
        record(
            &app,
            &token,
            deploy("v1.4.1", BEFORE, "rollback", "2026-11-22T01:30:00Z"),
        )
        .await;
        wait_for_deployments(&app, &token, 3).await;

        let browser = Browser::start(&app, backend, "Europe/Berlin").await;
        browser.sign_in("vera").await;
        browser.open("/insights").await;
        assert_eq!(
            browser.text("[data-testid=card-lead_time] .number").await,
            "5h 5m"
        );
        assert_eq!(
            browser
                .text("[data-testid=card-change_failure_rate] .number")
                .await,
            "33%"
        );
        assert_eq!(
            browser.text("[data-testid=card-rework_rate] .number").await,
            "33%"
        );
        assert_eq!(
            browser
                .text("[data-testid=card-deployment_frequency] .number")
                .await,
            "0.7/week"
        );
        // Quick Check: 0.1 deployments a day (answer 3 of 6) 4, lead time under a day 8,
        // 33% failed 6.7, recovered within the hour 10, 33% rework 6.7: a mean of 7.1.
        assert_eq!(
            browser.text("[data-testid=quick-check]").await,
            "Quick Check (2025) score 7.1 of 10"
        );
        assert_eq!(
            browser.count("[data-testid=trend-frequency] circle").await,
            5
        );
        assert!(browser.count("[data-testid=trend-lead-time] .bound").await >= 1);
        assert_eq!(browser.count("[data-testid=deployments] tbody tr").await, 3);
        browser.screenshot("metrics").await;
        browser
            .client()
            .execute(
                "document.querySelector('[data-testid=trend-frequency]').scrollIntoView()",
                vec![],
            )
            .await
            .unwrap();
        browser.screenshot("metrics-trends").await;
        assert_eq!(
            browser.phone_overflow("/insights").await,
            0,
            "the Metrics page is wider than a phone"
        );

        // The failure rate opens the failed deployment, and says why it failed.
        browser.open("/insights").await;
        browser
            .click("[data-testid=card-change_failure_rate]")
            .await;
        assert!(browser.path().await.contains("show=failed"));
        assert_eq!(browser.count("[data-testid=deployments] tbody tr").await, 1);
        let why = browser.text("[data-testid=deployments] tbody tr").await;
        assert!(why.contains("undone by the next deployment"), "{why}");
        browser
            .click("[data-testid=deployments] tbody tr td:first-child a")
            .await;
        assert_eq!(browser.text("h1").await, "api v1.4.2 to production");
        let change = browser.text("[data-testid=changes] tbody tr").await;
        assert!(
            change.contains("Cap the pool") && change.contains("5h 5m"),
            "{change}"
        );
        browser.screenshot("metrics-deployment").await;

        // A bad window says why, as the API does.
        browser.open("/insights?days=0").await;
        assert!(
            browser
                .text("[data-testid=insights-problem]")
                .await
                .contains("days")
        );
        browser.close().await;
        app.stop().await;
    }
}

/// `firewatch serve --demo`'s history, written into a Firewatch on a controlled clock: the
/// same history on both backends (a fixed seed), every page of the web UI populated and shown,
/// and a database with data in it refused.
#[tokio::test]
async fn every_page_on_the_demo_data() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let now: jiff::Timestamp = "2026-12-01T12:00:00Z".parse().unwrap();
    let mut made_on = Vec::new();
    for backend in backends() {
        let (app, _sink, made) = demo_app(backend, now).await;
        app.idle().await;
        assert!(
            made.pull_requests > 100
                && made.deployments > made.pull_requests
                && made.rollbacks > 3
                && made.incidents > 10
                && made.postmortems > 5
                && made.changes > 5
                && made.alerts > 90,
            "{made:?}"
        );
        made_on.push(made);
        let refused = firewatch::demo::ensure_empty(&app.store).await.unwrap_err();
        assert!(refused.to_string().contains("holds data"), "{refused}");

        let browser = Browser::start(&app, backend, "Europe/Berlin").await;
        browser.open("/login").await;
        browser.sign_in_to_the_demo().await;

        let (_, deployments) = app
            .api(
                reqwest::Method::GET,
                "/api/v1/deployments?limit=1",
                Some(&app.admin_token),
            )
            .await;
        let deployment = deployments["items"][0]["id"].as_str().unwrap().to_owned();
        let (_, events) = app
            .api(
                reqwest::Method::GET,
                "/api/v1/events?limit=1&source=github",
                Some(&app.admin_token),
            )
            .await;
        let event = events["items"][0]["id"].as_str().unwrap().to_owned();
        // (name, path, what must be on it)
        let pages = [
            ("overview", "/".to_owned(), "main .tile"),
            (
                "incidents",
                "/incidents?state=all".to_owned(),
                "main tbody tr",
            ),
            ("incident", "/incidents/1".to_owned(), "main li, main tr"),
            (
                "postmortem",
                "/incidents/1/postmortem".to_owned(),
                "main h2",
            ),
            (
                "postmortems",
                "/postmortems".to_owned(),
                "main tbody tr, main li",
            ),
            (
                "actions",
                "/action_items?state=all".to_owned(),
                "main tbody tr",
            ),
            ("changes", "/changes".to_owned(), "main tbody tr, main li"),
            (
                "metrics",
                "/insights?days=90".to_owned(),
                "[data-testid=deployments] tbody tr",
            ),
            (
                "deployment",
                format!("/insights/deployments/{deployment}"),
                "[data-testid=deployment]",
            ),
            (
                "alerts",
                "/alerts?state=all".to_owned(),
                "[data-testid=alerts] li",
            ),
            (
                "services",
                "/services".to_owned(),
                "[data-testid=services] .service",
            ),
            (
                "environments",
                "/environments".to_owned(),
                "[data-testid=environments] [data-testid=deployed] li",
            ),
            (
                "compliance",
                "/compliance?days=90".to_owned(),
                "[data-testid=compliance-repositories] li",
            ),
            (
                "pipelines",
                "/pipelines".to_owned(),
                "[data-testid=pipelines] [data-testid=stage]",
            ),
            ("oncall", "/oncall".to_owned(), "main table, main li"),
            ("silences", "/silences".to_owned(), "main form"),
            (
                "noise",
                "/noise?days=30".to_owned(),
                "[data-testid=noise] tbody tr",
            ),
            ("checks", "/checks".to_owned(), "main h1"),
            (
                "events",
                "/events".to_owned(),
                "[data-testid=event-feed] tbody tr",
            ),
            ("event", format!("/events/{event}"), "main pre, main code"),
            ("deliveries", "/deliveries".to_owned(), "main tbody tr"),
            (
                "status-components",
                "/status-components".to_owned(),
                "main tbody tr, main li",
            ),
            ("tokens", "/tokens".to_owned(), "main tbody tr"),
            ("users", "/users".to_owned(), "main tbody tr"),
            ("status", "/status".to_owned(), "main, body"),
        ];
        for (name, path, needed) in pages {
            browser.open(&path).await;
            let heading = browser.text("h1").await;
            for broken in [
                "Not found",
                "Not allowed",
                "Unavailable",
                "Something went wrong",
            ] {
                assert_ne!(heading, broken, "{path}");
            }
            assert!(
                browser.count(needed).await > 0,
                "{path} shows no {needed} on the demo data"
            );
            browser.screenshot(&format!("demo-{name}")).await;
            // Every page reads on a phone: nothing wider than its screen.
            let (overflow, _) = browser.fits_a_phone(&path, "body").await;
            assert_eq!(overflow, 0, "{path} is wider than a 390 px phone");
            browser.screenshot(&format!("demo-{name}-390")).await;
            browser.client().set_window_size(1280, 1000).await.unwrap();
        }
        browser.close().await;
        app.stop().await;
    }
    assert!(
        made_on.windows(2).all(|pair| pair[0] == pair[1]),
        "the same seed makes the same history: {made_on:?}"
    );
}

/// The console and the status page in Korean, as a browser that asks for Korean gets them:
/// the overview, an incident and the status page read in Korean at 1400 and 390 px, and no
/// page of the console shows a message's bare key or is wider than a phone.
#[tokio::test]
async fn the_console_and_the_status_page_read_in_korean() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let now: jiff::Timestamp = "2026-12-01T12:00:00Z".parse().unwrap();
    let ids: Vec<String> = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/i18n/en.ftl"),
    )
    .unwrap()
    .lines()
    .filter_map(|line| line.split_once(" = ").map(|(id, _)| id.trim().to_owned()))
    .filter(|id| id.contains('-') && !id.starts_with(' ') && !id.starts_with('#'))
    .collect();
    assert!(ids.len() > 500, "{} ids", ids.len());
    for backend in backends() {
        let (app, _sink, _) = demo_app(backend, now).await;
        app.idle().await;
        let browser = Browser::start_in(&app, backend, "Asia/Seoul", "ko-KR,ko").await;
        browser.open("/login").await;
        assert_eq!(browser.text("button[type=submit]").await, "로그인");
        browser.sign_in_to_the_demo().await;
        let lang = browser
            .client()
            .execute("return document.documentElement.lang", vec![])
            .await
            .unwrap();
        assert_eq!(lang, "ko");
        assert_eq!(browser.text("main h1").await, "개요");
        assert_eq!(browser.text("nav a[href='/incidents']").await, "장애");
        // Dates as Korean writes them, in the browser's zone.
        let times = browser.text("main").await;
        assert!(
            times.contains(" 전") && !times.contains(" ago"),
            "times read in Korean: {times}"
        );
        let (_, incident) = app
            .api(
                reqwest::Method::GET,
                "/api/v1/incidents/1",
                Some(&app.admin_token),
            )
            .await;
        assert!(incident["title"].is_string());
        for (name, path, korean) in [
            ("overview", "/", "발생 중"),
            ("incident", "/incidents/1", "타임라인"),
            ("status", "/status", "정상"),
        ] {
            browser.client().set_window_size(1400, 1000).await.unwrap();
            browser.open(path).await;
            let text = browser.text("body").await;
            assert!(text.contains(korean), "{path} reads in Korean: {text}");
            browser.screenshot(&format!("ko-{name}-1400")).await;
            let (overflow, _) = browser.fits_a_phone(path, "body").await;
            assert_eq!(overflow, 0, "{path} in Korean is wider than a 390 px phone");
            browser.screenshot(&format!("ko-{name}-390")).await;
        }
        browser.client().set_window_size(1280, 1000).await.unwrap();
        for path in [
            "/incidents?state=all",
            "/alerts?state=all",
            "/oncall",
            "/services",
            "/environments",
            "/compliance?days=90",
            "/pipelines",
            "/changes",
            "/postmortems",
            "/action_items?state=all",
            "/insights?days=90",
            "/noise?days=30",
            "/silences",
            "/checks",
            "/status-components",
            "/events",
            "/deliveries",
            "/tokens",
            "/users",
            "/incidents/1/postmortem",
            "/incidents/new",
        ] {
            browser.client().set_window_size(1400, 1000).await.unwrap();
            browser.open(path).await;
            let text = browser.text("body").await;
            let words: std::collections::HashSet<&str> = text
                .split(|c: char| c.is_whitespace() || ",.:;()\"'".contains(c))
                .collect();
            let bare: Vec<&String> = ids
                .iter()
                .filter(|id| words.contains(id.as_str()))
                .collect();
            assert!(bare.is_empty(), "{path} shows message keys {bare:?}");
            assert_ne!(browser.text("h1").await, "Not found", "{path}");
            // Named by the path, for people to look at in each language and size.
            let name: String = path
                .trim_start_matches('/')
                .split(['?', '/'])
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join("-");
            browser.screenshot(&format!("ko-{name}-1400")).await;
            let (overflow, _) = browser.fits_a_phone(path, "body").await;
            assert_eq!(overflow, 0, "{path} in Korean is wider than a 390 px phone");
            browser.screenshot(&format!("ko-{name}-390")).await;
            browser.client().set_window_size(1280, 1000).await.unwrap();
        }
        browser.close().await;
        app.stop().await;
    }
}

#[tokio::test]
async fn the_live_demo_is_answered_from_a_phone_and_the_console_reads_at_a_glance() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let now: jiff::Timestamp = "2026-12-01T12:00:00Z".parse().unwrap();
    for backend in backends() {
        let (app, sink, _) = demo_app(backend, now).await;
        // The history's last reports may still be applying on a busy machine.
        app.idle().await;
        let get = |path: &'static str| {
            let app = &app;
            async move {
                app.api(reqwest::Method::GET, path, Some(&app.admin_token))
                    .await
                    .1
            }
        };
        // The demo ends live: an alert paging, an incident in progress, a change waiting,
        // a silence running.
        let firing = get("/api/v1/alerts?state=firing&service=billing").await;
        let alert = firing["items"][0]["id"].as_str().unwrap().to_owned();
        let open = get("/api/v1/incidents?state=open").await;
        let incident = open["items"][0]["number"].as_i64().unwrap();
        assert_eq!(open["items"][0]["state"], "active", "{open}");
        let detail = app
            .api(
                reqwest::Method::GET,
                &format!("/api/v1/incidents/{incident}"),
                Some(&app.admin_token),
            )
            .await
            .1;
        assert_eq!(detail["alerts"][0]["rule"], "SearchLatencyHigh", "{detail}");
        let pending = get("/api/v1/changes?state=pending_approval").await;
        assert_eq!(pending["items"].as_array().unwrap().len(), 1, "{pending}");
        let silences = get("/api/v1/silences").await;
        assert!(
            silences["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["status"] == "active"),
            "{silences}"
        );

        let browser = Browser::start(&app, backend, "Europe/Berlin").await;
        browser.open("/login").await;
        browser.sign_in_to_the_demo().await;

        // At 1280 px the bar is one row, and the status page's components are in a menu.
        let rows = browser
            .client()
            .execute(
                "const middles = [...document.querySelectorAll('.topbar .brand, .topbar nav > ul > li, .topbar .account')]
                   .map(e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
                 return Math.max(...middles) - Math.min(...middles) < 16 ? 1 : 2;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(rows, 1, "the navigation takes more than one row at 1280 px");
        let operate = browser
            .client()
            .execute(
                "const menu = [...document.querySelectorAll('.topbar details.menu')]
                   .find(d => d.querySelector('summary').textContent.trim() === 'Operate');
                 menu.open = true;
                 return menu.querySelector('a[href=\"/status-components\"]').getBoundingClientRect().width;",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            operate.as_f64().unwrap() > 0.0,
            "Status page is not shown in its menu"
        );

        // The console: what fires (critical first), the open incident with its commander,
        // who is on call now and next, the latest deployments, pages against the budget.
        let firing_panel = browser.text("[data-testid=firing]").await;
        assert!(firing_panel.starts_with("Firing"), "{firing_panel}");
        let first = browser.text("[data-testid=firing] li").await;
        assert!(
            first.contains("critical") && first.contains("HighErrorRate"),
            "{first}"
        );
        let incidents_panel = browser.text("[data-testid=open-incidents]").await;
        assert!(
            incidents_panel.contains("Search results stale")
                && incidents_panel.contains("led by Rui Costa"),
            "{incidents_panel}"
        );
        let on_call = browser.text("[data-testid=on-call-now]").await;
        assert!(on_call.contains("next:"), "{on_call}");
        assert!(browser.count("[data-testid=recent-deployments] li").await > 3);
        assert!(
            browser
                .text("[data-testid=pages-this-week]")
                .await
                .contains("of 3")
        );
        for (name, path) in [
            ("overview", "/".to_owned()),
            ("alerts", "/alerts".to_owned()),
            ("alert", format!("/alerts/{alert}")),
            ("incident", format!("/incidents/{incident}")),
            ("oncall", "/oncall".to_owned()),
            ("services", "/services".to_owned()),
        ] {
            browser.client().set_window_size(1400, 1000).await.unwrap();
            browser.open(&path).await;
            browser.screenshot(&format!("console-{name}-1400")).await;
        }

        // On a phone: each page fits, and the button it is for is on screen.
        let incident_path = format!("/incidents/{incident}");
        let alert_path = format!("/alerts/{alert}");
        for (name, path, button) in [
            ("overview", "/", "[data-testid=firing] li button.primary"),
            (
                "alerts",
                "/alerts",
                "[data-testid=alerts] li button.primary",
            ),
            ("alert", alert_path.as_str(), ".actions-row button.primary"),
            ("incident", incident_path.as_str(), "#resolve"),
            (
                "oncall",
                "/oncall",
                "form[aria-label='New override'] button[type=submit]",
            ),
            ("services", "/services", "[data-testid=services] .service"),
        ] {
            assert_eq!(
                browser.fits_a_phone(path, button).await,
                (0, true),
                "{path} at 390 px: (sideways overflow, {button} on screen)"
            );
            browser.screenshot(&format!("console-{name}-390")).await;
        }
        // The incident's timeline comes before the forms to edit it.
        browser.open(&incident_path).await;
        assert!(browser.top_of("#timeline").await < browser.top_of("#status-update").await);
        assert!(browser.top_of("#timeline").await < browser.top_of("#roles").await);
        browser.open("/services").await;
        assert_eq!(
            browser
                .text("#service-search [data-testid=service-status]")
                .await,
            "incident"
        );
        assert_eq!(
            browser
                .text("#service-billing [data-testid=service-status]")
                .await,
            "alerting"
        );

        // Acknowledged from the phone, on the overview.
        browser.open("/").await;
        browser
            .click(&format!("#firing-{alert} button.primary"))
            .await;
        browser.wait_for_path("/alerts?changed=acknowledged").await;
        let acknowledged = app
            .api(
                reqwest::Method::GET,
                &format!("/api/v1/alerts/{alert}"),
                Some(&app.admin_token),
            )
            .await
            .1;
        assert_eq!(acknowledged["state"], "acknowledged");
        assert_eq!(acknowledged["acknowledged_by"], "user:demo");

        browser.close().await;
        app.stop().await;
        drop(sink);
    }
}

/// The pipelines board is live: a workflow job that finishes while the page is open shows
/// on it without a reload, and the board reads on a phone.
#[tokio::test]
async fn the_pipelines_board_shows_a_job_as_it_arrives() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let config = r#"
[[integrations]]
name = "github"
kind = "github"
secret = "It's a Secret to Everybody"
"#;
    for backend in backends() {
        let app = TestApp::spawn(backend, config).await;
        add_user(&app, "rui", Role::Viewer).await;
        let send = |fixture: &'static str, delivery: &'static str| {
            let app = &app;
            async move {
                let body = crate::github::fixture(&format!("published/{fixture}"));
                let (status, answer) = crate::github::deliver(
                    app,
                    "workflow_job",
                    &body,
                    delivery,
                    "It's a Secret to Everybody",
                )
                .await;
                assert_eq!(status, reqwest::StatusCode::ACCEPTED, "{answer}");
            }
        };
        let board = "/api/v1/pipelines?repo=Codertocat/Hello-World&branch=main";
        let stages = || async {
            let (_, answer) = app
                .api(reqwest::Method::GET, board, Some(&app.admin_token))
                .await;
            answer["items"][0]["runs"][0]["stages"]
                .as_array()
                .map_or(0, Vec::len)
        };
        send("workflow_job.in_progress", "job-1").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while stages().await < 1 {
            assert!(Instant::now() < deadline, "the job never reached the board");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let browser = Browser::start(&app, backend, "UTC").await;
        browser.sign_in("rui").await;
        let path = "/pipelines?repo=Codertocat/Hello-World&branch=main";
        browser.open(path).await;
        let shown = browser.text("[data-testid=pipelines]").await;
        assert!(shown.contains("Analyze (javascript)"), "{shown}");
        assert!(!shown.contains("linters"), "{shown}");

        // The linters job fails meanwhile: the open page shows it within its refresh.
        browser
            .client()
            .execute("window.fwStillHere = true", vec![])
            .await
            .unwrap();
        send("workflow_job.completed", "job-2").await;
        let deadline = Instant::now() + Duration::from_secs(25);
        loop {
            let shown = browser.text("[data-testid=pipelines]").await;
            if shown.contains("linters") {
                assert!(shown.contains("failed"), "{shown}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the open board never showed the new job: {shown}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let same_page = browser
            .client()
            .execute("return window.fwStillHere === true", vec![])
            .await
            .unwrap();
        assert_eq!(same_page, true, "no reload: the region refreshed in place");
        browser.screenshot("pipelines-live-1400").await;
        let (overflow, _) = browser.fits_a_phone(path, "body").await;
        assert_eq!(overflow, 0, "the board is wider than a 390 px phone");
        browser.screenshot("pipelines-live-390").await;
        browser.close().await;
        app.stop().await;
    }
}

/// Issue 36: single sign-on through the real `oidc-provider` (a certified OpenID provider), in
/// Chromium. `ana` (group `sre`) signs in with her provider password and is a responder;
/// signing out ends the provider's session too (its count of sessions drops to 0, and the next
/// sign-in asks for the password again); `root` (`sre-admins`) is an admin; `guest` (no group)
/// is refused with a sentence. With the provider stopped, the sign-in page says so and a local
/// admin still signs in.
#[tokio::test]
async fn single_sign_on_through_a_real_openid_provider() {
    use crate::support::oidc::{RealProvider, USER_PASSWORD, oidc_config};
    use firewatch::clock::Clock as _;
    let _turn = ONE_AT_A_TIME.lock().await;
    for backend in backends() {
        // The provider's tokens carry the real time.
        let app = TestApp::spawn_at(backend, "", firewatch::clock::SystemClock.now()).await;
        let mut provider = RealProvider::start(&app.url).await;
        app.set_config(&oidc_config(&provider.issuer));
        let browser = Browser::start(&app, backend, "UTC").await;
        let through_provider = |name: &'static str| {
            let browser = &browser;
            async move {
                browser.click("[data-testid=sso]").await;
                browser.fill("input[name=login]", name).await;
                browser.fill("input[name=password]", USER_PASSWORD).await;
                browser.click("button[type=submit]").await;
            }
        };

        browser.open("/login?next=/alerts").await;
        assert_eq!(
            browser.text("[data-testid=sso]").await,
            "Sign in with Test IdP"
        );
        browser.screenshot("sso-sign-in").await;
        through_provider("ana").await;
        browser.wait_for_path("/alerts").await;
        let who = browser
            .text("[data-testid=signed-in-as]")
            .await
            .to_lowercase();
        assert!(who.contains("ana") && who.contains("responder"), "{who}");
        assert_eq!(provider.sessions().await, 1);

        // Sign-out ends the provider's session: its page sends the browser on, back here.
        browser.click("form[action='/logout'] button").await;
        browser.wait_for_path("/login?signed_out=1").await;
        assert!(browser.text("main").await.contains("You are signed out"));
        assert_eq!(provider.sessions().await, 0);
        browser.click("[data-testid=sso]").await;
        assert_eq!(
            browser.count("input[name=password]").await,
            1,
            "the provider asks for the password again"
        );

        browser.open("/login").await;
        through_provider("root").await;
        browser.wait_for_path("/").await;
        let who = browser
            .text("[data-testid=signed-in-as]")
            .await
            .to_lowercase();
        assert!(who.contains("root") && who.contains("admin"), "{who}");
        browser.click("form[action='/logout'] button").await;
        browser.wait_for_path("/login?signed_out=1").await;

        through_provider("guest").await;
        let problem = browser
            .wait_for_contains("[data-testid=login-problem]", "is in no group")
            .await;
        assert!(problem.contains("guest@example.com"), "{problem}");
        browser.screenshot("sso-refused").await;

        // The provider down: said on the sign-in page, and a local admin still gets in.
        provider.stop();
        // Past the while the sign-in page takes a provider that answered to be up.
        app.advance(11);
        add_user(&app, "breakglass", Role::Admin).await;
        browser.open("/login").await;
        assert!(
            browser
                .text("[data-testid=sso-down]")
                .await
                .contains("does not answer right now")
        );
        browser.screenshot("sso-down").await;
        browser.sign_in("breakglass").await;
        browser.close().await;
    }
}
