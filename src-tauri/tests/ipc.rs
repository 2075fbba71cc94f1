//! The shell under Tauri's mock runtime: commands answer through IPC, with the real capabilities,
//! and no display.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

use std::sync::mpsc;

use tauri::{
    ipc::{CallbackFn, InvokeBody},
    test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY},
    webview::InvokeRequest,
    Manager, RunEvent, WebviewWindow,
};

type Response = Result<serde_json::Value, serde_json::Value>;

/// Runs the app (so its `setup` opens the profile) and, once ready, calls `commands` in order.
fn invoke_all(commands: &'static [&'static str], data_dir: &std::path::Path) -> Vec<Response> {
    // Only this binary's one test sets the variable, always to the same value.
    std::env::set_var("TEND_DATA_DIR", data_dir);
    let app = tend_app_lib::app(mock_builder())
        .build(tauri::generate_context!())
        .expect("the app builds on the mock runtime");
    let (sender, responses) = mpsc::channel();
    app.run_return(move |handle, event| {
        if let RunEvent::Ready = event {
            // The window from tauri.conf.json, which the capabilities name.
            let window = handle.get_webview_window("main").expect("the main window");
            for command in commands {
                sender
                    .send(invoke(&window, command))
                    .expect("the test is listening");
            }
            // Closing the last window ends the mock event loop (its `exit` is unimplemented).
            window.destroy().expect("the window closes");
        }
    });
    responses.try_iter().collect()
}

fn invoke(window: &WebviewWindow<MockRuntime>, command: &str) -> Response {
    let request = InvokeRequest {
        cmd: command.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("url"),
        body: InvokeBody::default(),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize().expect("JSON response"))
}

#[test]
fn app_info_answers_through_ipc_and_unknown_commands_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let responses = invoke_all(&["app_info", "read_any_file"], dir.path());
    let [info, refused] = responses.as_slice() else {
        panic!("expected two responses, got {responses:?}");
    };
    let info = info.as_ref().expect("app_info is allowed");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["vault"]["state"], "not_created");
    assert_eq!(info["data_dir"], dir.path().display().to_string());

    let refused = refused.as_ref().expect_err("no such command");
    assert!(refused.to_string().contains("not found"), "{refused}");
}
