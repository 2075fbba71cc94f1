// styles.css read as the webview would: the dark theme's dropdowns legible, and the sidebar folded
// into the bottom bar below 900 px. jsdom lays nothing out, so the rules themselves are checked
// (tests/e2e/phone.test.mjs looks at the drawn screens).
import { describe, expect, it } from "vitest";
import stylesheet from "./styles.css?raw";

const css = stylesheet.replace(/\/\*[\s\S]*?\*\//g, "");

/** The declarations of every rule whose selector list names `selector`, inside `within` (a block's text). */
function declarations(selector: string, within = css): Record<string, string> {
  const found: Record<string, string> = {};
  for (const match of within.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const selectors = match[1].split(",").map((s) => s.trim());
    if (!selectors.includes(selector)) continue;
    for (const declaration of match[2].split(";")) {
      const [name, ...value] = declaration.split(":");
      if (value.length) found[name.trim()] = value.join(":").trim();
    }
  }
  return found;
}

/** The text inside the block that opens with `opening` (a media query, a selector). */
function block(opening: string): string {
  const start = css.indexOf(opening);
  if (start < 0) return "";
  let depth = 0;
  for (let i = css.indexOf("{", start); i < css.length; i++) {
    if (css[i] === "{") depth++;
    if (css[i] === "}" && --depth === 0) return css.slice(css.indexOf("{", start) + 1, i);
  }
  return "";
}

/** WCAG 2's contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

describe("the dark theme", () => {
  const dark = declarations(':root[data-theme="dark"]');
  const resolve = (value: string | undefined) => (value ?? "").replace(/var\((--[\w-]+)\)/, (_, name) => dark[name] ?? "");

  it("has the stylesheet to read", () => expect(css.length).toBeGreaterThan(1000));

  it("asks the system for dark controls, so a dropdown's list is drawn dark too", () => {
    expect(dark["color-scheme"]).toBe("dark");
    expect(declarations(':root:not([data-theme="light"])', block("@media (prefers-color-scheme: dark)"))["color-scheme"]).toBe("dark");
  });

  it("gives a dropdown's options the theme's text on the theme's surface, legibly", () => {
    const option = declarations("option");
    expect(option.color).toBe("var(--text)");
    expect(option["background-color"]).toBe("var(--surface)");
    expect(contrast(resolve(option.color), resolve(option["background-color"]))).toBeGreaterThanOrEqual(4.5);
  });
});

describe("narrow windows", () => {
  it("fold the sidebar into the bottom bar below 900 px, not only on phones", () => {
    const narrow = block("@media (max-width: 899px)");
    expect(declarations(".shell", narrow)["grid-template-columns"]).toBe("minmax(0, 1fr)");
    expect(declarations(".nav", narrow).order).toBe("2");
    expect(declarations(".nav li.on-phone-under-more", narrow).display).toBe("none");
    expect(declarations(".nav .more", narrow).display).toBe("block");
  });
});
