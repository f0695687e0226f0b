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
from common import seeds_parser, seeds_bench

VARIANTS = {'class_vector': dict(class_norm=False),   # class token + class vector at every position
            'class_norm': dict(class_norm=True)}      # ... + the class sets every LayerNorm's scale and shift

def parse_args(argv=None):
    p = seeds_parser(__doc__, 'class_conditioning.py', 'GPT', guidance='1.5,2.0')
    p.add_argument('--variants', default=','.join(VARIANTS))
    return p.parse_args(argv)

def main(argv=None):
    a = parse_args(argv)
    seeds_bench(a, 'class_conditioning.py', argv,
                lambda demo: [(name, 'gpt', VARIANTS[name], dict(variant=name, model=VARIANTS[name])) for name in a.variants.split(',')])

if __name__ == '__main__':
    main()
