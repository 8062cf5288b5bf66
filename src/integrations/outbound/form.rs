//! A form a chat platform shows over the conversation: Slack's modal (`views.open`) or
//! Mattermost's interactive dialog (`actions/dialogs/open`). What someone enters comes back by
//! field name, read by `submitted_values` (Slack) or as Mattermost's `submission` map.

/// One form: where its submission goes (`callback`), its title and its fields in order.
#[derive(Debug, Clone)]
pub struct Form {
    pub callback: &'static str,
    /// Slack cuts a modal's title at 24 characters. The words are in the asker's language.
    pub title: String,
    pub submit: String,
    /// Slack's close button.
    pub cancel: String,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub enum Field {
    /// One of `options` (`(value, label)`), `initial` chosen at first.
    Choice {
        name: &'static str,
        label: String,
        options: Vec<(String, String)>,
        initial: Option<String>,
    },
    /// Free text, several lines, at most `max` characters.
    Text {
        name: &'static str,
        label: String,
        max: usize,
    },
    /// A yes/no box, unticked at first; its value is `"true"` when ticked.
    Check {
        name: &'static str,
        label: String,
        text: String,
    },
}
