//! `/status/feed.atom` (RFC 4287) and `/status/feed.rss` (RSS 2.0): an entry per public
//! update (and per resolution no public update told), newest first, each linking to its
//! incident's page.

use crate::statuspage::snapshot::Snapshot;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// (incident, update) pairs, newest update first, at most 50. An incident resolved without a
/// public "resolved" update gets one, at its resolution, so a reader does not keep showing the
/// last update's status.
fn entries(
    snapshot: &Snapshot,
) -> Vec<(
    &crate::statuspage::snapshot::PublicIncident,
    crate::statuspage::snapshot::PublicUpdate,
)> {
    let mut all: Vec<_> = snapshot
        .incidents
        .iter()
        .flat_map(|incident| {
            let resolution = incident
                .resolved_at
                .filter(|_| !incident.updates.iter().any(|u| u.status == "resolved"))
                .map(|at| crate::statuspage::snapshot::PublicUpdate {
                    status: "resolved".into(),
                    body: "This incident has been resolved.".into(),
                    at,
                });
            incident
                .updates
                .iter()
                .cloned()
                .chain(resolution)
                .map(move |update| (incident, update))
        })
        .collect();
    all.sort_by_key(|(_, update)| std::cmp::Reverse(update.at));
    all.truncate(50);
    all
}

fn incident_url(snapshot: &Snapshot, id: &str) -> String {
    format!("{}/incidents/{id}", snapshot.page.url.trim_end_matches('/'))
}

pub fn atom(snapshot: &Snapshot) -> String {
    let updated = entries(snapshot)
        .first()
        .map_or(snapshot.built_at, |(_, update)| update.at);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <id>{url}</id>\n  <title>{title}</title>\n  <updated>{updated}</updated>\n  <link rel=\"alternate\" href=\"{url}\"/>\n  <link rel=\"self\" href=\"{url}/feed.atom\"/>\n  <author><name>{title}</name></author>\n",
        url = escape(&snapshot.page.url),
        title = escape(&snapshot.page.title),
        updated = updated,
    );
    for (incident, update) in entries(snapshot) {
        let link = incident_url(snapshot, &incident.id);
        xml.push_str(&format!(
            "  <entry>\n    <id>{link}#{at}</id>\n    <title>{status}: {name}</title>\n    <updated>{at}</updated>\n    <link rel=\"alternate\" href=\"{link}\"/>\n    <content type=\"text\">{body}</content>\n  </entry>\n",
            link = escape(&link),
            at = update.at,
            status = escape(&crate::integrations::outbound::message::capitalize(&update.status)),
            name = escape(&incident.name),
            body = escape(&update.body),
        ));
    }
    xml.push_str("</feed>\n");
    xml
}

pub fn rss(snapshot: &Snapshot) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n  <title>{title}</title>\n  <link>{url}</link>\n  <description>{title}: incidents and their updates</description>\n  <atom:link href=\"{url}/feed.rss\" rel=\"self\" type=\"application/rss+xml\"/>\n  <lastBuildDate>{built}</lastBuildDate>\n",
        url = escape(&snapshot.page.url),
        title = escape(&snapshot.page.title),
        built = snapshot.built_at.strftime("%a, %d %b %Y %H:%M:%S +0000"),
    );
    for (incident, update) in entries(snapshot) {
        let link = incident_url(snapshot, &incident.id);
        xml.push_str(&format!(
            "  <item>\n    <title>{status}: {name}</title>\n    <link>{link}</link>\n    <guid isPermaLink=\"false\">{id}-{at}</guid>\n    <pubDate>{date}</pubDate>\n    <description>{body}</description>\n  </item>\n",
            status = escape(&crate::integrations::outbound::message::capitalize(&update.status)),
            name = escape(&incident.name),
            link = escape(&link),
            id = escape(&incident.id),
            at = update.at.as_millisecond(),
            date = update.at.strftime("%a, %d %b %Y %H:%M:%S +0000"),
            body = escape(&update.body),
        ));
    }
    xml.push_str("</channel>\n</rss>\n");
    xml
}
