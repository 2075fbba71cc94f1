// The medication journey in the real app and webview: set up the vault with a passphrase, add a
// medication with a schedule preview, take today's dose with one tap, undo it, take it again,
// and see adherence. Saves screenshots under target/screenshots.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "./webdriver.mjs";
import { appBinary, DRIVER_URL, startDriver } from "./driver.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const screenshots = join(root, "target", "screenshots");

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
/** The state of the only dose today, as its row says. */
const doseState = () => app.find("[data-dose]").then((row) => app.command("GET", `/element/${row}/attribute/data-state`));
const press = async (label) => app.click(await app.find(`button[aria-label^="${label}"]`));

test("set up the vault with a passphrase where there is no keychain", async () => {
  await app.waitFor("the app", () => shown("nav a[data-route=medications]"));
  await app.click(await app.find("nav a[data-route=medications]"));
  await app.waitFor("the set-up form", () => shown("[data-testid=vault-submit]"));
  await app.click(await app.find("[data-testid=vault-submit]"));
  // No keychain on this bus-less session: Tend asks for a passphrase instead.
  await app.waitFor("the passphrase fields", () => shown("[data-testid=passphrase-confirm]"));
  await app.type(await app.find("[data-testid=passphrase]"), "correct horse battery");
  await app.type(await app.find("[data-testid=passphrase-confirm]"), "correct horse battery");
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.waitFor("the medications screen", () => shown("[data-testid=add-medication]"));
});

test("add a medication, seeing its next doses before saving", async () => {
  await app.click(await app.find("[data-testid=add-medication]"));
  await app.waitFor("the editor", () => shown("[data-testid=med-name]"));
  // A dose at this very minute, so it is due now.
  const now = await app.execute(
    "const d = new Date(); return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');",
  );
  await app.type(await app.find("[data-testid=med-name]"), "Metformin");
  await app.type(await app.find("#med-strength"), "500 mg");
  await app.type(await app.find("[data-testid=med-times]"), now);
  await app.type(await app.find("#med-pills"), "30");
  const preview = await app.waitFor("the schedule preview", async () => {
    const items = await app.findAll("[data-testid=schedule-preview] li");
    return items.length === 5 ? items : false;
  });
  assert.equal(preview.length, 5, "the next five doses");
  await save("medication-add");
  await app.click(await app.find("[data-testid=med-save]"));
  await app.waitFor("the editor to close", async () => !(await shown("[data-testid=medication-editor]")));
  // The list reloads once the medication (and the reminder plan outside the vault) are saved.
  await app.waitFor("the medication listed", () => shown("[data-medication=metformin]"));
  assert.match(await textOf("[data-medication=metformin]"), /Metformin 500 mg/);
  assert.match(await textOf("[data-medication=metformin]"), /30 pills left/);
});

test("take today's dose with one tap, undo it, and take it again", async () => {
  await app.waitFor("today's dose", () => shown("[data-dose]"));
  assert.equal(await doseState(), "due");
  await press("Take Metformin");
  await app.waitFor("the dose taken", async () => (await doseState()) === "taken");
  assert.match(await textOf("[data-medication=metformin]"), /29 pills left/);

  await press("Undo Metformin");
  await app.waitFor("the dose due again", async () => (await doseState()) === "due");
  assert.match(await textOf("[data-medication=metformin]"), /30 pills left/, "the pill is back");

  await press("Take Metformin");
  await app.waitFor("the dose taken again", async () => (await doseState()) === "taken");
  const taken = await app.waitFor("adherence", async () => (await textOf("[data-testid=adherence] [data-medication=metformin] [data-testid=taken-percent]")) || false);
  assert.equal(taken, "100%");
  await save("medications");
});

test("change the medication: the same id and history, the new details", async () => {
  await press("Change Metformin");
  await app.waitFor("the editor with the medication", async () => (await app.execute("return document.querySelector('[data-testid=med-name]')?.value")) === "Metformin");
  await app.type(await app.find("#med-strength"), "750 mg");
  await app.waitFor("the schedule preview", async () => (await app.findAll("[data-testid=schedule-preview] li")).length === 5);
  await save("medication-edit");
  await app.click(await app.find("[data-testid=med-save]"));
  await app.waitFor("the new strength", async () => /Metformin 750 mg/.test(await textOf("[data-medication=metformin]")));
  assert.equal(await doseState(), "taken", "today's dose keeps its history");
});
