// Accessibility of the real app in the real webview: axe-core (WCAG 2.0/2.1 A and AA, plus its
// best practices for landmarks and headings) on every screen in light and dark (the theme set as
// Settings sets it, and the system dark theme through GTK_THEME), and a keyboard walk
// that reaches every control with Tab and finds each one named for screen readers.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "./webdriver.mjs";
import { appBinary, DRIVER_URL, importHistory, startDriver } from "./driver.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const AXE_SOURCE = readFileSync(join(root, "ui", "node_modules", "axe-core", "axe.min.js"), "utf8");
const PASSPHRASE = "accessibility e2e passphrase";
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const THEMES = ["light", "dark"];
let lightBackground;

let driver;
let app;

before(async () => {
  driver = await startDriver();
});

after(async () => {
  await app?.end().catch(() => {});
  await driver?.stop();
});

const shown = (css) => app.findAll(css).then((found) => found.length > 0);

/** Starts the app. tauri-driver listens before its WebKitWebDriver does: on a busy machine the
 * first request can find nothing behind it, so that one is retried. */
async function startApp() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await Session.start(DRIVER_URL, { "tauri:options": { application: appBinary() } });
    } catch (e) {
      if (attempt === 20 || !/fetch failed|ECONNREFUSED|Connect/i.test(`${e.message} ${e.cause?.message ?? ""}`)) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Loads axe-core into the page once: its source runs as the body of a WebDriver script. */
async function injectAxe() {
  if (await app.execute("return typeof window.axe === 'object'")) return;
  await app.execute(`${AXE_SOURCE}\n;return typeof window.axe;`);
  assert.equal(await app.execute("return typeof window.axe"), "object", "axe-core loaded in the webview");
}

/** Shows the page with the light or the dark palette, as the theme chosen in Settings does
 * (WebKitWebDriver cannot emulate prefers-color-scheme; the system's dark theme has its own test). */
async function useTheme(theme) {
  await app.execute("document.documentElement.dataset.theme = arguments[0];", [theme]);
  const background = await app.execute("return getComputedStyle(document.body).backgroundColor + ' ' + getComputedStyle(document.documentElement).backgroundColor");
  if (theme === "light") lightBackground = background;
  else assert.notEqual(background, lightBackground, "the dark palette is applied");
  await app.nextPaint();
}

/** Runs axe on the whole page. Returns its violations, one line each (rule, impact, targets), and
 * what it could not decide ("incomplete", e.g. contrast over an image), to show in the log. */
async function runAxe() {
  await injectAxe();
  return app.command("POST", "/execute/async", {
    script: `const done = arguments[arguments.length - 1];
      const line = (v) => v.id + " (" + (v.impact ?? "review") + "): " + v.help + " at " +
        v.nodes.map((n) => n.target.join(" ") + (n.failureSummary ? " [" + n.failureSummary.replace(/\\s+/g, " ") + "]" : "")).join("; ");
      axe.run(document, { runOnly: { type: "tag", values: arguments[0] }, resultTypes: ["violations", "incomplete"] })
        .then((r) => done({ violations: r.violations.map(line), incomplete: r.incomplete.map(line), passes: r.passes.length }))
        .catch((e) => done({ violations: ["axe failed: " + e], incomplete: [], passes: 0 }));`,
    args: [TAGS],
  });
}

/** Every problem found by a test, so one run reports all of them; asserted empty at its end. */
let problems = [];

function assertNoProblems() {
  const found = problems;
  problems = [];
  assert.deepEqual(found, [], `accessibility problems:\n${found.join("\n")}`);
}

/** Checks the page as it is now with axe, in both themes. */
async function checkPage(name) {
  for (const theme of THEMES) {
    await useTheme(theme);
    const result = await runAxe();
    for (const line of result.violations) problems.push(`${name}, ${theme}: ${line}`);
    for (const line of result.incomplete) console.log(`# ${name}, ${theme}, for review: ${line}`);
    if (result.passes === 0) problems.push(`${name}, ${theme}: axe checked nothing`);
  }
  await useTheme("light");
}

/** Presses Tab round the page; returns every control that should be reachable, whether Tab
 * reached it, whether it then showed a focus outline, and its accessible name as axe computes it. */
async function tabWalk() {
  await injectAxe();
  await app.execute("document.activeElement?.blur(); window.scrollTo(0, 0); window.__reached = new Map();");
  await app.execute(
    `window.__onFocus ??= (e) => {
       const style = getComputedStyle(e.target);
       window.__reached.set(e.target, style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2);
     };
     document.addEventListener("focusin", window.__onFocus);`,
  );
  const controls = await app.execute("return document.querySelectorAll('a[href], button, input, select, textarea').length");
  for (let i = 0; i < 3 * controls + 20; i++) {
    await app.command("POST", "/actions", {
      actions: [{ type: "key", id: "keyboard", actions: [{ type: "keyDown", value: "\uE004" }, { type: "keyUp", value: "\uE004" }] }],
    });
  }
  return app.execute(
    `document.removeEventListener("focusin", window.__onFocus);
     axe.setup(document);
     const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
       (el.dataset.testid ? "[data-testid=" + el.dataset.testid + "]" : "") + (el.type && el.tagName !== "BUTTON" ? "[type=" + el.type + "]" : "");
     const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
     const all = [...document.querySelectorAll("a[href], button, input, select, textarea")].filter((el) => !el.disabled && visible(el));
     const reached = (el) => window.__reached.has(el) ||
       (el.type === "radio" && el.name && [...window.__reached.keys()].some((r) => r.type === "radio" && r.name === el.name));
     const out = all.map((el) => ({
       control: describe(el),
       reached: reached(el),
       focusShown: window.__reached.get(el) ?? true,
       name: axe.commons.text.accessibleText(el).trim(),
     }));
     axe.teardown();
     return out;`,
  );
}

async function checkKeyboard(name) {
  const controls = await tabWalk();
  if (controls.length === 0) problems.push(`${name}: no controls found`);
  for (const c of controls) {
    if (!c.reached) problems.push(`${name}: ${c.control} is not reachable with Tab`);
    if (!c.name) problems.push(`${name}: ${c.control} has no accessible name`);
    if (!c.focusShown) problems.push(`${name}: ${c.control} shows no focus outline`);
  }
}

async function go(route) {
  await app.click(await app.find(`nav a[data-route=${route}]`));
  await app.waitFor(`the ${route} screen`, () => shown(`main[data-screen=${route}]`));
}

async function checkScreen(name) {
  await app.nextPaint();
  await checkPage(name);
  await checkKeyboard(name);
}

test("the set-up form, before and after it asks for a passphrase", async (t) => {
  t.after(() => app?.end().then(() => (app = undefined), () => {}));
  app = await startApp();
  await app.waitFor("the set-up form", () => shown("[data-testid=vault-submit]"));

  // The check is live: axe in this webview does report faint text and a nameless button.
  await app.execute(
    `const probe = document.createElement("div");
     probe.id = "axe-probe";
     const faint = Object.assign(document.createElement("p"), { textContent: "faint" });
     faint.style.color = "#b0b0b0"; // set through the CSSOM: the CSP refuses style attributes
     faint.style.background = "#ffffff";
     probe.append(faint, document.createElement("button"));
     document.querySelector("main").append(probe);`,
  );
  const probed = (await runAxe()).violations.join("\n");
  await app.execute("document.getElementById('axe-probe').remove()");
  assert.match(probed, /^color-contrast .*#axe-probe/m);
  assert.match(probed, /^button-name .*#axe-probe/m);

  await checkScreen("set-up");
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.waitFor("the passphrase fields", () => shown("[data-testid=passphrase-confirm]"));
  await checkScreen("set-up with passphrase");
  await app.end();
  app = undefined;
  assertNoProblems();
});

/** Imports a day of heart rate, one reading a minute, into the profile with the `tend` command. */
function importDay() {
  const rows = [];
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 24 * 3_600_000;
  for (let minute = 0; minute < 24 * 60; minute++) {
    const time = new Date(start + minute * 60_000).toISOString().replace(/\.000Z$/, "Z");
    rows.push(`${time},heart_rate,${minute >= 600 && minute < 660 ? 120 : 72},/min,strap`);
  }
  importHistory(driver, rows, PASSPHRASE);
}

test("every screen, with history imported and a medication taken", async () => {
  importDay();
  app = await startApp();
  await app.waitFor("the unlock form", () => shown("[data-testid=passphrase]"));
  await checkScreen("unlock");
  await app.type(await app.find("[data-testid=passphrase]"), PASSPHRASE);
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.waitFor("the unlocked vault", async () => !(await shown("[data-testid=vault-submit]")));
  await checkScreen("today");

  await go("devices");
  await checkScreen("devices");

  await go("trends");
  await app.waitFor("the chart", () => shown("[data-testid=trend-chart] canvas"));
  await checkScreen("trends");
  await app.click(await app.find("button[data-span=custom]"));
  await app.waitFor("the date fields", () => shown("[data-testid=trend-from]"));
  await checkScreen("trends with dates");

  await go("medications");
  await app.click(await app.find("[data-testid=add-medication]"));
  await app.waitFor("the editor", () => shown("[data-testid=med-name]"));
  const now = await app.execute("const d = new Date(); return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');");
  await app.type(await app.find("[data-testid=med-name]"), "Metformin");
  await app.type(await app.find("[data-testid=med-times]"), now);
  await app.waitFor("the schedule preview", () => shown("[data-testid=schedule-preview] li"));
  await checkScreen("medication editor");
  await app.click(await app.find("[data-testid=med-save]"));
  await app.waitFor("today's dose", () => shown("[data-dose]"));
  await app.click(await app.find('button[aria-label^="Skip Metformin"]'));
  await app.waitFor("the skip form", () => shown(".skip select"));
  await checkScreen("medications, skipping a dose");
  await app.click(await app.find('.skip button[type=button]'));
  await app.click(await app.find('button[aria-label^="Take Metformin"]'));
  await app.waitFor("the dose taken", () => shown('[data-dose][data-state="taken"]'));
  await app.click(await app.find('button[aria-label^="Change Metformin"]'));
  await app.waitFor("the editor", () => shown("[data-testid=med-name]"));
  await checkScreen("medications, a dose taken and the editor open");

  await go("sharing");
  await checkScreen("sharing");

  await go("settings");
  await checkScreen("settings");
  assertNoProblems();
});

test("every screen in the dark theme the system asks for (GTK_THEME=Adwaita:dark)", async () => {
  await driver.stop();
  process.env.GTK_THEME = "Adwaita:dark";
  try {
    driver = await startDriver();
  } finally {
    delete process.env.GTK_THEME;
  }
  importDay();
  app = await startApp();
  assert.equal(await app.execute("return matchMedia('(prefers-color-scheme: dark)').matches"), true, "the webview follows the system's dark theme");
  const check = async (name) => {
    await app.nextPaint();
    for (const line of (await runAxe()).violations) problems.push(`${name}, system dark: ${line}`);
  };
  await app.waitFor("the unlock form", () => shown("[data-testid=passphrase]"));
  await check("unlock");
  await app.type(await app.find("[data-testid=passphrase]"), PASSPHRASE);
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.waitFor("the unlocked vault", async () => !(await shown("[data-testid=vault-submit]")));
  await check("today");
  for (const route of ["devices", "sharing", "settings"]) {
    await go(route);
    await check(route);
  }
  await go("trends");
  await app.waitFor("the chart", () => shown("[data-testid=trend-chart] canvas"));
  await check("trends");
  await go("medications");
  await app.click(await app.find("[data-testid=add-medication]"));
  await app.waitFor("the editor", () => shown("[data-testid=med-name]"));
  await check("medication editor");
  assertNoProblems();
});
