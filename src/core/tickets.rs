//! Ticket keys such as `CCC-1580` (seed 001: a key in every pull request title), found
//! word-bounded so `XCCC-1580` or `CCC-1580a` are not keys, and linked to the tracker.

use std::ops::Range;

/// Where each key in `text` is: uppercase project (a letter, then letters or digits), a dash,
/// digits. With `projects` given, only those prefixes count.
pub fn find_keys(text: &str, projects: &[String]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut found = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let start = index;
        let at_boundary = start == 0 || !is_word(bytes[start - 1]);
        if !(at_boundary && bytes[start].is_ascii_uppercase()) {
            index += 1;
            continue;
        }
        let mut end = start + 1;
        while end < bytes.len() && (bytes[end].is_ascii_uppercase() || bytes[end].is_ascii_digit())
        {
            end += 1;
        }
        let project_end = end;
        if end < bytes.len() && bytes[end] == b'-' {
            let digits_start = end + 1;
            let mut digits_end = digits_start;
            while digits_end < bytes.len() && bytes[digits_end].is_ascii_digit() {
                digits_end += 1;
            }
            let bounded = digits_end == bytes.len() || !is_word(bytes[digits_end]);
            let project = &text[start..project_end];
            let wanted = projects.is_empty() || projects.iter().any(|p| p == project);
            if digits_end > digits_start && bounded && wanted {
                found.push(start..digits_end);
                index = digits_end;
                continue;
            }
        }
        index = end;
    }
    found
}

/// The tracker link for a key: `{key}` in the template is replaced.
pub fn link(template: &str, key: &str) -> String {
    template.replace("{key}", key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str, projects: &[&str]) -> Vec<String> {
        let projects: Vec<String> = projects.iter().map(|p| p.to_string()).collect();
        find_keys(text, &projects)
            .into_iter()
            .map(|r| text[r].to_owned())
            .collect()
    }

    #[test]
    fn finds_word_bounded_keys() {
        assert_eq!(
            keys("CCC-1580 Retry (ABC-12), see OPS2-7.", &[]),
            ["CCC-1580", "ABC-12", "OPS2-7"]
        );
        assert_eq!(
            keys("XCCC-1580a CCC-1580a aCCC-1 CCC- -12 ccc-12", &[]),
            Vec::<String>::new()
        );
        assert_eq!(keys("UTF-8 and CCC-1580", &["CCC"]), ["CCC-1580"]);
        assert_eq!(keys("é CCC-1 ü", &[]), ["CCC-1"]);
        assert_eq!(
            link("https://jira.example.com/browse/{key}", "CCC-1"),
            "https://jira.example.com/browse/CCC-1"
        );
    }
}
