//! Inhibition: a firing alert mutes the alerts it makes redundant, so that when a whole cluster
//! is down the on-call person hears about the cluster, not about each service on it.
//!
//! Rules and semantics are Prometheus Alertmanager's `inhibit_rules`, so a rule copied from an
//! Alertmanager config behaves the same here. A firing source alert inhibits a target alert when
//! the target matches the rule's target matchers, the source matches its source matchers, and
//! every label named in `equal` has the same value on both (a missing label is the empty value,
//! so a label missing from both counts as equal). An empty matcher list matches every alert. An
//! alert never inhibits itself: when the target also matches the source matchers, sources that
//! also match the target matchers are passed over, so two alerts on both sides of a rule cannot
//! mute each other.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::core::silence::{Matcher, MatcherError, is_label_name, parse_matchers};

/// One rule, as written under `[[inhibit_rules]]`:
///
/// ```toml
/// [[inhibit_rules]]
/// source_matchers = ['severity="critical"']
/// target_matchers = ['severity="warning"']
/// equal = ["alertname", "cluster"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "InhibitRuleSpec")]
pub struct InhibitRule {
    /// What a firing alert must match to inhibit others. Empty matches every alert.
    pub source_matchers: Vec<Matcher>,
    /// What an alert must match to be inhibited. Empty matches every alert.
    pub target_matchers: Vec<Matcher>,
    /// Labels that must have the same value on the source and the target; a missing label
    /// counts as the empty value.
    pub equal: Vec<String>,
}

/// The rule as written: matchers in text form, each entry one matcher (`severity="critical"`)
/// or several in braces (`{severity="critical", team="db"}`), as Alertmanager reads them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InhibitRuleSpec {
    #[serde(default)]
    source_matchers: Vec<String>,
    #[serde(default)]
    target_matchers: Vec<String>,
    #[serde(default)]
    equal: Vec<String>,
    // Alertmanager's older forms are named here only to answer them with the new spelling.
    source_match: Option<IgnoredAny>,
    source_match_re: Option<IgnoredAny>,
    target_match: Option<IgnoredAny>,
    target_match_re: Option<IgnoredAny>,
}

impl TryFrom<InhibitRuleSpec> for InhibitRule {
    type Error = String;

    fn try_from(spec: InhibitRuleSpec) -> Result<Self, String> {
        let older = [
            ("source_match", &spec.source_match),
            ("source_match_re", &spec.source_match_re),
            ("target_match", &spec.target_match),
            ("target_match_re", &spec.target_match_re),
        ];
        if let Some((field, _)) = older.into_iter().find(|(_, given)| given.is_some()) {
            let instead = if field.starts_with("source") {
                "source_matchers"
            } else {
                "target_matchers"
            };
            return Err(format!(
                "`{field}` is Alertmanager's older form of an inhibition rule; write {instead} = ['severity=\"critical\"'] instead (=~ for a regex)"
            ));
        }
        InhibitRule::new(&spec.source_matchers, &spec.target_matchers, &spec.equal)
    }
}

impl InhibitRule {
    /// From matchers in text form and the names of the labels that must be equal.
    pub fn new(
        source_matchers: &[impl AsRef<str>],
        target_matchers: &[impl AsRef<str>],
        equal: &[impl AsRef<str>],
    ) -> Result<InhibitRule, String> {
        let equal: Vec<String> = equal.iter().map(|name| name.as_ref().to_owned()).collect();
        if let Some(name) = equal.iter().find(|name| !is_label_name(name)) {
            return Err(format!(
                "`{}` in equal is not a label name: use letters, digits and underscores, not starting with a digit",
                snippet(name)
            ));
        }
        Ok(InhibitRule {
            source_matchers: parse_side("source_matchers", source_matchers)?,
            target_matchers: parse_side("target_matchers", target_matchers)?,
            equal,
        })
    }

    /// Whether an alert with these labels is a target of this rule.
    pub fn matches_target(&self, labels: &BTreeMap<String, String>) -> bool {
        all_match(&self.target_matchers, labels)
    }

    /// Whether a firing alert with these labels is a source for this rule.
    pub fn matches_source(&self, labels: &BTreeMap<String, String>) -> bool {
        all_match(&self.source_matchers, labels)
    }

    /// Whether the firing alert `source` inhibits `target` under this rule alone. It does not
    /// know the alerts' identities; [`inhibitor`] also keeps an alert from inhibiting itself.
    pub fn inhibits(
        &self,
        source: &BTreeMap<String, String>,
        target: &BTreeMap<String, String>,
    ) -> bool {
        self.matches_target(target)
            && self.source_applies(source, target, self.matches_source(target))
    }

    /// The source side of the rule for a target already known to match the target side.
    fn source_applies(
        &self,
        source: &BTreeMap<String, String>,
        target: &BTreeMap<String, String>,
        target_is_also_source: bool,
    ) -> bool {
        self.matches_source(source)
            && self.equal_labels_agree(source, target)
            // A target on both sides of the rule is only inhibited by sources that are not,
            // or two such alerts would mute each other and neither would be heard.
            && !(target_is_also_source && self.matches_target(source))
    }

    fn equal_labels_agree(
        &self,
        source: &BTreeMap<String, String>,
        target: &BTreeMap<String, String>,
    ) -> bool {
        self.equal
            .iter()
            .all(|name| label_value(source, name) == label_value(target, name))
    }
}

/// The id of a firing alert that inhibits `target` under any of `rules`, or `None` when nothing
/// does. `sources` are the firing alerts as (id, labels); pass only firing ones, so that a source
/// that resolves releases its targets. The target's own entry may be among them: an alert never
/// inhibits itself. When several sources qualify, the first in `sources` is named.
pub fn inhibitor<'a>(
    rules: &[InhibitRule],
    target: &BTreeMap<String, String>,
    target_id: &str,
    sources: impl IntoIterator<Item = (&'a str, &'a BTreeMap<String, String>)>,
) -> Option<&'a str> {
    // Which rules can apply depends only on the target, so it is decided once, not per source.
    let applicable: Vec<(&InhibitRule, bool)> = rules
        .iter()
        .filter(|rule| rule.matches_target(target))
        .map(|rule| (rule, rule.matches_source(target)))
        .collect();
    if applicable.is_empty() {
        return None;
    }
    sources
        .into_iter()
        .filter(|(id, _)| *id != target_id)
        .find(|(_, labels)| {
            applicable.iter().any(|(rule, target_is_also_source)| {
                rule.source_applies(labels, target, *target_is_also_source)
            })
        })
        .map(|(id, _)| id)
}

/// A missing label reads as the empty value, as in Alertmanager's matchers.
fn label_value<'l>(labels: &'l BTreeMap<String, String>, name: &str) -> &'l str {
    labels.get(name).map_or("", String::as_str)
}

/// Every matcher matches; unlike a silence, a rule side without matchers matches every alert.
fn all_match(matchers: &[Matcher], labels: &BTreeMap<String, String>) -> bool {
    matchers.iter().all(|matcher| matcher.matches(labels))
}

fn parse_side(field: &str, entries: &[impl AsRef<str>]) -> Result<Vec<Matcher>, String> {
    let mut matchers = Vec::new();
    for entry in entries {
        let parsed = parse_matchers(entry.as_ref()).map_err(|error| match error {
            // An empty entry would silently widen the rule to every alert.
            MatcherError::Empty => format!(
                "{field} has an empty entry; write a matcher such as severity=\"critical\", or leave the list empty to match every alert"
            ),
            other => format!("in {field}, {other}"),
        })?;
        matchers.extend(parsed);
    }
    Ok(matchers)
}

/// Echoed user text in errors is cut short so a pasted novel does not become the message.
fn snippet(text: &str) -> String {
    const LIMIT: usize = 80;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels written as pairs.
    type Pairs<'p> = &'p [(&'p str, &'p str)];

    fn labels(pairs: Pairs) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn rule(source: &[&str], target: &[&str], equal: &[&str]) -> InhibitRule {
        InhibitRule::new(source, target, equal).unwrap()
    }

    /// The target is checked under the id "target"; sources are named by their position.
    fn inhibited_by<'a>(
        rules: &[InhibitRule],
        target: &BTreeMap<String, String>,
        firing: &'a [(&'a str, BTreeMap<String, String>)],
    ) -> Option<&'a str> {
        inhibitor(
            rules,
            target,
            "target",
            firing.iter().map(|(id, labels)| (*id, labels)),
        )
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Config {
        inhibit_rules: Vec<InhibitRule>,
    }

    fn rules_from(toml_text: &str) -> Result<Vec<InhibitRule>, String> {
        toml::from_str::<Config>(toml_text)
            .map(|config| config.inhibit_rules)
            .map_err(|error| error.to_string())
    }

    const DOCUMENTED: &str = r#"
        [[inhibit_rules]]
        source_matchers = ['severity="critical"']
        target_matchers = ['severity="warning"']
        equal = ["alertname", "cluster"]
    "#;

    /// The documentation's example: a critical alert mutes the warning with the same alertname
    /// and cluster, and only while it fires.
    #[test]
    fn critical_inhibits_warning_with_equal_alertname_and_cluster() {
        let rules = rules_from(DOCUMENTED).unwrap();
        assert_eq!(
            rules,
            [rule(
                &["severity=\"critical\""],
                &["severity=\"warning\""],
                &["alertname", "cluster"]
            )]
        );
        let warning = labels(&[
            ("alertname", "NodeDown"),
            ("cluster", "eu1"),
            ("severity", "warning"),
        ]);
        let critical = labels(&[
            ("alertname", "NodeDown"),
            ("cluster", "eu1"),
            ("severity", "critical"),
            ("instance", "a"),
        ]);
        let elsewhere = labels(&[
            ("alertname", "NodeDown"),
            ("cluster", "us1"),
            ("severity", "critical"),
        ]);
        let other_name = labels(&[
            ("alertname", "DiskFull"),
            ("cluster", "eu1"),
            ("severity", "critical"),
        ]);

        let firing = [("critical", critical.clone()), ("target", warning.clone())];
        assert_eq!(inhibited_by(&rules, &warning, &firing), Some("critical"));
        // The critical alert is not a target of the rule.
        assert_eq!(
            inhibitor(
                &rules,
                &critical,
                "critical",
                firing.iter().map(|(id, l)| (*id, l))
            ),
            None
        );
        // Another cluster or another alertname does not count.
        let firing = [("elsewhere", elsewhere), ("other", other_name)];
        assert_eq!(inhibited_by(&rules, &warning, &firing), None);
        // Once the critical alert resolves it is no longer passed as firing, and the warning
        // is released.
        let firing = [("target", warning.clone())];
        assert_eq!(inhibited_by(&rules, &warning, &firing), None);
    }

    #[test]
    fn missing_equal_labels_are_the_empty_value() {
        let rules = rules_from(DOCUMENTED).unwrap();
        let warning = labels(&[("alertname", "NodeDown"), ("severity", "warning")]);
        // Missing cluster on both: equal.
        let critical = labels(&[("alertname", "NodeDown"), ("severity", "critical")]);
        assert_eq!(
            inhibited_by(&rules, &warning, &[("critical", critical)]),
            Some("critical")
        );
        // An empty value is the same as a missing label.
        let empty_cluster = labels(&[
            ("alertname", "NodeDown"),
            ("cluster", ""),
            ("severity", "critical"),
        ]);
        assert_eq!(
            inhibited_by(&rules, &warning, &[("empty", empty_cluster)]),
            Some("empty")
        );
        // Missing on one side only: not equal.
        let with_cluster = labels(&[
            ("alertname", "NodeDown"),
            ("cluster", "eu1"),
            ("severity", "critical"),
        ]);
        assert_eq!(
            inhibited_by(&rules, &warning, &[("with", with_cluster)]),
            None
        );
    }

    /// Alertmanager's `TestInhibitRuleHasEqual`. It checks the equal labels alone, so here
    /// every source is marked as a source and the target as a target; a resolved source is one
    /// the caller does not pass as firing.
    #[test]
    fn equal_labels_as_alertmanager_checks_them() {
        let with_role = |role: &str, pairs: Pairs| {
            let mut all = labels(pairs);
            all.insert("role".to_owned(), role.to_owned());
            all
        };
        // (case, firing sources, equal, target, inhibited)
        type Case<'c> = (&'c str, &'c [Pairs<'c>], &'c [&'c str], Pairs<'c>, bool);
        let cases: &[Case] = &[
            ("no source alerts", &[], &[], &[("a", "b")], false),
            (
                "no equal labels, any source alert satisfies the requirement",
                &[&[]],
                &[],
                &[("a", "b")],
                true,
            ),
            (
                "matching but already resolved",
                &[],
                &["a", "b"],
                &[("a", "b"), ("b", "c")],
                false,
            ),
            (
                "matching and unresolved",
                &[&[("a", "b"), ("c", "f")]],
                &["a"],
                &[("a", "b")],
                true,
            ),
            (
                "equal label does not match",
                &[&[("a", "c"), ("c", "d")], &[("a", "c"), ("c", "f")]],
                &["a"],
                &[("a", "b")],
                false,
            ),
        ];
        for (case, sources, equal, input, expected) in cases {
            let rules = [rule(&["role=\"source\""], &["role=\"target\""], equal)];
            let firing: Vec<(&str, BTreeMap<String, String>)> = sources
                .iter()
                .map(|pairs| ("source", with_role("source", pairs)))
                .collect();
            let target = with_role("target", input);
            assert_eq!(
                inhibited_by(&rules, &target, &firing).is_some(),
                *expected,
                "{case}"
            );
        }
    }

    /// Alertmanager's `TestInhibitRuleMatches` and `TestInhibitRuleMatchers`: two rules, and a
    /// source for each, the second matching both sides of its rule.
    #[test]
    fn matches_alertmanagers_rule_tables() {
        let firing = [
            ("source1", labels(&[("s1", "1"), ("t1", "2"), ("e", "1")])),
            ("source2", labels(&[("s2", "1"), ("t2", "1"), ("e", "1")])),
        ];
        let equality_rules = [
            rule(&["s1=\"1\""], &["t1=\"1\""], &["e"]),
            rule(&["s2=\"1\""], &["t2=\"1\""], &["e"]),
        ];
        let matcher_rules = [
            rule(&["s1=\"1\""], &["t1!=\"1\""], &["e"]),
            rule(&["s2=\"1\""], &["t2=\"1\""], &["e"]),
        ];
        // (target, inhibited under equality_rules, inhibited under matcher_rules)
        let cases: &[(Pairs, bool, bool)] = &[
            (&[("t1", "1"), ("e", "1")], true, false),
            (&[("t2", "1"), ("e", "1")], true, true),
            (&[("t1", "1"), ("t3", "1"), ("e", "1")], true, false),
            (&[("t1", "1"), ("t2", "1"), ("e", "1")], true, true),
            (&[("t1", "0"), ("e", "1")], false, true),
            // Both sides of rule 1; source1 matches only its source side, so it inhibits.
            (&[("s1", "1"), ("t1", "1"), ("e", "1")], true, false),
            // Both sides of rule 2; source2 does too, so it is passed over.
            (&[("s2", "1"), ("t2", "1"), ("e", "1")], false, true),
            (&[("t1", "1"), ("e", "0")], false, false),
        ];
        for (target, by_equality, by_matchers) in cases {
            let target = labels(target);
            assert_eq!(
                inhibited_by(&equality_rules, &target, &firing).is_some(),
                *by_equality,
                "equality rules, target {target:?}"
            );
            assert_eq!(
                inhibited_by(&matcher_rules, &target, &firing).is_some(),
                *by_matchers,
                "matcher rules, target {target:?}"
            );
        }
    }

    /// Alertmanager's `TestInhibit`: alert one is muted by alert two only while two fires.
    #[test]
    fn a_resolving_source_releases_its_target() {
        let rules = [rule(&["s=\"1\""], &["t=\"1\""], &["e"])];
        let one = labels(&[("t", "1"), ("e", "f")]);
        let two = labels(&[("s", "1"), ("e", "f")]);

        // Two has not fired.
        let firing = [("one", one.clone())];
        assert_eq!(
            inhibitor(&rules, &one, "one", firing.iter().map(|(i, l)| (*i, l))),
            None
        );

        // Two fires: one is muted, two is not.
        let firing = [("one", one.clone()), ("two", two.clone())];
        let check = |target: &BTreeMap<String, String>, id: &str| {
            inhibitor(&rules, target, id, firing.iter().map(|(i, l)| (*i, l)))
        };
        assert_eq!(check(&one, "one"), Some("two"));
        assert_eq!(check(&two, "two"), None);

        // Two resolves: neither is muted.
        let firing = [("one", one.clone())];
        let check = |target: &BTreeMap<String, String>, id: &str| {
            inhibitor(&rules, target, id, firing.iter().map(|(i, l)| (*i, l)))
        };
        assert_eq!(check(&one, "one"), None);
        assert_eq!(check(&two, "two"), None);
    }

    #[test]
    fn an_alert_never_inhibits_itself() {
        // With both sides empty every alert is on both sides, so none inhibits another.
        let everything = [rule(&[], &[], &[])];
        let a = labels(&[("alertname", "A")]);
        let firing = [("target", a.clone()), ("b", labels(&[("alertname", "B")]))];
        assert_eq!(inhibited_by(&everything, &a, &firing), None);

        // An entry carrying the target's id is skipped even if its labels (say, a stale copy)
        // would qualify.
        let rules = [rule(&["a=\"1\""], &["b=\"1\""], &[])];
        let target = labels(&[("b", "1")]);
        let firing = [("target", labels(&[("a", "1")]))];
        assert_eq!(inhibited_by(&rules, &target, &firing), None);
        let firing = [
            ("target", labels(&[("a", "1")])),
            ("other", labels(&[("a", "1")])),
        ];
        assert_eq!(inhibited_by(&rules, &target, &firing), Some("other"));
    }

    /// Among several sources for a target on both sides, one that is only a source still
    /// inhibits, whichever order they come in.
    #[test]
    fn two_sided_rule_skips_only_the_two_sided_sources() {
        let rules = [rule(
            &["severity=~\"critical|warning\""],
            &["severity=\"warning\""],
            &["cluster"],
        )];
        let target = labels(&[("severity", "warning"), ("cluster", "eu1")]);
        let other_warning = ("w2", labels(&[("severity", "warning"), ("cluster", "eu1")]));
        let critical = ("c", labels(&[("severity", "critical"), ("cluster", "eu1")]));
        let firing = [other_warning.clone()];
        assert_eq!(inhibited_by(&rules, &target, &firing), None);
        let firing = [other_warning.clone(), critical.clone()];
        assert_eq!(inhibited_by(&rules, &target, &firing), Some("c"));
        let firing = [critical, other_warning];
        assert_eq!(inhibited_by(&rules, &target, &firing), Some("c"));
    }

    #[test]
    fn empty_matcher_lists_match_every_alert() {
        // Any firing alert in the same cluster mutes the cluster's warnings, except other
        // warnings (they are on both sides).
        let rules = rules_from(
            r#"
            [[inhibit_rules]]
            target_matchers = ['severity="warning"']
            equal = ["cluster"]
            "#,
        )
        .unwrap();
        assert!(rules[0].source_matchers.is_empty());
        let target = labels(&[("severity", "warning"), ("cluster", "eu1")]);
        let firing = [
            ("w2", labels(&[("severity", "warning"), ("cluster", "eu1")])),
            ("info", labels(&[("severity", "info"), ("cluster", "eu1")])),
        ];
        assert_eq!(inhibited_by(&rules, &target, &firing), Some("info"));
        // And the silence rule does not apply here: an empty target side matches everything.
        let rules = [rule(&["severity=\"critical\""], &[], &[])];
        let firing = [("c", labels(&[("severity", "critical")]))];
        assert_eq!(inhibited_by(&rules, &labels(&[]), &firing), Some("c"));
    }

    #[test]
    fn any_rule_may_inhibit_and_the_first_qualifying_source_is_named() {
        let rules = [
            rule(
                &["severity=\"critical\""],
                &["severity=\"warning\""],
                &["cluster"],
            ),
            rule(&["alertname=\"ClusterDown\""], &[], &["cluster"]),
        ];
        let target = labels(&[
            ("alertname", "DiskFull"),
            ("severity", "warning"),
            ("cluster", "eu1"),
        ]);
        let firing = [
            (
                "unrelated",
                labels(&[("alertname", "X"), ("cluster", "us1")]),
            ),
            (
                "down",
                labels(&[("alertname", "ClusterDown"), ("cluster", "eu1")]),
            ),
            (
                "critical",
                labels(&[("severity", "critical"), ("cluster", "eu1")]),
            ),
        ];
        assert_eq!(inhibited_by(&rules, &target, &firing), Some("down"));
        assert!(rules[1].inhibits(&firing[1].1, &target));
        assert!(!rules[0].inhibits(&firing[1].1, &target));
        assert!(rules[0].inhibits(&firing[2].1, &target));
        // No rule targets it: no source is even looked at.
        let info = labels(&[("severity", "info"), ("cluster", "us1")]);
        let rules_for_warnings = &rules[..1];
        assert_eq!(inhibited_by(rules_for_warnings, &info, &firing), None);
    }

    #[test]
    fn reads_alertmanagers_matcher_forms() {
        let rules = rules_from(
            r#"
            [[inhibit_rules]]
            source_matchers = ['{severity="critical", team=~"db|storage"}', 'env != dev']
            target_matchers = ['severity=~"warning|info"']
            equal = ["cluster"]
            "#,
        )
        .unwrap();
        assert_eq!(rules[0].source_matchers.len(), 3);
        let source = labels(&[("severity", "critical"), ("team", "db"), ("cluster", "eu1")]);
        let target = labels(&[("severity", "info"), ("cluster", "eu1")]);
        assert!(rules[0].inhibits(&source, &target));
        let dev = labels(&[
            ("severity", "critical"),
            ("team", "db"),
            ("cluster", "eu1"),
            ("env", "dev"),
        ]);
        assert!(!rules[0].inhibits(&dev, &target));
        // Regexes are anchored, as in Alertmanager.
        let partial = labels(&[
            ("severity", "critical"),
            ("team", "dba"),
            ("cluster", "eu1"),
        ]);
        assert!(!rules[0].inhibits(&partial, &target));
    }

    #[test]
    fn refuses_bad_rules_with_a_sentence() {
        let cases: &[(&str, &str)] = &[
            (
                "source_matchers = ['severity']",
                "in source_matchers, `severity` has no operator",
            ),
            (
                "target_matchers = ['severity=~\"(\"']",
                "in target_matchers, `(` is not a valid regular expression",
            ),
            (
                "source_matchers = ['']",
                "source_matchers has an empty entry",
            ),
            (
                "target_matchers = ['{}']",
                "target_matchers has an empty entry",
            ),
            (
                "equal = ['cluster-name']",
                "`cluster-name` in equal is not a label name",
            ),
            ("equal = ['']", "`` in equal is not a label name"),
            (
                "source_match = { severity = 'critical' }",
                "`source_match` is Alertmanager's older form of an inhibition rule; write source_matchers",
            ),
            (
                "target_match_re = { severity = 'warn.*' }",
                "`target_match_re` is Alertmanager's older form of an inhibition rule; write target_matchers",
            ),
            ("name = 'x'", "unknown field `name`"),
            ("source_matchers = 'severity=\"critical\"'", "invalid type"),
        ];
        for (body, expected) in cases {
            let error = rules_from(&format!("[[inhibit_rules]]\n{body}\n")).unwrap_err();
            assert!(error.contains(expected), "{body}: {error}");
        }
        let long = "x".repeat(5_000);
        let error = InhibitRule::new(&[] as &[&str], &[] as &[&str], &[long.as_str()]).unwrap_err();
        assert!(error.len() < 300, "{error}");
    }

    #[test]
    fn a_rule_with_nothing_given_reads_as_matching_everything() {
        let rules = rules_from("[[inhibit_rules]]\n").unwrap();
        assert_eq!(rules, [rule(&[], &[], &[])]);
        assert!(rules[0].matches_source(&labels(&[])));
        assert!(rules[0].matches_target(&labels(&[("a", "b")])));
    }
}
