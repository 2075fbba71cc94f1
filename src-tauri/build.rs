//! Generates the app's permissions: each command listed here gets an `allow-*` permission that
//! a capability must grant before the UI can call it.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&["app_info"]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .unwrap_or_else(|e| panic!("tauri build step failed: {e:#}"));
}
