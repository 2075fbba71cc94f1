// The app runs with `freezePrototype` on (tauri.conf.json); tests run the same way so a library
// that writes to Object.prototype fails here, not in the patient's webview.
Object.freeze(Object.prototype);

// jsdom has no matchMedia; uPlot asks it for the pixel ratio as it loads.
window.matchMedia ??= ((query: string) => ({
  matches: false,
  media: query,
  onchange: null,
  addListener() {},
  removeListener() {},
  addEventListener() {},
  removeEventListener() {},
  dispatchEvent: () => false,
})) as typeof window.matchMedia;
