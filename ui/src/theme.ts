// The app's look: light, dark, or following the system, set on the root element for styles.css.
import type { Theme } from "./bindings";

export function applyTheme(theme: Theme) {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
