//! The audit log's chain: each entry's SHA-256 covers its own fields and the hash of the entry
//! before it, so changing or deleting an entry (or the last one) shows. What is hashed is the
//! entry as stored (its before and after as their stored JSON text), so checking needs no
//! canonical form of JSON.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// The hash the first entry's `prev_hash` holds.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where a person made a change from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The web UI, signed in.
    Ui,
    /// A page's acknowledge link (`/a/{token}`), no sign-in.
    Link,
    /// A chat app's button, command or dialog.
    Chat,
    /// A phone: a key pressed on a call, or an SMS reply.
    Phone,
    /// The JSON API with a token.
    Api,
    /// The command line on the server itself (or through the API, saying so).
    Cli,
    /// Firewatch itself on a person's behalf (a config reload by signal).
    System,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::Ui,
        Channel::Link,
        Channel::Chat,
        Channel::Phone,
        Channel::Api,
        Channel::Cli,
        Channel::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Ui => "ui",
            Channel::Link => "link",
            Channel::Chat => "chat",
            Channel::Phone => "phone",
            Channel::Api => "api",
            Channel::Cli => "cli",
            Channel::System => "system",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|channel| channel.as_str() == text)
            .ok_or_else(|| format!("unknown channel \"{text}\""))
    }
}

/// Who acted and from where: what every audited operation is handed. `by` is how records
/// already name people (`user:ana`, `api:deploy-bot`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub by: String,
    pub channel: Channel,
}

impl Actor {
    pub fn new(by: impl Into<String>, channel: Channel) -> Actor {
        Actor {
            by: by.into(),
            channel,
        }
    }

    /// A signed-in web UI user.
    pub fn user(name: &str, channel: Channel) -> Actor {
        Actor::new(format!("user:{name}"), channel)
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.by)
    }
}

/// An entry's fields as stored, which the hash covers.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: &'a str,
    pub channel: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// SHA-256 (hex) of `prev_hash` and `fields`, each length-prefixed so no two different
/// entries hash the same bytes.
pub fn hash(prev_hash: &str, fields: &Fields<'_>) -> String {
    let mut digest = Sha256::new();
    let mut part = |text: Option<&str>| match text {
        Some(text) => {
            digest.update((text.len() as u64).to_be_bytes());
            digest.update(text.as_bytes());
        }
        // Distinct from every text, the empty one included.
        None => digest.update(u64::MAX.to_be_bytes()),
    };
    part(Some("firewatch-audit-v1"));
    part(Some(prev_hash));
    part(Some(&fields.seq.to_string()));
    part(Some(&fields.at_ms.to_string()));
    part(Some(fields.actor));
    part(Some(fields.channel));
    part(Some(fields.action));
    part(Some(fields.target));
    part(fields.before);
    part(fields.after);
    hex::encode(digest.finalize())
}

/// Where the chain stands while it is walked in order.
#[derive(Debug, Clone)]
pub struct Walk {
    seq: i64,
    hash: String,
}

impl Default for Walk {
    fn default() -> Self {
        Walk {
            seq: 0,
            hash: GENESIS.to_owned(),
        }
    }
}

/// Why the chain does not hold at an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The first entry that does not check out (for a missing tail: the first one missing).
    pub seq: i64,
    pub why: String,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entry {}: {}", self.seq, self.why)
    }
}

impl Walk {
    /// Checks the next entry as stored (its `prev_hash` and `hash` columns).
    pub fn next(&mut self, fields: &Fields<'_>, prev_hash: &str, hash: &str) -> Result<(), Broken> {
        let broken = |why: String| Broken {
            seq: fields.seq,
            why,
        };
        if fields.seq != self.seq + 1 {
            return Err(Broken {
                seq: self.seq + 1,
                why: format!(
                    "it is missing (the entry after {} is {})",
                    self.seq, fields.seq
                ),
            });
        }
        if prev_hash != self.hash {
            return Err(broken(
                "its link to the entry before does not match that entry's hash (the entry before was changed, or one was removed)".into(),
            ));
        }
        if self::hash(prev_hash, fields) != hash {
            return Err(broken(
                "its contents do not match its hash (it was changed after it was written)".into(),
            ));
        }
        self.seq = fields.seq;
        self.hash = hash.to_owned();
        Ok(())
    }

    /// After the last entry: the chain's head (what the store keeps beside it) must be the
    /// last entry, else entries at the end were removed.
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<i64, Broken> {
        if head_seq != self.seq || head_hash != self.hash {
            return Err(Broken {
                seq: self.seq + 1,
                why: format!(
                    "the log ends at entry {} but {} were written (entries at the end were removed, or the head was changed)",
                    self.seq, head_seq
                ),
            });
        }
        Ok(self.seq)
    }

    pub fn seq(&self) -> i64 {
        self.seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, actor: &str) -> Fields<'_> {
        Fields {
            seq,
            at_ms: 1_000 * seq,
            actor,
            channel: "ui",
            action: "silence.create",
            target: "sil_1",
            before: None,
            after: Some("{\"comment\":\"x\"}"),
        }
    }

    fn chain(actors: &[&str]) -> Vec<(String, String)> {
        let mut prev = GENESIS.to_owned();
        let mut out = Vec::new();
        for (index, actor) in actors.iter().enumerate() {
            let hash = hash(&prev, &entry(index as i64 + 1, actor));
            out.push((prev.clone(), hash.clone()));
            prev = hash;
        }
        out
    }

    #[test]
    fn a_whole_chain_holds_and_each_change_is_named() {
        let actors = ["user:ana", "user:mina", "api:bot"];
        let links = chain(&actors);
        let mut walk = Walk::default();
        for (index, (prev, hash)) in links.iter().enumerate() {
            walk.next(&entry(index as i64 + 1, actors[index]), prev, hash)
                .unwrap();
        }
        assert_eq!(walk.finish(3, &links[2].1), Ok(3));

        // Entry 2 edited: its own hash no longer matches.
        let mut walk = Walk::default();
        walk.next(&entry(1, actors[0]), &links[0].0, &links[0].1)
            .unwrap();
        let broken = walk
            .next(&entry(2, "user:mallory"), &links[1].0, &links[1].1)
            .unwrap_err();
        assert_eq!(broken.seq, 2);

        // Entry 2 deleted: 3 is next and names 2 as missing.
        let mut walk = Walk::default();
        walk.next(&entry(1, actors[0]), &links[0].0, &links[0].1)
            .unwrap();
        let broken = walk
            .next(&entry(3, actors[2]), &links[2].0, &links[2].1)
            .unwrap_err();
        assert_eq!(broken.seq, 2);

        // The last entry deleted: the head says 3 were written.
        let mut walk = Walk::default();
        for (index, (prev, hash)) in links.iter().take(2).enumerate() {
            walk.next(&entry(index as i64 + 1, actors[index]), prev, hash)
                .unwrap();
        }
        assert_eq!(walk.finish(3, &links[2].1).unwrap_err().seq, 3);
    }

    #[test]
    fn an_absent_value_and_an_empty_one_hash_apart() {
        let mut with_empty = entry(1, "user:ana");
        with_empty.before = Some("");
        assert_ne!(
            hash(GENESIS, &entry(1, "user:ana")),
            hash(GENESIS, &with_empty)
        );
        assert_eq!(
            hash(GENESIS, &entry(1, "user:ana")),
            hash(GENESIS, &entry(1, "user:ana"))
        );
    }

    #[test]
    fn channels_read_back() {
        for channel in Channel::ALL {
            assert_eq!(channel.as_str().parse::<Channel>(), Ok(channel));
        }
        assert!("fax".parse::<Channel>().is_err());
    }
}
