// Sharing in the real app with a real FHIR R4 server on loopback (tests/fhir-server): add the
// care team, switch heart rate on with history, share, and find the readings on the server as
// Observations; blood pressure, left off, never arrives. Saves a screenshot.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "./webdriver.mjs";
import { appBinary, browse, DRIVER_URL, importHistory, startDriver, startFhirServer } from "./driver.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const screenshots = join(root, "target", "screenshots");
const PASSPHRASE = "sharing e2e passphrase";

let driver;
let app;
let fhir;
let base;

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  fhir = await startFhirServer();
  base = fhir.base;
  driver = await startDriver();
  // Two hours ago: heart rate (one reading a minute for an hour) and one blood pressure.
  const rows = [];
  const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
  for (let minute = 0; minute < 60; minute++) {
    rows.push(`${new Date(start + minute * 60_000).toISOString()},heart_rate,${62 + (minute % 7)},/min,strap`);
  }
  rows.push(`${new Date(start).toISOString()},systolic,121,mm[Hg],cuff`);
  importHistory(driver, rows, PASSPHRASE);
  app = await Session.start(DRIVER_URL, { "tauri:options": { application: appBinary() } });
});

after(async () => {
  await app?.end().catch(() => {});
  await driver?.stop();
  fhir?.stop();
});

const shown = (css) => app.findAll(css).then((found) => found.length > 0);
const textOf = async (css) => app.text(await app.find(css));
const onServer = async (type) => (await fetch(`${base}/$admin/resources?type=${type}`)).json();

test("switch heart rate on for the care team, share, and find it on the server", async () => {
  await app.waitFor("the app", () => shown("nav a[data-route=sharing]"));
  await app.click(await app.find("nav a[data-route=sharing]"));
  await app.waitFor("the unlock form", () => shown("[data-testid=passphrase]"));
  await app.type(await app.find("[data-testid=passphrase]"), PASSPHRASE);
  await app.click(await app.find("[data-testid=vault-submit]"));

  await app.waitFor("the sharing screen", () => shown("[data-testid=add-team]"));
  await app.click(await app.find("[data-testid=add-team]"));
  await app.type(await app.find("[data-testid=team-name]"), "Dr Rivera's clinic");
  await app.type(await app.find("[data-testid=team-url]"), base);
  await app.click(await app.find("[data-testid=team-advanced] summary"));
  await app.type(await app.find("[data-testid=team-patient]"), "Patient/e2e-1");
  await app.click(await app.find("[data-testid=team-save]"));
  await app.waitFor("the care team", () => shown("[data-team] [data-category=heart_rate] input"));

  // Heart rate on, with today's history; blood pressure stays off.
  await app.click(await app.find("[data-category=heart_rate] input"));
  await app.waitFor("the from-when question", () => shown("[data-testid=consent-confirm]"));
  await app.click(await app.find('[data-category=heart_rate] input[value="since"]'));
  await app.click(await app.find("[data-testid=consent-confirm]"));
  await app.waitFor("the switch on", () => app.execute("return document.querySelector('[data-category=heart_rate] input').checked"));

  await app.click(await app.find("[data-testid=sync-now]"));
  await app.waitFor("the sync to finish", async () => /Last shared/.test(await textOf("[data-testid=sync-status]")), 30_000);

  const observations = await onServer("Observation");
  const codes = new Set(observations.map((o) => o.code.coding[0].code));
  assert.deepEqual([...codes], ["8867-4"], "heart rate only: blood pressure was not switched on");
  // An hour of one-a-minute readings: 5-minute summaries (the hour may straddle 13 periods).
  assert.ok(observations.length >= 12 && observations.length <= 13, `${observations.length} Observations`);
  assert.ok((await onServer("Device")).length === 1, "the strap as a Device");
  await app.waitFor("the log entry", () => shown('[data-testid=share-log] [data-action="shared"]'));

  // Sharing again sends nothing new: the server still has the same resources.
  await app.click(await app.find("[data-testid=sync-now]"));
  await app.waitFor("the second sync", async () => /Last shared .*: 0 items/.test(await textOf("[data-testid=sync-status]")), 30_000);
  assert.equal((await onServer("Observation")).length, observations.length, "no duplicates");
  await app.nextPaint();
  writeFileSync(join(screenshots, "sharing.png"), await app.screenshot());
});

test("sign in with a care team's own page (SMART) in the patient's browser", async () => {
  const smart = await startFhirServer(["--smart"]);
  try {
    await app.click(await app.find("[data-testid=add-team]"));
    await app.type(await app.find("[data-testid=team-name]"), "Smart clinic");
    await app.type(await app.find("[data-testid=team-url]"), smart.base);
    await app.click(await app.find("[data-testid=team-sign-in]"));
    // A care team lets data out: more than a minute after unlocking, Tend asks for the patient.
    await app.waitFor("the sign-in page, or Tend asking who is there", async () => (await shown("[data-testid=sign-in-page]")) || shown("[data-testid=confirm-presence]"), 15_000);
    if (await shown("[data-testid=confirm-presence]")) {
      await app.type(await app.find("[data-testid=presence-secret]"), PASSPHRASE);
      await app.click(await app.find("[data-testid=confirm-presence] button.primary"));
    }
    const page = await app.waitFor("the sign-in page's address", async () => (await shown("[data-testid=sign-in-page]")) && app.execute("return document.querySelector('[data-testid=sign-in-page]').value"), 15_000);
    assert.match(page, /code_challenge_method=S256/);
    await browse(page);
    const signedIn = await app.waitFor("signed in", async () => (await shown("[data-testid=signed-in]")) && textOf("[data-testid=signed-in]"), 30_000);
    assert.equal(signedIn, "Signed in to Smart clinic as Patient/pat-smart.");
    await app.waitFor("the care team listed", () => shown("[data-team=smart-clinic]"));
    assert.match(await textOf("[data-team=smart-clinic] .muted"), /Patient\/pat-smart · signed in/);
  } finally {
    smart.stop();
  }
});
