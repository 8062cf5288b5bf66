//! What the Markdown chat destinations (`mattermost`, `discord`, `dooray`, `teams`) share: their
//! spans, backslash escaping of plain text, link targets that cannot close a `(url)` early, and
//! cutting to a platform's limit. Cuts fall between spans or whole lines, never inside markup, and lines
//! that do not fit are counted in a final "…and N more".

use super::message::{Line, Span};

/// Counts what Mattermost limits: characters (Go runes).
pub fn chars(text: &str) -> usize {
    text.chars().count()
}

/// Counts what Discord limits: UTF-16 code units, which is never fewer than characters.
pub fn utf16(text: &str) -> usize {
    text.encode_utf16().count()
}

/// The line that stands for lines left out.
pub fn more(count: usize, locale: crate::i18n::Locale) -> String {
    locale.text_with("chat-more", &[("count", count.into())])
}

/// Which characters a platform's Markdown gives meaning to.
pub struct Syntax {
    /// Escaped wherever they appear.
    pub special: &'static [char],
    /// Escaped where a line starts: list, heading and quote markers there. `'.'` stands for
    /// the `.` or `)` after a number (`1.`, `1)`).
    pub line_start: &'static [char],
    /// What a line break in the text becomes.
    pub newline: &'static str,
}

/// Context lines shown on one line, separated by " · ".
pub fn join<'a>(lines: impl IntoIterator<Item = &'a Line>) -> Line {
    let mut joined = Line::new();
    for (index, line) in lines.into_iter().enumerate() {
        if index > 0 {
            joined.push(Span::Text(" · ".into()));
        }
        joined.extend(line.iter().cloned());
    }
    joined
}

/// Backslash-escapes plain text for `syntax`. An escape is harmless where it was not needed,
/// so a span's own start counts as a line start.
pub fn escape(text: &str, syntax: &Syntax) -> String {
    let mut escaped = String::with_capacity(text.len() + text.len() / 8);
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            escaped.push_str(syntax.newline);
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        let marker = line_start_marker(line, syntax.line_start);
        for (position, character) in line.char_indices() {
            if syntax.special.contains(&character) || Some(position) == marker {
                escaped.push('\\');
            }
            escaped.push(character);
        }
    }
    escaped
}

/// The byte position of the character that makes a line's start mean something.
fn line_start_marker(line: &str, markers: &[char]) -> Option<usize> {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    match line[digits..].chars().next() {
        Some('.' | ')') if digits > 0 && markers.contains(&'.') => Some(digits),
        Some(first) if digits == 0 && markers.contains(&first) => Some(0),
        _ => None,
    }
}

/// A link target that cannot end the `(url)` early or break across lines.
pub fn link_url(url: &str) -> String {
    let mut encoded = String::with_capacity(url.len());
    for character in url.chars() {
        match character {
            '(' | ')' | '<' | '>' | '\\' | ' ' => {
                encoded.push_str(&format!("%{:02X}", character as u32))
            }
            character if character.is_whitespace() || character.is_control() => {
                let mut bytes = [0_u8; 4];
                for byte in character.encode_utf8(&mut bytes).bytes() {
                    encoded.push_str(&format!("%{byte:02X}"));
                }
            }
            character => encoded.push(character),
        }
    }
    encoded
}

/// A span in the Markdown Mattermost, Discord and Dooray! share: `**bold**`, `` `code` ``,
/// `[text](url)`, plain text through the platform's `escape`, a mention as written. Mentions
/// inside code do not notify, and Markdown there is literal.
pub fn span(span: &Span, escape: impl Fn(&str) -> String + Copy) -> String {
    match span {
        Span::Text(text) => escape(text),
        Span::Bold(text) => wrap_trimmed(text, "**", escape),
        Span::Code(text) if text.trim().is_empty() => escape(text),
        Span::Code(text) => format!("`{}`", text.replace('`', "'").replace('\n', " ")),
        Span::Mention(text) => text.clone(),
        Span::Link { text, url } => format!("[{}]({})", escape(text), link_url(url)),
    }
}

/// Bold markers only work hugging text, so whitespace at either end goes outside them.
pub fn wrap_trimmed(text: &str, marker: &str, render: impl Fn(&str) -> String) -> String {
    let inner = text.trim();
    if inner.is_empty() {
        return render(text);
    }
    let start = text.len() - text.trim_start().len();
    let end = start + inner.len();
    format!(
        "{}{marker}{}{marker}{}",
        render(&text[..start]),
        render(inner),
        render(&text[end..])
    )
}

/// Renders `spans` within `max` (as `measure` counts). The span that would cross `max` is
/// shortened to what fits, ending in "…", and the spans after it are left out.
pub fn fit_line(
    spans: &[Span],
    max: usize,
    measure: &dyn Fn(&str) -> usize,
    render: &dyn Fn(&Span) -> String,
) -> String {
    let mut line = String::new();
    let mut used = 0;
    for span in spans {
        let rendered = render(span);
        let length = measure(&rendered);
        if used + length <= max {
            line.push_str(&rendered);
            used += length;
            continue;
        }
        if let Some(shortened) = shorten(span, max - used, measure, render) {
            line.push_str(&shortened);
        }
        break;
    }
    line
}

fn with_text(span: &Span, text: String) -> Span {
    match span {
        Span::Text(_) => Span::Text(text),
        Span::Bold(_) => Span::Bold(text),
        Span::Code(_) => Span::Code(text),
        Span::Mention(_) => Span::Mention(text),
        Span::Link { url, .. } => Span::Link {
            text,
            url: url.clone(),
        },
    }
}

fn span_text(span: &Span) -> &str {
    match span {
        Span::Text(text) | Span::Bold(text) | Span::Code(text) | Span::Mention(text) => text,
        Span::Link { text, .. } => text,
    }
}

/// The longest start of `span`'s text, plus "…", that renders within `room`.
fn shorten(
    span: &Span,
    room: usize,
    measure: &dyn Fn(&str) -> usize,
    render: &dyn Fn(&Span) -> String,
) -> Option<String> {
    let text = span_text(span);
    let attempt = |keep: usize| {
        let mut clipped: String = text.chars().take(keep).collect();
        clipped.push('…');
        render(&with_text(span, clipped))
    };
    if measure(&attempt(0)) > room {
        // A link whose target alone is too long can still show its text.
        return match span {
            Span::Link { text, .. } => shorten(&Span::Text(text.clone()), room, measure, render),
            _ => None,
        };
    }
    // `attempt(low)` fits; the whole text did not, so the answer is below its length.
    let (mut low, mut high) = (0, text.chars().count());
    while low + 1 < high {
        let middle = (low + high) / 2;
        if measure(&attempt(middle)) <= room {
            low = middle;
        } else {
            high = middle;
        }
    }
    Some(attempt(low))
}

/// Renders lines, one per `\n`-separated row, keeping as many whole lines, in order, as fit in
/// `budget` together with a final "…and N more" when some are left out. A first line too
/// long on its own is shortened instead, so something is always shown.
pub fn fit_lines(
    lines: &[Line],
    budget: usize,
    measure: &dyn Fn(&str) -> usize,
    render: &dyn Fn(&Span) -> String,
    locale: crate::i18n::Locale,
) -> Vec<String> {
    let rendered: Vec<String> = lines
        .iter()
        .map(|line| fit_line(line, budget, measure, render))
        .collect();
    let total: usize =
        rendered.iter().map(|line| measure(line)).sum::<usize>() + rendered.len().saturating_sub(1);
    if total <= budget {
        return rendered;
    }
    // The count can only be smaller than all lines, so its line is never longer than this.
    let room = budget.saturating_sub(measure(&more(lines.len(), locale)) + 1);
    let mut kept: Vec<String> = Vec::new();
    let mut used = 0;
    for (line, text) in lines.iter().zip(rendered) {
        let separator = usize::from(!kept.is_empty());
        let length = measure(&text);
        if used + separator + length <= room {
            used += separator + length;
            kept.push(text);
        } else {
            if kept.is_empty() {
                kept.push(fit_line(line, room, measure, render));
            }
            break;
        }
    }
    kept.push(more(lines.len() - kept.len(), locale));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYNTAX: Syntax = Syntax {
        special: &['\\', '*', '_', '[', ']', '(', ')'],
        line_start: &['-', '+', '#', '.'],
        newline: "\n",
    };

    #[test]
    fn escapes_markup_and_line_starts() {
        assert_eq!(
            escape("fix *all* [the] bugs_now", &SYNTAX),
            r"fix \*all\* \[the\] bugs\_now"
        );
        assert_eq!(
            escape("- one\n2. two\n# three\n2024 was", &SYNTAX),
            "\\- one\n2\\. two\n\\# three\n2024 was"
        );
    }

    #[test]
    fn link_targets_cannot_close_early() {
        assert_eq!(
            link_url("https://example.com/a (b)<c>\n"),
            "https://example.com/a%20%28b%29%3Cc%3E%0A"
        );
    }

    #[test]
    fn lines_are_cut_between_spans_and_counted() {
        let render = |span: &Span| match span {
            Span::Bold(text) => format!("**{text}**"),
            other => span_text(other).to_owned(),
        };
        let line = vec![Span::Text("ab ".into()), Span::Bold("cdefgh".into())];
        assert_eq!(fit_line(&line, 9, &chars, &render), "ab **c…**");
        let lines: Vec<Line> = (0..10)
            .map(|n| vec![Span::Text(format!("line {n}"))])
            .collect();
        let fitted = fit_lines(&lines, 40, &chars, &render, crate::i18n::Locale::En);
        assert!(fitted.join("\n").chars().count() <= 40);
        assert_eq!(
            fitted.last().unwrap(),
            &more(10 - (fitted.len() - 1), crate::i18n::Locale::En)
        );
    }
}
