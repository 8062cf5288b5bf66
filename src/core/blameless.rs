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

/// Korean verbs that, after a person (and perhaps an object, `롤백을`), say the person
/// failed: 놓쳤다, 잊었다, 깜빡했다, 실수했다, 빠뜨렸다, 망가뜨렸다, …하지 않았다, 안 했다.
const KO_BLAME_VERBS: &str = r"(?:[가-힣]+[을를]\s+)?(?:놓쳐|놓쳤|놓친|잊어|잊었|잊은|깜빡|실수(?:했|해|를)|빠뜨|빠트|망가뜨|망가트|[가-힣]*하지\s*않았|안\s*했)";

/// Korean particles a name or a role takes before such a verb.
const KO_PARTICLES: &str = r"\s?(?:님|씨)?(?:이|가|은|는|께서)?";

/// Korean roles that stand for a person (`담당자가 놓쳐서`), and the pronouns.
static KO_PERSON_BLAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?:담당자|작업자|운영자|개발자|엔지니어|당직자|그녀|그){KO_PARTICLES}\s*{KO_BLAME_VERBS}"
    ))
    .expect("the Korean person pattern compiles")
});

const KO_PERSON_WHY: &str =
    "사람을 원인으로 지목합니다. 사람은 시스템이 보여 준 것에 맞게 합리적으로 행동합니다.";
const KO_PERSON_SUGGESTION: &str = "시스템이 허용한 것을 적으세요: \"배포에 …을 확인하는 단계가 없었다\", \"…을 알려 주는 장치가 없었다\".";

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
        // Korean: the same four ideas in the words Korean reviews use.
        (
            r"실수로",
            "'실수로'는 원인을 한 사람의 실수로 끝내 버립니다. 물어야 할 것은 무엇이 그 실수를 쉽게 만들었는가입니다.",
            "조건을 적으세요: \"런북에 …이 없었다\", \"실행 전에 …을 확인하는 장치가 없었다\".",
        ),
        (
            r"휴먼\s*에러|인적\s*(?:오류|실수|과실)|사람의\s*실수",
            "'휴먼 에러'는 조사를 사람에서 멈추게 합니다. 물어야 할 것은 무엇이 그 오류를 쉽게 만들었는가입니다.",
            "조건을 적으세요: \"런북에 …이 없었다\", \"실행 전에 …을 확인하는 장치가 없었다\".",
        ),
        (
            r"[가-힣]*(?:었|았|했)어야\s*했[가-힣]*",
            "'…했어야 했다'는 당시에 없던 사후 지식으로 지난 선택을 판단합니다.",
            "도움이 되었을 것을 바꿀 일로 적으세요: \"…을 확인하는 검사가 있었다면 잡았을 것이다\".",
        ),
        (
            r"부주의[가-힣]*|안일[가-힣]*",
            "'부주의'는 일어난 일이 아니라 사람을 묘사합니다.",
            "상황을 적으세요: 시간 압박, 헷갈리는 도구, 빠진 안전장치.",
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
    let korean_named = korean_name_pattern(names);
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
        for person in [Some(&*KO_PERSON_BLAME), korean_named.as_ref()]
            .into_iter()
            .flatten()
        {
            for hit in person.find_iter(&prose) {
                found(hit.start(), hit.end(), KO_PERSON_WHY, KO_PERSON_SUGGESTION);
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

/// `names` as a regex alternation, longest first (so "Mina Park" wins over "Mina");
/// `None` when there are none long enough to mean a person.
fn names_alternation(names: &[String]) -> Option<String> {
    let mut escaped: Vec<String> = names
        .iter()
        .map(|name| name.trim())
        .filter(|name| name.chars().count() >= 2)
        .map(regex::escape)
        .collect();
    if escaped.is_empty() {
        return None;
    }
    escaped.sort_by_key(|name| std::cmp::Reverse(name.len()));
    escaped.dedup();
    Some(escaped.join("|"))
}

/// `names` followed by a blaming verb, as whole words; `None` when there are no names.
fn name_pattern(names: &[String]) -> Option<Regex> {
    let names = names_alternation(names)?;
    Regex::new(&format!(r"(?i)\b(?:{names})(?:'s)?\s+{BLAME_VERBS}\b")).ok()
}

/// `names` followed by a Korean particle and a blaming verb (`민지가 놓쳐서`); Korean writes
/// the particle onto the name, so only the name's start is a word boundary.
fn korean_name_pattern(names: &[String]) -> Option<Regex> {
    let names = names_alternation(names)?;
    Regex::new(&format!(
        r"(?i)\b(?:{names}){KO_PARTICLES}\s*{KO_BLAME_VERBS}"
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

    /// Korean reviews: blaming phrases and harmless ones that share their words.
    const KOREAN: &[(&str, &[&str])] = &[
        ("담당자가 놓쳐서 인증서가 만료되었다.", &["담당자가 놓쳐"]),
        ("작업자가 실수로 설정을 지웠다.", &["실수로"]),
        ("민지가 잊어서 배포가 늦었다.", &["민지가 잊어"]),
        (
            "박민지 님이 확인하지 않았다.",
            &["박민지 님이 확인하지 않았"],
        ),
        ("민지 님이 깜빡했다.", &["민지 님이 깜빡"]),
        ("원인은 휴먼 에러였다.", &["휴먼 에러"]),
        ("인적 오류로 분류했다.", &["인적 오류"]),
        ("배포 전에 확인했어야 했다.", &["확인했어야 했다"]),
        ("운영자의 부주의로 장애가 났다.", &["부주의로"]),
        ("그가 롤백을 안 했다.", &["그가 롤백을 안 했"]),
        // Harmless.
        ("배포가 실패했다.", &[]),
        ("민지가 알림을 보고 롤백했다.", &[]),
        ("실수를 막는 확인 단계가 없었다.", &[]),
        ("담당자가 알림을 확인했다.", &[]),
        ("알림 규칙이 꺼져 있어서 아무도 호출되지 않았다.", &[]),
        (
            "인증서 만료를 알려 주는 점검이 있었다면 잡았을 것이다.",
            &[],
        ),
    ];

    #[test]
    fn korean_blaming_phrases_are_flagged_in_korean() {
        let names = ["민지", "박민지"].map(String::from);
        for (text, expected) in KOREAN {
            let findings = check(text, &names);
            let phrases: Vec<&str> = findings.iter().map(|f| f.phrase.trim()).collect();
            assert_eq!(phrases, *expected, "{text}");
            for finding in &findings {
                assert!(
                    finding.why.chars().any(|c| ('가'..='힣').contains(&c)),
                    "explained in Korean: {}",
                    finding.why
                );
            }
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
