#!/usr/bin/python3
"""Tests of tools/convert_checkpoint.py: run with `/usr/bin/python3 tools/test_convert_checkpoint.py`.

Round trips through .pth and .safetensors, the checkpoint layouts training scripts save ('state_dict',
'model', DataParallel's 'module.' prefix), --dtype f16, refusals, the reference implementation's byte
vectors, and the cross-language path: the file our TypeScript writer made
(tests/fixtures/io/ts_written.safetensors, by tools/write_ts_safetensors.mjs) loads in PyTorch with the
values it was given, and the committed conversion of tests/fixtures/io/tiny_checkpoint.pth.tar is
reproduced byte for byte and holds torch's values bit for bit.
"""
import collections
import contextlib
import io
import json
import os
import struct
import sys
import tempfile
import unittest

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import convert_checkpoint as cc  # noqa: E402

FIXTURES = os.path.join(HERE, '..', 'tests', 'fixtures', 'io')


def same_bits(a, b):
    """Equal dtype, shape and bits (so -0 ≠ 0 and NaN == NaN of the same payload)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    as_int = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}[a.element_size()]
    return torch.equal(a.contiguous().view(as_int), b.contiguous().view(as_int))


def run(*argv):
    """(exit status, stdout, stderr) of the converter's main()."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cc.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def sample_state_dict():
    g = torch.Generator().manual_seed(5)
    bn = torch.nn.BatchNorm2d(3)
    sd = collections.OrderedDict([
        ('conv.weight', torch.randn(3, 2, 3, 3, generator=g)),
        ('conv.bias', torch.tensor([-0.0, float('inf'), 1e-42])),
        ('fc.weight', torch.randn(4, 3, generator=g)),
    ])
    sd.update(('bn.' + k, v) for k, v in bn.state_dict().items())
    return sd


class ConverterTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def convert(self, obj, *flags):
        torch.save(obj, self.path('in.pth'))
        status, out, err = run(self.path('in.pth'), self.path('out.safetensors'), *flags)
        self.assertEqual(status, 0, err)
        with open(self.path('out.safetensors'), 'rb') as f:
            data = f.read()
        return cc.read_safetensors(data), out, data

    def test_round_trip_bare_state_dict(self):
        sd = sample_state_dict()
        (tensors, metadata), out, _ = self.convert(sd)
        want = {k: v for k, v in sd.items() if not k.endswith('num_batches_tracked')}
        self.assertEqual(sorted(tensors), sorted(want))
        for name, t in want.items():
            self.assertTrue(same_bits(tensors[name], t), name)
        self.assertEqual(metadata, {'format': 'pt', 'source': 'in.pth'})
        # the printed table: one row per tensor and the totals
        self.assertIn('conv.weight', out)
        self.assertIn('[3, 2, 3, 3]', out)
        self.assertIn(f'{len(want)} tensors, {sum(t.numel() for t in want.values())} values', out)
        self.assertIn('dropped 1 num_batches_tracked', out)
        # and back to .pth
        status, _, err = run('--to-pth', self.path('out.safetensors'), self.path('back.pth'))
        self.assertEqual(status, 0, err)
        back = torch.load(self.path('back.pth'))
        self.assertEqual(sorted(back), sorted(want))
        for name, t in want.items():
            self.assertTrue(same_bits(back[name], t), name)

    def test_checkpoint_layouts(self):
        sd = sample_state_dict()
        prefixed = collections.OrderedDict(('module.' + k, v) for k, v in sd.items())
        for checkpoint in ({'epoch': 3, 'state_dict': prefixed, 'optimizer': {'lr': 0.1}},
                           {'model': prefixed, 'args': 'x'}, {'state_dict': sd}, prefixed):
            (tensors, _), _, _ = self.convert(checkpoint)
            self.assertEqual(sorted(tensors), sorted(k for k in sd if not k.endswith('num_batches_tracked')))
            self.assertTrue(same_bits(tensors['fc.weight'], sd['fc.weight']))

    def test_f16(self):
        sd = sample_state_dict()
        (tensors, _), _, data = self.convert(sd, '--dtype', 'f16')
        self.assertIn(b'"dtype":"F16"', data)
        self.assertNotIn(b'"dtype":"F32"', data)
        for name in ('conv.weight', 'conv.bias', 'fc.weight', 'bn.running_var'):
            self.assertTrue(same_bits(tensors[name], sd[name].half()), name)

    def test_other_float_dtypes_become_f32(self):
        sd = {'a': torch.tensor([0.1, 1e-300, 1e300], dtype=torch.float64), 'b': torch.tensor([1.5, -3], dtype=torch.bfloat16)}
        (tensors, _), _, _ = self.convert(sd)
        self.assertTrue(same_bits(tensors['a'], sd['a'].float()))
        self.assertTrue(same_bits(tensors['b'], sd['b'].float()))

    def test_refuses_non_float_entries(self):
        bad = {'w': torch.ones(2), 'ids': torch.arange(3), 'step': 5, 'flags': torch.tensor([True])}
        torch.save(bad, self.path('bad.pth'))
        status, _, err = run(self.path('bad.pth'), self.path('bad.safetensors'))
        self.assertEqual(status, 2)
        for name in ('ids', 'step', 'flags'):
            self.assertIn(repr(name), err)
        self.assertNotIn("'w'", err)
        self.assertFalse(os.path.exists(self.path('bad.safetensors')))

    def test_refuses_name_collision_after_stripping(self):
        torch.save({'module.w': torch.ones(1), 'w': torch.zeros(1)}, self.path('c.pth'))
        status, _, err = run(self.path('c.pth'), self.path('c.safetensors'))
        self.assertEqual(status, 2)
        self.assertIn("'w' a second time", err)

    def test_refuses_a_whole_model(self):
        torch.save(torch.nn.Linear(2, 2), self.path('m.pth'))
        status, _, err = run(self.path('m.pth'), self.path('m.safetensors'))
        self.assertEqual(status, 2)
        self.assertIn('not a dict of tensors', err)

    def test_reference_byte_vectors(self):
        # huggingface/safetensors' own serialization tests (safetensors/src/tensor.rs)
        data = cc.safetensors_bytes({'attn.0': torch.arange(6, dtype=torch.float32).reshape(1, 2, 3)})
        header = b'{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'
        self.assertEqual(data, struct.pack('<Q', 64) + header + np.arange(6, dtype='<f4').tobytes())
        self.assertEqual(cc.safetensors_bytes({}), struct.pack('<Q', 8) + b'{}      ')
        self.assertEqual(cc.safetensors_bytes({}, {'framework': 'pt'}),
                         struct.pack('<Q', 40) + b'{"__metadata__":{"framework":"pt"}}     ')
        # mixed dtypes: descending dtype order first, then names
        mixed = cc.safetensors_bytes({'a': torch.zeros(1, dtype=torch.float16), 'b': torch.zeros(1)})
        header = json.loads(mixed[8:8 + struct.unpack('<Q', mixed[:8])[0]])
        self.assertEqual(list(header), ['b', 'a'])

    def test_reader_rejects_hostile_files(self):
        def file(header, data_len):
            h = header.encode()
            return struct.pack('<Q', len(h)) + h + bytes(data_len)
        entry = '{"dtype":"F32","shape":[1],"data_offsets":[%d,%d]}'
        for data, message in [
            (file('{"a":%s,"a":%s}' % (entry % (0, 4), entry % (0, 4)), 4), 'twice'),
            (file('{"a":%s}' % (entry % (4, 8)), 8), 'hole'),
            (file('{"a":%s}' % (entry % (0, 4)), 8), 'trailing'),
            (file('{"a":%s}' % (entry % (0, 8)), 8), 'does not fill'),
            (struct.pack('<Q', 2 ** 64 - 1) + b'{}', 'too large'),
            (b'\x01\x00', 'fewer than the 8'),
        ]:
            with self.assertRaisesRegex(cc.ConversionError, message):
                cc.read_safetensors(data)


class CrossLanguageTest(unittest.TestCase):
    def test_ts_written_file_loads_in_pytorch(self):
        path = os.path.join(FIXTURES, 'ts_written.safetensors')
        with tempfile.TemporaryDirectory() as tmp:
            status, _, err = run('--to-pth', path, os.path.join(tmp, 'ts.pth'))
            self.assertEqual(status, 0, err)
            loaded = torch.load(os.path.join(tmp, 'ts.pth'))

        # The formulas of tools/write_ts_safetensors.mjs: value i = float32(i * scale + shift), in float64 first.
        def ramp(n, scale, shift, shape):
            return torch.from_numpy(np.array([i * scale + shift for i in range(n)], dtype=np.float64).astype(np.float32)).reshape(shape)
        want = {
            'conv.weight': ramp(72, 0.37, -1.5, (4, 2, 3, 3)),
            'bn.running_var': ramp(4, 0.25, 1, (4,)),
            'bn.bias': ramp(4, -0.125, 0.5, (4,)),
            'special': torch.tensor([-0.0, float('inf'), float('-inf'), float('nan'), 1.401298464324817e-45,
                                     3.4028234663852886e38]).reshape(2, 3),
            'fc.weight': ramp(15, 1 / 3, -2, (3, 5)),
            'empty': torch.zeros(0, 4),
            'scalar': torch.tensor(42.5),
        }
        self.assertEqual(sorted(loaded), sorted(want))
        for name, t in want.items():
            self.assertTrue(same_bits(loaded[name], t), name)
        # and the Python writer lays the same tensors out byte for byte as the TypeScript writer did
        with open(path, 'rb') as f:
            ts_bytes = f.read()
        _, metadata = cc.read_safetensors(ts_bytes)
        self.assertEqual(cc.safetensors_bytes(loaded, metadata), ts_bytes)

    def test_committed_conversion_is_reproduced_and_exact(self):
        pth = os.path.join(FIXTURES, 'tiny_checkpoint.pth.tar')
        checkpoint = torch.load(pth)
        with tempfile.TemporaryDirectory() as tmp:
            for dtype, suffix in (('f32', ''), ('f16', '_f16')):
                out = os.path.join(tmp, 'tiny_checkpoint.safetensors')
                status, _, err = run(pth, out, '--dtype', dtype)
                self.assertEqual(status, 0, err)
                with open(out, 'rb') as f, open(os.path.join(FIXTURES, f'tiny_checkpoint{suffix}.safetensors'), 'rb') as g:
                    produced = f.read()
                    self.assertEqual(produced, g.read(), dtype)
                tensors, _ = cc.read_safetensors(produced)
                for key, value in checkpoint['state_dict'].items():
                    name = key[len('module.'):]
                    if name.endswith('num_batches_tracked'):
                        self.assertNotIn(name, tensors)
                        continue
                    expected = value.float() if dtype == 'f32' else value.half()
                    self.assertTrue(same_bits(tensors[name], expected), f'{dtype} {name}')


if __name__ == '__main__':
    unittest.main()
