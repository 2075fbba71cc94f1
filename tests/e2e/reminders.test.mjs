// A reminder while Tend is locked, in the real app and webview with a real notification daemon:
// a dose added through the app falls due after the patient locked Tend; dunst shows it in words
// that name no medication; Take pressed on it while locked is recorded when the patient next
// unlocks. Saves a screenshot under target/screenshots.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "./webdriver.mjs";
import { appBinary, DRIVER_URL, startDriver, startNotificationService } from "./driver.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const screenshots = join(root, "target", "screenshots");
const PASSPHRASE = "correct horse battery";

let notifications;
let driver;
let app;

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  notifications = await startNotificationService();
  driver = await startDriver({ sessionBus: notifications.address });
  app = await Session.start(DRIVER_URL, { "tauri:options": { application: appBinary() } });
});

after(async () => {
  await app?.end().catch(() => {});
  await driver?.stop();
  await notifications?.stop();
});

const shown = (css) => app.findAll(css).then((found) => found.length > 0);
const textOf = async (css) => app.text(await app.find(css));
/** Keeps what the screen showed when a step failed (target/screenshots), then fails. */
const failed = (step) => async (error) => {
  writeFileSync(join(screenshots, `reminders-failed-${step}.png`), await app.screenshot());
  throw error;
};
const go = async (route) => app.click(await app.find(`nav a[data-route=${route}]`));
const doseState = () => app.find("[data-dose]").then((row) => app.command("GET", `/element/${row}/attribute/data-state`));

/** The wall-clock time (24-hour "HH:MM") a minute and a half from now, rounded down: a dose
 * then is due between 30 and 90 seconds from now, after the test has locked Tend. */
function soon() {
  const at = new Date(Date.now() + 90_000);
  return `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
}

test("a dose due while Tend is locked is announced by the notification service, naming nothing, and Take is recorded at unlock", async () => {
  // Set up with a passphrase (this bus has no keychain) and add a dose due soon.
  await app.waitFor("the app", () => shown("nav a[data-route=medications]"));
  await go("medications");
  await app.click(await app.waitFor("the set-up form", () => app.findAll("[data-testid=vault-submit]").then((f) => f[0])));
  await app.type(await app.waitFor("the passphrase fields", () => app.findAll("[data-testid=passphrase-confirm]").then((f) => f[0])), PASSPHRASE);
  await app.type(await app.find("[data-testid=passphrase]"), PASSPHRASE);
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.click(await app.waitFor("the medications screen", () => app.findAll("[data-testid=add-medication]").then((f) => f[0])));
  const due = soon();
  await app.type(await app.waitFor("the editor", () => app.findAll("[data-testid=med-name]").then((f) => f[0])), "Metformin");
  await app.type(await app.find("#med-strength"), "500 mg");
  await app.type(await app.find("[data-testid=med-times]"), due);
  await app.waitFor("the schedule preview", async () => (await app.findAll("[data-testid=schedule-preview] li")).length > 0);
  await app.click(await app.find("[data-testid=med-save]"));
  await app.waitFor("the medication listed", () => shown("[data-medication=metformin]"));

  // Lock, as a patient leaving the laptop would.
  await go("settings");
  await app.click(await app.waitFor("Lock now", () => app.findAll("[data-testid=lock-now]").then((f) => f[0])));
  await app.waitFor("Settings to say Locked", async () => (await textOf("[data-testid=vault-state]").catch(() => "")) === "Locked").catch(failed("lock"));
  await go("today");
  await app.waitFor("the unlock form", () => shown("[data-testid=passphrase]")).catch(failed("unlock-form"));
  assert.equal(notifications.notifications().length, 0, "nothing announced before the dose is due");

  // The app's own reminder loop rings it, locked, through dunst.
  const [reminder] = await app.waitFor(
    "the reminder shown by dunst",
    async () => (notifications.displayed() > 0 && notifications.notifications().length > 0 && notifications.notifications()),
    150_000,
  );
  // In the clock the screens use: the window told the app as it started.
  const twelve = await app.execute(
    "const cycle = new Intl.DateTimeFormat(navigator.language, { hour: 'numeric' }).resolvedOptions().hourCycle; return cycle === 'h11' || cycle === 'h12';",
  );
  const [hours, minutes] = due.split(":");
  const clock = twelve ? `${Number(hours) % 12 || 12}:${minutes} ${Number(hours) < 12 ? "AM" : "PM"}` : `${Number(hours)}:${minutes}`;
  assert.match(reminder.words, new RegExp(`Time for your ${clock} medication`));
  for (const secret of ["Metformin", "500 mg"]) assert.ok(!reminder.words.includes(secret), `the notification names ${secret}: ${reminder.words}`);
  assert.ok(await shown("[data-testid=passphrase]"), "Tend is still locked");
  await app.nextPaint();
  writeFileSync(join(screenshots, "reminder-locked.png"), await app.screenshot());

  // Take, pressed on the notification while locked: kept until the next unlock, then recorded.
  notifications.press(reminder.id, "take");
  await app.waitFor("the press kept for the next unlock", () => existsSync(join(driver.dataDir, "reminder-pending.json")));
  assert.ok(await shown("[data-testid=passphrase]"), "pressing Take does not unlock Tend");
  await app.type(await app.find("[data-testid=passphrase]"), PASSPHRASE);
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.waitFor("Tend unlocked", async () => !(await shown("[data-testid=passphrase]")));
  await go("medications");
  await app.waitFor("the dose taken", async () => (await shown("[data-dose]")) && (await doseState()) === "taken");
});
