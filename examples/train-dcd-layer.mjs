#!/usr/bin/env node
// Training a DCD layer (Dynamic Convolution Decomposition, Li et al. 2021) with plain SGD:
// a DCDConv2d "student" learns to reproduce a fixed, differently initialised "teacher" DCDConv2d on
// random inputs. Shows forward / backward / parameters() / grad() and that the loss falls.
//
//   npm run build && node examples/train-dcd-layer.mjs
import { init, DCDConv2d } from '../dist/index.js';

const m = await init();

// Same constructor arguments as the official `conv_dy(inplanes, planes, kernel_size, stride, padding)`;
// parameter names and shapes match its PyTorch state_dict, so pretrained weights load with loadStateDict().
const shape = { inChannels: 16, outChannels: 16, kernelSize: 3, padding: 1 };
const student = new DCDConv2d(m, { ...shape, seed: 1 });
const teacher = new DCDConv2d(m, { ...shape, seed: 2 }).eval(); // eval: BatchNorm uses running statistics

console.log(`${student.label} on ${m.info().backend}; parameters:`);
for (const [name, p] of student.namedParameters()) console.log(`  ${name.padEnd(17)} [${p.shape.join(', ')}]`);

// Deterministic pseudo-random inputs, so every run prints the same losses.
let seed = 42;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1);
const batch = (n) => m.tensor(Float32Array.from({ length: n * 16 * 8 * 8 }, random), [n, 16, 8, 8]);

const LR = 0.1;
for (let step = 0; step <= 60; step++) {
  const loss = m.scope(() => {
    const x = batch(8);
    const target = teacher.forward(x);
    const y = student.forward(x); // training mode: keeps what backward needs

    // Mean squared error and its gradient dL/dy = 2 (y − target) / count.
    const dy = m.zeros(y.shape);
    const [yd, td, dyd] = [y.data, target.data, dy.data]; // views: used right away, before any allocation
    let sum = 0;
    for (let i = 0; i < yd.length; i++) {
      const diff = yd[i] - td[i];
      sum += diff * diff;
      dyd[i] = (2 * diff) / yd.length;
    }

    student.backward(dy); // returns dx (freed by the scope); parameter gradients go to student.grad(name)

    // SGD, in place: a wasm tensor's .data is a view of its memory, so writing it updates the parameter.
    for (const [name, p] of student.namedParameters()) {
      const [pd, gd] = [p.data, student.grad(name).data];
      for (let i = 0; i < pd.length; i++) pd[i] -= LR * gd[i];
    }
    return sum / yd.length; // a plain number: every tensor made in this step is freed
  });
  if (step % 10 === 0) console.log(`step ${String(step).padStart(2)}  loss ${loss.toFixed(5)}`);
}

// Layers own their tensors: free them when done.
student.dispose();
teacher.dispose();
console.log('live tensors:', m.info().liveTensors);
