#!/usr/bin/env python
"""Fine-tune a demo run's plain decoder once per setting of the sharp decoder and score reconstructions and samples.

    python bench/decoder_sweep.py --run runs/demo --threads 2 [--only 0,2] [--seeds 0,1,2] [--out bench/results/decoder_sweep.json]

Each variant runs the library's `finetune_decoder` (chapter 3b) from the run's plain (MSE) decoder for as many steps as
the run fine-tuned, on the run's training images and augmentation, with the run's `AdversarialConfig` plus the variant's
overrides; the run itself is not touched. Scored with the run's lesion feature network:
- reconstructions of the demo's evaluated test images: PSNR, KID, class fidelity, CNN two-sample accuracy;
- 1,000 new GPT samples (the run's GPT, temperature 1, labels drawn from the training split; the same codes for every
  variant): KID against the features of every training image, decoded by the variant and by the plain decoder. Against
  1,800 real images and with 1,000 samples this KID varies far less than the demo's 200-against-200.
The fine-tuning itself does not: a GAN's outcome after 200 steps depends on its seed, so each variant runs once per
`--seeds` value and the summary gives each number's mean and range over the seeds."""
import json, time, tempfile
from pathlib import Path
import numpy as np
import torch
from common import parser, training_images, write_result

VARIANTS = {
    'VQGAN losses (the default)': dict(spectral_weight=0.0, head_width=0, disc_weight=0.8),
    'GAN 0.1': dict(spectral_weight=0.0, head_width=0, disc_weight=0.1),
    'spectral 3, GAN 0.8': dict(spectral_weight=3.0, head_width=0, disc_weight=0.8),
    'spectral 3, GAN 0.1': dict(spectral_weight=3.0, head_width=0, disc_weight=0.1),
    'spectral 10, GAN 0.1, head 32': dict(spectral_weight=10.0, head_width=32, disc_weight=0.1),
}


def parse_args(argv=None):
    p = parser(__doc__, 'bench/results/decoder_sweep.json')
    p.add_argument('--only', default=None, help='comma-separated indices into VARIANTS (default: all)')
    p.add_argument('--samples', type=int, default=1000)
    p.add_argument('--seeds', default='0', help='comma-separated fine-tuning seeds (each variant runs once per seed)')
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    from vqlesion.demo import demo_quality_inputs
    from vqlesion.vqvae import load_vqvae, vqvae_data_kwargs
    from vqlesion.adversarial import finetune_decoder, AdversarialConfig
    from vqlesion.layouts import load_dataset
    from vqlesion.train import load_checkpoint
    from vqlesion.priors import load_prior, decode_codes
    from vqlesion.metrics import reconstruct
    from vqlesion.quality import extract_features, kid, class_fidelity, cnn_two_sample_test
    from vqlesion.core import psnr
    run = Path(a.run)
    inp = demo_quality_inputs(run, decoder='plain')
    real, labels, classes, net, cfg = inp['images'], inp['labels'], inp['classes'], inp['feature_net'], inp['config']
    ck = load_checkpoint(run / 'vqvae' / 'checkpoint.pt')
    if 'adversarial' not in ck['config']: raise SystemExit(f"{run}/vqvae has no adversarial fine-tuning: nothing to compare with")
    steps = ck['config']['adversarial']['steps']   # the variants fine-tune as long as the run did
    base = {k: v for k, v in ck['config']['adversarial'].items() if k in AdversarialConfig.__dataclass_fields__}
    data = ck['config']['data']['path']
    dk = vqvae_data_kwargs(run / 'vqvae', data, 'train', image_size=cfg.image_size)
    train_ds = load_dataset(data, split='train', **{**dk, 'augment': ck['config']['data']['augment'], 'train': True})
    train, _, clean = training_images(run, cfg.image_size, data, augment='none')
    f_train = extract_features(net, train)
    prior, _ = load_prior(run / 'gpt', device='cpu')
    g = torch.Generator().manual_seed(5)
    lab = torch.as_tensor(np.asarray(clean.labels)[torch.randint(0, len(clean), (a.samples,), generator=g).numpy()])
    codes = prior.sample(a.samples, labels=lab if prior.config.num_classes else None, generator=g)
    def score(vq, name, overrides, seconds, seed=None):
        rec = reconstruct(vq, real)[0]
        cf = class_fidelity(net, rec, labels, real, labels, classes)
        c2 = cnn_two_sample_test(real, rec, seeds=(0,), steps=cfg.c2st_steps, pairs=True)
        samples = decode_codes(vq, codes)
        row = {'variant': name, **overrides, 'seed': seed, 'steps': steps, 'seconds': seconds, 'recon_psnr': round(float(psnr(rec, real).mean()), 2),
               'recon_kid': round(kid(extract_features(net, real), extract_features(net, rec))['kid'], 4),
               'recon_c2st_cnn': c2['accuracy'], 'recon_class_fidelity': {c: round(v['ratio'], 2) for c, v in cf['per_class'].items() if v['n_real'] >= 20},
               'gpt_samples_kid_vs_train': round(kid(f_train, extract_features(net, samples))['kid'], 4)}
        print(json.dumps(row), flush=True)
        return row
    rows = [score(load_vqvae(run / 'vqvae', decoder='plain'), 'plain decoder', {}, 0.0)]
    names = list(VARIANTS) if a.only is None else [list(VARIANTS)[int(i)] for i in a.only.split(',')]
    seeds = [int(v) for v in a.seeds.split(',')]
    for name in names:
        adv = AdversarialConfig.from_dict({**base, **VARIANTS[name]})
        for seed in seeds:
            vq = load_vqvae(run / 'vqvae', decoder='plain')
            with tempfile.TemporaryDirectory() as d:
                t0 = time.time()
                finetune_decoder(vq, train_ds, d, steps, adv, seed=seed, show_progress=False)
                secs = round(time.time() - t0, 1)
            rows.append(score(vq.eval(), name, VARIANTS[name], secs, seed))
    keys = ('recon_psnr', 'recon_kid', 'recon_c2st_cnn', 'gpt_samples_kid_vs_train')
    summary = []
    for name in ['plain decoder'] + names:
        rs = [r for r in rows if r['variant'] == name]
        summary.append({'variant': name, 'runs': len(rs), **{k: {'mean': round(float(np.mean([r[k] for r in rs])), 4),
                        'min': min(r[k] for r in rs), 'max': max(r[k] for r in rs)} for k in keys},
                        'recon_class_fidelity_mean': {c: round(float(np.mean([r['recon_class_fidelity'][c] for r in rs])), 3)
                                                      for c in rs[0]['recon_class_fidelity']}})
        print(json.dumps(summary[-1]))
    write_result(a.out, {'run': str(run), 'samples': a.samples, 'n_train_images': len(clean), 'seeds': seeds, 'summary': summary, 'rows': rows,
                         'command': f'python bench/decoder_sweep.py --run {run} --threads {a.threads} --seeds {a.seeds}' + (f' --only {a.only}' if a.only else '')})


if __name__ == '__main__':
    main()
