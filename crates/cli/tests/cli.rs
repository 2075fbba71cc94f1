//! The `tend` binary as scripts see it: arguments, JSON on stdout, one-line errors and exit codes.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

use std::process::{Command, Output};

fn tend(args: &[&str], data_dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tend"))
        .args(args)
        .env("TEND_DATA_DIR", data_dir)
        .output()
        .expect("the tend binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_lists_every_command_of_the_contract() {
    let dir = tempfile::tempdir().expect("temp dir");
    let help = tend(&["--help"], dir.path());
    assert!(help.status.success());
    let text = stdout(&help);
    for command in [
        "decode", "meds", "import", "export", "trends", "bench", "share", "devices", "erase",
        "status",
    ] {
        assert!(text.contains(command), "--help lacks `{command}`:\n{text}");
    }
    for option in ["--data-dir", "--json", "--version"] {
        assert!(text.contains(option), "--help lacks `{option}`");
    }
    let meds = stdout(&tend(&["meds", "--help"], dir.path()));
    for command in ["plan", "add", "list", "take", "skip", "snooze", "adherence"] {
        assert!(meds.contains(command), "meds --help lacks `{command}`");
    }
}

#[test]
fn version_names_the_crate_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = tend(&["--version"], dir.path());
    assert_eq!(
        stdout(&output).trim(),
        format!("tend {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn status_reports_a_new_profile_as_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = tend(&["status", "--json"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let info: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["vault"]["state"], "not_created");
    assert_eq!(info["data_dir"], dir.path().display().to_string());
}

#[test]
fn status_refuses_a_damaged_vault_with_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("vault.sqlite"), vec![b'x'; 4096]).expect("write");
    let output = tend(&["status"], dir.path());
    assert_eq!(
        output.status.code(),
        Some(5),
        "a damaged vault has its own exit code"
    );
    assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
    assert!(stderr(&output).contains("damaged"), "{}", stderr(&output));
}

#[test]
fn decode_numbers_and_reject_bad_packets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let check = |args: &[&str], expected: &str| {
        let output = tend(args, dir.path());
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert_eq!(stdout(&output).trim(), expected, "{args:?}");
    };
    check(&["decode", "sfloat", "6e f1"], r#"{"value":36.6}"#);
    check(&["decode", "sfloat", "FF07"], r#"{"value":"NaN"}"#);
    check(&["decode", "float", "6e 01 00 ff"], r#"{"value":36.6}"#);
    for bad in [
        &["decode", "sfloat", "6e"][..],
        &["decode", "sfloat", "6e f1 00"],
        &["decode", "sfloat", "zz zz"],
    ] {
        let output = tend(bad, dir.path());
        assert_eq!(output.status.code(), Some(1), "{bad:?}");
        assert_eq!(stderr(&output).lines().count(), 1, "{bad:?}");
    }
}

#[test]
fn sharing_without_a_vault_says_so_in_one_line() {
    // Every command of the contract is available now (exit 3 is kept for ones still to come).
    let dir = tempfile::tempdir().expect("temp dir");
    let output = tend(&["share", "preview"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output).lines().count(), 1);
    assert!(stderr(&output).contains("no vault"));
}
