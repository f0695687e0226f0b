#!/usr/bin/env python
"""How the GPT prior is told its class, measured by class fidelity over many samples.

    python bench/class_conditioning.py --run runs/demo --threads 2 [--seeds 0,1,2] [--guidance 1.5,2.0] [--n 1000]

For each way of conditioning (VARIANTS: the class token and the class vector added at every position, with or without
the class also setting every LayerNorm's scale and shift, `GPTConfig.class_norm`) and each training seed, a GPT with the
run's demo settings (its `gpt` config, steps, batch size, learning rate, class balance) is trained on RUN/codes/train.npz
into WORK (a variant trained before there is not trained again) and its held-out bits per code measured. It then draws N
grids per guidance with the demo's class labels repeated (about ten times the demo's 200, so that a class of 22 test
images gets some 110 samples), decodes them with the run's VQ-VAE and texture as the demo does, and scores class fidelity
and KID against the run's real test images with the run's feature network. Writes OUT (JSON)."""
import argparse, json, sys, time
from pathlib import Path
import torch

VARIANTS = {'class_vector': dict(class_norm=False),   # class token + class vector at every position
            'class_norm': dict(class_norm=True)}      # ... + the class sets every LayerNorm's scale and shift

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--run', required=True, help='a `vqlesion demo` run folder (its evaluate stage done)')
    p.add_argument('--out', default='bench/results/class_conditioning.json')
    p.add_argument('--work', default=None, help='where the GPTs train (default: RUN/class_conditioning)')
    p.add_argument('--variants', default=','.join(VARIANTS))
    p.add_argument('--seeds', default='0,1,2', help='training seeds')
    p.add_argument('--guidance', default='1.5,2.0')
    p.add_argument('--n', type=int, default=1000, help='grids drawn per variant, seed and guidance')
    p.add_argument('--threads', type=int, default=2)
    return p.parse_args(argv)

def train_demo_prior(kind: str, run: Path, folder: Path, demo: dict, seed: int, **model) -> tuple[float, float | None]:
    """Train a `kind` prior as the demo does (its settings `demo`, with `model` overriding its model config) into `folder`, unless
    one was trained there before; its held-out bits per code and training seconds (None: trained by an earlier call)."""
    from vqlesion.priors import train_prior, evaluate_prior
    t0, trained = time.time(), not (folder / 'evaluation.json').exists()
    if trained:
        train_prior(kind, run / 'codes' / 'train.npz', folder, steps=demo['prior_steps'], batch_size=demo['prior_batch_size'],
                    lr=demo['prior_lr'], seed=seed, device='cpu', eval_every=max(1, demo['prior_steps'] // 5),
                    show_progress=False, class_balance=demo['prior_class_balance'], **{**demo[kind], **model})
        evaluate_prior(folder, run / 'codes' / 'test.npz', device='cpu')
    train_s = round(time.time() - t0, 1) if trained else None
    return json.loads((folder / 'evaluation.json').read_text())['bits_per_code'], train_s

def score_draws(prior, inp: dict, lab: torch.Tensor, guidance: float) -> dict:
    """Draw one grid per label of `lab` at `guidance` (in batches of 250, seeded per batch), decode them as the demo does (the
    run's VQ-VAE and texture) and score KID and class fidelity against the run's real test images (`demo_quality_inputs`)."""
    from vqlesion.priors import decode_codes
    from vqlesion.quality import sample_quality
    t1 = time.time()
    codes = torch.cat([prior.sample(len(lab[s:s + 250]), labels=lab[s:s + 250], guidance=guidance,
                                    generator=torch.Generator().manual_seed(1000 + s)) for s in range(0, len(lab), 250)])
    sample_s = time.time() - t1
    fake = decode_codes(inp['vqvae'], codes)
    if inp['texture'] is not None: fake = inp['texture'].sample(fake, lab, torch.Generator().manual_seed(7))
    q = sample_quality(inp['images'], fake, feature_net=inp['feature_net'], real_labels=inp['labels'], fake_labels=lab,
                       classes=inp['classes'], seed=0, c2st=False)
    return {'sample_seconds': round(sample_s, 1), 'kid': q['kid'], 'class_fidelity': q['class_fidelity'],
            'class_fidelity_min_ratio': q['class_fidelity_min_ratio'], 'class_fidelity_min_class': q['class_fidelity_min_class']}

def bench_inputs(a, work_name: str):
    """Set the threads and load what a bench over a demo run needs: the run folder, the work folder (`a.work`, default
    RUN/`work_name`), the demo's settings, its quality inputs (`demo_quality_inputs`) and `a.n` labels, the demo's repeated."""
    torch.set_num_threads(a.threads)
    from vqlesion.demo import demo_quality_inputs
    run = Path(a.run); work = Path(a.work) if a.work else run / work_name
    demo = json.loads((run / 'demo_config.json').read_text())['config']
    inp = demo_quality_inputs(run)
    return run, work, demo, inp, inp['labels'][torch.arange(a.n) % len(inp['labels'])]

SHOWN = ('variant', 'prior', 'seed', 'guidance', 'bits_per_code', 'kid', 'class_fidelity_min_ratio', 'class_fidelity_min_class')

def guidance_rows(prior, inp: dict, lab: torch.Tensor, guidances, /, **fields) -> list[dict]:
    "One row per guidance: `fields`, the guidance and `score_draws` of `prior` at it; each row's main numbers printed as it is scored."
    rows = []
    for g in guidances:
        rows.append({**fields, 'guidance': g, **score_draws(prior, inp, lab, g)})
        print(json.dumps({k: v for k, v in rows[-1].items() if k in SHOWN}), flush=True)
    return rows

def write_rows(a, script: str, argv, rows: list[dict]):
    "Write a bench's rows to `a.out` with the run, sample count, threads and the command that made them."
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({'run': str(a.run), 'n': a.n, 'threads': a.threads, 'rows': rows,
                               'command': f'python bench/{script} ' + ' '.join(sys.argv[1:] if argv is None else argv)}, indent=1))
    print(f'wrote {out}')

def main(argv=None):
    a = parse_args(argv)
    from vqlesion.priors import load_prior
    run, work, demo, inp, lab = bench_inputs(a, 'class_conditioning')
    rows = []
    for name in a.variants.split(','):
        for seed in map(int, a.seeds.split(',')):
            folder = work / f'{name}_s{seed}'
            bits, train_s = train_demo_prior('gpt', run, folder, demo, seed, **VARIANTS[name])
            prior, _ = load_prior(folder, device='cpu')
            rows += guidance_rows(prior, inp, lab, map(float, a.guidance.split(',')), variant=name, model=VARIANTS[name], seed=seed,
                                  bits_per_code=bits, train_seconds=train_s)
    write_rows(a, 'class_conditioning.py', argv, rows)

if __name__ == '__main__':
    main()
