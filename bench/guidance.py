#!/usr/bin/env python
"""Each prior's classifier-free guidance, measured over training seeds and many samples: the basis of the one default, `vqlesion.prior.SAMPLING["guidance"]`.

    python bench/guidance.py --run runs/demo --threads 2 [--priors gpt,pixelcnn] [--seeds 0,1,2] [--guidance 1,1.5,2,2.5] [--n 1000]

For each prior kind and training seed, a prior with the run's demo settings (its model config, steps, batch size, learning
rate, class balance) is trained on RUN/codes/train.npz into WORK (one trained there before is not trained again), and its
held-out bits per code measured. It then draws N grids per guidance with the demo's class labels repeated, decodes them with
the run's VQ-VAE and texture as the demo does, and scores KID and class fidelity against the run's real test images with the
run's feature network (`class_conditioning.score_draws`). The demo's own 200 samples put about 22 on its rarest scored class,
too few to choose a default by (±0.09 from draw to draw); 1,000 samples over three training seeds are. Writes OUT (JSON)."""
import argparse, json, sys
from pathlib import Path
import torch
from class_conditioning import train_demo_prior, score_draws

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--run', required=True, help='a `vqlesion demo` run folder (its evaluate stage done)')
    p.add_argument('--out', default='bench/results/guidance.json')
    p.add_argument('--work', default=None, help='where the priors train (default: RUN/guidance)')
    p.add_argument('--priors', default='gpt,pixelcnn')
    p.add_argument('--seeds', default='0,1,2', help='training seeds')
    p.add_argument('--guidance', default='1,1.5,2,2.5')
    p.add_argument('--n', type=int, default=1000, help='grids drawn per prior, seed and guidance')
    p.add_argument('--threads', type=int, default=2)
    return p.parse_args(argv)

def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    from vqlesion.demo import demo_quality_inputs
    from vqlesion.priors import load_prior
    run = Path(a.run); work = Path(a.work) if a.work else run / 'guidance'
    demo = json.loads((run / 'demo_config.json').read_text())['config']
    inp = demo_quality_inputs(run)
    lab = inp['labels'][torch.arange(a.n) % len(inp['labels'])]
    rows = []
    for kind in a.priors.split(','):
        for seed in map(int, a.seeds.split(',')):
            folder = work / f'{kind}_s{seed}'
            bits, train_s = train_demo_prior(kind, run, folder, demo, seed)
            prior, _ = load_prior(folder, device='cpu')
            for g in map(float, a.guidance.split(',')):
                row = {'prior': kind, 'model': demo[kind], 'seed': seed, 'guidance': g, 'bits_per_code': bits,
                       'train_seconds': train_s, **score_draws(prior, inp, lab, g)}
                rows.append(row)
                print(json.dumps({k: row[k] for k in ('prior', 'seed', 'guidance', 'bits_per_code', 'kid', 'class_fidelity_min_ratio',
                                                      'class_fidelity_min_class')}), flush=True)
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({'run': str(run), 'n': a.n, 'threads': a.threads, 'rows': rows,
                               'command': 'python bench/guidance.py ' + ' '.join(sys.argv[1:] if argv is None else argv)}, indent=1))
    print(f'wrote {out}')

if __name__ == '__main__':
    main()
