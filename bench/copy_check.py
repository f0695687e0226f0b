#!/usr/bin/env python
"""Does the decoder's texture copy training images? How close a demo run's outputs come to their nearest training image.

    python bench/copy_check.py --run runs/demo --threads 2 [--out bench/results/copy_check.json]

The residual bank (chapter 3c) adds the detail of real training images to every decoded image, so its price is measured
here, not assumed. For the demo's evaluated real test images (the floor: real images that no model saw) and, decoded by
the run's VQ-VAE, their reconstructions and both priors' evaluated samples (the demo's own grids and labels), each as the
decoder's mean, with the Gaussian texture (`residuals='gaussian'`, its own temperature) and with the bank: the distance of every
image to its nearest training image, in pixels (RMS over pixels and channels) and on the run's lesion features
(Euclidean). A copying model sits *below* the real floor; a blurred one above it. `near_copies` counts the images closer
to a training image, in pixels, than the closest 5 % of real test images are.
"""
import copy, json, sys, time
from pathlib import Path
import numpy as np
import torch
from common import parser, training_images, demo_samples, write_result


def parse_args(argv=None):
    return parser(__doc__, 'bench/results/copy_check.json', run_help='a `vqlesion demo` run folder (its evaluate stage done, its texture fitted)').parse_args(argv)


def nearest(x: torch.Tensor, bank: torch.Tensor) -> torch.Tensor:
    "Distance (N,) of each row of `x` to its nearest row of `bank`."
    return torch.cat([torch.cdist(b, bank).min(1).values for b in x.split(256)])


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    from vqlesion.demo import demo_quality_inputs
    from vqlesion.priors import decode_codes
    from vqlesion.metrics import reconstruct
    from vqlesion.quality import extract_features
    t0 = time.time()
    run = Path(a.run)
    inp = demo_quality_inputs(run)
    real, net, cfg, vq, tex = (inp[k] for k in ('images', 'feature_net', 'config', 'vqvae', 'texture'))
    if tex is None or not len(tex.bank):
        print(f"copy_check: {run / 'vqvae' / 'texture.pt'} holds no residual bank: nothing to check "
              f"(fit one with `vqlesion fit-texture --run {run / 'vqvae'}`)", file=sys.stderr)
        sys.exit(2)
    train, _, _ = training_images(run, cfg.image_size)
    pix = train.flatten(1)
    feat = torch.as_tensor(extract_features(net, train))
    scale = float(np.sqrt(pix.shape[1]))

    def distances(x):
        x = x.clamp(0, 1)
        return nearest(x.flatten(1), pix) / scale, nearest(torch.as_tensor(extract_features(net, x)), feat)

    d_real_pix, d_real_feat = distances(real)
    floor = float(torch.quantile(d_real_pix, 0.05))
    means = {'reconstructions': (reconstruct(vq, real)[0], None)}   # an encoder is not told the class: nor is its texture
    for kind in ('gpt', 'pixelcnn'):
        codes, labels = demo_samples(run, kind)
        means[f'{kind} samples'] = (decode_codes(vq, codes), labels)
    def draw(x, labels, residuals):
        "The run's texture model drawing from `residuals` at that source's own temperature (a shallow copy: the same bank and Gaussian)."
        model = copy.copy(tex)
        model.config = type(tex.config).from_dict({**tex.config.to_dict(), 'residuals': residuals, 'temperature': None})
        return model.sample(x, labels, torch.Generator().manual_seed(0))

    def row(images, texture, x):
        p, f = distances(x)
        return {'images': images, 'texture': texture, 'n': len(x), 'median_pixel_rms': round(float(p.median()), 4),
                'median_feature': round(float(f.median()), 3), 'pixel_ratio_to_real': round(float(p.median() / d_real_pix.median()), 3),
                'feature_ratio_to_real': round(float(f.median() / d_real_feat.median()), 3),
                'near_copies': int((p < floor).sum())}

    rows = [row('real test images (the floor)', None, real)]
    for name, (m, lab) in means.items():
        rows.append(row(name, "the decoder's mean", m))
        rows.append(row(name, 'Gaussian', draw(m, lab, 'gaussian')))
        rows.append(row(name, 'bank', draw(m, lab, 'bank')))
    for r in rows: print(json.dumps(r), flush=True)
    write_result(a.out, {'run': str(run), 'n_train_images': len(train), 'bank_images': len(tex.bank), 'near_copy_floor_pixel_rms': round(floor, 4),
                         'rows': rows, 'seconds': round(time.time() - t0, 1), 'command': f'python bench/copy_check.py --run {run} --threads {a.threads}'})


if __name__ == '__main__':
    main()
