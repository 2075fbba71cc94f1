//! Generates the app's permissions: each command listed here gets an `allow-*` permission that
//! a capability must grant before the UI can call it.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "vault_unlocked",
        "vault_create",
        "vault_unlock",
        "vault_lock",
        "export_history",
        "erase_everything",
        "medications",
        "add_medication",
        "update_medication",
        "remove_medication",
        "todays_doses",
        "record_dose",
        "undo_dose",
        "adherence",
        "schedule_preview",
        "reminder_delivery",
        "allow_exact_reminders",
        "recorded_metrics",
        "chart",
        "normal_ranges",
        "preferences",
        "set_preferences",
        "scan_devices",
        "pair_device",
        "forget_device",
        "devices",
        "watch_devices",
        "latest_readings",
        "care_teams",
        "add_care_team",
        "set_consent",
        "sync_care_team",
        "share_log",
        "alerts",
        "clinic_report",
        "save_report_pdf",
        "share_report",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .unwrap_or_else(|e| panic!("tauri build step failed: {e:#}"));
}
