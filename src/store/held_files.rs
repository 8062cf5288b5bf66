//! The SQLite database file and its WAL, opened once per process and held while any store
//! on them is open, so that syncing them never closes a descriptor.
//!
//! POSIX releases every fcntl lock a process holds on a file when *any* of the process's
//! descriptors of that file is closed. SQLite keeps a shared lock on the database file for as
//! long as a connection is open; it is how another process's closing connection learns it is
//! not the last user. Opening and closing the file to fsync it dropped that lock, so the next
//! CLI command to close its connection believed it was alone, checkpointed and deleted the WAL
//! that the server went on writing into (SQLite's "How To Corrupt An SQLite Database File",
//! §2.2). SQLite's own bookkeeping cannot notice: it counts the lock as held per process and
//! never takes it again while any of its connections is open.
//!
//! So the database descriptor is closed only when SQLite has no descriptor of the file left
//! in the process (checked in /proc/self/fd, since a closed pool's connections can finish
//! closing on their own threads a little later, and SQLite keeps a closed connection's
//! descriptor for reuse while another connection holds a lock). Until then the held files
//! stay in the registry and the next store on the file takes them over. SQLite takes no lock
//! on the WAL, so its descriptor is let go with the last store's release (its last connection
//! deleted the file) and swapped whenever the file at the WAL's path is not the one held.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// A file by its identity on disk, so two paths to one file share their descriptors.
type FileId = (u64, u64);

/// Every database file some store of this process has opened and not yet let go of.
fn registry() -> &'static Mutex<HashMap<FileId, Arc<HeldFiles>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<FileId, Arc<HeldFiles>>>> = OnceLock::new();
    REGISTRY.get_or_init(Mutex::default)
}

/// Held by a store from before its first connection opens until after its last closes, so
/// a store closing never checks for SQLite's descriptors while another store of the process
/// is opening its connections (whose locks the close would then drop).
pub async fn opening_or_closing() -> tokio::sync::MutexGuard<'static, ()> {
    static GATE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    GATE.lock().await
}

#[derive(Debug)]
pub struct HeldFiles {
    id: FileId,
    wal_path: PathBuf,
    /// `None` once closed: after that nothing is synced through this value.
    files: Mutex<Option<Open>>,
    /// Stores that have opened these files and not yet closed their connections. Read and
    /// changed only under the registry's lock.
    open_stores: Mutex<usize>,
}

#[derive(Debug)]
struct Open {
    database: File,
    /// The WAL the syncs fsync; `None` while there is no WAL file.
    wal: Option<File>,
}

impl Open {
    fn descriptors(&self) -> Vec<RawFd> {
        let wal = self.wal.as_ref().map(File::as_raw_fd);
        std::iter::once(self.database.as_raw_fd())
            .chain(wal)
            .collect()
    }

    /// Holds the file now at the WAL's path, if it is not the one held.
    fn follow_wal(&mut self, wal_path: &Path) -> std::io::Result<()> {
        let on_disk = match std::fs::metadata(wal_path) {
            Ok(metadata) => Some((metadata.dev(), metadata.ino())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(error),
        };
        let held = match &self.wal {
            Some(file) => {
                let metadata = file.metadata()?;
                Some((metadata.dev(), metadata.ino()))
            }
            None => None,
        };
        if on_disk != held {
            self.wal = match on_disk {
                Some(_) => Some(File::open(wal_path)?),
                None => None,
            };
        }
        Ok(())
    }
}

impl HeldFiles {
    /// The process's descriptors of the database at `database`, opened by the first store
    /// and shared by later ones. Call once the store's first connection is open, so the WAL
    /// exists; call `release` once the store's connections are closed. Both under
    /// `opening_or_closing`.
    pub fn acquire(database: &Path) -> std::io::Result<Arc<HeldFiles>> {
        // Under the registry lock, so two stores opening at once cannot both open the files.
        let mut registry = lock(registry());
        let metadata = std::fs::metadata(database)?;
        let id = (metadata.dev(), metadata.ino());
        let wal_path = PathBuf::from(format!("{}-wal", database.display()));
        if let Some(held) = registry.get(&id) {
            let mut files = lock(&held.files);
            if let Some(open) = files.as_mut() {
                // The last store to close may have deleted the WAL and this one made anew.
                open.follow_wal(&wal_path)?;
                drop(files);
                *lock(&held.open_stores) += 1;
                return Ok(held.clone());
            }
        }
        // The WAL first: if the database cannot be opened, closing the WAL releases nothing.
        let wal = File::open(&wal_path)?;
        let database = File::open(database)?;
        let held = Arc::new(HeldFiles {
            id,
            wal_path,
            files: Mutex::new(Some(Open {
                database,
                wal: Some(wal),
            })),
            open_stores: Mutex::new(1),
        });
        registry.insert(id, held.clone());
        Ok(held)
    }

    /// Called by a store once its connections are closed. The files are closed with the
    /// last store's release if SQLite has none of its own descriptors of the file left, or
    /// by a later release (of any file) once it has none; until then a store opening the
    /// file takes them over.
    pub fn release(&self) {
        let mut registry = lock(registry());
        {
            let mut open_stores = lock(&self.open_stores);
            *open_stores = open_stores.saturating_sub(1);
        }
        // Files of stores closed earlier whose connections had not finished closing then.
        registry.retain(|_, held| !held.close_if_unused());
    }

    /// Closes the files when no store has them open and SQLite holds no descriptor of the
    /// database file in this process. Returns whether they are closed.
    fn close_if_unused(&self) -> bool {
        if *lock(&self.open_stores) > 0 {
            return false;
        }
        let mut files = lock(&self.files);
        let Some(open) = files.as_mut() else {
            return true;
        };
        // The WAL goes at once: SQLite locks nothing on it, and the last connection to close
        // deleted it, so holding it would hold a file no one writes.
        open.wal = None;
        if sqlite_holds(self.id, &open.descriptors()) {
            return false;
        }
        // Nothing of SQLite's is open on the file here, so no lock of its can be dropped.
        files.take();
        true
    }

    /// fsyncs the WAL: every transaction written to it before the call is on disk after.
    pub fn sync_wal(&self) -> std::io::Result<()> {
        let mut files = lock(&self.files);
        let Some(open) = files.as_mut() else {
            return Ok(()); // Closed: no store writes through these files any more.
        };
        // SQLite removes the WAL only when its last connection closes, which the store's
        // pools never let happen while they are open; whoever replaced it, the commits are
        // now in the new one. A removed WAL was checkpointed into the database file, which
        // was synced then. A stat does not open the file, so it releases nothing.
        let before = open.wal.as_ref().map(File::as_raw_fd);
        open.follow_wal(&self.wal_path)?;
        if before.is_some() && open.wal.as_ref().map(File::as_raw_fd) != before {
            tracing::warn!(wal = %self.wal_path.display(), "the WAL file was replaced; syncing the new one");
        }
        match &open.wal {
            Some(wal) => wal.sync_data(),
            None => Ok(()),
        }
    }

    /// fsyncs the database file.
    pub fn sync_database(&self) -> std::io::Result<()> {
        match lock(&self.files).as_ref() {
            Some(open) => open.database.sync_data(),
            None => Ok(()),
        }
    }
}

/// Whether a descriptor of the file `id` other than `ours` is open in this process (one of
/// SQLite's). Where /proc cannot be read, assumes so: the files then stay open.
fn sqlite_holds(id: FileId, ours: &[RawFd]) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return true;
    };
    entries.flatten().any(|entry| {
        let fd: Option<RawFd> = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse().ok());
        match fd {
            Some(fd) if !ours.contains(&fd) => std::fs::metadata(entry.path())
                .is_ok_and(|metadata| (metadata.dev(), metadata.ino()) == id),
            _ => false,
        }
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(directory: &Path) -> PathBuf {
        let database = directory.join("fw.db");
        std::fs::write(&database, b"").unwrap();
        std::fs::write(directory.join("fw.db-wal"), b"").unwrap();
        database
    }

    fn is_open(held: &HeldFiles) -> bool {
        lock(&held.files).is_some()
    }

    fn registered(held: &Arc<HeldFiles>) -> bool {
        lock(registry())
            .get(&held.id)
            .is_some_and(|entry| Arc::ptr_eq(entry, held))
    }

    #[test]
    fn stores_on_one_file_share_its_descriptors_and_close_them_after_the_last() {
        let directory = tempfile::tempdir().unwrap();
        let database = files(directory.path());
        let first = HeldFiles::acquire(&database).unwrap();
        // Another path to the same file.
        let second = HeldFiles::acquire(&directory.path().join(".").join("fw.db")).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        first.release();
        assert!(is_open(&second));
        second.sync_wal().unwrap();
        second.sync_database().unwrap();
        // Nothing else has the file open: the last release closes the descriptors at once,
        // and a store opened while the released value is still alive (`store = connect(..)`
        // drops the old store after) opens its own.
        second.release();
        assert!(!is_open(&second));
        assert!(!registered(&second));
        let third = HeldFiles::acquire(&database).unwrap();
        assert!(!Arc::ptr_eq(&second, &third));
        third.release();
    }

    #[test]
    fn files_another_descriptor_holds_stay_open_and_the_next_store_takes_them_over() {
        let directory = tempfile::tempdir().unwrap();
        let database = files(directory.path());
        let wal = directory.path().join("fw.db-wal");
        let held = HeldFiles::acquire(&database).unwrap();
        // As a closed connection's descriptor SQLite has not closed yet.
        let sqlite = File::open(&database).unwrap();
        held.release();
        assert!(is_open(&held), "closing now would drop SQLite's locks");
        assert!(
            lock(&held.files).as_ref().unwrap().wal.is_none(),
            "the WAL is let go"
        );
        assert!(registered(&held));
        // The WAL was deleted by the last connection and made anew by the next.
        std::fs::remove_file(&wal).unwrap();
        std::fs::write(&wal, b"new").unwrap();
        let next = HeldFiles::acquire(&database).unwrap();
        assert!(Arc::ptr_eq(&held, &next));
        let current = std::fs::metadata(&wal).unwrap().ino();
        let wal_held = lock(&next.files)
            .as_ref()
            .unwrap()
            .wal
            .as_ref()
            .unwrap()
            .metadata();
        assert_eq!(wal_held.unwrap().ino(), current, "the new WAL is held");
        drop(sqlite);
        next.release();
        assert!(!is_open(&next));
    }

    #[test]
    fn a_replaced_wal_is_the_one_synced_and_a_removed_one_needs_no_sync() {
        let directory = tempfile::tempdir().unwrap();
        let database = files(directory.path());
        let wal = directory.path().join("fw.db-wal");
        let held = HeldFiles::acquire(&database).unwrap();
        std::fs::remove_file(&wal).unwrap();
        held.sync_wal().unwrap();
        std::fs::write(&wal, b"new").unwrap();
        held.sync_wal().unwrap();
        let current = std::fs::metadata(&wal).unwrap().ino();
        let guard = lock(&held.files);
        let wal_held = guard.as_ref().unwrap().wal.as_ref().unwrap().metadata();
        assert_eq!(wal_held.unwrap().ino(), current);
        drop(guard);
        held.release();
    }
}
