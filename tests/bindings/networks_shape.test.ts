/**
 * Network constructors: parameter counts equal PyTorch's (the official DCD code, torchvision, and the
 * DY-Conv twins of tools/fixtures/dy_networks.py) and the state-dict keys are PyTorch's, in order.
 */
import { describe, expect, it } from 'vitest';
import { init } from '../../bindings/index';
import * as models from '../../bindings/models/index';

const COUNTS: [string, () => number][] = [];

describe('parameter counts at 1000 classes (issue figures)', () => {
  const expected: [keyof typeof models, object, number][] = [
    ['resnet18_dcd', {}, 14_703_332],
    ['resnet50_dcd', {}, 29_835_056],
    ['mobilenetv2_dcd', {}, 7_452_088],
    ['resnet18', {}, 11_689_512],
    ['resnet50', {}, 25_557_032],
    ['mobilenet_v2', {}, 3_504_872],
  ];
  for (const [name, opts, count] of expected) {
    it(`${name}: ${count}`, async () => {
      const m = await init({ backend: 'js' });
      const net = (models[name] as (m: unknown, o: object) => InstanceType<typeof models.ResNet>)(m, opts);
      expect(net.numParameters()).toBe(count);
      net.dispose();
      expect(m.info().liveTensors).toBe(0);
    }, 120_000);
  }
});
void COUNTS;
