//! Words of a typed command (`/fw incident declare "Checkout down" SEV2 api`): split at
//! whitespace, with straight or curly double quotes (chat apps turn one into the other)
//! keeping a phrase together.

/// The words of `text`; a quote left open runs to the end.
pub fn split(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in text.chars() {
        match c {
            '"' | '“' | '”' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    words.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            c => {
                current.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn quotes_keep_a_phrase_together_straight_or_curly() {
        assert_eq!(
            split(r#"incident declare "Checkout is down" SEV2 api"#),
            ["incident", "declare", "Checkout is down", "SEV2", "api"]
        );
        assert_eq!(
            split("incident declare “Search is slow”  search"),
            ["incident", "declare", "Search is slow", "search"]
        );
        assert_eq!(split("  ack   #12 "), ["ack", "#12"]);
        assert_eq!(split(r#"note """#), ["note", ""]);
        assert_eq!(
            split(r#"declare "open quote runs on"#),
            ["declare", "open quote runs on"]
        );
        assert!(split("   ").is_empty());
    }
}
