#!/usr/bin/env python
"""Each prior's classifier-free guidance, measured over training seeds and many samples: the basis of the one default, `vqlesion.prior.SAMPLING["guidance"]`.

    python bench/guidance.py --run runs/demo --threads 2 [--priors gpt,pixelcnn] [--seeds 0,1,2] [--guidance 1,1.5,2,2.5] [--n 1000]

For each prior kind and training seed, a prior with the run's demo settings (its model config, steps, batch size, learning
rate, class balance) is trained on RUN/codes/train.npz into WORK (one trained there before is not trained again), and its
held-out bits per code measured. It then draws N grids per guidance with the demo's class labels repeated, decodes them with
the run's VQ-VAE and texture as the demo does, and scores KID and class fidelity against the run's real test images with the
run's feature network (`class_conditioning.score_draws`). The demo's own 200 samples put about 22 on its rarest scored class,
too few to choose a default by (±0.09 from draw to draw); 1,000 samples over three training seeds are. Writes OUT (JSON)."""
import argparse
from class_conditioning import bench_inputs, train_demo_prior, guidance_rows, write_rows

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
    from vqlesion.priors import load_prior
    run, work, demo, inp, lab = bench_inputs(a, 'guidance')
    rows = []
    for kind in a.priors.split(','):
        for seed in map(int, a.seeds.split(',')):
            folder = work / f'{kind}_s{seed}'
            bits, train_s = train_demo_prior(kind, run, folder, demo, seed)
            prior, _ = load_prior(folder, device='cpu')
            rows += guidance_rows(prior, inp, lab, map(float, a.guidance.split(',')), prior=kind, model=demo[kind], seed=seed,
                                  bits_per_code=bits, train_seconds=train_s)
    write_rows(a, 'guidance.py', argv, rows)

if __name__ == '__main__':
    main()
