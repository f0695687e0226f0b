#!/usr/bin/env python
"""Decode a prior's coarse code grids through a finer VQ-VAE: chapter 5b's code upsampler (`vqlesion.upsampler`) learns
the 32x32 grid of codes from the 16x16 one, and the samples of the 16x16 priors are upsampled in code space and decoded
by the 32x32 VQ-VAE.

    python bench/code_upsampler.py --coarse runs/demo --fine runs/demo32 --threads 2 [--steps 2000 --set width=64]
                                   [--out bench/results/code_upsampler.json] [--up-dir DIR]

COARSE is a finished `vqlesion demo` run (16x16 grids, its priors and samples); FINE is `bench/grid_size.py --src COARSE
--set downsample=2` (the same training split encoded into 32x32 grids of the same images). The upsampler is trained
with `train_upsampler` on the two training code files into FINE/upsampler (resumed if it is there), and the fine codes
it implies are sampled position by position (temperature 1) or taken at their mode (temperature 0).
Scored with the coarse run's lesion feature network against its evaluated test images, like the demo's rows: the test
images' own coarse codes upsampled, and the demo's GPT and PixelCNN samples (the same grids as its metrics.json)
decoded directly and through the upsampler."""
import argparse, json, time
from pathlib import Path
import numpy as np
import torch
from common import overrides, demo_samples, write_result


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--coarse', required=True); p.add_argument('--fine', required=True)
    p.add_argument('--steps', type=int, default=2000); p.add_argument('--batch-size', type=int, default=None)
    p.add_argument('--lr', type=float, default=None)
    p.add_argument('--set', action='append', default=[], metavar='FIELD=VALUE', help='UpsamplerConfig overrides (JSON values)')
    p.add_argument('--unconditional', action='store_true', help='ignore the class labels')
    p.add_argument('--up-dir', default=None, help="the upsampler's run folder (default: FINE/upsampler; resumed if it is there)")
    p.add_argument('--threads', type=int, default=2); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default='bench/results/code_upsampler.json')
    p.add_argument('--figure', default='nbs/images/upsampled_samples.jpg', help='real | GPT samples as the demo decodes them | through the upsampler, a row per class')
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
    from vqlesion.demo import demo_quality_inputs, _eval_subset
    from vqlesion.vqvae import load_vqvae
    from vqlesion.priors import decode_codes, load_codes
    from vqlesion.quality import sample_quality
    from vqlesion.upsampler import train_upsampler, load_upsampler, upsample_codes
    from vqlesion.train import read_metrics
    coarse_run, fine_run = Path(a.coarse), Path(a.fine)
    up_run = Path(a.up_dir) if a.up_dir else fine_run / 'upsampler'
    over = overrides(a.set)
    t0 = time.time()
    train_upsampler(coarse_run / 'codes' / 'train.npz', fine_run / 'codes' / 'train.npz', up_run, steps=a.steps, batch_size=a.batch_size,
                    lr=a.lr, seed=a.seed, show_progress=False, device='cpu', conditional=not a.unconditional, **over)
    train_seconds = round(time.time() - t0, 1)
    log = [{'step': r['step'], 'valid_bits': round(r['bits_per_code'], 4), 'valid_accuracy': round(r['accuracy'], 4)}
           for r in read_metrics(up_run) if r['split'] == 'valid']
    net, rc = load_upsampler(up_run, device='cpu')
    test_c, test_f = load_codes(coarse_run / 'codes' / 'test.npz'), load_codes(fine_run / 'codes' / 'test.npz')
    tc, tf = (torch.from_numpy(cs.codes.astype(np.int64)) for cs in (test_c, test_f))
    tl = torch.from_numpy(test_c.labels)
    test_bits = {}
    with torch.no_grad():   # held-out bits per fine code of the whole test split, with its labels and without
        for name, lab in (('with_labels', tl), ('without_labels', None)):
            nll = sum(float(net.nll(c, f, None if lab is None else l).sum() * f[0].numel()) for c, f, l in zip(tc.split(100), tf.split(100), tl.split(100)))
            test_bits[name] = round(nll / tf.numel() / np.log(2), 4)
    print(json.dumps({'train_seconds': train_seconds, 'test_bits_per_fine_code': test_bits, 'log': log[-1]}), flush=True)
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
    def up(z, lab, t): return decode_codes(vq_fine, upsample_codes(net, z, lab, temperature=t, seed=a.seed))
    score(decode_codes(vq_coarse, tc[idx]), 'test images', 'coarse codes, coarse decoder (the demo)', labels)
    score(decode_codes(vq_fine, tf[idx]), 'test images', 'fine codes, fine decoder (the fine VQ-VAE)', labels)
    for t in (0.0, 1.0): score(up(tc[idx], tl[idx], t), 'test images', f'upsampled, temperature {t:g}', labels)
    for kind in ('gpt', 'pixelcnn'):
        zs, fl = demo_samples(coarse_run, kind)
        fl = torch.from_numpy(fl.astype(np.int64))
        direct = decode_codes(vq_coarse, zs)
        score(direct, f'{kind} samples', 'coarse codes, coarse decoder (the demo)', fl)
        for t in (0.0, 1.0):
            upsampled = up(zs, fl, t)
            score(upsampled, f'{kind} samples', f'upsampled, temperature {t:g}', fl)
        if kind == 'gpt' and a.figure:
            from vqlesion.report import plot_beside_real
            import matplotlib.pyplot as plt
            fig = plot_beside_real(real, labels, {'GPT, 16×16 decoder': (direct, fl), 'GPT, upsampled to 32×32 (temperature 1)': (upsampled, fl)},
                                   q['classes'], n=4)
            fig.savefig(a.figure, dpi=80, bbox_inches='tight', pil_kwargs={'quality': 85}); plt.close(fig)
    flags = ''.join(f' --set {x}' for x in a.set) + (' --unconditional' if a.unconditional else '') + (f' --up-dir {a.up_dir}' if a.up_dir else '')
    res = {'coarse': str(coarse_run), 'fine': str(fine_run), 'upsampler': rc['model'], 'train': rc['train'], 'threads': a.threads,
           'n_params': net.num_params(), 'train_seconds': train_seconds, 'log': log, 'test_bits_per_fine_code': test_bits,
           'real_floor_kid': json.loads((coarse_run / 'metrics.json').read_text())['realism']['real']['kid'], 'rows': rows,
           'figure': a.figure, 'command': f'python bench/code_upsampler.py --coarse {coarse_run} --fine {fine_run} --threads {a.threads} --steps {a.steps}{flags}'}
    write_result(a.out, res)


if __name__ == '__main__': main()
