//! Which destinations an event goes to. Routes are ordered; the first route that matches
//! stops the walk unless it says `continue`, as in Alertmanager.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

/// What routes can match on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventAttributes<'a> {
    /// The integration's kind (`github`, `generic`, …).
    pub source: &'a str,
    /// The integration's configured name.
    pub integration: &'a str,
    pub kind: &'a str,
    pub action: Option<&'a str>,
    pub repo: Option<&'a str>,
    pub branch: Option<&'a str>,
    pub author: Option<&'a str>,
    pub labels: &'a [String],
    pub outcome: Option<&'a str>,
}

/// One value or a list in the config (`kind = "push"` or `kind = ["push", "tag"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "OneOrMany")]
pub struct Values(pub Vec<String>);

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl From<OneOrMany> for Values {
    fn from(value: OneOrMany) -> Self {
        match value {
            OneOrMany::One(one) => Values(vec![one]),
            OneOrMany::Many(many) => Values(many),
        }
    }
}

impl Values {
    fn contains(&self, actual: &str) -> bool {
        self.0.iter().any(|value| value == actual)
    }

    /// Any of the globs matches (`*` also crosses `/`, so `acme/*` and `release/*` work).
    fn glob_matches(&self, actual: &str) -> bool {
        self.0
            .iter()
            .any(|pattern| glob::Pattern::new(pattern).is_ok_and(|pattern| pattern.matches(actual)))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteMatch {
    pub source: Option<Values>,
    pub integration: Option<Values>,
    pub kind: Option<Values>,
    pub action: Option<Values>,
    /// Globs over `owner/name`.
    pub repo: Option<Values>,
    /// Globs over the branch name.
    pub branch: Option<Values>,
    pub author: Option<Values>,
    /// The event carries at least one of these labels.
    pub labels: Option<Values>,
    /// `success`, `failure`, `cancelled`, `pending`, `skipped`.
    pub outcome: Option<Values>,
    /// Alert labels in Alertmanager's matcher syntax, every one of which must match, as a
    /// route's `matchers` in Alertmanager (`['service=~"api|web"', 'severity!="info"']`). A
    /// label the event lacks reads as empty.
    pub matchers: Option<LabelMatchers>,
}

/// `matchers`: read from text, kept compiled (regexes built once, at load).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMatchers(pub Vec<crate::core::silence::Matcher>);

impl<'de> Deserialize<'de> for LabelMatchers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let texts = Vec::<String>::deserialize(deserializer)?;
        let mut matchers = Vec::new();
        for text in &texts {
            let parsed = crate::core::silence::parse_matchers(text)
                .map_err(|error| serde::de::Error::custom(format!("{text}: {error}")))?;
            matchers.extend(parsed);
        }
        Ok(LabelMatchers(matchers))
    }
}

impl Serialize for LabelMatchers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ToString::to_string))
    }
}

impl LabelMatchers {
    /// `name=value` labels (an alert's, as routes see them) against every matcher.
    fn matches(&self, labels: &[String]) -> bool {
        let labels: BTreeMap<String, String> = labels
            .iter()
            .filter_map(|label| label.split_once('='))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        self.0.iter().all(|matcher| matcher.matches(&labels))
    }
}

impl RouteMatch {
    /// Every field the route names must match; a field the event lacks does not.
    pub fn matches(&self, event: &EventAttributes<'_>) -> bool {
        fn exact(expected: &Option<Values>, actual: Option<&str>) -> bool {
            match expected {
                None => true,
                Some(values) => actual.is_some_and(|actual| values.contains(actual)),
            }
        }
        fn glob(expected: &Option<Values>, actual: Option<&str>) -> bool {
            match expected {
                None => true,
                Some(values) => actual.is_some_and(|actual| values.glob_matches(actual)),
            }
        }
        exact(&self.source, Some(event.source))
            && exact(&self.integration, Some(event.integration))
            && exact(&self.kind, Some(event.kind))
            && exact(&self.action, event.action)
            && glob(&self.repo, event.repo)
            && glob(&self.branch, event.branch)
            && exact(&self.author, event.author)
            && self
                .labels
                .as_ref()
                .is_none_or(|wanted| event.labels.iter().any(|label| wanted.contains(label)))
            && exact(&self.outcome, event.outcome)
            && self
                .matchers
                .as_ref()
                .is_none_or(|matchers| matchers.matches(event.labels))
    }

    /// The globs, for validation.
    pub fn globs(&self) -> impl Iterator<Item = (&'static str, &String)> {
        let repo = self
            .repo
            .iter()
            .flat_map(|v| v.0.iter().map(|g| ("repo", g)));
        let branch = self
            .branch
            .iter()
            .flat_map(|v| v.0.iter().map(|g| ("branch", g)));
        repo.chain(branch)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    #[serde(default, rename = "match")]
    pub matcher: RouteMatch,
    pub to: Vec<String>,
    #[serde(default, rename = "continue")]
    pub continue_matching: bool,
    /// A `[[templates]]` name to render this route's messages with.
    #[serde(default)]
    pub template: Option<String>,
    /// Alert notices only: labels whose values make a notification group (`["..."]`: every
    /// label, so each alert alone). Without it, every alert change is told at once.
    #[serde(default)]
    pub group_by: Option<Vec<String>>,
    /// How long a new group waits for more alerts before its first notice (default 30s).
    #[serde(default)]
    pub group_wait: Option<String>,
    /// The least time between notices of a group when new alerts join it (default 5m).
    #[serde(default)]
    pub group_interval: Option<String>,
    /// How often a group still firing is told again when nothing changed (default 4h).
    #[serde(default)]
    pub repeat_interval: Option<String>,
    /// `[[time_intervals]]` during which the route tells nothing.
    #[serde(default)]
    pub mute_time_intervals: Vec<String>,
    /// `[[time_intervals]]` outside which the route tells nothing (none: always active).
    #[serde(default)]
    pub active_time_intervals: Vec<String>,
}

/// A route's notification grouping, as Alertmanager users know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping {
    /// Labels whose values make a group; `None`: every label (each alert its own group).
    pub by: Option<Vec<String>>,
    pub wait: SignedDuration,
    pub interval: SignedDuration,
    pub repeat: SignedDuration,
}

impl Grouping {
    /// Alertmanager's defaults.
    pub const DEFAULT_WAIT: SignedDuration = SignedDuration::from_secs(30);
    pub const DEFAULT_INTERVAL: SignedDuration = SignedDuration::from_mins(5);
    pub const DEFAULT_REPEAT: SignedDuration = SignedDuration::from_hours(4);

    /// The group labels of an alert: the `by` labels it has (absent ones are left out, as
    /// Alertmanager does), or all of them.
    pub fn labels(&self, labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        match &self.by {
            None => labels.clone(),
            Some(by) => by
                .iter()
                .filter_map(|name| labels.get(name).map(|value| (name.clone(), value.clone())))
                .collect(),
        }
    }
}

impl Route {
    /// Whether the route is quiet at `at`, by its time intervals, as Alertmanager decides:
    /// inside any mute interval, or outside every active one. A name not in `intervals` (the
    /// config check refuses those) is taken as never in force.
    pub fn muted_at(
        &self,
        intervals: &[crate::core::time_interval::NamedTimeInterval],
        at: jiff::Timestamp,
    ) -> bool {
        let in_force = |names: &[String]| {
            names.iter().any(|name| {
                intervals
                    .iter()
                    .any(|interval| &interval.name == name && interval.contains(at))
            })
        };
        in_force(&self.mute_time_intervals)
            || (!self.active_time_intervals.is_empty() && !in_force(&self.active_time_intervals))
    }

    /// The route's grouping, or `None` when it tells every change at once. Durations were
    /// checked when the config loaded; one that does not parse falls back to its default.
    pub fn grouping(&self) -> Option<Grouping> {
        let by = self.group_by.as_ref()?;
        let duration = |text: &Option<String>, default| {
            text.as_deref()
                .and_then(|text| crate::core::silence::parse_duration(text).ok())
                .unwrap_or(default)
        };
        Some(Grouping {
            by: (!by.iter().any(|label| label == "...")).then(|| by.clone()),
            wait: match self.group_wait.as_deref().map(str::trim) {
                // A zero wait is allowed: the first notice goes at once.
                Some("0" | "0s") => SignedDuration::ZERO,
                _ => duration(&self.group_wait, Grouping::DEFAULT_WAIT),
            },
            interval: duration(&self.group_interval, Grouping::DEFAULT_INTERVAL),
            repeat: duration(&self.repeat_interval, Grouping::DEFAULT_REPEAT),
        })
    }
}

/// Where an event goes and how it is worded there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub destination: String,
    pub template: Option<String>,
}

/// The destinations for `event`, each once (with the first matching route's template), in
/// route order.
pub fn destinations_for(event: &EventAttributes<'_>, routes: &[Route]) -> Vec<Target> {
    let mut destinations: Vec<Target> = Vec::new();
    for (_, route) in matching_routes(event, routes) {
        for destination in &route.to {
            if !destinations.iter().any(|t| &t.destination == destination) {
                destinations.push(Target {
                    destination: destination.clone(),
                    template: route.template.clone(),
                });
            }
        }
    }
    destinations
}

/// The routes `event` takes, with their positions: every match up to and including the first
/// one without `continue`.
pub fn matching_routes<'r>(
    event: &EventAttributes<'_>,
    routes: &'r [Route],
) -> Vec<(usize, &'r Route)> {
    let mut matched = Vec::new();
    for (index, route) in routes.iter().enumerate() {
        if !route.matcher.matches(event) {
            continue;
        }
        matched.push((index, route));
        if !route.continue_matching {
            break;
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(source: Option<&str>, to: &[&str], continue_matching: bool) -> Route {
        Route {
            matcher: RouteMatch {
                source: source.map(|s| Values(vec![s.to_owned()])),
                ..RouteMatch::default()
            },
            to: to.iter().map(|s| s.to_string()).collect(),
            continue_matching,
            template: None,
            group_by: None,
            group_wait: None,
            group_interval: None,
            repeat_interval: None,
            mute_time_intervals: Vec::new(),
            active_time_intervals: Vec::new(),
        }
    }

    fn names(targets: Vec<Target>) -> Vec<String> {
        targets.into_iter().map(|t| t.destination).collect()
    }

    const EVENT: EventAttributes<'static> = EventAttributes {
        source: "generic",
        integration: "ingest",
        kind: "deploy",
        action: None,
        repo: None,
        branch: None,
        author: None,
        labels: &[],
        outcome: None,
    };

    #[test]
    fn first_match_wins_unless_continue() {
        let routes = vec![
            route(Some("github"), &["forge"], false),
            route(Some("generic"), &["a"], false),
            route(None, &["b"], false),
        ];
        assert_eq!(names(destinations_for(&EVENT, &routes)), vec!["a"]);

        let routes = vec![
            route(Some("generic"), &["a", "b"], true),
            route(None, &["b", "c"], false),
            route(None, &["d"], false),
        ];
        assert_eq!(
            names(destinations_for(&EVENT, &routes)),
            vec!["a", "b", "c"]
        );
    }

    #[test]
    fn every_field_must_match() {
        let matcher = RouteMatch {
            source: Some(Values(vec!["generic".into()])),
            integration: Some(Values(vec!["other".into()])),
            ..RouteMatch::default()
        };
        assert!(!matcher.matches(&EVENT));
        assert!(RouteMatch::default().matches(&EVENT));
    }

    fn values(items: &[&str]) -> Option<Values> {
        Some(Values(items.iter().map(|s| s.to_string()).collect()))
    }

    #[test]
    fn forge_matchers() {
        let labels = vec!["bug".to_owned(), "urgent".to_owned()];
        let event = EventAttributes {
            source: "github",
            integration: "gh",
            kind: "build",
            action: Some("completed"),
            repo: Some("acme/api"),
            branch: Some("release/1.2"),
            author: Some("andrew"),
            labels: &labels,
            outcome: Some("failure"),
        };
        let matcher = RouteMatch {
            kind: values(&["build", "push"]),
            repo: values(&["acme/*"]),
            branch: values(&["main", "release/*"]),
            outcome: values(&["failure"]),
            labels: values(&["urgent"]),
            ..RouteMatch::default()
        };
        assert!(matcher.matches(&event));
        let other_repo = RouteMatch {
            repo: values(&["other/*"]),
            ..matcher.clone()
        };
        assert!(!other_repo.matches(&event));
        let successes = RouteMatch {
            outcome: values(&["success"]),
            ..matcher.clone()
        };
        assert!(!successes.matches(&event));
        // A field the event lacks does not match a route that asks for it.
        let no_branch = EventAttributes {
            branch: None,
            ..event.clone()
        };
        assert!(!matcher.matches(&no_branch));
    }
}
