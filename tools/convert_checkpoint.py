#!/usr/bin/python3
"""PyTorch checkpoint <-> safetensors, written by hand (struct + json; no `safetensors` package).

Usage (Debian's /usr/bin/python3, which has PyTorch 1.13):
  convert_checkpoint.py IN.pth[.tar] OUT.safetensors [--dtype f32|f16]
  convert_checkpoint.py --to-pth IN.safetensors OUT.pth

.pth -> .safetensors accepts a bare state dict or one stored under 'state_dict' or 'model' (as training
scripts save them), strips DataParallel's 'module.' prefix and drops BatchNorm's integer
'num_batches_tracked' counters (dcd-wasm's loadStateDict ignores them). Any other entry that is not a
floating-point tensor (an int64 buffer, a list, a number) is REFUSED: the script names every such entry
and exits with status 2, because silently dropping a tensor would make the loaded network wrong.

The file is laid out as huggingface safetensors' `serialize` does (and as bindings/io/safetensors.ts
writes it): tensors sorted by name, compact JSON header with '__metadata__' first, padded with spaces
to a multiple of 8 bytes, little-endian data with no gaps. --to-pth reads such a file back (strictly:
the same checks as the TypeScript reader) and saves an OrderedDict of tensors with torch.save.
"""
import argparse
import collections
import json
import os
import struct
import sys

import torch

MAX_HEADER_BYTES = 100_000_000
DTYPES = {  # safetensors name -> (torch dtype, item size)
    'F64': (torch.float64, 8), 'F32': (torch.float32, 4), 'F16': (torch.float16, 2), 'BF16': (torch.bfloat16, 2),
    'I64': (torch.int64, 8), 'I32': (torch.int32, 4), 'I16': (torch.int16, 2), 'I8': (torch.int8, 1),
    'U8': (torch.uint8, 1), 'BOOL': (torch.bool, 1),
}
TORCH_TO_NAME = {dtype: name for name, (dtype, _) in DTYPES.items()}
# The reference's Dtype enum order; serialize() sorts by it, descending, then by name.
DTYPE_ORDER = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']
OUT_DTYPES = {'f32': torch.float32, 'f16': torch.float16}
PREFIX = 'module.'
BATCH_COUNTER = 'num_batches_tracked'


class ConversionError(Exception):
    """A checkpoint or file this script refuses, with a message naming the entry at fault."""


# ---------------------------------------------------------------------------- checkpoint -> state dict

def extract_state_dict(checkpoint):
    """The state dict inside a checkpoint: the object itself or its 'state_dict' / 'model' entry."""
    if not isinstance(checkpoint, dict):
        raise ConversionError(f'the checkpoint is a {type(checkpoint).__name__}, not a dict of tensors '
                              '(save model.state_dict(), not the model)')
    for key in ('state_dict', 'model'):
        inner = checkpoint.get(key)
        if isinstance(inner, dict):
            return inner, key
    return checkpoint, None


def clean_state_dict(state_dict, out_dtype=torch.float32):
    """(tensors by name, dropped names): 'module.' stripped, counters dropped, floats cast to out_dtype.

    Raises ConversionError naming every entry that is not a floating-point tensor.
    """
    tensors, dropped, refused = collections.OrderedDict(), [], []
    for key, value in state_dict.items():
        name = key[len(PREFIX):] if isinstance(key, str) and key.startswith(PREFIX) else key
        if not isinstance(name, str) or not name:
            refused.append(f'{key!r}: the name is not a non-empty string')
            continue
        if name == BATCH_COUNTER or name.endswith('.' + BATCH_COUNTER):
            dropped.append(key)
            continue
        if not isinstance(value, torch.Tensor):
            refused.append(f'{key!r}: a {type(value).__name__}, not a tensor')
            continue
        if not value.is_floating_point():
            refused.append(f'{key!r}: a {value.dtype} tensor, not floating point')
            continue
        if name in tensors:
            refused.append(f'{key!r}: gives the name {name!r} a second time once {PREFIX!r} is stripped')
            continue
        tensors[name] = value.detach().to('cpu', out_dtype).contiguous()
    if refused:
        raise ConversionError('refusing entries that are not floating-point tensors:\n  ' + '\n  '.join(refused))
    return tensors, dropped


# ---------------------------------------------------------------------------- safetensors write / read

def tensor_bytes(t):
    """The little-endian bytes of a contiguous CPU tensor (bfloat16 through its int16 bits)."""
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    a = t.numpy()
    return a.astype(a.dtype.newbyteorder('<'), copy=False).tobytes()


def safetensors_bytes(tensors, metadata=None):
    """A safetensors file of `tensors` (name -> tensor), laid out as the reference serialize()."""
    names = sorted(tensors, key=lambda n: (-DTYPE_ORDER.index(TORCH_TO_NAME[tensors[n].dtype]), n))
    header, offset = {}, 0
    if metadata is not None:
        header['__metadata__'] = {k: metadata[k] for k in sorted(metadata)}
    chunks = []
    for name in names:
        t = tensors[name]
        data = tensor_bytes(t)
        header[name] = {'dtype': TORCH_TO_NAME[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    text = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    return struct.pack('<Q', len(text)) + text + b''.join(chunks)


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ConversionError(f'the header has the key {next(k for k in keys if keys.count(k) > 1)!r} twice')
    return dict(pairs)


def read_safetensors(data):
    """(OrderedDict name -> tensor in file dtype, metadata) of a safetensors file's bytes, checked strictly."""
    if len(data) < 8:
        raise ConversionError(f'the file has {len(data)} bytes, fewer than the 8 of the header length')
    (n,) = struct.unpack('<Q', data[:8])
    if n > MAX_HEADER_BYTES or n > len(data) - 8:
        raise ConversionError(f'header length {n} is too large for a file of {len(data)} bytes')
    try:
        header = json.loads(data[8:8 + n].decode('utf-8'), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConversionError(f'the header is not UTF-8 JSON: {e}') from None
    if not isinstance(header, dict):
        raise ConversionError('the header is not a JSON object')
    metadata = header.pop('__metadata__', {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ConversionError('__metadata__ is not a map of strings')
    body = memoryview(data)[8 + n:]
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {'dtype', 'shape', 'data_offsets'}:
            raise ConversionError(f'tensor {name!r}: expected exactly dtype, shape, data_offsets')
        dtype, shape, (begin, end) = info['dtype'], info['shape'], info['data_offsets']
        if dtype not in DTYPES:
            raise ConversionError(f'tensor {name!r}: unsupported dtype {dtype!r}')
        if not all(type(d) is int and d >= 0 for d in shape) or not (type(begin) is int and type(end) is int and 0 <= begin <= end <= len(body)):
            raise ConversionError(f'tensor {name!r}: bad shape {shape} or data_offsets {[begin, end]}')
        numel = 1
        for d in shape:
            numel *= d
        if numel * DTYPES[dtype][1] != end - begin:
            raise ConversionError(f'tensor {name!r}: shape {shape} of {dtype} does not fill data_offsets {[begin, end]}')
        entries.append((begin, end, name, dtype, shape))
    entries.sort()
    position, tensors = 0, collections.OrderedDict()
    for begin, end, name, dtype, shape in entries:
        if begin != position:
            raise ConversionError(f'tensor {name!r}: data_offsets overlap another tensor or leave a hole')
        position = end
        torch_dtype = DTYPES[dtype][0]
        raw = bytearray(body[begin:end])  # a writable copy: torch.frombuffer warns on read-only memory
        load_as = torch.int16 if torch_dtype == torch.bfloat16 else torch_dtype
        t = torch.frombuffer(raw, dtype=load_as) if raw else torch.empty(0, dtype=load_as)
        if sys.byteorder == 'big' and t.element_size() > 1:
            t = torch.from_numpy(t.numpy().byteswap())
        tensors[name] = t.view(torch_dtype).reshape(shape).clone()
    if position != len(body):
        raise ConversionError(f'{len(body) - position} trailing bytes after the last tensor')
    return tensors, metadata


# ---------------------------------------------------------------------------- commands

def print_table(tensors, out=None):
    out = out or sys.stdout  # looked up at call time, so redirect_stdout works
    width = max([len('name')] + [len(n) for n in tensors])
    print(f'{"name":<{width}}  {"shape":<20} dtype', file=out)
    total_elements = total_bytes = 0
    for name, t in tensors.items():
        print(f'{name:<{width}}  {str(list(t.shape)):<20} {TORCH_TO_NAME[t.dtype]}', file=out)
        total_elements += t.numel()
        total_bytes += t.numel() * t.element_size()
    print(f'{len(tensors)} tensors, {total_elements} values, {total_bytes} bytes of data', file=out)


def convert_to_safetensors(in_path, out_path, dtype='f32', quiet=False):
    checkpoint = torch.load(in_path, map_location='cpu')
    state_dict, under = extract_state_dict(checkpoint)
    tensors, dropped = clean_state_dict(state_dict, OUT_DTYPES[dtype])
    metadata = {'format': 'pt', 'source': os.path.basename(in_path)}
    data = safetensors_bytes(tensors, metadata)
    with open(out_path, 'wb') as f:
        f.write(data)
    if not quiet:
        print(f'{in_path}{f" [{under!r}]" if under else ""} -> {out_path}')
        print_table(collections.OrderedDict((n, tensors[n]) for n in sorted(tensors)))
        if dropped:
            print(f'dropped {len(dropped)} {BATCH_COUNTER} counters')
        print(f'wrote {len(data)} bytes')
    return tensors


def convert_to_pth(in_path, out_path, quiet=False):
    with open(in_path, 'rb') as f:
        tensors, _ = read_safetensors(f.read())
    torch.save(tensors, out_path)
    if not quiet:
        print(f'{in_path} -> {out_path}')
        print_table(tensors)
    return tensors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('input')
    parser.add_argument('output')
    parser.add_argument('--dtype', choices=sorted(OUT_DTYPES), default='f32', help='dtype written (default f32)')
    parser.add_argument('--to-pth', action='store_true', help='read a safetensors file, write a .pth state dict')
    args = parser.parse_args(argv)
    try:
        if args.to_pth:
            convert_to_pth(args.input, args.output)
        else:
            convert_to_safetensors(args.input, args.output, args.dtype)
    except ConversionError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
