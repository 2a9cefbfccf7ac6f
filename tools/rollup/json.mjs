/**
 * Minimal rollup plugin: `import data from './x.json'` gives the parsed JSON as the default export.
 * (No @rollup/plugin-json here; the fixtures only need the default export.)
 */
export default function json() {
  return {
    name: 'dcd-json',
    transform(code, id) {
      if (!id.endsWith('.json')) return null;
      let value;
      try {
        value = JSON.parse(code);
      } catch (err) {
        this.error(`invalid JSON in ${id}: ${err.message}`);
      }
      // JSON.parse of a string literal is faster for engines to load than a big object literal.
      return { code: `export default JSON.parse(${JSON.stringify(JSON.stringify(value))});\n`, map: { mappings: '' } };
    },
  };
}
