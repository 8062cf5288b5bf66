//! The reader against the fixtures (served as the integration tests' stand-in does), and
//! the rotation translation on its own.

use super::rotation::*;
use super::*;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/import/grafana-oncall/api"
);
const STAND_IN: &str = "http://stand-in.test";

/// Serves the fixture files the way the integration tests' stand-in does: `results` lists
/// two at a time, `next` as an absolute URL.
struct FakeApi;

impl Api for FakeApi {
    fn get(&self, path_and_query: &str) -> impl Future<Output = Result<Value, ApiError>> + Send {
        let answer = serve(path_and_query);
        async move { answer }
    }
}

fn serve(path_and_query: &str) -> Result<Value, ApiError> {
    let local = path_and_query
        .strip_prefix(STAND_IN)
        .unwrap_or(path_and_query);
    let (path, query) = local.split_once('?').unwrap_or((local, ""));
    let path = path.trim_end_matches('/');
    let file = format!("{FIXTURES}{path}.json");
    let body = std::fs::read_to_string(&file).map_err(|_| ApiError(format!("404 {path}")))?;
    let mut value: Value = serde_json::from_str(&body).map_err(|e| ApiError(e.to_string()))?;
    let Some(all) = value.get("results").and_then(Value::as_array).cloned() else {
        return Ok(value);
    };
    let page: usize = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("page="))
        .and_then(|page| page.parse().ok())
        .unwrap_or(1);
    let pages = all.len().div_ceil(2).max(1);
    let slice: Vec<Value> = all.iter().skip((page - 1) * 2).take(2).cloned().collect();
    value["results"] = Value::Array(slice);
    value["count"] = all.len().into();
    value["next"] = if page < pages {
        format!("{STAND_IN}{path}/?page={}", page + 1).into()
    } else {
        Value::Null
    };
    Ok(value)
}

fn at(text: &str) -> Timestamp {
    text.parse().expect("a test timestamp")
}

async fn org() -> Org {
    read(
        &FakeApi,
        at("2027-01-01T00:00:00Z"),
        at("2027-02-01T00:00:00Z"),
    )
    .await
    .expect("the fixtures read")
}

fn restrict(days: &str, from: &str, to: &str) -> Restrict {
    Restrict {
        days: days.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
    }
}

fn names(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

#[tokio::test]
async fn reads_people_with_email_and_translatable_rules() {
    let org = org().await;
    let ids: Vec<&str> = org.people.iter().map(|person| person.id.as_str()).collect();
    assert_eq!(ids, ["alice", "bob", "carol", "dave", "erin"]);
    let bob = &org.people[1];
    assert_eq!(bob.email.as_deref(), Some("bob@example.com"));
    assert_eq!(bob.timezone.as_deref(), Some("America/New_York"));
    assert_eq!(
        bob.notify,
        [Notify {
            after_minutes: 0,
            contact: "email".to_owned()
        }]
    );
    // alice: mobile app, email at 0, wait 5, call: email stays at 0.
    assert_eq!(org.people[0].notify[0].after_minutes, 0);
    // carol: slack, email, wait 15, sms.
    let sms = org
        .skipped
        .iter()
        .find(|skipped| skipped.origin.name == "carol: notify_by_sms")
        .expect("carol's SMS rule is reported");
    assert!(
        sms.manual_step.contains("after = \"15m\""),
        "{}",
        sms.manual_step
    );
    assert!(sms.manual_step.contains("to = \"+…\""));
    // dave has nothing Firewatch can send: reported, email at once.
    assert!(org.people[3].notify.is_empty());
    assert!(
        org.skipped
            .iter()
            .any(|skipped| skipped.reason.starts_with("None of dave's"))
    );
    assert!(org.skipped.iter().any(|skipped| skipped.origin.what
        == "Grafana OnCall important notification rules"
        && skipped.origin.id == "UB6R9T2W5Y1Z4"));
}

#[tokio::test]
async fn teams_list_their_members() {
    let org = org().await;
    let teams: Vec<(&str, Vec<&str>)> = org
        .teams
        .iter()
        .map(|team| (team.id.as_str(), names(&team.members)))
        .collect();
    assert_eq!(
        teams,
        [
            ("web", vec!["alice", "bob", "carol"]),
            ("payments", vec!["bob", "dave"]),
            ("platform", vec!["alice", "dave", "erin"]),
        ]
    );
}

#[tokio::test]
async fn web_schedules_become_layers_by_level() {
    let org = org().await;
    let ids: Vec<&str> = org
        .schedules
        .iter()
        .map(|schedule| schedule.id.as_str())
        .collect();
    assert_eq!(ids, ["web-primary", "platform"]);
    let web = &org.schedules[0];
    assert_eq!(web.timezone, "America/New_York");
    assert_eq!(
        web.layers,
        [
            Layer {
                name: "Web weekly".to_owned(),
                rotation: "weekly".to_owned(),
                handoff: "mon 09:00".to_owned(),
                start: "2026-11-02".to_owned(),
                members: vec!["alice".into(), "bob".into(), "carol".into()],
                restrict: vec![],
                note: None,
            },
            Layer {
                name: "Web business hours".to_owned(),
                rotation: "daily".to_owned(),
                handoff: "09:00".to_owned(),
                start: "2026-11-03".to_owned(),
                members: vec!["dave".into(), "erin".into()],
                restrict: vec![restrict("mon-fri", "09:00", "18:00")],
                note: None,
            },
        ]
    );
    let platform = &org.schedules[1];
    assert_eq!(platform.timezone, "Asia/Seoul");
    assert_eq!(platform.layers[0].rotation, "weekly");
    assert_eq!(platform.layers[0].handoff, "mon 10:00");
    assert_eq!(
        names(&platform.layers[0].members),
        ["bob", "bob", "carol", "carol", "erin", "erin"]
    );
    assert_eq!(platform.layers[1].handoff, "20:00");
    assert_eq!(
        platform.layers[1].restrict,
        [restrict("mon-sun", "20:00", "08:00")]
    );
    assert!(
        org.skipped
            .iter()
            .any(|skipped| skipped.origin.name == "Payments holidays")
    );
    assert!(
        org.skipped
            .iter()
            .any(|skipped| skipped.origin.name == "Lunar New Year cover")
    );
    assert!(org.skipped.iter().any(
        |skipped| skipped.origin.id == "OWK1A3C5E7G9J" && skipped.reason.contains("ended")
    ));
}

#[tokio::test]
async fn keeps_future_overrides_only() {
    let org = org().await;
    assert_eq!(
        org.overrides,
        [Override {
            origin: origin("Grafana OnCall override", "ODV5E7G9J2L4N", "Override"),
            schedule: "web-primary".to_owned(),
            person: "erin".to_owned(),
            start: "2027-01-08T14:00:00Z".to_owned(),
            end: "2027-01-09T02:00:00Z".to_owned(),
            replaces: None,
        }]
    );
}

#[tokio::test]
async fn chains_become_policies_with_delays_and_repeats() {
    let org = org().await;
    let web = &org.policies[0];
    assert_eq!(web.id, "web-critical");
    assert_eq!((web.repeat, web.repeat_after_minutes), (5, Some(10)));
    let steps: Vec<(u32, Vec<&str>)> = web
        .steps
        .iter()
        .map(|step| (step.after_minutes, names(&step.notify)))
        .collect();
    assert_eq!(
        steps,
        [
            (0, vec!["schedule:web-primary"]),
            (10, vec!["schedule:platform"]),
            (15, vec!["person:alice", "person:bob", "person:carol"]),
        ]
    );
    let platform = &org.policies[1];
    assert_eq!(
        (platform.repeat, platform.repeat_after_minutes),
        (5, Some(30))
    );
    assert_eq!(platform.steps[1].notify, ["person:erin", "person:dave"]);
    assert_eq!(platform.steps[2].notify, ["person:alice"]);
    assert_eq!(platform.steps[2].after_minutes, 5);
    let payments = &org.policies[2];
    assert_eq!(payments.repeat, 0);
    assert_eq!(payments.steps.len(), 2);
    assert_eq!(payments.steps[1].notify, ["person:bob", "person:dave"]);
    for kind in [
        "trigger_webhook",
        "notify_if_time_from_to",
        "notify_user_group",
        "resolve",
    ] {
        assert!(
            org.skipped
                .iter()
                .any(|skipped| skipped.origin.name.ends_with(kind)),
            "{kind} is reported"
        );
    }
}

#[tokio::test]
async fn integrations_become_services_without_secrets() {
    let org = org().await;
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
            ("web-frontend", Some("web"), Some("web-critical")),
            (
                "payments-api",
                Some("payments"),
                Some("payments-low-priority")
            ),
            (
                "platform-infra",
                Some("platform"),
                Some("platform-critical")
            ),
        ]
    );
    assert!(
        org.skipped
            .iter()
            .any(|skipped| skipped.origin.id == "RWW1A3C5E7G9J"
                && skipped.manual_step.contains("label service=ID"))
    );
    let everything = format!("{org:?}");
    for secret in [
        "kQ8zR2mN5vX7pL3sW9tY4hJ6c",
        "Zp4xT8vB1nM6qW3rY7sK2dF9g",
        "private-3f9c",
    ] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
}

#[tokio::test]
async fn reading_twice_gives_the_same_org() {
    assert_eq!(format!("{:?}", org().await), format!("{:?}", org().await));
}

#[tokio::test]
async fn a_bad_base_url_says_so() {
    struct Html;
    impl Api for Html {
        async fn get(&self, _: &str) -> Result<Value, ApiError> {
            Ok(Value::String("<html>".to_owned()))
        }
    }
    let error = read(
        &Html,
        at("2027-01-01T00:00:00Z"),
        at("2027-02-01T00:00:00Z"),
    )
    .await
    .expect_err("not an OnCall API");
    assert!(error.0.contains("--api-url"), "{error}");
}

fn pattern(
    frequency: Frequency,
    interval: i64,
    start: &str,
    hours: i64,
    groups: &[&str],
) -> Pattern {
    let start = civil(start).expect("a test start");
    Pattern {
        frequency,
        interval,
        start,
        rotation_start: start,
        duration: hours * 3600,
        by_day: Vec::new(),
        week_start: Weekday::Monday,
        groups: groups.iter().map(|id| vec![(*id).to_owned()]).collect(),
        until: None,
    }
}

fn weekdays() -> Vec<Weekday> {
    ALL_DAYS[..5].to_vec()
}

#[test]
fn n_day_turns_repeat_members() {
    let (layer, _) = translate(&pattern(
        Frequency::Daily,
        3,
        "2026-11-02T08:00:00",
        72,
        &["a", "b"],
    ))
    .expect("exact");
    assert_eq!(
        (layer.rotation.as_str(), layer.handoff.as_str()),
        ("daily", "08:00")
    );
    assert_eq!(names(&layer.members), ["a", "a", "a", "b", "b", "b"]);
    let (layer, _) = translate(&pattern(
        Frequency::Hourly,
        12,
        "2026-11-02T08:30:00",
        12,
        &["a", "b"],
    ))
    .expect("exact");
    assert_eq!(
        (layer.rotation.as_str(), layer.handoff.as_str()),
        ("12h", "08:30")
    );
    assert!(layer.restrict.is_empty());
}

#[test]
fn part_of_each_turn_becomes_windows() {
    // Every 12 hours, on for 8: two windows a day.
    let (layer, _) = translate(&pattern(
        Frequency::Hourly,
        12,
        "2026-11-02T06:00:00",
        8,
        &["a", "b"],
    ))
    .expect("exact");
    assert_eq!(
        layer.restrict,
        [
            restrict("mon-sun", "06:00", "14:00"),
            restrict("mon-sun", "18:00", "02:00")
        ]
    );
    // Weekly from Monday 09:00 for 4.5 days: split per day.
    let (layer, _) = translate(&pattern(
        Frequency::Weekly,
        1,
        "2026-11-02T09:00:00",
        108,
        &["a"],
    ))
    .expect("exact");
    assert_eq!(
        layer.restrict,
        [
            restrict("mon", "09:00", "24:00"),
            restrict("tue", "00:00", "24:00"),
            restrict("wed", "00:00", "24:00"),
            restrict("thu", "00:00", "24:00"),
            restrict("fri", "00:00", "21:00"),
        ]
    );
    // Two-day turns on for one day only: no Firewatch form.
    assert!(
        translate(&pattern(
            Frequency::Daily,
            2,
            "2026-11-02T09:00:00",
            24,
            &["a"]
        ))
        .is_err()
    );
}

#[test]
fn weekday_rotations_spell_out_the_cycle_when_needed() {
    let mut three = pattern(
        Frequency::Daily,
        1,
        "2026-11-02T09:00:00",
        9,
        &["a", "b", "c"],
    );
    three.by_day = weekdays();
    let (layer, _) = translate(&three).expect("exact");
    // Weekdays go a b c a b | c a b c a | b c a b c; weekends repeat Friday's person.
    assert_eq!(layer.members.len(), 21);
    assert_eq!(
        names(&layer.members[..14]),
        [
            "a", "b", "c", "a", "b", "b", "b", "c", "a", "b", "c", "a", "a", "a"
        ]
    );
    assert!(layer.note.is_some());
    // Two people over five weekdays need no spelling out.
    let mut two = pattern(Frequency::Daily, 1, "2026-11-02T09:00:00", 9, &["a", "b"]);
    two.by_day = weekdays();
    let (layer, _) = translate(&two).expect("exact");
    assert_eq!(names(&layer.members), ["a", "b"]);
}

#[test]
fn weekday_start_moves_like_oncall() {
    // Starts on a Saturday with Mon-Fri listed: OnCall moves it to the Monday after.
    let mut saturday = pattern(Frequency::Daily, 1, "2026-11-07T09:00:00", 9, &["a", "b"]);
    saturday.by_day = weekdays();
    let (layer, _) = translate(&saturday).expect("exact");
    assert_eq!(layer.start, "2026-11-09");
    // Weekly on weekdays: handed over at the week's start.
    let mut weekly = pattern(Frequency::Weekly, 1, "2026-11-04T09:00:00", 9, &["a", "b"]);
    weekly.by_day = weekdays();
    let (layer, notes) = translate(&weekly).expect("close");
    assert_eq!(
        (layer.handoff.as_str(), layer.start.as_str()),
        ("mon 09:00", "2026-11-02")
    );
    assert_eq!(notes.len(), 1);
}

#[test]
fn an_edited_rotation_starts_at_its_rotation_start() {
    let mut edited = pattern(Frequency::Daily, 1, "2026-11-02T09:00:00", 24, &["a", "b"]);
    edited.rotation_start = civil("2026-11-10T12:00:00").expect("a test time");
    let (layer, _) = translate(&edited).expect("exact");
    // The turn under way at the edit (Nov 10 09:00) is the new rotation's first.
    assert_eq!(layer.start, "2026-11-10");
}

#[test]
fn days_are_written_short() {
    assert_eq!(days_text(&weekdays()), "mon-fri");
    assert_eq!(days_text(&[Weekday::Saturday, Weekday::Sunday]), "sat,sun");
    assert_eq!(
        days_text(&[
            Weekday::Monday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday
        ]),
        "mon,wed-fri"
    );
}

#[test]
fn odd_rotations_never_panic() {
    let frequencies = [Frequency::Hourly, Frequency::Daily, Frequency::Weekly];
    let day_sets = [vec![], weekdays(), vec![Weekday::Sunday], ALL_DAYS.to_vec()];
    for frequency in frequencies {
        for interval in [-1, 0, 1, 2, 3, 7, 13, 169, 1_000_000] {
            for hours in [-5, 0, 1, 9, 12, 24, 36, 168, 400] {
                for days in &day_sets {
                    let mut odd = pattern(
                        frequency,
                        interval,
                        "2026-11-07T23:30:00",
                        hours,
                        &["a", "b", "c"],
                    );
                    odd.by_day = days.clone();
                    odd.rotation_start = civil("2027-03-14T02:30:00").expect("a test time");
                    // Either a layer or a reason; never a panic.
                    let _ = translate(&odd);
                }
            }
        }
    }
}
