/** The test files every runtime runs: every tests/bindings/*.test.ts plus the harness self-tests. */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const suiteDirs = ['tests/bindings', 'tests/harness'];

export function listSuiteFiles() {
  return suiteDirs.flatMap((dir) => {
    let names;
    try {
      names = readdirSync(join(repoRoot, dir));
    } catch {
      return [];
    }
    return names.filter((n) => n.endsWith('.test.ts')).sort().map((n) => `${dir}/${n}`);
  });
}
