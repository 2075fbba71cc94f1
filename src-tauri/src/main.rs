//! Tend's desktop entry point; the app itself lives in `lib.rs` so mobile and tests share it.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tend_app_lib::run()
}
