/**
 * Rollup plugin: emits dist/<name>.cjs, the `require` entry. It loads the ES module bundle with
 * require(esm) (Node ≥ 20.19, 22.12) rather than shipping a second copy of the embedded wasm, and on
 * older Node says so in one line instead of ERR_REQUIRE_ESM.
 */
export default function cjsEntry({ name }) {
  const source = `'use strict';
// dcd-wasm is an ES module; require() of it needs Node >= 20.19 (or 22.12) where require(esm) works.
try {
  module.exports = require('./${name}.js');
} catch (e) {
  if (e && e.code === 'ERR_REQUIRE_ESM') {
    throw new Error('dcd-wasm: require("dcd-wasm") needs Node >= 20.19 (require of ES modules); ' +
      'on this Node ' + process.version + ' use import() / import instead');
  }
  throw e;
}
`;
  return {
    name: 'dcd-cjs-entry',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: `${name}.cjs`, source });
    },
  };
}
