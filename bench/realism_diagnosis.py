#!/usr/bin/env python
"""Why the CNN two-sample test tells a demo run's reconstructions from real images: their spectrum, and how close they would have to be.

    python bench/realism_diagnosis.py --run runs/demo --threads 2 [--out bench/results/realism_diagnosis.json]

On the demo's evaluated test images it measures, for the plain (MSE) decoder and the run's sharp decoder:
- the power spectrum of the reconstructions over that of the real images, averaged in bands of frequency (cycles per
  pixel, the larger of |fx| and |fy|), and at the highest frequency (1/2, 1/2), where transposed convolutions leave
  their checkerboard;
- the CNN two-sample accuracy (the demo's settings, one seed, twins kept together) of the sharp reconstructions at full
  size and average-pooled 2x and 4x (4x: one value per code of a 16x16 grid), and of "oracle" images that move each real
  image a fraction alpha of the way to its reconstruction (alpha 1 is the reconstruction): how much closer, in PSNR,
  reconstructions would have to be before the test stops telling them apart."""
import json, time
from pathlib import Path
import torch
import torch.nn.functional as F
from common import parser, write_result

BANDS = [(0.0, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.51)]


def parse_args(argv=None):
    p = parser(__doc__, 'bench/results/realism_diagnosis.json')
    p.add_argument('--alphas', default='0.25,0.5,0.75')
    return p.parse_args(argv)


def power_ratio(fake, real) -> dict:
    "Mean power spectrum of `fake` over that of `real` (each image's mean removed), by band and at (1/2, 1/2)."
    spec = lambda t: (torch.fft.fft2(t - t.mean((2, 3), keepdim=True)).abs() ** 2).mean((0, 1))
    r = spec(fake) / spec(real)
    n = real.shape[-1]
    f = torch.fft.fftfreq(n).abs()
    band = torch.maximum(f.view(-1, 1), f.view(1, -1))
    out = {f'{lo:.1f}-{min(hi, 0.5):.1f}': round(float(r[(band >= lo) & (band < hi)].mean()), 3) for lo, hi in BANDS}
    out['nyquist'] = round(float(r[n // 2, n // 2]), 2) if n % 2 == 0 else None
    return out


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    from vqlesion.demo import demo_quality_inputs
    from vqlesion.metrics import reconstruct
    from vqlesion.quality import cnn_two_sample_test
    from vqlesion.vqvae import load_vqvae
    from vqlesion.core import psnr
    run = Path(a.run)
    inp = demo_quality_inputs(run)
    x, cfg = inp['images'], inp['config']
    sharp = reconstruct(inp['vqvae'], x)[0]
    plain = reconstruct(load_vqvae(run / 'vqvae', decoder='plain'), x)[0]
    def c2st(real, fake):
        t0 = time.time()
        r = cnn_two_sample_test(real, fake, seeds=(0,), steps=cfg.c2st_steps, pairs=True)
        return round(r['accuracy'], 4), round(time.time() - t0, 1)
    rows = []
    def add(name, real, fake, **extra):
        acc, secs = c2st(real, fake)
        rows.append({'images': name, 'c2st_cnn': acc, 'psnr': round(float(psnr(fake, real).mean()), 2), **extra, 'seconds': secs})
        print(json.dumps(rows[-1]), flush=True)
    add('sharp reconstructions', x, sharp)
    add('plain reconstructions', x, plain)
    add('sharp, average-pooled 2x', F.avg_pool2d(x, 2), F.avg_pool2d(sharp, 2))
    add('sharp, average-pooled 4x', F.avg_pool2d(x, 4), F.avg_pool2d(sharp, 4))
    for al in (float(v) for v in a.alphas.split(',')):
        add(f'oracle alpha {al}', x, x + al * (sharp - x), alpha=al)
    res = {'run': str(run), 'n_images': len(x), 'image_size': x.shape[-1], 'c2st_steps': cfg.c2st_steps,
           'power_ratio': {'sharp': power_ratio(sharp, x), 'plain': power_ratio(plain, x)}, 'c2st': rows,
           'command': f'python bench/realism_diagnosis.py --run {run} --threads {a.threads}'}
    print(json.dumps(res['power_ratio']))
    write_result(a.out, res)


if __name__ == '__main__':
    main()
