// Some systems run with the POSIX locale (LANG=C), which WebKit passes on as the page's language
// ("C"), a tag Intl refuses. Libraries that format numbers for that language (uPlot does, as it
// loads) would then fail; they get a real tag instead. Imported first by main.ts.
try {
  new Intl.NumberFormat(navigator.language);
} catch {
  Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
}

export {};
