//! Reading the file: `${VAR}` expansion.

use std::path::{Path, PathBuf};

use super::{ConfigError, DEFAULT_CONFIG_FILE, Problem};

/// Replaces `${VAR}` in every string with the variable's value; `$${` stands for a literal `${`.
/// The config file's path and text: `path`, or `firewatch.toml` in the working directory when
/// no path is given and that file exists (`None`: the defaults apply). A path given explicitly
/// must exist.
pub(super) fn read_file(path: Option<&Path>) -> Result<Option<(PathBuf, String)>, ConfigError> {
    let file = match path {
        Some(path) => Some(path.to_path_buf()),
        None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists()),
    };
    let Some(file) = file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&file).map_err(|error| ConfigError {
        file: Some(file.clone()),
        problems: vec![Problem {
            path: String::new(),
            message: format!("cannot read the file: {error}"),
        }],
    })?;
    Ok(Some((file, text)))
}

pub(super) fn expand_env(
    value: &mut toml::Value,
    path: &mut String,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<Problem>,
) {
    match value {
        toml::Value::String(text) => match expand_string(text, env) {
            Ok(expanded) => *text = expanded,
            Err(message) => problems.push(Problem {
                path: path.clone(),
                message,
            }),
        },
        toml::Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                let length = path.len();
                path.push_str(&format!("[{index}]"));
                expand_env(item, path, env, problems);
                path.truncate(length);
            }
        }
        toml::Value::Table(table) => {
            for (key, item) in table.iter_mut() {
                let length = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                expand_env(item, path, env, problems);
                path.truncate(length);
            }
        }
        _ => {}
    }
}

pub(super) fn expand_string(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        if let Some(escaped) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = escaped;
        } else if let Some(reference) = after.strip_prefix("${") {
            let Some(end) = reference.find('}') else {
                return Err("\"${\" has no closing \"}\"".into());
            };
            let name = &reference[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("\"${{{name}}}\" is not a valid variable name"));
            }
            match env(name) {
                Some(value) => out.push_str(&value),
                None => return Err(format!("environment variable {name} is not set")),
            }
            rest = &reference[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}
