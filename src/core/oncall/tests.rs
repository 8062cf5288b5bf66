//! Golden tests: who is on call at each probe time, against tables written by hand from a
//! calendar, not computed.

use super::*;

use jiff::Zoned;

/// A wall-clock time in a zone, `2026-11-01T01:30-04:00[America/New_York]`; the offset picks
/// one side of a repeated hour.
fn at(text: &str) -> Timestamp {
    text.parse::<Zoned>()
        .unwrap_or_else(|error| panic!("{text}: {error}"))
        .timestamp()
}

fn layer(rotation: &str, handoff: &str, start: &str, members: &[&str]) -> Layer {
    let rotation = Rotation::parse(rotation).unwrap();
    Layer {
        rotation,
        handoff: Handoff::parse(rotation, handoff).unwrap(),
        start: parse_date(start).unwrap(),
        members: members.iter().map(|m| m.to_string()).collect(),
        restrict: Vec::new(),
    }
}

fn schedule(zone: &str, layers: Vec<Layer>) -> Schedule {
    Schedule {
        time_zone: parse_time_zone(zone).unwrap(),
        layers,
    }
}

/// Checks each probe: the people on call at that time, sorted.
fn check(schedule: &Schedule, overrides: &[Override], probes: &[(&str, &[&str])]) {
    for (time, expected) in probes {
        let mut people: Vec<String> = schedule
            .on_call_at(overrides, at(time))
            .into_iter()
            .map(|shift| shift.person)
            .collect();
        people.sort();
        assert_eq!(people, *expected, "on call at {time}");
    }
}

/// The shift each probe falls in: (person, start, end), as wall-clock times.
fn check_shift(schedule: &Schedule, probes: &[(&str, &str, &str, &str)]) {
    for (time, person, start, end) in probes {
        let shifts = schedule.on_call_at(&[], at(time));
        assert_eq!(shifts.len(), 1, "one shift at {time}: {shifts:?}");
        assert_eq!(shifts[0].person, *person, "person at {time}");
        assert_eq!(shifts[0].start, at(start), "start of the shift at {time}");
        assert_eq!(shifts[0].end, at(end), "end of the shift at {time}");
    }
}

// America/New_York in 2026: clocks go from 02:00 EST to 03:00 EDT on Sunday 8 March, and from
// 02:00 EDT back to 01:00 EST on Sunday 1 November.

#[test]
fn a_weekly_handoff_stays_at_nine_local_across_both_dst_changes() {
    let weekly = schedule(
        "America/New_York",
        vec![layer("weekly", "mon 09:00", "2026-02-25", &["ann", "bob"])],
    );
    // The first handoff on or after Wednesday 25 February is Monday 2 March.
    check(
        &weekly,
        &[],
        &[
            ("2026-03-02T08:59-05:00[America/New_York]", &[]),
            ("2026-03-02T09:00-05:00[America/New_York]", &["ann"]),
            // The spring change happens inside ann's week: 3:00 EDT on the Sunday.
            ("2026-03-08T03:30-04:00[America/New_York]", &["ann"]),
            ("2026-03-09T08:59-04:00[America/New_York]", &["ann"]),
            ("2026-03-09T09:00-04:00[America/New_York]", &["bob"]),
            ("2026-03-16T09:00-04:00[America/New_York]", &["ann"]),
        ],
    );
    check_shift(
        &weekly,
        &[
            // A week with the spring change is 167 real hours, 9:00 to 9:00 on the clock.
            (
                "2026-03-05T12:00-05:00[America/New_York]",
                "ann",
                "2026-03-02T09:00-05:00[America/New_York]",
                "2026-03-09T09:00-04:00[America/New_York]",
            ),
        ],
    );
    // 2 March is turn 0 (ann); 26 October is 34 weeks later, turn 34: ann again.
    check_shift(
        &weekly,
        &[(
            // The autumn change: the repeated 1:30 happens twice in ann's week.
            "2026-11-01T01:30-04:00[America/New_York]",
            "ann",
            "2026-10-26T09:00-04:00[America/New_York]",
            "2026-11-02T09:00-05:00[America/New_York]",
        )],
    );
    check(
        &weekly,
        &[],
        &[
            ("2026-11-01T01:30-05:00[America/New_York]", &["ann"]),
            ("2026-11-02T08:59-05:00[America/New_York]", &["ann"]),
            ("2026-11-02T09:00-05:00[America/New_York]", &["bob"]),
        ],
    );
    let shifts = weekly.shifts(
        &[],
        at("2026-10-26T09:00-04:00[America/New_York]"),
        at("2026-11-09T09:00-05:00[America/New_York]"),
    );
    let hours: Vec<i64> = shifts
        .iter()
        .map(|shift| shift.end.duration_since(shift.start).as_hours())
        .collect();
    assert_eq!(
        hours,
        [169, 168],
        "the week of the autumn change is an hour longer"
    );
}

#[test]
fn a_twelve_hour_rotation_over_a_dst_change_lasts_eleven_or_thirteen_hours() {
    let spring = schedule(
        "America/New_York",
        vec![layer("12h", "09:00", "2026-03-07", &["ann", "bob"])],
    );
    check_shift(
        &spring,
        &[
            (
                "2026-03-07T12:00-05:00[America/New_York]",
                "ann",
                "2026-03-07T09:00-05:00[America/New_York]",
                "2026-03-07T21:00-05:00[America/New_York]",
            ),
            // 21:00 EST to 09:00 EDT: eleven hours.
            (
                "2026-03-08T03:30-04:00[America/New_York]",
                "bob",
                "2026-03-07T21:00-05:00[America/New_York]",
                "2026-03-08T09:00-04:00[America/New_York]",
            ),
            (
                "2026-03-08T09:00-04:00[America/New_York]",
                "ann",
                "2026-03-08T09:00-04:00[America/New_York]",
                "2026-03-08T21:00-04:00[America/New_York]",
            ),
        ],
    );
    let night = spring.on_call_at(&[], at("2026-03-08T01:00-05:00[America/New_York]"));
    assert_eq!(night[0].end.duration_since(night[0].start).as_hours(), 11);

    let autumn = schedule(
        "America/New_York",
        vec![layer("12h", "09:00", "2026-10-31", &["ann", "bob"])],
    );
    check_shift(
        &autumn,
        &[
            // 21:00 EDT to 09:00 EST: thirteen hours, through both 1:30s.
            (
                "2026-11-01T01:30-04:00[America/New_York]",
                "bob",
                "2026-10-31T21:00-04:00[America/New_York]",
                "2026-11-01T09:00-05:00[America/New_York]",
            ),
            (
                "2026-11-01T01:30-05:00[America/New_York]",
                "bob",
                "2026-10-31T21:00-04:00[America/New_York]",
                "2026-11-01T09:00-05:00[America/New_York]",
            ),
            (
                "2026-11-01T09:00-05:00[America/New_York]",
                "ann",
                "2026-11-01T09:00-05:00[America/New_York]",
                "2026-11-01T21:00-05:00[America/New_York]",
            ),
        ],
    );
    let night = autumn.on_call_at(&[], at("2026-11-01T03:00-05:00[America/New_York]"));
    assert_eq!(night[0].end.duration_since(night[0].start).as_hours(), 13);
}

#[test]
fn a_daily_handoff_in_the_skipped_hour_starts_when_the_clock_resumes() {
    // 02:30 does not exist on 8 March in New York: that handoff happens at 03:30 EDT (jiff's
    // compatible choice), and the next day is 02:30 again.
    let daily = schedule(
        "America/New_York",
        vec![layer(
            "daily",
            "02:30",
            "2026-03-06",
            &["ann", "bob", "cat"],
        )],
    );
    check(
        &daily,
        &[],
        &[
            ("2026-03-06T02:30-05:00[America/New_York]", &["ann"]),
            ("2026-03-07T02:30-05:00[America/New_York]", &["bob"]),
            ("2026-03-08T03:29-04:00[America/New_York]", &["bob"]),
            ("2026-03-08T03:30-04:00[America/New_York]", &["cat"]),
            ("2026-03-09T02:29-04:00[America/New_York]", &["cat"]),
            ("2026-03-09T02:30-04:00[America/New_York]", &["ann"]),
        ],
    );
}

/// Seoul has had no DST since 1988: every day is 24 hours.
fn seoul_two_layers() -> Schedule {
    let mut business = layer("daily", "09:00", "2026-11-02", &["mina"]);
    business.restrict = vec![Window::parse("mon-fri", "09:00", "18:00").unwrap()];
    schedule(
        "Asia/Seoul",
        vec![
            layer(
                "weekly",
                "mon 10:00",
                "2026-11-02",
                &["andrew", "gyeongjun"],
            ),
            business,
        ],
    )
}

#[test]
fn two_layers_with_a_restrict_window_in_seoul() {
    // Monday 2 November 2026: the weekly layer starts at 10:00, the business-hours layer
    // covers 09:00-18:00 on weekdays and wins there.
    check(
        &seoul_two_layers(),
        &[],
        &[
            ("2026-11-02T08:59+09:00[Asia/Seoul]", &[]),
            ("2026-11-02T09:00+09:00[Asia/Seoul]", &["mina"]),
            ("2026-11-02T09:59+09:00[Asia/Seoul]", &["mina"]),
            ("2026-11-02T17:59+09:00[Asia/Seoul]", &["mina"]),
            ("2026-11-02T18:00+09:00[Asia/Seoul]", &["andrew"]),
            ("2026-11-03T03:00+09:00[Asia/Seoul]", &["andrew"]),
            ("2026-11-06T12:00+09:00[Asia/Seoul]", &["mina"]),
            ("2026-11-07T12:00+09:00[Asia/Seoul]", &["andrew"]),
            ("2026-11-08T23:59+09:00[Asia/Seoul]", &["andrew"]),
            ("2026-11-09T09:59+09:00[Asia/Seoul]", &["mina"]),
            ("2026-11-09T18:00+09:00[Asia/Seoul]", &["gyeongjun"]),
            ("2026-11-14T12:00+09:00[Asia/Seoul]", &["gyeongjun"]),
            ("2026-11-16T10:00+09:00[Asia/Seoul]", &["mina"]),
            ("2026-11-16T18:30+09:00[Asia/Seoul]", &["andrew"]),
        ],
    );
}

#[test]
fn overrides_replace_one_person_or_add_someone() {
    let overrides = [
        Override {
            id: "o1".into(),
            person: "gyeongjun".into(),
            start: at("2026-11-07T00:00+09:00[Asia/Seoul]"),
            end: at("2026-11-08T00:00+09:00[Asia/Seoul]"),
            replaces: Some("andrew".into()),
        },
        Override {
            id: "o2".into(),
            person: "lee".into(),
            start: at("2026-11-03T12:00+09:00[Asia/Seoul]"),
            end: at("2026-11-03T13:00+09:00[Asia/Seoul]"),
            replaces: None,
        },
        // Replaces someone who is not on call then: changes nothing.
        Override {
            id: "o3".into(),
            person: "lee".into(),
            start: at("2026-11-10T12:00+09:00[Asia/Seoul]"),
            end: at("2026-11-10T13:00+09:00[Asia/Seoul]"),
            replaces: Some("andrew".into()),
        },
    ];
    let seoul = seoul_two_layers();
    check(
        &seoul,
        &overrides,
        &[
            ("2026-11-06T23:59+09:00[Asia/Seoul]", &["andrew"]),
            ("2026-11-07T00:00+09:00[Asia/Seoul]", &["gyeongjun"]),
            ("2026-11-07T23:59+09:00[Asia/Seoul]", &["gyeongjun"]),
            ("2026-11-08T00:00+09:00[Asia/Seoul]", &["andrew"]),
            ("2026-11-03T11:59+09:00[Asia/Seoul]", &["mina"]),
            ("2026-11-03T12:00+09:00[Asia/Seoul]", &["lee", "mina"]),
            ("2026-11-03T13:00+09:00[Asia/Seoul]", &["mina"]),
            ("2026-11-10T12:30+09:00[Asia/Seoul]", &["mina"]),
            ("2026-11-10T20:00+09:00[Asia/Seoul]", &["gyeongjun"]),
        ],
    );
    let replaced = seoul.on_call_at(&overrides, at("2026-11-07T12:00+09:00[Asia/Seoul]"));
    assert_eq!(replaced[0].override_id.as_deref(), Some("o1"));
    assert_eq!(replaced[0].layer, Some(0));
    assert_eq!(replaced[0].start, at("2026-11-07T00:00+09:00[Asia/Seoul]"));
    // The shifts over a day, as the API lists them.
    let day = seoul.shifts(
        &overrides,
        at("2026-11-06T00:00+09:00[Asia/Seoul]"),
        at("2026-11-09T00:00+09:00[Asia/Seoul]"),
    );
    let listed: Vec<String> = day
        .iter()
        .map(|shift| {
            format!(
                "{} {} {}-{} layer={:?} override={:?}",
                shift.person,
                shift.start.to_zoned(seoul.time_zone.clone()).date(),
                shift.start.to_zoned(seoul.time_zone.clone()).time(),
                shift.end.to_zoned(seoul.time_zone.clone()).time(),
                shift.layer,
                shift.override_id
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            "andrew 2026-11-06 00:00:00-09:00:00 layer=Some(0) override=None",
            "mina 2026-11-06 09:00:00-18:00:00 layer=Some(1) override=None",
            "andrew 2026-11-06 18:00:00-00:00:00 layer=Some(0) override=None",
            "gyeongjun 2026-11-07 00:00:00-00:00:00 layer=Some(0) override=Some(\"o1\")",
            "andrew 2026-11-08 00:00:00-00:00:00 layer=Some(0) override=None",
        ]
    );
}

#[test]
fn someone_added_while_already_on_call_is_listed_once() {
    let seoul = seoul_two_layers();
    let extra = [Override {
        id: "o1".into(),
        person: "andrew".into(),
        start: at("2026-11-03T20:00+09:00[Asia/Seoul]"),
        end: at("2026-11-03T21:00+09:00[Asia/Seoul]"),
        replaces: None,
    }];
    let shifts = seoul.on_call_at(&extra, at("2026-11-03T20:30+09:00[Asia/Seoul]"));
    assert_eq!(shifts.len(), 1, "{shifts:?}");
    assert_eq!(shifts[0].person, "andrew");
    assert_eq!(
        shifts[0].override_id, None,
        "the layer's shift lasts longer"
    );
    assert_eq!(shifts[0].end, at("2026-11-04T09:00+09:00[Asia/Seoul]"));
}

#[test]
fn an_overnight_window_runs_into_the_next_day_and_gaps_are_what_nobody_covers() {
    let mut nights = layer("weekly", "mon 18:00", "2026-11-02", &["ann"]);
    nights.restrict = vec![Window::parse("mon-thu", "18:00", "09:00").unwrap()];
    let schedule = schedule("Asia/Seoul", vec![nights]);
    check(
        &schedule,
        &[],
        &[
            ("2026-11-02T18:00+09:00[Asia/Seoul]", &["ann"]),
            ("2026-11-03T08:59+09:00[Asia/Seoul]", &["ann"]),
            ("2026-11-03T09:00+09:00[Asia/Seoul]", &[]),
            // Thursday's night ends Friday morning; Friday night is nobody's.
            ("2026-11-06T08:00+09:00[Asia/Seoul]", &["ann"]),
            ("2026-11-06T20:00+09:00[Asia/Seoul]", &[]),
        ],
    );
    let from = at("2026-11-05T00:00+09:00[Asia/Seoul]");
    let to = at("2026-11-07T00:00+09:00[Asia/Seoul]");
    let gaps = gaps(&schedule.shifts(&[], from, to), from, to);
    assert_eq!(
        gaps,
        [
            (
                at("2026-11-05T09:00+09:00[Asia/Seoul]"),
                at("2026-11-05T18:00+09:00[Asia/Seoul]")
            ),
            (at("2026-11-06T09:00+09:00[Asia/Seoul]"), to),
        ]
    );
}

#[test]
fn a_long_running_rotation_is_computed_from_the_handoff_near_the_range() {
    // Ten years after the start, an hourly rotation still answers without walking every turn.
    let hourly = schedule(
        "America/New_York",
        vec![layer("1h", "00:00", "2016-01-01", &["ann", "bob"])],
    );
    let shifts = hourly.shifts(
        &[],
        at("2026-06-01T00:00-04:00[America/New_York]"),
        at("2026-06-01T03:00-04:00[America/New_York]"),
    );
    assert_eq!(shifts.len(), 3);
    // An even number of wall-clock hours since 1 January 2016 00:00: ann.
    assert_eq!(shifts[0].person, "ann");
}

#[test]
fn parsing_what_people_write() {
    assert_eq!(Rotation::parse("12h"), Ok(Rotation::Hours(12)));
    assert_eq!(Rotation::parse("Weekly"), Ok(Rotation::Weekly));
    assert!(Rotation::parse("0h").is_err());
    assert!(Rotation::parse("fortnightly").is_err());
    assert!(Handoff::parse(Rotation::Weekly, "09:00").is_err());
    assert!(Handoff::parse(Rotation::Daily, "mon 09:00").is_err());
    assert!(Handoff::parse(Rotation::Daily, "24:00").is_err());
    assert_eq!(
        Handoff::parse(Rotation::Weekly, "Monday 9:30")
            .unwrap()
            .weekday,
        Some(Weekday::Monday)
    );
    let weekend = Window::parse("sat,sun", "00:00", "24:00").unwrap();
    assert_eq!(
        weekend.days,
        [false, false, false, false, false, true, true]
    );
    let wrap = Window::parse("fri-mon", "18:00", "00:00").unwrap();
    assert_eq!(wrap.days, [true, false, false, false, true, true, true]);
    assert_eq!(wrap.to, 1440);
    assert!(Window::parse("mon-fri", "09:00", "09:00").is_err());
    assert!(Window::parse("weekdays", "09:00", "18:00").is_err());
    assert!(Window::parse("mon", "9", "18:00").is_err());
    assert!(parse_time_zone("Mars/Olympus").is_err());
}

#[test]
fn calendars_escape_fold_and_end_lines_as_rfc_5545_says() {
    let text = calendar(
        "cloud-primary, on call",
        &[CalendarEvent {
            uid: "cloud-primary-andrew-1@firewatch".into(),
            summary: format!("On call: {}", "Andrew; ".repeat(12)),
            start: at("2026-11-02T10:00+09:00[Asia/Seoul]"),
            end: at("2026-11-09T10:00+09:00[Asia/Seoul]"),
        }],
        at("2026-11-01T00:00Z[UTC]"),
    );
    assert!(text.lines().all(|line| line.len() <= 76), "{text}");
    assert!(text.split("\r\n").all(|line| line.len() <= 75));
    expect_test::expect![[r#"
        BEGIN:VCALENDAR
        VERSION:2.0
        PRODID:-//Firewatch//On-call//EN
        CALSCALE:GREGORIAN
        METHOD:PUBLISH
        X-WR-CALNAME:cloud-primary\, on call
        BEGIN:VEVENT
        UID:cloud-primary-andrew-1@firewatch
        DTSTAMP:20261101T000000Z
        DTSTART:20261102T010000Z
        DTEND:20261109T010000Z
        SUMMARY:On call: Andrew\; Andrew\; Andrew\; Andrew\; Andrew\; Andrew\; Andr
         ew\; Andrew\; Andrew\; Andrew\; Andrew\; Andrew\; 
        TRANSP:OPAQUE
        END:VEVENT
        END:VCALENDAR
    "#]]
    .assert_eq(&text.replace("\r\n", "\n"));
}
