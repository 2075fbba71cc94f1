// Runs every command the README shows, as written, the way a new user would: each ```sh block in
// order, as one shell script, in a scratch directory with a new home (so the default profile is a
// new one), the `tend` of this build on PATH and no keychain (TEND_PASSPHRASE). A command that
// would run for long, wait for a person or need hardware runs in the form INSTEAD gives, and
// INSTEAD must name only lines the README still has. Run by scripts/test after the build.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { cliBinary, startFhirServer, startSimulator } from "../e2e/driver.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** README command → what runs in its place, and why. */
const INSTEAD = new Map([
  // The quick start itself: the test command is what runs this very test, and the app is run by
  // scripts/fresh-check; here each must at least say what it does and installs.
  ["scripts/run", "scripts/run --help"],
  ["scripts/test", "scripts/test --help"],
  ["TEND_DATA_DIR=/tmp/profile scripts/run", "TEND_DATA_DIR=/tmp/profile scripts/run --help"],
  // Ten million readings take minutes in a debug build; a thousand show the same output.
  ["tend bench vault --readings 10000000 --json", "tend bench vault --readings 1000 --json"],
  // Until interrupted: it must still be running, without error, after a few seconds.
  ["tend devices watch --json", "timeout -s INT 6 tend devices watch --json || [ $? -eq 124 ]"],
  [
    "tend devices scan && tend devices pair C0:7E:4D:00:00:01 && tend devices watch",
    "tend devices scan && tend devices pair C0:7E:4D:00:00:01 && { timeout -s INT 6 tend devices watch || [ $? -eq 124 ]; }",
  ],
  // Asks a person to type ERASE at a terminal; scripts confirm with --yes.
  ["tend erase", "tend erase --yes"],
  // The care team's server: the loopback FHIR test server stands in for fhir.example.org.
  [
    'TEND_CARE_TEAM_TOKEN=... tend share add --name "Dr Smith" --url https://fhir.example.org/r4 --patient Patient/123',
    'TEND_CARE_TEAM_TOKEN=... tend share add --name "Dr Smith" --url "$FHIR_URL" --patient Patient/123',
  ],
  // Waits for a person to sign in in a browser (tested against a mock server in crates/cli/tests).
  ["tend share signin dr-smith --client-id tend", "tend share signin --help"],
  // Long runs: the same command, shorter.
  ["cargo test -p tend-vault", "cargo test -q -p tend-vault -- --list"],
  ["crates/gatt/fuzz/run.sh 600", "crates/gatt/fuzz/run.sh --help"],
  ["scripts/bench-ui", "scripts/bench-ui --quick"],
  // The UI phase has just run every UI test; one file shows the command works.
  ["(cd ui && npm test)", "(cd ui && npm test -- src/app.test.ts)"],
  // A gigabyte through a release build: 10 MB through the debug build shows the same output.
  [
    "cargo run --release -p tend-import --example bench_apple_health -- generate /var/tmp/export.xml 1000000000",
    "cargo run -q -p tend-import --example bench_apple_health -- generate /tmp/tend-readme-export.xml 10000000",
  ],
  [
    "cargo run --release -p tend-core --example bench_import -- /var/tmp/export.xml",
    "cargo run -q -p tend-core --example bench_import -- /tmp/tend-readme-export.xml && rm /tmp/tend-readme-export.xml",
  ],
]);

/** The ```sh blocks of the README: each a list of command lines (continuations joined). */
function blocks() {
  const found = [];
  let block = null;
  for (const line of readFileSync(join(ROOT, "README.md"), "utf8").split("\n")) {
    if (block === null && line.trim() === "```sh") block = [];
    else if (block !== null && line.trim() === "```") (found.push(block), (block = null));
    else if (block !== null && line.trim() !== "") {
      if (block.length > 0 && block[block.length - 1].endsWith("\\")) block[block.length - 1] = block[block.length - 1].slice(0, -1) + line.trim();
      else block.push(line);
    }
  }
  return found;
}

/** A line's command: without its trailing comment (two spaces, then #). */
const command = (line) => line.replace(/\s{2,}#.*$/, "").trim();

let home, work, bin, simulator, fhir;
before(async () => {
  work = mkdtempSync(join(tmpdir(), "tend-readme-"));
  home = join(work, "home");
  bin = join(work, "bin");
  mkdirSync(home);
  mkdirSync(bin);
  symlinkSync(cliBinary(), join(bin, "tend"));
  // The files the examples name.
  writeFileSync(
    join(work, "history.csv"),
    "time,metric,value,unit,device\n2026-03-02T08:00:00Z,heart_rate,64,/min,strap\n2026-03-02T08:05:00Z,systolic,128,mm[Hg],cuff\n",
  );
  writeFileSync(join(work, "schedule.json"), JSON.stringify({ times: ["08:00", "20:00"], start: "2026-03-01", end: null }));
  simulator = await startSimulator();
  fhir = await startFhirServer();
});
after(async () => {
  await simulator?.stop();
  await fhir?.stop();
  rmSync(work, { recursive: true, force: true });
});

test("every command INSTEAD names is still in the README", () => {
  const shown = new Set(blocks().flat().map(command));
  for (const line of INSTEAD.keys()) assert.ok(shown.has(line), `INSTEAD names a command the README no longer shows: ${line}`);
});

for (const [index, lines] of blocks().entries()) {
  const first = command(lines[0]);
  test(`README block ${index + 1} (${first}${lines.length > 1 ? ", …" : ""}) runs as written`, { timeout: 600_000 }, async () => {
    const script = ["set -euo pipefail", ...lines.map((line) => INSTEAD.get(command(line)) ?? line)].join("\n");
    const { code, output } = await run(script);
    assert.equal(code, 0, `README block ${index + 1} failed:\n${script}\n--- output ---\n${output}`);
  });
}

/** Runs `script` with bash in the scratch directory; the background jobs it starts end with it. */
function run(script) {
  const env = {
    ...process.env,
    HOME: home,
    // Cargo and rustup stay where they are installed, whatever HOME says.
    CARGO_HOME: process.env.CARGO_HOME ?? join(homedir(), ".cargo"),
    RUSTUP_HOME: process.env.RUSTUP_HOME ?? join(homedir(), ".rustup"),
    PATH: `${bin}:${join(ROOT, "scripts")}:${process.env.PATH}`,
    TEND_PASSPHRASE: "readme passphrase",
    // No keychain, and Bluetooth is the simulator's.
    DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/tend-readme-bus",
    DBUS_SYSTEM_BUS_ADDRESS: simulator.address,
    FHIR_URL: fhir.base,
  };
  delete env.XDG_DATA_HOME;
  delete env.TEND_DATA_DIR;
  return new Promise((resolve) => {
    // Its own process group, so that whatever it left running is stopped with it.
    const child = spawn("bash", ["-c", wrap(script)], {
      cwd: work,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (code) => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group is gone already
      }
      resolve({ code, output });
    });
  });
}

/** Commands that name repository paths (scripts/, crates/, ui) run from the repository root;
 * `tend` commands run in the scratch directory where their files are. */
function wrap(script) {
  return `export TEND_REPO=${JSON.stringify(ROOT)}
repo() { (cd "$TEND_REPO" && eval "$1"); }
${script
  .split("\n")
  .map((line) => (/^(scripts\/|crates\/|cargo |\(cd ui|TEND_DATA_DIR=\/tmp\/profile scripts|TEND_UPDATE_BINDINGS)/.test(line) ? `repo ${shellQuote(line)}` : line))
  .join("\n")}`;
}

const shellQuote = (text) => `'${text.replaceAll("'", `'\\''`)}'`;
