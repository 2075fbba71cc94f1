//! What every command shares: `--help`, `--version`, `status`, one-line errors and exit codes.

use crate::harness::Tend;

#[test]
fn help_lists_every_command_of_the_contract() {
    let tend = Tend::new();
    let text = tend.run(&["--help"]).success();
    for command in [
        "decode", "meds", "import", "export", "trends", "bench", "share", "devices", "erase",
        "status",
    ] {
        assert!(text.contains(command), "--help lacks `{command}`:\n{text}");
    }
    for option in ["--data-dir", "--json", "--version"] {
        assert!(text.contains(option), "--help lacks `{option}`");
    }
    let meds = tend.run(&["meds", "--help"]).stdout();
    for command in ["plan", "add", "list", "take", "skip", "snooze", "adherence"] {
        assert!(meds.contains(command), "meds --help lacks `{command}`");
    }
}

#[test]
fn version_names_the_crate_version() {
    let output = Tend::new().run(&["--version"]);
    assert_eq!(
        output.stdout().trim(),
        format!("tend {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn status_reports_a_new_profile_as_json() {
    let tend = Tend::new();
    let info = tend.run(&["status", "--json"]).json();
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["vault"]["state"], "not_created");
    assert_eq!(info["data_dir"], tend.profile().display().to_string());
}

#[test]
fn status_refuses_a_damaged_vault_with_one_line() {
    let tend = Tend::new();
    std::fs::write(tend.profile().join("vault.sqlite"), vec![b'x'; 4096]).expect("write");
    let error = tend.run(&["status"]).failure_with(5);
    assert!(error.contains("damaged"), "{error}");
}

#[test]
fn decode_numbers_and_reject_bad_packets() {
    let tend = Tend::new();
    let check = |args: &[&str], expected: &str| {
        let stdout = tend.run(args).success();
        assert_eq!(stdout.trim(), expected, "{args:?}");
    };
    check(&["decode", "sfloat", "6e f1"], r#"{"value":36.6}"#);
    check(&["decode", "sfloat", "FF07"], r#"{"value":"NaN"}"#);
    check(&["decode", "float", "6e 01 00 ff"], r#"{"value":36.6}"#);
    for bad in [
        &["decode", "sfloat", "6e"][..],
        &["decode", "sfloat", "6e f1 00"],
        &["decode", "sfloat", "zz zz"],
    ] {
        tend.run(bad).failure();
    }
}

#[test]
fn sharing_without_a_vault_says_so_in_one_line() {
    // Every command of the contract is available now (exit 3 is kept for ones still to come).
    let error = Tend::new().run(&["share", "preview"]).failure();
    assert!(error.contains("no vault"));
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let tend = Tend::new();
    for usage_error in [
        &[][..],
        &["no-such-command"],
        &["meds", "plan"],
        &["trends", "heart_rate", "--bucket", "1h"],
        &["status", "--no-such-flag"],
        &["export", "--format", "pdf"],
    ] {
        let run = tend.run(usage_error);
        assert_eq!(run.code(), Some(2), "{usage_error:?}: {}", run.stderr());
        assert!(
            run.stdout().is_empty(),
            "{usage_error:?}: usage goes to stderr"
        );
    }
    for help in [
        &["--help"][..],
        &["meds", "plan", "--help"],
        &["help", "share"],
    ] {
        let run = tend.run(help);
        assert_eq!(run.code(), Some(0), "{help:?}");
        assert!(run.stdout().contains("Usage: tend"), "{help:?}");
    }
}

#[test]
fn the_cli_tests_are_one_binary() {
    // One integration-test binary per crate: a new file directly in tests/ would be another.
    // The checkout cargo runs the test in (at run time: a target directory shared between clones can
    // hold a binary another clone built).
    let manifest_dir: std::path::PathBuf = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        std::path::PathBuf::from,
    );
    let tests = manifest_dir.join("tests");
    let mut entries: Vec<String> = std::fs::read_dir(&tests)
        .expect("crates/cli/tests")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    entries.sort();
    assert_eq!(entries, ["cli"], "put new tests in a module of tests/cli/");
}
