//! Decisions as plain data in, plain data out: routing, retry policy, signatures, scopes.
//! Nothing here does I/O or reads the clock; time and randomness come in as arguments.

pub mod alert;
pub mod blameless;
pub mod check;
pub mod digest;
pub mod dora;
pub mod forge;
pub mod forge_state;
pub mod grouping;
pub mod incident;
pub mod noise;
pub mod oncall;
pub mod operations;
pub mod problem;
pub mod retry;
pub mod role;
pub mod routing;
pub mod scope;
pub mod signing;
pub mod silence;
pub mod stats;
pub mod status;
pub mod tickets;
pub mod window;

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
}
