use super::*;

#[test]
fn past_runs_of_a_recurring_window_are_listed_in_order() {
    let weekly = Schedule::Recurring {
        cron: "0 2 * * sun".into(),
        duration: SignedDuration::from_hours(2),
        timezone: "Europe/Berlin".into(),
    };
    // Sundays 1, 8, 15 and 22 November 2026, 02:00 in Berlin (CET, UTC+1).
    let from: Timestamp = "2026-11-01T00:30:00Z".parse().unwrap();
    let to: Timestamp = "2026-11-22T01:30:00Z".parse().unwrap();
    let runs = weekly.windows_between(from, to, 100);
    let starts: Vec<String> = runs.iter().map(|(s, _)| s.to_string()).collect();
    assert_eq!(
        starts,
        [
            "2026-11-01T01:00:00Z",
            "2026-11-08T01:00:00Z",
            "2026-11-15T01:00:00Z",
            "2026-11-22T01:00:00Z"
        ]
    );
    assert_eq!(weekly.windows_between(from, to, 2).len(), 2);
    let once = Schedule::Once {
        starts_at: "2026-11-03T10:00:00Z".parse().unwrap(),
        ends_at: "2026-11-03T12:00:00Z".parse().unwrap(),
    };
    assert_eq!(once.windows_between(from, to, 10).len(), 1);
    assert!(
        once.windows_between(
            to,
            to.checked_add(SignedDuration::from_hours(1)).unwrap(),
            10
        )
        .is_empty()
    );
}

use jiff::Zoned;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// Parses `matcher` and checks it against each label set.
fn check(matcher: &str, cases: &[(&[(&str, &str)], bool)]) {
    let parsed = Matcher::parse(matcher).unwrap();
    for (pairs, expected) in cases {
        assert_eq!(
            parsed.matches(&labels(pairs)),
            *expected,
            "{matcher} against {pairs:?}"
        );
    }
}

fn parse_error(text: &str) -> String {
    Matcher::parse(text).unwrap_err().to_string()
}

/// A wall-clock time in a zone, as `2026-06-07T03:30[Europe/Berlin]`; add an offset to pick
/// one side of a repeated hour.
fn at(text: &str) -> Timestamp {
    text.parse::<Zoned>().unwrap().timestamp()
}

fn recurring(cron: &str, duration: &str, timezone: &str) -> Schedule {
    Schedule::Recurring {
        cron: cron.to_owned(),
        duration: parse_duration(duration).unwrap(),
        timezone: timezone.to_owned(),
    }
}

#[test]
fn equal_and_not_equal_treat_absent_labels_as_empty() {
    let no_env: &[(&str, &str)] = &[("alertname", "X")];
    let prod: &[(&str, &str)] = &[("env", "prod")];
    let dev: &[(&str, &str)] = &[("env", "dev")];
    let empty_env: &[(&str, &str)] = &[("env", "")];
    check(
        r#"env="prod""#,
        &[(prod, true), (dev, false), (no_env, false)],
    );
    check(
        r#"env!="prod""#,
        &[(prod, false), (dev, true), (no_env, true)],
    );
    check(
        r#"env="""#,
        &[(no_env, true), (empty_env, true), (prod, false)],
    );
    check(
        r#"env!="""#,
        &[(no_env, false), (empty_env, false), (prod, true)],
    );
}

#[test]
fn regex_operators_are_anchored_and_see_absent_labels_as_empty() {
    let critical: &[(&str, &str)] = &[("severity", "critical")];
    let crit: &[(&str, &str)] = &[("severity", "crit")];
    let page: &[(&str, &str)] = &[("severity", "page")];
    let none: &[(&str, &str)] = &[];
    check(
        r#"severity=~"crit""#,
        &[(crit, true), (critical, false), (none, false)],
    );
    check(
        r#"severity=~"critical|page""#,
        &[(critical, true), (page, true), (crit, false)],
    );
    check(
        r#"severity!~"critical|page""#,
        &[(critical, false), (page, false), (crit, true), (none, true)],
    );
    check(r#"severity=~".*""#, &[(none, true), (crit, true)]);
    check(r#"severity=~".+""#, &[(none, false), (crit, true)]);
    check(r#"severity!~".+""#, &[(none, true), (crit, false)]);
    // The anchors also hold for an alternation that ends in a wildcard.
    check(r#"severity=~"cr|x.*""#, &[(crit, false), (critical, false)]);
}

#[test]
fn a_value_cannot_break_out_of_the_anchoring_group() {
    let error = Matcher::new("env", MatchOp::Regex, "a)|(b").unwrap_err();
    assert!(
        matches!(&error, MatcherError::InvalidRegex { value, .. } if value == "a)|(b"),
        "{error:?}"
    );
}

#[test]
fn all_match_needs_every_matcher_and_at_least_one() {
    let matchers = parse_matchers(r#"{alertname="HighLatency", env!~"dev|test"}"#).unwrap();
    let alert = labels(&[("alertname", "HighLatency"), ("env", "prod")]);
    assert!(all_match(&matchers, &alert));
    let dev = labels(&[("alertname", "HighLatency"), ("env", "dev")]);
    assert!(!all_match(&matchers, &dev));
    let no_env = labels(&[("alertname", "HighLatency")]);
    assert!(all_match(&matchers, &no_env));
    assert!(!all_match(&[], &alert));
}

#[test]
fn parse_reads_the_text_forms() {
    let cases = [
        (
            r#"alertname="HighLatency""#,
            "alertname",
            MatchOp::Equal,
            "HighLatency",
        ),
        (
            r#"severity=~"critical|page""#,
            "severity",
            MatchOp::Regex,
            "critical|page",
        ),
        ("env!=prod", "env", MatchOp::NotEqual, "prod"),
        (
            "  env  !~  dev|test  ",
            "env",
            MatchOp::NotRegex,
            "dev|test",
        ),
        (
            r#"env = "with spaces  ""#,
            "env",
            MatchOp::Equal,
            "with spaces  ",
        ),
        (
            r#"summary="say \"hi\"""#,
            "summary",
            MatchOp::Equal,
            r#"say "hi""#,
        ),
        (r#"path="C:\\tmp""#, "path", MatchOp::Equal, r"C:\tmp"),
        (r#"text="a\nb""#, "text", MatchOp::Equal, "a\nb"),
        // Any other backslash stays, so regexes need no doubling.
        (
            r#"instance=~"host\d+""#,
            "instance",
            MatchOp::Regex,
            r"host\d+",
        ),
        (r#"env="""#, "env", MatchOp::Equal, ""),
        ("env=", "env", MatchOp::Equal, ""),
        ("_private=x", "_private", MatchOp::Equal, "x"),
        ("a==b", "a", MatchOp::Equal, "=b"),
        (r#"city="Zürich""#, "city", MatchOp::Equal, "Zürich"),
    ];
    for (text, name, op, value) in cases {
        let matcher = Matcher::parse(text).unwrap();
        assert_eq!(
            (matcher.name.as_str(), matcher.op, matcher.value.as_str()),
            (name, op, value),
            "{text}"
        );
    }
}

#[test]
fn display_is_canonical_and_parses_back() {
    let cases = [
        (r#"alertname="HighLatency""#, r#"alertname="HighLatency""#),
        ("severity =~ critical|page", r#"severity=~"critical|page""#),
        ("env!=prod", r#"env!="prod""#),
        ("env!~dev", r#"env!~"dev""#),
        (r#"summary="say \"hi\"""#, r#"summary="say \"hi\"""#),
        (r#"instance=~"host\d+""#, r#"instance=~"host\\d+""#),
        (r#"text="a\nb""#, r#"text="a\nb""#),
        ("env=", r#"env="""#),
    ];
    for (text, canonical) in cases {
        let matcher = Matcher::parse(text).unwrap();
        assert_eq!(matcher.to_string(), canonical);
        assert_eq!(Matcher::parse(canonical).unwrap(), matcher);
    }
    let tricky = Matcher::new("v", MatchOp::Equal, "\\\"\n,}{ end\\").unwrap();
    assert_eq!(Matcher::parse(&tricky.to_string()).unwrap(), tricky);
    let list = vec![tricky, Matcher::parse("b!~x|y").unwrap()];
    assert_eq!(parse_matchers(&format_matchers(&list)).unwrap(), list);
    assert_eq!(format_matchers(&list[1..]), r#"{b!~"x|y"}"#);
}

#[test]
fn parse_errors_name_the_text() {
    assert_eq!(
        parse_error("alertname"),
        "`alertname` has no operator; use =, !=, =~ or !~, as in env=\"prod\""
    );
    assert_eq!(
        parse_error("env!prod"),
        "`env!prod` has no operator; use =, !=, =~ or !~, as in env=\"prod\""
    );
    assert_eq!(
        parse_error(r#"="x""#),
        "`=\"x\"` has no label name before its operator"
    );
    assert_eq!(
        parse_error(r#"1env="x""#),
        "`1env` is not a label name: use letters, digits and underscores, not starting with a digit"
    );
    assert_eq!(
        parse_error(r#"my env="x""#),
        "`my env` is not a label name: use letters, digits and underscores, not starting with a digit"
    );
    assert_eq!(
        parse_error(r#"env-name="x""#),
        "`env-name` is not a label name: use letters, digits and underscores, not starting with a digit"
    );
    assert_eq!(
        parse_error(r#"env="prod"#),
        "`env=\"prod` is missing the closing double quote of its value"
    );
    assert_eq!(
        parse_error(r#"env="prod\""#),
        "`env=\"prod\\\"` is missing the closing double quote of its value"
    );
    assert_eq!(
        parse_error(r#"env="a"b""#),
        "`env=\"a\"b\"` has a double quote inside its value; write it as \\\" inside double quotes"
    );
    assert_eq!(
        parse_error(r#"env=a"b"#),
        "`env=a\"b` has a double quote inside its value; write it as \\\" inside double quotes"
    );
    let regex_error = parse_error(r#"severity=~"crit(""#);
    assert!(
        regex_error.starts_with("`crit(` is not a valid regular expression: "),
        "{regex_error}"
    );
    assert!(regex_error.contains("unclosed group"), "{regex_error}");
}

#[test]
fn limits_keep_hostile_input_small() {
    let long_value = "x".repeat(MAX_VALUE_CHARS + 1);
    assert_eq!(
        Matcher::new("env", MatchOp::Equal, &long_value)
            .unwrap_err()
            .to_string(),
        "the value for `env` is 1025 characters long; the limit is 1024"
    );
    // Counted in characters, not bytes.
    assert!(Matcher::new("env", MatchOp::Equal, &"é".repeat(MAX_VALUE_CHARS)).is_ok());

    let error = Matcher::new("env", MatchOp::Regex, "((a{100}){100}){100}").unwrap_err();
    assert!(
        matches!(&error, MatcherError::InvalidRegex { reason, .. } if reason.contains("size limit")),
        "{error:?}"
    );

    let long_name = "n".repeat(5000);
    let message = Matcher::new(&long_name, MatchOp::Equal, "x")
        .unwrap_err()
        .to_string();
    assert!(message.len() < 200, "{message}");
    assert!(
        message.starts_with(&format!("`{}…`", "n".repeat(80))),
        "{message}"
    );
}

#[test]
fn parse_matchers_reads_lists() {
    let expected = vec![
        Matcher::new("alertname", MatchOp::Equal, "X").unwrap(),
        Matcher::new("env", MatchOp::NotRegex, "dev|test").unwrap(),
    ];
    for text in [
        r#"{alertname="X", env!~"dev|test"}"#,
        r#"alertname=X,env!~"dev|test""#,
        r#"  { alertname = "X" ,  env !~ "dev|test" , }  "#,
        r#"alertname="X",env!~"dev|test","#,
    ] {
        assert_eq!(parse_matchers(text).unwrap(), expected, "{text}");
    }
    let with_commas = parse_matchers(r#"{summary="a, b", msg=~"x\",y", n="}"}"#).unwrap();
    let values: Vec<&str> = with_commas.iter().map(|m| m.value.as_str()).collect();
    assert_eq!(values, vec!["a, b", "x\",y", "}"]);
}

#[test]
fn parse_matchers_errors() {
    for text in ["", "   ", "{}", "{ }"] {
        assert_eq!(parse_matchers(text), Err(MatcherError::Empty), "{text:?}");
    }
    assert_eq!(
        MatcherError::Empty.to_string(),
        "a silence needs at least one matcher, such as alertname=\"HighLatency\""
    );
    assert_eq!(
        parse_matchers("a=b,,c=d").unwrap_err().to_string(),
        "`a=b,,c=d` has an empty matcher between commas"
    );
    assert_eq!(
        parse_matchers("{a=b").unwrap_err().to_string(),
        "`{a=b` opens or closes a brace without the other; write {a=\"b\", c=\"d\"} or a=\"b\", c=\"d\""
    );
    assert!(matches!(
        parse_matchers("a=b}"),
        Err(MatcherError::UnbalancedBraces { .. })
    ));
    assert_eq!(
        parse_matchers(r#"a="b", c"#).unwrap_err().to_string(),
        "`c` has no operator; use =, !=, =~ or !~, as in env=\"prod\""
    );
    assert!(matches!(
        parse_matchers(r#"a="b, c=d"#),
        Err(MatcherError::UnterminatedQuote { .. })
    ));
}

#[test]
fn json_is_alertmanager_api_v2() {
    let matcher: Matcher = serde_json::from_str(
        r#"{"name":"alertname","value":"HighLatency","isRegex":false,"isEqual":true}"#,
    )
    .unwrap();
    assert_eq!(
        matcher,
        Matcher::new("alertname", MatchOp::Equal, "HighLatency").unwrap()
    );
    assert_eq!(
        serde_json::to_string(&matcher).unwrap(),
        r#"{"name":"alertname","value":"HighLatency","isRegex":false,"isEqual":true}"#
    );

    let cases = [
        (false, true, MatchOp::Equal),
        (false, false, MatchOp::NotEqual),
        (true, true, MatchOp::Regex),
        (true, false, MatchOp::NotRegex),
    ];
    for (is_regex, is_equal, op) in cases {
        let json = serde_json::json!({
            "name": "env", "value": "dev|test", "isRegex": is_regex, "isEqual": is_equal,
        });
        let matcher: Matcher = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(matcher.op, op);
        assert_eq!(serde_json::to_value(&matcher).unwrap(), json);
    }

    // Older clients leave isEqual out.
    let without_is_equal: Matcher =
        serde_json::from_str(r#"{"name":"env","value":"d.*","isRegex":true}"#).unwrap();
    assert_eq!(without_is_equal.op, MatchOp::Regex);
    assert!(without_is_equal.matches(&labels(&[("env", "dev")])));

    let bad_regex = serde_json::from_str::<Matcher>(
        r#"{"name":"env","value":"(","isRegex":true,"isEqual":true}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        bad_regex.starts_with("`(` is not a valid regular expression"),
        "{bad_regex}"
    );
    let bad_name = serde_json::from_str::<Matcher>(r#"{"name":"a b","value":"x","isRegex":false}"#)
        .unwrap_err()
        .to_string();
    assert!(
        bad_name.starts_with("`a b` is not a label name"),
        "{bad_name}"
    );
    assert!(serde_json::from_str::<Matcher>(r#"{"name":"env","value":"x"}"#).is_err());
}

#[test]
fn match_op_text() {
    for op in [
        MatchOp::Equal,
        MatchOp::NotEqual,
        MatchOp::Regex,
        MatchOp::NotRegex,
    ] {
        assert_eq!(MatchOp::parse(op.as_str()), Some(op));
        assert_eq!(op.to_string(), op.as_str());
    }
    assert_eq!(MatchOp::parse("=="), None);
}

#[test]
fn once_includes_its_start_and_excludes_its_end() {
    let starts_at: Timestamp = "2026-06-07T10:00:00Z".parse().unwrap();
    let ends_at: Timestamp = "2026-06-07T12:00:00Z".parse().unwrap();
    let once = Schedule::Once { starts_at, ends_at };
    assert_eq!(once.validate(), Ok(()));
    let window = Some((starts_at, ends_at));
    assert_eq!(
        once.window_at("2026-06-07T09:59:59.999Z".parse().unwrap()),
        None
    );
    assert_eq!(once.window_at(starts_at), window);
    assert_eq!(
        once.window_at("2026-06-07T11:59:59.999Z".parse().unwrap()),
        window
    );
    assert_eq!(once.window_at(ends_at), None);
    assert!(!once.is_active(ends_at));

    assert_eq!(
        once.next_window_after("2026-06-07T09:00:00Z".parse().unwrap()),
        window
    );
    assert_eq!(once.next_window_after(starts_at), None);

    let backwards = Schedule::Once {
        starts_at: ends_at,
        ends_at: starts_at,
    };
    assert_eq!(
        backwards.validate().unwrap_err().to_string(),
        "the window ends at 2026-06-07T10:00:00Z, which is not after its start at 2026-06-07T12:00:00Z"
    );
    assert_eq!(backwards.window_at(starts_at), None);
    let empty = Schedule::Once {
        starts_at,
        ends_at: starts_at,
    };
    assert!(empty.validate().is_err());
    assert_eq!(empty.window_at(starts_at), None);
    assert_eq!(
        empty.next_window_after("2026-01-01T00:00:00Z".parse().unwrap()),
        None
    );
}

#[test]
fn sunday_night_maintenance_in_berlin() {
    let sunday = recurring("0 2 * * sun", "2h", "Europe/Berlin");
    assert_eq!(sunday.validate(), Ok(()));
    assert_eq!(
        "2026-06-07".parse::<jiff::civil::Date>().unwrap().weekday(),
        jiff::civil::Weekday::Sunday
    );
    let start = at("2026-06-07T02:00[Europe/Berlin]");
    // Summer time: 02:00 in Berlin is 00:00 UTC.
    assert_eq!(start, "2026-06-07T00:00:00Z".parse().unwrap());
    let window = Some((start, at("2026-06-07T04:00[Europe/Berlin]")));
    assert_eq!(
        sunday.window_at(at("2026-06-07T01:59:59[Europe/Berlin]")),
        None
    );
    assert_eq!(
        sunday.window_at(at("2026-06-07T02:00[Europe/Berlin]")),
        window
    );
    assert_eq!(
        sunday.window_at(at("2026-06-07T03:30[Europe/Berlin]")),
        window
    );
    assert_eq!(
        sunday.window_at(at("2026-06-07T04:00[Europe/Berlin]")),
        None
    );
    assert_eq!(
        sunday.window_at(at("2026-06-08T03:30[Europe/Berlin]")),
        None
    );
    assert_eq!(
        sunday.window_at(at("2026-06-06T03:30[Europe/Berlin]")),
        None
    );

    assert_eq!(
        sunday.next_window_after(at("2026-06-07T03:30[Europe/Berlin]")),
        Some((
            at("2026-06-14T02:00[Europe/Berlin]"),
            at("2026-06-14T04:00[Europe/Berlin]"),
        ))
    );
    assert_eq!(
        sunday.next_window_after(at("2026-06-05T12:00[Europe/Berlin]")),
        window
    );
    // Strictly after: a window starting exactly then is not the next one.
    assert_eq!(
        sunday
            .next_window_after(at("2026-06-07T02:00[Europe/Berlin]"))
            .unwrap()
            .0,
        at("2026-06-14T02:00[Europe/Berlin]")
    );
}

#[test]
fn daily_window_across_dst_changes() {
    let daily = recurring("30 1 * * *", "1h", "Europe/Berlin");

    // Spring forward (2026-03-29, 02:00 CET -> 03:00 CEST): 01:30 exists, and an hour of
    // elapsed time ends at 03:30 on the wall clock.
    let spring_end = at("2026-03-29T03:30+02:00[Europe/Berlin]");
    assert_eq!(spring_end, "2026-03-29T01:30:00Z".parse().unwrap());
    let spring = Some((at("2026-03-29T01:30+01:00[Europe/Berlin]"), spring_end));
    assert_eq!(
        daily.window_at(at("2026-03-29T01:45[Europe/Berlin]")),
        spring
    );
    assert_eq!(
        daily.window_at(at("2026-03-29T03:29[Europe/Berlin]")),
        spring
    );
    assert_eq!(daily.window_at(at("2026-03-29T03:30[Europe/Berlin]")), None);
    // The day before and after keep local 01:30, so their UTC start moves by an hour.
    assert_eq!(
        daily
            .window_at(at("2026-03-28T01:30[Europe/Berlin]"))
            .unwrap()
            .0,
        "2026-03-28T00:30:00Z".parse().unwrap()
    );
    assert_eq!(
        daily
            .window_at(at("2026-03-30T01:30[Europe/Berlin]"))
            .unwrap()
            .0,
        "2026-03-29T23:30:00Z".parse().unwrap()
    );

    // Fall back (2026-10-25, 03:00 CEST -> 02:00 CET): 01:30 CEST plus an hour ends at the
    // first 02:30, and the repeated 02:00-03:00 hour is outside the window.
    let autumn = Some((
        at("2026-10-25T01:30+02:00[Europe/Berlin]"),
        at("2026-10-25T02:30+02:00[Europe/Berlin]"),
    ));
    assert_eq!(
        daily.window_at(at("2026-10-25T02:29+02:00[Europe/Berlin]")),
        autumn
    );
    assert_eq!(
        daily.window_at(at("2026-10-25T02:30+02:00[Europe/Berlin]")),
        None
    );
    assert_eq!(
        daily.window_at(at("2026-10-25T02:15+01:00[Europe/Berlin]")),
        None
    );
    assert_eq!(
        daily.next_window_after(at("2026-10-24T12:00[Europe/Berlin]")),
        autumn
    );
    assert_eq!(
        daily
            .next_window_after(at("2026-10-25T01:30+02:00[Europe/Berlin]"))
            .unwrap()
            .0,
        at("2026-10-26T01:30[Europe/Berlin]")
    );
}

#[test]
fn a_start_inside_the_dst_gap_moves_to_the_end_of_the_gap() {
    // 02:30 does not exist in Berlin on 2026-03-29; the window starts at 03:00 CEST, the
    // first instant after the gap, and still lasts its full hour.
    let daily = recurring("30 2 * * *", "1h", "Europe/Berlin");
    let gap_day = Some((
        at("2026-03-29T03:00+02:00[Europe/Berlin]"),
        at("2026-03-29T04:00+02:00[Europe/Berlin]"),
    ));
    assert_eq!(
        daily.next_window_after(at("2026-03-28T12:00[Europe/Berlin]")),
        gap_day
    );
    assert_eq!(
        daily.window_at(at("2026-03-29T03:00[Europe/Berlin]")),
        gap_day
    );
    assert_eq!(
        daily.window_at(at("2026-03-29T03:59[Europe/Berlin]")),
        gap_day
    );
    assert_eq!(daily.window_at(at("2026-03-29T04:00[Europe/Berlin]")), None);
    assert_eq!(daily.window_at(at("2026-03-29T01:59[Europe/Berlin]")), None);
    // Back to 02:30 local the next day.
    assert_eq!(
        daily
            .next_window_after(at("2026-03-29T04:00[Europe/Berlin]"))
            .unwrap()
            .0,
        at("2026-03-30T02:30[Europe/Berlin]")
    );

    // In the repeated autumn hour it starts once, at the first 02:30 (CEST).
    let first = (
        at("2026-10-25T02:30+02:00[Europe/Berlin]"),
        at("2026-10-25T02:30+01:00[Europe/Berlin]"),
    );
    assert_eq!(
        daily.window_at(at("2026-10-25T02:45+02:00[Europe/Berlin]")),
        Some(first)
    );
    assert_eq!(
        daily.window_at(at("2026-10-25T02:15+01:00[Europe/Berlin]")),
        Some(first)
    );
    assert_eq!(
        daily.window_at(at("2026-10-25T02:30+01:00[Europe/Berlin]")),
        None
    );
    assert_eq!(
        daily
            .next_window_after(at("2026-10-25T02:30+02:00[Europe/Berlin]"))
            .unwrap()
            .0,
        at("2026-10-26T02:30[Europe/Berlin]")
    );
}

#[test]
fn overlapping_windows_report_the_latest_start() {
    // Every hour, lasting 90 minutes: at 10:45 both the 09:00 and 10:00 windows cover it.
    let hourly = recurring("0 * * * *", "90m", "UTC");
    assert_eq!(
        hourly.window_at("2026-06-07T10:45:00Z".parse().unwrap()),
        Some((
            "2026-06-07T10:00:00Z".parse().unwrap(),
            "2026-06-07T11:30:00Z".parse().unwrap(),
        ))
    );
    // Sub-second instants: the window that started on the whole minute covers them.
    let every_minute = recurring("* * * * *", "30s", "UTC");
    assert_eq!(
        every_minute.window_at("2026-06-07T10:45:00.5Z".parse().unwrap()),
        Some((
            "2026-06-07T10:45:00Z".parse().unwrap(),
            "2026-06-07T10:45:30Z".parse().unwrap(),
        ))
    );
    assert_eq!(
        every_minute.window_at("2026-06-07T10:45:30Z".parse().unwrap()),
        None
    );
}

#[test]
fn validate_recurring() {
    let error = |schedule: Schedule| schedule.validate().unwrap_err().to_string();
    assert_eq!(recurring("0 2 * * sun", "7d", "UTC").validate(), Ok(()));
    assert_eq!(recurring("@daily", "1h", "Asia/Seoul").validate(), Ok(()));
    assert!(
        error(recurring("0 0 2 * * sun", "2h", "UTC"))
            .starts_with("`0 0 2 * * sun` is not a cron expression with 5 fields"),
    );
    assert!(error(recurring("not cron", "2h", "UTC")).starts_with("`not cron` is not a cron"));
    assert_eq!(
        error(recurring("0 0 30 2 *", "2h", "UTC")),
        "`0 0 30 2 *` never matches a date (such as the 30th of February)"
    );
    assert_eq!(
        error(recurring("0 2 * * sun", "2h", "Europe/Berlinn")),
        "`Europe/Berlinn` is not an IANA time zone such as Europe/Berlin"
    );
    let too_long = Schedule::Recurring {
        cron: "0 2 * * sun".into(),
        duration: SignedDuration::from_hours(7 * 24 + 1),
        timezone: "UTC".into(),
    };
    assert_eq!(
        error(too_long.clone()),
        "the duration 169h is longer than a recurring window may be (7 days)"
    );
    let zero = Schedule::Recurring {
        cron: "0 2 * * sun".into(),
        duration: SignedDuration::ZERO,
        timezone: "UTC".into(),
    };
    assert_eq!(error(zero.clone()), "the duration 0s is not positive");

    // Invalid schedules are never active and have no next window.
    let sunday = at("2026-06-07T02:30[UTC]");
    for invalid in [
        too_long,
        zero,
        recurring("0 2 * * sun", "2h", "Nowhere/City"),
        recurring("bad", "2h", "UTC"),
    ] {
        assert_eq!(invalid.window_at(sunday), None, "{invalid:?}");
        assert_eq!(invalid.next_window_after(sunday), None, "{invalid:?}");
    }
}

#[test]
fn schedule_json() {
    let schedule = recurring("0 2 * * sun", "2h", "Europe/Berlin");
    let json = serde_json::to_value(&schedule).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "kind": "recurring", "cron": "0 2 * * sun", "duration": "PT2H",
            "timezone": "Europe/Berlin",
        })
    );
    assert_eq!(serde_json::from_value::<Schedule>(json).unwrap(), schedule);
    let once = Schedule::Once {
        starts_at: "2026-06-07T10:00:00Z".parse().unwrap(),
        ends_at: "2026-06-07T12:00:00Z".parse().unwrap(),
    };
    let json = serde_json::to_value(&once).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "kind": "once", "starts_at": "2026-06-07T10:00:00Z",
            "ends_at": "2026-06-07T12:00:00Z",
        })
    );
    assert_eq!(serde_json::from_value::<Schedule>(json).unwrap(), once);
}

#[test]
fn parse_duration_reads_what_people_write() {
    let cases = [
        ("90m", SignedDuration::from_mins(90)),
        ("2h", SignedDuration::from_hours(2)),
        ("1h30m", SignedDuration::from_mins(90)),
        ("1h 30m", SignedDuration::from_mins(90)),
        ("45s", SignedDuration::from_secs(45)),
        ("3d", SignedDuration::from_hours(72)),
        ("1d12h", SignedDuration::from_hours(36)),
        ("1w", SignedDuration::from_hours(168)),
        ("2 hours", SignedDuration::from_hours(2)),
        (" 2h ", SignedDuration::from_hours(2)),
        ("PT2H", SignedDuration::from_hours(2)),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_duration(text), Ok(expected), "{text}");
    }
    assert_eq!(
        parse_duration("0s").unwrap_err().to_string(),
        "the duration 0s is not positive"
    );
    assert_eq!(
        parse_duration("-2h").unwrap_err().to_string(),
        "the duration 2h ago is not positive"
    );
    assert!(matches!(
        parse_duration("2h ago"),
        Err(ScheduleError::DurationNotPositive { .. })
    ));
    for text in ["", "2", "soon", "2mo", "1y", "h2"] {
        assert_eq!(
            parse_duration(text),
            Err(ScheduleError::InvalidDuration {
                text: text.to_owned()
            }),
            "{text}"
        );
    }
    assert_eq!(
        parse_duration("soon").unwrap_err().to_string(),
        "`soon` is not a duration; write it like 90m, 2h, 1h30m, 45s or 3d"
    );
}
