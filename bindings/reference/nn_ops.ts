/** The network-pieces op group (NnOps) of the js backend: shared validation (ops/nn_checks.ts), then reference/nn.ts. */
import type { NnOps } from '../ops/nn';
import {
  batchNormSaved, checkActivation, checkAdaptiveGradOutput, checkAxpby, checkDropout, checkImage, checkPoolGradOutput, checkRows,
  checkSameShape, checkXShape, parseAddOptions, parseTemperature, poolOutputShape, resolveAdaptiveSize,
  resolveBatchNorm, resolveBatchNormBackward, resolvePool2d, resolveReshape, type TensorInput,
} from '../ops/nn_checks';
import type { Tensor } from '../tensor';
import type { JsContext } from './context';
import * as k from './nn';

export function createNnOps(ctx: JsContext): NnOps {
  const tensorInput = (op: string): TensorInput => (value, arg) => ctx.input(value, op, arg).tensor;
  const dataOf = (t: Tensor | null): Float32Array | null => (t ? t.data : null);

  /** `op` names the public function in errors (activation, relu, …). */
  const activation = (op: string, kind: unknown, xArg: unknown): Tensor => {
    const x = ctx.input(xArg, op, 'x');
    const f = checkActivation(op, kind);
    const y = ctx.zeros(x.tensor.shape);
    k.activationForward(f, x.data, y.data);
    return y;
  };

  const ops: NnOps = {
    activation: (kind, x) => activation('activation', kind, x),
    activationBackward(kind, xArg, dyArg) {
      const op = 'activationBackward';
      const x = ctx.input(xArg, op, 'x');
      const dy = ctx.input(dyArg, op, 'dy');
      const f = checkActivation(op, kind);
      checkSameShape(op, x.tensor, 'x', dy.tensor, 'dy');
      const dx = ctx.zeros(x.tensor.shape);
      k.activationBackward(f, x.data, dy.data, dx.data);
      return dx;
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
      const y = ctx.zeros(a.tensor.shape);
      k.add(a.data, b.data, relu, y.data);
      return y;
    },
    addReluBackward(yArg, dyArg) {
      const op = 'addReluBackward';
      const y = ctx.input(yArg, op, 'y');
      const dy = ctx.input(dyArg, op, 'dy');
      checkSameShape(op, y.tensor, 'y', dy.tensor, 'dy');
      const dx = ctx.zeros(y.tensor.shape);
      k.activationBackward('relu', y.data, dy.data, dx.data);
      return dx;
    },

    batchNorm(xArg, state, options) {
      const op = 'batchNorm';
      const x = ctx.input(xArg, op, 'x');
      const p = resolveBatchNorm(op, x.tensor, state, options, tensorInput(op));
      const y = ctx.zeros(x.tensor.shape);
      const mean = p.training ? ctx.zeros([p.c]) : null;
      const invStd = p.training ? ctx.zeros([p.c]) : null;
      k.batchNormForward(p, x.data, {
        weight: dataOf(p.weight), bias: dataOf(p.bias), runningMean: dataOf(p.runningMean), runningVar: dataOf(p.runningVar),
        residual: dataOf(p.residual), y: y.data, saveMean: dataOf(mean), saveInvStd: dataOf(invStd),
      });
      return { y, saved: mean && invStd ? batchNormSaved(mean, invStd) : null };
    },
    batchNormBackward(xArg, dyArg, state, saved, options) {
      const op = 'batchNormBackward';
      const x = ctx.input(xArg, op, 'x');
      const dy = ctx.input(dyArg, op, 'dy');
      const p = resolveBatchNormBackward(op, x.tensor, dy.tensor, state, saved, options, tensorInput(op));
      const dx = p.needs.dx ? ctx.zeros(x.tensor.shape) : null;
      const dweight = p.needs.dweight ? ctx.zeros([p.c]) : null;
      const dbias = p.needs.dbias ? ctx.zeros([p.c]) : null;
      k.batchNormBackward(p, x.data, dy.data, {
        weight: dataOf(p.weight), runningMean: dataOf(p.runningMean), runningVar: dataOf(p.runningVar),
        mean: dataOf(p.mean), invStd: dataOf(p.invStd), dx: dataOf(dx), dweight: dataOf(dweight), dbias: dataOf(dbias),
      });
      return { ...(dx ? { dx } : {}), ...(dweight ? { dweight } : {}), ...(dbias ? { dbias } : {}) };
    },

    maxPool2d(xArg, options) {
      const op = 'maxPool2d';
      const x = ctx.input(xArg, op, 'x');
      const p = resolvePool2d(op, 'max', x.tensor.shape, options);
      const y = ctx.zeros(poolOutputShape(p));
      k.maxPool2dForward(p, x.data, y.data, null);
      return y;
    },
    maxPool2dBackward(xArg, dyArg, options) {
      const op = 'maxPool2dBackward';
      const x = ctx.input(xArg, op, 'x');
      const dy = ctx.input(dyArg, op, 'dy');
      const p = resolvePool2d(op, 'max', x.tensor.shape, options);
      checkPoolGradOutput(op, p, dy.tensor);
      const dx = ctx.zeros(x.tensor.shape);
      k.maxPool2dBackward(p, x.data, dy.data, dx.data);
      return dx;
    },
    avgPool2d(xArg, options) {
      const op = 'avgPool2d';
      const x = ctx.input(xArg, op, 'x');
      const p = resolvePool2d(op, 'avg', x.tensor.shape, options);
      const y = ctx.zeros(poolOutputShape(p));
      k.avgPool2dForward(p, x.data, y.data);
      return y;
    },
    avgPool2dBackward(xShape, dyArg, options) {
      const op = 'avgPool2dBackward';
      const dy = ctx.input(dyArg, op, 'dy');
      const shape = checkXShape(op, xShape);
      const p = resolvePool2d(op, 'avg', shape, options);
      checkPoolGradOutput(op, p, dy.tensor);
      const dx = ctx.zeros(shape);
      k.avgPool2dBackward(p, dy.data, dx.data);
      return dx;
    },
    adaptiveAvgPool2d(xArg, outputSize) {
      const op = 'adaptiveAvgPool2d';
      const x = ctx.input(xArg, op, 'x');
      const [oh, ow] = resolveAdaptiveSize(op, outputSize);
      const shape = checkImage(op, x.tensor);
      const y = ctx.zeros([shape[0], shape[1], oh, ow]);
      k.adaptiveAvgPool2dForward(shape, oh, ow, x.data, y.data);
      return y;
    },
    adaptiveAvgPool2dBackward(xShape, dyArg) {
      const op = 'adaptiveAvgPool2dBackward';
      const dy = ctx.input(dyArg, op, 'dy');
      const shape = checkXShape(op, xShape);
      checkAdaptiveGradOutput(op, shape, dy.tensor);
      const dx = ctx.zeros(shape);
      k.adaptiveAvgPool2dBackward(shape, dy.tensor.shape[2], dy.tensor.shape[3], dy.data, dx.data);
      return dx;
    },

    softmax(xArg, options) {
      const op = 'softmax';
      const x = ctx.input(xArg, op, 'x');
      const { n, k: cols } = checkRows(op, x.tensor);
      const t = parseTemperature(op, options);
      const y = ctx.zeros(x.tensor.shape);
      k.softmaxForward(n, cols, t, x.data, y.data);
      return y;
    },
    softmaxBackward(yArg, dyArg, options) {
      const op = 'softmaxBackward';
      const y = ctx.input(yArg, op, 'y');
      const dy = ctx.input(dyArg, op, 'dy');
      const { n, k: cols } = checkRows(op, y.tensor, 'y');
      checkSameShape(op, y.tensor, 'y', dy.tensor, 'dy');
      const t = parseTemperature(op, options);
      const dx = ctx.zeros(y.tensor.shape);
      k.softmaxBackward(n, cols, t, y.data, dy.data, dx.data);
      return dx;
    },
    logSoftmax(xArg) {
      const op = 'logSoftmax';
      const x = ctx.input(xArg, op, 'x');
      const { n, k: cols } = checkRows(op, x.tensor);
      const y = ctx.zeros(x.tensor.shape);
      k.logSoftmaxForward(n, cols, x.data, y.data);
      return y;
    },
    logSoftmaxBackward(yArg, dyArg) {
      const op = 'logSoftmaxBackward';
      const y = ctx.input(yArg, op, 'y');
      const dy = ctx.input(dyArg, op, 'dy');
      const { n, k: cols } = checkRows(op, y.tensor, 'y');
      checkSameShape(op, y.tensor, 'y', dy.tensor, 'dy');
      const dx = ctx.zeros(y.tensor.shape);
      k.logSoftmaxBackward(n, cols, y.data, dy.data, dx.data);
      return dx;
    },

    dropout(xArg, pArg, seedArg) {
      const op = 'dropout';
      const x = ctx.input(xArg, op, 'x');
      const { p, seed, scale } = checkDropout(op, pArg, seedArg);
      const y = ctx.zeros(x.tensor.shape);
      k.dropout(p, scale, seed, x.data, y.data);
      return y;
    },
    dropoutBackward(dyArg, pArg, seedArg) {
      const op = 'dropoutBackward';
      const dy = ctx.input(dyArg, op, 'dy');
      const { p, seed, scale } = checkDropout(op, pArg, seedArg);
      const dx = ctx.zeros(dy.tensor.shape);
      k.dropout(p, scale, seed, dy.data, dx.data);
      return dx;
    },

    reshape(xArg, shape) {
      const op = 'reshape';
      const x = ctx.input(xArg, op, 'x');
      const y = ctx.zeros(resolveReshape(op, x.tensor.shape, shape));
      y.data.set(x.data);
      return y;
    },
    clone(xArg) {
      const x = ctx.input(xArg, 'clone', 'x');
      const y = ctx.zeros(x.tensor.shape);
      y.data.set(x.data);
      return y;
    },
    axpby(a, xArg, b, yArg) {
      const op = 'axpby';
      const x = ctx.input(xArg, op, 'x');
      const y = ctx.input(yArg, op, 'y');
      checkSameShape(op, y.tensor, 'y', x.tensor, 'x');
      const s = checkAxpby(op, a, b);
      k.axpby(s.a, x.data, s.b, y.data);
    },
  };
  return ops;
}
