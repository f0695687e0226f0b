#!/usr/bin/env python
"""Score a demo run's decoder with and without its texture (chapter 3c), for each setting of the texture model.

    python bench/texture_sweep.py --run runs/demo --threads 2 [--only 0,1] [--samples 1000] [--decoder plain] [--out bench/results/texture_sweep.json]

The run is not touched: each variant fits its own `TextureModel` (`fit_texture`, the run's seed) to the run's training images,
decoded by the run's sharp decoder (`--decoder plain`: its MSE-trained decoder). Three sets are scored with the run's lesion feature network, each as the decoder's mean
('mean') and as a draw of each variant:
- reconstructions of the demo's evaluated test images (a draw without the image's class, as the demo scores them);
- `--samples` new grids of each prior (the prior's own temperature 1, labels drawn from the training split; the same grids for every variant).
KID, FID and precision/recall/density/coverage are taken against the features of every training image (a thousand samples
against 1,800 real images vary far less than the demo's 200 against 200), KID also against the evaluated test images
(`kid_vs_test`: the fair one for the residual bank, whose detail comes from training images); class fidelity against the
evaluated test images; the CNN two-sample test on the first 200 of each set against the evaluated test images (one seed × 2 folds)."""
import json, time
from pathlib import Path
import numpy as np
import torch
from common import parser, training_images, write_result

VARIANTS = {   # TextureConfig overrides, and how the draws are made
    'residual bank (the default: nearest mean at 16 px, 8 turns and flips, class penalty 0.5, temperature 1)': dict(),
    'bank of any class (class penalty 0)': dict(class_penalty=0.0),
    'bank without the turns and flips': dict(symmetries=False),
    'bank matched at 8 px': dict(match_size=8),
    'bank matched at full size': dict(match_size=10**6),
    'bank, temperature 0.85': dict(temperature=0.85),
    'bank of the same class only': dict(class_penalty=1e6),
    'Gaussian (colour per pixel, Wiener-filtered mean, temperature 0.85)': dict(residuals='gaussian'),
    'Gaussian, temperature 1': dict(residuals='gaussian', temperature=1.0),
    'Gaussian, temperature 0.7': dict(residuals='gaussian', temperature=0.7),
    'Gaussian, a scale per pixel (colours from the spectra)': dict(residuals='gaussian', pixel_colour=False),
    'Gaussian, the decoded image as the mean (no Wiener filter)': dict(residuals='gaussian', wiener=False),
    'Gaussian, a scale per pixel, no Wiener filter': dict(residuals='gaussian', pixel_colour=False, wiener=False),
    'Gaussian, one spectrum for all classes': dict(residuals='gaussian', pooled=True),
    'bank of every training image': dict(images=None),
    'bank, class penalty 1': dict(class_penalty=1.0),
    'bank of every training image, class penalty 1': dict(images=None, class_penalty=1.0),
}
DRAW_KEYS = ('pooled',)   # not a TextureConfig field: how a variant draws


def parse_args(argv=None):
    p = parser(__doc__, 'bench/results/texture_sweep.json')
    p.add_argument('--only', default=None, help='comma-separated indices into VARIANTS (default: all)')
    p.add_argument('--samples', type=int, default=1000)
    p.add_argument('--decoder', default='auto', choices=['auto', 'plain'], help="'plain': fit and draw on the MSE-trained decoder")
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    from vqlesion.demo import demo_quality_inputs
    from vqlesion.priors import load_prior, decode_codes
    from vqlesion.metrics import reconstruct
    from vqlesion.texture import TextureConfig, fit_texture
    from vqlesion.quality import extract_features, kid, fid_from_features, prdc, class_fidelity, cnn_two_sample_test
    run = Path(a.run)
    inp = demo_quality_inputs(run, decoder=a.decoder)
    real, labels, classes, net, cfg, vq, seed = (inp[k] for k in ('images', 'labels', 'classes', 'feature_net', 'config', 'vqvae', 'seed'))
    train, train_labels, _ = training_images(run, cfg.image_size)
    f_train = extract_features(net, train)
    f_real = extract_features(net, real)
    g = torch.Generator().manual_seed(5)
    sets = {'reconstructions': (reconstruct(vq, real)[0], labels.numpy(), True)}
    for kind in ('gpt', 'pixelcnn'):
        prior, _ = load_prior(run / kind, device='cpu')
        lab = torch.as_tensor(train_labels[torch.randint(0, len(train), (a.samples,), generator=g).numpy()])
        codes = torch.cat([prior.sample(len(b), labels=b if prior.config.num_classes else None, generator=g) for b in lab.split(250)])
        sets[kind] = (decode_codes(vq, codes), lab.numpy(), False)

    def score(name, images: dict, seconds=None):
        for what, x in images.items():
            mean, lab, paired = sets[what]
            ff = extract_features(net, x)
            cf = class_fidelity(net, x, lab, real, labels, classes)
            n = min(len(x), len(real))
            c2 = cnn_two_sample_test(real[:n], x[:n], seeds=(seed,), steps=cfg.c2st_steps, pairs=paired)
            row = {'variant': name, 'images': what, 'n': len(x), 'kid_vs_train': round(kid(f_train, ff)['kid'], 4),
                   'kid_vs_test': round(kid(f_real, ff)['kid'], 4),
                   'fid_vs_train': round(fid_from_features(f_train, ff), 2), **{k: round(v, 3) for k, v in prdc(f_train, ff).items()},
                   'class_fidelity_min_ratio': cf['min_ratio'], 'class_fidelity_min_class': cf['min_ratio_class'],
                   'class_fidelity': {c: None if v['ratio'] is None else round(v['ratio'], 3) for c, v in cf['per_class'].items() if v['n_real'] >= 20},
                   'c2st_cnn': c2['accuracy'], 'fit_seconds': seconds}
            rows.append(row); print(json.dumps(row), flush=True)

    rows = []
    score('mean (no texture)', {k: v[0] for k, v in sets.items()})
    names = list(VARIANTS) if a.only is None else [list(VARIANTS)[int(i)] for i in a.only.split(',')]
    for name in names:
        v = VARIANTS[name]
        tcfg = TextureConfig.from_dict({k: x for k, x in v.items() if k not in DRAW_KEYS})
        t0 = time.time()
        idx = np.sort(np.random.default_rng([seed, 0x7E47]).choice(len(train), min(len(train), tcfg.images or len(train)), replace=False))
        tex = fit_texture(vq, train[idx], train_labels[idx], len(classes), tcfg, seed=seed, device='cpu')
        secs = round(time.time() - t0, 1)
        drawn = {}
        for j, (what, (mean, lab, paired)) in enumerate(sets.items()):
            cond = None if paired or v.get('pooled') else lab   # reconstructions: no class, as in the demo
            drawn[what] = tex.sample(mean, cond, torch.Generator().manual_seed(seed + 11 * j))
        score(name, drawn, secs)
    write_result(a.out, {'run': str(run), 'decoder': a.decoder, 'samples': a.samples, 'n_train_images': len(train), 'n_test_images': len(real),
                         'rows': rows, 'command': f'python bench/texture_sweep.py --run {run} --threads {a.threads} --samples {a.samples}'
                         + (f' --only {a.only}' if a.only else '') + (f' --decoder {a.decoder}' if a.decoder != 'auto' else '')})


if __name__ == '__main__':
    main()
