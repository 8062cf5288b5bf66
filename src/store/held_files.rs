//! The SQLite database file and its WAL, opened once per process and held until every store
//! on them has closed, so that syncing them never closes a descriptor.
//!
//! POSIX releases every fcntl lock a process holds on a file when *any* of the process's
//! descriptors of that file is closed. SQLite keeps a shared lock on the database file for as
//! long as a connection is open; it is how another process's closing connection learns it is
//! not the last user. Opening and closing the file to fsync it dropped that lock, so the next
//! CLI command to close its connection believed it was alone, checkpointed and deleted the WAL
//! that the server went on writing into (SQLite's "How To Corrupt An SQLite Database File",
//! §2.2). Every store in the process on the same file shares one `HeldFiles`; the descriptors
//! are closed only after the last of those stores has closed its connections, and are kept
//! open (leaked) if one was dropped without closing, since its connections may still be open.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::IntoRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// A file by its identity on disk, so two paths to one file share their descriptors.
type FileId = (u64, u64);

fn registry() -> &'static Mutex<HashMap<FileId, Weak<HeldFiles>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<FileId, Weak<HeldFiles>>>> = OnceLock::new();
    REGISTRY.get_or_init(Mutex::default)
}

#[derive(Debug)]
pub struct HeldFiles {
    database: Option<File>,
    wal_path: PathBuf,
    /// The WAL the syncs fsync, and WALs found replaced since (kept, not closed: see `sync_wal`).
    wal: Mutex<(Option<File>, Vec<File>)>,
    /// Stores that have opened these files and not yet closed their connections.
    open_stores: AtomicUsize,
}

impl HeldFiles {
    /// The process's descriptors of the database at `database`, opened by the first store
    /// and shared by later ones. Call once the store's first connection is open, so the WAL
    /// exists; call `release` once the store's connections are closed.
    pub fn acquire(database: &Path) -> std::io::Result<Arc<HeldFiles>> {
        let file_id = |metadata: std::fs::Metadata| (metadata.dev(), metadata.ino());
        // Under the registry lock, so two stores opening at once cannot both open the files.
        let mut registry = registry()
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let id = file_id(std::fs::metadata(database)?);
        if let Some(held) = registry.get(&id).and_then(Weak::upgrade) {
            held.open_stores.fetch_add(1, Ordering::AcqRel);
            return Ok(held);
        }
        let wal_path = PathBuf::from(format!("{}-wal", database.display()));
        let held = Arc::new(HeldFiles {
            database: Some(File::open(database)?),
            wal: Mutex::new((Some(File::open(&wal_path)?), Vec::new())),
            wal_path,
            open_stores: AtomicUsize::new(1),
        });
        registry.retain(|_, held| held.strong_count() > 0);
        registry.insert(id, Arc::downgrade(&held));
        Ok(held)
    }

    /// Called by a store once its connections are closed.
    pub fn release(&self) {
        self.open_stores.fetch_sub(1, Ordering::AcqRel);
    }

    /// fsyncs the WAL: every transaction written to it before the call is on disk after.
    pub fn sync_wal(&self) -> std::io::Result<()> {
        let mut wal = self.wal.lock().unwrap_or_else(|poison| poison.into_inner());
        // A stat does not open the file, so it releases nothing.
        let on_disk = match std::fs::metadata(&self.wal_path) {
            Ok(metadata) => Some((metadata.dev(), metadata.ino())),
            // A WAL is removed only after it was checkpointed into the database file, which
            // was synced then.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(error),
        };
        let held = wal.0.as_ref().map(File::metadata).transpose()?;
        let held_id = held.map(|metadata| (metadata.dev(), metadata.ino()));
        if let Some(on_disk) = on_disk {
            if held_id != Some(on_disk) {
                // SQLite removes the WAL only when its last connection closes, which the
                // store's pools never let happen while they are open; whoever replaced it, the
                // commits are now in the new one. The old descriptor stays open: closing it is
                // what this module never does while connections may be open.
                tracing::warn!(wal = %self.wal_path.display(), "the WAL file was replaced; syncing the new one");
                let replaced = wal.0.replace(File::open(&self.wal_path)?);
                wal.1.extend(replaced);
            }
        }
        match (&wal.0, on_disk) {
            (Some(file), Some(_)) => file.sync_data(),
            _ => Ok(()),
        }
    }

    /// fsyncs the database file.
    pub fn sync_database(&self) -> std::io::Result<()> {
        match &self.database {
            Some(file) => file.sync_data(),
            None => Ok(()),
        }
    }
}

impl Drop for HeldFiles {
    fn drop(&mut self) {
        if self.open_stores.load(Ordering::Acquire) == 0 {
            return; // Every store closed its connections: closing these releases nothing.
        }
        // A store was dropped without `close`: its connections close on their own threads,
        // perhaps after this. Keep the descriptors open for the rest of the process instead.
        let wal = self
            .wal
            .get_mut()
            .unwrap_or_else(|poison| poison.into_inner());
        for file in self
            .database
            .take()
            .into_iter()
            .chain(wal.0.take())
            .chain(wal.1.drain(..))
        {
            let _ = file.into_raw_fd();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_on_one_file_share_its_descriptors_and_close_them_after_the_last() {
        let directory = tempfile::tempdir().unwrap();
        let database = directory.path().join("fw.db");
        std::fs::write(&database, b"").unwrap();
        std::fs::write(directory.path().join("fw.db-wal"), b"").unwrap();
        let first = HeldFiles::acquire(&database).unwrap();
        // Another path to the same file.
        let second = HeldFiles::acquire(&directory.path().join(".").join("fw.db")).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        first.release();
        drop(first);
        assert_eq!(second.open_stores.load(Ordering::Acquire), 1);
        second.sync_wal().unwrap();
        second.sync_database().unwrap();
        second.release();
        drop(second);
        // All released and dropped: the next store opens afresh.
        let third = HeldFiles::acquire(&database).unwrap();
        assert_eq!(third.open_stores.load(Ordering::Acquire), 1);
        third.release();
    }

    #[test]
    fn a_replaced_wal_is_the_one_synced_and_a_removed_one_needs_no_sync() {
        let directory = tempfile::tempdir().unwrap();
        let database = directory.path().join("fw.db");
        let wal = directory.path().join("fw.db-wal");
        std::fs::write(&database, b"").unwrap();
        std::fs::write(&wal, b"old").unwrap();
        let held = HeldFiles::acquire(&database).unwrap();
        std::fs::remove_file(&wal).unwrap();
        held.sync_wal().unwrap();
        std::fs::write(&wal, b"new").unwrap();
        held.sync_wal().unwrap();
        let current = std::fs::metadata(&wal).unwrap().ino();
        let guard = held.wal.lock().unwrap();
        assert_eq!(guard.0.as_ref().unwrap().metadata().unwrap().ino(), current);
        assert_eq!(guard.1.len(), 1, "the old descriptor is kept, not closed");
        drop(guard);
        held.release();
    }
}
