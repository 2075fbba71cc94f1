// Checks that each npm lock file lists every optional dependency of every package it holds: the
// native builds of rollup, esbuild and others for every platform, as npm writes them when its
// registry serves all platforms. A lock written against a registry (or mirror) that served only
// this machine's platform lacks them, and npm on any other machine rewrites it. Entries for other
// platforms are what this wants, never a failure.
//
//   node scripts/check-npm-locks.mjs LOCK...
import { readFileSync } from "node:fs";

let failed = false;
for (const path of process.argv.slice(2)) {
  const packages = JSON.parse(readFileSync(path, "utf8")).packages ?? {};
  const missing = [];
  for (const [at, entry] of Object.entries(packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      if (!resolves(packages, at, name)) missing.push(`${name} (optional dependency of ${at || "the root"})`);
    }
  }
  if (missing.length > 0) {
    failed = true;
    console.error(`${path} lacks ${missing.length} optional package(s), e.g. ${missing.slice(0, 3).join(", ")}.`);
    console.error("Write it with npm against a registry that serves every platform (npm install --package-lock-only).");
  } else {
    console.log(`${path}: every optional package of every platform is listed`);
  }
}
process.exit(failed ? 1 : 0);

/** Whether `name`, required by the package at `at`, is found as Node resolves it: in the package's
 * own node_modules, then in each enclosing one up to the root. */
function resolves(packages, at, name) {
  let dir = at;
  for (;;) {
    if (`${dir ? `${dir}/` : ""}node_modules/${name}` in packages) return true;
    if (!dir) return false;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up < 0 ? "" : dir.slice(0, up);
  }
}
