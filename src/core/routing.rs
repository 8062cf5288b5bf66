//! Which destinations an event goes to. Routes are ordered; the first route that matches
//! stops the walk unless it says `continue`, as in Alertmanager.

use serde::{Deserialize, Serialize};

/// What routes can match on. Later matchers (repository, branch, severity…) extend this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventAttributes<'a> {
    /// The integration's kind (`github`, `generic`, …).
    pub source: &'a str,
    /// The integration's configured name.
    pub integration: &'a str,
    pub kind: &'a str,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteMatch {
    pub source: Option<String>,
    pub integration: Option<String>,
    pub kind: Option<String>,
}

impl RouteMatch {
    pub fn matches(&self, event: &EventAttributes<'_>) -> bool {
        fn field(expected: &Option<String>, actual: &str) -> bool {
            expected
                .as_deref()
                .is_none_or(|expected| expected == actual)
        }
        field(&self.source, event.source)
            && field(&self.integration, event.integration)
            && field(&self.kind, event.kind)
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
}

/// The destinations for `event`, each once, in route order.
pub fn destinations_for(event: &EventAttributes<'_>, routes: &[Route]) -> Vec<String> {
    let mut destinations: Vec<String> = Vec::new();
    for route in routes {
        if !route.matcher.matches(event) {
            continue;
        }
        for destination in &route.to {
            if !destinations.contains(destination) {
                destinations.push(destination.clone());
            }
        }
        if !route.continue_matching {
            break;
        }
    }
    destinations
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(source: Option<&str>, to: &[&str], continue_matching: bool) -> Route {
        Route {
            matcher: RouteMatch {
                source: source.map(str::to_owned),
                ..RouteMatch::default()
            },
            to: to.iter().map(|s| s.to_string()).collect(),
            continue_matching,
        }
    }

    const EVENT: EventAttributes<'static> = EventAttributes {
        source: "generic",
        integration: "ingest",
        kind: "deploy",
    };

    #[test]
    fn first_match_wins_unless_continue() {
        let routes = vec![
            route(Some("github"), &["forge"], false),
            route(Some("generic"), &["a"], false),
            route(None, &["b"], false),
        ];
        assert_eq!(destinations_for(&EVENT, &routes), vec!["a"]);

        let routes = vec![
            route(Some("generic"), &["a", "b"], true),
            route(None, &["b", "c"], false),
            route(None, &["d"], false),
        ];
        assert_eq!(destinations_for(&EVENT, &routes), vec!["a", "b", "c"]);
    }

    #[test]
    fn every_field_must_match() {
        let matcher = RouteMatch {
            source: Some("generic".into()),
            integration: Some("other".into()),
            kind: None,
        };
        assert!(!matcher.matches(&EVENT));
        assert!(RouteMatch::default().matches(&EVENT));
    }
}
