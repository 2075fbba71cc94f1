// The patient's whole journey in one run of the real app: set Tend up, pair the simulated strap,
// see its heart rate live, chart it, add a medication and take a dose, switch sharing on for a
// care team, share, and find the reading on the care team's FHIR server. One screenshot a screen.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "./webdriver.mjs";
import { appBinary, DRIVER_URL, startDriver, startFhirServer } from "./driver.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const screenshots = join(root, "target", "screenshots");
const STRAP = "C0:7E:4D:00:00:01";
/** The readings the simulated cuff kept before Tend met it (tend-bluez-sim's default). */
const CUFF_KEPT = 12;
const CUFF = "C0:7E:4D:00:00:03";

let driver;
let app;
let fhir;

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  fhir = await startFhirServer();
  driver = await startDriver();
  app = await Session.start(DRIVER_URL, { "tauri:options": { application: appBinary() } });
});

after(async () => {
  await app?.end().catch(() => {});
  await driver?.stop();
  fhir?.stop();
});

async function save(name) {
  await app.nextPaint();
  writeFileSync(join(screenshots, `journey-${name}.png`), await app.screenshot());
}

const shown = (css) => app.findAll(css).then((found) => found.length > 0);
const textOf = async (css) => app.text(await app.find(css));
const attribute = async (css, name) => app.command("GET", `/element/${await app.find(css)}/attribute/${name}`);
const go = async (route) => {
  await app.click(await app.find(`nav a[data-route=${route}]`));
  await app.waitFor(`the ${route} screen`, () => shown(`main[data-screen=${route}]`));
};

test("onboard: set Tend up with a passphrase", async () => {
  await app.waitFor("the welcome", () => shown("[data-testid=vault-submit]"));
  assert.equal(await textOf("[data-testid=vault-status]"), "Not set up yet");
  await save("welcome");
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.waitFor("the passphrase fields", () => shown("[data-testid=passphrase-confirm]"));
  // On a 1280 × 760 laptop screen the button that sets Tend up is in sight, below the rule and
  // both fields (it was below the fold).
  const size = await app.command("GET", "/window/rect");
  await app.command("POST", "/window/rect", { width: 1280, height: 760 });
  const fold = await app.execute(
    "return [document.querySelector('[data-testid=vault-submit]').getBoundingClientRect().bottom, window.innerHeight];",
  );
  assert.ok(fold[0] <= fold[1], `the set-up button ends at ${fold[0]} px of a ${fold[1]} px window`);
  await app.command("POST", "/window/rect", { width: size.width, height: size.height });
  await app.type(await app.find("[data-testid=passphrase]"), "journey passphrase");
  await app.type(await app.find("[data-testid=passphrase-confirm]"), "journey passphrase");
  await app.click(await app.find("[data-testid=vault-submit]"));
  // Unlocked, Today leads with the next steps rather than the vault's state.
  await app.waitFor("unlocked", () => shown("[data-testid=next-steps]"));
});

test("pair the strap and the cuff, and see the heart rate live", async () => {
  await go("devices");
  await app.click(await app.find("[data-testid=scan]"));
  await app.waitFor("the strap nearby", () => shown(`[data-found="${STRAP}"] button`), 20_000);
  await app.click(await app.find(`[data-found="${STRAP}"] button`));
  await app.waitFor("the strap streaming", async () => (await attribute(`[data-device="${STRAP}"]`, "data-state")) === "streaming", 20_000);
  // The cuff kept readings while nobody listened: pairing fetches them. A cuff may be shared, so
  // pairing first asks which of its users the patient is: its only one.
  await app.click(await app.find(`[data-found="${CUFF}"] button`));
  await app.waitFor("which user are you", () => shown("[data-testid=user-choice]"));
  await app.click(await app.find("[data-testid=pair-as-user]"));
  await app.waitFor("the cuff paired", () => shown(`[data-device="${CUFF}"]`), 20_000);
  // It says how many of the cuff's kept readings it fetched, as it does for a meter's download.
  await app.waitFor("the cuff's kept readings fetched", async () => (await textOf(`[data-device="${CUFF}"]`)).includes(`Fetched ${CUFF_KEPT} stored readings`), 20_000);
  // Someone else uses the cuff after all: the patient says they are its user 2, then changes
  // their mind, without pairing it again.
  const changeUser = async (choice) => {
    await app.click(await app.find(`[data-device="${CUFF}"] button[aria-label^="Change which user"]`));
    await app.waitFor("the user choice", () => shown("[data-testid=user-choice]"));
    await app.click(await app.find(`[data-testid=user-choice] input[value="${choice}"]`));
    await app.click(await app.find("[data-testid=save-user]"));
  };
  await changeUser("2");
  await app.waitFor("user 2 of the cuff", async () => (await textOf(`[data-device="${CUFF}"]`)).includes("You are user 2"), 10_000);
  await changeUser("only");
  await app.waitFor("the cuff's only user", async () => !(await textOf(`[data-device="${CUFF}"]`)).includes("You are user"), 10_000);
  assert.match(await textOf("[data-testid=user-changed]"), /You are the only user of your cuff/);
  await save("devices");
  await go("today");
  const value = await app.waitFor("a live heart rate", async () => (await shown("[data-metric=heart_rate]")) && textOf("[data-metric=heart_rate] [data-testid=latest-value]"), 20_000);
  assert.match(value, /^\d+ bpm$/);
  // Pairing the cuff restarted the watch: Today follows the strap back to receiving, and shows
  // the newest of the cuff's stored readings (taken twice a day, the last 12 hours ago) once
  // they are all in.
  await app.waitFor("the strap receiving on Today", async () => /Receiving/.test(await textOf(`.card [data-device="${STRAP}"]`)), 20_000);
  await app.waitFor("the cuff's newest reading on Today", async () => /pulse \d+.* 12 h ago/s.test(await textOf("[data-metric=blood_pressure]")), 20_000);
  await save("today");
});

test("the trends chart has the strap's points", async () => {
  await go("trends");
  await app.waitFor("the chart", () => shown("[data-testid=trend-chart]"), 15_000);
  await app.click(await app.find("button[data-span=day]"));
  const points = await app.waitFor("points", async () => Number(await attribute("[data-testid=trend-chart]", "data-points")) || false);
  assert.ok(points >= 1);
  await save("trends");
  // The cuff's readings: one chart with both numbers, each reading a point of its own.
  await app.execute(`const select = document.querySelector("[data-testid=trend-metric]");
    select.value = [...select.options].find((o) => o.textContent === "Blood pressure").value;
    select.dispatchEvent(new Event("change"));`);
  await app.click(await app.find("button[data-span=week]"));
  await app.waitFor("the blood-pressure chart", async () => (await attribute("[data-testid=trend-chart]", "data-series")) === "systolic diastolic" && (await shown("[data-testid=chart-point]")), 15_000);
  await save("trends-blood-pressure");
});

test("add a medication and take today's dose", async () => {
  await go("medications");
  await app.click(await app.find("[data-testid=add-medication]"));
  const now = await app.execute("const d = new Date(); return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');");
  await app.type(await app.find("[data-testid=med-name]"), "Lisinopril");
  await app.type(await app.find("#med-strength"), "10 mg");
  await app.type(await app.find("[data-testid=med-times]"), now);
  await app.waitFor("the preview", () => shown("[data-testid=schedule-preview] li"));
  await app.click(await app.find("[data-testid=med-save]"));
  await app.waitFor("today's dose", () => shown("[data-dose]"));
  await app.click(await app.find('button[aria-label^="Take Lisinopril"]'));
  await app.waitFor("taken", async () => (await attribute("[data-dose]", "data-state")) === "taken");
  await save("medications");
});

test("switch blood-pressure sharing on, share, and find the readings on the care team's server", async () => {
  await go("sharing");
  await app.click(await app.find("[data-testid=add-team]"));
  await app.type(await app.find("[data-testid=team-name]"), "Dr Rivera's clinic");
  await app.type(await app.find("[data-testid=team-url]"), fhir.base);
  await app.click(await app.find("[data-testid=team-advanced] summary"));
  await app.type(await app.find("[data-testid=team-patient]"), "Patient/journey-1");
  await app.click(await app.find("[data-testid=team-save]"));
  // A care team lets data out: more than a minute after unlocking, Tend asks for the patient.
  await app.waitFor("the care team, or Tend asking who is there", async () => (await shown("[data-category=blood_pressure] input")) || shown("[data-testid=confirm-presence]"));
  if (await shown("[data-testid=confirm-presence]")) {
    await save("confirm-presence");
    await app.type(await app.find("[data-testid=presence-secret]"), "journey passphrase");
    await app.click(await app.find("[data-testid=confirm-presence] button.primary"));
  }
  await app.waitFor("the care team", () => shown("[data-category=blood_pressure] input"));
  // Blood pressure with its history on; heart rate stays off.
  await app.click(await app.find("[data-category=blood_pressure] input"));
  await app.click(await app.find('[data-category=blood_pressure] input[value="since"]'));
  await app.click(await app.find("[data-testid=consent-confirm]"));
  await app.waitFor("the switch on", () => app.execute("return document.querySelector('[data-category=blood_pressure] input').checked"));
  // The cuff's stored readings are all shared once its download finished.
  const shareNow = async () => {
    await app.click(await app.find("[data-testid=sync-now]"));
    await app.waitFor("shared", async () => /Last shared/.test(await textOf("[data-testid=sync-status]")), 30_000);
    return (await fetch(`${fhir.base}/$admin/resources?type=Observation`)).json();
  };
  await app.waitFor("the cuff's readings shared", async () => (await shareNow()).length >= CUFF_KEPT, 30_000);
  // One panel for each reading the cuff took (the 12 it kept, twice a day; it takes no other in
  // the test's minutes), however often Tend shares: never more than the device measured.
  const observations = await shareNow();
  assert.equal(observations.length, CUFF_KEPT);
  assert.ok(
    observations.every((o) => o.code.coding[0].code === "85354-9"),
    `blood-pressure panels only: ${observations.map((o) => o.code.coding[0].code)}`,
  );
  await save("sharing");
});
