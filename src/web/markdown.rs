//! Markdown as the pages show it: post-mortems are written by people and drafted from what
//! senders wrote (titles, commit messages), so nothing in them may run in a reader's browser.
//! CommonMark and tables are rendered; raw HTML, block or inline, is shown as the text it is;
//! a link or image keeps its address only when it is a web, mail or relative one.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

/// The HTML for `markdown`, safe to put in a page as it is.
pub fn to_html(markdown: &str) -> String {
    // Whether each open link and image was kept, so its end is kept or dropped with it. Links
    // do not nest, but an image may sit in a link and a link in an image's description.
    let mut links_kept: Vec<bool> = Vec::new();
    let mut images_kept: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).filter_map(|event| {
        match event {
            Event::Html(text) | Event::InlineHtml(text) => Some(Event::Text(text)),
            // A block of raw HTML reads as a paragraph of its text.
            Event::Start(Tag::HtmlBlock) => Some(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => Some(Event::End(TagEnd::Paragraph)),
            // A dropped link leaves its text; a dropped image its description, as text.
            Event::Start(Tag::Link { ref dest_url, .. }) => {
                let kept = allowed_address(dest_url);
                links_kept.push(kept);
                kept.then_some(event)
            }
            Event::End(TagEnd::Link) => links_kept.pop().unwrap_or(false).then_some(event),
            Event::Start(Tag::Image { ref dest_url, .. }) => {
                let kept = allowed_address(dest_url);
                images_kept.push(kept);
                kept.then_some(event)
            }
            Event::End(TagEnd::Image) => images_kept.pop().unwrap_or(false).then_some(event),
            other => Some(other),
        }
    });
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 2);
    html::push_html(&mut out, events);
    out
}

/// An `http`, `https` or `mailto` address, or one without a scheme (relative, or an email
/// autolink, which the renderer prefixes with `mailto:`). The scheme is read as a browser
/// reads it, after dropping the whitespace and control characters browsers ignore, so
/// `java\tscript:` is refused like `javascript:`.
fn allowed_address(address: &str) -> bool {
    let cleaned: String = address
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    match cleaned.find([':', '/', '?', '#']) {
        Some(at) if cleaned[at..].starts_with(':') => matches!(
            cleaned[..at].to_ascii_lowercase().as_str(),
            "http" | "https" | "mailto"
        ),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tag in `html`: its text between `<` and `>`. The renderer escapes every `<` of
    /// text, so each one left starts a tag.
    fn tags(html: &str) -> Vec<&str> {
        html.split('<')
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or(rest))
            .collect()
    }

    /// Renders `markdown` and checks that nothing in it can run: only the elements Markdown
    /// makes, no event handler, and no address but web, mail and relative ones.
    fn check(markdown: &str) -> String {
        const ELEMENTS: &[&str] = &[
            "p",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "em",
            "strong",
            "code",
            "pre",
            "blockquote",
            "ul",
            "ol",
            "li",
            "a",
            "img",
            "hr",
            "br",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
        ];
        let html = to_html(markdown);
        for tag in tags(&html) {
            let name = tag
                .trim_start_matches('/')
                .split([' ', '/'])
                .next()
                .unwrap_or_default();
            assert!(
                ELEMENTS.contains(&name),
                "<{tag}> from {markdown:?}: {html}"
            );
            // Values are double-quoted with their own quotes escaped: splitting at quotes
            // leaves names and values taking turns.
            let parts: Vec<String> = tag.split('"').map(str::to_ascii_lowercase).collect();
            for (index, outside) in parts.iter().enumerate().step_by(2) {
                assert!(!outside.contains(" on"), "a handler in <{tag}>: {html}");
                if outside.ends_with("href=") || outside.ends_with("src=") {
                    let value = &parts[index + 1];
                    assert!(allowed_address(value), "{value} in <{tag}>: {html}");
                    assert!(
                        !value.starts_with("javascript:") && !value.starts_with("data:"),
                        "{value}"
                    );
                }
            }
        }
        html
    }

    #[test]
    fn markdown_and_tables_render() {
        let html = check(
            "# Summary\n\nThe *pool* was **capped** at `2`.\n\n| When | What |\n|---|---|\n| 01:00 | fired |\n\n- one\n- two\n",
        );
        assert!(html.contains("<h1>Summary</h1>"), "{html}");
        assert!(html.contains("<em>pool</em>") && html.contains("<strong>capped</strong>"));
        assert!(html.contains("<code>2</code>"));
        assert!(
            html.contains("<table>") && html.contains("<td>fired</td>"),
            "{html}"
        );
        assert!(html.contains("<li>two</li>"));
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = check("<script>alert(1)</script>\n");
        assert_eq!(html, "<p>&lt;script&gt;alert(1)&lt;/script&gt;\n</p>\n");
        let html = check("Before <img src=x onerror=alert(1)> after\n");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        let html = check("<a href=\"javascript:alert(1)\">click</a>\n");
        assert!(html.contains("&lt;a href="), "{html}");
        let html = check("<div onclick=\"alert(1)\">\n\n*x*\n\n</div>\n");
        assert!(html.contains("&lt;div onclick="), "{html}");
        assert!(html.contains("&lt;/div&gt;"), "{html}");
        check("<!-- a comment --><iframe src=\"https://evil.example\"></iframe>\n");
        check("<svg><script>alert(1)</script></svg>\n");
        check("<style>body{display:none}</style>\n");
        check("| a | b |\n|---|---|\n| <script>alert(1)</script> | <b onmouseover=x>y</b> |\n");
        // In code, as code.
        let html = check("```html\n<script>alert(1)</script>\n```\n\n`<b>`\n");
        assert!(html.contains("&lt;script&gt;") && html.contains("<code>&lt;b&gt;</code>"));
    }

    #[test]
    fn entities_stay_text() {
        let html = check("&lt;script&gt;alert(1)&lt;/script&gt; &#60;img src=x onerror=y&#62;\n");
        assert_eq!(
            html,
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=y&gt;</p>\n"
        );
        // The draft escapes what senders wrote: it reads as they wrote it.
        assert_eq!(
            check("Retry &lt;fast path>\n"),
            "<p>Retry &lt;fast path&gt;</p>\n"
        );
    }

    #[test]
    fn only_web_mail_and_relative_addresses_are_kept() {
        for markdown in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](&#106;avascript:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "[x](file:///etc/passwd)",
        ] {
            let html = check(markdown);
            assert!(!html.contains("<a"), "{markdown}: {html}");
            assert!(html.contains('x'), "the text stays: {html}");
        }
        let html = check("<javascript:alert(1)>");
        assert_eq!(html, "<p>javascript:alert(1)</p>\n");
        let html = check("![chart](data:image/svg+xml;base64,PHN2Zz4=)");
        assert_eq!(
            html, "<p>chart</p>\n",
            "a dropped image leaves its description"
        );
        let html = check("[![x](javascript:1)](https://ok.example)");
        assert_eq!(html, "<p><a href=\"https://ok.example\">x</a></p>\n");

        let html = check(
            "[runbook](https://wiki.example/runbook) [mail](mailto:sre@example.com) [page](/incidents/1) [up](../x) <https://status.example> <sre@example.com> ![g](/assets/g.png)",
        );
        for kept in [
            "href=\"https://wiki.example/runbook\"",
            "href=\"mailto:sre@example.com\"",
            "href=\"/incidents/1\"",
            "href=\"../x\"",
            "href=\"https://status.example\"",
            "src=\"/assets/g.png\"",
        ] {
            assert!(html.contains(kept), "{kept}: {html}");
        }
        assert_eq!(html.matches("mailto:sre@example.com").count(), 2, "{html}");
    }

    #[test]
    fn titles_cannot_break_out_of_their_attribute() {
        let html = check("[x](https://ok.example \"a\\\" onmouseover=\\\"alert(1)\")");
        assert!(
            html.contains("title=\"a&quot; onmouseover=&quot;alert(1)\""),
            "{html}"
        );
    }
}
