#!/usr/bin/env python
"""Throughput of the procedural dermoscopy generator `vqlesion.data.synth_lesion` on one CPU core.

    python bench/synthetic_throughput.py                 # 64, 128 and 256 px, ~3 s each
    python bench/synthetic_throughput.py --sizes 128 --seconds 10

Images follow the default (HAM10000) class mix, as `SyntheticLesions()` draws them. The target is at least
300 images/s at 128 px, so that rendering on the fly never starves a small model's training loop.
"""
import os
for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):   # one core: set before numpy loads
    os.environ.setdefault(var, '1')
import argparse, time


def images_per_second(size: int, seconds: float, seed: int = 0) -> tuple[float, float, int]:
    """Render images of `size` px for about `seconds`; returns (images per wall-clock second, images per CPU second
    of this process, images rendered). On a shared machine the second is the fairer 'one core' number."""
    from vqlesion.synthetic import synth_lesion
    for i in range(20): synth_lesion(seed, i, size)             # warm the caches (interpolation matrices, tiles)
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - start) < seconds:
        synth_lesion(seed + 1, n, size); n += 1
    return n / elapsed, n / (time.process_time() - cpu), n


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--sizes', type=int, nargs='+', default=[64, 128, 256])
    p.add_argument('--seconds', type=float, default=3.0, help='time spent per size')
    args = p.parse_args(argv)
    import torch; torch.set_num_threads(1)                       # vqlesion.data imports torch
    print(f'synth_lesion throughput, 1 thread, default class mix ({args.seconds:g} s per size)')
    for size in args.sizes:
        rate, cpu_rate, n = images_per_second(size, args.seconds)
        print(f'{size:4d} px: {rate:7.1f} images/s  ({1000 / rate:5.2f} ms/image; {cpu_rate:7.1f} per CPU-second; {n} images)')


if __name__ == '__main__':
    main()
