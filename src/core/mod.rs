//! Decisions as plain data in, plain data out: routing, retry policy, signatures, scopes.
//! Nothing here does I/O or reads the clock; time and randomness come in as arguments.

pub mod alert;
pub mod audit;
pub mod bands;
pub mod blameless;
pub mod check;
pub mod digest;
pub mod dora;
pub mod forge;
pub mod forge_state;
pub mod grouping;
pub mod heartbeat;
pub mod incident;
pub mod inhibit;
pub mod noise;
pub mod oncall;
pub mod operations;
pub mod pipeline;
pub mod pr_command;
pub mod problem;
pub mod retention;
pub mod retry;
pub mod review_rule;
pub mod role;
pub mod routing;
pub mod scope;
pub mod signing;
pub mod silence;
pub mod stats;
pub mod status;
pub mod tickets;
pub mod time_interval;
pub mod window;
pub mod words;

#[cfg(test)]
mod tests {
    /// `core` stays plain decisions: no file's non-test code names the async runtime, the database,
    /// the HTTP client or server, the file system, the network or the wall clock.
    #[test]
    fn core_does_no_io() {
        const BANNED: &[&str] = &[
            "tokio",
            "sqlx",
            "reqwest",
            "axum",
            "hyper",
            "lettre",
            "std::fs",
            "std::net",
            "SystemTime",
        ];
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
        let mut files = 0;
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|extension| extension != "rs") {
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            // Tests may use what they like.
            let code_part = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (number, line) in code_part.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for banned in BANNED {
                    let named = code.match_indices(banned).any(|(at, _)| {
                        let before = code[..at].chars().next_back();
                        let after = code[at + banned.len()..].chars().next();
                        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    });
                    assert!(
                        !named,
                        "{}:{}: core names {banned}: {line}",
                        path.display(),
                        number + 1
                    );
                }
            }
        }
        assert!(files > 10, "read the core files");
    }

    /// The dependency order of ARCHITECTURE.md, bottom first. A unit (a folder under `src/`,
    /// or a file directly in it) may name only units of the entries before its own; the units
    /// of one entry name none of each other. So no two folders import each other, the storage
    /// layer and `integrations` name no domain, and a domain names no domain after it. A new
    /// folder fails the test until it is given its place here and there.
    const LAYERS: &[(&str, &[&str])] = &[
        ("bottom", &["core", "clock"]),
        ("bottom", &["i18n"]),
        ("storage", &["store"]),
        ("platform", &["integrations"]),
        ("platform", &["config"]),
        ("platform", &["telemetry"]),
        ("platform", &["intake"]),
        ("platform", &["context"]),
        ("domains", &["accounts"]),
        ("domains", &["changes"]),
        ("domains", &["incidents"]),
        ("domains", &["alerts"]),
        ("domains", &["checks"]),
        ("domains", &["oncall"]),
        ("domains", &["postmortems"]),
        ("domains", &["statuspage"]),
        ("domains", &["metrics"]),
        ("domains", &["forge"]),
        ("adapters", &["state"]),
        ("adapters", &["runner"]),
        ("adapters", &["http", "web", "mail"]),
        ("top", &["app"]),
        ("top", &["demo"]),
        ("top", &["import"]),
        ("top", &["cli"]),
        ("top", &["main", "lib"]),
    ];

    /// The units a piece of code names through `crate::`: `crate::a::b` names `a`, and
    /// `crate::{a::b, c}` names `a` and `c`.
    fn named_units(code: &str) -> Vec<String> {
        let identifier = |text: &str| {
            let end = text
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(text.len());
            text[..end].to_owned()
        };
        let mut names = Vec::new();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 0;
                let mut item_start = true;
                for (index, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => item_start = true,
                        c if item_start && !c.is_whitespace() => {
                            item_start = false;
                            names.push(identifier(&group[index..]));
                        }
                        _ => {}
                    }
                }
            } else {
                names.push(identifier(rest));
            }
        }
        names.retain(|name| !name.is_empty());
        names
    }

    fn position(unit: &str) -> Option<usize> {
        LAYERS.iter().position(|(_, units)| units.contains(&unit))
    }

    fn rust_files(directory: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, files);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }

    /// Every import against the order, as `path:line: unit names unit`.
    fn imports_against_the_order(source: &std::path::Path) -> Vec<String> {
        let mut files = Vec::new();
        rust_files(source, &mut files);
        files.sort();
        assert!(files.len() > 100, "read the source files");
        let mut wrong = Vec::new();
        for path in files {
            let relative = path.strip_prefix(source).unwrap();
            let first = relative.components().next().unwrap().as_os_str();
            let unit = first.to_str().unwrap().trim_end_matches(".rs");
            let Some(own) = position(unit) else {
                wrong.push(format!(
                    "src/{}: {unit} has no place in the dependency order (core/mod.rs LAYERS, ARCHITECTURE.md)",
                    relative.display()
                ));
                continue;
            };
            let text = std::fs::read_to_string(&path).unwrap();
            // Tests may use what they like.
            let code_part = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (number, line) in code_part.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for named in named_units(code) {
                    let named = named.as_str();
                    if named == unit {
                        continue;
                    }
                    match position(named) {
                        Some(theirs) if theirs < own => {}
                        Some(_) => wrong.push(format!(
                            "src/{}:{}: {unit} ({}) names {named}, which is not below it: {}",
                            relative.display(),
                            number + 1,
                            LAYERS[own].0,
                            line.trim()
                        )),
                        None => wrong.push(format!(
                            "src/{}:{}: {unit} names {named}, which has no place in the order",
                            relative.display(),
                            number + 1
                        )),
                    }
                }
            }
        }
        wrong
    }

    #[test]
    fn imports_follow_the_dependency_order() {
        let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let wrong = imports_against_the_order(&source);
        assert!(
            wrong.is_empty(),
            "imports against the order:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn the_order_guard_reads_every_form_of_import() {
        assert_eq!(named_units("use crate::store::Store;"), ["store"]);
        assert_eq!(
            named_units("use crate::{alerts::ops, store::{Store, Timer}, clock};"),
            ["alerts", "store", "clock"]
        );
        assert_eq!(
            named_units("let x = crate::incidents::ops::from_alert(crate::config::X);"),
            ["incidents", "config"]
        );
        // A domain naming one after it, and the storage layer naming a domain, are caught.
        let directory = tempfile::tempdir().unwrap();
        let source = directory.path();
        for (file, text) in [
            (
                "alerts/notices.rs",
                "use crate::postmortems::ops;\nuse crate::store::Store;\n",
            ),
            (
                "store/mod.rs",
                "pub trait Backend: crate::alerts::Thing {}\n",
            ),
            (
                "postmortems/ops.rs",
                "use crate::{alerts::ops, incidents};\n",
            ),
            ("nowhere.rs", "\n"),
        ] {
            let path = source.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        std::fs::create_dir_all(source.join("core")).unwrap();
        for index in 0..100 {
            std::fs::write(source.join(format!("core/f{index}.rs")), "").unwrap();
        }
        let wrong = imports_against_the_order(source);
        assert_eq!(wrong.len(), 3, "{wrong:#?}");
        assert!(
            wrong[0].starts_with("src/alerts/notices.rs:1: alerts (domains) names postmortems")
        );
        assert!(wrong[1].starts_with("src/nowhere.rs: nowhere has no place"));
        assert!(wrong[2].starts_with("src/store/mod.rs:1: store (storage) names alerts"));
    }
}
