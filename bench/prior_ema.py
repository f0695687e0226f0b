#!/usr/bin/env python
"""Does an exponential moving average of the prior's weights help? Held-out bits per code of the raw weights and of EMAs.

    python bench/prior_ema.py --run runs/demo --threads 2 [--decays 0.99,0.995,0.998] [--out bench/results/prior_ema.json]

Trains each prior of a demo run again with the demo's settings (steps, batch, learning rate, model) on the run's
training codes, keeping EMA copies of its weights (updated after every optimiser step, started from the first step's
weights), and scores the final raw weights and every EMA on the run's test codes. The run itself is not touched."""
import copy, json, math, tempfile, time
from pathlib import Path
import torch
from common import parser, demo_settings, write_result


def parse_args(argv=None):
    p = parser(__doc__, 'bench/results/prior_ema.json', run_help='a `vqlesion demo` run folder (codes/ and its demo_config.json)')
    p.add_argument('--decays', default='0.99,0.995,0.998')
    p.add_argument('--priors', default='gpt,pixelcnn')
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    from vqlesion.priors import train_prior, load_codes
    run = Path(a.run)
    cfg = demo_settings(run)['config']
    test = load_codes(run / 'codes' / 'test.npz')
    codes, labels = torch.from_numpy(test.codes.astype('int64')), torch.from_numpy(test.labels.astype('int64'))
    decays = [float(v) for v in a.decays.split(',')]

    def bits(model):
        model.eval()
        with torch.no_grad():
            total = sum(float(model.nll(c, l if model.config.num_classes else None).sum()) for c, l in zip(codes.split(100), labels.split(100)))
        return total / codes.numel() / math.log(2)

    rows = []
    for kind in a.priors.split(','):
        emas = {d: None for d in decays}
        def after_step(trainer):
            with torch.no_grad():
                for d in decays:
                    if emas[d] is None: emas[d] = copy.deepcopy(trainer.model)
                    else:
                        for pe, pm in zip(emas[d].parameters(), trainer.model.parameters()): pe.lerp_(pm, 1 - d)
        with tempfile.TemporaryDirectory() as d:
            t0 = time.time()
            tr = train_prior(kind, run / 'codes' / 'train.npz', d, steps=cfg['prior_steps'], batch_size=cfg['prior_batch_size'],
                             lr=cfg['prior_lr'], seed=0, show_progress=False, after_step=after_step, **cfg[kind])
            secs = time.time() - t0
        row = {'prior': kind, 'steps': cfg['prior_steps'], 'train_seconds': round(secs, 1), 'raw_bits_per_code': round(bits(tr.model), 4),
               'ema_bits_per_code': {str(d): round(bits(m), 4) for d, m in emas.items()}}
        rows.append(row); print(json.dumps(row), flush=True)
    write_result(a.out, {'run': str(run), 'n_test_grids': len(codes), 'rows': rows,
                         'command': f'python bench/prior_ema.py --run {run} --threads {a.threads}'})


if __name__ == '__main__':
    main()
