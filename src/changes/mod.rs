//! Change announcements: a change told in chat before the work starts, and, when it needs
//! one, approved or rejected by someone other than the person who announced it (the
//! two-person rule), so a pipeline can wait on the answer.

pub mod notices;
pub mod ops;
