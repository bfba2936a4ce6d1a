//! Rebuilds when a migration changes, and names the migrations' content with
//! a hash (`TICKETD_MIGRATIONS_HASH`): test databases are cloned from a
//! migrated template of exactly these migrations.

use std::hash::{Hash, Hasher};
use std::path::Path;

fn hash_dir(dir: &Path, hasher: &mut impl Hasher) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            hash_dir(&path, hasher);
        } else if let Ok(bytes) = std::fs::read(&path) {
            path.file_name().hash(hasher);
            bytes.hash(hasher);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    hash_dir(Path::new("../../migrations"), &mut hasher);
    println!(
        "cargo:rustc-env=TICKETD_MIGRATIONS_HASH={:016x}",
        hasher.finish()
    );
}
