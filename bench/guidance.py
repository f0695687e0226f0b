#!/usr/bin/env python
"""Each prior's classifier-free guidance, measured over training seeds and many samples: the basis of the one default, `vqlesion.prior.SAMPLING["guidance"]`.

    python bench/guidance.py --run runs/demo --threads 2 [--priors gpt,pixelcnn] [--seeds 0,1,2] [--guidance 1,1.5,2,2.5] [--n 1000]

For each prior kind and training seed, a prior with the run's demo settings (its model config, steps, batch size, learning
rate, class balance) is trained on RUN/codes/train.npz into WORK (one trained there before is not trained again), and its
held-out bits per code measured. It then draws N grids per guidance with the demo's class labels repeated, decodes them with
the run's VQ-VAE and texture as the demo does, and scores KID and class fidelity against the run's real test images with the
run's feature network (`common.score_draws`). The demo's own 200 samples put about 22 on its rarest scored class,
too few to choose a default by (±0.09 from draw to draw); 1,000 samples over three training seeds are. Writes OUT (JSON)."""
from common import seeds_parser, seeds_bench

def parse_args(argv=None):
    p = seeds_parser(__doc__, 'guidance.py', 'prior', guidance='1,1.5,2,2.5')
    p.add_argument('--priors', default='gpt,pixelcnn')
    return p.parse_args(argv)

def main(argv=None):
    a = parse_args(argv)
    seeds_bench(a, 'guidance.py', argv, lambda demo: [(kind, kind, {}, dict(prior=kind, model=demo[kind])) for kind in a.priors.split(',')])

if __name__ == '__main__':
    main()
