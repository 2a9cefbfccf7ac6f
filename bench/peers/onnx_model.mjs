// A minimal ONNX protobuf writer: just enough of onnx.proto3 to build a model with one Conv node whose
// weight and bias are initializers, so ONNX Runtime Web gets a real model with no converter in the loop.
// Field numbers are from onnx/onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto, ValueInfoProto, TypeProto).

const WIRE_VARINT = 0, WIRE_BYTES = 2;
const FLOAT = 1;                          // TensorProto.DataType.FLOAT
const ATTR_INT = 2, ATTR_INTS = 7;        // AttributeProto.AttributeType

/** Concatenates byte chunks (Uint8Array or arrays of them). */
function concat(parts) {
  const flat = parts.flat(Infinity);
  const out = new Uint8Array(flat.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of flat) { out.set(p, o); o += p.length; }
  return out;
}

function varint(value) {
  const bytes = [];
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // negative int64 → 10-byte two's complement, as protobuf does
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    bytes.push(v ? low | 0x80 : low);
  } while (v);
  return new Uint8Array(bytes);
}

const key = (field, wire) => varint((field << 3) | wire);
const intField = (field, value) => concat([key(field, WIRE_VARINT), varint(value)]);
const bytesField = (field, bytes) => concat([key(field, WIRE_BYTES), varint(bytes.length), bytes]);
const stringField = (field, s) => bytesField(field, new TextEncoder().encode(s));
const messageField = bytesField;

function tensorProto(name, dims, data) {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength); // little-endian float32
  return concat([dims.map((d) => intField(1, d)), intField(2, FLOAT), stringField(8, name), bytesField(9, raw)]);
}

function valueInfo(name, dims) {
  const shape = concat(dims.map((d) => messageField(1, intField(1, d))));     // Dimension.dim_value
  const tensorType = concat([intField(1, FLOAT), messageField(2, shape)]);    // TypeProto.Tensor
  return concat([stringField(1, name), messageField(2, messageField(1, tensorType))]);
}

function attribute(name, value) {
  return Array.isArray(value)
    ? concat([stringField(1, name), intField(20, ATTR_INTS), value.map((v) => intField(8, v))])
    : concat([stringField(1, name), intField(20, ATTR_INT), intField(3, value)]);
}

/**
 * The bytes of an ONNX model computing y = Conv(x, W, B) with W and B baked in as initializers.
 * conv: { batch, c, k, hw, kernel, stride, padding, groups, outHw, weight: Float32Array, bias: Float32Array }
 */
export function convModel({ batch, c, k, hw, kernel, stride, padding, groups, outHw, weight, bias }) {
  const node = concat([
    stringField(1, 'x'), stringField(1, 'W'), stringField(1, 'B'), stringField(2, 'y'),
    stringField(3, 'conv'), stringField(4, 'Conv'),
    messageField(5, attribute('kernel_shape', [kernel, kernel])),
    messageField(5, attribute('strides', [stride, stride])),
    messageField(5, attribute('pads', [padding, padding, padding, padding])),
    messageField(5, attribute('dilations', [1, 1])),
    messageField(5, attribute('group', groups)),
  ]);
  const graph = concat([
    messageField(1, node),
    stringField(2, 'conv2d'),
    messageField(5, tensorProto('W', [k, c / groups, kernel, kernel], weight)),
    messageField(5, tensorProto('B', [k], bias)),
    messageField(11, valueInfo('x', [batch, c, hw, hw])),
    messageField(12, valueInfo('y', [batch, k, outHw, outHw])),
  ]);
  const opset = concat([stringField(1, ''), intField(2, 13)]);
  return concat([
    intField(1, 8),                        // ir_version 8 (ONNX 1.10+)
    stringField(2, 'dcd-wasm bench'),      // producer_name
    messageField(7, graph),
    messageField(8, opset),
  ]);
}
