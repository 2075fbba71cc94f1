// Measures the app, not a test: launch to first paint and to first chart, idle memory of the app
// and of its WebKit processes, and chart render time for a year of daily readings and an hour of
// 1 Hz readings. Launches the (release) app through tauri-driver under Xvfb with a profile the
// `tend` command filled, and prints one JSON object. Run by scripts/bench-ui.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Session } from "../e2e/webdriver.mjs";
import { appBinary, cliBinary, DRIVER_URL, startDriver } from "../e2e/driver.mjs";

const PASSPHRASE = "performance passphrase";
const DAY = 86_400_000;
// TEND_PERF_QUICK=1 (scripts/bench-ui --quick): one of each, to check the measurement runs, not
// to report its figures.
const QUICK = process.env.TEND_PERF_QUICK === "1";
const IDLE_MS = QUICK ? 1_000 : 10_000;
const RUNS = QUICK ? 1 : 7;
const LAUNCHES = QUICK ? 1 : 5;
const TARGETS = { first_paint_ms: 400, idle_rss_mb: 60 };

/** The hour of 1 Hz heart rate in the history of `now`: it starts here (ms). */
const hourOf = (now) => Math.floor((now - 3 * 3_600_000) / 60_000) * 60_000;

/** A year of weight, one reading a day; an hour of heart rate at 1 Hz with one reading 5 minutes
 * either side (so dragging across the hour zooms to all of it). Returns the CSV. */
function history(now) {
  const rows = ["time,metric,value,unit,device"];
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const morning = Math.floor(now / 60_000) * 60_000 - 3_600_000;
  for (let day = 364; day >= 0; day--) rows.push(`${iso(morning - day * DAY)},weight,${(72 + Math.sin(day / 20)).toFixed(1)},kg,scale`);
  const hour = hourOf(now);
  rows.push(`${iso(hour - 300_000)},heart_rate,70,/min,strap`);
  for (let s = 0; s < 3600; s++) rows.push(`${iso(hour + s * 1000)},heart_rate,${70 + Math.round(8 * Math.sin(s / 60))},/min,strap`);
  rows.push(`${iso(hour + 3_900_000)},heart_rate,70,/min,strap`);
  return rows.join("\n") + "\n";
}

// --- processes, from /proc ----------------------------------------------------------------------

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString()) || 100;

/** A process's parent, and its start as a wall-clock time (ms), to the kernel's tick (10 ms):
 * its age from /proc/uptime, not /proc/stat's btime, which is rounded to the second. */
function stat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const uptimeS = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  const now = Date.now();
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(fields[1]), startMs: now - (uptimeS - Number(fields[19]) / CLOCK_TICKS) * 1000 };
}

/** Every process below `root`, with its name (exe's basename, else comm) and parent. */
function descendants(root) {
  const all = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      let name;
      try {
        name = basename(readlinkSync(`/proc/${entry}/exe`));
      } catch {
        name = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
      }
      all.push({ pid: Number(entry), name, ...stat(entry) });
    } catch {
      // gone meanwhile
    }
  }
  const below = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) if (!below.has(p.pid) && below.has(p.ppid)) (below.add(p.pid), (grew = true));
  }
  return all.filter((p) => p.pid !== root && below.has(p.pid));
}

const kB = (text, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(text)[1]);
/** Resident memory in MB: all of it (VmRSS), and the proportional share (Pss), which counts a
 * shared library's pages once across the processes that map it. */
const residentMb = (pid) => ({
  rss: kB(readFileSync(`/proc/${pid}/status`, "utf8"), "VmRSS") / 1024,
  pss: kB(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"), "Pss") / 1024,
});
const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The memory of a browser process and of each WebKit helper it started: RSS and PSS in MB. */
function memory(pid) {
  const out = { app: residentMb(pid) };
  for (const p of descendants(pid)) {
    const key = p.name.startsWith("WebKitWebProcess") ? "web_process" : p.name.startsWith("WebKitNetworkProcess") ? "network_process" : null;
    if (!key) continue;
    const m = residentMb(p.pid);
    out[key] = { rss: (out[key]?.rss ?? 0) + m.rss, pss: (out[key]?.pss ?? 0) + m.pss };
  }
  out.total = { rss: 0, pss: 0 };
  for (const [key, m] of Object.entries(out)) {
    if (key !== "total") (out.total.rss += m.rss), (out.total.pss += m.pss);
  }
  return Object.fromEntries(Object.entries(out).map(([k, m]) => [k, { rss_mb: round(m.rss), pss_mb: round(m.pss) }]));
}

// --- the measurement ----------------------------------------------------------------------------

/** Starts the app; returns its session, its process, and when it first painted (wall clock, ms). */
async function launch() {
  const app = await Session.start(DRIVER_URL, { "tauri:options": { application: appBinary() } });
  const process_ = descendants(process.pid)
    .filter((p) => p.name === basename(appBinary()))
    .sort((a, b) => b.startMs - a.startMs)[0];
  if (!process_) throw new Error("the app process was not found below tauri-driver");
  const page = await app.waitFor("the paint timing", async () => {
    const seen = await app.execute(
      "return { origin: performance.timeOrigin, paints: performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]) };",
    );
    return seen.paints.length > 0 && seen;
  });
  const paint = page.paints.find(([name]) => name === "first-contentful-paint") ?? page.paints[0];
  return { app, process: process_, pageStartedAt: page.origin, paintedAt: page.origin + paint[1], paintEntry: paint[0] };
}

/** A bare WebKitGTK browser (the engine's own MiniBrowser) on a one-line page, driven by
 * WebKitWebDriver directly: the baseline for memory. Null where MiniBrowser is not installed. */
async function baselineMemory() {
  const browser = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
  if (!existsSync(browser)) return null;
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
  const webdriver = spawn("WebKitWebDriver", [`--port=${port}`], { stdio: "ignore" });
  let session;
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${base}/status`).then((r) => r.ok, () => false)) break;
      await sleep(100);
    }
    session = await Session.start(base, { "webkitgtk:browserOptions": { binary: browser, args: ["--automation"] } });
    const page = join(tmpdir(), `tend-perf-baseline-${process.pid}.html`);
    writeFileSync(page, '<!doctype html><html lang="en"><title>Baseline</title><h1>Hello</h1>');
    await session.command("POST", "/url", { url: `file://${page}` });
    await sleep(IDLE_MS);
    rmSync(page, { force: true });
    const mini = descendants(process.pid).find((p) => p.name === "MiniBrowser");
    return mini ? memory(mini.pid) : null;
  } finally {
    await session?.end().catch(() => {});
    webdriver.kill("SIGTERM");
  }
}

const driver = await startDriver();
let app;
const result = { app: basename(appBinary()) };
const csv = join(driver.dataDir, "..", `tend-perf-${process.pid}.csv`);
try {
  const now = Date.now();
  writeFileSync(csv, history(now));
  execFileSync(cliBinary(), ["--data-dir", driver.dataDir, "import", "--format", "csv", csv], {
    env: { ...process.env, TEND_PASSPHRASE: PASSPHRASE },
    stdio: ["ignore", "ignore", "inherit"],
  });

  // Launch to first paint, over several launches; idle memory after the first, left alone on Today.
  const paints = [];
  const pageStarts = [];
  for (let i = 0; i < LAUNCHES; i++) {
    const launched = await launch();
    app = launched.app;
    paints.push(launched.paintedAt - launched.process.startMs);
    pageStarts.push(launched.pageStartedAt - launched.process.startMs);
    result.first_paint_entry = launched.paintEntry;
    if (i === 0) {
      await sleep(IDLE_MS);
      result.idle_memory_at_launch = memory(launched.process.pid);
    }
    await app.end();
    app = undefined;
  }
  result.launch_to_first_paint_ms = { median: Math.round(median(paints)), runs: paints.map(Math.round) };
  // Where that time goes: the process until the page starts loading (Rust, GTK, WebKit's
  // processes), then the page until it paints.
  result.launch_to_page_start_ms = Math.round(median(pageStarts));
  result.page_start_to_first_paint_ms = Math.round(median(paints.map((p, i) => p - pageStarts[i])));

  // Launch to first chart: unlock at once (Argon2id, as for the patient) and open Trends.
  const launched = await launch();
  app = launched.app;
  const shown = (css) => app.findAll(css).then((found) => found.length > 0);
  await app.click(await app.find("nav a[data-route=trends]"));
  await app.waitFor("the unlock form", () => shown("[data-testid=passphrase]"));
  await app.type(await app.find("[data-testid=passphrase]"), PASSPHRASE);
  const submitted = await app.execute("return performance.timeOrigin + performance.now();");
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.waitFor("the first chart", () => app.execute("return performance.getEntriesByName('tend:first-chart').length > 0"), 30_000);
  const firstChartAt = await app.execute("return performance.timeOrigin + performance.getEntriesByName('tend:first-chart')[0].startTime;");
  result.launch_to_first_chart_ms = Math.round(firstChartAt - launched.process.startMs);
  result.unlock_to_first_chart_ms = Math.round(firstChartAt - submitted);

  /** Draws a chart by `draw()` and returns its render time, for the drawing that has `points` points. */
  async function renderTime(points, draw) {
    const before = await app.execute("return performance.getEntriesByName('tend:chart-render').length;");
    await draw();
    const found = await app.waitFor(
      `a chart of ${points} points`,
      () =>
        app.execute(
          "return performance.getEntriesByName('tend:chart-render').slice(arguments[0]).filter((e) => e.detail.points >= arguments[1]).map((e) => [e.detail.points, e.duration])[0];",
          [before, points],
        ),
      30_000,
    );
    return { points: found[0], ms: found[1] };
  }
  const chooseMetric = (metric) =>
    app.execute(
      "const s = document.querySelector('[data-testid=trend-metric]'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));",
      [metric],
    );
  const span = async (id) => app.click(await app.find(`button[data-span=${id}]`));

  // A year at day buckets: weight over the Year span.
  await chooseMetric("weight");
  const year = [];
  for (let i = 0; i < RUNS; i++) {
    await span("month");
    await app.waitFor("the month", () => app.execute("return Number(document.querySelector('[data-testid=trend-chart]')?.dataset.points) < 40"));
    year.push(await renderTime(360, () => span("year")));
  }

  // An hour of 1 Hz readings, raw: heart rate over the Day span (minute buckets), then dragged
  // across the hour (from the reading 5 minutes before it to the one 5 minutes after; the chart
  // spans the whole day, and says which in data-from and data-until),
  // across the whole chart, which zooms to the readings themselves.
  await chooseMetric("heart_rate");
  await span("day");
  await app.waitFor("the day", () => app.execute("const n = Number(document.querySelector('[data-testid=trend-chart]')?.dataset.points); return n > 0 && n < 100"));
  // One event a frame, with movement, as a mouse sends them (uPlot ignores moves that do not move).
  const drag = () =>
    app.command("POST", "/execute/async", {
      script: `const done = arguments[arguments.length - 1];
        const chart = document.querySelector("[data-testid=trend-chart]");
        const over = chart.querySelector(".u-over");
        const r = over.getBoundingClientRect(), y = r.top + r.height / 2;
        const [from, until] = [Number(chart.dataset.from), Number(chart.dataset.until)];
        const x = (ms) => r.left + ((ms - from) / (until - from)) * r.width;
        const [left, right] = [x(arguments[0] - 301_000), x(arguments[0] + 3_901_000)];
        const steps = [["mousemove", over, left], ["mousedown", over, left], ["mousemove", over, (left + right) / 2],
          ["mousemove", over, right], ["mouseup", document, right]];
        let last = left;
        const next = () => {
          const [type, target, x] = steps.shift();
          const init = { clientX: x, clientY: y, movementX: x - last, bubbles: true, button: 0, buttons: type === "mouseup" ? 0 : 1 };
          last = x;
          target.dispatchEvent(new MouseEvent(type, init));
          if (steps.length) requestAnimationFrame(next); else done(true);
        };
        next();`,
      args: [hourOf(now)],
    });
  const hour = [];
  for (let i = 0; i < RUNS; i++) {
    hour.push(await renderTime(3600, drag));
    await app.click(await app.find("[data-testid=zoom-out]"));
    await app.waitFor("the day again", () => app.execute("return Number(document.querySelector('[data-testid=trend-chart]')?.dataset.points) < 100"));
  }

  await sleep(IDLE_MS);
  result.idle_memory_after_charts = memory(launched.process.pid);
  await app.end();
  app = undefined;

  result.chart_year_by_day = { points: year[0].points, median_ms: round(median(year.map((r) => r.ms))), runs: year.map((r) => round(r.ms)) };
  result.chart_hour_raw_1hz = { points: hour[0].points, median_ms: round(median(hour.map((r) => r.ms))), runs: hour.map((r) => round(r.ms)) };
  result.chart_hour_over_year = round(result.chart_hour_raw_1hz.median_ms / result.chart_year_by_day.median_ms, 2);
  result.first_paint_over_target = round(result.launch_to_first_paint_ms.median / TARGETS.first_paint_ms, 2);
  result.idle_rss_over_target = round(result.idle_memory_at_launch.app.rss_mb / TARGETS.idle_rss_mb, 2);

  result.baseline_minibrowser_idle_memory = await baselineMemory();
  if (result.baseline_minibrowser_idle_memory) {
    const base = result.baseline_minibrowser_idle_memory;
    result.idle_rss_over_baseline = round(result.idle_memory_at_launch.app.rss_mb / base.app.rss_mb, 2);
    result.idle_total_pss_over_baseline = round(result.idle_memory_at_launch.total.pss_mb / base.total.pss_mb, 2);
  }
  console.log(JSON.stringify(result, null, 2));
} finally {
  await app?.end().catch(() => {});
  await driver.stop();
  rmSync(csv, { force: true });
}
