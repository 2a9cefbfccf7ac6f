// The networks of bench:nets (issue 11 part 4): three families, each a DCD network and its static twin,
// named as tools/fixtures/export_onnx.py names its files (build/onnx/<file>.{onnx,json,safetensors}),
// plus the benchmark input: the fixtures' hash input 'input.eval' (tools/fixtures/network_common.py,
// hash_input), whose first image is the one the export's logits were computed on.

export const FAMILIES = [
  { family: 'ResNet-18', dcd: 'resnet18_dcd', static: 'resnet18' },
  { family: 'ResNet-50', dcd: 'resnet50_dcd', static: 'resnet50' },
  { family: 'MobileNetV2 1.0', dcd: 'mobilenetv2_dcd', static: 'mobilenet_v2' },
];

/** file → { label, make(lib, m) }: the library's constructor with the exporter's options. */
export const NETWORKS = {
  resnet18_dcd: { label: 'DCD-ResNet-18', make: (lib, m) => lib.resnet18_dcd(m) },
  resnet18: { label: 'ResNet-18', make: (lib, m) => lib.resnet18(m) },
  resnet50_dcd: { label: 'DCD-ResNet-50', make: (lib, m) => lib.resnet50_dcd(m) },
  resnet50: { label: 'ResNet-50', make: (lib, m) => lib.resnet50(m) },
  mobilenetv2_dcd: { label: 'DCD-MobileNetV2 1.0', make: (lib, m) => lib.mobilenetv2_dcd(m, { widthMult: 1 }) },
  mobilenet_v2: { label: 'MobileNetV2 1.0', make: (lib, m) => lib.mobilenet_v2(m, { widthMult: 1 }) },
};

export const SIZE = 224;
export const INPUT_TAG = 'input.eval';

// The fixtures' hash (network_common.py; the library's bindings/ops/nn_hash.ts): fmix32, hash32(seed, i),
// unit = (hash32 >>> 8) / 2^24, FNV-1a seeds. Written out here, not imported from dist/: cold.mjs makes its
// input with it before the clock starts, and importing the library then would hide the import's cost.
function fmix32(a) {
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  a ^= a >>> 16;
  return a >>> 0;
}

function fnv1a32(text) {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

/** hash_input(tag, shape): (2·unit − 1)·√3 in float64, rounded once to float32 (as numpy's astype). */
export function hashInput(tag, count) {
  const seed = fnv1a32(tag), out = new Float32Array(count), root3 = Math.sqrt(3);
  for (let i = 0; i < count; i++) {
    const u = (fmix32(seed ^ fmix32((i + 0x9e3779b9) >>> 0)) >>> 8) / 2 ** 24;
    out[i] = (2 * u - 1) * root3;
  }
  return out;
}

/** max |a − b| / max |b| (the bound tests/bindings/networks.test.ts puts on logits vs PyTorch). */
export function logitsError(a, b) {
  if (!a || a.length !== b.length) return Infinity;
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    diff = d > diff || Number.isNaN(d) ? d : diff;
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return Number.isNaN(diff) ? Infinity : diff / (scale || 1);
}
