// Trends in the real app: a day of heart rate imported with the `tend` command into the profile,
// then unlocked and charted in the webview with its summary. Saves a screenshot.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "./webdriver.mjs";
import { appBinary, DRIVER_URL, importHistory, startDriver } from "./driver.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const screenshots = join(root, "target", "screenshots");
const PASSPHRASE = "trends e2e passphrase";

let driver;
let app;

/** The last 24 hours of heart rate, one reading a minute: 60–80 bpm, with one fast hour (120). */
function dayOfHeartRate() {
  const rows = [];
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 24 * 3_600_000;
  for (let minute = 0; minute < 24 * 60; minute++) {
    const time = new Date(start + minute * 60_000).toISOString().replace(/\.000Z$/, "Z");
    const value = minute >= 600 && minute < 660 ? 120 : 70 + Math.round(10 * Math.sin(minute / 90));
    rows.push(`${time},heart_rate,${value},/min,strap`);
  }
  return rows;
}

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  driver = await startDriver();
  importHistory(driver, dayOfHeartRate(), PASSPHRASE);
  app = await Session.start(DRIVER_URL, { "tauri:options": { application: appBinary() } });
});

after(async () => {
  await app?.end().catch(() => {});
  await driver?.stop();
});

const shown = (css) => app.findAll(css).then((found) => found.length > 0);
const textOf = async (css) => app.text(await app.find(css));

test("unlock with the passphrase and chart a day of heart rate", async () => {
  await app.waitFor("the app", () => shown("nav a[data-route=trends]"));
  await app.click(await app.find("nav a[data-route=trends]"));
  await app.waitFor("the unlock form", () => shown("[data-testid=passphrase]"));
  await app.type(await app.find("[data-testid=passphrase]"), PASSPHRASE);
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.waitFor("the chart", () => shown("[data-testid=trend-chart]"));
  assert.equal(await textOf("[data-testid=trend-metric] option"), "Heart rate");

  await app.click(await app.find("button[data-span=day]"));
  const points = await app.waitFor("the day's points", async () => {
    const chart = await app.find("[data-testid=trend-chart]");
    const n = Number(await app.command("GET", `/element/${chart}/attribute/data-points`));
    return n >= 1400 ? n : false;
  });
  assert.ok(points <= 1441, `one point a minute, got ${points}`);
  // 60 of 1440 minutes at 120 bpm: 96% in the 50–100 range.
  assert.equal(await textOf("[data-testid=stat-in-range]"), "96%");
  assert.ok((await app.findAll("[data-testid=trend-chart] canvas")).length > 0, "uPlot drew on a canvas");
  await app.nextPaint();
  writeFileSync(join(screenshots, "trends.png"), await app.screenshot());
});
