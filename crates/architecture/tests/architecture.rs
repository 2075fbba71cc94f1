//! The invariants of ARCHITECTURE.md that a program can check, checked: layers point inward, each
//! outside world has one door, pure crates stay pure, the simulator is never shipped, unsafe code
//! in one place, no module cycles, and every IPC command is listed alike in the three places that
//! list it.
#![allow(clippy::expect_used, clippy::unwrap_used)] // test code: a panic is a failed check

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::Value;

fn root() -> PathBuf {
    // The checkout under test, as cargo says when it runs the test: the compile-time value is the
    // checkout that built this binary, which in a target directory shared by two clones (CI's and
    // a developer's) can be the other one, or one that is gone.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.join("../..")
}

/// Every workspace package: its name, manifest directory, and dependencies by kind.
struct Package {
    name: String,
    dir: PathBuf,
    normal: BTreeSet<String>,
    dev: BTreeSet<String>,
}

fn packages() -> Vec<Package> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let deps = |kind: Option<&str>| -> BTreeSet<String> {
                p["dependencies"]
                    .as_array()
                    .expect("dependencies")
                    .iter()
                    .filter(|d| d["kind"].as_str() == kind)
                    .map(|d| d["name"].as_str().expect("name").to_owned())
                    .collect()
            };
            Package {
                name: p["name"].as_str().expect("name").to_owned(),
                dir: Path::new(p["manifest_path"].as_str().expect("manifest"))
                    .parent()
                    .expect("dir")
                    .to_owned(),
                normal: deps(None),
                dev: deps(Some("dev")),
            }
        })
        .collect()
}

/// Where each crate stands: a crate may depend only on crates of a lower layer.
/// `None`: a tool for tests or measurement, outside the layers (never depended on by them).
fn layer(name: &str) -> Option<Option<u8>> {
    Some(match name {
        "tend-vitals" => Some(0),
        "tend-gatt" | "tend-meds" | "tend-import" => Some(1),
        "tend-ble" | "tend-vault" | "tend-clinic" => Some(2),
        "tend-share" | "tend-report" => Some(3),
        "tend-core" => Some(4),
        "tend-cli" | "tend-app" => Some(5),
        "tend-bluez-sim" | "tend-device-bench" | "tend-testkit" | "tend-architecture"
        | "tend-bluez-vm" => None,
        _ => return None,
    })
}

#[test]
fn dependencies_point_inward() {
    let packages = packages();
    let ours: BTreeSet<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    let mut wrong = Vec::new();
    for p in &packages {
        let Some(own) = layer(&p.name) else {
            wrong.push(format!(
                "{} has no place in the layers: add it to `layer` and ARCHITECTURE.md",
                p.name
            ));
            continue;
        };
        for dep in p.normal.iter().filter(|d| ours.contains(d.as_str())) {
            let theirs = layer(dep).flatten();
            let fine = match (own, theirs) {
                (Some(own), Some(theirs)) => theirs < own,
                // Tools may use any layer; no layer uses a tool.
                (None, _) => true,
                (Some(_), None) => false,
            };
            if !fine {
                wrong.push(format!(
                    "{} depends on {dep}, which is not below it",
                    p.name
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn each_outside_world_has_one_door() {
    let doors: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("tauri", &["tend-app"][..]),
        ("btleplug", &["tend-ble"][..]),
        ("sqlx", &["tend-vault"][..]),
        ("ring", &["tend-vault"][..]),
        ("keyring", &["tend-vault"][..]),
        ("keyring-core", &["tend-vault"][..]),
        ("apple-native-keyring-store", &["tend-vault"][..]),
        ("android-native-keyring-store", &["tend-vault"][..]),
        ("reqwest", &["tend-share"][..]),
    ]);
    let mut wrong = Vec::new();
    for p in packages() {
        for (world, allowed) in &doors {
            if p.normal.contains(*world) && !allowed.contains(&p.name.as_str()) {
                wrong.push(format!(
                    "{} depends on {world}; only {allowed:?} may",
                    p.name
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn pure_crates_do_no_io_and_read_no_clock() {
    const IO: [&str; 8] = [
        "tokio", "sqlx", "reqwest", "btleplug", "zbus", "keyring", "dirs", "tempfile",
    ];
    const CLOCK_OR_IO: [&str; 6] = [
        "Timestamp::now()",
        "Zoned::now()",
        "SystemTime::now()",
        "Instant::now()",
        "std::fs::",
        "std::net::",
    ];
    let mut wrong = Vec::new();
    for p in packages().into_iter().filter(|p| {
        ["tend-vitals", "tend-gatt", "tend-meds", "tend-clinic"].contains(&p.name.as_str())
    }) {
        for dep in IO.iter().filter(|d| p.normal.contains(**d)) {
            wrong.push(format!("{} is pure but depends on {dep}", p.name));
        }
        for (file, text) in sources(&p.dir.join("src")) {
            for call in CLOCK_OR_IO.iter().filter(|c| code_of(&text).contains(**c)) {
                wrong.push(format!("{} uses {call}", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_simulator_is_never_shipped() {
    let linking: Vec<String> = packages()
        .into_iter()
        .filter(|p| p.normal.contains("tend-bluez-sim"))
        .filter(|p| {
            !["tend-device-bench", "tend-testkit", "tend-bluez-vm"].contains(&p.name.as_str())
        })
        .map(|p| p.name)
        .collect();
    assert!(
        linking.is_empty(),
        "tend-bluez-sim is a normal dependency of {linking:?}: only tools for tests may link it"
    );
    // The shells' tests may use it; the shells may not.
    let packages = packages();
    let cli = packages
        .iter()
        .find(|p| p.name == "tend-cli")
        .expect("tend-cli");
    assert!(cli.dev.contains("tend-bluez-sim") || !cli.normal.contains("tend-bluez-sim"));
}

/// Issue 21: what lets data out takes proof that the patient is here. The app is open for hours,
/// so its proof comes from the idle lock and expires after a minute; the proof for one-command
/// shells (`opened_by_the_patient`) would never expire there.
#[test]
fn the_app_asks_for_the_patient_before_data_leaves() {
    let app = root().join("src-tauri/src");
    let wrong: Vec<String> = sources(&app)
        .into_iter()
        .filter(|(_, text)| code_of(text).contains("opened_by_the_patient"))
        .map(|(file, _)| file.display().to_string())
        .collect();
    assert!(
        wrong.is_empty(),
        "the app must ask IdleLock::presence, not opened_by_the_patient: {wrong:?}"
    );
    // The phone's own check stands in for the patient's passcode (to unlock, and before data
    // leaves) only where the platform has just asked the OS.
    let platform = app.join("platform/mod.rs");
    let by_the_phone: Vec<String> = sources(&root().join("src-tauri"))
        .into_iter()
        .chain(sources(&root().join("crates/cli")))
        .filter(|(file, text)| {
            let code = code_of(text);
            (code.contains("confirmed_by_the_phone")
                || code.contains("KeychainConfirmedByThePhone"))
                && file.canonicalize().ok() != platform.canonicalize().ok()
        })
        .map(|(file, _)| file.display().to_string())
        .collect();
    assert!(
        by_the_phone.is_empty(),
        "only Platform, after the OS's check, may count the phone's check as the patient: {by_the_phone:?}"
    );
}

/// `unsafe_code` is denied workspace-wide; the one exception is the JNI hand-over to btleplug's
/// Android backend, which cannot be written without it.
#[test]
fn unsafe_code_lives_in_one_place() {
    let allowed = root().join("crates/ble/src/android.rs");
    let mut wrong = Vec::new();
    // This crate names the lint in its checks.
    for p in packages()
        .into_iter()
        .filter(|p| p.name != "tend-architecture")
    {
        for dir in ["src", "tests", "benches"] {
            for (file, text) in sources(&p.dir.join(dir)) {
                let code = code_of(&text);
                let uses = code.contains("unsafe ") || code.contains("unsafe_code");
                if uses && file.canonicalize().ok() != allowed.canonicalize().ok() {
                    wrong.push(file.display().to_string());
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "unsafe code outside crates/ble/src/android.rs: {wrong:?}"
    );
    let text = std::fs::read_to_string(&allowed).expect("android.rs");
    assert_eq!(
        code_of(&text).matches("#[allow(unsafe_code)]").count(),
        1,
        "android.rs allows unsafe code in one function"
    );
}

#[test]
fn no_module_cycles() {
    let mut cycles = Vec::new();
    for p in packages() {
        let src = p.dir.join("src");
        let graph = module_graph(&src);
        if let Some(cycle) = find_cycle(&graph) {
            cycles.push(format!("{}: {}", p.name, cycle.join(" -> ")));
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn commands_are_listed_alike_for_bindings_permissions_and_capabilities() {
    let app = root().join("src-tauri");
    let read = |path: &Path| std::fs::read_to_string(path).expect("readable");
    let ipc = read(&app.join("src/commands/mod.rs"));
    let listed = ipc
        .split("collect_commands![")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("commands::ipc() lists its commands in collect_commands![...]");
    let commands: BTreeSet<String> = listed
        .split(',')
        .filter_map(|c| c.trim().rsplit("::").next())
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    let build = read(&app.join("build.rs"));
    let permitted: BTreeSet<String> = build
        .split(".commands(&[")
        .nth(1)
        .and_then(|rest| rest.split("])").next())
        .expect("build.rs lists the commands")
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(commands, permitted, "commands::ipc() and build.rs differ");
    let mut files = 0;
    for entry in std::fs::read_dir(app.join("capabilities")).expect("capabilities") {
        let path = entry.expect("entry").path();
        let capability: Value = serde_json::from_str(&read(&path)).expect("capability JSON");
        let granted: BTreeSet<String> = capability["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|p| p.strip_prefix("allow-"))
            .map(|p| p.replace('-', "_"))
            .collect();
        assert_eq!(
            granted,
            commands,
            "{} grants other commands than commands::ipc() lists",
            path.display()
        );
        files += 1;
    }
    assert!(files >= 2, "desktop and mobile capabilities");
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("readable");
            found.push((path, text));
        }
    }
    found
}

/// The text without comments, so a rule written in a doc comment is not taken for code.
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The crate's top-level modules and, for each, the others it names by `crate::module` paths.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let files = sources(src);
    let module_of = |file: &Path| -> Option<String> {
        let relative = file.strip_prefix(src).ok()?;
        let first = relative.components().next()?.as_os_str().to_str()?;
        let name = first.trim_end_matches(".rs");
        (!["lib", "main"].contains(&name)).then(|| name.to_owned())
    };
    let modules: BTreeSet<String> = files.iter().filter_map(|(f, _)| module_of(f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in &files {
        let Some(from) = module_of(file) else {
            continue;
        };
        let edges = graph.entry(from.clone()).or_default();
        for named in crate_paths(&code_of(text)) {
            if named != from && modules.contains(&named) {
                edges.insert(named);
            }
        }
    }
    graph
}

/// The first component of every `crate::…` path in `code`, braces of `use crate::{…}` included.
fn crate_paths(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `tend_crate::` and the like
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(first_ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            names.push(first_ident(&item));
        } else {
            names.push(first_ident(rest));
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

fn first_ident(text: &str) -> String {
    text.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// A cycle in `graph`, if there is one, as the modules along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_cycle_finder_finds_the_cycle_issue_13_named() {
    let graph = BTreeMap::from([
        (
            "rollup".to_owned(),
            BTreeSet::from(["timeseries".to_owned()]),
        ),
        (
            "timeseries".to_owned(),
            BTreeSet::from(["rollup".to_owned()]),
        ),
        ("seal".to_owned(), BTreeSet::new()),
    ]);
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["rollup".into(), "timeseries".into(), "rollup".into()])
    );
    assert_eq!(
        crate_paths("use crate::{\n    damage::{damage, Damage},\n    seal::aad, Error,\n};\nlet x = crate::sample::HOUR_NS;"),
        ["damage", "seal", "Error", "sample"]
    );
}
