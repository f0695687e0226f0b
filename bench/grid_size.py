#!/usr/bin/env python
"""Train a demo-like VQ-VAE with other code-grid settings beside a finished demo run, and score its reconstructions.

    python bench/grid_size.py --src runs/demo --out runs/demo8 --set downsample=8 --set num_codes=256 [--threads 1]

OUT becomes a demo-shaped folder (the demo's settings with the overrides, its cached images and feature network, the
new VQ-VAE and the code files of both splits), so `bench/prior_sweep.py --run OUT` can train and score priors on the
new grids. The reconstructions of the demo's evaluated test images are scored with the sample-quality suite into
OUT/recon_quality.json (copy it to bench/results/grid_size_*.json)."""
import argparse, json, shutil, time
from pathlib import Path
import torch
from common import overrides, demo_settings


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--src', required=True, help='a finished `vqlesion demo` run folder')
    p.add_argument('--out', required=True)
    p.add_argument('--set', action='append', default=[], metavar='FIELD=VALUE', help='DemoConfig overrides (JSON values)')
    p.add_argument('--threads', type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    from vqlesion.vqvae import train_vqvae, adversarial_config
    from vqlesion.priors import encode_dataset
    from vqlesion.demo import demo_quality_inputs
    from vqlesion.quality import sample_quality
    from vqlesion.metrics import reconstruct, evaluate_reconstructions
    src, out = Path(a.src), Path(a.out)
    over = overrides(a.set)
    out.mkdir(parents=True, exist_ok=True)
    settings = demo_settings(src)
    settings['config'].update(over)
    (out / 'demo_config.json').write_text(json.dumps(settings, indent=1))
    if not (out / 'feature_net.pt').exists(): shutil.copy(src / 'feature_net.pt', out / 'feature_net.pt')
    if not (out / 'cache').exists(): shutil.copytree(src / 'cache', out / 'cache')
    cfg, dk = settings['config'], settings['data_kwargs']
    t0 = time.time()
    train_vqvae(settings['data'], out / 'vqvae', preset='default', image_size=cfg['image_size'], downsample=cfg['downsample'],
                num_codes=cfg['num_codes'], steps=cfg['vqvae_steps'], batch_size=cfg['vqvae_batch_size'], lr=cfg['vqvae_lr'],
                seed=settings['seed'], eval_every=max(1, cfg['vqvae_steps'] // 4), cache_dir=out / 'cache', show_progress=False,
                data_kwargs=dk, hiddens=cfg['hiddens'], residual_hiddens=cfg['residual_hiddens'], code_dim=cfg['code_dim'],
                restart_after=cfg['restart_after'], adversarial=adversarial_config(cfg['adversarial']))
    for split in ('train', 'test'):
        encode_dataset(out / 'vqvae', settings['data'], out / 'codes' / f'{split}.npz', split=split, show_progress=False,
                       seed=settings['seed'], cache_dir=out / 'cache', **dk)
    q = demo_quality_inputs(out)
    recon, codes = reconstruct(q['vqvae'], q['images'])
    rep = evaluate_reconstructions(q['images'], recon, codes, cfg['num_codes']).summary()
    s = sample_quality(q['images'], recon, feature_net=q['feature_net'], real_labels=q['labels'], fake_labels=q['labels'],
                       classes=q['classes'], pairs=True, seed=settings['seed'], c2st_kw=dict(seeds=(settings['seed'],), steps=cfg['c2st_steps']))
    res = {'src': str(src), 'over': over, 'vqvae_seconds': time.time() - t0, 'threads': a.threads, 'psnr': rep['psnr'],
           'ssim': rep['ssim'], 'usage': rep['usage'], **{k: v for k, v in s.items() if not isinstance(v, dict)}}
    (out / 'recon_quality.json').write_text(json.dumps(res, indent=1))
    print(json.dumps(res))


if __name__ == '__main__': main()
