/**
 * asc transform (asconfig.json "transform"): before asc's own -O3 pipeline, inline, propagate the
 * constant globals and run binaryen's function pipeline once over the whole module, so asc's pipeline
 * starts from optimised code.
 *
 * Why: asc -O3 runs binaryen at level 4 and its 5th pass, simplify-globals-optimizing, spent 150 of the
 * pipeline's 162 s CPU on the simd build (measured pass by pass with binaryen.js, 2026-12-07): it
 * re-optimises the freshly inlined, still unoptimised kernels function by function. The same passes run
 * here once over the whole module take ~18 s; asc's pipeline then finds nothing slow to do. See the
 * header of tools/build-wasm.mjs for the build times, sizes and kernel speed this gives.
 * Only for -O3 builds (the dev builds at -O0/-O1 are left alone).
 */
// binaryen's default function pipeline at level 4 / shrink 0 (src/passes/pass.cpp, version 116)
const FUNCTION_PASSES = [
  'ssa-nomerge', 'flatten', 'simplify-locals-notee-nostructure', 'local-cse', 'dce', 'remove-unused-names',
  'remove-unused-brs', 'remove-unused-names', 'optimize-instructions', 'pick-load-signs', 'precompute-propagate',
  'code-pushing', 'simplify-locals-nostructure', 'vacuum', 'reorder-locals', 'remove-unused-brs', 'merge-locals',
  'coalesce-locals', 'simplify-locals', 'vacuum', 'reorder-locals', 'coalesce-locals', 'reorder-locals',
  'code-folding', 'merge-blocks', 'remove-unused-brs', 'remove-unused-names', 'merge-blocks',
  'precompute-propagate', 'optimize-instructions', 'rse', 'vacuum',
];

export default class PreSimplify {
  afterCompile(module) {
    const { optimizeLevelHint, shrinkLevelHint } = this.program.options;
    if (optimizeLevelHint < 3 || shrinkLevelHint !== 0) return;
    const binaryen = this.binaryen;
    // the settings asc's Module.optimize uses for -O3 --shrinkLevel 0 (it sets them again afterwards)
    binaryen.setOptimizeLevel(4);
    binaryen.setShrinkLevel(0);
    binaryen.setFastMath(true);
    binaryen.setAlwaysInlineMaxSize(12);
    binaryen.setFlexibleInlineMaxSize(70);
    binaryen.setOneCallerInlineMaxSize(200);
    binaryen.setAllowInliningFunctionsWithLoops(true);
    module.runPasses(['duplicate-function-elimination', 'remove-unused-module-elements', 'once-reduction', 'inlining',
      'simplify-globals', ...FUNCTION_PASSES]);
  }
}
