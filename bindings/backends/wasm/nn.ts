/**
 * The network-pieces op group (NnOps) on the wasm kernels: assembly/nn/{activation, elementwise,
 * batchnorm, maxpool, avgpool, pool, softmax, logsoftmax, dropout}.ts. Validation is ops/nn_checks.ts
 * (shared with the js reference); every op allocates its outputs only after it.
 * In the threads build these kernels run on the calling thread (pool_exports.ts passes them through).
 */
import type { Activation, NnOps } from '../../ops/nn';
import {
  batchNormSaved, checkActivation, checkAdaptiveGradOutput, checkAxpby, checkDropout, checkImage, checkPoolGradOutput, checkRows,
  checkSameShape, checkXShape, parseAddOptions, parseTemperature, poolDescriptor, poolOutputShape, resolveAdaptiveSize,
  resolveBatchNorm, resolveBatchNormBackward, resolvePool2d, resolveReshape, type TensorInput,
} from '../../ops/nn_checks';
import type { Tensor } from '../../tensor';
import type { WasmContext } from './context';

/** Kernel names per activation: forward (n, x, y), backward (n, x, dy, dx). */
const ACTIVATION_KERNELS: Record<Activation, [string, string]> = {
  relu: ['reluForward', 'reluBackward'],
  relu6: ['relu6Forward', 'relu6Backward'],
  hardsigmoid: ['hardsigmoidForward', 'hardsigmoidBackward'],
  hsig3: ['hsigForward', 'hsigBackward'],
  sigmoid: ['sigmoidForward', 'sigmoidBackward'],
};

export function createNnOps(ctx: WasmContext): NnOps {
  const tensorInput = (op: string): TensorInput => (value, arg) => ctx.input(value, op, arg).tensor;
  const ptr = (t: Tensor | null): number => (t ? ctx.ptrOf(t) : 0);
  /** One output of `shape`, filled by `body(yPtr)`. */
  const single = (op: string, shape: readonly number[], body: (y: number, scratch: { i32(v: readonly number[]): number }) => void): Tensor =>
    ctx.run(op, [shape], ([y], scratch) => body(y, scratch))[0] as Tensor;

  /** `op` names the public function in errors (activation, relu, …). */
  const activation = (op: string, kind: unknown, xArg: unknown): Tensor => {
    const x = ctx.input(xArg, op, 'x');
    const forward = ctx.kernel(ACTIVATION_KERNELS[checkActivation(op, kind)][0]);
    return single(op, x.tensor.shape, (y) => forward(x.tensor.size, x.ptr, y));
  };

  const ops: NnOps = {
    activation: (kind, x) => activation('activation', kind, x),
    activationBackward(kind, xArg, dyArg) {
      const op = 'activationBackward';
      const x = ctx.input(xArg, op, 'x');
      const dy = ctx.input(dyArg, op, 'dy');
      const backward = ctx.kernel(ACTIVATION_KERNELS[checkActivation(op, kind)][1]);
      checkSameShape(op, x.tensor, 'x', dy.tensor, 'dy');
      return single(op, x.tensor.shape, (dx) => backward(x.tensor.size, x.ptr, dy.ptr, dx));
    },
    relu: (x) => activation('relu', 'relu', x),
    relu6: (x) => activation('relu6', 'relu6', x),
    hardsigmoid: (x) => activation('hardsigmoid', 'hardsigmoid', x),
    sigmoid: (x) => activation('sigmoid', 'sigmoid', x),

    add(aArg, bArg, options) {
      const op = 'add';
      const a = ctx.input(aArg, op, 'a');
      const b = ctx.input(bArg, op, 'b');
      checkSameShape(op, a.tensor, 'a', b.tensor, 'b');
      const { relu } = parseAddOptions(op, options);
      const kernel = ctx.kernel('addForward');
      return single(op, a.tensor.shape, (y) => kernel(a.tensor.size, a.ptr, b.ptr, y, relu ? 1 : 0));
    },
    addReluBackward(yArg, dyArg) {
      const op = 'addReluBackward';
      const y = ctx.input(yArg, op, 'y');
      const dy = ctx.input(dyArg, op, 'dy');
      checkSameShape(op, y.tensor, 'y', dy.tensor, 'dy');
      // y = relu(a + b) > 0 exactly where a + b > 0: ReLU's own mask, read from y
      const kernel = ctx.kernel('reluBackward');
      return single(op, y.tensor.shape, (dx) => kernel(y.tensor.size, y.ptr, dy.ptr, dx));
    },

    batchNorm(xArg, state, options) {
      const op = 'batchNorm';
      const x = ctx.input(xArg, op, 'x');
      const p = resolveBatchNorm(op, x.tensor, state, options, tensorInput(op));
      const stats = p.training ? [p.c] : null;
      const kernel = ctx.kernel(p.training ? 'batchNormForwardTrainFused' : 'batchNormForwardEvalFused');
      const [y, mean, invStd] = ctx.run(op, [x.tensor.shape, stats, stats], ([yPtr, meanPtr, invStdPtr]) => {
        const common = [p.n, p.c, p.s, x.ptr, ptr(p.weight), ptr(p.bias), ptr(p.runningMean), ptr(p.runningVar)];
        const relu = p.relu ? 1 : 0;
        if (p.training) kernel(...common, p.momentum, p.eps, ptr(p.residual), relu, yPtr, meanPtr, invStdPtr);
        else kernel(...common, p.eps, ptr(p.residual), relu, yPtr);
      });
      return { y: y as Tensor, saved: mean && invStd ? batchNormSaved(mean, invStd) : null };
    },
    batchNormBackward(xArg, dyArg, state, saved, options) {
      const op = 'batchNormBackward';
      const x = ctx.input(xArg, op, 'x');
      const dy = ctx.input(dyArg, op, 'dy');
      const p = resolveBatchNormBackward(op, x.tensor, dy.tensor, state, saved, options, tensorInput(op));
      const kernel = ctx.kernel(p.training ? 'batchNormBackwardTrain' : 'batchNormBackwardEval');
      const outputs = [p.needs.dx ? x.tensor.shape : null, p.needs.dweight ? [p.c] : null, p.needs.dbias ? [p.c] : null];
      const [dx, dweight, dbias] = ctx.run(op, outputs, ([dxPtr, dwPtr, dbPtr]) => {
        const common = [p.n, p.c, p.s, x.ptr, dy.ptr, ptr(p.weight)];
        if (p.training) kernel(...common, ptr(p.mean), ptr(p.invStd), dxPtr, dwPtr, dbPtr);
        else kernel(...common, ptr(p.runningMean), ptr(p.runningVar), p.eps, dxPtr, dwPtr, dbPtr);
      });
      return { ...(dx ? { dx } : {}), ...(dweight ? { dweight } : {}), ...(dbias ? { dbias } : {}) };
    },

    maxPool2d(xArg, options) {
      const op = 'maxPool2d';
      const x = ctx.input(xArg, op, 'x');
      const p = resolvePool2d(op, 'max', x.tensor.shape, options);
      const kernel = ctx.kernel('maxPool2dForward');
      return single(op, poolOutputShape(p), (y, scratch) => kernel(scratch.i32(poolDescriptor(p)), x.ptr, y));
    },
    maxPool2dBackward(xArg, dyArg, options) {
      const op = 'maxPool2dBackward';
      const x = ctx.input(xArg, op, 'x');
      const dy = ctx.input(dyArg, op, 'dy');
      const p = resolvePool2d(op, 'max', x.tensor.shape, options);
      checkPoolGradOutput(op, p, dy.tensor);
      const kernel = ctx.kernel('maxPool2dBackward');
      return single(op, x.tensor.shape, (dx, scratch) => kernel(scratch.i32(poolDescriptor(p)), x.ptr, dy.ptr, dx));
    },
    avgPool2d(xArg, options) {
      const op = 'avgPool2d';
      const x = ctx.input(xArg, op, 'x');
      const p = resolvePool2d(op, 'avg', x.tensor.shape, options);
      const kernel = ctx.kernel('avgPool2dForward');
      return single(op, poolOutputShape(p), (y, scratch) => kernel(scratch.i32(poolDescriptor(p)), x.ptr, y));
    },
    avgPool2dBackward(xShape, dyArg, options) {
      const op = 'avgPool2dBackward';
      const dy = ctx.input(dyArg, op, 'dy');
      const shape = checkXShape(op, xShape);
      const p = resolvePool2d(op, 'avg', shape, options);
      checkPoolGradOutput(op, p, dy.tensor);
      const kernel = ctx.kernel('avgPool2dBackward');
      return single(op, shape, (dx, scratch) => kernel(scratch.i32(poolDescriptor(p)), dy.ptr, dx));
    },
    adaptiveAvgPool2d(xArg, outputSize) {
      const op = 'adaptiveAvgPool2d';
      const x = ctx.input(xArg, op, 'x');
      const [oh, ow] = resolveAdaptiveSize(op, outputSize);
      const [n, c, h, w] = checkImage(op, x.tensor);
      const kernel = ctx.kernel('adaptiveAvgPoolForward');
      return single(op, [n, c, oh, ow], (y) => kernel(n, c, h, w, oh, ow, x.ptr, y));
    },
    adaptiveAvgPool2dBackward(xShape, dyArg) {
      const op = 'adaptiveAvgPool2dBackward';
      const dy = ctx.input(dyArg, op, 'dy');
      const shape = checkXShape(op, xShape);
      checkAdaptiveGradOutput(op, shape, dy.tensor);
      const [n, c, h, w] = shape;
      const kernel = ctx.kernel('adaptiveAvgPoolBackward');
      return single(op, shape, (dx) => kernel(n, c, h, w, dy.tensor.shape[2], dy.tensor.shape[3], dy.ptr, dx, 0));
    },

    softmax(xArg, options) {
      const op = 'softmax';
      const x = ctx.input(xArg, op, 'x');
      const { n, k } = checkRows(op, x.tensor);
      const t = parseTemperature(op, options);
      const kernel = ctx.kernel('softmaxForward');
      return single(op, x.tensor.shape, (y) => kernel(n, k, 1 / t, x.ptr, y));
    },
    softmaxBackward(yArg, dyArg, options) {
      const op = 'softmaxBackward';
      const y = ctx.input(yArg, op, 'y');
      const dy = ctx.input(dyArg, op, 'dy');
      const { n, k } = checkRows(op, y.tensor, 'y');
      checkSameShape(op, y.tensor, 'y', dy.tensor, 'dy');
      const t = parseTemperature(op, options);
      const kernel = ctx.kernel('softmaxBackward');
      return single(op, y.tensor.shape, (dx) => kernel(n, k, 1 / t, y.ptr, dy.ptr, dx));
    },
    logSoftmax(xArg) {
      const op = 'logSoftmax';
      const x = ctx.input(xArg, op, 'x');
      const { n, k } = checkRows(op, x.tensor);
      const kernel = ctx.kernel('logSoftmaxForward');
      return single(op, x.tensor.shape, (y) => kernel(n, k, x.ptr, y));
    },
    logSoftmaxBackward(yArg, dyArg) {
      const op = 'logSoftmaxBackward';
      const y = ctx.input(yArg, op, 'y');
      const dy = ctx.input(dyArg, op, 'dy');
      const { n, k } = checkRows(op, y.tensor, 'y');
      checkSameShape(op, y.tensor, 'y', dy.tensor, 'dy');
      const kernel = ctx.kernel('logSoftmaxBackward');
      return single(op, y.tensor.shape, (dx) => kernel(n, k, y.ptr, dy.ptr, dx));
    },

    dropout(xArg, pArg, seedArg) {
      const op = 'dropout';
      const x = ctx.input(xArg, op, 'x');
      const { p, seed, scale } = checkDropout(op, pArg, seedArg);
      const kernel = ctx.kernel('dropoutApply');
      return single(op, x.tensor.shape, (y) => kernel(x.tensor.size, x.ptr, y, p, scale, seed));
    },
    dropoutBackward(dyArg, pArg, seedArg) {
      const op = 'dropoutBackward';
      const dy = ctx.input(dyArg, op, 'dy');
      const { p, seed, scale } = checkDropout(op, pArg, seedArg);
      const kernel = ctx.kernel('dropoutApply');
      return single(op, dy.tensor.shape, (dx) => kernel(dy.tensor.size, dy.ptr, dx, p, scale, seed));
    },

    reshape(xArg, shape) {
      const op = 'reshape';
      const x = ctx.input(xArg, op, 'x');
      const kernel = ctx.kernel('tensorCopy');
      return single(op, resolveReshape(op, x.tensor.shape, shape), (y) => kernel(x.tensor.size, x.ptr, y));
    },
    clone(xArg) {
      const x = ctx.input(xArg, 'clone', 'x');
      const kernel = ctx.kernel('tensorCopy');
      return single('clone', x.tensor.shape, (y) => kernel(x.tensor.size, x.ptr, y));
    },
    axpby(a, xArg, b, yArg) {
      const op = 'axpby';
      const x = ctx.input(xArg, op, 'x');
      const y = ctx.input(yArg, op, 'y');
      checkSameShape(op, y.tensor, 'y', x.tensor, 'x');
      const s = checkAxpby(op, a, b);
      const kernel = ctx.kernel('axpby');
      ctx.run(op, [], () => kernel(x.tensor.size, s.a, x.ptr, s.b, y.ptr));
    },
  };
  return ops;
}
