//! The shell under Tauri's mock runtime: commands answer through IPC, with the real capabilities,
//! and no display.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

use tauri::{
    ipc::{CallbackFn, InvokeBody},
    test::{get_ipc_response, mock_builder, INVOKE_KEY},
    webview::InvokeRequest,
    Manager,
};

fn invoke(
    command: &str,
    data_dir: &std::path::Path,
) -> Result<serde_json::Value, serde_json::Value> {
    // Only this binary's one test sets the variable, always to the same value.
    std::env::set_var("TEND_DATA_DIR", data_dir);
    let mut app = tend_app_lib::app(mock_builder())
        .build(tauri::generate_context!())
        .expect("the app builds on the mock runtime");
    // `setup` (which opens the profile) runs on the first turn of the event loop.
    app.run_iteration(|_, _| {});
    // The window from tauri.conf.json, which the capabilities name.
    let webview = app.get_webview_window("main").expect("the main window");
    let request = InvokeRequest {
        cmd: command.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("url"),
        body: InvokeBody::default(),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(&webview, request).map(|body| body.deserialize().expect("JSON response"))
}

#[test]
fn app_info_answers_through_ipc_and_unknown_commands_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let info = invoke("app_info", dir.path()).expect("app_info is allowed");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["vault"]["state"], "not_created");

    let refused = invoke("erase_everything", dir.path()).expect_err("no such command");
    assert!(
        refused.to_string().contains("not found") || refused.to_string().contains("not allowed"),
        "{refused}"
    );
}
