#!/usr/bin/env python
"""Train prior variants on a demo run's code grids and score their samples with the sample-quality suite.

    python bench/prior_sweep.py --run runs/demo --variants gpt_base,gpt_nodrop --threads 1 [--c2st] [--out bench/results/prior_sweep.json]

Each variant (VARIANTS below: the prior kind, its training steps, batch size, learning rate and model settings) is
trained on RUN/codes/train.npz into a scratch folder, its held-out NLL measured on RUN/codes/test.npz, and as many grids
as the demo evaluates are sampled with the demo's class labels (the library's sampling defaults), decoded with the run's
VQ-VAE (the sharp decoder where it has one) and scored against the real test images with the run's feature network.
Training and sampling seconds are recorded per variant; rows are appended to OUT (a variant already there is skipped).
With `--big-kid N` each variant also draws N more grids, with labels drawn from the training split, whose KID against the
features of every training image (`kid_vs_train`) varies far less than the 200-against-200 KID; a variant trained
before in WORK is not trained again."""
import json, time
from pathlib import Path
import torch
from common import parser, training_images

_DEMO_GPT = dict(kind='gpt', steps=400, batch_size=16, lr=2e-3, model=dict(n_layer=2, n_head=4, n_embd=64))
_DEMO_PCNN = dict(kind='pixelcnn', steps=400, batch_size=16, lr=2e-3, model=dict(n_layer=4, n_channels=32))

def _v(base, steps=None, batch_size=None, lr=None, **model):
    return dict(base, steps=steps or base['steps'], batch_size=batch_size or base['batch_size'], lr=lr or base['lr'],
                model={**base['model'], **model})

VARIANTS = {
    'gpt_base': _v(_DEMO_GPT),                                   # the small demo's GPT today
    'gpt_nodrop': _v(_DEMO_GPT, dropout=0.0, pkeep=1.0),          # no dropout, no token corruption
    'gpt_attn0': _v(_DEMO_GPT, attn_dropout=0.0),                 # residual dropout and token corruption kept
    'gpt_attn0_600': _v(_DEMO_GPT, steps=600, attn_dropout=0.0),
    'gpt_nodrop_1k': _v(_DEMO_GPT, steps=1000, dropout=0.0, pkeep=1.0),
    'gpt_nodrop_b32': _v(_DEMO_GPT, batch_size=32, dropout=0.0, pkeep=1.0),
    'gpt_wide': _v(_DEMO_GPT, n_embd=128, dropout=0.0, pkeep=1.0),
    'gpt_deep': _v(_DEMO_GPT, n_layer=4, dropout=0.0, pkeep=1.0),
    'pixelcnn_base': _v(_DEMO_PCNN),
    'pixelcnn_nodrop': _v(_DEMO_PCNN, dropout=0.0),
    'pixelcnn_1k': _v(_DEMO_PCNN, steps=1000, dropout=0.0),
    'pixelcnn_wide': _v(_DEMO_PCNN, n_channels=64, dropout=0.0),
    # today's small demo (450 steps; the GPT without attention dropout) and twice its width
    'gpt_demo': _v(_DEMO_GPT, steps=450, attn_dropout=0.0),
    'gpt_demo_wide': _v(_DEMO_GPT, steps=450, attn_dropout=0.0, n_embd=128),
    'pixelcnn_demo': _v(_DEMO_PCNN, steps=450),
    'pixelcnn_demo_wide': _v(_DEMO_PCNN, steps=450, n_channels=64),
}

def parse_args(argv=None):
    p = parser(__doc__, 'bench/results/prior_sweep.json', threads=1)
    p.add_argument('--variants', default=','.join(VARIANTS), help=f"comma-separated names of {', '.join(VARIANTS)}")
    p.add_argument('--work', default=None, help='where the variants train (default: RUN/prior_sweep)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--c2st', action='store_true', help='also the CNN two-sample test (about 40 s a variant on one thread)')
    p.add_argument('--big-kid', type=int, default=0, help='also the KID of this many samples against every training image')
    return p.parse_args(argv)

def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    from vqlesion.demo import demo_quality_inputs
    from vqlesion.priors import train_prior, evaluate_prior, load_prior, decode_codes
    from vqlesion.quality import sample_quality
    run, out = Path(a.run), Path(a.out)
    work = Path(a.work) if a.work else run / 'prior_sweep'
    rows = json.loads(out.read_text()) if out.exists() else []
    done = {(r['run'], r['variant'], r.get('seed', 0)) for r in rows}
    inp = demo_quality_inputs(run)
    real, labels, classes, net, vq, cfg = inp['images'], inp['labels'], inp['classes'], inp['feature_net'], inp['vqvae'], inp['config']
    f_train, train_labels = None, None
    if a.big_kid:
        from vqlesion.quality import extract_features, kid
        train, train_labels, _ = training_images(run, cfg.image_size)
        f_train = extract_features(net, train)
    for name in a.variants.split(','):
        if (str(run), name, a.seed) in done: print(f"{name}: already in {out}"); continue
        v = VARIANTS[name]
        where = work / (name if a.seed == 0 else f'{name}_seed{a.seed}')
        t0 = time.time()
        train_prior(v['kind'], run / 'codes' / 'train.npz', where, steps=v['steps'], batch_size=v['batch_size'], lr=v['lr'],
                    seed=a.seed, eval_every=max(1, v['steps'] // 5), show_progress=False, **v['model'])
        train_s = time.time() - t0
        nll = evaluate_prior(where, run / 'codes' / 'test.npz', write=False)['bits_per_code']
        prior, _ = load_prior(where, device='cpu')
        t0 = time.time()
        codes = prior.sample(len(real), labels=labels if prior.config.num_classes else None,
                             generator=torch.Generator().manual_seed(a.seed))
        sample_s = time.time() - t0
        q = sample_quality(real, decode_codes(vq, codes), feature_net=net, real_labels=labels, fake_labels=labels, classes=classes,
                           seed=a.seed, c2st=a.c2st, c2st_kw=dict(seeds=(a.seed,), steps=cfg.c2st_steps))
        if a.big_kid:
            g = torch.Generator().manual_seed(1000 + a.seed)
            lab = torch.as_tensor(train_labels[torch.randint(0, len(train_labels), (a.big_kid,), generator=g).numpy()])
            big = prior.sample(a.big_kid, labels=lab if prior.config.num_classes else None, generator=g)
            q['kid_vs_train'] = kid(f_train, extract_features(net, decode_codes(vq, big)))['kid']
            q['n_kid_vs_train'] = a.big_kid
        row = {'run': str(run), 'variant': name, 'seed': a.seed, **v, 'threads': a.threads, 'train_seconds': round(train_s, 1),
               'sample_seconds': round(sample_s, 1), 'bits_per_code': nll, **{k: x for k, x in q.items() if not isinstance(x, dict)}}
        rows.append(row)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(rows, indent=1))
        print(json.dumps({k: row.get(k) for k in ('variant', 'seed', 'train_seconds', 'sample_seconds', 'bits_per_code', 'kid', 'kid_vs_train', 'fid',
                                                   'precision', 'recall', 'class_fidelity_min_ratio', 'c2st_cnn')}), flush=True)

if __name__ == '__main__': main()
