//! The configuration reference (`docs/configuration.md`) held to the config types: every table
//! and key the config accepts has its row there, and every row names a key the config accepts.
//! The accepted keys are asked of the parser itself: a key it does not know is refused with the
//! list of those it does (every config struct denies unknown fields), so a key added to a type
//! and not to the reference fails this test.

use std::collections::{BTreeMap, BTreeSet};

use super::Config;

const PROBE: &str = "zzz_probe";

/// One table on the way to a nested one: `[key]` or `[[key]]`, with the tag that picks an
/// enum's variant (`kind = "slack"`) when the table is one.
#[derive(Clone)]
struct Step {
    key: String,
    array: bool,
    tag: Option<(String, String)>,
}

enum Answer {
    /// A table with these keys.
    Fields(Vec<String>),
    /// A table whose keys depend on this tag's value.
    Tagged(String),
    /// These values of the tag.
    Variants(Vec<String>),
    /// Not a table.
    Other,
}

/// TOML that opens each table of `path` and puts the probe key in the last.
fn document(path: &[Step], extra: &str) -> String {
    let mut text = String::new();
    for depth in 0..path.len() {
        let name: Vec<&str> = path[..=depth].iter().map(|s| s.key.as_str()).collect();
        let name = name.join(".");
        if path[depth].array {
            text.push_str(&format!("[[{name}]]\n"));
        } else {
            text.push_str(&format!("[{name}]\n"));
        }
        if let Some((tag, value)) = &path[depth].tag {
            text.push_str(&format!("{tag} = \"{value}\"\n"));
        }
    }
    text.push_str(extra);
    text
}

fn names(list: &str) -> Vec<String> {
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn ask(path: &[Step], extra: &str) -> Answer {
    let text = document(path, extra);
    let message = match Config::parse(&text, &|_| Some("x".into())) {
        Ok(_) => return Answer::Other,
        Err(problems) => problems
            .into_iter()
            .map(|p| p.message)
            .collect::<Vec<_>>()
            .join("\n"),
    };
    for (head, answer) in [
        (
            format!("unknown field `{PROBE}`, "),
            Answer::Fields as fn(Vec<String>) -> Answer,
        ),
        (format!("unknown variant `{PROBE}`, "), Answer::Variants),
    ] {
        if let Some(rest) = message.split_once(&head).map(|(_, rest)| rest) {
            let list = rest.lines().next().unwrap_or_default();
            return answer(if list.starts_with("there are no") {
                Vec::new()
            } else {
                names(list)
            });
        }
    }
    if let Some(rest) = message.split_once("missing field `") {
        let tag = rest.1.split('`').next().unwrap_or_default();
        if tag == "kind" {
            return Answer::Tagged(tag.to_owned());
        }
    }
    Answer::Other
}

/// Every table under `path` (itself included), by dotted name, with its keys.
fn walk(path: Vec<Step>, tables: &mut BTreeMap<String, BTreeSet<String>>) -> bool {
    let name = path
        .iter()
        .map(|s| s.key.as_str())
        .collect::<Vec<_>>()
        .join(".");
    match ask(&path, &format!("{PROBE} = 1\n")) {
        Answer::Fields(fields) => {
            tables
                .entry(name)
                .or_default()
                .extend(fields.iter().cloned());
            for field in fields {
                for array in [false, true] {
                    let mut child = path.clone();
                    child.push(Step {
                        key: field.clone(),
                        array,
                        tag: None,
                    });
                    if walk(child, tables) {
                        break;
                    }
                }
            }
            true
        }
        Answer::Tagged(tag) => {
            let mut probe = path.clone();
            let last = probe.len() - 1;
            probe[last].tag = Some((tag.clone(), PROBE.into()));
            let Answer::Variants(variants) = ask(&probe, "") else {
                panic!("{name}: `{tag}` names no variants");
            };
            tables.entry(name).or_default().insert(tag.clone());
            for variant in variants {
                let mut variant_path = path.clone();
                variant_path[last].tag = Some((tag.clone(), variant));
                walk(variant_path, tables);
            }
            true
        }
        Answer::Variants(_) | Answer::Other => false,
    }
}

/// The accepted tables and keys; the root's keys are the top-level tables themselves.
fn accepted() -> BTreeMap<String, BTreeSet<String>> {
    let mut tables = BTreeMap::new();
    walk(Vec::new(), &mut tables);
    tables.remove("");
    tables
}

/// The reference's tables (headings naming `[table]` or `[[table]]`) and keys (a table row
/// whose first cell is `key`).
fn documented(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current = None;
    for line in text.lines() {
        if line.starts_with('#') {
            current = line
                .split('`')
                .nth(1)
                .filter(|name| name.starts_with('['))
                .map(|name| name.trim_matches(|c| c == '[' || c == ']').to_owned());
            if let Some(name) = &current {
                tables.entry(name.clone()).or_default();
            }
        } else if let (Some(table), Some(row)) = (&current, line.strip_prefix("| `")) {
            if let Some((key, _)) = row.split_once('`') {
                tables
                    .entry(table.clone())
                    .or_default()
                    .insert(key.to_owned());
            }
        }
    }
    tables
}

#[test]
fn the_reference_documents_every_key_the_config_accepts_and_no_other() {
    let accepted = accepted();
    assert!(accepted.contains_key("server") && accepted["server"].contains("listen"));
    assert!(accepted.contains_key("people.contacts"));
    assert!(accepted["destinations"].contains("kind"));

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/configuration.md");
    let text = std::fs::read_to_string(path).expect("docs/configuration.md");
    let documented = documented(&text);

    let mut wrong = Vec::new();
    for (table, keys) in &accepted {
        let Some(written) = documented.get(table) else {
            wrong.push(format!("no section for [{table}] (keys: {keys:?})"));
            continue;
        };
        for key in keys.difference(written) {
            wrong.push(format!("[{table}] `{key}` is accepted but not documented"));
        }
        for key in written.difference(keys) {
            wrong.push(format!("[{table}] `{key}` is documented but not accepted"));
        }
    }
    for table in documented.keys().filter(|t| !accepted.contains_key(*t)) {
        wrong.push(format!(
            "[{table}] is documented but is no table of the config"
        ));
    }
    assert!(
        wrong.is_empty(),
        "docs/configuration.md is out of step with the config types:\n{}",
        wrong.join("\n")
    );
}
