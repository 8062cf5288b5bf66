//! Puts the commit a release was built from into `firewatch --version`, so an operator can say
//! exactly what runs. Only release builds ask git: a debug build would otherwise recompile the
//! whole crate after every commit. `FIREWATCH_COMMIT` wins when set (a container build has no
//! `.git`).

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=FIREWATCH_COMMIT");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let commit = std::env::var("FIREWATCH_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| release.then(head_commit).flatten())
        .unwrap_or_else(|| {
            if release {
                "unknown commit"
            } else {
                "dev build"
            }
            .into()
        });
    println!("cargo:rustc-env=FIREWATCH_COMMIT={}", commit.trim());
}

/// HEAD's short hash, and the files whose change means HEAD moved.
fn head_commit() -> Option<String> {
    for name in ["HEAD", "packed-refs"] {
        watch(git(&["rev-parse", "--git-path", name])?);
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch(git(&["rev-parse", "--git-path", &branch])?);
    }
    git(&["rev-parse", "--short=12", "HEAD"])
}

fn watch(path: String) {
    // A path that does not exist would rerun this script on every build.
    if Path::new(&path).exists() {
        println!("cargo:rerun-if-changed={path}");
    }
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}
