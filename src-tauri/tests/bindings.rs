//! The committed TypeScript bindings must match the commands: a stale file fails the tests.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

#[test]
fn committed_bindings_are_current() {
    // The checkout cargo runs the test in (at run time: a target directory shared between clones can
    // hold a binary another clone built).
    let manifest_dir: std::path::PathBuf = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        std::path::PathBuf::from,
    );
    let committed = manifest_dir.join("../ui/src/bindings.ts");
    let fresh = tempfile::NamedTempFile::new().expect("temp file");
    tend_app_lib::export_bindings(fresh.path()).expect("bindings export");
    let fresh = std::fs::read_to_string(fresh.path()).expect("read fresh bindings");

    if std::env::var_os("TEND_UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed, &fresh).expect("write ui/src/bindings.ts");
        return;
    }
    let current = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        current == fresh,
        "ui/src/bindings.ts is stale: run `TEND_UPDATE_BINDINGS=1 cargo test -p tend-app --test bindings` and commit it"
    );
}
