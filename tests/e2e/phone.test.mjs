// The app at a phone's size, in the real webview: the window at 360 × 640 CSS px, every screen
// checked for what a phone needs — nothing wider than the screen, every control at least
// 44 × 44 px to tap, the navigation in reach, axe-core's WCAG 2.1 AA rules — and again with the
// text at 200%. Saves a phone screenshot of each screen. And a small laptop window, 800 × 600:
// the sidebar folds into the bottom bar and Today's first screen shows readings.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "./webdriver.mjs";
import { appBinary, DRIVER_URL, importHistory, startDriver } from "./driver.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const screenshots = join(root, "target", "screenshots");
const AXE_SOURCE = readFileSync(join(root, "ui", "node_modules", "axe-core", "axe.min.js"), "utf8");
const PASSPHRASE = "phone e2e passphrase";
const PHONE = { width: 360, height: 640 };
const SCREENS = ["today", "devices", "trends", "report", "medications", "sharing", "settings"];
/** The smallest target a finger hits reliably (WCAG 2.5.5, Apple's and Android's guidelines). */
const TAP = 44;

let driver;
let app;

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  driver = await startDriver();
  // A day of heart rate, so Today and Trends have something to lay out.
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 24 * 3_600_000;
  const rows = [];
  for (let minute = 0; minute < 24 * 60; minute += 5) {
    rows.push(`${new Date(start + minute * 60_000).toISOString().replace(/\.000Z$/, "Z")},heart_rate,${64 + (minute % 17)},/min,strap`);
  }
  importHistory(driver, rows, PASSPHRASE);
  app = await Session.start(DRIVER_URL, { "tauri:options": { application: appBinary() } });
});

after(async () => {
  await app?.end().catch(() => {});
  await driver?.stop();
});

const shown = (css) => app.findAll(css).then((found) => found.length > 0);

/** What does not fit a phone on the current screen: content wider than the viewport, and
 * visible controls smaller than a fingertip (a checkbox or radio counts with its label, which
 * takes the tap too; a link inside running text is exempt, as WCAG exempts it). */
function phoneProblems(tap) {
  return app.execute(
    `const tap = arguments[0];
    const problems = [];
    // The page, and the screen that scrolls above the bottom bar.
    for (const scroller of [document.scrollingElement, document.querySelector("main")]) {
      const width = scroller.clientWidth;
      if (scroller.scrollWidth > width + 1) {
        const right = scroller.getBoundingClientRect().left + width;
        const wide = [...scroller.querySelectorAll("*")].filter((e) => e.getBoundingClientRect().right > right + 1 || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === "visible").slice(-3);
        problems.push("wider than the screen (" + scroller.scrollWidth + " > " + width + " px): " + wide.map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")).join(", "));
      }
    }
    const name = (e) => (e.getAttribute("aria-label") || e.textContent || e.getAttribute("data-testid") || e.tagName).trim().replace(/\\s+/g, " ").slice(0, 40);
    for (const e of document.querySelectorAll("button, a[href], select, input, textarea, [role=switch]")) {
      if (e.closest("p, li > span, td > span") && e.tagName === "A") continue;
      const target = (e.type === "checkbox" || e.type === "radio") ? (e.closest("label") ?? e) : e;
      const r = target.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(target).visibility === "hidden") continue;
      if (r.width < tap - 0.5 || r.height < tap - 0.5) problems.push("too small to tap (" + Math.round(r.width) + " × " + Math.round(r.height) + " px): " + name(e));
    }
    const nav = document.querySelector("nav.nav").getBoundingClientRect();
    if (nav.bottom > window.innerHeight + 1 && nav.top > 0) problems.push("the navigation is below the screen");
    return problems;`,
    [tap],
  );
}

async function runAxe() {
  if (!(await app.execute("return typeof window.axe === 'object'"))) await app.execute(`${AXE_SOURCE}\n;return 1;`);
  return app.command("POST", "/execute/async", {
    script: `const done = arguments[arguments.length - 1];
      axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
        .then((r) => done(r.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join("; "))))
        .catch((e) => done(["axe failed: " + e]));`,
    args: [],
  });
}

/** Goes to `screen` as a patient would: from the bottom bar, or through "More". */
async function visit(screen) {
  const inBar = await app.execute("return document.querySelector(`nav a[data-route=${arguments[0]}]`).getBoundingClientRect().width > 0", [screen]);
  if (inBar) {
    await app.click(await app.find(`nav a[data-route=${screen}]`));
  } else {
    await app.click(await app.find("[data-testid=more]"));
    await app.waitFor("the More menu", () => shown(`[data-more-route=${screen}]`));
    await app.click(await app.find(`[data-more-route=${screen}]`));
  }
  await app.waitFor(`the ${screen} screen`, () => shown(`main[data-screen=${screen}]`));
  await new Promise((r) => setTimeout(r, 400)); // its data arrives and lays out
}

test("every screen fits a phone: 360 × 640, nothing to scroll sideways, targets a finger can hit", async () => {
  await app.command("POST", "/window/rect", PHONE);
  const inner = await app.execute("return [window.innerWidth, window.innerHeight]");
  assert.deepEqual(inner, [PHONE.width, PHONE.height], "the webview is phone-sized");

  await app.waitFor("the app", () => shown("nav a[data-route=today]"));
  await app.waitFor("the unlock form", () => shown("[data-testid=passphrase]"));
  await app.type(await app.find("[data-testid=passphrase]"), PASSPHRASE);
  await app.click(await app.find("[data-testid=vault-submit]"));
  await app.waitFor("unlocked", async () => !(await shown("[data-testid=passphrase]")));

  const found = [];
  for (const screen of SCREENS) {
    await visit(screen);
    for (const p of await phoneProblems(TAP)) found.push(`${screen}: ${p}`);
    for (const v of await runAxe()) found.push(`${screen}: axe ${v}`);
    await app.nextPaint();
    writeFileSync(join(screenshots, `phone-${screen}.png`), await app.screenshot());
  }
  assert.deepEqual(found, [], found.join("\n"));
});

test("with the text at 200%, every screen still reflows without sideways scrolling", async () => {
  await app.execute("document.documentElement.style.fontSize = '200%'");
  const found = [];
  for (const screen of SCREENS) {
    await visit(screen);
    for (const p of await phoneProblems(0)) found.push(`${screen}: ${p}`);
  }
  await app.execute("document.documentElement.style.fontSize = ''");
  assert.deepEqual(found, [], found.join("\n"));
});

test("at 800 × 600, the sidebar folds into the bottom bar and Today opens on readings", async () => {
  await app.command("POST", "/window/rect", { width: 800, height: 600 });
  const inner = await app.execute("return [window.innerWidth, window.innerHeight]");
  assert.deepEqual(inner, [800, 600], "the webview is 800 × 600");
  await visit("today");
  const layout = await app.execute(`
    const nav = document.querySelector("nav.nav").getBoundingClientRect();
    const reading = document.querySelector("[data-metric] [data-testid=latest-value]");
    const box = reading && reading.getBoundingClientRect();
    return { navTop: nav.top, navHeight: nav.height, reading: box && { top: box.top, bottom: box.bottom } };`);
  assert.ok(layout.navTop > 600 / 2 && layout.navHeight < 120, `the navigation is a bottom bar: ${JSON.stringify(layout)}`);
  assert.ok(layout.reading && layout.reading.bottom <= layout.navTop, `a reading shows above the bar, without scrolling: ${JSON.stringify(layout)}`);
  const found = (await phoneProblems(TAP)).map((p) => `today at 800 × 600: ${p}`);
  assert.deepEqual(found, [], found.join("\n"));
  await app.nextPaint();
  writeFileSync(join(screenshots, "today-800x600.png"), await app.screenshot());
});
