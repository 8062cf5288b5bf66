//! Commands in a pull/merge request's comments: `/test [JOB…|all]`, `/retest`, and the phrases
//! `test this please` / `retest this please` that Jenkins' pull request builder made a habit.
//! A command counts only on a line of its own outside quotes and code, so quoting someone's
//! `/test` or showing it in a code block starts nothing.

/// What a comment asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Every CI target of the repository.
    All,
    /// The named targets only, as written (`/test lint unit`).
    Targets(Vec<String>),
}

/// The command a comment carries, if any: the first one wins.
pub fn parse(body: &str) -> Option<Command> {
    let mut fenced = false;
    for line in body.lines() {
        let line = line.trim();
        if line.starts_with("```") || line.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced || line.starts_with('>') {
            continue;
        }
        if let Some(command) = slash_command(line) {
            return Some(command);
        }
        if phrase(line) {
            return Some(Command::All);
        }
    }
    None
}

fn slash_command(line: &str) -> Option<Command> {
    let mut words = line.split_whitespace();
    match words.next()? {
        "/retest" => Some(Command::All),
        "/test" => {
            let names: Vec<String> = words
                .map_while(|word| {
                    let word = word.trim_end_matches([',', '.']);
                    (!word.is_empty() && word.chars().all(is_name_char)).then(|| word.to_owned())
                })
                .collect();
            if names.is_empty() || names.iter().any(|name| name == "all") {
                Some(Command::All)
            } else {
                Some(Command::Targets(names))
            }
        }
        _ => None,
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')
}

/// `test this please` or `retest this please`, in any case and spacing, as the line's words
/// (a mention before it, such as `@jenkins`, and punctuation after are allowed).
fn phrase(line: &str) -> bool {
    let words: Vec<String> = line
        .split(|c: char| !c.is_alphanumeric() && c != '@')
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    let words: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .skip_while(|word| word.starts_with('@'))
        .collect();
    matches!(
        words.as_slice(),
        ["test" | "retest", "this", "please"] | ["please", "test" | "retest", "this"]
    )
}

/// Whether GitHub's `author_association` trusts a commenter: the repository's owner, a member
/// of its organization, or an invited collaborator. `CONTRIBUTOR` (merged before) and
/// `FIRST_TIME_CONTRIBUTOR` are not: a pull request from a fork runs code in the CI.
pub fn trusted_association(association: &str) -> bool {
    matches!(association, "OWNER" | "MEMBER" | "COLLABORATOR")
}

/// GitLab's access level for Developer: the least that can push, so the least trusted.
pub const GITLAB_DEVELOPER: u64 = 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_phrases_are_read_on_a_line_of_their_own() {
        for (body, expected) in [
            ("/test", Some(Command::All)),
            ("/test all", Some(Command::All)),
            ("/retest", Some(Command::All)),
            (
                "/test lint unit-tests",
                Some(Command::Targets(vec!["lint".into(), "unit-tests".into()])),
            ),
            (
                "Looks flaky.\n/test unit",
                Some(Command::Targets(vec!["unit".into()])),
            ),
            ("test this please", Some(Command::All)),
            ("Retest this, please!", Some(Command::All)),
            ("@jenkins retest this please.", Some(Command::All)),
            ("Please retest this", Some(Command::All)),
            ("TEST THIS PLEASE", Some(Command::All)),
            ("> /test\nquoted only", None),
            ("```\n/test\n```", None),
            ("I ran /test locally", None),
            ("/testing", None),
            ("can you test this please and then merge", None),
            ("", None),
        ] {
            assert_eq!(parse(body), expected, "{body:?}");
        }
    }

    #[test]
    fn only_owners_members_and_collaborators_are_trusted() {
        for (association, trusted) in [
            ("OWNER", true),
            ("MEMBER", true),
            ("COLLABORATOR", true),
            ("CONTRIBUTOR", false),
            ("FIRST_TIME_CONTRIBUTOR", false),
            ("NONE", false),
        ] {
            assert_eq!(trusted_association(association), trusted, "{association}");
        }
    }
}
