/** Rollup plugin: emits dist/index.d.ts re-exporting the per-file declarations TypeScript wrote. */
export default function dtsEntry({ from = './types/index.js' } = {}) {
  return {
    name: 'dcd-dts-entry',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'index.d.ts', source: `export * from '${from}';\n` });
    },
  };
}
