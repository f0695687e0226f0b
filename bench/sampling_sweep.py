#!/usr/bin/env python
"""Sweep the sampling settings of a demo run's priors and score each one with the sample-quality suite.

    python bench/sampling_sweep.py --run runs/demo --threads 2 [--n 200] [--out bench/results/sampling_sweep.json]

For every prior of the run (`gpt`, `pixelcnn`) and every setting (temperature, top-k, top-p, classifier-free guidance)
it draws as many code grids as the demo evaluates, with the demo's class labels, decodes them with the run's VQ-VAE
(the sharp decoder where the run has one; with `--texture`, its texture, chapter 3c, added as the demo scores them;
without, the decoder's mean), and scores them against the real test images with the demo's feature
network: CNN two-sample accuracy, KID, precision/recall, class fidelity. Sampling time is measured per setting.
With `--upsampler RUN` (a `train-upsampler` run on the demo's codes, e.g. a `--preset fine` run's OUT/upsampler) the grids
are decoded coarse to fine instead: upsampled at `--upsampler-temperature` (and the upsampler's own classifier-free
`--upsampler-guidance`) and decoded by the fine VQ-VAE it learned from.
Writes the JSON and a figure of realism against sampling time beside it (.png)."""
import json, time
from pathlib import Path
import torch
from common import parser, command, write_result

SETTINGS = [dict(temperature=1.0), dict(temperature=0.85), dict(temperature=0.7), dict(top_k=32), dict(top_p=0.9),
            dict(guidance=2.0), dict(temperature=0.85, guidance=1.5)]
EXTRA = [dict(guidance=1.5), dict(guidance=3.0)]   # only by `--only 7,8` (indices into SETTINGS + EXTRA)


def parse_args(argv=None):
    p = parser(__doc__, 'bench/results/sampling_sweep.json')
    p.add_argument('--n', type=int, default=None, help='grids per setting (default: as many as the demo evaluates)')
    p.add_argument('--priors', default='gpt,pixelcnn')
    p.add_argument('--only', default=None, help='comma-separated indices into SETTINGS (default: all)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--decoder', default='auto', choices=['auto', 'plain'], help="'plain': the MSE-trained decoder")
    p.add_argument('--settings', default='all', choices=['all', 'baseline'], help="'baseline': temperature 1, no filter, no guidance")
    p.add_argument('--texture', action='store_true', help="add the run's texture to the decoded samples (default: the decoder's mean)")
    p.add_argument('--texture-temperature', type=float, default=None, help="the texture's temperature (default: the run's)")
    p.add_argument('--upsampler', default=None, help='decode coarse to fine through this train-upsampler run')
    p.add_argument('--upsampler-temperature', type=float, default=1.0)
    p.add_argument('--upsampler-guidance', type=float, default=1.0, help="the upsampler's classifier-free guidance (1: off)")
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    from vqlesion.demo import demo_quality_inputs
    from vqlesion.priors import load_prior, decode_codes
    from vqlesion.quality import sample_quality
    from vqlesion.upsampler import load_upsampler, load_fine_vqvae, decode_upsampled
    run = Path(a.run)
    up = load_upsampler(a.upsampler, device='cpu') if a.upsampler else None
    fine_vq = load_fine_vqvae(a.upsampler, up[1], device='cpu') if up else None   # once, checked against the upsampler's codes
    inp = demo_quality_inputs(run, decoder=a.decoder)   # real test images, labels, classes, feature net, VQ-VAE
    real, labels, classes, net, vq, cfg = inp['images'], inp['labels'], inp['classes'], inp['feature_net'], inp['vqvae'], inp['config']
    texture = inp['texture'] if a.texture and up is None else None
    tex_t = None if texture is None else texture.config.draw_temperature if a.texture_temperature is None else a.texture_temperature
    n = a.n or len(real)
    lab = labels[:n] if len(labels) >= n else labels[torch.arange(n) % len(labels)]
    rows = []
    for kind in a.priors.split(','):
        prior, _ = load_prior(run / kind, device='cpu')
        chosen = SETTINGS if a.only is None else [(SETTINGS + EXTRA)[int(i)] for i in a.only.split(',')]
        for s in (chosen if a.settings == 'all' else SETTINGS[:1]):
            g = torch.Generator().manual_seed(a.seed)
            t0 = time.time()
            codes = prior.sample(n, labels=lab if prior.config.num_classes else None, generator=g, **s)
            secs = time.time() - t0
            if up is None:
                fake = decode_codes(vq, codes)
                if texture is not None: fake = texture.sample(fake, lab, torch.Generator().manual_seed(a.seed + 7), temperature=tex_t)
            else: fake = decode_upsampled(a.upsampler, codes, lab, temperature=a.upsampler_temperature, seed=a.seed, upsampler=up, vqvae=fine_vq,
                                         guidance=a.upsampler_guidance)['images']
            q = sample_quality(real, fake, feature_net=net, real_labels=labels, fake_labels=lab, classes=classes, seed=a.seed,
                               c2st_kw=dict(seeds=(a.seed,), steps=cfg.c2st_steps))
            row = {'prior': kind, 'texture': tex_t,
                   'decoder': a.decoder if up is None else f'upsampled (temperature {a.upsampler_temperature:g}' + (f', guidance {a.upsampler_guidance:g})' if a.upsampler_guidance != 1 else ')'), **{k: s.get(k) for k in ('temperature', 'top_k', 'top_p', 'guidance')},
                   'sample_seconds': round(secs, 2), **{k: v for k, v in q.items() if not isinstance(v, dict)}}
            rows.append(row)
            print(json.dumps({k: row[k] for k in ('prior', 'temperature', 'top_k', 'top_p', 'guidance', 'sample_seconds',
                                                  'c2st_cnn', 'kid', 'precision', 'recall', 'class_fidelity_min_ratio')}), flush=True)
    write_result(a.out, {'run': str(run), 'n': n, 'texture': tex_t, 'threads': a.threads, 'seed': a.seed, 'rows': rows,
                         'command': command('sampling_sweep.py', argv)})
    if a.settings == 'all': plot(rows, Path(a.out).with_suffix('.png'))


def plot(rows, path):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axs = plt.subplots(1, 2, figsize=(9, 3.4), dpi=90)
    for kind, m in (('gpt', 'o'), ('pixelcnn', 's')):
        r = [x for x in rows if x['prior'] == kind]
        if not r: continue
        for ax, key in zip(axs, ('c2st_cnn', 'kid')):
            ax.scatter([x['sample_seconds'] for x in r], [x[key] for x in r], marker=m, label=kind)
            for x in r:
                tag = ','.join(f"{k[0] if k != 'top_k' else 'k'}{x[k]}" for k in ('temperature', 'top_k', 'top_p', 'guidance') if x[k] is not None)
                ax.annotate(tag, (x['sample_seconds'], x[key]), fontsize=5)
    axs[0].set_ylabel('CNN two-sample accuracy (0.5 best)'); axs[1].set_ylabel('KID on lesion features (0 best)')
    for ax in axs: ax.set_xlabel('seconds to sample the grids'); ax.legend(fontsize=7)
    fig.tight_layout(); fig.savefig(path); plt.close(fig)


if __name__ == '__main__':
    main()
