//! `[postmortems]`: the draft's template and the tracker action items are filed in. Config
//! only: the draft and the tracker's client read it, never the other way.

use serde::Deserialize;

use crate::core::problem::Problems;
use crate::i18n::Locale;

/// The built-in draft template, `src/postmortems/postmortem.md.j2`.
pub const DEFAULT_TEMPLATE: &str = include_str!("../postmortems/postmortem.md.j2");

/// The built-in template in Korean, for `[server] locale = "ko"`.
pub const DEFAULT_TEMPLATE_KO: &str = include_str!("../postmortems/postmortem.ko.md.j2");

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostmortemsConfig {
    /// A Markdown file with Jinja syntax that drafts are made from instead of the built-in one
    /// (start from `src/postmortems/postmortem.md.j2`, which names its variables).
    pub template: Option<String>,
    /// Where action items become issues, when set.
    pub tracker: Option<TrackerConfig>,
}

impl PostmortemsConfig {
    /// The template's text: the file's, or the built-in one in `locale`.
    pub fn template_source(&self, locale: Locale) -> Result<String, String> {
        match (&self.template, locale) {
            (Some(path), _) => std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read the template {path}: {error}")),
            (None, Locale::Ko) => Ok(DEFAULT_TEMPLATE_KO.to_owned()),
            (None, Locale::En) => Ok(DEFAULT_TEMPLATE.to_owned()),
        }
    }

    pub fn validate(&self, problems: &mut Problems) {
        if let Some(tracker) = &self.tracker {
            tracker.validate(problems);
        }
        if self.template.is_none() {
            return;
        }
        match self.template_source(Locale::En) {
            Ok(source) => {
                if let Err(error) = crate::integrations::outbound::template::check(&source) {
                    problems.error("postmortems.template".into(), error);
                }
            }
            Err(error) => problems.error("postmortems.template".into(), error),
        }
    }
}

/// `[postmortems.tracker]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TrackerConfig {
    Github {
        /// `owner/name`.
        repository: String,
        token: String,
        /// The API's root; GitHub Enterprise's `https://HOST/api/v3`.
        #[serde(default = "github_api")]
        api_url: String,
        #[serde(default)]
        labels: Vec<String>,
    },
    Gitlab {
        /// The project's path (`group/name`) or numeric id.
        project: String,
        token: String,
        #[serde(default = "gitlab_api")]
        api_url: String,
        #[serde(default)]
        labels: Vec<String>,
    },
    Jira {
        /// The site, e.g. `https://acme.atlassian.net`.
        url: String,
        /// The project key, e.g. `OPS`.
        project: String,
        email: String,
        api_token: String,
        #[serde(default = "jira_issue_type")]
        issue_type: String,
    },
}

fn github_api() -> String {
    "https://api.github.com".into()
}

fn gitlab_api() -> String {
    "https://gitlab.com".into()
}

fn jira_issue_type() -> String {
    "Task".into()
}

impl TrackerConfig {
    pub fn validate(&self, problems: &mut Problems) {
        let (key, url) = match self {
            TrackerConfig::Github { api_url, .. } => ("api_url", api_url),
            TrackerConfig::Gitlab { api_url, .. } => ("api_url", api_url),
            TrackerConfig::Jira { url, .. } => ("url", url),
        };
        if !crate::core::problem::is_http_url(url) {
            problems.error(
                format!("postmortems.tracker.{key}"),
                format!("\"{url}\" is not an http(s) URL"),
            );
        }
    }
}
