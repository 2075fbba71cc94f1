// An independent FHIR R4 check of what Tend produces: the `fhir` package (FHIR.js), not Medplum.
// Usage: node validate.mjs FILE...   Each file holds one resource (usually a Bundle) or a JSON
// array of them. Prints one line per file and exits non-zero if any has an error.
import fs from 'node:fs';
import { Fhir } from 'fhir';

const fhir = new Fhir();
let failed = false;
for (const file of process.argv.slice(2)) {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  const resources = Array.isArray(parsed) ? parsed : [parsed];
  const errors = resources.flatMap((r, i) =>
    fhir.validate(r, { errorOnUnexpected: true }).messages
      .filter((m) => m.severity === 'error')
      .map((m) => `#${i} ${m.location}: ${m.message}`),
  );
  if (errors.length) failed = true;
  console.log(errors.length ? `${file}: INVALID\n  ${errors.join('\n  ')}` : `${file}: valid R4 (${resources.length})`);
}
process.exit(failed ? 1 : 0);
