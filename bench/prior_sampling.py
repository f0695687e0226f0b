#!/usr/bin/env python
"""How fast the priors sample on this machine.

1. GPT tokens per second when sampling 256 tokens (16x16 grids, K=512), with and without the
   key/value cache, for the `default` and `recipe-a` presets at batch 1 and batch 64.
2. Seconds to sample 64 grids of 16x16 and 32x32 codes with the GPT and the Gated PixelCNN
   (both with their caches), for each model's two presets.

    python bench/prior_sampling.py                    # everything (minutes on a 2-core CPU)
    python bench/prior_sampling.py --quick            # table 1 at batch 1 and table 2 at 16x16 only
    python bench/prior_sampling.py --threads 1 --device cpu

Without the cache, sampling a batch of 64 costs minutes per grid size on a CPU, because step t re-runs
all t tokens. So by default it is *estimated*: only every `--stride`-th step is timed (each step of the
uncached path is independent of the others) and the sum is scaled up; such entries carry a `~`. Use
`--stride 1` to time every step. The weights are random: speed does not depend on them.
"""
import argparse, platform, time
import torch
from vqlesion.core import default_device, seed_everything
from vqlesion.gpt import GPT, GPTConfig
from vqlesion.prior import sample_logits
from vqlesion.pixelcnn import PixelCNN, PixelCNNConfig


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default=None, help="'cpu', 'cuda', ... (default: vqlesion's default_device)")
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s choice)')
    p.add_argument('--stride', type=int, default=8, help='time every n-th step of uncached batch-64 sampling (1: all)')
    p.add_argument('--repeats', type=int, default=2, help='runs per measurement; the fastest is reported')
    p.add_argument('--quick', action='store_true', help='skip batch 64 in table 1 and 32x32 grids in table 2')
    return p.parse_args(argv)


def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize()


def best_time(fn, device, repeats):
    times = []
    for _ in range(repeats):
        sync(device); t0 = time.perf_counter(); fn(); sync(device); times.append(time.perf_counter() - t0)
    return min(times)


@torch.no_grad()
def uncached_estimate(model, batch, stride, device):
    "Seconds to sample one batch without the cache, timing every `stride`-th step (the middle one of each block)."
    H, W = model.config.grid
    canvas = torch.randint(model.config.num_codes, (batch, H, W), device=device)
    step = model._next_logits_fn(canvas, torch.full((batch,), -1, device=device), 0, use_cache=False)
    total, T = 0.0, H * W
    for block in range(0, T, stride):
        t = min(block + stride // 2, T - 1)
        sync(device); t0 = time.perf_counter()
        sample_logits(step(t)); sync(device)
        total += (time.perf_counter() - t0) * min(stride, T - block)
    return total


def gpt_table(args, device):
    rows = []
    for preset in ('default', 'recipe-a'):
        model = GPT(GPTConfig.preset(preset)).to(device).eval()
        for batch in ((1,) if args.quick else (1, 64)):
            cached = best_time(lambda: model.sample(batch, use_cache=True), device, args.repeats)
            if batch == 1 or args.stride == 1:
                uncached, approx = best_time(lambda: model.sample(batch, use_cache=False), device, 1), ''
            else:
                uncached, approx = uncached_estimate(model, batch, args.stride, device), '~'
            toks = batch * model.config.seq_len
            rows.append((preset, batch, f'{toks / cached:,.0f}', f'{approx}{toks / uncached:,.0f}',
                         f'{approx}{uncached / cached:.1f}x'))
            print('.', end='', flush=True)
    print()
    return rows


def prior_table(args, device):
    rows = []
    for size in ((16,) if args.quick else (16, 32)):
        for kind, cls, cfg_cls, presets in (('GPT', GPT, GPTConfig, ('recipe-a', 'default')),
                                             ('PixelCNN', PixelCNN, PixelCNNConfig, ('recipe-b', 'default'))):
            for preset in presets:
                model = cls(cfg_cls.preset(preset, grid_size=size)).to(device).eval()
                secs = best_time(lambda: model.sample(64), device, 1)
                rows.append((f'{size}x{size}', kind, preset, f'{model.num_params() / 1e6:.2f} M', f'{secs:.1f}'))
                print('.', end='', flush=True)
    print()
    return rows


def print_table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: '| ' + ' | '.join(str(x).rjust(w) for x, w in zip(r, widths)) + ' |'
    print(line(header)); print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for r in rows: print(line(r))


def main(argv=None):
    args = parse_args(argv)
    if args.threads: torch.set_num_threads(args.threads)
    device = default_device(args.device)
    seed_everything(0)
    name = torch.cuda.get_device_name(device) if device.type == 'cuda' else platform.processor() or platform.machine()
    print(f'device: {device} ({name}), torch {torch.__version__}, {torch.get_num_threads()} CPU threads')
    print('\nGPT sampling, 256 tokens (16x16 grids, K=512), tokens per second:')
    print_table(('preset', 'batch', 'KV cache', 'no cache', 'speed-up'), gpt_table(args, device))
    print('\nSeconds to sample 64 grids (with caches):')
    print_table(('grid', 'prior', 'preset', 'params', 'seconds'), prior_table(args, device))


if __name__ == '__main__':
    main()
