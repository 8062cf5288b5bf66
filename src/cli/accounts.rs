//! `firewatch token` and `firewatch user`: API tokens and the people who sign in (server side:
//! these open the database themselves).

use super::*;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; prints it once on standard output.
    Create {
        /// A name that says what uses it, e.g. ci-deploys.
        #[arg(long)]
        name: String,
        /// Comma-separated, e.g. events:read,incidents:write,changes:write (admin: all).
        #[arg(long)]
        scopes: String,
        /// The web UI user the token acts as: who approves changes with it.
        #[arg(long)]
        user: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Revoke a token by id.
    Revoke {
        /// The token's id, as `firewatch token list` shows it.
        id: String,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is asked for at the terminal, or read from standard input.
    Add {
        /// The name they sign in with.
        name: String,
        /// viewer (reads), responder (also acts on alerts, incidents, deliveries), admin.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (first line) instead of asking.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Set a user's password (an admin's reset): every session of theirs ends. The password is
    /// asked for at the terminal, or read from standard input.
    Password {
        /// The name they sign in with.
        name: String,
        /// Read the password from standard input (first line) instead of asking.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// List users (never their passwords).
    List {
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every entry's hash and link: exit 0 when the chain holds, 1 naming the first
    /// entry that does not.
    Verify {
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Write the entries as JSON Lines on standard output, oldest first.
    Export {
        /// Only entries at or after this time (RFC 3339).
        #[arg(long)]
        since: Option<jiff::Timestamp>,
        #[command(flatten)]
        server: ServerArgs,
    },
}

pub(super) async fn audit(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify { server } => {
            let store = open_store(&server).await?;
            let result = crate::accounts::audit::verify(&store).await;
            store.close().await;
            let entries = result?;
            println!("the audit log holds: {entries} entries, each hash and link checked");
        }
        AuditCommand::Export { since, server } => {
            let store = open_store(&server).await?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let result = crate::accounts::audit::export(&store, since, &mut out).await;
            store.close().await;
            let count = result?;
            std::io::Write::flush(&mut out)?;
            eprintln!("exported {count} entries");
        }
    }
    Ok(())
}

pub(super) async fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            name,
            scopes,
            user,
            server,
        } => {
            let scopes =
                scope::parse_list(&scopes).map_err(|error| anyhow::anyhow!("--scopes: {error}"))?;
            if name.trim().is_empty() {
                bail!("--name must not be empty");
            }
            let store = open_store(&server).await?;
            let created = crate::accounts::tokens::create(
                &store,
                name.trim(),
                &scopes,
                user.as_deref(),
                &crate::store::accounts::TokenCreator::cli(),
                crate::core::audit::Channel::Cli,
                SystemClock.now(),
            )
            .await?;
            store.close().await;
            eprintln!(
                "Created token {} \"{}\" with scopes {}. It is shown once, below:",
                created.id,
                created.name,
                created.scopes.join(",")
            );
            println!("{}", created.token);
        }
        TokenCommand::List { server } => {
            let store = open_store(&server).await?;
            let tokens = store.list_tokens().await?;
            store.close().await;
            println!("{:<22} {:<20} {:<40} STATE", "ID", "NAME", "SCOPES");
            for token in tokens {
                let state = match token.revoked_at {
                    Some(at) => format!("revoked {}", super::Dates::new(false).at(at)),
                    None => "active".into(),
                };
                println!(
                    "{:<22} {:<20} {:<40} {}",
                    token.id,
                    token.name,
                    token.scopes.join(","),
                    state
                );
            }
        }
        TokenCommand::Revoke { id, server } => {
            let store = open_store(&server).await?;
            let result = crate::accounts::tokens::revoke(
                &store,
                &id,
                &super::cli_actor(),
                SystemClock.now(),
            )
            .await;
            store.close().await;
            match result {
                Ok(()) => println!("revoked {id}"),
                Err(crate::store::StoreError::NotFound) => bail!("no active token with id {id}"),
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok(())
}

pub(super) async fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
            server,
        } => {
            let role: crate::core::role::Role = role
                .parse()
                .map_err(|error| anyhow::anyhow!("--role: {error}"))?;
            let password = read_password(&name, password_stdin)?;
            let store = open_store(&server).await?;
            let result = crate::accounts::users::add(
                &store,
                &name,
                role,
                &password,
                &super::cli_actor(),
                SystemClock.now(),
            )
            .await;
            store.close().await;
            let id = result?;
            println!("added {role} {name} ({id})");
        }
        UserCommand::Password {
            name,
            password_stdin,
            server,
        } => {
            let password = read_password(&name, password_stdin)?;
            let store = open_store(&server).await?;
            let result = crate::accounts::users::reset_password(
                &store,
                &name,
                &password,
                &super::cli_actor(),
                SystemClock.now(),
            )
            .await;
            store.close().await;
            let ended = result?;
            println!("set a new password for {name}; ended {ended} session(s)");
        }
        UserCommand::List { server } => {
            let store = open_store(&server).await?;
            let users = store.list_users().await?;
            store.close().await;
            println!("{:<32} {:<10} STATE", "NAME", "ROLE");
            for user in users {
                let state = if user.disabled_at.is_some() {
                    "disabled"
                } else {
                    "active"
                };
                println!("{:<32} {:<10} {state}", user.name, user.role);
            }
        }
    }
    Ok(())
}

/// A new password: the first line of standard input, or asked for twice at the terminal.
fn read_password(name: &str, from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password(format!("Password for {name}: "))
        .context("cannot ask for a password here; use --password-stdin")?;
    let again = rpassword::prompt_password("Again: ")?;
    if first != again {
        bail!("the passwords differ");
    }
    Ok(first)
}
