//! The delivery loop's config (PRODUCT.md §2.18, §3.2): `[[forges]]` (the forges' APIs
//! Firewatch answers on), `[[pr_commands]]` (who may start which CI from a pull request's
//! comments) and `[[ci_targets]]` (what a command starts).

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use crate::core::problem::{Problems, is_http_url};

/// A forge's REST API, for comments on pull requests, workflow dispatches and members.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgeApiConfig {
    pub kind: ForgeKind,
    /// GitHub's `https://api.github.com` (Enterprise: `https://HOST/api/v3`); GitLab's
    /// instance, `https://gitlab.com`.
    pub api_url: Option<String>,
    pub token: String,
    /// Repository globs this forge answers for; empty means every repository of its kind.
    #[serde(default)]
    pub repos: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForgeKind {
    Github,
    Gitlab,
}

impl ForgeKind {
    /// The integration kind its webhooks come from.
    pub fn source(self) -> &'static str {
        match self {
            ForgeKind::Github => "github",
            ForgeKind::Gitlab => "gitlab",
        }
    }
}

impl ForgeApiConfig {
    pub fn api_url(&self) -> &str {
        let default = match self.kind {
            ForgeKind::Github => "https://api.github.com",
            ForgeKind::Gitlab => "https://gitlab.com",
        };
        self.api_url
            .as_deref()
            .unwrap_or(default)
            .trim_end_matches('/')
    }
}

/// Who may start CI from a pull request's comments, and what they start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrCommandsConfig {
    /// Repository globs (`acme/*`).
    pub repos: Vec<String>,
    #[serde(default)]
    pub trusted: Trusted,
    /// Forge logins trusted besides (a release bot, a contractor).
    #[serde(default)]
    pub allow: Vec<String>,
    /// The `[[ci_targets]]` a command starts: `/test` starts all, `/test NAME` the one.
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trusted {
    /// GitHub's OWNER, MEMBER and COLLABORATOR; GitLab's Developer and above.
    #[default]
    Members,
    /// Only the `allow` list.
    Allowlist,
}

impl PrCommandsConfig {
    /// The targets' names, `target` first.
    pub fn target_names(&self) -> Vec<&str> {
        self.target
            .iter()
            .chain(&self.targets)
            .map(String::as_str)
            .collect()
    }
}

/// What a command starts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiTargetConfig {
    pub name: String,
    pub kind: CiKind,
    /// Jenkins: the job's `…/job/NAME/buildWithParameters`; webhook: where to POST. GitHub
    /// Actions and GitLab take the forge's API from `[[forges]]` unless this is set.
    pub url: Option<String>,
    /// Jenkins: the user whose API token `token` is.
    pub user: Option<String>,
    /// Jenkins: the API token; GitLab: the pipeline trigger token; GitHub Actions: a token
    /// other than the forge's, if needed.
    pub token: Option<String>,
    /// GitHub Actions: the workflow file (`ci.yml`) or id.
    pub workflow: Option<String>,
    /// Webhook: the secret its Standard Webhooks signature is made with.
    pub secret: Option<String>,
    /// What is passed: Jenkins parameters, GitLab variables, GitHub Actions inputs. Values
    /// may hold `{number}`, `{sha}`, `{branch}`, `{repository}` and `{requested_by}`. Jenkins
    /// and GitLab get `PR_NUMBER`, `PR_SHA`, `PR_BRANCH` and `PR_REPOSITORY` unless set;
    /// GitHub Actions gets no inputs unless set (a workflow refuses inputs it does not declare).
    pub parameters: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CiKind {
    Jenkins,
    GithubActions,
    Gitlab,
    Webhook,
}

impl CiKind {
    /// The forge whose API starts it (and whose `[[forges]]` entry it takes by default).
    pub fn forge(self) -> Option<ForgeKind> {
        match self {
            CiKind::GithubActions => Some(ForgeKind::Github),
            CiKind::Gitlab => Some(ForgeKind::Gitlab),
            CiKind::Jenkins | CiKind::Webhook => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CiKind::Jenkins => "jenkins",
            CiKind::GithubActions => "github_actions",
            CiKind::Gitlab => "gitlab",
            CiKind::Webhook => "webhook",
        }
    }
}

impl CiTargetConfig {
    /// Its parameters, the defaults filled in, with the pull request's values put in.
    pub fn parameters_for(&self, values: &[(&str, &str)]) -> BTreeMap<String, String> {
        let template = match (&self.parameters, self.kind) {
            (Some(parameters), _) => parameters.clone(),
            (None, CiKind::GithubActions) => BTreeMap::new(),
            (None, _) => [
                ("PR_NUMBER", "{number}"),
                ("PR_SHA", "{sha}"),
                ("PR_BRANCH", "{branch}"),
                ("PR_REPOSITORY", "{repository}"),
            ]
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
        };
        template
            .into_iter()
            .map(|(name, mut value)| {
                for (key, replacement) in values {
                    value = value.replace(&format!("{{{key}}}"), replacement);
                }
                (name, value)
            })
            .collect()
    }
}

/// Checks the three sections and what they name of each other.
pub fn validate(
    forges: &[ForgeApiConfig],
    commands: &[PrCommandsConfig],
    targets: &[CiTargetConfig],
    problems: &mut Problems,
) {
    for (index, forge) in forges.iter().enumerate() {
        if !is_http_url(forge.api_url()) {
            problems.error(
                format!("forges[{index}].api_url"),
                format!("\"{}\" is not an http(s) URL", forge.api_url()),
            );
        }
        globs(&forge.repos, &format!("forges[{index}]"), problems);
    }
    let mut names = HashSet::new();
    for (index, target) in targets.iter().enumerate() {
        let path = format!("ci_targets[{index}]");
        if !names.insert(target.name.as_str()) {
            problems.error(
                format!("{path}.name"),
                format!("ci target \"{}\" is defined twice", target.name),
            );
        }
        if let Some(url) = &target.url {
            if !is_http_url(url) {
                problems.error(
                    format!("{path}.url"),
                    format!("\"{url}\" is not an http(s) URL"),
                );
            }
        }
        let needs: &[(&str, bool)] = match target.kind {
            CiKind::Jenkins => &[
                ("url", target.url.is_some()),
                ("user", target.user.is_some()),
                ("token", target.token.is_some()),
            ],
            CiKind::GithubActions => &[("workflow", target.workflow.is_some())],
            CiKind::Gitlab => &[("token", target.token.is_some())],
            CiKind::Webhook => &[
                ("url", target.url.is_some()),
                ("secret", target.secret.is_some()),
            ],
        };
        for (key, present) in needs {
            if !present {
                problems.error(
                    format!("{path}.{key}"),
                    format!("a {} target needs {key}", target.kind.as_str()),
                );
            }
        }
        if let Some(kind) = target.kind.forge() {
            if target.url.is_none() && !forges.iter().any(|forge| forge.kind == kind) {
                problems.error(
                    format!("{path}.kind"),
                    format!(
                        "a {} target needs a [[forges]] entry of kind {} (or its own url)",
                        target.kind.as_str(),
                        kind.source()
                    ),
                );
            }
        }
    }
    for (index, command) in commands.iter().enumerate() {
        let path = format!("pr_commands[{index}]");
        globs(&command.repos, &path, problems);
        if command.repos.is_empty() {
            problems.error(format!("{path}.repos"), "names no repository".into());
        }
        if command.target_names().is_empty() {
            problems.error(
                format!("{path}.target"),
                "names no ci target: set target or targets".into(),
            );
        }
        for name in command.target_names() {
            if !names.contains(name) {
                problems.error(
                    format!("{path}.target"),
                    format!("there is no [[ci_targets]] named \"{name}\""),
                );
            }
        }
        if command.trusted == Trusted::Allowlist && command.allow.is_empty() {
            problems.error(
                format!("{path}.allow"),
                "trusted = \"allowlist\" with an empty allow list trusts nobody".into(),
            );
        }
    }
    if !commands.is_empty() && forges.is_empty() {
        problems.warn(
            "pr_commands".into(),
            "no [[forges]] entry: commands are read but Firewatch cannot answer on the pull request"
                .into(),
        );
    }
}

fn globs(patterns: &[String], path: &str, problems: &mut Problems) {
    for (index, pattern) in patterns.iter().enumerate() {
        if let Err(problem) = glob::Pattern::new(pattern) {
            problems.error(
                format!("{path}.repos[{index}]"),
                format!("\"{pattern}\" is not a valid glob: {}", problem.msg),
            );
        }
    }
}

/// Whether `repository` matches one of `patterns` (none means all).
pub fn repo_matches(patterns: &[String], repository: &str) -> bool {
    patterns.is_empty()
        || patterns.iter().any(|pattern| {
            glob::Pattern::new(pattern).is_ok_and(|pattern| pattern.matches(repository))
        })
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn problems(text: &str) -> Vec<String> {
        match Config::parse(text, &|_| None) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn commands_name_targets_that_exist_and_targets_have_what_their_kind_needs() {
        let found = problems(
            r#"
[[pr_commands]]
repos = ["acme/*"]
target = "jenkins-pr"

[[ci_targets]]
name = "jenkins"
kind = "jenkins"
url = "ftp://ci.example.com/job/x/buildWithParameters"

[[ci_targets]]
name = "actions"
kind = "github_actions"
workflow = "ci.yml"
"#,
        );
        assert_eq!(
            found,
            [
                "ci_targets[0].url: \"ftp://ci.example.com/job/x/buildWithParameters\" is not an http(s) URL",
                "ci_targets[0].user: a jenkins target needs user",
                "ci_targets[0].token: a jenkins target needs token",
                "ci_targets[1].kind: a github_actions target needs a [[forges]] entry of kind github (or its own url)",
                "pr_commands[0].target: there is no [[ci_targets]] named \"jenkins-pr\"",
            ]
        );
    }

    #[test]
    fn jira_cloud_needs_its_user_and_keys_are_its_projects_only() {
        let found = problems(
            "[jira]\nurl = \"https://acme.atlassian.net\"\ntoken = \"t\"\nprojects = []\n",
        );
        assert_eq!(
            found,
            [
                "jira.projects: names no project: list the keys whose issues are commented on, such as [\"CCC\"]",
                "jira.user: Jira Cloud needs the account's email as user, with an API token as token",
            ]
        );
        let (config, _) = Config::parse(
            "[jira]\nurl = \"https://jira.acme.example\"\ntoken = \"pat\"\nprojects = [\"CCC\"]\n",
            &|_| None,
        )
        .unwrap();
        let jira = config.jira.unwrap();
        assert_eq!(jira.api(), super::JiraApi::Server);
        assert_eq!(
            jira.keys(["CCC-1580 and OPS-2, CCC-1580", "fix/CCC-77-login"]),
            ["CCC-1580", "CCC-77"]
        );
    }

    #[test]
    fn parameters_have_defaults_per_kind_and_take_the_requests_values() {
        let (config, _) = Config::parse(
            r#"
[[forges]]
kind = "github"
token = "t"

[[ci_targets]]
name = "actions"
kind = "github_actions"
workflow = "ci.yml"

[[ci_targets]]
name = "gitlab"
kind = "gitlab"
url = "https://gitlab.example.com"
token = "trigger"
parameters = { MR = "{repository}!{number}" }
"#,
            &|_| None,
        )
        .unwrap();
        let values = [("number", "7"), ("repository", "acme/api"), ("sha", "abc")];
        assert!(config.ci_targets[0].parameters_for(&values).is_empty());
        assert_eq!(
            config.ci_targets[1]
                .parameters_for(&values)
                .into_iter()
                .collect::<Vec<_>>(),
            [("MR".to_owned(), "acme/api!7".to_owned())]
        );
        assert_eq!(config.forges[0].api_url(), "https://api.github.com");
    }
}

/// `[jira]`: comments on the issues a merged pull request names, when it merges and when it
/// reaches production.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JiraConfig {
    /// The site: `https://acme.atlassian.net`, or a Server/Data Center base URL.
    pub url: String,
    /// Cloud: the account's email, with an API token in `token` (basic auth).
    pub user: Option<String>,
    /// Cloud: an API token; Server/Data Center: a personal access token (bearer).
    pub token: String,
    /// The project keys whose issues are commented on (`CCC` for `CCC-1580`).
    pub projects: Vec<String>,
    #[serde(default = "both_moments")]
    pub comment_on: Vec<JiraMoment>,
    /// `cloud` (REST v3, an ADF body) or `server` (REST v2); by default cloud for
    /// `*.atlassian.net`, server otherwise.
    pub api: Option<JiraApi>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JiraMoment {
    Merged,
    Deployed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JiraApi {
    Cloud,
    Server,
}

fn both_moments() -> Vec<JiraMoment> {
    vec![JiraMoment::Merged, JiraMoment::Deployed]
}

impl JiraConfig {
    pub fn api(&self) -> JiraApi {
        self.api.unwrap_or_else(|| {
            let cloud = url::Url::parse(&self.url)
                .ok()
                .and_then(|url| url.host_str().map(|host| host.ends_with(".atlassian.net")))
                .unwrap_or(false);
            if cloud {
                JiraApi::Cloud
            } else {
                JiraApi::Server
            }
        })
    }

    pub fn comments_on(&self, moment: JiraMoment) -> bool {
        self.comment_on.contains(&moment)
    }

    /// The issue keys of its projects that `texts` name, each once, in order.
    pub fn keys<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for text in texts {
            for range in crate::core::tickets::find_keys(text, &self.projects) {
                let key = text[range].to_owned();
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        keys
    }

    pub fn validate(&self, problems: &mut Problems) {
        if !is_http_url(&self.url) {
            problems.error(
                "jira.url".into(),
                format!("\"{}\" is not an http(s) URL", self.url),
            );
        }
        if self.projects.is_empty() {
            problems.error(
                "jira.projects".into(),
                "names no project: list the keys whose issues are commented on, such as [\"CCC\"]"
                    .into(),
            );
        }
        if self.api() == JiraApi::Cloud && self.user.is_none() {
            problems.error(
                "jira.user".into(),
                "Jira Cloud needs the account's email as user, with an API token as token".into(),
            );
        }
    }
}
