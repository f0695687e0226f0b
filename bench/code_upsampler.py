#!/usr/bin/env python
"""Decode a prior's coarse code grids through a finer VQ-VAE: a small network learns the 32x32 grid of codes from the
16x16 one, and the samples of the 16x16 priors are upsampled in code space and decoded by the 32x32 VQ-VAE.

    python bench/code_upsampler.py --coarse runs/demo --fine runs/demo32 --threads 2 [--width 64 --steps 1600]
                                   [--out bench/results/code_upsampler.json]

COARSE is a finished `vqlesion demo` run (16x16 grids, its priors and samples); FINE is `bench/grid_size.py --src COARSE
--set downsample=2` (the same training split encoded into 32x32 grids of the same images). The upsampler embeds the
coarse codes, runs residual 3x3 convolutions at 16x16, doubles the resolution by a pixel shuffle and predicts each fine
code independently (a categorical per position, cross-entropy against the fine VQ-VAE's codes of the same training
image). It is a factorised version of VQ-VAE-2's bottom prior: the coarse grid, which the priors can model, holds the
image's layout; the fine codes it implies are sampled position by position (temperature 1) or taken at their mode.
Scored with the coarse run's lesion feature network against its evaluated test images, like the demo's rows: the test
images' own coarse codes upsampled, and the demo's GPT and PixelCNN samples (the same grids as its metrics.json)
decoded directly and through the upsampler."""
import argparse, json, time
from pathlib import Path
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F


class Residual(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(width, width, 3, padding=1), nn.Conv2d(width, width, 3, padding=1)
    def forward(self, x): return x + self.conv2(F.gelu(self.conv1(F.gelu(x))))


class CodeUpsampler(nn.Module):
    "Coarse code grids (B, h, w) → logits of the fine codes (B, K_fine, 2h, 2w)."
    def __init__(self, coarse_codes: int, fine_codes: int, width: int = 64, coarse_blocks: int = 4, fine_blocks: int = 2):
        super().__init__()
        self.embed = nn.Embedding(coarse_codes, width)
        self.coarse = nn.Sequential(*[Residual(width) for _ in range(coarse_blocks)])
        self.expand = nn.Conv2d(width, 4 * width, 1)
        self.fine = nn.Sequential(*[Residual(width) for _ in range(fine_blocks)])
        self.head = nn.Conv2d(width, fine_codes, 1)
    def forward(self, z):
        h = self.coarse(self.embed(z).permute(0, 3, 1, 2))
        return self.head(self.fine(F.pixel_shuffle(self.expand(h), 2)))


def upsample_codes(net, z, temperature: float, seed: int = 1, batch_size: int = 100):
    "Fine code grids for coarse ones: each position's mode (temperature 0) or a draw at `temperature`."
    g, out = torch.Generator().manual_seed(seed), []
    with torch.no_grad():
        for zb in z.split(batch_size):
            logits = net(zb)
            if temperature == 0: out.append(logits.argmax(1)); continue
            p = (logits / temperature).softmax(1).permute(0, 2, 3, 1)
            out.append(torch.multinomial(p.reshape(-1, p.shape[-1]), 1, generator=g).view(p.shape[:-1]))
    return torch.cat(out)


def codes(path):
    "A code file's grids as a long tensor, the training images they came from (`source`), and the codebook's size."
    from vqlesion.priors import load_codes
    cs = load_codes(path)
    return torch.from_numpy(cs.codes.astype(np.int64)), cs.source, cs.num_codes


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--coarse', required=True); p.add_argument('--fine', required=True)
    p.add_argument('--width', type=int, default=64); p.add_argument('--steps', type=int, default=1600)
    p.add_argument('--batch-size', type=int, default=32); p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--threads', type=int, default=2); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default='bench/results/code_upsampler.json')
    p.add_argument('--figure', default='nbs/images/upsampled_samples.jpg', help='real | GPT samples as the demo decodes them | through the upsampler, a row per class')
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
    from vqlesion.demo import demo_quality_inputs, _eval_subset
    from vqlesion.vqvae import load_vqvae
    from vqlesion.priors import decode_codes
    from vqlesion.quality import sample_quality
    coarse_run, fine_run = Path(a.coarse), Path(a.fine)
    zc, lc, kc = codes(coarse_run / 'codes' / 'train.npz'); zf, lf, kf = codes(fine_run / 'codes' / 'train.npz')
    tc, sc, _ = codes(coarse_run / 'codes' / 'test.npz'); tf, sf, _ = codes(fine_run / 'codes' / 'test.npz')
    for (c, f, ic, i_f) in ((zc, zf, lc, lf), (tc, tf, sc, sf)):   # ic, i_f: the indices of the images the grids encode
        if c.shape[0] != f.shape[0] or not (ic == i_f).all() or 2 * c.shape[1] != f.shape[1]:
            raise SystemExit(f"{fine_run}/codes does not hold the same images as {coarse_run}/codes at twice the grid")
    net = CodeUpsampler(kc, kf, a.width)
    opt = torch.optim.AdamW(net.parameters(), a.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=a.steps)
    g, t0, log = torch.Generator().manual_seed(a.seed), time.time(), []
    for step in range(1, a.steps + 1):
        i = torch.randint(0, len(zc), (a.batch_size,), generator=g)
        loss = F.cross_entropy(net(zc[i]), zf[i])
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        if step % 400 == 0 or step == a.steps:
            net.eval()
            with torch.no_grad(): test = sum(F.cross_entropy(net(c), f, reduction='sum').item() for c, f in zip(tc.split(100), tf.split(100))) / tf.numel()
            net.train()
            log.append({'step': step, 'train_bits': round(loss.item() / np.log(2), 4), 'test_bits': round(test / np.log(2), 4), 'seconds': round(time.time() - t0, 1)})
            print(json.dumps(log[-1]), flush=True)
    train_seconds = round(time.time() - t0, 1)
    net.eval()
    q = demo_quality_inputs(coarse_run)
    real, labels, fnet = q['images'], q['labels'], q['feature_net']
    idx = _eval_subset(len(tc), q['config'].eval_images, q['seed'])
    vq_coarse, vq_fine = load_vqvae(coarse_run / 'vqvae'), load_vqvae(fine_run / 'vqvae')
    rows = []
    def score(images, what, route, fake_labels):
        s = sample_quality(real, images, feature_net=fnet, real_labels=labels, fake_labels=fake_labels, classes=q['classes'],
                           seed=q['seed'], pairs=what == 'test images', c2st_kw=dict(seeds=(q['seed'],), steps=q['config'].c2st_steps))
        rows.append({'images': what, 'route': route, **{k: v for k, v in s.items() if not isinstance(v, dict)}})
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in rows[-1].items()
                          if k in ('images', 'route', 'kid', 'fid', 'c2st_cnn', 'coverage', 'class_fidelity_min_ratio')}), flush=True)
    score(decode_codes(vq_coarse, tc[idx]), 'test images', 'coarse codes, coarse decoder (the demo)', labels)
    for t in (0.0, 1.0): score(decode_codes(vq_fine, upsample_codes(net, tc[idx], t)), 'test images', f'upsampled, temperature {t:g}', labels)
    for kind in ('gpt', 'pixelcnn'):
        z = np.load(coarse_run / f'samples_{kind}.npz'); n = int(z['n_eval'])
        zs, fl = torch.from_numpy(z['codes'][:n].astype(np.int64)), torch.from_numpy(z['labels'][:n].astype(np.int64))
        direct = decode_codes(vq_coarse, zs)
        score(direct, f'{kind} samples', 'coarse codes, coarse decoder (the demo)', fl)
        for t in (0.0, 1.0):
            up = decode_codes(vq_fine, upsample_codes(net, zs, t))
            score(up, f'{kind} samples', f'upsampled, temperature {t:g}', fl)
        if kind == 'gpt' and a.figure:
            from vqlesion.report import plot_beside_real
            import matplotlib.pyplot as plt
            fig = plot_beside_real(real, labels, {'GPT, 16×16 decoder': (direct, fl), 'GPT, upsampled to 32×32 (temperature 1)': (up, fl)},
                                   q['classes'], n=4)
            fig.savefig(a.figure, dpi=80, bbox_inches='tight', pil_kwargs={'quality': 85}); plt.close(fig)
    res = {'coarse': str(coarse_run), 'fine': str(fine_run), 'width': a.width, 'steps': a.steps, 'batch_size': a.batch_size, 'lr': a.lr,
           'threads': a.threads, 'n_params': sum(p.numel() for p in net.parameters()), 'train_seconds': train_seconds, 'log': log,
           'real_floor_kid': json.loads((coarse_run / 'metrics.json').read_text())['realism']['real']['kid'], 'rows': rows,
           'figure': a.figure, 'command': f'python bench/code_upsampler.py --coarse {coarse_run} --fine {fine_run} --threads {a.threads} --width {a.width} --steps {a.steps}'}
    Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    print(f'wrote {a.out}')


if __name__ == '__main__': main()
