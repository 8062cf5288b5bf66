//! Accounts: the people who sign in to the web UI, their sessions, and API tokens.

pub mod audit;
pub mod chat_link;
pub mod oidc;
pub mod sign_in;
pub mod tokens;
pub mod users;
