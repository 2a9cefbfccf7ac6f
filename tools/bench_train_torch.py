"""PyTorch side of `bench:train` (issue 14): the small Fashion-MNIST CNN in three variants, timed on
CPU with one thread, and the one-training-step fixture tests/fixtures/train_step.json.

The CNN (28×28×1 input): stem conv 3×3 1→32 + BN + ReLU (static in every variant); three residual
basic blocks — 32 @ 28², 64 @ 14² (stride 2), 128 @ 7² (stride 2) — each conv3×3 → BN → ReLU →
conv3×3 → BN, plus the shortcut (1×1 conv + BN when the shape changes), then ReLU; global average
pool; Linear 128→10. Only the six 3×3 convs inside the blocks change with the variant:
  static  nn.Conv2d(bias=False)
  dy      DynamicConv2d of tools/fixtures/dynamic_conv.py (K = 4, softmax attention, τ = 30 unless
          set; per-sample kernels aggregated, batch folded into the groups of one grouped conv —
          PyTorch's usual DY-Conv)
  dcd     conv_basic_dy of the official DCD code (models/imagenet/resnet_dcd.py, read from the git
          mirror named by DCD_REPO into a temp dir; never committed)
Module names: stem.0, stem.1, blocks.{0,1,2}.{conv1,bn1,conv2,bn2,shortcut.0,shortcut.1}, fc.

Usage (Debian's python3 has PyTorch 1.13):
  DCD_REPO=/work/.mirror/liyunsheng13+dcd/repo /usr/bin/python3 tools/bench_train_torch.py [--variants static,dy,dcd]
      [--batch 64] [--seconds 5] [--threads 1]          → one JSON object on stdout
  DCD_REPO=… /usr/bin/python3 tools/bench_train_torch.py --fixture   → writes tests/fixtures/train_step.json
A training step = forward + cross-entropy (label smoothing 0.1) + backward + SGD (lr 0.05, momentum
0.9, Nesterov, weight decay 5e-4); inference = eval-mode forward under no_grad.
"""
import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, 'fixtures'))
from dynamic_conv import DynamicConv2d  # noqa: E402

LABEL_SMOOTHING = 0.1
SGD_OPTIONS = {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weight_decay': 5e-4}
ADAMW_OPTIONS = {'lr': 1e-3, 'betas': (0.9, 0.999), 'eps': 1e-8, 'weight_decay': 0.05}


def load_dcd_module():
    """The official resnet_dcd.py, read from the bare git mirror in DCD_REPO into a temp dir."""
    repo = os.environ.get('DCD_REPO')
    if not repo or not os.path.isdir(repo):
        sys.exit('DCD_REPO must name the bare git mirror of github.com/liyunsheng13/dcd '
                 '(e.g. /work/.mirror/liyunsheng13+dcd/repo); the dcd variant and --fixture need it')
    source = subprocess.run(['git', f'--git-dir={repo}', 'show', 'HEAD:models/imagenet/resnet_dcd.py'],
                            check=True, capture_output=True).stdout
    tmp = tempfile.mkdtemp(prefix='dcd-official-')
    path = os.path.join(tmp, 'resnet_dcd.py')
    with open(path, 'wb') as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location('resnet_dcd_official', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def conv_factory(variant, temperature=30.0):
    if variant == 'static':
        return lambda cin, cout, stride: nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
    if variant == 'dy':
        return lambda cin, cout, stride: DynamicConv2d(cin, cout, 3, stride, 1, bias=False, K=4, temperature=temperature)
    if variant == 'dcd':
        official = load_dcd_module()
        return lambda cin, cout, stride: official.conv_basic_dy(cin, cout, stride)
    raise ValueError(variant)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, make_conv):
        super().__init__()
        self.conv1 = make_conv(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = make_conv(cout, cout, 1)
        self.bn2 = nn.BatchNorm2d(cout)
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        else:
            self.shortcut = nn.Sequential()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class SmallCNN(nn.Module):
    def __init__(self, variant, temperature=30.0, num_classes=10):
        super().__init__()
        make_conv = conv_factory(variant, temperature)
        self.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(inplace=True))
        self.blocks = nn.Sequential(BasicBlock(32, 32, 1, make_conv), BasicBlock(32, 64, 2, make_conv),
                                    BasicBlock(64, 128, 2, make_conv))
        self.fc = nn.Linear(128, num_classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def count_madds(model, hw=28):
    """Multiply-adds of one 1×hw×hw image: convs and linears (their modules), plus DY-Conv's kernel
    aggregation and convolution (functional) and DCD's Φ·z products. BN, pooling, activations: 0."""
    total = [0]
    hooks = []

    def conv_hook(m, inp, out):
        total[0] += out.numel() // out.shape[0] * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, inp, out):
        total[0] += out.numel() // out.shape[0] * m.in_features

    def dy_hook(m, inp, out):
        k, cout, cin_g, kh, kw = m.weight.shape
        total[0] += k * cout * cin_g * kh * kw                     # aggregation Σ_k π_k W_k
        total[0] += out.numel() // out.shape[0] * cin_g * kh * kw   # the per-sample convolution

    def dcd_hook(m, inp, out):
        h, w = out.shape[2:]
        total[0] += m.dim * m.dim * h * w                           # Φ(x)·z at every pixel

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
        elif isinstance(m, DynamicConv2d):
            hooks.append(m.register_forward_hook(dy_hook))
        elif type(m).__name__ == 'conv_basic_dy':
            hooks.append(m.register_forward_hook(dcd_hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, hw, hw))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return total[0]


def images_per_second(fn, batch, seconds, warmup=2):
    for _ in range(warmup):
        fn()
    runs = 0
    start = time.perf_counter()
    while True:
        fn()
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and runs >= 3:
            return batch * runs / elapsed, elapsed / runs, runs


def bench_variant(variant, batch, seconds):
    torch.manual_seed(0)
    model = SmallCNN(variant)
    x = torch.randn(batch, 1, 28, 28)
    labels = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), foreach=False, **SGD_OPTIONS)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), labels, label_smoothing=LABEL_SMOOTHING)
        loss.backward()
        opt.step()

    model.train()
    train_ips, train_s, train_runs = images_per_second(train_step, batch, seconds)
    model.eval()

    def infer():
        with torch.no_grad():
            model(x)

    infer_ips, infer_s, infer_runs = images_per_second(infer, batch, seconds)
    return {
        'parameters': count_parameters(model), 'madds': count_madds(model),
        'trainImagesPerSecond': round(train_ips, 1), 'trainStepMs': round(train_s * 1e3, 2), 'trainRuns': train_runs,
        'inferenceImagesPerSecond': round(infer_ips, 1), 'inferenceBatchMs': round(infer_s * 1e3, 2), 'inferenceRuns': infer_runs,
    }


# ---------------------------------------------------------------- the hash formula
# One formula for every fixture: tools/fixtures/network_common.py (written out in its FORMULA text and
# implemented bit for bit in tests/fixtures/networks.ts).
from network_common import FORMULA, SUMMARY_DEFINITION, fnv1a32, hash32, hash_input, hash_tensor_values, summary  # noqa: E402


def hash_tensor(name, shape):
    return torch.from_numpy(hash_tensor_values(name, shape))


def build_hashed(variant, dtype):
    torch.manual_seed(0)
    model = SmallCNN(variant, temperature=1.0)
    state = {k: hash_tensor(k, tuple(v.shape)) for k, v in model.state_dict().items() if not k.endswith('num_batches_tracked')}
    model.load_state_dict(state, strict=False)
    model.to(dtype)
    return model


def calibrate(model, x):
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.momentum = None
        bn.reset_running_stats()
    model.train()
    with torch.no_grad():
        model(x)
    for bn in bns:
        bn.momentum = 0.1
        bn.num_batches_tracked.zero_()


def one_step(variant, dtype, optimizer, n=4):
    model = build_hashed(variant, dtype)
    calibrate(model, hash_input('input.calibrate', (n, 1, 28, 28)).to(dtype))
    x = hash_input('input.train', (n, 1, 28, 28)).to(dtype)
    labels = torch.from_numpy((hash32(fnv1a32('labels'), np.arange(n, dtype=np.uint64)) % np.uint64(10)).astype(np.int64))
    params = dict(model.named_parameters())
    if optimizer == 'sgd':
        opt = torch.optim.SGD(params.values(), foreach=False, **SGD_OPTIONS)
    else:
        opt = torch.optim.AdamW(params.values(), foreach=False, **ADAMW_OPTIONS)
    model.train()
    logits = model(x)
    loss = F.cross_entropy(logits, labels, label_smoothing=LABEL_SMOOTHING)
    loss.backward()
    grads = {k: p.grad.detach().clone() for k, p in params.items()}
    opt.step()
    state = {k: v.detach().clone() for k, v in model.state_dict().items() if not k.endswith('num_batches_tracked')}
    return {'labels': labels, 'logits': logits.detach(), 'loss': loss.item(), 'grads': grads, 'state': state}


def write_fixture(variant='dcd'):
    cases = {}
    for optimizer in ('sgd', 'adamw'):
        r32 = one_step(variant, torch.float32, optimizer)
        r64 = one_step(variant, torch.float64, optimizer)
        # gradients that are zero by construction (a bias followed by a train-mode BatchNorm, e.g.
        # every DCD bn2.bias): float32 leaves rounding noise there, which AdamW normalises to ±lr
        zero_by_construction = sorted(k for k, g in r64['grads'].items() if g.abs().max().item() < 1e-12)
        exact = [k for k in r32['state'] if k not in zero_by_construction]
        worst = {  # max |t32 − t64| / max |t64| over the logits, and over every other state tensor
            'logits': float((r32['logits'].double() - r64['logits']).abs().max() / r64['logits'].abs().max()),
            'state': max(float((r32['state'][k].double() - r64['state'][k]).abs().max() / max(r64['state'][k].abs().max(), 1e-30))
                         for k in exact),
        }
        cases[optimizer] = {
            'loss': r32['loss'], 'loss64': r64['loss'], 'float64MaxRelDiff': worst,
            'zeroGradByConstruction': zero_by_construction,
            'logits': r32['logits'].reshape(-1).tolist(),
            'gradSummaries': {k: summary(k, v) for k, v in r32['grads'].items()},
            'after': {k: summary(k, v) for k, v in r32['state'].items()},
            # the same run in float64: how well-conditioned each summary is (AdamW's first step is
            # −lr·g/(|g| + eps), so elements with |g| near eps amplify float32 rounding)
            'after64': {k: {key: summary(k, v)[key] for key in ('maxAbs', 'norm2', 'dot')} for k, v in r64['state'].items()},
        }
        labels = r32['labels'].tolist()
    model = build_hashed(variant, torch.float32)
    out = {
        'generator': 'tools/bench_train_torch.py --fixture', 'torch': torch.__version__,
        'network': f'SmallCNN variant {variant} (see the generator), DynamicConv temperature 1 where present',
        'formula': FORMULA, 'summaryDefinition': SUMMARY_DEFINITION,
        'labelsDefinition': "labels[i] = hash32(fnv1a32('labels'), i) mod 10",
        'batch': [4, 1, 28, 28], 'labels': labels, 'labelSmoothing': LABEL_SMOOTHING,
        'sgd': {'lr': SGD_OPTIONS['lr'], 'momentum': SGD_OPTIONS['momentum'], 'nesterov': True, 'weightDecay': SGD_OPTIONS['weight_decay']},
        'adamw': {'lr': ADAMW_OPTIONS['lr'], 'betas': list(ADAMW_OPTIONS['betas']), 'eps': ADAMW_OPTIONS['eps'],
                  'weightDecay': ADAMW_OPTIONS['weight_decay']},
        'stateDict': [[k, list(v.shape)] for k, v in model.state_dict().items() if not k.endswith('num_batches_tracked')],
        'golden': {k: hash_tensor(k, tuple(model.state_dict()[k].shape)).reshape(-1)[:4].tolist()
                   for k in ('stem.0.weight', 'blocks.1.conv1.fc_phi.weight', 'blocks.2.bn2.weight', 'fc.bias')},
        'goldenInput': hash_input('input.train', (4, 1, 28, 28)).reshape(-1)[:4].tolist(),
        'cases': cases,
    }
    path = os.path.join(REPO_ROOT, 'tests', 'fixtures', 'train_step.json')
    with open(path, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print(f'{path}: {os.path.getsize(path) / 1024:.0f} KiB; loss sgd {cases["sgd"]["loss"]:.6f}; '
          f'float64 worst rel diff {cases["sgd"]["float64MaxRelDiff"]}', file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--variants', default='static,dy,dcd')
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--seconds', type=float, default=5.0, help='time budget per measurement')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--fixture', action='store_true', help='write tests/fixtures/train_step.json instead')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.fixture:
        write_fixture()
        return
    results = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'batch': args.batch, 'variants': {}}
    for variant in args.variants.split(','):
        results['variants'][variant] = bench_variant(variant, args.batch, args.seconds)
        print(f'{variant}: {results["variants"][variant]}', file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))


if __name__ == '__main__':
    main()
