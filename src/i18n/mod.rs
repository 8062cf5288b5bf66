//! Firewatch in English and Korean: the wording of pages, messages and the command line, one
//! Fluent file per language (`en.ftl`, `ko.ftl`, compiled in), and dates and durations as each
//! language writes them. Pure: a locale and a key in, text out.
//!
//! Who reads what in which language: a page, the signed-in person's `locale`, else the
//! browser's `Accept-Language`, else `[server] locale`; the status page, its own `locale`, else
//! the browser's; a chat message, its destination's `locale`; a page to a person, theirs.

pub mod templates;

use std::borrow::Cow;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use jiff::{SignedDuration, Zoned};
use serde::{Deserialize, Deserializer, Serialize};

/// A language Firewatch speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Ko,
}

const SOURCES: [(Locale, &str); 2] = [
    (Locale::En, include_str!("en.ftl")),
    (Locale::Ko, include_str!("ko.ftl")),
];

struct Bundles([FluentBundle<FluentResource>; 2]);

static BUNDLES: LazyLock<Bundles> = LazyLock::new(|| {
    Bundles(SOURCES.map(|(locale, source)| {
        let mut bundle = FluentBundle::new_concurrent(vec![locale.language()]);
        // The isolation marks Fluent puts around each value are for bidirectional text; in
        // chat, SMS and the command line they would be stray characters.
        bundle.set_use_isolating(false);
        let resource =
            FluentResource::try_new(source.to_owned()).unwrap_or_else(|(resource, errors)| {
                // Compiled in and parsed by the tests; a broken entry is skipped, not fatal.
                tracing::error!(locale = locale.code(), ?errors, "message file has errors");
                resource
            });
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(
                locale = locale.code(),
                ?errors,
                "message file has duplicates"
            );
        }
        bundle
    }))
});

/// A value for a message's `{ $name }`: text, or a number (which also picks plural forms).
pub enum Arg<'a> {
    Text(Cow<'a, str>),
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(text))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Self {
        Arg::Text(Cow::Borrowed(text))
    }
}

impl From<String> for Arg<'_> {
    fn from(text: String) -> Self {
        Arg::Text(Cow::Owned(text))
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_arg!(i64, i32, u32, u64, usize);

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Ko];

    /// `en`, `ko`, `ko-KR`, `en_US.UTF-8`: the language, whatever the region.
    pub fn parse(tag: &str) -> Option<Locale> {
        let language = tag.trim().split(['-', '_', '.']).next().unwrap_or_default();
        match language.to_ascii_lowercase().as_str() {
            "en" => Some(Locale::En),
            "ko" => Some(Locale::Ko),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ko => "ko",
        }
    }

    fn index(self) -> usize {
        match self {
            Locale::En => 0,
            Locale::Ko => 1,
        }
    }

    fn language(self) -> unic_langid::LanguageIdentifier {
        unic_langid::LanguageIdentifier::from_bytes(self.code().as_bytes()).unwrap_or_default()
    }

    /// The language of an `Accept-Language` header Firewatch speaks that the browser wants
    /// most (RFC 9110 §12.5.4: the highest `q`, then the order given; `q=0` is "not this").
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, Locale)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(locale) = parts.next().and_then(Locale::parse) else {
                continue;
            };
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                .unwrap_or(0.0);
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, locale));
            }
        }
        best.map(|(_, locale)| locale)
    }

    /// Whether `key` is a message (the command line's table headers are looked up by name).
    pub fn has(self, key: &str) -> bool {
        BUNDLES.0[self.index()].has_message(key)
    }

    /// The message `key` when there is one, else `fallback`: a value shown through its
    /// message when Firewatch knows it (`state-active`), as it is otherwise.
    pub fn text_or(self, key: &str, fallback: &str) -> String {
        if self.has(key) {
            self.text(key)
        } else {
            fallback.to_owned()
        }
    }

    /// The message `key`, without values.
    pub fn text(self, key: &str) -> String {
        self.text_with(key, &[])
    }

    /// The message `key` with its values. A key one language lacks falls back to English and
    /// then to the key itself (the tests keep both files whole).
    pub fn text_with(self, key: &str, args: &[(&str, Arg)]) -> String {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            let value = match value {
                Arg::Text(text) => FluentValue::from(text.as_ref()),
                Arg::Number(n) => FluentValue::from(*n),
            };
            fluent_args.set(*name, value);
        }
        for locale in [self, Locale::En] {
            let bundle = &BUNDLES.0[locale.index()];
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(key, locale = locale.code(), ?errors, "message values");
                }
                return text.into_owned();
            }
        }
        tracing::warn!(key, "no such message");
        key.to_owned()
    }

    /// A date and time to the minute: `2026-12-06 15:45`, `2026년 12월 6일 15:45`.
    pub fn date_time(self, at: &Zoned) -> String {
        let format = match self {
            Locale::En => "%Y-%m-%d %H:%M",
            Locale::Ko => "%Y년 %-m월 %-d일 %H:%M",
        };
        at.strftime(format).to_string()
    }

    /// To the second, with the zone: `2026-12-06 15:45:10 KST`, `2026년 12월 6일 15:45:10 KST`.
    pub fn date_time_full(self, at: &Zoned) -> String {
        let format = match self {
            Locale::En => "%Y-%m-%d %H:%M:%S %Z",
            Locale::Ko => "%Y년 %-m월 %-d일 %H:%M:%S %Z",
        };
        at.strftime(format).to_string()
    }

    /// A day and time for the public: `6 Dec 2026, 15:45 KST`, `2026년 12월 6일 15:45 KST`.
    pub fn date_time_public(self, at: &Zoned) -> String {
        let format = match self {
            Locale::En => "%-d %b %Y, %H:%M %Z",
            Locale::Ko => "%Y년 %-m월 %-d일 %H:%M %Z",
        };
        at.strftime(format).to_string()
    }

    /// A span as one reads it at a glance: `42 s`, `10 min`, `2 h`, `3 d`; in Korean with its
    /// next unit too, as Korean writes it: `3시간 20분`, `2일 5시간`.
    pub fn duration(self, span: SignedDuration) -> String {
        let seconds = span.as_secs().unsigned_abs();
        match self {
            Locale::En => match seconds {
                0..60 => format!("{seconds} s"),
                60..3600 => format!("{} min", seconds / 60),
                3600..86400 => format!("{} h", seconds / 3600),
                _ => format!("{} d", seconds / 86400),
            },
            Locale::Ko => {
                let two = |big: u64, big_unit: &str, small: u64, small_unit: &str| {
                    if small == 0 {
                        format!("{big}{big_unit}")
                    } else {
                        format!("{big}{big_unit} {small}{small_unit}")
                    }
                };
                match seconds {
                    0..60 => format!("{seconds}초"),
                    60..3600 => format!("{}분", seconds / 60),
                    3600..86400 => two(seconds / 3600, "시간", seconds % 3600 / 60, "분"),
                    _ => two(seconds / 86400, "일", seconds % 86400 / 3600, "시간"),
                }
            }
        }
    }

    /// How long before or after `now`: `5 min ago`, `in 2 h`, `just now`; `3시간 20분 전`,
    /// `2시간 후`, `방금`.
    pub fn ago(self, at: jiff::Timestamp, now: jiff::Timestamp) -> String {
        let span = now.duration_since(at);
        let text = self.duration(span);
        let key = if span.is_negative() {
            "time-in"
        } else if span < SignedDuration::from_secs(5) {
            "time-just-now"
        } else {
            "time-ago"
        };
        self.text_with(key, &[("span", text.into())])
    }

    /// Milliseconds: `850 ms`, `2.5 s`, `3.2 min`.
    pub fn millis(self, ms: f64) -> String {
        let (ms_unit, s_unit, min_unit) = match self {
            Locale::En => (" ms", " s", " min"),
            Locale::Ko => ("ms", "초", "분"),
        };
        if ms < 1000.0 {
            format!("{ms:.0}{ms_unit}")
        } else if ms < 60_000.0 {
            format!("{:.1}{s_unit}", ms / 1000.0)
        } else {
            format!("{:.1}{min_unit}", ms / 60_000.0)
        }
    }
}

/// One of a thing per language, made ahead (the status page's renderings).
#[derive(Debug, Clone)]
pub struct PerLocale<T>([T; 2]);

impl<T> PerLocale<T> {
    pub fn build(make: impl FnMut(Locale) -> T) -> Self {
        PerLocale(Locale::ALL.map(make))
    }

    pub fn get(&self, locale: Locale) -> &T {
        &self.0[locale.index()]
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Locale {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tag = String::deserialize(deserializer)?;
        Locale::parse(&tag).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown locale {tag:?}: Firewatch speaks \"en\" (English) and \"ko\" (Korean)"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn ids(source: &str) -> BTreeSet<String> {
        let resource = FluentResource::try_new(source.to_owned())
            .unwrap_or_else(|(_, errors)| panic!("the file does not parse: {errors:?}"));
        resource
            .entries()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_message_is_in_both_languages() {
        let en = ids(SOURCES[0].1);
        let ko = ids(SOURCES[1].1);
        let only_en: Vec<_> = en.difference(&ko).collect();
        let only_ko: Vec<_> = ko.difference(&en).collect();
        assert!(only_en.is_empty(), "not in ko.ftl: {only_en:?}");
        assert!(only_ko.is_empty(), "not in en.ftl: {only_ko:?}");
        assert!(en.len() > 100, "{} messages", en.len());
        for (locale, source) in SOURCES {
            let mut bundle = FluentBundle::new_concurrent(vec![locale.language()]);
            let resource = FluentResource::try_new(source.to_owned()).unwrap();
            bundle
                .add_resource(resource)
                .unwrap_or_else(|errors| panic!("{locale}: {errors:?}"));
        }
    }

    /// Every key the code and the templates name (`t("key"`, `.text("key"`,
    /// `.text_with("key"`) is in the files, so no page ever shows a bare key.
    #[test]
    fn every_key_used_exists() {
        let en = ids(SOURCES[0].1);
        let pattern =
            regex::Regex::new(r#"(?:\bth?\(|\.text\(|\.text_with\()\s*"([a-z][a-z0-9-]*)""#)
                .unwrap();
        // Keys Rust code keeps in a variable first (`("👀", "alert-word-acknowledged")`): any
        // literal in an area's family.
        let literal = regex::Regex::new(
            r#""((?:alert|forge|page|incident|change|weekly|digest|subscriber|item|login|chat|nav|action|state|severity|time|count|frame|role)-[a-z0-9-]*[a-z-])""#,
        )
        .unwrap();
        let mut missing = BTreeSet::new();
        let mut used = 0;
        let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                // This folder's own examples and tests name keys that need not exist; the
                // importers hold other tools' words ("time-of-day"), not Firewatch's.
                if path.is_dir() && !path.ends_with("i18n") && !path.ends_with("import") {
                    stack.push(path);
                    continue;
                }
                let name = path.to_string_lossy();
                if !(name.ends_with(".rs") || name.ends_with(".html") || name.ends_with(".j2")) {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let literals = literal
                    .captures_iter(&text)
                    .filter(|_| name.ends_with(".rs"));
                for found in pattern.captures_iter(&text).chain(literals) {
                    used += 1;
                    // `t("state-" ~ state)`: a family, checked by `every_computed_key_exists`.
                    if found[1].ends_with('-') {
                        continue;
                    }
                    if !en.contains(&found[1]) {
                        missing.insert(format!("{}: {}", path.display(), &found[1]));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys with no message: {missing:#?}");
        assert!(used > 100, "{used} uses found");
    }

    /// The keys made from a value (`format!("severity-{}", …)`, `t("state-" ~ state)`): every
    /// value the code passes has its message.
    #[test]
    fn every_computed_key_exists() {
        let en = ids(SOURCES[0].1);
        let families: &[(&str, &[&str])] = &[
            (
                "state-",
                &[
                    "firing",
                    "acknowledged",
                    "silenced",
                    "resolved",
                    "triage",
                    "active",
                    "mitigated",
                    "learning",
                    "closed",
                    "declined",
                    "pending",
                ],
            ),
            ("severity-", &["critical", "error", "warning", "info"]),
            ("role-", &["viewer", "responder", "admin"]),
            (
                "forge-pr-",
                &[
                    "opened",
                    "closed",
                    "merged",
                    "reopened",
                    "synchronize",
                    "ready-for-review",
                    "review-requested",
                    "converted-to-draft",
                    "edited",
                ],
            ),
            (
                "forge-build-",
                &["passed", "failed", "cancelled", "skipped", "pending"],
            ),
            (
                "forge-deploy-",
                &["deployment", "rollback", "revert", "hotfix"],
            ),
            ("forge-ref-", &["tag", "branch", "created", "deleted"]),
            (
                "forge-review-",
                &[
                    "approved-title",
                    "approved-summary",
                    "changes-title",
                    "changes-summary",
                    "reviewed-title",
                    "reviewed-summary",
                ],
            ),
            ("change-risk-", &["low", "medium", "high"]),
            (
                "pipelines-status-",
                &[
                    "queued",
                    "running",
                    "success",
                    "failure",
                    "cancelled",
                    "skipped",
                    "manual",
                ],
            ),
            (
                "compliance-reason-",
                &[
                    "no_approval",
                    "self_approved",
                    "approval_outdated",
                    "author_unknown",
                ],
            ),
            (
                "compliance-code-",
                &[
                    "no_approval",
                    "self_approved",
                    "approval_outdated",
                    "author_unknown",
                ],
            ),
            ("items-tab-", &["all", "outstanding", "mine", "overdue"]),
            (
                "insights-card-",
                &[
                    "deployment_frequency",
                    "lead_time",
                    "change_failure_rate",
                    "recovery_time",
                    "rework_rate",
                ],
            ),
            (
                "insights-chart-",
                &["trend-frequency", "trend-lead-time", "trend-failure-rate"],
            ),
            ("postmortem-move-", &["in_review", "published", "draft"]),
            (
                "incident-status-",
                &["investigating", "identified", "monitoring", "resolved"],
            ),
        ];
        for (prefix, values) in families {
            for value in *values {
                let key = format!("{prefix}{value}");
                assert!(en.contains(&key), "{key} is not in the message files");
            }
        }
        for severity in ["critical", "error", "warning", "info"] {
            assert_eq!(
                crate::core::alert::Severity::parse(severity).map(|s| s.as_str()),
                Some(severity)
            );
        }
    }

    #[test]
    fn languages_are_negotiated() {
        assert_eq!(Locale::parse("ko-KR"), Some(Locale::Ko));
        assert_eq!(Locale::parse("en_US.UTF-8"), Some(Locale::En));
        assert_eq!(Locale::parse("fr"), None);
        let pick = Locale::from_accept_language;
        assert_eq!(
            pick("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"),
            Some(Locale::Ko)
        );
        assert_eq!(pick("fr-FR,fr;q=0.9,en;q=0.8,ko;q=0.5"), Some(Locale::En));
        assert_eq!(pick("en;q=0.2, ko;q=0.7"), Some(Locale::Ko));
        assert_eq!(pick("ko;q=0, en"), Some(Locale::En));
        assert_eq!(pick("de, ja"), None);
        assert_eq!(pick(""), None);
    }

    #[test]
    fn dates_and_durations_read_naturally() {
        let at: Zoned = "2026-12-06T15:45:10+09:00[Asia/Seoul]".parse().unwrap();
        assert_eq!(Locale::En.date_time(&at), "2026-12-06 15:45");
        assert_eq!(Locale::Ko.date_time(&at), "2026년 12월 6일 15:45");
        assert_eq!(
            Locale::Ko.date_time_full(&at),
            "2026년 12월 6일 15:45:10 KST"
        );
        assert_eq!(Locale::En.date_time_public(&at), "6 Dec 2026, 15:45 KST");
        let span = |s| SignedDuration::from_secs(s);
        assert_eq!(Locale::En.duration(span(42)), "42 s");
        assert_eq!(Locale::En.duration(span(600)), "10 min");
        assert_eq!(Locale::En.duration(span(7300)), "2 h");
        assert_eq!(Locale::En.duration(span(3 * 86400)), "3 d");
        assert_eq!(Locale::Ko.duration(span(12_000)), "3시간 20분");
        assert_eq!(Locale::Ko.duration(span(7200)), "2시간");
        assert_eq!(Locale::Ko.duration(span(2 * 86400 + 5 * 3600)), "2일 5시간");
        let now = at.timestamp();
        let before = |s| now - span(s);
        assert_eq!(Locale::Ko.ago(before(12_000), now), "3시간 20분 전");
        assert_eq!(Locale::En.ago(before(300), now), "5 min ago");
        assert_eq!(Locale::En.ago(now + span(7200), now), "in 2 h");
        assert_eq!(Locale::Ko.ago(now + span(7200), now), "2시간 후");
        assert_eq!(Locale::En.ago(before(2), now), "just now");
        assert_eq!(Locale::Ko.ago(before(2), now), "방금");
        assert_eq!(Locale::En.millis(850.0), "850 ms");
        assert_eq!(Locale::Ko.millis(2500.0), "2.5초");
    }

    #[test]
    fn plurals_follow_each_language() {
        let n = |locale: Locale, count: i64| {
            locale.text_with("count-changes", &[("count", count.into())])
        };
        assert_eq!(n(Locale::En, 1), "1 change");
        assert_eq!(n(Locale::En, 3), "3 changes");
        assert_eq!(n(Locale::Ko, 3), "변경 3건");
        assert_eq!(Locale::Ko.text("no-such-key-here"), "no-such-key-here");
    }
}
