#!/usr/bin/env python
"""Our VQ-VAE quantiser against the classic recipe and against lucidrains' vector-quantize-pytorch.

All three train the same residual autoencoder (same widths, 512 codes, same code-grid size, so the
same rate) on the same data for the same number of steps and batch size, then are evaluated on the
same held-out images: PSNR (mean per image, pixels in [0, 1]), codebook usage and perplexity counted
over the whole evaluation set, wall time and training steps/s.

- classic: our re-implementation of the zalandoresearch/pytorch-vq-vae notebook that recipe A follows:
  EMA codebook drawn from N(0, 1), no restarts, Adam at a constant 1e-3, no gradient clipping;
- lucidrains: `vector_quantize_pytorch.VectorQuantize` (EMA 0.99, k-means init, dead-code threshold 2)
  dropped into the same autoencoder, trained like ours;
- ours: the `default` preset's quantiser (codebook seeded from the first batch, dead codes restarted),
  AdamW 1e-3 with warm-up and cosine decay, gradient clipping 1.0.

    pip install vector-quantize-pytorch          # optional: without it the lucidrains row is skipped
    python bench/vqvae_vs_reference.py --image-size 64 --steps 1000 --batch-size 32 --threads 2
    python bench/vqvae_vs_reference.py --speed-only --speed-steps 30 --threads 1   # steps/s, interleaved

Timings are of this machine; nothing here asserts them.
"""
import argparse, json, os, platform, sys, tempfile, time
from pathlib import Path
import torch
from torch import nn
from torch.utils.data import DataLoader, Subset


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='synthetic')
    p.add_argument('--image-size', type=int, default=64)
    p.add_argument('--downsample', type=int, default=4)
    p.add_argument('--num-codes', type=int, default=512)
    p.add_argument('--hiddens', type=int, default=64)
    p.add_argument('--residual-hiddens', type=int, default=32)
    p.add_argument('--code-dim', type=int, default=64)
    p.add_argument('--steps', type=int, default=1000)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--eval-images', type=int, default=1000)
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s choice)')
    p.add_argument('--variants', default='classic,lucidrains,ours')
    p.add_argument('--device', default='cpu')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--speed-steps', type=int, default=0,
                   help='also time N training steps of each variant interleaved on one fixed batch (fair under a varying machine load)')
    p.add_argument('--speed-only', action='store_true', help='only the interleaved timing (needs --speed-steps)')
    p.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'vqvae_vs_reference.json'))
    return p.parse_args()


class LucidrainsQuantizer(nn.Module):
    "Adapter: vector-quantize-pytorch's `VectorQuantize` behind our quantiser's interface."
    def __init__(self, num_codes, code_dim):
        super().__init__()
        from vector_quantize_pytorch import VectorQuantize
        self.num_codes = num_codes
        self.vq = VectorQuantize(dim=code_dim, codebook_size=num_codes, decay=0.99, commitment_weight=0.25,
                                 kmeans_init=True, threshold_ema_dead_code=2, accept_image_fmap=True)

    def forward(self, z):
        from vqlesion.quantizer import QuantizerOutput, code_perplexity, code_usage
        quantized, indices, loss = self.vq(z)
        counts = torch.bincount(indices.flatten(), minlength=self.num_codes)
        return QuantizerOutput(quantized=quantized, indices=indices, loss=loss.reshape(()), perplexity=code_perplexity(counts),
                               usage=code_usage(counts), dead_codes=torch.tensor(0))

    def encode(self, z): return self.vq(z)[1]
    def lookup(self, indices): return self.vq.get_output_from_indices(indices)


def build(variant, args):
    from vqlesion.autoencoder import VQVAE, vqvae_config
    from vqlesion.train import TrainConfig
    widths = dict(image_size=args.image_size, downsample=args.downsample, num_codes=args.num_codes, hiddens=args.hiddens,
                  residual_hiddens=args.residual_hiddens, code_dim=args.code_dim, norm_mean=0.5, norm_std=0.5)
    ours_train = TrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr, optimizer='adamw', schedule='cosine',
                             warmup_steps=min(200, args.steps // 10), grad_clip=1.0, eval_every=10**9, checkpoint_every=10**9,
                             log_every=10**9, seed=args.seed)
    torch.manual_seed(args.seed)
    if variant == 'classic':
        model = VQVAE(vqvae_config('recipe-a', **widths))          # N(0,1) EMA codebook, no restarts
        train = TrainConfig(**{**ours_train.to_dict(), 'optimizer': 'adam', 'schedule': 'constant', 'warmup_steps': 0, 'grad_clip': None})
    elif variant == 'ours':
        model, train = VQVAE(vqvae_config('default', **widths)), ours_train
    elif variant == 'lucidrains':
        model = VQVAE(vqvae_config('default', **widths))
        model.quantizer = LucidrainsQuantizer(args.num_codes, args.code_dim)
        train = ours_train
    else: raise SystemExit(f"unknown variant {variant!r}")
    return model, train


def interleaved_speed(args, variants):
    "Seconds per training step of each variant, timed round-robin on one batch so a varying load hits all alike."
    import time
    x = torch.rand(args.batch_size, 3, args.image_size, args.image_size)
    models = {}
    for v in variants:
        try: model, tcfg = build(v, args)
        except ImportError: continue
        models[v] = (model.train(), torch.optim.AdamW(model.parameters(), lr=args.lr))
    times = {v: [] for v in models}
    for step in range(args.speed_steps + 3):
        for v, (model, opt) in models.items():
            t = time.perf_counter()
            out = model(model.normalize(x)); opt.zero_grad(); out.loss.backward(); opt.step()
            if step >= 3: times[v].append(time.perf_counter() - t)   # the first steps seed the codebooks
    return {v: sorted(ts)[len(ts) // 2] for v, ts in times.items()}   # median


def main():
    args = parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    os.environ.setdefault('VQLESION_PROGRESS', '0')
    from vqlesion.layouts import load_dataset
    from vqlesion.train import Trainer
    from vqlesion.vqvae import vqvae_step, vqvae_eval
    if args.speed_only:
        speed = interleaved_speed(args, args.variants.split(','))
        print(json.dumps({'seconds_per_step_median': speed, 'relative_to_classic': {v: s / speed['classic'] for v, s in speed.items()} if 'classic' in speed else None,
                          'threads': torch.get_num_threads(), 'batch_size': args.batch_size, 'image_size': args.image_size}, indent=2))
        return
    cache = Path(tempfile.gettempdir()) / 'vqlesion-bench-cache'
    kw = dict(image_size=args.image_size, seed=args.seed, cache_dir=cache, mean=(0., 0., 0.), std=(1., 1., 1.))
    t0 = time.time()
    train_ds = load_dataset(args.data, split='train', augment='default', train=True, **kw)
    test_ds = load_dataset(args.data, split='test', augment='none', train=False, **kw)
    test_ds = Subset(test_ds, range(min(args.eval_images, len(test_ds))))
    print(f"data: {len(train_ds)} train / {len(test_ds)} test images at {args.image_size} px ({time.time() - t0:.0f} s to prepare)", flush=True)
    rows = []
    for variant in args.variants.split(','):
        try: model, tcfg = build(variant, args)
        except ImportError as e:
            print(f"{variant}: skipped ({e})"); continue
        trainer = Trainer(model, train_ds, vqvae_step, tcfg, device=args.device, show_progress=False)
        t = time.time(); trainer.fit(); secs = time.time() - t
        loader = DataLoader(test_ds, batch_size=64)
        model.eval()
        with torch.no_grad(): m = vqvae_eval(model, loader, trainer.device)
        row = dict(variant=variant, psnr=float(m['psnr']), usage=float(m['usage']), perplexity=float(m['perplexity']),
                   train_seconds=round(secs, 1), steps_per_s=round(args.steps / secs, 2))
        rows.append(row); print(json.dumps(row), flush=True)
    grid = args.image_size // args.downsample
    print(f"\n{args.steps} steps, batch {args.batch_size}, {args.image_size} px, {grid}x{grid} codes of {args.num_codes} "
          f"(hiddens {args.hiddens}, code dim {args.code_dim}), {len(test_ds)} test images, {torch.get_num_threads()} threads, "
          f"{platform.processor() or platform.machine()}")
    print("| variant | PSNR (dB) | usage | perplexity | train time (s) | steps/s |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['variant']} | {r['psnr']:.2f} | {100 * r['usage']:.1f} % | {r['perplexity']:.0f} | {r['train_seconds']:.0f} | {r['steps_per_s']:.2f} |")
    speed = interleaved_speed(args, args.variants.split(',')) if args.speed_steps else {}
    if speed:
        print(f"\nmedian seconds per training step, {args.speed_steps} steps interleaved on one batch: "
              + ', '.join(f"{v} {s:.3f} s" for v, s in speed.items()))
        if 'classic' in speed: print('relative to classic: ' + ', '.join(f"{v} {s / speed['classic']:.2f}x" for v, s in speed.items()))
    out = Path(args.out); out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(dict(args=vars(args), rows=rows, interleaved_seconds_per_step=speed), indent=2) + '\n')
    print(f"wrote {out}")


if __name__ == '__main__':
    main()
