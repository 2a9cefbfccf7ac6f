/**
 * Rollup plugin that strips TypeScript types with ts.transpileModule (no type checking: that is
 * `npm run typecheck`'s job) and resolves extension-less relative imports to .ts files, the way
 * vite does for the Node run, so the same test sources bundle for Deno and Chromium.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import ts from 'typescript';

const candidates = (base) => [
  base, `${base}.ts`, `${base}/index.ts`,
  base.replace(/\.m?js$/, '.ts'), // `./x.js` written for TS's NodeNext style
];

export default function typescript() {
  return {
    name: 'dcd-typescript',
    resolveId(source, importer) {
      if (!importer || !(source.startsWith('./') || source.startsWith('../'))) return null;
      const base = resolve(dirname(importer), source);
      return candidates(base).find((p) => existsSync(p) && statSync(p).isFile()) ?? null;
    },
    transform(code, id) {
      if (!id.endsWith('.ts')) return null;
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          sourceMap: true,
          useDefineForClassFields: true,
          verbatimModuleSyntax: false,
        },
      });
      return { code: out.outputText, map: out.sourceMapText };
    },
  };
}
