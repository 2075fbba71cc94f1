// Settings → Import in the real app: the patient picks an Apple Health export.xml in the system's
// Open dialog (GTK's, typed into with xdotool as a person would type a path), sees what it holds,
// imports it with progress, finds it on Trends, and undoes it. Saves a screenshot.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "./webdriver.mjs";
import { appBinary, DRIVER_URL, startDriver } from "./driver.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const screenshots = join(root, "target", "screenshots");
const DIALOG_TITLE = "Choose an export from another health app";
/** Heart rate every 2 minutes over the last 7 days, from a watch and (each reading again) a phone. */
const DAYS = 7;
const EVERY_MINUTES = 2;
const READINGS = (DAYS * 24 * 60) / EVERY_MINUTES;

let driver;
let app;
let exportXml;

/** Apple Health's date form: "2026-12-01 08:00:00 +0000". */
function appleDate(ms) {
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " +0000");
}

/** An export.xml as the Health app writes it: a heart rate every 2 minutes from the watch, each
 * one also from the phone (a duplicate Tend keeps once), steps (not a vital), and two blood
 * pressures as correlations. */
function appleHealthExport() {
  const end = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE HealthData [\n<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout)*)>\n]>',
    '<HealthData locale="en_GB">',
    ` <ExportDate value="${appleDate(end)}"/>`,
    ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1958-04-02" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>',
  ];
  for (let i = 0; i < READINGS; i++) {
    const at = appleDate(end - i * EVERY_MINUTES * 60_000);
    const bpm = 62 + ((i * 7) % 30);
    for (const source of ["Pat's Apple Watch", "Pat's iPhone"]) {
      lines.push(
        ` <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="${source}" sourceVersion="10.1" unit="count/min" creationDate="${at}" startDate="${at}" endDate="${at}" value="${bpm}"/>`,
      );
    }
    if (i % 30 === 0) {
      lines.push(` <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Pat's iPhone" unit="count" creationDate="${at}" startDate="${at}" endDate="${at}" value="120"/>`);
    }
  }
  for (const [i, [systolic, diastolic]] of [[138, 86], [131, 82]].entries()) {
    const at = appleDate(end - (i + 1) * 86_400_000);
    lines.push(
      ` <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Cuff" creationDate="${at}" startDate="${at}" endDate="${at}">`,
      `  <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" sourceName="Cuff" unit="mmHg" creationDate="${at}" startDate="${at}" endDate="${at}" value="${systolic}"/>`,
      `  <Record type="HKQuantityTypeIdentifierBloodPressureDiastolic" sourceName="Cuff" unit="mmHg" creationDate="${at}" startDate="${at}" endDate="${at}" value="${diastolic}"/>`,
      " </Correlation>",
    );
  }
  lines.push("</HealthData>");
  return lines.join("\n") + "\n";
}

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  driver = await startDriver();
  exportXml = join(driver.dataDir, "..", `tend-e2e-${process.pid}-export.xml`);
  writeFileSync(exportXml, appleHealthExport());
  app = await Session.start(DRIVER_URL, { "tauri:options": { application: appBinary() } });
});

after(async () => {
  await app?.end().catch(() => {});
  await driver?.stop();
});

const shown = (css) => app.findAll(css).then((found) => found.length > 0);
const textOf = async (css) => app.text(await app.find(css));

/** Types `path` into GTK's Open dialog once it is on screen, and opens it. */
async function pickInOpenDialog(path) {
  const xdotool = (...args) => execFileSync("xdotool", args, { encoding: "utf8", timeout: 15_000 }).trim();
  const window = await app.waitFor("the Open dialog", () => {
    try {
      return xdotool("search", "--onlyvisible", "--name", DIALOG_TITLE).split("\n")[0];
    } catch {
      return false; // xdotool search exits 1 while nothing matches
    }
  }, 15_000);
  xdotool("windowfocus", "--sync", window);
  // GTK's file chooser opens its location field on "/" (keys typed while it opens are lost); then
  // the whole path replaces what it holds.
  xdotool("type", "/");
  await new Promise((r) => setTimeout(r, 700));
  xdotool("key", "ctrl+a");
  xdotool("type", "--delay", "15", path);
  await new Promise((r) => setTimeout(r, 300));
  xdotool("key", "Return");
}

test("import an Apple Health export from Settings, with progress, and undo it", async () => {
  await app.waitFor("the app", () => shown("nav a[data-route=today]"));
  await app.click(await app.find("nav a[data-route=today]"));
  await app.waitFor("the set-up form", () => shown("[data-testid=vault-submit]"));
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.waitFor("the passphrase fields", () => shown("[data-testid=passphrase-confirm]"));
  await app.type(await app.find("[data-testid=passphrase]"), "import e2e passphrase");
  await app.type(await app.find("[data-testid=passphrase-confirm]"), "import e2e passphrase");
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.waitFor("the vault set up", async () => !(await shown("[data-testid=passphrase-confirm]")));
  await app.click(await app.find("nav a[data-route=settings]"));
  await app.waitFor("Settings → Import", () => shown("[data-testid=import-choose]"));

  // Remember whether progress was ever on screen: reading a file this size takes a moment.
  await app.execute(`
    window.__tendSawProgress = false;
    new MutationObserver(() => {
      if (document.querySelector("[data-testid=import-progress]")) window.__tendSawProgress = true;
    }).observe(document.body, { childList: true, subtree: true });
  `);
  await app.click(await app.find("[data-testid=import-choose]"));
  await pickInOpenDialog(exportXml);

  await app.waitFor("the preview", () => shown("[data-testid=import-preview]"), 30_000);
  assert.equal(await app.execute("return window.__tendSawProgress"), true, "progress was shown while reading");
  const preview = await textOf("[data-testid=import-preview]");
  assert.match(preview, /Apple Health export/);
  assert.match(preview, /Heart rate\s*5,?040/);
  assert.match(preview, /Blood pressure, systolic\s*2\D/);
  assert.match(preview, /5,?040 readings are already in your history or appear twice in the file/);
  assert.match(preview, /records of a kind Tend does not keep/);
  await app.nextPaint();
  writeFileSync(join(screenshots, "import-preview.png"), await app.screenshot());

  await app.click(await app.find("[data-testid=import-commit]"));
  await app.waitFor("the result", () => shown("[data-testid=import-result]"), 30_000);
  assert.match(await textOf("[data-testid=import-result]"), /^Imported 5,?044 readings from tend-e2e-\d+-export\.xml\./);
  assert.match(await textOf("[data-testid=import-batches]"), /export\.xml/);

  // The week of heart rate is on Trends.
  await app.click(await app.find("nav a[data-route=trends]"));
  await app.waitFor("the chart", () => shown("[data-testid=trend-chart]"));
  assert.match(await textOf("[data-testid=trend-metric]"), /Heart rate/);

  // Undone: the batch is gone, and so are its readings.
  await app.click(await app.find("nav a[data-route=settings]"));
  await app.waitFor("the imports", () => shown("[data-testid=import-undo]"));
  await app.click(await app.find("[data-testid=import-undo]"));
  await app.click(await app.find("[data-testid=import-undo-confirm]"));
  await app.waitFor("the import undone", async () => !(await shown("[data-testid=import-batches]")));
  assert.match(await app.text(await app.find("[data-testid=import]")), /Removed 5,?044 readings imported from/);
  await app.click(await app.find("nav a[data-route=trends]"));
  await app.waitFor("no readings left to chart", async () => (await app.text(await app.find("main"))).includes("No readings yet"));
});
