//! The one way these tests run `tend`: a fresh profile directory, the environment (passphrase,
//! a fixed "now", a bus address), optional standard input, and the run's exit code, stdout and
//! stderr read as text, JSON or JSON lines.
//!
//! Nothing is inherited that would change what `tend` does: the `TEND_*` variables of the shell
//! running the tests are removed, so a developer's passphrase or clock cannot leak in.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use serde_json::Value;

/// Every variable `tend` reads that a test might otherwise inherit.
const TEND_VARIABLES: [&str; 6] = [
    "TEND_DATA_DIR",
    "TEND_PASSPHRASE",
    "TEND_NEW_PASSPHRASE",
    "TEND_CARE_TEAM_TOKEN",
    "TEND_NOW",
    "TEND_BENCH_VERBOSE",
];

/// A profile of its own and the environment every run in it gets.
#[derive(Debug)]
pub struct Tend {
    /// Holds the profile directory and the files a test writes (CSV, schedules, bundles).
    scratch: tempfile::TempDir,
    profile: PathBuf,
    env: Vec<(String, String)>,
}

impl Tend {
    /// A new, empty profile; no passphrase, the system clock.
    pub fn new() -> Tend {
        let scratch = tempfile::tempdir().expect("a temporary directory");
        let profile = scratch.path().join("profile");
        std::fs::create_dir(&profile).expect("the profile directory");
        Tend {
            scratch,
            profile,
            env: Vec::new(),
        }
    }

    /// A new profile whose vault is (or will be) protected by `passphrase` (`TEND_PASSPHRASE`).
    pub fn with_passphrase(passphrase: &str) -> Tend {
        Tend::new().env("TEND_PASSPHRASE", passphrase)
    }

    /// Sets `name` for every run.
    pub fn env(mut self, name: &str, value: &str) -> Tend {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Fixes "now" for every run (`TEND_NOW`, an RFC 3339 instant).
    pub fn now(self, instant: &str) -> Tend {
        self.env("TEND_NOW", instant)
    }

    /// The profile directory (`TEND_DATA_DIR`).
    pub fn profile(&self) -> &Path {
        &self.profile
    }

    /// Writes `contents` to `name` beside the profile and returns its path.
    pub fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.scratch.path().join(name);
        std::fs::write(&path, contents).expect("a file written");
        path
    }

    /// A path in the scratch directory, not written.
    pub fn path(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    /// Runs `tend args...` in this profile.
    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).run()
    }

    /// A run to adjust first: more environment, another "now", standard input.
    pub fn command(&self, args: &[&str]) -> Invocation<'_> {
        Invocation {
            tend: self,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: Vec::new(),
            stdin: None,
        }
    }
}

/// One run being set up.
#[derive(Debug)]
pub struct Invocation<'a> {
    tend: &'a Tend,
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<String>,
}

impl Invocation<'_> {
    /// Sets `name` for this run only (over the profile's own value).
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Fixes "now" for this run only.
    pub fn now(self, instant: &str) -> Self {
        self.env("TEND_NOW", instant)
    }

    /// Feeds `text` on standard input (otherwise it is empty and not a terminal).
    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_owned());
        self
    }

    pub fn run(self) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tend"));
        command.args(&self.args);
        for name in TEND_VARIABLES {
            command.env_remove(name);
        }
        command
            .env("TEND_DATA_DIR", &self.tend.profile)
            .envs(self.tend.env.iter().map(|(k, v)| (k, v)))
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the tend binary runs");
        let mut stdin = child.stdin.take().expect("a pipe to its stdin");
        if let Some(text) = &self.stdin {
            // A command that reads nothing may have exited already: that is its answer.
            let _ = stdin.write_all(text.as_bytes());
        }
        drop(stdin);
        let output = child.wait_with_output().expect("the tend binary ends");
        Run {
            args: self.args,
            output,
        }
    }
}

/// What one run of `tend` did.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub output: Output,
}

impl Run {
    /// The exit code (`None` if a signal ended it).
    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Asserts exit code 0; stdout as UTF-8 text.
    pub fn success(self) -> String {
        assert!(
            self.output.status.success(),
            "tend {:?} failed ({:?}): {}",
            self.args,
            self.code(),
            self.stderr()
        );
        String::from_utf8(self.output.stdout).expect("UTF-8 output")
    }

    /// Asserts exit code 0; stdout as one JSON value.
    pub fn json(self) -> Value {
        let args = self.args.clone();
        let stdout = self.success();
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("tend {args:?}: not JSON on stdout ({e}): {stdout}"))
    }

    /// Asserts exit code 0; stdout as one JSON value a line.
    pub fn json_lines(self) -> Vec<Value> {
        let args = self.args.clone();
        self.success()
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("tend {args:?}: not a JSON line ({e}): {line}"))
            })
            .collect()
    }

    /// Asserts a failure as scripts see one: exit code 1 and one line on stderr, returned.
    pub fn failure(&self) -> String {
        self.failure_with(1)
    }

    /// Asserts a failure with its own exit code (docs/cli.md: 4 the vault could not be opened,
    /// 5 it is damaged, 6 the care team's server) and one line on stderr, returned.
    pub fn failure_with(&self, code: i32) -> String {
        let stderr = self.stderr();
        assert_eq!(
            self.code(),
            Some(code),
            "tend {:?} should fail with {code}: {stderr}",
            self.args
        );
        assert_eq!(
            stderr.lines().count(),
            1,
            "tend {:?}: one line on stderr: {stderr}",
            self.args
        );
        stderr
    }
}

/// A path as a command-line argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}
