/**
 * The public surface is deliberate: the declarations of `sipconf` and `sipconf/check`, as built now, match the
 * API reports checked in under etc/ (scripts/api-report.ts, API Extractor). A change fails here until
 * `npm run api:update` records it in the reports — and the diff of etc/*.api.md shows reviewers what changed.
 */
import { apiReports } from '../../scripts/api-report';

test('the built declarations match etc/sipconf.api.md and etc/sipconf-check.api.md', () => {
  const results = apiReports(false);
  expect(results.map((r) => r.entry)).toEqual(['sipconf', 'sipconf/check']);
  for (const r of results) {
    expect({ entry: r.entry, errors: r.errors }).toEqual({ entry: r.entry, errors: 0 });
    if (r.changed)
      throw new Error(
        `the public API of '${r.entry}' differs from ${r.report}: run \`npm run api:update\` if the change is deliberate`,
      );
  }
}, 180_000);
