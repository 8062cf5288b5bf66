//! `[postmortems]`: the draft's template.

use serde::Deserialize;

use crate::core::problem::Problems;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostmortemsConfig {
    /// A Markdown file with Jinja syntax that drafts are made from instead of the built-in one
    /// (`firewatch postmortem-template` prints it, with its variables).
    pub template: Option<String>,
    /// Where action items become issues, when set.
    pub tracker: Option<crate::postmortems::tracker::TrackerConfig>,
}

impl PostmortemsConfig {
    /// The template's text: the file's, or the built-in one.
    pub fn template_source(&self) -> Result<String, String> {
        match &self.template {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read the template {path}: {error}")),
            None => Ok(crate::postmortems::draft::DEFAULT_TEMPLATE.to_owned()),
        }
    }

    pub fn validate(&self, problems: &mut Problems) {
        if let Some(tracker) = &self.tracker {
            tracker.validate(problems);
        }
        if self.template.is_none() {
            return;
        }
        match self.template_source() {
            Ok(source) => {
                if let Err(error) = crate::integrations::outbound::template::check(&source) {
                    problems.error("postmortems.template".into(), error);
                }
            }
            Err(error) => problems.error("postmortems.template".into(), error),
        }
    }
}
