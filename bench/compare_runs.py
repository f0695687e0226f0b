#!/usr/bin/env python
"""Check that two run folders (e.g. `vqlesion demo` before and after a refactor, same seed, same machine)
hold the same results: every checkpoint's tensors are `torch.equal`, every JSON/JSON-lines value and every
`.npz` array is identical, ignoring wall-clock fields (`time`, timings, dates).

    python bench/compare_runs.py /tmp/demo_before /tmp/demo_after
"""
import json, sys
from pathlib import Path
import numpy as np
import torch

SKIP_KEYS = {'time', 'seconds', 'timings', 'created', 'finished', 'stage_seconds', 'wall_s', 'date'}
# the global Python and NumPy generators are never seeded by a run (only torch's is), so their saved states differ
# between any two runs, even of the same code; torch's state, and every weight, must match
UNSEEDED = ('rng.python', 'rng.numpy')
SKIP_FILES = {'timings.json'}


def _strip(x):
    if isinstance(x, dict): return {k: _strip(v) for k, v in x.items() if k not in SKIP_KEYS and not k.endswith('_seconds')}
    if isinstance(x, list): return [_strip(v) for v in x]
    return x


def _tensors(x, prefix=''):
    "Flatten nested dicts/lists of a checkpoint into {path: tensor or value}."
    if isinstance(x, dict):
        out = {}
        for k, v in x.items(): out.update(_tensors(v, f'{prefix}{k}.'))
        return out
    if isinstance(x, (list, tuple)) and any(isinstance(v, (torch.Tensor, dict)) for v in x):
        out = {}
        for i, v in enumerate(x): out.update(_tensors(v, f'{prefix}{i}.'))
        return out
    return {prefix.rstrip('.'): x}


def compare(a: Path, b: Path) -> list[str]:
    problems, checked = [], 0
    files = sorted(p.relative_to(a) for p in a.rglob('*') if p.is_file() and p.name not in SKIP_FILES
                   and p.suffix in ('.pt', '.json', '.jsonl', '.npz'))
    for rel in files:
        pa, pb = a / rel, b / rel
        if not pb.exists(): problems.append(f'{rel}: missing in {b}'); continue
        checked += 1
        if pa.suffix == '.pt':
            ta, tb = (_tensors(torch.load(p, map_location='cpu', weights_only=True)) for p in (pa, pb))
            keep = lambda k: not any(s in k.split('.') for s in SKIP_KEYS) and not k.startswith(UNSEEDED) and '.rng.python' not in k and '.rng.numpy' not in k
            ta, tb = {k: v for k, v in ta.items() if keep(k)}, {k: v for k, v in tb.items() if keep(k)}
            if set(ta) != set(tb): problems.append(f'{rel}: keys differ {sorted(set(ta) ^ set(tb))[:5]}')
            for k in sorted(set(ta) & set(tb)):
                x, y = ta[k], tb[k]
                if isinstance(x, str) and isinstance(y, str): x, y = x.replace(str(a), '<run>'), y.replace(str(b), '<run>')
                same = torch.equal(x, y) if isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor) else _strip(x) == _strip(y)
                if not same: problems.append(f'{rel}: {k} differs')
        elif pa.suffix == '.npz':
            na, nb = np.load(pa), np.load(pb)
            if set(na.files) != set(nb.files): problems.append(f'{rel}: arrays differ')
            for k in na.files:
                x, y = na[k], nb[k]
                if x.dtype.kind == 'U': x, y = np.char.replace(x, str(a), '<run>'), np.char.replace(y, str(b), '<run>')
                if k in nb.files and not np.array_equal(x, y): problems.append(f'{rel}: array {k} differs')
        else:
            def load(p, root):   # run folders sit at different paths: compare paths relative to them
                text = p.read_text().replace(str(root), '<run>')
                return [json.loads(l) for l in text.splitlines() if l.strip()] if p.suffix == '.jsonl' else json.loads(text)
            ja, jb = _strip(load(pa, a)), _strip(load(pb, b))
            if ja != jb: problems.append(f'{rel}: values differ')
    print(f'compared {checked} files under {a} and {b}')
    return problems


if __name__ == '__main__':
    if len(sys.argv) != 3:   # --help, or not two folders
        print(__doc__.strip()); sys.exit(0 if sys.argv[1:] in (['-h'], ['--help']) else 2)
    probs = compare(Path(sys.argv[1]), Path(sys.argv[2]))
    for p in probs: print('DIFF', p)
    print('identical' if not probs else f'{len(probs)} differences')
    sys.exit(1 if probs else 0)
