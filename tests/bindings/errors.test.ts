/**
 * Every bad input gets its typed error with a message naming the culprit, before anything is
 * allocated, and the module stays usable: after each failure a correct conv2d still works and no
 * memory or tensor leaked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DcdError, DisposedTensorError, DTypeError, init, OptionError, OutOfMemoryError, ShapeError,
  type Backend, type Tensor,
} from '../../bindings/index';
import { BACKENDS } from '../harness/backends';

type ErrorClass = new (message: string) => DcdError;

interface BadInput {
  what: string;
  error: ErrorClass;
  code: string;
  /** What the message must say: the argument or option at fault. */
  message: RegExp;
  call: (m: Backend, t: Fixtures) => unknown;
}

/** Valid tensors the bad calls combine: x (1,4,5,5), w (6,4,3,3), b (6), dy for padding 1. */
interface Fixtures { x: Tensor; w: Tensor; b: Tensor; dy: Tensor; other: Tensor }

const zeros = (n: number) => new Float32Array(n);

const BAD_INPUTS: BadInput[] = [
  { what: 'x of rank 3', error: ShapeError, code: 'E_SHAPE', message: /conv2d.*\bx\b.*(rank|4|dimension)/i,
    call: (m, t) => m.conv2d(m.tensor(zeros(4 * 25), [4, 5, 5]), t.w) },
  { what: 'weight of rank 2', error: ShapeError, code: 'E_SHAPE', message: /conv2d.*weight/i,
    call: (m, t) => m.conv2d(t.x, m.tensor(zeros(24), [6, 4])) },
  { what: 'channel mismatch', error: ShapeError, code: 'E_SHAPE', message: /weight has 3 input channels.*x has 4 channels/,
    call: (m, t) => m.conv2d(t.x, m.tensor(zeros(6 * 27), [6, 3, 3, 3])) },
  { what: 'groups not dividing C', error: ShapeError, code: 'E_SHAPE', message: /4 channels.*groups=3/,
    call: (m, t) => m.conv2d(t.x, m.tensor(zeros(6 * 9), [6, 1, 3, 3]), { groups: 3 }) },
  { what: 'stride 0', error: OptionError, code: 'E_OPTION', message: /stride/,
    call: (m, t) => m.conv2d(t.x, t.w, { stride: 0 }) },
  { what: 'negative padding', error: OptionError, code: 'E_OPTION', message: /padding/,
    call: (m, t) => m.conv2d(t.x, t.w, { padding: [1, -1] }) },
  { what: 'non-integer stride', error: OptionError, code: 'E_OPTION', message: /stride/,
    call: (m, t) => m.conv2d(t.x, t.w, { stride: 1.5 }) },
  { what: 'non-integer groups', error: OptionError, code: 'E_OPTION', message: /groups/,
    call: (m, t) => m.conv2d(t.x, t.w, { groups: 0.5 }) },
  { what: 'string dilation', error: OptionError, code: 'E_OPTION', message: /dilation/,
    call: (m, t) => m.conv2d(t.x, t.w, { dilation: '2' as unknown as number }) },
  { what: 'unknown padding mode', error: OptionError, code: 'E_OPTION', message: /padding/,
    call: (m, t) => m.conv2d(t.x, t.w, { padding: 'full' as unknown as 'same' }) },
  { what: 'unknown option key', error: OptionError, code: 'E_OPTION', message: /strides/,
    call: (m, t) => m.conv2d(t.x, t.w, { strides: 2 } as never) },
  { what: "'same' with stride 2", error: OptionError, code: 'E_OPTION', message: /same.*stride/,
    call: (m, t) => m.conv2d(t.x, t.w, { padding: 'same', stride: 2 }) },
  { what: 'kernel larger than the padded input', error: ShapeError, code: 'E_SHAPE', message: /smaller than the dilated kernel/,
    call: (m, t) => m.conv2d(t.x, t.w, { dilation: 3 }) },
  { what: 'bias of the wrong length', error: ShapeError, code: 'E_SHAPE', message: /bias/,
    call: (m, t) => m.conv2d(t.x, t.w, { bias: m.tensor(zeros(5), [5]) }) },
  { what: 'dy of the wrong shape', error: ShapeError, code: 'E_SHAPE', message: /dy/,
    call: (m, t) => m.conv2dBackward(t.x, t.w, t.dy, { padding: 0 }) },
  { what: 'needs with a non-boolean', error: OptionError, code: 'E_OPTION', message: /needs\.dx/,
    call: (m, t) => m.conv2dBackward(t.x, t.w, t.dy, { padding: 1, needs: { dx: 1 as unknown as boolean } }) },
  { what: 'Int32Array data', error: DTypeError, code: 'E_DTYPE', message: /data.*Int32Array|Float32Array/,
    call: (m) => m.tensor(new Int32Array(4) as unknown as Float32Array, [4]) },
  { what: 'data length ≠ shape', error: ShapeError, code: 'E_SHAPE', message: /5 elements.*\[2, 3\].*6/,
    call: (m) => m.tensor(zeros(5), [2, 3]) },
  { what: 'negative dimension', error: ShapeError, code: 'E_SHAPE', message: /shape/,
    call: (m) => m.zeros([2, -1]) },
  { what: 'a plain array as x', error: DTypeError, code: 'E_DTYPE', message: /\bx\b.*Tensor/,
    call: (m, t) => m.conv2d([1, 2, 3] as unknown as Tensor, t.w) },
  { what: 'a tensor from another instance', error: DisposedTensorError, code: 'E_DISPOSED', message: /\bx\b.*another/,
    call: (m, t) => m.conv2d(t.other, t.w) },
  { what: 'linear: x of rank 1', error: ShapeError, code: 'E_SHAPE', message: /linear.*\bx\b/,
    call: (m) => m.linear(m.tensor(zeros(4), [4]), m.tensor(zeros(8), [2, 4])) },
  { what: 'linear: feature mismatch', error: ShapeError, code: 'E_SHAPE', message: /weight has 3 input features but x has 4/,
    call: (m) => m.linear(m.tensor(zeros(8), [2, 4]), m.tensor(zeros(6), [2, 3])) },
  { what: 'linear: bias of the wrong length', error: ShapeError, code: 'E_SHAPE', message: /bias/,
    call: (m) => m.linear(m.tensor(zeros(8), [2, 4]), m.tensor(zeros(8), [2, 4]), m.tensor(zeros(3), [3])) },
  { what: 'linear: dy of the wrong shape', error: ShapeError, code: 'E_SHAPE', message: /dy/,
    call: (m) => m.linearBackward(m.tensor(zeros(8), [2, 4]), m.tensor(zeros(8), [2, 4]), m.tensor(zeros(4), [4, 1])) },
  // Output of 200001² floats (160 GB): refused up front, never attempted.
  { what: 'absurd conv2d output', error: OutOfMemoryError, code: 'E_OOM', message: /bytes|memory/i,
    call: (m) => m.conv2d(m.tensor([1], [1, 1, 1, 1]), m.tensor([1], [1, 1, 1, 1]), { padding: 100_000 }) },
  // 2^31 floats = 8 GiB: more than wasm32 memory can hold.
  { what: 'absurd zeros', error: OutOfMemoryError, code: 'E_OOM', message: /bytes|memory/i,
    call: (m) => m.zeros([2 ** 16, 2 ** 15]) },
];

for (const backend of BACKENDS) {
  describe(`errors [${backend}]`, () => {
    let m: Backend;
    let other: Backend;
    let t: Fixtures;
    beforeAll(async () => {
      m = await init({ backend });
      other = await init({ backend });
      t = {
        x: m.tensor(zeros(100), [1, 4, 5, 5]),
        w: m.tensor(zeros(216), [6, 4, 3, 3]),
        b: m.tensor(zeros(6), [6]),
        dy: m.tensor(zeros(150), [1, 6, 5, 5]),
        other: other.tensor(zeros(100), [1, 4, 5, 5]),
      };
    });
    afterAll(() => {
      for (const tensor of Object.values(t ?? {})) tensor.dispose();
    });

    /** A small conv whose answer is known: all-ones 3×3 input and 2×2 kernel give 4 everywhere. */
    const expectStillUsable = (): void => {
      m.scope(() => {
        const y = m.conv2d(m.tensor(new Float32Array(9).fill(1), [1, 1, 3, 3]), m.tensor([1, 1, 1, 1], [1, 1, 2, 2]));
        expect(y.shape).toEqual([1, 1, 2, 2]);
        expect(Array.from(y.toFloat32Array())).toEqual([4, 4, 4, 4]);
      });
    };

    for (const bad of BAD_INPUTS) {
      it(`${bad.what} → ${bad.error.name}`, () => {
        const before = m.memoryStats();
        let caught: unknown;
        m.scope(() => {
          try {
            bad.call(m, t);
          } catch (err) {
            caught = err;
          }
        });
        expect(caught, `${bad.what}: what was thrown`).toBeInstanceOf(bad.error);
        expect(caught).toBeInstanceOf(DcdError);
        const err = caught as DcdError;
        expect(err.code).toBe(bad.code);
        expect(err.message, `message of ${err.name}`).toMatch(bad.message);
        // Nothing leaked: the scope disposed the valid helper tensors, the failed op allocated nothing.
        expect(m.memoryStats().liveTensors).toBe(before.liveTensors);
        expect(m.memoryStats().allocatedBytes).toBe(before.allocatedBytes);
        expectStillUsable();
      });
    }

    it('a disposed tensor → DisposedTensorError, and the module stays usable', () => {
      const x = m.tensor(zeros(100), [1, 4, 5, 5]);
      x.dispose();
      x.dispose(); // twice is harmless
      expect(() => m.conv2d(x, t.w)).toThrow(DisposedTensorError);
      expect(() => m.conv2d(x, t.w)).toThrow(/\bx\b.*dispose/);
      expect(() => x.data).toThrow(DisposedTensorError);
      expect(() => m.linear(m.tensor(zeros(4), [1, 4]), x)).toThrow(/weight.*dispose/);
      expectStillUsable();
    });
  });
}
