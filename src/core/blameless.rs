//! The blameless-language check for post-mortems: phrases that put a failure on a person
//! rather than on the system that let it happen, each with why and a systemic rewording. It
//! only advises; nothing is ever refused for it.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// 1-based.
    pub line: usize,
    pub phrase: String,
    pub why: String,
    pub suggestion: String,
}

/// Verbs that, after a person, say the person failed.
const BLAME_VERBS: &str = r"(?:forgot|forgets|broke|breaks|failed\s+to|fails\s+to|didn't|didn’t|did\s+not|neglected\s+to|missed)";

static PRONOUN_BLAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)\b(?:he|she|they)\s+{BLAME_VERBS}\b"))
        .expect("the pronoun pattern compiles")
});

static FIXED: LazyLock<Vec<(Regex, &'static str, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"(?i)\bhuman[\s-]+errors?\b",
            "\"Human error\" ends the inquiry at a person; the question is what made the error easy to make.",
            "Name the condition: \"the runbook did not say …\", \"nothing checked … before it ran\".",
        ),
        (
            r"(?i)\bshould(?:\s+have|'ve|’ve)\b",
            "\"Should have\" judges a past choice with hindsight the person did not have.",
            "Say what would have helped, as a change to make: \"a check for … would have caught it\".",
        ),
        (
            r"(?i)\bcareless(?:ly|ness)?\b",
            "\"Careless\" describes a person, not what happened.",
            "Describe the circumstances: time pressure, an unclear tool, a missing guard rail.",
        ),
    ]
    .into_iter()
    .map(|(pattern, why, suggestion)| {
        (
            Regex::new(pattern).expect("a fixed pattern compiles"),
            why,
            suggestion,
        )
    })
    .collect()
});

const PERSON_WHY: &str =
    "It names a person as the cause; people act sensibly on what the system shows them.";
const PERSON_SUGGESTION: &str = "Say what the system allowed: \"the deploy had no check for …\", \"nothing reminded anyone to …\".";

/// The findings in `markdown`, line by line. `names` are the people's names and ids the
/// team uses (from `[[people]]` and the users): one of them followed by "forgot", "broke",
/// "failed to", "didn't"… is flagged, as is "he", "she" or "they" so followed. Code blocks and
/// inline code are not read.
pub fn check(markdown: &str, names: &[String]) -> Vec<Finding> {
    let named = name_pattern(names);
    let mut findings = Vec::new();
    let mut fenced = false;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let prose = without_inline_code(line);
        let mut found = |start: usize, end: usize, why: &str, suggestion: &str| {
            findings.push((
                start,
                Finding {
                    line: index + 1,
                    phrase: prose[start..end].to_owned(),
                    why: why.to_owned(),
                    suggestion: suggestion.to_owned(),
                },
            ));
        };
        for person in [Some(&*PRONOUN_BLAME), named.as_ref()]
            .into_iter()
            .flatten()
        {
            for hit in person.find_iter(&prose) {
                found(hit.start(), hit.end(), PERSON_WHY, PERSON_SUGGESTION);
            }
        }
        for (pattern, why, suggestion) in FIXED.iter() {
            for hit in pattern.find_iter(&prose) {
                found(hit.start(), hit.end(), why, suggestion);
            }
        }
        // In the order they read, whichever rule found them.
        let line_findings = findings
            .iter()
            .rposition(|(_, f)| f.line != index + 1)
            .map_or(0, |at| at + 1);
        findings[line_findings..].sort_by_key(|(start, _)| *start);
    }
    findings.into_iter().map(|(_, finding)| finding).collect()
}

/// `names` followed by a blaming verb, as whole words; `None` when there are no names.
fn name_pattern(names: &[String]) -> Option<Regex> {
    let mut escaped: Vec<String> = names
        .iter()
        .map(|name| name.trim())
        .filter(|name| name.chars().count() >= 2)
        .map(regex::escape)
        .collect();
    if escaped.is_empty() {
        return None;
    }
    // Longest first, so "Mina Park" wins over "Mina".
    escaped.sort_by_key(|name| std::cmp::Reverse(name.len()));
    escaped.dedup();
    Regex::new(&format!(
        r"(?i)\b(?:{})(?:'s)?\s+{BLAME_VERBS}\b",
        escaped.join("|")
    ))
    .ok()
}

/// The line with `inline code` blanked out (same length, so offsets stay).
fn without_inline_code(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(' ');
        } else if in_code {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, the phrases flagged), blameful and harmless alike.
    const TABLE: &[(&str, &[&str])] = &[
        (
            "Andrew forgot to renew the certificate.",
            &["Andrew forgot"],
        ),
        ("andrew forgot to renew it", &["andrew forgot"]),
        ("Mina broke the build with a bad merge.", &["Mina broke"]),
        (
            "Gyeongjun failed to notice the alert.",
            &["Gyeongjun failed to"],
        ),
        (
            "Mina Park didn't check the dashboard.",
            &["Mina Park didn't"],
        ),
        (
            "Andrew did not run the migration first.",
            &["Andrew did not"],
        ),
        (
            "Andrew's neglected to mention it",
            &["Andrew's neglected to"],
        ),
        ("He forgot the feature flag.", &["He forgot"]),
        ("she broke production on Friday", &["she broke"]),
        ("They didn't page anyone.", &["They didn't"]),
        ("they failed to roll back", &["they failed to"]),
        ("The root cause was human error.", &["human error"]),
        ("Human-error during the deploy", &["Human-error"]),
        ("We should have tested it.", &["should have"]),
        ("The on-call should've escalated.", &["should've"]),
        ("A careless change to the config.", &["careless"]),
        ("It was done carelessly.", &["carelessly"]),
        ("carelessness with secrets", &["carelessness"]),
        (
            "Andrew forgot the flag and it was human error.",
            &["Andrew forgot", "human error"],
        ),
        // Harmless: systems fail, people are named for what they did.
        ("The deploy failed to start.", &[]),
        ("Postgres failed to accept connections.", &[]),
        ("The job broke when the disk filled.", &[]),
        ("Andrew rolled back the deploy at 14:02.", &[]),
        ("Mina noticed the alert and paged Gyeongjun.", &[]),
        ("The runbook had no step for renewing certificates.", &[]),
        ("The alert didn't fire because the rule was muted.", &[]),
        (
            "A check for expiring certificates would have caught it.",
            &[],
        ),
        ("Nothing reminded anyone to rotate the key.", &[]),
        ("The shoulder of the graph shows the spike.", &[]),
        ("Andrewson forgot nothing", &[]),
        ("Run `andrew forgot` to see the bug", &[]),
        ("They deployed the fix; they monitored it.", &[]),
        ("The team forgot nothing: the checklist covered it.", &[]),
        ("she investigated, he rolled back", &[]),
    ];

    #[test]
    fn the_table_of_phrases_is_flagged_as_written() {
        let names = ["andrew", "Andrew", "Mina Park", "Mina", "Gyeongjun"].map(String::from);
        assert!(TABLE.len() >= 30);
        for (text, expected) in TABLE {
            let phrases: Vec<String> = check(text, &names).into_iter().map(|f| f.phrase).collect();
            assert_eq!(phrases, *expected, "{text}");
        }
    }

    #[test]
    fn findings_carry_their_line_and_code_blocks_are_not_read() {
        let markdown = "# Summary\n\nAndrew forgot the flag.\n\n```\nhe forgot = true\n```\n\nWe should have known.\n";
        let findings = check(markdown, &["Andrew".into()]);
        let lines: Vec<(usize, &str)> = findings
            .iter()
            .map(|f| (f.line, f.phrase.as_str()))
            .collect();
        assert_eq!(lines, [(3, "Andrew forgot"), (9, "should have")]);
        assert!(findings[0].suggestion.contains("the system allowed"));
        assert!(!findings[1].why.is_empty());
    }
}
