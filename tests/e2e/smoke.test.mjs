// Smoke test of the real app in the real webview: the window opens, every navigation entry shows
// its screen, and values from the Rust backend appear. Saves screenshots under target/screenshots.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "./webdriver.mjs";
import { appBinary, DRIVER_URL, startDriver } from "./driver.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const screenshots = join(root, "target", "screenshots");
const version = /^version = "(.+)"$/m.exec(readFileSync(join(root, "Cargo.toml"), "utf8"))[1];
const SCREENS = ["today", "devices", "trends", "medications", "sharing", "settings"];

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

test("the window opens on Today with the vault state from the backend", async () => {
  const status = await app.waitFor("the vault status", async () => {
    const text = await app.text(await app.find("[data-testid=vault-status]"));
    return text || false;
  });
  assert.equal(status, "Not set up yet");
  assert.equal(await app.execute("return document.title"), "Tend");
  await save("today");
});

test("every navigation entry shows its screen", async () => {
  for (const id of SCREENS) {
    await app.click(await app.find(`nav a[data-route=${id}]`));
    await app.waitFor(`the ${id} screen`, () => app.findAll(`main[data-screen=${id}]`).then((found) => found.length === 1));
    const current = await app.text(await app.find('nav a[aria-current="page"]'));
    const heading = await app.text(await app.find("main h1"));
    assert.equal(heading, current, `${id}: heading matches the current navigation entry`);
    await save(id);
  }
});

test("Settings shows the version and profile the backend reports", async () => {
  await app.click(await app.find("nav a[data-route=settings]"));
  const shown = await app.waitFor("the version", async () => (await app.text(await app.find("[data-testid=app-version]"))) || false);
  assert.equal(shown, version);
  const path = await app.text(await app.find(".facts .path"));
  assert.equal(path, driver.dataDir);
});
