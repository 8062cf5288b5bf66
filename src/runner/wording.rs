//! The default wording of every event a destination is sent, one line per domain that words
//! its own events; anything else reads as a generic event.

use crate::i18n::Locale;
use crate::integrations::outbound::EventMessage;
use crate::integrations::outbound::message::{self, Message};

/// What a chat app's message about `event` is about, and whether `event` updates the message
/// already posted about it in place (see `alerts::notices::chat_subject`).
pub fn chat_subject(event: &EventMessage) -> Option<(String, bool)> {
    crate::alerts::notices::chat_subject(event)
        .or_else(|| crate::changes::notices::chat_subject(event))
        .or_else(|| crate::incidents::notices::chat_subject(event))
}

/// The buttons a chat app's message about `event` carries.
pub fn chat_buttons(
    event: &EventMessage,
    locale: Locale,
) -> Vec<crate::integrations::outbound::Button> {
    // Each domain answers for its own kind of event and nothing else.
    let mut buttons = crate::alerts::notices::chat_buttons(event, locale);
    buttons.extend(crate::changes::notices::chat_buttons(event, locale));
    buttons.extend(crate::incidents::notices::chat_buttons(event, locale));
    buttons.extend(crate::oncall::notices::chat_buttons(event, locale));
    buttons
}

/// How `event` reads in `locale`.
pub fn default_message(event: &EventMessage, locale: Locale) -> Message {
    crate::alerts::notices::message(event, locale)
        .or_else(|| crate::forge::notices::message(event, locale))
        .or_else(|| crate::forge::compliance::message(event, locale))
        .or_else(|| crate::oncall::notices::message(event, locale))
        .or_else(|| crate::incidents::notices::message(event, locale))
        .or_else(|| crate::postmortems::notices::message(event, locale))
        .or_else(|| crate::changes::notices::message(event, locale))
        .or_else(|| crate::metrics::weekly::message(event, locale))
        .unwrap_or_else(|| message::generic(event, locale))
}
