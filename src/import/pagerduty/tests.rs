//! The reader against the fixtures (served with the stand-in server's pagination, two
//! items a page), the translation rules one by one, and a cross-check of the translated
//! schedules against the hand-written on-call table.

use std::sync::Mutex;

use serde_json::json;

use super::super::model::Layer;
use super::*;
use crate::core::oncall;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/import/pagerduty"
);

/// Serves JSON documents by path the way the integration tests' stand-in does: query
/// ignored, list answers cut into pages of at most two items.
struct FakeApi {
    documents: HashMap<String, Value>,
    requests: Mutex<Vec<String>>,
}

impl FakeApi {
    fn from_fixtures() -> FakeApi {
        let mut documents = HashMap::new();
        let root = std::path::PathBuf::from(FIXTURES).join("api");
        let mut folders = vec![root.clone()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("fixture folder") {
                let path = entry.expect("fixture entry").path();
                if path.is_dir() {
                    folders.push(path);
                    continue;
                }
                let relative = path.strip_prefix(&root).expect("under root");
                let key = format!("/{}", relative.to_string_lossy().trim_end_matches(".json"));
                let body = std::fs::read_to_string(&path).expect("fixture file");
                documents.insert(key, serde_json::from_str(&body).expect("fixture JSON"));
            }
        }
        FakeApi::new(documents)
    }

    fn new(documents: HashMap<String, Value>) -> FakeApi {
        FakeApi {
            documents,
            requests: Mutex::new(Vec::new()),
        }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

fn query_number(query: &str, key: &str) -> Option<usize> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .and_then(|value| value.parse().ok())
}

impl Api for FakeApi {
    fn get(&self, path_and_query: &str) -> impl Future<Output = Result<Value, ApiError>> + Send {
        self.requests
            .lock()
            .expect("lock")
            .push(path_and_query.to_owned());
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let path = path.trim_end_matches('/');
        let answer = match self.documents.get(path) {
            None => Err(ApiError(format!("404 for {path}"))),
            Some(document) => {
                let mut document = document.clone();
                let list_key = document.as_object().and_then(|object| {
                    object
                        .iter()
                        .find(|(key, value)| value.is_array() && *key != "include")
                        .map(|(key, _)| key.clone())
                });
                if let Some(key) = list_key {
                    let items = document[&key].as_array().cloned().unwrap_or_default();
                    let limit = query_number(query, "limit").unwrap_or(25).min(2);
                    let offset = query_number(query, "offset").unwrap_or(0).min(items.len());
                    let end = (offset + limit).min(items.len());
                    document[&key] = Value::Array(items[offset..end].to_vec());
                    document["limit"] = json!(limit);
                    document["offset"] = json!(offset);
                    document["more"] = json!(end < items.len());
                    document["total"] = Value::Null;
                }
                Ok(document)
            }
        };
        std::future::ready(answer)
    }
}

fn at(text: &str) -> Timestamp {
    text.parse().expect("test timestamp")
}

async fn read_fixtures() -> (Org, FakeApi) {
    let api = FakeApi::from_fixtures();
    let since = at("2027-01-04T00:00:00Z");
    let until = at("2027-04-04T00:00:00Z");
    let org = read(&api, since, until).await.expect("fixtures read");
    (org, api)
}

fn skipped_about<'o>(org: &'o Org, what: &str, name_part: &str) -> Vec<&'o Skipped> {
    org.skipped
        .iter()
        .filter(|skip| skip.origin.what == what && skip.origin.name.contains(name_part))
        .collect()
}

#[tokio::test]
async fn reads_people_with_contacts_and_high_urgency_rules() {
    let (org, api) = read_fixtures().await;
    let ids: Vec<&str> = org.people.iter().map(|person| person.id.as_str()).collect();
    assert_eq!(ids, ["alice", "bob", "carol", "dave", "erin"]);
    let alice = &org.people[0];
    assert_eq!(alice.name, "Alice Kim");
    assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
    assert_eq!(alice.timezone.as_deref(), Some("America/New_York"));
    assert_eq!(alice.origin.id, "PAL1C3K");
    assert_eq!(
        alice.origin.url.as_deref(),
        Some("https://acme.pagerduty.com/users/PAL1C3K")
    );
    assert_eq!(
        alice.contacts,
        [
            Contact {
                name: "email".into(),
                kind: ContactKind::Email {
                    to: "alice@example.com".into()
                }
            },
            Contact {
                name: "voice".into(),
                kind: ContactKind::Voice {
                    to: "+15555550101".into()
                }
            },
            Contact {
                name: "sms".into(),
                kind: ContactKind::Sms {
                    to: "+15555550101".into()
                }
            },
        ]
    );
    let notify: Vec<(u32, &str)> = alice
        .notify
        .iter()
        .map(|rule| (rule.after_minutes, rule.contact.as_str()))
        .collect();
    assert_eq!(notify, [(0, "email"), (1, "sms"), (5, "voice")]);
    // Bob's second email is "email-2", and his high-urgency path uses it.
    let bob = &org.people[1];
    assert!(bob.contacts.iter().any(|contact| contact.name == "email-2"
        && contact.kind
            == ContactKind::Email {
                to: "bob.pager@example.com".into()
            }));
    let notify: Vec<(u32, &str)> = bob
        .notify
        .iter()
        .map(|rule| (rule.after_minutes, rule.contact.as_str()))
        .collect();
    assert_eq!(notify, [(0, "sms"), (0, "email-2"), (3, "voice")]);
    // Push methods and the rules using them, and low-urgency rules, are in the report.
    let pushes = skipped_about(&org, "PagerDuty contact method", "iPhone");
    assert_eq!(pushes.len(), 1);
    assert!(pushes[0].manual_step.contains("ntfy contact for alice"));
    assert_eq!(
        skipped_about(&org, "PagerDuty contact method", "Pixel").len(),
        1
    );
    let alice_rules = skipped_about(&org, "PagerDuty notification rule", "Alice Kim");
    assert_eq!(alice_rules.len(), 2, "{alice_rules:#?}");
    assert!(
        alice_rules
            .iter()
            .any(|skip| skip.reason.contains("low-urgency"))
    );
    // The device token of a push method is nowhere in the org.
    assert!(!format!("{org:?}").contains("8f3a0c2e9b7d"));
    // Users came with their contact methods included: no per-user requests.
    assert!(
        api.requests()
            .iter()
            .all(|path| !path.contains("/contact_methods"))
    );
}

#[tokio::test]
async fn follows_pages_with_limit_and_offset() {
    let (_, api) = read_fixtures().await;
    let user_pages: Vec<String> = api
        .requests()
        .into_iter()
        .filter(|path| path.starts_with("/users"))
        .collect();
    assert_eq!(
        user_pages.len(),
        3,
        "five users, two a page: {user_pages:?}"
    );
    assert!(
        user_pages[2].ends_with("limit=100&offset=4"),
        "{user_pages:?}"
    );
    assert!(
        user_pages[0].contains("include%5B%5D=contact_methods&include%5B%5D=notification_rules")
    );
}

#[tokio::test]
async fn reads_teams_with_members() {
    let (org, _) = read_fixtures().await;
    let teams: Vec<(&str, Vec<&str>)> = org
        .teams
        .iter()
        .map(|team| {
            (
                team.id.as_str(),
                team.members.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        teams,
        [
            ("data", vec!["dave", "erin", "carol"]),
            ("sre", vec!["alice", "dave", "erin"]),
            ("web-platform", vec!["alice", "bob", "carol"]),
        ]
    );
}

#[tokio::test]
async fn reads_schedules_lowest_layer_first() {
    let (org, _) = read_fixtures().await;
    let web = &org.schedules[0];
    assert_eq!(
        (web.id.as_str(), web.timezone.as_str()),
        ("web-primary", "America/New_York")
    );
    let layers: Vec<Layer> = web
        .layers
        .iter()
        .map(|layer| Layer {
            note: None,
            ..layer.clone()
        })
        .collect();
    assert_eq!(
        layers,
        [
            Layer {
                name: "Layer 1".into(),
                rotation: "weekly".into(),
                handoff: "mon 09:00".into(),
                start: "2026-11-02".into(),
                members: vec!["alice".into(), "bob".into(), "carol".into()],
                restrict: vec![],
                note: None,
            },
            Layer {
                name: "Weekday daytime".into(),
                rotation: "daily".into(),
                handoff: "09:00".into(),
                start: "2026-11-02".into(),
                members: vec!["dave".into(), "erin".into()],
                restrict: vec![Restrict {
                    days: "mon-fri".into(),
                    from: "09:00".into(),
                    to: "18:00".into()
                }],
                note: None,
            },
        ]
    );
    let data = &org.schedules[1];
    assert_eq!(
        (data.id.as_str(), data.timezone.as_str()),
        ("data-primary", "Asia/Seoul")
    );
    let names: Vec<&str> = data
        .layers
        .iter()
        .map(|layer| layer.name.as_str())
        .collect();
    assert_eq!(names, ["Two-week primary", "Weekend 12h"]);
    assert_eq!(data.layers[0].rotation, "weekly");
    assert_eq!(data.layers[0].handoff, "mon 10:00");
    assert_eq!(
        data.layers[0].members,
        ["bob", "bob", "carol", "carol", "erin", "erin"]
    );
    assert_eq!(data.layers[1].rotation, "12h");
    assert_eq!(data.layers[1].handoff, "08:00");
    assert_eq!(
        data.layers[1].restrict,
        [
            Restrict {
                days: "mon".into(),
                from: "00:00".into(),
                to: "08:00".into()
            },
            Restrict {
                days: "fri".into(),
                from: "20:00".into(),
                to: "24:00".into()
            },
            Restrict {
                days: "sat,sun".into(),
                from: "00:00".into(),
                to: "24:00".into()
            },
        ]
    );
    let ended = skipped_about(&org, "PagerDuty schedule layer", "Old weekly");
    assert_eq!(ended.len(), 1);
    assert!(ended[0].reason.contains("ended"));
}

#[tokio::test]
async fn keeps_only_overrides_that_are_not_over() {
    let (org, _) = read_fixtures().await;
    assert_eq!(
        org.overrides
            .iter()
            .map(|change| Override {
                origin: Origin::default(),
                ..change.clone()
            })
            .collect::<Vec<_>>(),
        [Override {
            origin: Origin::default(),
            schedule: "web-primary".into(),
            person: "carol".into(),
            start: "2027-01-08T14:00:00Z".into(),
            end: "2027-01-09T02:00:00Z".into(),
            replaces: None,
        }]
    );
    assert_eq!(org.overrides[0].origin.id, "PQWEB01");
}

#[tokio::test]
async fn reads_policies_with_delays_from_the_previous_rule() {
    let (org, _) = read_fixtures().await;
    let web = org
        .policies
        .iter()
        .find(|policy| policy.id == "web-escalation")
        .expect("web policy");
    assert_eq!(web.repeat, 2);
    assert_eq!(web.repeat_after_minutes, Some(20));
    assert_eq!(
        web.steps,
        [
            Step {
                after_minutes: 0,
                notify: vec!["schedule:web-primary".into()]
            },
            Step {
                after_minutes: 10,
                notify: vec!["person:alice".into()]
            },
            Step {
                after_minutes: 15,
                notify: vec!["person:bob".into(), "person:carol".into()]
            },
        ]
    );
    let data = org
        .policies
        .iter()
        .find(|policy| policy.id == "data-escalation")
        .expect("data policy");
    assert_eq!(data.repeat, 3);
    assert_eq!(data.repeat_after_minutes, Some(30));
    let delays: Vec<u32> = data.steps.iter().map(|step| step.after_minutes).collect();
    assert_eq!(delays, [0, 5, 10]);
    assert_eq!(
        data.steps[1].notify,
        ["schedule:web-primary", "person:dave"]
    );
    let notes = skipped_about(&org, "PagerDuty escalation policy", "Data Escalation");
    assert!(notes.iter().any(|skip| skip.reason.contains("handoff")));
    assert_eq!(
        skipped_about(&org, "PagerDuty escalation rule", "Data Escalation: rule 3").len(),
        1
    );
}

#[tokio::test]
async fn reads_services_and_reports_their_integrations() {
    let (org, _) = read_fixtures().await;
    let services: Vec<(&str, Option<&str>, Option<&str>)> = org
        .services
        .iter()
        .map(|service| {
            (
                service.id.as_str(),
                service.team.as_deref(),
                service.escalation_policy.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        services,
        [
            ("checkout", Some("web-platform"), Some("web-escalation")),
            ("data-pipeline", Some("data"), Some("data-escalation")),
            ("web-api", Some("web-platform"), Some("web-escalation")),
        ]
    );
    let integrations: Vec<&Skipped> = org
        .skipped
        .iter()
        .filter(|skip| skip.origin.what == "PagerDuty integration")
        .collect();
    assert_eq!(integrations.len(), 4);
    assert!(integrations.iter().all(|skip| {
        skip.manual_step
            .starts_with("Point this sender at Firewatch")
    }));
    let checkout = skipped_about(&org, "PagerDuty service", "Checkout");
    assert!(checkout.iter().any(|skip| skip.reason.contains("2 teams")));
    let pipeline = skipped_about(&org, "PagerDuty service", "Data Pipeline");
    assert!(
        pipeline
            .iter()
            .any(|skip| skip.reason.contains("support hours"))
    );
}

#[tokio::test]
async fn reads_the_same_org_twice() {
    let (first, _) = read_fixtures().await;
    let (second, _) = read_fixtures().await;
    assert_eq!(format!("{first:?}"), format!("{second:?}"));
}

#[tokio::test]
async fn fetches_contact_methods_and_rules_when_not_included() {
    let user = json!({"id": "PX1", "name": "Zoe Yoon", "email": "zoe@example.com",
        "time_zone": "Asia/Seoul", "html_url": "https://acme.pagerduty.com/users/PX1",
        "contact_methods": [{"id": "PC1", "type": "sms_contact_method_reference", "summary": "Mobile"}]});
    let documents = HashMap::from([
        ("/users".to_owned(), json!({"users": [user]})),
        (
            "/users/PX1/contact_methods".to_owned(),
            json!({"contact_methods": [
            {"id": "PC1", "type": "sms_contact_method", "label": "Mobile", "address": "10 1234 5678", "country_code": 82},
            {"id": "PC2", "type": "phone_contact_method", "label": "Desk", "address": "+82 2 555 0100"}]}),
        ),
        (
            "/users/PX1/notification_rules".to_owned(),
            json!({"notification_rules": [
            {"id": "PN2", "start_delay_in_minutes": 4, "urgency": "high", "contact_method": {"id": "PC2"}},
            {"id": "PN1", "start_delay_in_minutes": 0, "urgency": "high", "contact_method": {"id": "PC1"}}]}),
        ),
        ("/teams".to_owned(), json!({"teams": []})),
        ("/schedules".to_owned(), json!({"schedules": []})),
        (
            "/escalation_policies".to_owned(),
            json!({"escalation_policies": []}),
        ),
        ("/services".to_owned(), json!({"services": []})),
    ]);
    let api = FakeApi::new(documents);
    let org = read(&api, at("2027-01-04T00:00:00Z"), at("2027-04-04T00:00:00Z"))
        .await
        .expect("read");
    let zoe = &org.people[0];
    assert_eq!(zoe.id, "zoe");
    assert_eq!(
        zoe.contacts,
        [
            Contact {
                name: "sms".into(),
                kind: ContactKind::Sms {
                    to: "+821012345678".into()
                }
            },
            Contact {
                name: "voice".into(),
                kind: ContactKind::Voice {
                    to: "+8225550100".into()
                }
            },
        ]
    );
    assert_eq!(
        zoe.notify,
        [
            Notify {
                after_minutes: 0,
                contact: "sms".into()
            },
            Notify {
                after_minutes: 4,
                contact: "voice".into()
            }
        ]
    );
    assert!(
        api.requests()
            .iter()
            .any(|path| path.starts_with("/users/PX1/notification_rules?urgency=any"))
    );
    assert!(org.skipped.is_empty(), "{:#?}", org.skipped);
}

#[tokio::test]
async fn a_missing_list_is_an_error_that_names_the_request() {
    let api = FakeApi::new(HashMap::from([(
        "/users".to_owned(),
        json!({"error": "nope"}),
    )]));
    let error = read(&api, at("2027-01-04T00:00:00Z"), at("2027-04-04T00:00:00Z"))
        .await
        .expect_err("no users list");
    assert!(
        error.0.contains("GET /users") && error.0.contains("\"users\""),
        "{error}"
    );
}

fn restrict(days: &str, from: &str, to: &str) -> Restrict {
    Restrict {
        days: days.into(),
        from: from.into(),
        to: to.into(),
    }
}

fn weekly(day: i64, start: &str, seconds: i64) -> Value {
    json!({"type": "weekly_restriction", "start_day_of_week": day, "start_time_of_day": start, "duration_seconds": seconds})
}

fn daily(start: &str, seconds: i64) -> Value {
    json!({"type": "daily_restriction", "start_time_of_day": start, "duration_seconds": seconds})
}

#[test]
fn restrictions_become_windows() {
    let check = |raw: Vec<Value>, expected: Vec<Restrict>, approximate: bool| {
        assert_eq!(restrictions(&raw), Ok((expected, approximate)), "{raw:?}");
    };
    // Five weekday entries, as PagerDuty's UI writes "weekdays 09-18".
    check(
        (1..=5).map(|day| weekly(day, "09:00:00", 32_400)).collect(),
        vec![restrict("mon-fri", "09:00", "18:00")],
        false,
    );
    // One stretch from Monday 09:00 for 4.5 days: split per day.
    check(
        vec![weekly(1, "09:00:00", 388_800)],
        vec![
            restrict("mon", "09:00", "24:00"),
            restrict("tue-thu", "00:00", "24:00"),
            restrict("fri", "00:00", "21:00"),
        ],
        false,
    );
    // Under a day and past midnight: one overnight window.
    check(
        vec![daily("18:00:00", 54_000)],
        vec![restrict("mon-sun", "18:00", "09:00")],
        false,
    );
    check(
        vec![weekly(7, "22:00:00", 36_000)],
        vec![restrict("sun", "22:00", "08:00")],
        false,
    );
    // A whole day from Sunday 20:00 wraps into Monday.
    check(
        vec![weekly(7, "20:00:00", 86_400)],
        vec![
            restrict("mon", "00:00", "20:00"),
            restrict("sun", "20:00", "24:00"),
        ],
        false,
    );
    check(vec![daily("00:00:00", 86_400)], vec![], false);
    check(vec![weekly(3, "00:00:00", 604_800)], vec![], false);
    check(
        vec![daily("09:00:30", 3_600)],
        vec![restrict("mon-sun", "09:00", "10:00")],
        true,
    );
    check(
        vec![
            weekly(1, "09:00:00", 3_600),
            weekly(3, "09:00:00", 3_600),
            weekly(4, "09:00:00", 3_600),
        ],
        vec![restrict("mon,wed,thu", "09:00", "10:00")],
        false,
    );
    assert!(restrictions(&[weekly(8, "09:00:00", 60)]).is_err());
    assert!(
        restrictions(&[
            json!({"type": "monthly", "start_time_of_day": "09:00:00", "duration_seconds": 60})
        ])
        .is_err()
    );
}

#[test]
fn turn_lengths_map_to_rotations() {
    assert_eq!(Turn::of(604_800), Some(Turn::Weeks { repeat: 1 }));
    assert_eq!(Turn::of(1_209_600), Some(Turn::Weeks { repeat: 2 }));
    assert_eq!(Turn::of(86_400), Some(Turn::Days { repeat: 1 }));
    assert_eq!(Turn::of(259_200), Some(Turn::Days { repeat: 3 }));
    assert_eq!(Turn::of(43_200), Some(Turn::Hours(12)));
    assert_eq!(Turn::of(8 * 3_600), Some(Turn::Hours(8)));
    assert_eq!(Turn::of(5_400), None);
    assert_eq!(Turn::of(200 * 3_600), None);
    assert_eq!(Turn::of(0), None);
}

fn shape<'a>(
    start: &str,
    end: Option<&str>,
    virtual_start: &str,
    turn_seconds: i64,
) -> LayerShape<'a> {
    LayerShape {
        start: Some(at(start)),
        end: end.map(at),
        virtual_start: Some(at(virtual_start)),
        turn_seconds,
        restrictions: &[],
    }
}

fn members(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).expect("zone")
}

#[test]
fn a_three_day_turn_repeats_each_member() {
    let since = at("2027-01-04T00:00:00Z");
    let (layer, notes) = translate_layer(
        &shape(
            "2026-12-01T09:00:00-05:00",
            None,
            "2026-12-01T09:00:00-05:00",
            259_200,
        ),
        "Layer 1",
        members(&["a", "b"]),
        &zone("America/New_York"),
        since,
    )
    .expect("translated");
    assert!(notes.is_empty());
    assert_eq!(
        (
            layer.rotation.as_str(),
            layer.handoff.as_str(),
            layer.start.as_str()
        ),
        ("daily", "09:00", "2026-12-01")
    );
    assert_eq!(layer.members, ["a", "a", "a", "b", "b", "b"]);
}

#[test]
fn a_future_start_on_a_handoff_starts_there_with_that_turns_member() {
    let since = at("2027-01-04T00:00:00Z");
    // Weekly from Wed 2026-12-02 10:00 Seoul; the layer takes effect three turns later.
    let (layer, _) = translate_layer(
        &shape(
            "2027-01-13T10:00:00+09:00",
            None,
            "2026-12-02T10:00:00+09:00",
            604_800,
        ),
        "Later",
        members(&["a", "b"]),
        &zone("Asia/Seoul"),
        since,
    )
    .expect("translated");
    // 2027-01-13 is six weeks after 2026-12-02: turn 6, member a.
    assert_eq!(
        (layer.handoff.as_str(), layer.start.as_str()),
        ("wed 10:00", "2027-01-13")
    );
    assert_eq!(layer.members, ["a", "b"]);
    let (layer, _) = translate_layer(
        &shape(
            "2027-01-06T10:00:00+09:00",
            None,
            "2026-12-02T10:00:00+09:00",
            604_800,
        ),
        "Later",
        members(&["a", "b"]),
        &zone("Asia/Seoul"),
        since,
    )
    .expect("translated");
    assert_eq!(layer.members, ["b", "a"], "2027-01-06 is turn 5: b");
}

#[test]
fn a_future_start_mid_turn_is_skipped_and_ends_are_reported() {
    let since = at("2027-01-04T00:00:00Z");
    let seoul = zone("Asia/Seoul");
    let mid_turn = translate_layer(
        &shape(
            "2027-01-07T12:00:00+09:00",
            None,
            "2026-12-02T10:00:00+09:00",
            604_800,
        ),
        "Later",
        members(&["a"]),
        &seoul,
        since,
    );
    assert!(
        mid_turn
            .expect_err("mid-turn")
            .0
            .contains("middle of a turn")
    );
    let ended = translate_layer(
        &shape(
            "2026-06-01T10:00:00+09:00",
            Some("2026-12-07T10:00:00+09:00"),
            "2026-06-01T10:00:00+09:00",
            604_800,
        ),
        "Old",
        members(&["a"]),
        &seoul,
        since,
    );
    assert!(ended.expect_err("ended").0.contains("ended"));
    let (_, notes) = translate_layer(
        &shape(
            "2026-06-01T10:00:00+09:00",
            Some("2027-02-01T10:00:00+09:00"),
            "2026-06-01T10:00:00+09:00",
            604_800,
        ),
        "Ending",
        members(&["a"]),
        &seoul,
        since,
    )
    .expect("translated");
    assert!(notes[0].1.contains("Delete this layer"));
    let odd = translate_layer(
        &shape(
            "2026-06-01T10:00:00+09:00",
            None,
            "2026-06-01T10:00:00+09:00",
            5_400,
        ),
        "Odd",
        members(&["a"]),
        &seoul,
        since,
    );
    assert!(odd.is_err());
}

#[test]
fn a_new_layer_starting_at_its_virtual_start_waits_for_it() {
    let since = at("2027-01-04T00:00:00Z");
    let (layer, notes) = translate_layer(
        &shape(
            "2027-02-01T09:00:00-05:00",
            None,
            "2027-02-01T09:00:00-05:00",
            86_400,
        ),
        "New",
        members(&["a", "b"]),
        &zone("America/New_York"),
        since,
    )
    .expect("translated");
    assert!(notes.is_empty());
    assert_eq!(
        (layer.start.as_str(), layer.handoff.as_str()),
        ("2027-02-01", "09:00")
    );
    assert_eq!(layer.members, ["a", "b"]);
    // Starting before its virtual start, on a handoff: turn -3 is b's.
    let (layer, _) = translate_layer(
        &shape(
            "2027-01-29T09:00:00-05:00",
            None,
            "2027-02-01T09:00:00-05:00",
            86_400,
        ),
        "New",
        members(&["a", "b"]),
        &zone("America/New_York"),
        since,
    )
    .expect("translated");
    assert_eq!(layer.start, "2027-01-29");
    assert_eq!(layer.members, ["b", "a"]);
}

/// The translated schedules, run through Firewatch's own on-call code, give the
/// hand-written table hour by hour (an override replacing whoever is on call).
#[tokio::test]
async fn translated_schedules_match_the_hand_written_table() {
    let (org, _) = read_fixtures().await;
    let table = std::fs::read_to_string(format!("{FIXTURES}/oncall.txt")).expect("oncall.txt");
    let mut expected: HashMap<String, Vec<(Timestamp, Timestamp, String)>> = HashMap::new();
    let mut current = String::new();
    for line in table
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["schedule", id] => current = (*id).to_owned(),
            [from, to, who] => expected.entry(current.clone()).or_default().push((
                at(&from.replace('Z', ":00Z")),
                at(&to.replace('Z', ":00Z")),
                (*who).to_owned(),
            )),
            _ => panic!("bad line {line}"),
        }
    }
    assert_eq!(expected.len(), org.schedules.len());
    let start = at("2027-01-04T00:00:00Z");
    for schedule in &org.schedules {
        let core = oncall::Schedule {
            time_zone: TimeZone::get(&schedule.timezone).expect("zone"),
            layers: schedule
                .layers
                .iter()
                .map(|layer| {
                    let rotation = oncall::Rotation::parse(&layer.rotation).expect("rotation");
                    oncall::Layer {
                        rotation,
                        handoff: oncall::Handoff::parse(rotation, &layer.handoff).expect("handoff"),
                        start: oncall::parse_date(&layer.start).expect("start"),
                        members: layer.members.clone(),
                        restrict: layer
                            .restrict
                            .iter()
                            .map(|window| {
                                oncall::Window::parse(&window.days, &window.from, &window.to)
                                    .expect("window")
                            })
                            .collect(),
                    }
                })
                .collect(),
        };
        let rows = &expected[&schedule.id];
        for hour in 0..336 {
            let instant = start.checked_add((hour as i64).hours()).expect("hour");
            let overriding = org.overrides.iter().find(|change| {
                change.schedule == schedule.id
                    && at(&change.start) <= instant
                    && instant < at(&change.end)
            });
            let mut who: Vec<String> = match overriding {
                Some(change) => vec![change.person.clone()],
                None => core
                    .on_call_at(&[], instant)
                    .into_iter()
                    .map(|shift| shift.person)
                    .collect(),
            };
            who.sort();
            let who = if who.is_empty() {
                "-".to_owned()
            } else {
                who.join(",")
            };
            let row = rows
                .iter()
                .find(|(from, to, _)| *from <= instant && instant < *to)
                .expect("hour covered");
            assert_eq!(who, row.2, "{} at {instant}", schedule.id);
        }
    }
}

/// The fixture's own rendering (PagerDuty's final_schedule) says the same as the table.
#[test]
fn pagerduty_rendering_matches_the_hand_written_table() {
    let table = std::fs::read_to_string(format!("{FIXTURES}/oncall.txt")).expect("oncall.txt");
    let names = HashMap::from([
        ("PAL1C3K", "alice"),
        ("PB0B7QX", "bob"),
        ("PCAR0L9", "carol"),
        ("PDAV3E2", "dave"),
        ("PER1N55", "erin"),
    ]);
    for (file, id) in [("PSWEB01", "web-primary"), ("PSDAT01", "data-primary")] {
        let body = std::fs::read_to_string(format!("{FIXTURES}/api/schedules/{file}.json"))
            .expect("schedule file");
        let document: Value = serde_json::from_str(&body).expect("JSON");
        let mut rendered = Vec::new();
        for entry in array(
            &document["schedule"]["final_schedule"],
            "rendered_schedule_entries",
        ) {
            let (from, to) = (
                parse_time(entry, "start").expect("start"),
                parse_time(entry, "end").expect("end"),
            );
            let who = names[text(&entry["user"], "id")];
            rendered.push(format!(
                "{} {} {who}",
                from.strftime("%Y-%m-%dT%H:%MZ"),
                to.strftime("%Y-%m-%dT%H:%MZ")
            ));
        }
        let section: Vec<String> = table
            .split(&format!("schedule {id}\n"))
            .nth(1)
            .expect("section")
            .lines()
            .take_while(|line| !line.trim().is_empty())
            .map(str::to_owned)
            .collect();
        assert_eq!(rendered, section, "{id}");
    }
}
