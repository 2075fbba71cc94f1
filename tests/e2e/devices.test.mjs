// Devices in the real app against the simulated BlueZ: find the heart-rate strap, pair it, and see
// its readings arrive live on Today. Saves screenshots under target/screenshots.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "./webdriver.mjs";
import { appBinary, DRIVER_URL, startDriver } from "./driver.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const screenshots = join(root, "target", "screenshots");
const STRAP = "C0:7E:4D:00:00:01";

let driver;
let app;

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  driver = await startDriver();
  app = await Session.start(DRIVER_URL, { "tauri:options": { application: appBinary() } });
});

after(async () => {
  await app?.end().catch(() => {});
  await driver?.stop();
});

async function save(name) {
  await app.nextPaint();
  writeFileSync(join(screenshots, `${name}.png`), await app.screenshot());
}

const shown = (css) => app.findAll(css).then((found) => found.length > 0);
const textOf = async (css) => app.text(await app.find(css));
const attribute = async (css, name) => app.command("GET", `/element/${await app.find(css)}/attribute/${name}`);

test("set up Tend, find the strap nearby and pair it", async () => {
  await app.waitFor("the app", () => shown("nav a[data-route=devices]"));
  await app.click(await app.find("nav a[data-route=devices]"));
  await app.waitFor("the set-up form", () => shown("[data-testid=vault-submit]"));
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.waitFor("the passphrase fields", () => shown("[data-testid=passphrase-confirm]"));
  await app.type(await app.find("[data-testid=passphrase]"), "devices e2e passphrase");
  await app.type(await app.find("[data-testid=passphrase-confirm]"), "devices e2e passphrase");
  await app.click(await app.find("[data-testid=vault-submit]"));

  await app.waitFor("the devices screen", () => shown("[data-testid=scan]"));
  await app.click(await app.find("[data-testid=scan]"));
  await app.waitFor("the strap in the scan", () => shown(`[data-found="${STRAP}"]`), 20_000);
  assert.match(await textOf(`[data-found="${STRAP}"]`), /Tend Sim HR Strap/);
  assert.match(await textOf(`[data-found="${STRAP}"]`), /Heart rate/);
  assert.equal((await app.findAll("[data-found]")).length, 7, "all seven simulated devices");
  await app.click(await app.find(`[data-found="${STRAP}"] button`));
  await app.waitFor("the strap paired and receiving", async () => (await attribute(`[data-device="${STRAP}"]`, "data-state")) === "streaming", 20_000);
  await save("devices");
});

test("the strap's heart rate arrives live on Today", async () => {
  await app.click(await app.find("nav a[data-route=today]"));
  const first = await app.waitFor("a heart-rate value", async () => (await shown("[data-metric=heart_rate]")) && textOf("[data-metric=heart_rate] [data-testid=latest-value]"), 20_000);
  assert.match(first, /^\d+ bpm$/);
  assert.match(await textOf("[data-metric=heart_rate]"), /Tend Sim HR Strap/);
  // New readings keep coming: the tile changes without touching anything.
  await app.waitFor("a newer reading", async () => {
    const shownNow = await app.execute("return document.querySelector('[data-metric=heart_rate] .muted').textContent");
    const value = await textOf("[data-metric=heart_rate] [data-testid=latest-value]");
    return value !== first || /just now/.test(shownNow);
  }, 20_000);
  await save("today-live");
});

test("a reading outside the range the patient set raises one alert", async () => {
  await app.click(await app.find("nav a[data-route=settings]"));
  const highest = await app.waitFor("the alert ranges", async () => (await shown('input[aria-label="Heart rate: highest"]')) && app.find('input[aria-label="Heart rate: highest"]'));
  // A stream alerts once it has stayed out of range for the wait the patient chose (10 minutes
  // by default): here, at once.
  await app.execute("const s = document.querySelector('[data-testid=alert-after]'); s.value = '0'; s.dispatchEvent(new Event('change', { bubbles: true }))");
  await app.waitFor("the wait saved", () => shown('[aria-live="polite"]'));
  // The strap sends 60–80 bpm: with 55 as the highest, the next reading is above the range.
  await app.type(highest, "55");
  await app.execute("document.querySelector('input[aria-label=\"Heart rate: highest\"]').dispatchEvent(new Event('change', { bubbles: true }))");
  await app.waitFor("the range saved", () => shown('[aria-live="polite"]'));
  await app.click(await app.find("nav a[data-route=today]"));
  await app.waitFor("the alert on Today", () => shown("[data-testid=alerts]"), 20_000);
  assert.match(await textOf("[data-testid=alerts]"), /Heart rate above 55 beats a minute\./);
  // Readings keep coming above 55, but it stays one alert.
  await new Promise((r) => setTimeout(r, 3000));
  await app.click(await app.find("nav a[data-route=devices]"));
  await app.click(await app.find("nav a[data-route=today]"));
  await app.waitFor("Today again", () => shown("[data-testid=alerts]"));
  assert.equal((await app.findAll("[data-testid=alerts] li")).length, 1, "one alert, not one per reading");
  await save("today-alert");
});

test("with Today open and the strap streaming, Tend still locks after the patient's idle time", async () => {
  await app.click(await app.find("nav a[data-route=settings]"));
  await app.waitFor("the lock setting", () => shown("[data-testid=lock-after]"));
  await app.execute("const s = document.querySelector('[data-testid=lock-after]'); s.value = '1'; s.dispatchEvent(new Event('change', { bubbles: true }))");
  await app.waitFor("the idle time saved", () => shown('[aria-live="polite"]'));
  // The last input: from here on only readings arrive (the test reads the page, it types nothing).
  await app.click(await app.find("nav a[data-route=today]"));
  const lastInput = Date.now();
  await app.waitFor("the live tile", () => shown("[data-metric=heart_rate]"), 20_000);
  await app.waitFor("the vault locked", () => shown("[data-testid=passphrase]"), 100_000);
  const after = (Date.now() - lastInput) / 1000;
  assert.ok(after >= 55 && after <= 100, `locked ${after.toFixed(0)} s after the last input (1 minute set)`);
});
