// The benchmark suites run by bench/run.mjs. A suite yields rows: { layer, pass, batch, flops,
// outputs: { engine: { name: Float32Array } }, run: { engine: () => void } }.
import { conv2dSuite } from './cases/conv2d.mjs';
import { dynamicConv2dSuite } from './cases/dynamic_conv2d.mjs';
import { dcdSuite } from './cases/dcd.mjs';
import { threadsSuite } from './cases/threads.mjs';

export const SUITES = [conv2dSuite, dynamicConv2dSuite, dcdSuite, threadsSuite];
