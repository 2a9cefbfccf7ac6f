// as-pect runs every kernel spec. The asc options come from the as-pect asconfig passed on the
// command line: as-pect.asconfig.json (SIMD build, the default) or as-pect.scalar.asconfig.json.
export default {
  entries: ["tests/assembly/**/*.spec.ts"],
  include: ["tests/assembly/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
