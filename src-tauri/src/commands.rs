//! The commands the UI may call. Each converts its input, calls `tend-core`, and maps the error.
//!
//! Every command is listed in `ipc()` (bindings) and in `build.rs` (permissions).

use tauri::{Runtime, State};
use tend_core::{AppInfo, Tend};

use crate::IpcError;

/// The app's version and its vault's state, for the first screen.
#[tauri::command]
#[specta::specta]
pub async fn app_info(tend: State<'_, Tend>) -> Result<AppInfo, IpcError> {
    tend.app_info().await.map_err(Into::into)
}

/// The typed IPC surface: the invoke handler and the TypeScript bindings come from this list.
pub fn ipc<R: Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new().commands(tauri_specta::collect_commands![app_info])
}
