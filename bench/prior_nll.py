#!/usr/bin/env python
"""Held-out NLL of the GPT and Gated PixelCNN priors against the unigram baseline, on the embedded data.

Trains a VQ-VAE on synthetic lesions (or reuses --vqvae RUN), encodes the train split (with flips)
and the test split, trains both priors for the same number of steps, and prints bits per code,
bits per pixel dimension and the unigram entropy of the test codes, plus the time to sample 64
grids from each prior. Run folders are kept under --work so a second call resumes/reuses them.

    python bench/prior_nll.py --work runs/bench-priors --vq-steps 1500 --prior-steps 1500

Timings are of this machine; nothing here asserts them.
"""
import argparse, json, os, platform, time
from pathlib import Path
import torch
from common import overrides, write_result


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--work', default='runs/bench-priors')
    p.add_argument('--vqvae', default=None, help='reuse this train-vqvae run instead of training one')
    p.add_argument('--image-size', type=int, default=64)
    p.add_argument('--num-codes', type=int, default=256)
    p.add_argument('--vq-steps', type=int, default=1500)
    p.add_argument('--prior-steps', type=int, default=1500)
    p.add_argument('--gpt', default='n_layer=4,n_head=4,n_embd=128', help='GPT overrides of the default preset')
    p.add_argument('--pixelcnn', default='n_layer=8,n_channels=64', help='PixelCNN overrides of the default preset')
    p.add_argument('--flips', action='store_true', default=True)
    p.add_argument('--threads', type=int, default=None)
    p.add_argument('--device', default='cpu')
    return p.parse_args()


def main():
    args = parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    os.environ.setdefault('VQLESION_PROGRESS', '0')
    from vqlesion.vqvae import train_vqvae, evaluate_vqvae
    from vqlesion.priors import encode_dataset, train_prior, evaluate_prior, load_prior
    work = Path(args.work); work.mkdir(parents=True, exist_ok=True)
    t = time.time()
    vq = Path(args.vqvae) if args.vqvae else work / 'vqvae'
    if not args.vqvae:
        train_vqvae('synthetic', vq, image_size=args.image_size, downsample=4, num_codes=args.num_codes, steps=args.vq_steps,
                    batch_size=32, lr=1e-3, hiddens=64, residual_hiddens=32, code_dim=64, restart_after=50,
                    eval_every=500, device=args.device)
    vq_eval = evaluate_vqvae(vq, 'synthetic', split='test', device=args.device)
    print(f"VQ-VAE: PSNR {vq_eval['psnr']:.2f} dB, usage {100 * vq_eval['usage']:.1f} %, perplexity {vq_eval['perplexity']:.0f} "
          f"({time.time() - t:.0f} s)", flush=True)
    if not (work / 'train.npz').exists(): encode_dataset(vq, 'synthetic', work / 'train.npz', split='train', flips=args.flips, device=args.device)
    if not (work / 'test.npz').exists(): encode_dataset(vq, 'synthetic', work / 'test.npz', split='test', device=args.device)
    rows = []
    for kind, ov in (('gpt', overrides(args.gpt.split(','))), ('pixelcnn', overrides(args.pixelcnn.split(',')))):
        t = time.time()
        train_prior(kind, work / 'train.npz', work / kind, steps=args.prior_steps, device=args.device, **ov)
        train_s = time.time() - t
        res = evaluate_prior(work / kind, work / 'test.npz', device=args.device)
        model, _ = load_prior(work / kind, device=args.device)
        t = time.time(); model.sample(64, labels=None, generator=torch.Generator(device=model.device).manual_seed(0)); sample_s = time.time() - t
        rows.append({**res, 'prior': kind, 'params': model.num_params(), 'train_seconds': round(train_s), 'sample64_seconds': round(sample_s, 2)})
        print(json.dumps(rows[-1]), flush=True)
    print(f"\n{args.prior_steps} prior steps on {work / 'train.npz'}; {torch.get_num_threads()} threads, {platform.machine()}")
    print("| prior | params | bits/code | bits/dim | unigram entropy (bits) | below unigram | sample 64 (s) |\n|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['prior']} | {r['params'] / 1e6:.2f} M | {r['bits_per_code']:.3f} | {r['bits_per_dim']:.4f} | "
              f"{r['unigram_entropy_bits']:.3f} | {100 * r['gain_over_unigram']:.1f} % | {r['sample64_seconds']:.1f} |")
    write_result(work / 'prior_nll.json', dict(args=vars(args), vqvae=vq_eval, rows=rows), indent=2)


if __name__ == '__main__':
    main()
