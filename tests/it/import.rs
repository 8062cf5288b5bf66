//! Moving in (PRODUCT.md §2.16): `firewatch import` against stand-ins of PagerDuty, Opsgenie
//! and Grafana OnCall that serve each organisation in the source's documented shapes (paged,
//! rate limited once), and against an Alertmanager config from Alertmanager's own repository.
//! The written config loads; who is on call hour by hour for 14 days equals a table written by
//! hand from the source data (and the source's own rendering where it has one); a critical
//! alert pages whom the source would, at the step it would; a rerun writes the same bytes.
//! Shadow mode decides every page and sends none, and records what the same config sends.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use firewatch::clock::Clock as _;

use crate::cli::BINARY;
use crate::oncall::{Phones, config as oncall_config, fire, storm};
use crate::support::sources::{Dialect, SourceApi};
use crate::support::{TestApp, backends};

/// Per schedule, who is on call at each hour of the window.
type Tables = BTreeMap<String, Vec<Vec<String>>>;

/// (person, contact, step, round, state) of every page to andrew and gyeongjun, counted.
type PageCounts = BTreeMap<(String, String, i64, i64, String), usize>;

async fn page_counts(app: &TestApp, shadow_only: bool) -> PageCounts {
    let mut counts = PageCounts::new();
    for person in ["andrew", "gyeongjun"] {
        let path = if shadow_only {
            format!("/api/v1/pages?person={person}&shadow=true")
        } else {
            format!("/api/v1/pages?person={person}")
        };
        for page in app.get(&path).await["items"].as_array().unwrap() {
            let key = (
                page["person"].as_str().unwrap().to_owned(),
                page["contact"].as_str().unwrap_or("").to_owned(),
                page["step"].as_i64().unwrap_or(-1),
                page["round"].as_i64().unwrap_or(-1),
                page["state"].as_str().unwrap().to_owned(),
            );
            *counts.entry(key).or_default() += 1;
        }
    }
    counts
}

/// A storm of one group, four more groups within the minute (the throttle folds some), then
/// every step and round of the policy with nobody acknowledging, on the controlled clock. The
/// groups fire a second apart and the clock walks a second at a time around each due time, so
/// each group's pages are decided in the same order in every run (the throttle's choices
/// depend on that order, and both runs must face the same one).
async fn storm_and_escalation(app: &TestApp) {
    let start = app.clock.now();
    fire(app, &storm("HighErrorRate", 30, "firing")).await;
    app.idle().await;
    for name in ["DiskFull", "HighLatency", "QueueBacklog", "CertExpiry"] {
        app.advance(1);
        fire(app, &storm(name, 1, "firing")).await;
        app.idle().await;
    }
    // Each escalation's steps and contact delays, and the throttle's minute boundaries.
    for minute in [1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 60, 90] {
        let due = start + SignedDuration::from_mins(minute);
        let behind = due.duration_since(app.clock.now()).as_secs() - 1;
        if behind > 0 {
            app.advance(behind);
            app.idle().await;
        }
        for _ in 0..6 {
            app.advance(1);
            app.idle().await;
        }
    }
}

/// Every page that went out, and every page notice the team channel got (its alert notices
/// are routes', not pages: they go out in shadow mode too).
fn received(phones: &Phones) -> usize {
    let team_pages = phones
        .team
        .received()
        .iter()
        .filter(|r| r.json()["data"]["kind"] == "page")
        .count();
    phones.andrew.received().len()
        + phones.gyeongjun.received().len()
        + team_pages
        + phones.ntfy.received().len()
        + phones.twilio.received().len()
}

#[tokio::test]
async fn shadow_mode_sends_nothing_and_records_what_the_same_config_sends() {
    for backend in backends() {
        let paging = "[paging]\nmax_pages_per_minute = 2\n";
        // For real first: what goes out.
        let phones = Phones::start().await;
        let app = TestApp::spawn(
            backend,
            &oncall_config(&phones, "schedule:cloud-primary", paging),
        )
        .await;
        storm_and_escalation(&app).await;
        let sent = page_counts(&app, false).await;
        let delivered = received(&phones);
        app.stop().await;
        assert!(
            sent.keys().any(|(_, _, _, _, state)| state == "folded"),
            "the storm folds some pages: {sent:?}"
        );
        assert!(
            sent.keys()
                .any(|(_, _, step, round, _)| *step == 1 && *round == 1)
        );
        assert!(delivered > 0);

        // The same config in shadow, once for every policy ([paging]) and once on the policy.
        for shadow in ["[paging]\nshadow = true\n", "SHADOW_POLICY"] {
            let phones = Phones::start().await;
            let config = if shadow == "SHADOW_POLICY" {
                oncall_config(&phones, "schedule:cloud-primary", paging).replace(
                    "id = \"cloud-default\"\nrepeat = 1\n",
                    "id = \"cloud-default\"\nrepeat = 1\nshadow = true\n",
                )
            } else {
                oncall_config(&phones, "schedule:cloud-primary", paging)
                    .replace("[paging]\n", shadow)
            };
            let app = TestApp::spawn(backend, &config).await;
            storm_and_escalation(&app).await;
            assert_eq!(received(&phones), 0, "{shadow}: nothing is sent, to anyone");
            let recorded = page_counts(&app, true).await;
            let expected: PageCounts = sent
                .iter()
                .map(|((person, contact, step, round, state), count)| {
                    let state = if state == "sent" { "shadow" } else { state };
                    (
                        (
                            person.clone(),
                            contact.clone(),
                            *step,
                            *round,
                            state.to_owned(),
                        ),
                        *count,
                    )
                })
                .collect();
            assert_eq!(
                recorded, expected,
                "{shadow}: the shadow pages are what was sent"
            );
            // Every page of the run is a shadow page, and the list without a filter says so.
            let all = app.get("/api/v1/pages?shadow=true").await;
            let states: Vec<&str> = all["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|page| page["state"].as_str().unwrap())
                .collect();
            assert!(states.contains(&"shadow"), "{states:?}");
            assert!(!states.contains(&"sent"), "{states:?}");
            // The escalation's log says who would have been paged.
            let alerts = crate::oncall::alert_ids(&app).await;
            let log = crate::oncall::escalation(&app, &alerts[0]).await["log"].to_string();
            assert!(log.contains("would have paged (shadow) andrew"), "{log}");
            app.stop().await;
        }
    }
}

// ---- Importing an organisation ----

/// The test window: 14 days from here, hour by hour.
const WINDOW_START: &str = "2027-01-04T00:00:00Z";
const HOURS: i64 = 14 * 24;

fn fixture_dir(source: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(source)
}

/// Values for the written config's `${VAR}`s: real enough to load, never used (the policies
/// are in shadow mode, so nothing is sent).
fn variables() -> Vec<(&'static str, &'static str)> {
    vec![
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_USERNAME", "pager"),
        ("SMTP_PASSWORD", "example-password"),
        ("PAGER_MAIL_FROM", "pager@example.com"),
        ("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000001"),
        ("TWILIO_AUTH_TOKEN", "example-token"),
        ("TWILIO_FROM", "+15005550006"),
    ]
}

/// Runs the binary off the test's runtime, which serves the stand-in meanwhile.
async fn run(args: &[&str], dir: &Path, database_url: &str) -> std::process::Output {
    let mut command = std::process::Command::new(BINARY);
    command
        .args(args)
        .current_dir(dir)
        .env("FIREWATCH_DATABASE_URL", database_url)
        .env_remove("FIREWATCH_CONFIG");
    for (name, value) in variables() {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || command.output().expect("run firewatch"))
        .await
        .expect("the command's thread")
}

fn text(output: &std::process::Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `oncall.txt`: per schedule, half-open UTC ranges with who is on call, as a list of the
/// people on call for each hour of the window.
fn hand_table(source: &str) -> Tables {
    let path = fixture_dir(source).join("oncall.txt");
    let text = std::fs::read_to_string(&path).expect("oncall.txt");
    let start: Timestamp = WINDOW_START.parse().unwrap();
    let mut tables: Tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(id) = line.strip_prefix("schedule ") {
            current = Some(id.trim().to_owned());
            tables.insert(id.trim().to_owned(), vec![Vec::new(); HOURS as usize]);
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words.len(), 3, "{}: {line}", path.display());
        let parse = |text: &str| -> Timestamp {
            let text = if text.ends_with('Z') && text.len() == 17 {
                format!("{}:00Z", &text[..16])
            } else {
                text.to_owned()
            };
            text.parse().unwrap_or_else(|_| panic!("a time: {text}"))
        };
        let (from, to) = (parse(words[0]), parse(words[1]));
        let people: Vec<String> = if words[2] == "-" {
            Vec::new()
        } else {
            let mut people: Vec<String> = words[2].split(',').map(str::to_owned).collect();
            people.sort();
            people
        };
        let table = tables
            .get_mut(current.as_ref().expect("a schedule line first"))
            .unwrap();
        let first = from.duration_since(start).as_hours();
        let last = to.duration_since(start).as_hours();
        for hour in first..last {
            table[hour as usize] = people.clone();
        }
    }
    tables
}

/// Who Firewatch has on call at each hour of the window, by the API.
async fn firewatch_table(app: &TestApp, schedule: &str) -> Vec<Vec<String>> {
    let start: Timestamp = WINDOW_START.parse().unwrap();
    let mut table = Vec::new();
    for hour in 0..HOURS {
        // The middle of the hour: handoffs fall on the hour.
        let at = start + SignedDuration::from_mins(hour * 60 + 30);
        let answer = app
            .get(&format!("/api/v1/oncall?schedule={schedule}&at={at}"))
            .await;
        let mut people: Vec<String> = answer["on_call"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["person"].as_str().unwrap().to_owned())
            .collect();
        people.sort();
        people.dedup();
        table.push(people);
    }
    table
}

fn differences(expected: &[Vec<String>], actual: &[Vec<String>]) -> Vec<String> {
    let start: Timestamp = WINDOW_START.parse().unwrap();
    expected
        .iter()
        .zip(actual)
        .enumerate()
        .filter(|(_, (e, a))| e != a)
        .map(|(hour, (e, a))| {
            format!(
                "{}: expected {e:?}, got {a:?}",
                start + SignedDuration::from_hours(hour as i64)
            )
        })
        .collect()
}

/// What a source import is checked with.
struct Case {
    source: &'static str,
    dialect: Dialect,
    /// The command's words before the common flags, given the stand-in.
    args: fn(&SourceApi) -> Vec<String>,
    /// Source ids the report must name (untranslatable items in the fixtures).
    untranslatable: &'static [&'static str],
    /// The source's own rendering of a schedule over the window, as an hourly table.
    rendering: Option<fn(&str) -> Tables>,
}

async fn import_organisation(case: Case) {
    for backend in backends() {
        let api = SourceApi::start(case.dialect).await;
        let dir = tempfile::tempdir().unwrap();
        let database = crate::support::TestDatabase::new(backend).await;
        let mut args: Vec<String> = vec!["import".into()];
        args.extend((case.args)(&api));
        args.extend(
            [
                "--since",
                WINDOW_START,
                "--out",
                "firewatch.import.toml",
                "--report",
                "import-report.md",
            ]
            .map(String::from),
        );
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&words, dir.path(), &database.url).await;
        assert!(output.status.success(), "{}", text(&output));
        let config = std::fs::read(dir.path().join("firewatch.import.toml")).unwrap();
        let report = std::fs::read_to_string(dir.path().join("import-report.md")).unwrap();
        assert!(
            api.requests().len() > 1,
            "{}: read through the API",
            case.source
        );

        // Rerunning writes the same bytes; the plan against itself changes nothing.
        let output = run(&words, dir.path(), &database.url).await;
        assert!(output.status.success(), "{}", text(&output));
        assert_eq!(
            std::fs::read(dir.path().join("firewatch.import.toml")).unwrap(),
            config,
            "{}: a rerun writes the same config",
            case.source
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("import-report.md")).unwrap(),
            report
        );
        std::fs::rename(
            dir.path().join("firewatch.import.toml"),
            dir.path().join("current.toml"),
        )
        .unwrap();
        let mut plan = words.clone();
        plan.extend(["--plan", "--config", "current.toml"]);
        let output = run(&plan, dir.path(), &database.url).await;
        assert!(output.status.success(), "{}", text(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("\n0 to add, 0 to change,"),
            "{}: {stdout}",
            case.source
        );
        assert!(
            !dir.path().join("firewatch.import.toml").exists(),
            "--plan writes nothing"
        );
        std::fs::rename(
            dir.path().join("current.toml"),
            dir.path().join("firewatch.import.toml"),
        )
        .unwrap();

        // check-config accepts it.
        let output = run(
            &["check-config", "--config", "firewatch.import.toml"],
            dir.path(),
            &database.url,
        )
        .await;
        assert!(output.status.success(), "{}", text(&output));

        // The report names every untranslatable item.
        for id in case.untranslatable {
            assert!(
                report.contains(id),
                "{}: the report names {id}:\n{report}",
                case.source
            );
        }

        // The overrides go into the database (once, however often it runs).
        let mut apply = words.clone();
        apply.push("--apply-overrides");
        for _ in 0..2 {
            let output = run(&apply, dir.path(), &database.url).await;
            assert!(output.status.success(), "{}", text(&output));
        }

        // Who is on call, hour by hour, on the imported config over that database.
        let config_text = String::from_utf8(config).unwrap();
        let mut app_config = config_text.clone();
        for (name, value) in variables() {
            app_config = app_config.replace(&format!("${{{name}}}"), value);
        }
        let paging: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture_dir(case.source).join("paging.json")).unwrap(),
        )
        .unwrap();
        let service = paging["service"].as_str().unwrap();
        app_config.push_str(&format!(
            "\n[[integrations]]\nname = \"prometheus\"\nkind = \"alertmanager\"\ntoken = \"{}\"\nservice = \"{service}\"\n",
            crate::alerts::TOKEN
        ));
        let at: Timestamp = paging["at"].as_str().unwrap().parse().unwrap();
        let app = TestApp::start_on(database, &app_config, at).await;
        let stored = app.get("/api/v1/schedules").await;
        assert!(
            stored["items"]
                .as_array()
                .is_some_and(|items| items.len() >= 2)
        );
        let expected = hand_table(case.source);
        assert!(expected.len() >= 2, "{}: two schedules", case.source);
        for (schedule, table) in &expected {
            let actual = firewatch_table(&app, schedule).await;
            let wrong = differences(table, &actual);
            assert!(
                wrong.is_empty(),
                "{} schedule {schedule}: {} hour(s) differ from the hand-written table:\n{}",
                case.source,
                wrong.len(),
                wrong.join("\n")
            );
        }
        if let Some(rendering) = case.rendering {
            for (schedule, table) in rendering(case.source) {
                let wrong = differences(&expected[&schedule], &table);
                assert!(
                    wrong.is_empty(),
                    "{} schedule {schedule}: the source's own rendering differs from the table:\n{}",
                    case.source,
                    wrong.join("\n")
                );
            }
        }

        // A critical alert on the service pages whom the source would, step by step.
        fire(&app, &critical_alert(service)).await;
        app.idle().await;
        let alert = crate::oncall::alert_ids(&app).await.remove(0);
        let mut elapsed = 0;
        for expected in paging["pages"].as_array().unwrap() {
            let after = expected["after_minutes"].as_i64().unwrap();
            let step = expected["step"].as_i64().unwrap() - 1;
            let person = expected["person"].as_str().unwrap();
            let paged = || async {
                let pages = app
                    .get(&format!("/api/v1/pages?alert={alert}&shadow=true"))
                    .await;
                let found = pages["items"].as_array().unwrap().iter().any(|page| {
                    page["person"] == person && page["step"] == step && page["round"] == 0
                });
                (found, pages)
            };
            if after > elapsed {
                // Not a minute early...
                app.advance((after - elapsed) * 60 - 60);
                app.idle().await;
                let (found, pages) = paged().await;
                assert!(
                    !found,
                    "{}: step {} pages {person} before {after} minutes: {pages:#}",
                    case.source,
                    step + 1
                );
                app.advance(60);
                app.idle().await;
                elapsed = after;
            }
            // ...and on time.
            let (found, pages) = paged().await;
            assert!(
                found,
                "{}: step {} pages {person} {after} minutes in: {pages:#}",
                case.source,
                step + 1
            );
        }
        assert_eq!(app.clock.now(), at + SignedDuration::from_mins(elapsed));
        app.stop().await;
    }
}

fn pagerduty_rendering(source: &str) -> Tables {
    // PagerDuty's final_schedule over the window, from GET /schedules/{id}?since&until.
    let dir = fixture_dir(source).join("api/schedules");
    let mut tables = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let schedule: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let entries = schedule["schedule"]["final_schedule"]["rendered_schedule_entries"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let name = schedule["schedule"]["name"].as_str().unwrap();
        let id = slug(name);
        let people = |entry: &Value| -> Vec<String> {
            let email = entry["user"]["email"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| {
                    let user = entry["user"]["id"].as_str()?;
                    user_emails(source).get(user).cloned()
                });
            email
                .map(|email| vec![email.split('@').next().unwrap().to_owned()])
                .unwrap_or_default()
        };
        tables.insert(id, hourly(&entries, "start", "end", people));
    }
    tables
}

fn grafana_rendering(source: &str) -> Tables {
    // Grafana OnCall's final shifts over the window, from /api/v1/schedules/{id}/final_shifts.
    let schedules: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_dir(source).join("api/api/v1/schedules.json")).unwrap(),
    )
    .unwrap();
    let mut tables = BTreeMap::new();
    for schedule in schedules["results"].as_array().unwrap() {
        let id = schedule["id"].as_str().unwrap();
        let path = fixture_dir(source).join(format!("api/api/v1/schedules/{id}/final_shifts.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let shifts: Value = serde_json::from_str(&text).unwrap();
        let entries = shifts["results"].as_array().cloned().unwrap_or_default();
        let people = |entry: &Value| vec![entry["user_username"].as_str().unwrap().to_owned()];
        tables.insert(
            slug(schedule["name"].as_str().unwrap()),
            hourly(&entries, "shift_start", "shift_end", people),
        );
    }
    tables
}

fn user_emails(source: &str) -> BTreeMap<String, String> {
    let users: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_dir(source).join("api/users.json")).unwrap(),
    )
    .unwrap();
    users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| {
            (
                user["id"].as_str().unwrap().to_owned(),
                user["email"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn slug(text: &str) -> String {
    firewatch::import::model::slug(text)
}

/// Entries with a start and an end (RFC 3339) as who is on call at each hour of the window.
fn hourly(
    entries: &[Value],
    start_key: &str,
    end_key: &str,
    people: impl Fn(&Value) -> Vec<String>,
) -> Vec<Vec<String>> {
    let start: Timestamp = WINDOW_START.parse().unwrap();
    let mut table = vec![Vec::new(); HOURS as usize];
    for entry in entries {
        let from: Timestamp = entry[start_key].as_str().unwrap().parse().unwrap();
        let to: Timestamp = entry[end_key].as_str().unwrap().parse().unwrap();
        for hour in 0..HOURS {
            let at = start + SignedDuration::from_mins(hour * 60 + 30);
            if from <= at && at < to {
                table[hour as usize].extend(people(entry));
            }
        }
    }
    for people in &mut table {
        people.sort();
        people.dedup();
    }
    table
}

#[tokio::test]
async fn pagerduty_organisation_imports_and_pages_as_pagerduty_would() {
    import_organisation(Case {
        source: "pagerduty",
        dialect: Dialect::Pagerduty,
        args: |api| {
            vec![
                "pagerduty".into(),
                "--token".into(),
                api.credential.clone(),
                "--api-url".into(),
                api.origin.clone(),
            ]
        },
        untranslatable: PAGERDUTY_UNTRANSLATABLE,
        rendering: Some(pagerduty_rendering),
    })
    .await;
}

#[tokio::test]
async fn opsgenie_organisation_imports_and_pages_as_opsgenie_would() {
    import_organisation(Case {
        source: "opsgenie",
        dialect: Dialect::Opsgenie,
        args: |api| {
            vec![
                "opsgenie".into(),
                "--key".into(),
                api.credential.clone(),
                "--api-url".into(),
                api.origin.clone(),
            ]
        },
        untranslatable: OPSGENIE_UNTRANSLATABLE,
        rendering: None,
    })
    .await;
}

#[tokio::test]
async fn grafana_oncall_organisation_imports_and_pages_as_oncall_would() {
    import_organisation(Case {
        source: "grafana-oncall",
        dialect: Dialect::GrafanaOncall,
        args: |api| {
            vec![
                "grafana-oncall".into(),
                "--token".into(),
                api.credential.clone(),
                "--api-url".into(),
                api.origin.clone(),
            ]
        },
        untranslatable: GRAFANA_ONCALL_UNTRANSLATABLE,
        rendering: Some(grafana_rendering),
    })
    .await;
}

/// The fixtures' items Firewatch cannot express: push contacts, low-urgency rules, an ended
/// layer, round robin, handoff notices, a second team, support-hours urgency, integrations.
const PAGERDUTY_UNTRANSLATABLE: &[&str] = &[
    "PPU100D", "PPU400D", "PNR1005", "PLDAT01", "PRDAT03", "PEPDAT1", "PSVCHK1", "PINTCK1",
    "PSVDAT1",
];
/// A mobile app contact, a time-restricted and a schedule-start rule, an ended rotation, an
/// override for one rotation, a "next" rule, a team routing to nobody.
const OPSGENIE_UNTRANSLATABLE: &[&str] = &[
    "0b3c6f1e-c004-4000-8000-000000000004",
    "1f6d2a90-r010-4000-8000-000000000010",
    "2a7e3b01-r002-4000-8000-000000000002",
    "b2000000-0000-4000-8000-000000000003",
    "c3000000-0000-4000-8000-000000000003",
    "d4000000-0000-4000-8000-000000000002 rules[2]",
    "e5000000-0000-4000-8000-000000000004",
];
/// Mobile app and Slack rules, a one-off shift, an iCal schedule, webhook, user-group and
/// resolve steps, a non-default route, an integration's secret URL.
const GRAFANA_ONCALL_UNTRANSLATABLE: &[&str] = &[
    "NDAL0K7Q2M4N8",
    "NDCA0E8H5J2L7",
    "OSE9J2L4N6Q8S",
    "SPH7A2C4E6G8J",
    "E1WC6F8H1K3M5",
    "E3PL5W4Y6A8C1",
    "E3PL7Y6A8C1E3",
    "RWW1A3C5E7G9J",
    "CWF5N7Q9S2V4X",
];

/// An Alertmanager webhook with one critical alert on `service`.
pub fn critical_alert(service: &str) -> String {
    serde_json::json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"ImportedServiceDown\"}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "firewatch",
        "groupLabels": {"alertname": "ImportedServiceDown"},
        "commonLabels": {"alertname": "ImportedServiceDown", "severity": "critical", "service": service},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [{
            "status": "firing",
            "labels": {"alertname": "ImportedServiceDown", "severity": "critical", "service": service},
            "annotations": {"summary": format!("{service} is down")},
            "startsAt": "2027-01-05T14:59:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": "imported-1",
        }],
    })
    .to_string()
}

/// Values for an imported Alertmanager config's variables: webhook URLs to `url`, the rest
/// a stand-in secret.
fn alertmanager_values(text: &str, url: &str) -> Vec<(String, String)> {
    firewatch::import::write::variables(text)
        .into_iter()
        .map(|name| {
            let value = if name.contains("URL") {
                url.to_owned()
            } else {
                "example-secret".to_owned()
            };
            (name, value)
        })
        .collect()
}

/// How many deliveries each destination has so far.
async fn deliveries(app: &TestApp) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    let listed = app.get("/api/v1/notifications?limit=500").await;
    for item in listed["items"].as_array().unwrap() {
        *counts
            .entry(item["destination"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    counts
}

/// An alertmanager.yml from Alertmanager's own repository (tests/fixtures/import/alertmanager,
/// with its NOTICE): the written config loads, and each label set reaches the destinations
/// of the receivers the real amtool routed it to (`routes.json`), through the real app.
#[tokio::test]
async fn an_alertmanager_config_routes_each_alert_where_amtool_said() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let database = crate::support::TestDatabase::new(backend).await;
        let file = fixture_dir("alertmanager").join("alertmanager.yml");
        let file = file.to_str().unwrap();
        let words = ["import", "alertmanager", file];
        let output = run(&words, dir.path(), &database.url).await;
        assert!(output.status.success(), "{}", text(&output));
        let config = std::fs::read_to_string(dir.path().join("firewatch.import.toml")).unwrap();
        let report = std::fs::read_to_string(dir.path().join("import-report.md")).unwrap();
        let output = run(&words, dir.path(), &database.url).await;
        assert!(output.status.success(), "{}", text(&output));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("firewatch.import.toml")).unwrap(),
            config,
            "a rerun writes the same config"
        );
        // Receivers Firewatch pages itself are named, with the way over.
        assert!(report.contains("firewatch import pagerduty"), "{report}");

        let sink = crate::support::Destination::start().await;
        let values = alertmanager_values(&config, &sink.url);
        let mut check = std::process::Command::new(BINARY);
        check
            .args(["check-config", "--config", "firewatch.import.toml"])
            .current_dir(dir.path());
        for (name, value) in &values {
            check.env(name, value);
        }
        let output = tokio::task::spawn_blocking(move || check.output().unwrap())
            .await
            .unwrap();
        assert!(output.status.success(), "{}", text(&output));

        let mut app_config = config.clone();
        for (name, value) in &values {
            app_config = app_config.replace(&format!("${{{name}}}"), value);
        }
        app_config.push_str(&format!(
            "\n[[integrations]]\nname = \"prometheus\"\nkind = \"alertmanager\"\ntoken = \"{}\"\n",
            crate::alerts::TOKEN
        ));
        let routes: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture_dir("alertmanager").join("routes.json")).unwrap(),
        )
        .unwrap();
        let at: Timestamp = routes["at"].as_str().unwrap().parse().unwrap();
        let app = TestApp::start_on(database, &app_config, at).await;
        let cases = routes["cases"].as_array().unwrap();
        assert!(cases.len() >= 12);
        for (index, case) in cases.iter().enumerate() {
            let mut labels = case["labels"].as_object().unwrap().clone();
            // A name of its own per case, so no case joins another's group or is inhibited
            // by it (no route of the file matches on alertname).
            let name = labels
                .get("alertname")
                .and_then(Value::as_str)
                .unwrap_or("Alert")
                .to_owned();
            labels.insert("alertname".into(), Value::from(format!("{name}-{index}")));
            let body = serde_json::json!({
                "version": "4",
                "groupKey": format!("{{}}:{{case=\"{index}\"}}"),
                "status": "firing",
                "receiver": "firewatch",
                "groupLabels": {},
                "commonLabels": labels,
                "commonAnnotations": {},
                "externalURL": "http://alertmanager:9093",
                "alerts": [{
                    "status": "firing",
                    "labels": labels,
                    "annotations": {"summary": format!("case {index}")},
                    "startsAt": at.to_string(),
                    "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": format!("case-{index}"),
                }],
            })
            .to_string();
            let before = deliveries(&app).await;
            fire(&app, &body).await;
            app.idle().await;
            // Past every route's group_wait.
            app.advance(45);
            app.idle().await;
            let after = deliveries(&app).await;
            let mut reached: Vec<String> = after
                .iter()
                .filter(|(destination, count)| before.get(*destination) != Some(count))
                .map(|(destination, _)| destination.clone())
                .collect();
            reached.sort();
            let mut expected: Vec<String> =
                serde_json::from_value(case["firewatch_destinations"].clone()).unwrap();
            expected.sort();
            assert_eq!(reached, expected, "case {index}: {case}");
            if case["exact"] == true {
                let mut alertmanager: Vec<String> =
                    serde_json::from_value(case["alertmanager_destinations"].clone()).unwrap();
                alertmanager.sort();
                assert_eq!(
                    reached, alertmanager,
                    "case {index}: as amtool said: {case}"
                );
            }
        }
        app.stop().await;
    }
}
