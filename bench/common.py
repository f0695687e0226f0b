"""What the bench scripts share: their common flags, reading a `vqlesion demo` run folder, training a prior as the demo
does and scoring its draws, and writing a result file. The scripts run as `python bench/NAME.py`, so this folder is on
their import path (`from common import ...`); none of this is part of the library."""
import argparse, json, sys, time
from pathlib import Path
import numpy as np
import torch


def parser(doc: str, out: str, threads: int = 2, run_help: str = 'a `vqlesion demo` run folder (its evaluate stage done)') -> argparse.ArgumentParser:
    "An argument parser with the flags of a bench over a demo run: `--run`, `--out` (default `out`) and `--threads`."
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--run', required=True, help=run_help)
    p.add_argument('--out', default=out)
    p.add_argument('--threads', type=int, default=threads)
    return p


def overrides(items) -> dict:
    "`FIELD=VALUE` strings (VALUE as JSON) as a dict of config overrides; empty strings are skipped."
    return {k: json.loads(v) for k, v in (s.split('=', 1) for s in items if s)}


def demo_settings(run) -> dict:
    "A demo run's settings (RUN/demo_config.json): its `config`, `data`, `data_kwargs` and `seed`."
    return json.loads((Path(run) / 'demo_config.json').read_text())


def training_images(run, image_size: int, data=None, **data_kwargs) -> tuple:
    """The run's training split as its VQ-VAE sees it in evaluation (`vqvae_data_kwargs`, overridden by `data_kwargs`): images
    (N, C, H, W), their labels (N,) and the data set. `data`: the data path (default: the demo's)."""
    from vqlesion.layouts import load_dataset
    from vqlesion.vqvae import vqvae_data_kwargs
    data = demo_settings(run)['data'] if data is None else data
    clean = load_dataset(data, split='train', **vqvae_data_kwargs(Path(run) / 'vqvae', data, 'train', image_size=image_size, **data_kwargs))
    return torch.stack([clean[i][0] for i in range(len(clean))]), np.asarray(clean.labels), clean


def demo_samples(run, kind: str) -> tuple:
    "The code grids (B, H, W) int64 and labels (B,) of the samples of prior `kind` that the demo evaluated (RUN/samples_KIND.npz)."
    z = np.load(Path(run) / f'samples_{kind}.npz')
    n = int(z['n_eval'])
    return torch.from_numpy(z['codes'][:n].astype(np.int64)), z['labels'][:n]


def write_result(out, res: dict, indent: int = 1):
    "Write a bench's result to `out` (JSON, parents made) and say so."
    out = Path(out); out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=indent) + '\n')
    print(f'wrote {out}')


def command(script: str, argv=None) -> str:
    "The command line that ran `script` (with `argv`, as given to `main`, or the process's own arguments)."
    return f'python bench/{script} ' + ' '.join(sys.argv[1:] if argv is None else argv)


# ------------------------------------------------------------------ priors trained as the demo trains them, and their draws
def bench_inputs(a, work_name: str):
    """Set the threads and load what a bench over a demo run needs: the run folder, the work folder (`a.work`, default
    RUN/`work_name`), the demo's settings, its quality inputs (`demo_quality_inputs`) and `a.n` labels, the demo's repeated."""
    torch.set_num_threads(a.threads)
    from vqlesion.demo import demo_quality_inputs
    run = Path(a.run); work = Path(a.work) if a.work else run / work_name
    inp = demo_quality_inputs(run)
    return run, work, demo_settings(run)['config'], inp, inp['labels'][torch.arange(a.n) % len(inp['labels'])]


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


SHOWN = ('variant', 'prior', 'seed', 'guidance', 'bits_per_code', 'kid', 'class_fidelity_min_ratio', 'class_fidelity_min_class')


def guidance_rows(prior, inp: dict, lab: torch.Tensor, guidances, /, **fields) -> list[dict]:
    "One row per guidance: `fields`, the guidance and `score_draws` of `prior` at it; each row's main numbers printed as it is scored."
    rows = []
    for g in guidances:
        rows.append({**fields, 'guidance': g, **score_draws(prior, inp, lab, g)})
        print(json.dumps({k: v for k, v in rows[-1].items() if k in SHOWN}), flush=True)
    return rows


def seed_rows(a, kind: str, folder: Path, run: Path, demo: dict, inp: dict, lab: torch.Tensor, seed: int, model: dict, /, **fields) -> list[dict]:
    """A `kind` prior trained as the demo does (its model config overridden by `model`) with training `seed` into `folder` (or the
    one there), and its `guidance_rows` at each of `a.guidance`: `fields`, the seed, its bits per code and training seconds."""
    from vqlesion.priors import load_prior
    bits, train_s = train_demo_prior(kind, run, folder, demo, seed, **model)
    prior, _ = load_prior(folder, device='cpu')
    return guidance_rows(prior, inp, lab, map(float, a.guidance.split(',')), **fields, seed=seed, bits_per_code=bits, train_seconds=train_s)


def write_rows(a, script: str, argv, rows: list[dict]):
    "Write a bench's rows to `a.out` with the run, sample count, threads and the command that made them."
    write_result(a.out, {'run': str(a.run), 'n': a.n, 'threads': a.threads, 'rows': rows, 'command': command(script, argv)})


def seeds_parser(doc: str, script: str, what: str, guidance: str) -> argparse.ArgumentParser:
    "The flags of a bench that trains priors as the demo does over training seeds and scores their draws at each guidance."
    name = Path(script).stem
    p = parser(doc, f'bench/results/{name}.json')
    p.add_argument('--work', default=None, help=f'where the {what}s train (default: RUN/{name})')
    p.add_argument('--seeds', default='0,1,2', help='training seeds')
    p.add_argument('--guidance', default=guidance)
    p.add_argument('--n', type=int, default=1000, help=f'grids drawn per {what}, seed and guidance')
    return p


def seeds_bench(a, script: str, argv, priors):
    """Run a bench of `seeds_parser`'s flags: `priors(demo settings)` gives (name, kind, model overrides, row fields) of each prior,
    trained with each of `a.seeds` into WORK/NAME_sSEED (`seed_rows`); the rows are written to `a.out`."""
    run, work, demo, inp, lab = bench_inputs(a, Path(script).stem)
    rows = []
    for name, kind, model, fields in priors(demo):
        for seed in map(int, a.seeds.split(',')):
            rows += seed_rows(a, kind, work / f'{name}_s{seed}', run, demo, inp, lab, seed, model, **fields)
    write_rows(a, script, argv, rows)
