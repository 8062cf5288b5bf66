//! The status page's renderings, built from one snapshot and served until an input changes
//! (`Context::status_changed` is marked) or `MAX_AGE` passes (maintenance windows
//! start and end, days turn). A request reads nothing from the database.

use crate::i18n::PerLocale;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use jiff::{SignedDuration, Timestamp};

use crate::clock::SharedClock;
use crate::config::ConfigHandle;
use crate::context::Changed;
use crate::store::{Store, StoreError};

const MAX_AGE: SignedDuration = SignedDuration::from_secs(30);

/// Everything `/status` serves, rendered once; `Bytes`, so a request's copy is a count.
#[derive(Debug)]
pub struct Built {
    pub at: Timestamp,
    /// In each language; the reader's is picked per request.
    pub html: PerLocale<Bytes>,
    pub json: Bytes,
    pub atom: Bytes,
    pub rss: Bytes,
    pub incidents: HashMap<String, PerLocale<Bytes>>,
}

#[derive(Debug)]
pub struct StatusCache {
    current: RwLock<Option<Arc<Built>>>,
    stale: Arc<Changed>,
    /// One rebuild at a time; the others wait for it and serve what it built.
    building: tokio::sync::Mutex<()>,
}

impl StatusCache {
    /// A cache rebuilt on the next request after `stale` is marked.
    pub fn new(stale: Arc<Changed>) -> StatusCache {
        StatusCache {
            current: RwLock::default(),
            stale,
            building: tokio::sync::Mutex::default(),
        }
    }

    fn fresh(&self, now: Timestamp) -> Option<Arc<Built>> {
        if self.stale.is_marked() {
            return None;
        }
        let current = self.current.read().ok()?.clone()?;
        (now.duration_since(current.at) < MAX_AGE && current.at <= now).then_some(current)
    }

    /// The current renderings, rebuilt from the store first when stale. Takes the parts it
    /// reads, not the app's state, which holds this cache.
    pub async fn get(
        &self,
        store: &Store,
        config: &ConfigHandle,
        clock: &SharedClock,
    ) -> Result<Arc<Built>, StoreError> {
        let now = clock.now();
        if let Some(built) = self.fresh(now) {
            return Ok(built);
        }
        let _turn = self.building.lock().await;
        if let Some(built) = self.fresh(clock.now()) {
            return Ok(built);
        }
        // Cleared before reading, so a change during the build marks this build stale.
        self.stale.clear();
        let now = clock.now();
        let config = config.current();
        let snapshot = crate::statuspage::snapshot::build(store, &config, now).await?;
        let built = Arc::new(Built {
            at: now,
            html: PerLocale::build(|locale| {
                crate::statuspage::render::page(&snapshot, locale).into()
            }),
            json: crate::statuspage::render::summary(&snapshot)
                .to_string()
                .into(),
            atom: crate::statuspage::feeds::atom(&snapshot).into(),
            rss: crate::statuspage::feeds::rss(&snapshot).into(),
            incidents: snapshot
                .incidents
                .iter()
                .map(|incident| {
                    let html = PerLocale::build(|locale| {
                        crate::statuspage::render::incident(&snapshot, &incident.id, locale)
                            .map(Bytes::from)
                            .unwrap_or_default()
                    });
                    (incident.id.clone(), html)
                })
                .collect(),
        });
        if let Ok(mut current) = self.current.write() {
            *current = Some(built.clone());
        }
        Ok(built)
    }
}
