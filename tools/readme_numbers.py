"""The result numbers of README.md and the docs home page, rendered from committed result files.

Every result number in `nbs/index.ipynb` sits in a generated block of a markdown cell:

    <!-- numbers: prior-nll (bench/results/prior_nll.json) -->
    ...markdown written by tools/sync_readme.py, never by hand...
    <!-- /numbers -->

`BLOCKS` maps each block's name to the result files it reads and a function that turns their JSON into
markdown (a table, a sentence, a paragraph). `python tools/sync_readme.py` rewrites every block from its
files, then README.md; `--check` (CI) fails when a block, or README.md, is not what the files give, or when
a result number is typed by hand outside a block. To add a number: register a renderer here with `@block`,
put an empty block (the two marker lines) where it belongs in the notebook, run the script.
"""
import json
import math
import re
import numpy as np
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Block:
    name: str
    sources: tuple          # result files, relative to the repository root, in the order `render` takes them
    render: Callable        # (*loaded JSON) -> markdown


BLOCKS: dict = {}


def block(name: str, *sources: str):
    "Register the decorated function as the renderer of the block `name`, reading `sources`."
    def deco(fn):
        if name in BLOCKS: raise ValueError(f'numbers block {name!r} is registered twice')
        BLOCKS[name] = Block(name, sources, fn)
        return fn
    return deco


class NumbersError(ValueError):
    "A block that cannot be rendered: unknown name, missing or incomplete result file, malformed markers."


# ---------------------------------------------------------------------------------------------- formatting
def pct(x: float, digits: int = 1) -> str:
    "0.393 -> '39.3 %'; 1.0 -> '100 %' (a whole number loses its '.0')."
    s = f'{100 * x:.{digits}f}'
    return (s[:-(digits + 1)] if digits and s.endswith('.' + '0' * digits) else s) + ' %'


def pct_range(lo: float, hi: float) -> str:
    "0.9775, 1.0 -> '98–100 %'."
    return f'{100 * lo:.0f}–{pct(hi, 0)}'


def kparams(n: int) -> str: return f'{n / 1000:.0f} k'
def mparams(n: int) -> str: return f'{n / 1e6:.2f} M'
def min_sec(s: float) -> str: return f'{int(s // 60)} min {s % 60:.0f} s'


def source_line(*parts: str) -> str:
    "The italic line under a table that says where its numbers come from."
    return '*' + '; '.join(parts) + '.*'


def words(n: int) -> str:
    "Small counts in words, as prose writes them."
    return ('zero one two three four five six seven eight nine ten'.split() + [str(n)])[n if 0 <= n <= 10 else -1]


# ------------------------------------------------------------------------------------------- the demo
DEMO = 'bench/results/demo_small_metrics.json'
DEMO_PREV = 'bench/results/demo_small_previous_metrics.json'   # the small preset before it was sized for six minutes
DEMO_COMPARE = 'bench/results/demo_small_compare_metrics.json'  # DEMO's run folder evaluated again with compare_plain
DEMO_TINY = 'bench/results/demo_tiny_metrics.json'


def demo_command(d: dict) -> str:
    r = d['run']
    return f"vqlesion demo --out {r['out']} --preset {r['preset']} --seed {r['seed']} --threads {r['torch_threads']}"


@block('demo-time', DEMO, DEMO_TINY)
def demo_time(d, tiny):
    return (f"On our 2-core development machine the default `small` preset took "
            f"{min_sec(d['timings']['total_seconds'])} with `--threads {d['run']['torch_threads']}`, and `--preset tiny` "
            f"took {tiny['timings']['total_seconds']:.0f} s with `--threads {tiny['run']['torch_threads']}` "
            f"(`{DEMO}`, `{DEMO_TINY}`).")


@block('demo-setup', DEMO)
def demo_setup(d):
    from vqlesion.vqvae import adversarial_config            # how the demo splits its VQ-VAE steps
    r, c, t = d['run'], d['run']['config'], d['timings']
    adv = adversarial_config(c['adversarial']) if c.get('adversarial') is not None else None
    tune = adv.steps_split(c['vqvae_steps'])[1] if adv else 0
    grid = c['image_size'] // c['downsample']
    vq = f"{c['vqvae_steps']:,} VQ-VAE steps" + (f", of which the last {tune} fine-tune the decoder adversarially" if tune else '')
    return (f"`vqlesion demo` with its default `{r['preset']}` preset ({c['image_size']} px images, {grid}×{grid} grids "
            f"of {c['num_codes']} codes; {vq}; {c['prior_steps']} steps for each prior; {c['eval_images']} test images "
            f"evaluated) wrote `metrics.json` (committed as `{DEMO}`) on our 2-core development machine: "
            f"`{demo_command(d)}`. The run took {min_sec(t['total_seconds'])} of stage time "
            f"(VQ-VAE {t['vqvae']['seconds']:.0f} s, priors {t['gpt']['seconds'] + t['pixelcnn']['seconds']:.0f} s, "
            f"evaluation {t['evaluate']['seconds']:.0f} s: {words(sum(m.get('c2st_cnn') is not None for m in d['realism'].values()))} CNN two-sample tests and the feature network)"
            + (f"; fitting the decoder's texture took {t['texture']['seconds']:.0f} s." if 'texture' in t else '.'))


REALISM_ROWS = (('real', 'real: two halves of the test set (the floor)'),
                ('reconstructions_plain', 'reconstructions, plain decoder'), ('reconstructions_mean', 'reconstructions, sharp decoder'),
                ('reconstructions', 'reconstructions, sharp decoder with texture'),
                ('gpt_plain', 'GPT samples, plain decoder'), ('gpt_mean', 'GPT samples, sharp decoder'), ('gpt', 'GPT samples, sharp decoder with texture'),
                ('pixelcnn_plain', 'PixelCNN samples, plain decoder'), ('pixelcnn_mean', 'PixelCNN samples, sharp decoder'),
                ('pixelcnn', 'PixelCNN samples, sharp decoder with texture'))


def num(m: dict, key: str, fmt: str = '.3f') -> str:
    "`m[key]` formatted, or '–' where the run did not compute it (the CNN test of the decoder's mean needs compare_plain)."
    return '–' if m.get(key) is None else format(m[key], fmt)


@block('demo-realism', DEMO)
def demo_realism(d):
    lines = ['| images | CNN two-sample accuracy (0.5 = indistinguishable) | KID | FID | precision / recall | density / coverage | logistic two-sample accuracy |',
             '|---|---|---|---|---|---|---|']
    for key, label in REALISM_ROWS:
        if key not in d['realism']: continue   # the plain decoder's rows only with compare_plain
        m = d['realism'][key]
        lines.append(f"| {label} | {num(m, 'c2st_cnn')} | {m['kid']:.3f} | {m['fid']:.1f} | {m['precision']:.2f} / {m['recall']:.2f} "
                     f"| {m['density']:.2f} / {m['coverage']:.2f} | {num(m, 'c2st_logistic', '.2f')} |")
    return '\n'.join(lines + ['', source_line(f'`{DEMO}`, key `realism`', f'`{demo_command(d)}`')])


DEMO_SETS = (('reconstructions', 'reconstructions'), ('GPT samples', 'gpt'), ('PixelCNN samples', 'pixelcnn'))


@block('demo-realism-summary', DEMO, DEMO_PREV)
def demo_realism_summary(d, prev):
    rz, c = d['realism'], d['run']['config']
    fakes = {k: m for k, m in rz.items() if k != 'real' and m.get('c2st_cnn') is not None}
    lo, hi = min(m['c2st_cnn'] for m in fakes.values()), max(m['c2st_cnn'] for m in fakes.values())
    seeds = c['c2st_seeds']
    passing = [name for name, k in DEMO_SETS if rz[k]['c2st_cnn'] <= 0.85]
    lead = ('**The samples do not pass for real lesions yet.** ' if not passing else
            f"**{(lambda t: t[0].upper() + t[1:])(' and '.join(passing))} pass the CNN two-sample target (≤ 0.85).** ")
    text = (f"{lead}A small CNN trained from scratch tells the sets from real images {pct_range(lo, hi)} of the time: "
            + ', '.join(f"{name} {100 * rz[k]['c2st_cnn']:.0f} %" for name, k in DEMO_SETS)
            + f" ({'one seed' if seeds == 1 else f'{seeds} seeds'} × 2 folds; two halves of the real test set: "
            f"{100 * rz['real']['c2st_cnn']:.0f} %).")
    if all(k + '_mean' in rz for _, k in DEMO_SETS):   # the decoder's texture (chapter 3c): each set against the decoder's mean
        moves = ', '.join(f"{name} {rz[k + '_mean']['kid']:.3f} → {rz[k]['kid']:.3f} (FID {rz[k + '_mean']['fid']:.1f} → {rz[k]['fid']:.1f})"
                          for name, k in DEMO_SETS)
        closer = all(rz[k]['kid'] < rz[k + '_mean']['kid'] for _, k in DEMO_SETS)
        text += (f" Adding the decoder's texture (chapter 3c) instead of showing its mean image moves "
                 f"{'every set closer to the real images' if closer else 'the sets'} on the lesion features: KID {moves}.")
    else:
        text += (" Against the previous `small` preset (`" + DEMO_PREV + "`) the KID on the lesion features went: "
                 + ', '.join(f"{name} {prev['realism'][k]['kid']:.3f} → {rz[k]['kid']:.3f}" for name, k in DEMO_SETS) + '.')
    # class fidelity is a target for the priors' class-conditional samples; the reconstructions' texture is drawn without a class
    priors = [(name, k) for name, k in DEMO_SETS if k != 'reconstructions']
    ratios = {k: rz[k]['class_fidelity_min_ratio'] for _, k in DEMO_SETS}
    worst = {rz[k]['class_fidelity_min_class'] for _, k in priors}
    at = lambda sets: ', '.join(f"{ratios[k]:.2f} (`{rz[k]['class_fidelity_min_class']}`) for the {name}" for name, k in sets)
    if min(ratios[k] for _, k in priors) < 0.8:
        text += (f" Class fidelity misses its target (0.8 of the real images' accuracy for every class with at least 20 test images): "
                 f"the worst class is {' or '.join(f'`{w}`' for w in sorted(worst))}, at " + at(priors)
                 + (f" (the decoder's mean alone: {max(rz[k + '_mean']['class_fidelity_min_ratio'] for _, k in priors):.2f} at best)"
                    if all(k + '_mean' in rz for _, k in priors) else '') + '.')
    else:
        text += (f" Class fidelity meets its target for both priors' samples (0.8 of the real images' accuracy for every class with at "
                 f"least 20 test images): the worst class is at {at(priors)}.")
    rk = DEMO_SETS[0][1]
    text += (f" The reconstructions' texture is drawn without the image's class, as an encoder is not told it: their worst class is "
             f"`{rz[rk]['class_fidelity_min_class']}`, at {ratios[rk]:.2f}.")
    return text


@block('demo-before-after', DEMO_PREV, DEMO, DEMO_COMPARE)
def demo_before_after(prev, d, compare):
    "Every suite number of each set: the previous preset with the plain and the sharp decoder, then today's."
    def cols(m):
        return (f"{m['c2st_cnn']:.3f}", f"{m['kid']:.3f}", f"{m['fid']:.1f}", f"{m['precision']:.2f} / {m['recall']:.2f}",
                f"{m['density']:.2f} / {m['coverage']:.2f}", f"{m['class_fidelity_min_ratio']:.2f} ({m['class_fidelity_min_class']})")
    pc, c = prev['run']['config'], d['run']['config']
    today = (f"`small` today ({c['vqvae_steps']:,} VQ-VAE steps, {c['prior_steps']}-step priors, GPT {c['gpt'].get('n_embd')} wide, "
             f"PixelCNN {c['pixelcnn'].get('n_channels')} channels)")
    runs = [(f"previous preset ({pc['vqvae_steps']:,} VQ-VAE steps, {pc['prior_steps']}-step priors), plain decoder", prev, '_plain'),
            ('previous preset, sharp decoder', prev, ''), (f"{today}, plain decoder", compare, '_plain'),
            ('`small` today, sharp decoder (its mean)', compare, '_mean'), ("`small` today, sharp decoder with its texture", d, '')]
    lines = ['| images | run | CNN two-sample accuracy | KID | FID | precision / recall | density / coverage | class fidelity, worst class |',
             '|---|---|---|---|---|---|---|---|']
    for name, key in DEMO_SETS:
        for label, run, suffix in runs:
            if key + suffix in run['realism']: lines.append(f"| {name} | {label} | " + ' | '.join(cols(run['realism'][key + suffix])) + ' |')
    for label, run in (('previous preset', prev), ('`small` today', d)):
        lines.append(f"| real: two halves of the test set | {label} | " + ' | '.join(cols(run['realism']['real'])) + ' |')
    t0, t1 = prev['timings']['total_seconds'], d['timings']['total_seconds']
    return '\n'.join(lines + ['', source_line(f"`{DEMO_PREV}` (`{demo_command(prev)}`, {min_sec(t0)} while other jobs shared the cores)",
                                              f"`{DEMO}` (`{demo_command(d)}`, {min_sec(t1)})",
                                              f"today's plain rows: `{DEMO_COMPARE}` (`{demo_command(compare)} --set compare_plain=true`; "
                                              + (f"the same models: {compare['priors']['gpt']['bits_per_code']:.4f} bits per code for the GPT in both runs)"
                                                 if compare['priors'] == d['priors'] else
                                                 f"other models: GPT {compare['priors']['gpt']['bits_per_code']:.4f} bits per code against "
                                                 f"{d['priors']['gpt']['bits_per_code']:.4f})"))])


@block('demo-headline', DEMO)
def demo_headline(d):
    v, p = d['vqvae'], d['priors']
    g, q = p['gpt'], p['pixelcnn']
    fid = d['sample_quality']['gpt'].get('fid')
    return '\n'.join([
        '| | |', '|---|---|',
        f"| VQ-VAE reconstruction | PSNR {v['psnr']:.2f} dB with the sharp decoder, {v['plain_decoder']['psnr']:.2f} dB with the plain one "
        f"(mean of per-image PSNRs); SSIM {v['ssim']:.3f} / {v['plain_decoder']['ssim']:.3f} |",
        f"| codebook | {round(v['usage'] * v['num_codes'])} of {v['num_codes']} codes used, perplexity {v['perplexity']:.1f} |",
        f"| GPT prior ({kparams(g['n_params'])} parameters) | {g['bits_per_code']:.3f} bits per code held out, "
        f"{pct(g['gain_over_unigram'])} below the unigram entropy ({g['unigram_entropy_bits']:.3f} bits) |",
        f"| PixelCNN prior ({kparams(q['n_params'])} parameters) | {q['bits_per_code']:.3f} bits per code held out, "
        f"{pct(q['gain_over_unigram'])} below the unigram entropy |",
        '| FID with Inception | ' + (f'{fid:.1f} (GPT samples)' if fid is not None else
                                     'not computed: no Inception weights on disk, and the report says so') + ' |',
        '', source_line(f'`{DEMO}`, keys `vqvae` and `priors`')])


# ------------------------------------------------------------------------------------------ benchmarks
VQREF, SPEED = 'bench/results/vqvae_vs_reference.json', 'bench/results/vqvae_speed_interleaved.json'
VARIANTS = {'classic': 'classic (N(0,1) EMA codebook, no restarts, Adam 1e-3)',
            'lucidrains': 'lucidrains `vector-quantize-pytorch` (k-means init, dead-code expiry)',
            'ours': 'ours (`default`: data-seeded EMA codebook, restarts, cosine 8-d lookup)'}


@block('vq-reference', VQREF)
def vq_reference(d):
    a = d['args']
    cmd = (f"python bench/vqvae_vs_reference.py --image-size {a['image_size']} --steps {a['steps']} "
           f"--batch-size {a['batch_size']} --threads {a['threads']}")
    grid = a['image_size'] // a['downsample']
    lines = [f"**VQ-VAE quantiser** (`{cmd}`; `{VQREF}`): the same autoencoder (hiddens {a['hiddens']}, code dim "
             f"{a['code_dim']}), the same rate ({grid}×{grid} codes of {a['num_codes']}), {a['steps']:,} steps of batch "
             f"{a['batch_size']} on the {a['data']} training split, evaluated on {a['eval_images']:,} test images.", '',
             '| quantiser | PSNR (dB) | codebook usage | perplexity |', '|---|---|---|---|']
    for r in d['rows']:
        lines.append(f"| {VARIANTS.get(r['variant'], r['variant'])} | {r['psnr']:.2f} | {pct(r['usage'])} | {r['perplexity']:.0f} |")
    return '\n'.join(lines)


@block('vq-speed', SPEED)
def vq_speed(d):
    med, rel = d['seconds_per_step_median'], d['relative_to_classic']
    # the file does not record the number of timed steps: the command is the one its commit gave
    cmd = f"python bench/vqvae_vs_reference.py --speed-only --speed-steps 20 --threads {d['threads']}"
    return (f"Training speed, timed round-robin on one batch of {d['batch_size']} at {d['image_size']} px so that the machine's "
            f"load hits all alike (`{cmd}`; `{SPEED}`): median {med['classic']:.3f} s per step for classic, "
            f"{med['ours']:.3f} s for ours ({rel['ours']:.2f}×), {med['lucidrains']:.3f} s for lucidrains ({rel['lucidrains']:.2f}×).")


def prior_rows(rows, label, params, extra=lambda r: ()):
    out = []
    for r in rows:
        cells = (label(r), params(r), f"{r['bits_per_code']:.3f}", f"{r['bits_per_dim']:.4f}", pct(r['gain_over_unigram']), *extra(r))
        out.append('| ' + ' | '.join(cells) + ' |')
    return out


def leader(rows):
    "The better prior of two rows (fewer bits per code), the other one, and the gap in bits per code."
    a, b = sorted(rows, key=lambda r: r['bits_per_code'])
    return a, b, b['bits_per_code'] - a['bits_per_code']


PRIOR_NAMES = {'gpt': 'GPT', 'pixelcnn': 'PixelCNN'}
TARGET_GAIN = 0.25        # the course's goal: a prior at least a quarter below the unigram entropy


@block('prior-nll-demo', DEMO)
def prior_nll_demo(d):
    c, p = d['run']['config'], d['priors']
    rows = [dict(p[k], prior=k) for k in ('gpt', 'pixelcnn')]
    g, q = p['gpt']['model'], p['pixelcnn']['model']
    label = {'gpt': f"GPT ({g['n_layer']} layers, {g['n_head']} heads, {g['n_embd']} wide)",
             'pixelcnn': f"Gated PixelCNN ({q['n_layer']} layers, {q['n_channels']} channels, {q['kernel_size']}×{q['kernel_size']})"}
    grid = c['image_size'] // c['downsample']
    best, other, _ = leader(rows)
    fewer = 'fewer' if best['n_params'] < other['n_params'] else 'more'
    beat = ('Both priors are well below the no-structure baseline (the target was ' + pct(TARGET_GAIN, 0) + ')'
            if all(r['gain_over_unigram'] >= TARGET_GAIN for r in rows) else
            'Not both priors reach the target of ' + pct(TARGET_GAIN, 0) + ' below the no-structure baseline')
    return '\n'.join([
        f"**Prior likelihood** (`{demo_command(d)}`, the `{d['run']['preset']}` preset: both priors trained {c['prior_steps']} steps "
        f"of batch {c['prior_batch_size']} on the same training grids ({grid}×{grid} codes from {c['num_codes']}, less the validation "
        f"part that picks the best checkpoint), evaluated on the {p['gpt']['n_grids']} test grids; `{DEMO}`):", '',
        f"| prior | parameters | bits per code | bits per pixel dimension | below the unigram entropy ({p['gpt']['unigram_entropy_bits']:.3f} bits) |",
        '|---|---|---|---|---|',
        *prior_rows(rows, lambda r: label[r['prior']], lambda r: kparams(r['n_params'])), '',
        f"{beat}; here the {PRIOR_NAMES[best['prior']]} is the better model, with {fewer} parameters."])


NLL, NLL1000 = 'bench/results/prior_nll.json', 'bench/results/prior_nll_1000_steps.json'


def _kv(s: str) -> dict: return dict(kv.split('=') for kv in s.split(','))


@block('prior-nll', NLL)
def prior_nll(d):
    a, rows = d['args'], d['rows']
    g, q = _kv(a['gpt']), _kv(a['pixelcnn'])
    label = {'gpt': f"GPT ({g['n_layer']} layers, {g['n_head']} heads, {g['n_embd']} wide)",
             'pixelcnn': f"Gated PixelCNN ({q['n_layer']} layers, {q['n_channels']} channels)"}
    best, other, gap = leader(rows)
    return '\n'.join([
        f"A larger comparison (`{d['command']}`; the demo's VQ-VAE, {rows[0]['codes']}, {rows[0]['n_grids']:,} test grids; "
        f"both priors {a['prior_steps']} steps, {a['threads']} threads; `{NLL}`):", '',
        f"| prior | parameters | bits per code | bits per pixel dimension | below the unigram entropy ({rows[0]['unigram_entropy_bits']:.3f} bits) "
        f"| training | 64 samples |", '|---|---|---|---|---|---|---|',
        *prior_rows(rows, lambda r: label[r['prior']], lambda r: mparams(r['params']),
                    lambda r: (f"{r['train_seconds']:.0f} s", f"{r['sample64_seconds']:.1f} s")), '',
        f"At this size and step count the {PRIOR_NAMES[best['prior']]}, with {best['params'] / other['params']:.1f}× the parameters, "
        f"is ahead by {gap:.3f} bits per code."])


@block('prior-nll-1000', NLL1000, NLL)
def prior_nll_1000(d, short):
    rows = {r['prior']: r for r in d['rows']}
    g, q = rows['gpt'], rows['pixelcnn']
    best, other, gap = leader(d['rows'])
    before = leader(short['rows'])[0]['prior']
    stays = 'stays' if before == best['prior'] else 'is now'
    bigger = 'bigger ' if best['params'] > other['params'] else 'smaller ' if best['params'] < other['params'] else ''
    cmds = '; '.join(f'`{c}`' for c in d['command'])
    return (f"Trained {g['steps']:,} steps each (batch {g['batch_size']}) on {d['codes']}, with {cmds} "
            f"(`{NLL1000}`), the GPT reaches {g['bits_per_code']:.3f} bits per code ({pct(g['gain_over_unigram'])} below the unigram) "
            f"and the PixelCNN {q['bits_per_code']:.3f} ({pct(q['gain_over_unigram'])}): on these synthetic grids the {bigger}"
            f"{PRIOR_NAMES[best['prior']]} {stays} {gap:.3f} bits ahead.")


SWEEP = 'bench/results/sampling_sweep.json'


def setting(r: dict) -> str:
    "The sampling setting of a sweep row, as the table names it."
    parts = [f'{k.replace("_", "-")} {r[k]:g}' for k in ('top_k', 'top_p') if r.get(k) is not None]
    if r.get('guidance') is not None: parts.append(f"guidance {r['guidance']:.1f}")
    if r.get('temperature') is not None: parts.insert(0, f"temperature {r['temperature']:g}" if r['temperature'] != 1 else 'temperature 1.0')
    return ', '.join(parts) or 'defaults'


@block('sampling-sweep', SWEEP, DEMO_PREV)
def sampling_sweep(d, demo):
    rows = d['rows']
    priors = sorted({PRIOR_NAMES[r['prior']] for r in rows})
    run = f"`{d['run']}`" + (', the previous `small` demo run' if d['run'] == demo['run']['out'] else '')
    lines = [f"**Sampling settings** (`{d['command']}`, {run}; `{SWEEP}` and `.png`): {d['n']} {' and '.join(priors)} samples per "
             f"setting, with the demo's class labels, decoded by the sharp decoder and scored by the suite.", '',
             f"| setting | CNN two-sample accuracy | KID | precision / recall | time to sample {d['n']} grids |", '|---|---|---|---|---|']
    for r in rows:
        lines.append(f"| {setting(r)} | {r['c2st_cnn']:.3f} | {r['kid']:.3f} | {r['precision']:.2f} / {r['recall']:.2f} | {r['sample_seconds']:.1f} s |")
    base = [r for r in rows if setting(r) == 'temperature 1.0']
    if base:
        b, others = base[0], [r for r in rows if r is not base[0]]
        worse = all(r['kid'] > b['kid'] for r in others)
        lo = min(r['c2st_cnn'] for r in rows)
        draw = abs(b['kid'] - demo['realism']['gpt']['kid'])
        lines += ['', ("Every truncation makes the samples *less* like the real images on the lesion features (lower temperature "
                       "collapses them towards plain skin)" if worse else "Not every other setting raises the KID") +
                  f", and none brings the CNN below {lo:.3f}, so the defaults (`vqlesion.prior.SAMPLING`) keep temperature 1 "
                  f"without filtering (guidance: *Sampling settings, measured again* below). Two draws of the same setting differ by about {draw:.1f} in KID "
                  f"({b['kid']:.2f} here, {demo['realism']['gpt']['kid']:.2f} in that demo run), so only the large gaps count."]
    return '\n'.join(lines)


def prior_settings_table(d) -> list:
    "The rows of a sampling sweep with class fidelity, one per prior and setting, as markdown table lines."
    lines = [f"| prior | setting | CNN two-sample accuracy | KID | precision / recall | worst class fidelity | time to sample {d['n']} grids |",
             '|---|---|---|---|---|---|---|']
    for r in d['rows']:
        lines.append(f"| {PRIOR_NAMES[r['prior']]} | {setting(r)} | {r['c2st_cnn']:.3f} | {r['kid']:.3f} | {r['precision']:.2f} / {r['recall']:.2f} "
                     f"| {r['class_fidelity_min_ratio']:.2f} ({r['class_fidelity_min_class']}) | {r['sample_seconds']:.1f} s |")
    return lines


SWEEP_TEX = 'bench/results/sampling_sweep_texture.json'


@block('sampling-sweep-texture', SWEEP_TEX)
def sampling_sweep_texture(d):
    "The sampling settings again, with the decoder's texture added as the demo does: what guidance buys in class fidelity."
    rows, lines = d['rows'], prior_settings_table(d)
    notes = []
    for kind in sorted({r['prior'] for r in rows}):
        mine = [r for r in rows if r['prior'] == kind]
        base = next((r for r in mine if setting(r) == 'temperature 1.0'), None)
        if base is None: continue
        best = max(mine, key=lambda r: r['class_fidelity_min_ratio'])
        notes.append(f"the {PRIOR_NAMES[kind]}'s worst class fidelity goes from {base['class_fidelity_min_ratio']:.2f} at the default to "
                     f"{best['class_fidelity_min_ratio']:.2f} with {setting(best)}, its KID from {base['kid']:.3f} to {best['kid']:.3f} "
                     f"and its CNN two-sample accuracy from {base['c2st_cnn']:.3f} to {best['c2st_cnn']:.3f}")
    lines += ['', 'With the texture, ' + '; '.join(notes) + '.']
    return '\n'.join(lines + ['', source_line(f"`{d['command']}`", f"`{SWEEP_TEX}`; {d['n']} samples per setting with the demo's "
                                              f"labels, drawn with the run's texture (temperature {d['texture']:g})")])


SWEEP_BAL = 'bench/results/sampling_sweep_balanced.json'


@block('sampling-sweep-balanced', SWEEP_BAL, DEMO)
def sampling_sweep_balanced(d, demo):
    "The sweep on the demo run of the tables above (class-balanced priors, the GPT's class embedding): the chosen defaults."
    from vqlesion.prior import SAMPLING
    rows, lines = d['rows'], prior_settings_table(d)
    c = demo['run']['config']
    g = SAMPLING['guidance']
    chosen = {k: next((r for r in rows if r['prior'] == k and r.get('guidance') == g and r.get('temperature') is None
                       and r.get('top_k') is None and r.get('top_p') is None), None) for k in sorted({r['prior'] for r in rows})}
    base = {k: next((r for r in rows if r['prior'] == k and setting(r) == 'temperature 1.0'), None) for k in chosen}
    notes = [f"the {PRIOR_NAMES[k]}'s worst class fidelity {base[k]['class_fidelity_min_ratio']:.2f} → {r['class_fidelity_min_ratio']:.2f}, "
             f"KID {base[k]['kid']:.3f} → {r['kid']:.3f}, CNN two-sample accuracy {base[k]['c2st_cnn']:.3f} → {r['c2st_cnn']:.3f}"
             for k, r in chosen.items() if r is not None and base[k] is not None]
    gpt = demo['priors']['gpt']['model']
    lines = [f"The run's priors train on class-balanced grids (`prior_class_balance` {c['prior_class_balance']:g}), the GPT with "
             f"`pkeep` {gpt['pkeep']:g} and " + ('its class added at every position' if gpt.get('class_embedding') else 'its class as the first token only')
             + (' and setting every LayerNorm' if gpt.get('class_norm') else '')
             + ':', ''] + lines
    at = lambda k, gg: next((r for r in rows if r['prior'] == k and r.get('guidance') == gg and r.get('temperature') is None), None)
    p15, p2 = at('pixelcnn', 1.5), at('pixelcnn', g)
    pix = (f" On these 200 samples the PixelCNN's KID is {p15['kid']:.3f} at guidance 1.5 against {p2['kid']:.3f} at {g:g}, its CNN two-sample "
           f"accuracy {p15['c2st_cnn']:.3f} against {p2['c2st_cnn']:.3f}, its worst class fidelity {p15['class_fidelity_min_ratio']:.2f} against "
           f"{p2['class_fidelity_min_ratio']:.2f}: whether it should sample at another guidance than the GPT is measured on more samples "
           "and training seeds in *Guidance per prior* below." if p15 and p2 and g != 1.5 else '')
    lines += ['', f"Guidance {g:g}, the default of `vqlesion.prior.SAMPLING` (`sample`, `sample_lesions`, the demo and the walkthrough), "
                  f"against temperature 1 without guidance: " + '; '.join(notes) + "." + pix + " Stronger guidance raises the KID faster "
                  "than it lifts the class traits, and truncation (a lower temperature, top-p) loses class traits.",
              '', source_line(f"`{d['command']}`", f"`{SWEEP_BAL}`; {d['n']} samples per setting with the demo's labels, drawn with the "
                                                    f"run's texture (temperature {d['texture']:g})")]
    return '\n'.join(lines)


SWEEP_UP = 'bench/results/sampling_sweep_upsampled.json'


@block('sampling-sweep-upsampled', SWEEP_UP)
def sampling_sweep_upsampled(d):
    "The same sampling settings, decoded coarse to fine: does the library's default still win?"
    rows, lines = d['rows'], prior_settings_table(d)
    kinds = sorted({r['prior'] for r in rows})
    best = {k: min((r for r in rows if r['prior'] == k), key=lambda r: r['kid']) for k in kinds}
    base = {k: next(r for r in rows if r['prior'] == k and setting(r) == 'temperature 1.0') for k in kinds}
    both = [st for st in {setting(r) for r in rows} - {'temperature 1.0'}
            if all(next(r for r in rows if r['prior'] == k and setting(r) == st)['kid'] < base[k]['kid'] for k in kinds)]
    lines += ['', "The lowest KID through the upsampler: " + ', '.join(
                  f"{PRIOR_NAMES[k]} {setting(b)} ({b['kid']:.3f}" + ('' if b is base[k] else f", against {base[k]['kid']:.3f} at temperature 1") + ')'
                  for k, b in best.items()) + ". " +
              (f"Only {', '.join(both)} beats temperature 1 for both priors." if both else
               "No other setting beats temperature 1 for both priors, and each row is one draw, so the upsampler brings no "
               "reason to filter: the defaults keep temperature 1 without filtering.") + f" The best CNN two-sample accuracy is {min(r['c2st_cnn'] for r in rows):.3f}.",
              '', source_line(f"`{d['command']}`", f"`{SWEEP_UP}`")]
    return '\n'.join(lines)


DECODER_SWEEP, DIAGNOSIS = 'bench/results/decoder_sweep.json', 'bench/results/realism_diagnosis.json'


def mean_range(v, fmt: str = '.2f') -> str:
    "Mean over seeds with the range in brackets (one value: just it)."
    return f"{np.mean(v):{fmt}} ({min(v):{fmt}}–{max(v):{fmt}})" if len(v) > 1 else f"{v[0]:{fmt}}"


def scored_classes(rows) -> list:
    "The classes the class-fidelity target counts: those with at least 20 real test images."
    return [c for c, x in rows[0]['class_fidelity'].items() if x['n_real'] >= 20]


def _mean_range(x: dict, fmt: str = '.3f') -> str:
    "{'mean', 'min', 'max'} -> '0.512 (0.43–0.60)'; one run -> '0.512'."
    return f"{x['mean']:{fmt}}" + (f" ({x['min']:{fmt}}–{x['max']:{fmt}})" if x['min'] != x['max'] else '')


@block('decoder-sweep', DECODER_SWEEP)
def decoder_sweep(d):
    lines = [f"**The sharp decoder's losses** (`{d['command']}`; `{DECODER_SWEEP}`): the run's plain decoder fine-tuned "
             f"{d['rows'][0]['steps']} steps per variant and seed (seeds {', '.join(map(str, d['seeds']))}), scored on the demo's "
             f"evaluated test images and on {d['samples']:,} new GPT samples (the same codes for every variant), whose KID is taken "
             f"against all {d['n_train_images']:,} training images. Means over the seeds, with the range:", '',
             '| decoder | reconstruction PSNR (dB) | reconstruction KID | reconstruction CNN two-sample accuracy | '
             'bkl class fidelity of reconstructions | KID of GPT samples |', '|---|---|---|---|---|---|']
    for r in d['summary']:
        bkl = r['recon_class_fidelity_mean'].get('bkl')
        lines.append(f"| {r['variant']} | {_mean_range(r['recon_psnr'], '.2f')} | {_mean_range(r['recon_kid'])} | "
                     f"{_mean_range(r['recon_c2st_cnn'])} | {'–' if bkl is None else f'{bkl:.2f}'} | {_mean_range(r['gpt_samples_kid_vs_train'])} |")
    return '\n'.join(lines)


@block('realism-diagnosis', DIAGNOSIS)
def realism_diagnosis(d):
    pr, rows = d['power_ratio'], {r['images']: r for r in d['c2st']}
    bands = [k for k in pr['plain'] if k != 'nyquist']
    lines = [f"**Why the CNN tells reconstructions from real images** (`{d['command']}`; `{DIAGNOSIS}`; {d['n_images']} test images "
             f"of {d['image_size']} px). The reconstructions' power spectrum over the real images', by band of frequency (cycles per pixel):", '',
             '| decoder | ' + ' | '.join(bands) + ' | at (½, ½) |', '|---|' + '---|' * (len(bands) + 1)]
    for name in ('plain', 'sharp'):
        lines.append(f"| {name} | " + ' | '.join(f"{pr[name][b]:.2f}" for b in bands) + f" | {pr[name]['nyquist']:.1f}× |")
    lines += ['', '| images against the real test images | PSNR (dB) | CNN two-sample accuracy |', '|---|---|---|']
    for r in d['c2st']:
        name = (f"each real image moved {r['alpha']:g} of the way to its sharp reconstruction" if 'alpha' in r else r['images'])
        lines.append(f"| {name} | {r['psnr']:.2f} | {r['c2st_cnn']:.3f} |")
    sharp = rows['sharp reconstructions']
    passing = [r for r in d['c2st'] if 'alpha' in r and r['c2st_cnn'] <= 0.85]
    pooled = rows.get('sharp, average-pooled 4x')
    if passing:
        first = max(passing, key=lambda r: r['alpha'])
        mid = [pr[n][b] for n in ('plain', 'sharp') for b in bands if b not in (bands[0], bands[-1])]
        lines += ['', f"Between {bands[1].split('-')[0]} and {bands[-2].split('-')[1]} cycles per pixel the reconstructions keep "
                  f"{min(mid):.2f}–{max(mid):.2f} of the real images' power, and the transposed convolution's checkerboard adds "
                  f"power at (½, ½). The CNN test falls to the 0.85 target only for images "
                  f"{first['psnr'] - sharp['psnr']:.1f} dB closer to the real ones than the reconstructions ({first['psnr']:.1f} dB "
                  f"against {sharp['psnr']:.1f} dB)" + (f", and it still tells the reconstructions apart {pooled['c2st_cnn']:.2f} of the "
                  f"time when both are average-pooled to one pixel per code" if pooled else '') +
                  ": the 16×16 grid of 128 codes does not hold what the test sees, and a decoder has to invent it."]
    return '\n'.join(lines)


PRIOR_EMA = 'bench/results/prior_ema.json'


@block('prior-ema', PRIOR_EMA)
def prior_ema(d):
    parts = []
    for r in d['rows']:
        emas = ', '.join(f"{v:.3f} with decay {k}" for k, v in r['ema_bits_per_code'].items())
        parts.append(f"the {PRIOR_NAMES[r['prior']]} {r['raw_bits_per_code']:.3f} bits per code with its raw weights, {emas}")
    better = any(v < r['raw_bits_per_code'] for r in d['rows'] for v in r['ema_bits_per_code'].values())
    return (f"**EMA of the priors' weights** (`{d['command']}`; `{PRIOR_EMA}`; each prior trained again with the demo's settings, "
            f"{d['rows'][0]['steps']} steps, scored on the {d['n_test_grids']} test grids): " + '; '.join(parts) + '. ' +
            ("An average of the weights helps here." if better else
             "The cosine schedule already lowers the learning rate to a tenth by the last step, so the last weights are the "
             "settled ones and every average, which still holds earlier weights, is worse: the priors keep no EMA."))


PRIOR_WIDTH = 'bench/results/prior_width.json'


@block('prior-width', PRIOR_WIDTH)
def prior_width(rows):
    "Today's small-demo priors against twice their width, on one demo run, per training seed (bench/prior_sweep.py's *_demo variants)."
    width = {'gpt': 'n_embd', 'pixelcnn': 'n_channels'}
    names = list(dict.fromkeys(r['variant'] for r in rows))
    seeds = sorted({r.get('seed', 0) for r in rows})
    r0 = rows[0]
    lines = [f"**Prior width** (`python bench/prior_sweep.py --run {r0['run']} --variants {','.join(names)} --threads {r0['threads']} "
             f"--big-kid {r0['n_kid_vs_train']} --seed S`, seeds {', '.join(map(str, seeds))}; `{PRIOR_WIDTH}`): the `small` demo's "
             f"priors as they were and at twice the width, {r0['steps']} steps of batch {r0['batch_size']} on that run's codes, "
             f"{r0['n_kid_vs_train']:,} samples each decoded by the run's sharp decoder, their KID taken against every training image. "
             f"Means over the seeds, with the range:", '',
             '| prior | width | bits per code | KID of the samples | training |', '|---|---|---|---|---|']
    for name in names:
        rs = [r for r in rows if r['variant'] == name]
        k = rs[0]['kind']
        lines.append(f"| {PRIOR_NAMES[k]} | {width[k]} {rs[0]['model'][width[k]]} | {mean_range([r['bits_per_code'] for r in rs], '.3f')} | "
                     f"{mean_range([r['kid_vs_train'] for r in rs], '.3f')} | {np.mean([r['train_seconds'] for r in rs]):.0f} s |")
    return '\n'.join(lines)


CLASS_COND = 'bench/results/class_conditioning.json'
CLASS_COND_NAMES = {'class_vector': 'class token + class vector at every position', 'class_norm': '… + adaptive LayerNorms (`class_norm`)'}


@block('class-conditioning', CLASS_COND)
def class_conditioning(d):
    "The small demo's GPT with and without adaptive LayerNorms, over training seeds: class fidelity of many samples (bench/class_conditioning.py)."
    rows = d['rows']
    big = scored_classes(rows)
    seeds = sorted({r['seed'] for r in rows})
    lines = [f"**How the GPT is told its class** (`{d['command']}`; `{CLASS_COND}`): the `small` demo's GPT trained on that run's "
             f"codes with training seeds {', '.join(map(str, seeds))}, {d['n']:,} samples per seed and guidance with the demo's labels "
             "repeated, decoded with the texture as the demo draws them. Class fidelity is the feature network's accuracy on a class's "
             "samples over its accuracy on that class's real test images, for the classes with at least 20 test images; "
             "means over the seeds, with the range:", '',
             '| conditioning | guidance | bits per code | ' + ' | '.join(f'class fidelity {c}' for c in big) + ' | KID | training |',
             '|---|---|---|' + '---|' * len(big) + '---|---|']
    for name in dict.fromkeys(r['variant'] for r in rows):
        for g in sorted({r['guidance'] for r in rows if r['variant'] == name}):
            rs = [r for r in rows if r['variant'] == name and r['guidance'] == g]
            lines.append(f"| {CLASS_COND_NAMES.get(name, name)} | {g:.1f} | {mean_range([r['bits_per_code'] for r in rs], '.3f')} | "
                         + ' | '.join(mean_range([r['class_fidelity'][c]['ratio'] for r in rs]) for c in big)
                         + f" | {mean_range([r['kid'] for r in rs], '.3f')} | {np.mean([r['train_seconds'] for r in rs]):.0f} s |")
    return '\n'.join(lines)


GUIDANCE = 'bench/results/guidance.json'


@block('guidance', GUIDANCE)
def guidance_per_prior(d):
    "Both priors' classifier-free guidance over training seeds and many samples (bench/guidance.py): the basis of the one default."
    from vqlesion.prior import SAMPLING
    rows, g = d['rows'], SAMPLING['guidance']
    big = scored_classes(rows)
    seeds = sorted({r['seed'] for r in rows})
    at = lambda kind, gg: [r for r in rows if r['prior'] == kind and r['guidance'] == gg]
    lines = [f"**Guidance per prior** (`{d['command']}`; `{GUIDANCE}`): both priors trained as the `small` demo trains them, on that "
             f"run's codes, with training seeds {', '.join(map(str, seeds))}; {d['n']:,} samples per seed and guidance with the demo's "
             "labels repeated, decoded with the texture. Worst class fidelity is the lowest over the classes with at least 20 test "
             "images; means over the seeds, with the range:", '',
             '| prior | guidance | worst class fidelity | ' + ' | '.join(f'class fidelity {c}' for c in big) + ' | KID |',
             '|---|---|---|' + '---|' * len(big) + '---|']
    for kind in dict.fromkeys(r['prior'] for r in rows):
        for gg in sorted({r['guidance'] for r in rows if r['prior'] == kind}):
            rs = at(kind, gg)
            lines.append(f"| {PRIOR_NAMES[kind]} | {gg:g} | {mean_range([r['class_fidelity_min_ratio'] for r in rs])} | "
                         + ' | '.join(mean_range([r['class_fidelity'][c]['ratio'] for r in rs]) for c in big)
                         + f" | {mean_range([r['kid'] for r in rs], '.3f')} |")
    notes = []
    for kind in dict.fromkeys(r['prior'] for r in rows):
        lo, hi = sorted(at(kind, 1.5), key=lambda r: r['seed']), sorted(at(kind, g), key=lambda r: r['seed'])
        if not lo or not hi or g == 1.5: continue
        better = sum(b['class_fidelity_min_ratio'] > a['class_fidelity_min_ratio'] for a, b in zip(lo, hi))
        notes.append(f"the {PRIOR_NAMES[kind]}'s worst class fidelity is higher at {g:g} on {words(better)} of {words(len(hi))} seeds "
                     f"(lowest seed {min(r['class_fidelity_min_ratio'] for r in hi):.2f} against "
                     f"{min(r['class_fidelity_min_ratio'] for r in lo):.2f}), its KID {np.mean([r['kid'] for r in hi]):.3f} against "
                     f"{np.mean([r['kid'] for r in lo]):.3f}")
    if notes: lines += ['', f"Guidance {g:g} (`vqlesion.prior.SAMPLING`) against 1.5: " + '; '.join(notes) + '.']
    return '\n'.join(lines)


PRIOR_SWEEP, GRID8 = 'bench/results/prior_sweep.json', 'bench/results/grid_size_8x8.json'


@block('prior-sweep', PRIOR_SWEEP, GRID8, DEMO_PREV)
def prior_sweep(rows, grid8, prev):
    "The prior variants of bench/prior_sweep.py, and the 8x8 code grid against the 16x16 one."
    def change(r):
        base = prev['run']['config'][r['kind']]   # the prior settings of the demo run the sweep trained on
        return ', '.join(f'{k} {v}' for k, v in r['model'].items() if base.get(k) != v) or 'as the previous demo'
    lines = ['| code grid | prior | steps | changed settings | bits per code | KID | FID | precision / recall | training (threads) |',
             '|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        grid = '8×8' if r['run'] != prev['run']['out'] else '16×16'
        lines.append(f"| {grid} | {PRIOR_NAMES[r['kind']]} | {r['steps']} | {change(r)} | {r['bits_per_code']:.3f} | {r['kid']:.3f} "
                     f"| {r['fid']:.1f} | {r['precision']:.2f} / {r['recall']:.2f} | {r['train_seconds']:.0f} s ({r['threads']}) |")
    r16, r8 = prev['realism']['reconstructions'], grid8
    on8 = [r for r in rows if r['run'] != prev['run']['out']]
    on16 = [r for r in rows if r['run'] == prev['run']['out']]
    k8, f8, k16, f16 = ([r[m] for r in rs] for rs, m in ((on8, 'kid'), (on8, 'fid'), (on16, 'kid'), (on16, 'fid')))
    lines += ['', (f"The 8×8 grid (downsample 8, {grid8['over']['num_codes']} codes) trains its priors fastest but reconstructs at "
                   f"{r8['psnr']:.2f} dB against {prev['vqvae']['psnr']:.2f} dB, with KID {r8['kid']:.3f} against {r16['kid']:.3f} and "
                   f"CNN two-sample accuracy {r8['c2st_cnn']:.3f} against {r16['c2st_cnn']:.3f}, and its samples' KID "
                   f"({min(k8):.2f}–{max(k8):.2f}) and FID ({min(f8):.1f}–{max(f8):.1f}) are "
                   f"{'above' if min(k8) > max(k16) and min(f8) > max(f16) else 'not all above'} every 16×16 row's: the demo keeps "
                   f"16×16. Training times are not comparable across rows run with other thread counts or while other jobs "
                   f"shared the cores."),
              '', source_line(f'`{PRIOR_SWEEP}` (`python bench/prior_sweep.py --run RUN --variants NAMES`)',
                              f'`{GRID8}` (`python bench/grid_size.py --src /tmp/ds2 --out RUN8 --set downsample=8 --set num_codes=256`)')]
    return '\n'.join(lines)


GRID32 = 'bench/results/grid_size_32x32.json'


@block('grid-32', GRID32)
def grid_32(d):
    "The small demo at 32x32 code grids (downsample 2) against its 16x16 source run."
    ref, rec = d['reference_16x16'], d['reconstructions']
    pri = {r['kind']: r for r in d['priors']}
    lines = ['| code grid | images | PSNR (dB) | CNN two-sample accuracy | KID | FID | density / coverage | worst class fidelity | training |',
             '|---|---|---|---|---|---|---|---|---|']
    def row(grid, what, r, psnr='', secs=None):
        return (f"| {grid} | {what} | {psnr} | {r['c2st_cnn']:.3f} | {r['kid']:.3f} | {r['fid']:.1f} | {r['density']:.2f} / {r['coverage']:.2f} "
                f"| {r['class_fidelity_min_ratio']:.2f} ({r['class_fidelity_min_class']}) | {'' if secs is None else f'{secs:.0f} s'} |")
    c512 = d['codes_512_16x16']
    lines += [row('16×16', 'reconstructions', ref['reconstructions'], f"{ref['psnr']:.2f}", ref['vqvae_seconds']),
              row(f"16×16, {c512['over']['num_codes']} codes", 'reconstructions', c512, f"{c512['psnr']:.2f}", c512['vqvae_seconds']),
              row('32×32', 'reconstructions', rec, f"{rec['psnr']:.2f}", rec['vqvae_seconds'])]
    for k in PRIOR_NAMES:
        lines += [row('16×16', f'{PRIOR_NAMES[k]} samples', ref['priors'][k], secs=ref['priors'][k]['train_seconds']),
                  row('32×32', f'{PRIOR_NAMES[k]} samples', pri[k], secs=pri[k]['train_seconds'])]
    best = min(pri.values(), key=lambda r: r['kid'])
    lines += ['', (f"Four times the codes bring the reconstructions to the target: CNN two-sample accuracy {rec['c2st_cnn']:.2f} "
                   f"(16×16: {ref['reconstructions']['c2st_cnn']:.2f}), KID {rec['kid']:.3f} against {ref['reconstructions']['kid']:.3f}, "
                   f"and the first `{rec['class_fidelity_min_class']}` reconstructions the classifier recognises "
                   f"({rec['class_fidelity_min_ratio']:.2f} of the real images' accuracy); {c512['over']['num_codes']} codes on the "
                   f"16×16 grid, {math.log2(c512['over']['num_codes']) / math.log2(ref['num_codes']) - 1:.0%} more bits per image, do not (CNN {c512['c2st_cnn']:.2f}, KID {c512['kid']:.3f}). "
                   f"The priors, trained as long as the demo's, "
                   f"do not follow: over 1,024 codes their samples' KID is {best['kid']:.1f} at best, against "
                   f"{min(v['kid'] for v in ref['priors'].values()):.2f} at 16×16, so the demo keeps 16×16 grids. "
                   f"Realistic samples at this rate need a prior that holds the whole image (a coarse grid first, "
                   f"as in VQ-VAE-2, or far longer training), not a better decoder."),
              '', source_line(f"`{GRID32}`: " + '; '.join(f'`{c}`' for c in d['commands']))]
    return '\n'.join(lines)


UPSAMPLER = 'bench/results/code_upsampler.json'


UPSAMPLER_FACT = 'bench/results/code_upsampler_factorised.json'


@block('code-upsampler', UPSAMPLER, UPSAMPLER_FACT)
def code_upsampler(d, fact):
    "The 16x16 priors' samples decoded through chapter 5b's code upsampler and the 32x32 VQ-VAE; the factorised network beside."
    lines = ['| images | decoded | CNN two-sample accuracy | KID | FID | density / coverage | worst class fidelity |',
             '|---|---|---|---|---|---|---|']
    for r in d['rows']:
        lines.append(f"| {r['images']} | {r['route']} | {r['c2st_cnn']:.3f} | {r['kid']:.3f} | {r['fid']:.1f} | {r['density']:.2f} / "
                     f"{r['coverage']:.2f} | {r['class_fidelity_min_ratio']:.2f} ({r['class_fidelity_min_class']}) |")
    def get(rows, images, route): return next(r for r in rows if r['images'] == images and r['route'].startswith(route))
    t1 = 'upsampled, temperature 1'
    gd, gu, pd, pu = (get(d['rows'], i, r) for i, r in (('gpt samples', 'coarse'), ('gpt samples', t1), ('pixelcnn samples', 'coarse'), ('pixelcnn samples', t1)))
    tf, tu = get(d['rows'], 'test images', 'fine codes'), get(d['rows'], 'test images', t1)
    m, t, bits, fb = d['upsampler'], d['train'], d['test_bits_per_fine_code'], fact['test_bits_per_fine_code']
    assert m['subscale'] and not fact['upsampler']['subscale'], 'code_upsampler.json: subscale; code_upsampler_factorised.json: not'
    mode_worse = all(get(d['rows'], i, t1)['kid'] < get(d['rows'], i, 'upsampled, temperature 0')['kid'] for i in ('test images', 'gpt samples', 'pixelcnn samples'))
    lines += ['', (f"The upsampler (`vqlesion.upsampler`, subscale, {d['n_params'] / 1e6:.2f} M parameters, class-conditional; {t['steps']:,} steps "
                   f"of batch {t['batch_size']}, {d['train_seconds']:.0f} s on {words(d['threads'])} threads) predicts the fine codes of "
                   f"the test images at {bits['with_labels']:.2f} bits each ({bits['without_labels']:.2f} without their class). "
                   f"Upsampled, the test images' own coarse codes come out as close to the real images as the fine VQ-VAE's reconstructions "
                   f"of them (KID {tu['kid']:.3f} against {tf['kid']:.3f}, CNN {tu['c2st_cnn']:.3f} against {tf['c2st_cnn']:.3f}). "
                   f"Through it the GPT's samples go from KID {gd['kid']:.3f} to {gu['kid']:.3f} and CNN "
                   f"two-sample accuracy {gd['c2st_cnn']:.3f} to {gu['c2st_cnn']:.3f}, the PixelCNN's from KID {pd['kid']:.3f} to "
                   f"{pu['kid']:.3f} and {pd['c2st_cnn']:.3f} to {pu['c2st_cnn']:.3f} (two halves of the real test set: KID "
                   f"{d['real_floor_kid']:.3f}). " + ("Drawing each fine code gives a lower KID than taking its mode, in every set. "
                   if mode_worse else "Drawing each fine code does not always beat its mode. ")
                   + f"The factorised network (every fine code at once, `--set subscale=false`; `{UPSAMPLER_FACT}`), trained the same way "
                   f"on the same files, needs {fb['with_labels']:.2f} bits per fine code and gives KID {get(fact['rows'], 'test images', t1)['kid']:.3f} "
                   f"for the upsampled test images, {get(fact['rows'], 'gpt samples', t1)['kid']:.3f} for the GPT's samples and "
                   f"{get(fact['rows'], 'pixelcnn samples', t1)['kid']:.3f} for the PixelCNN's."),
              '', source_line(f"`{d['command']}`", f"`{fact['command']}`", f"`{UPSAMPLER}`; the fine run is `bench/grid_size.py --src COARSE --set downsample=2`")]
    return '\n'.join(lines)


DEMO_FINE = 'bench/results/demo_fine_metrics.json'
FINE_ROWS = (('real', 'real: two halves of the test set (the floor)'),
             ('reconstructions_plain', 'reconstructions, 16×16 codes, plain decoder'), ('reconstructions', 'reconstructions, 16×16 codes, sharp decoder'),
             ('reconstructions_fine', 'reconstructions of the fine VQ-VAE, 32×32 codes'),
             ('gpt_plain', 'GPT samples, plain decoder'), ('gpt', 'GPT samples, sharp decoder'), ('gpt_upsampled', 'GPT samples, upsampled to 32×32'),
             ('pixelcnn_plain', 'PixelCNN samples, plain decoder'), ('pixelcnn', 'PixelCNN samples, sharp decoder'),
             ('pixelcnn_upsampled', 'PixelCNN samples, upsampled to 32×32'))


@block('demo-fine', DEMO_FINE)
def demo_fine(d):
    "The `fine` preset: the small demo's sets, plain, sharp and coarse to fine, with the same feature network."
    rz, t, f = d['realism'], d['timings'], d['fine']
    lines = ['| images | CNN two-sample accuracy | KID | FID | precision / recall | density / coverage | worst class fidelity |',
             '|---|---|---|---|---|---|---|']
    for key, label in FINE_ROWS:
        if key not in rz: continue
        m = rz[key]
        worst = '' if key == 'real' else f"{m['class_fidelity_min_ratio']:.2f} ({m['class_fidelity_min_class']})"
        lines.append(f"| {label} | {m['c2st_cnn']:.3f} | {m['kid']:.3f} | {m['fid']:.1f} | {m['precision']:.2f} / {m['recall']:.2f} "
                     f"| {m['density']:.2f} / {m['coverage']:.2f} | {worst} |")
    best = min(('gpt', 'pixelcnn'), key=lambda k: rz[f'{k}_upsampled']['kid'])
    b, plain = rz[f'{best}_upsampled'], rz.get(f'{best}_plain', rz[best])
    up = f['upsampler']
    fine_s = sum(t[k]['seconds'] for k in ('fine_vqvae', 'fine_encode', 'upsampler'))
    lines += ['', (f"The `{d['run']['preset']}` run took {min_sec(t['total_seconds'])} of stage time, of which the coarse-to-fine stages "
                   f"took {min_sec(fine_s)} (fine VQ-VAE {t['fine_vqvae']['seconds']:.0f} s, upsampler {t['upsampler']['seconds']:.0f} s: "
                   f"{up['steps']:,} steps, {up['n_params'] / 1e6:.2f} M parameters, {up['valid_bits_per_fine_code']:.2f} held-out bits per fine code). "
                   f"The fine VQ-VAE reconstructs at {f['vqvae']['psnr']:.2f} dB against {d['vqvae']['psnr']:.2f} dB. "
                   f"The better prior through the upsampler, the {PRIOR_NAMES[best]}, has KID {b['kid']:.3f} against {plain['kid']:.3f} "
                   f"for the same samples through the plain decoder ({b['kid'] / plain['kid']:.0%} of it; our target is half) and CNN two-sample accuracy "
                   f"{b['c2st_cnn']:.3f} against {plain['c2st_cnn']:.3f}.")]
    return '\n'.join(lines + ['', source_line(f'`{DEMO_FINE}`, key `realism`', f'`{demo_command(d)}`')])


# ------------------------------------------------------------------------------------ blocks in markdown
TEXTURE_SWEEP = 'bench/results/texture_sweep.json'


@block('texture-sweep', TEXTURE_SWEEP)
def texture_sweep(d):
    "The decoder's mean against its draws with each texture model (chapter 3c), set by set."
    sets = (('reconstructions', 'reconstructions'), ('gpt', 'GPT samples'), ('pixelcnn', 'PixelCNN samples'))
    lines = ['| images | decoded as | CNN two-sample accuracy | KID vs test | KID vs train | FID vs train | precision / recall | density / coverage | worst class fidelity |',
             '|---|---|---|---|---|---|---|---|---|']
    for key, label in sets:
        for r in (r for r in d['rows'] if r['images'] == key):
            cf = '–' if r['class_fidelity_min_ratio'] is None else f"{r['class_fidelity_min_ratio']:.2f} ({r['class_fidelity_min_class']})"
            lines.append(f"| {label} | {r['variant']} | {r['c2st_cnn']:.3f} | {r['kid_vs_test']:.3f} | {r['kid_vs_train']:.3f} | {r['fid_vs_train']:.1f} "
                         f"| {r['precision']:.2f} / {r['recall']:.2f} | {r['density']:.2f} / {r['coverage']:.2f} | {cf} |")
    rows = {(r['variant'], r['images']): r for r in d['rows']}
    mean = d['rows'][0]['variant']
    default = next(r['variant'] for r in d['rows'] if '(the default' in r['variant'])
    gauss = next((r['variant'] for r in d['rows'] if r['variant'].startswith('Gaussian (')), None)
    def span(variant, key, fmt='.3f'):
        v = [rows[variant, k][key] for k, _ in sets if (variant, k) in rows]
        return f"{min(v):{fmt}}–{max(v):{fmt}}"
    text = (f"Against the decoder's mean, the default texture ({default.split(' (')[0]}) takes the CNN two-sample accuracy of the three sets from "
            f"{span(mean, 'c2st_cnn')} to {span(default, 'c2st_cnn')}, KID against the test images from {span(mean, 'kid_vs_test')} to "
            f"{span(default, 'kid_vs_test')} and the worst class fidelity from {span(mean, 'class_fidelity_min_ratio', '.2f')} to "
            f"{span(default, 'class_fidelity_min_ratio', '.2f')}")
    if gauss: text += (f"; the Gaussian texture reaches {span(gauss, 'c2st_cnn')}, {span(gauss, 'kid_vs_test')} and "
                       f"{span(gauss, 'class_fidelity_min_ratio', '.2f')}")
    lines += ['', text + '.']
    return '\n'.join(lines + ['', source_line(f"`{d['command']}`", f"`{TEXTURE_SWEEP}`; {d['samples']:,} samples per prior and the "
                                              f"{d['n_test_images']} evaluated test images; KID vs train, FID and PRDC against all "
                                              f"{d['n_train_images']:,} training images (which favours the bank: its detail comes from them)")])


COPY_CHECK = 'bench/results/copy_check.json'


@block('copy-check', COPY_CHECK)
def copy_check(d):
    "How close the outputs come to their nearest training image, against real test images (the residual bank's price)."
    lines = ['| images | texture | median RMS distance to the nearest training image (pixels) | ratio to real | on lesion features: ratio to real | near copies |',
             '|---|---|---|---|---|---|']
    for r in d['rows']:
        lines.append(f"| {r['images']} | {r['texture'] or '–'} | {r['median_pixel_rms']:.4f} | {r['pixel_ratio_to_real']:.2f} "
                     f"| {r['feature_ratio_to_real']:.2f} | {r['near_copies']} of {r['n']} |")
    bank = [r for r in d['rows'] if (r['texture'] or '').startswith('bank')]
    lo = min(r['pixel_ratio_to_real'] for r in bank)
    lines += ['', (f"With the bank, the outputs' nearest training images are {lo:.2f}× or more as far as the real test images' "
                   f"({'no closer than real images: no sign of copying' if lo >= 0.95 else 'closer than real images are: the bank copies detail'}); "
                   f"a near copy is an image closer to a training image than the closest 5 % of real test images "
                   f"(RMS {d['near_copy_floor_pixel_rms']:.4f}).")]
    return '\n'.join(lines + ['', source_line(f"`{d['command']}`", f"`{COPY_CHECK}`; {d['n_train_images']:,} training images, "
                                              f"a bank of {d['bank_images']:,}")])


OPEN = re.compile(r'^<!-- numbers: (?P<name>[\w-]+) \((?P<sources>[^)]*)\) -->$', re.M)
CLOSE = '<!-- /numbers -->'
ANY_MARKER = re.compile(r'^<!-- /?numbers\b.*$', re.M)


def load(path: str, root: Path = ROOT, block_name: str = '?'):
    f = root / path
    if not f.exists(): raise NumbersError(f"block {block_name!r}: result file {path} does not exist")
    try: return json.loads(f.read_text(encoding='utf-8'))
    except json.JSONDecodeError as e: raise NumbersError(f"block {block_name!r}: {path} is not valid JSON ({e})") from None


def render(name: str, root: Path = ROOT) -> str:
    "The markdown of block `name`, from its result files under `root`."
    if name not in BLOCKS: raise NumbersError(f"unknown numbers block {name!r} (known: {', '.join(sorted(BLOCKS))}; see tools/readme_numbers.py)")
    b = BLOCKS[name]
    data = [load(s, root, name) for s in b.sources]
    try: return b.render(*data).strip()
    except (KeyError, TypeError, IndexError) as e:
        raise NumbersError(f"block {name!r}: {', '.join(b.sources)} lack what it needs ({type(e).__name__}: {e})") from None


def marker(name: str) -> str: return f"<!-- numbers: {name} ({', '.join(BLOCKS[name].sources)}) -->"


def blocks(text: str, where: str = 'markdown') -> list:
    "The blocks of `text` as (name, start, end, body): body = text[start:end], the lines between the markers (maybe none).\n    Malformed markers raise `NumbersError`."
    found, pos = [], 0
    for m in ANY_MARKER.finditer(text):
        if m.start() < pos: continue
        line = m.group(0)
        o = OPEN.match(line)
        if not o:
            raise NumbersError(f"{where}: {line!r} {'closes no block' if line == CLOSE else 'is not a block marker'} "
                               f"(a block is '<!-- numbers: NAME (FILES) -->' ... '{CLOSE}', each on its own line)")
        name = o.group('name')
        if name not in BLOCKS:
            raise NumbersError(f"{where}: unknown numbers block {name!r} (known: {', '.join(sorted(BLOCKS))}; see tools/readme_numbers.py)")
        want = ', '.join(BLOCKS[name].sources)
        if o.group('sources') != want:
            raise NumbersError(f"{where}: block {name!r} names ({o.group('sources')}) but tools/readme_numbers.py reads ({want})")
        end = text.find('\n' + CLOSE, m.end())
        nxt = OPEN.search(text, m.end())
        if end < 0 or (nxt and nxt.start() < end):
            raise NumbersError(f"{where}: block {name!r} has no '{CLOSE}' line before the next block or the end")
        start, close = m.end() + 1, end + 1          # the body: from the line after the opener to the closing line
        found.append((name, start, close, text[start:close]))
        pos = close + len(CLOSE)
    return found


def fill(text: str, root: Path = ROOT, where: str = 'markdown') -> tuple:
    "`text` with every block rewritten from its files, and the names of the blocks whose text changed."
    out, last, stale = [], 0, []
    for name, start, end, body in blocks(text, where):
        new = render(name, root)
        if body.strip() != new: stale.append(name)
        out += [text[last:start], new + '\n']
        last = end
    return ''.join(out) + text[last:], stale


# result-like numbers: decimals, percentages, speed-ups, durations and rates (integers such as '64 px' or
# '400 steps' are settings, and stay free)
RESULT_NUMBER = re.compile(r'(?<![\w.])\d[\d,]*\.\d+(?![\w.])|\d+(?:\.\d+)?\s?%|\d+(?:\.\d+)?×(?!\d)'
                           r'|\d+(?:\.\d+)?\s?(?:ms|s|seconds?|min|minutes?|hours?)\b|\d+/s\b')
NOT_RESULTS = re.compile(r'Python \d+\.\d+|Apache \d+\.\d+')     # versions, not results


def hand_typed(text: str) -> list:
    "Result-like numbers outside blocks, code blocks and inline code, as (line number, line)."
    spans = [(s, e) for _, s, e, _ in blocks(text)]
    found, fenced, offset = [], False, 0
    for i, line in enumerate(text.split('\n'), 1):
        here, offset = offset, offset + len(line) + 1
        if line.lstrip().startswith('```'): fenced = not fenced; continue
        if fenced or any(s <= here < e for s, e in spans): continue
        prose = NOT_RESULTS.sub('', re.sub(r'`[^`]*`', '', line))
        if RESULT_NUMBER.search(prose): found.append((i, line.strip()))
    return found


DEMO_TINY2 = 'bench/results/demo_tiny_threads2_metrics.json'
NOT_RESULTS_KEYS = {'timings', 'finished', 'out', 'torch_threads'}     # wall clock, dates, paths and the setting compared


def _values(x, path=''):
    "A metrics.json flattened to {dotted path: value}, without the keys that differ between any two runs."
    if isinstance(x, dict): return {k: v for key, val in x.items() if key not in NOT_RESULTS_KEYS for k, v in _values(val, f'{path}{key}.').items()}
    if isinstance(x, list): return {k: v for i, val in enumerate(x) for k, v in _values(val, f'{path}{i}.').items()}
    return {path[:-1]: x}


@block('determinism', DEMO_TINY, DEMO_TINY2)
def determinism(a, b):
    va, vb = _values(a), _values(b)
    differ = [k for k in va if va[k] != vb.get(k)]
    ta, tb = a['run']['torch_threads'], b['run']['torch_threads']
    if a['run']['config'] != b['run']['config'] or a['run']['seed'] != b['run']['seed']:
        raise NumbersError(f"block 'determinism': {DEMO_TINY} and {DEMO_TINY2} must be runs of one config and seed")
    bits = ('the same' if all(va[f'priors.{p}.bits_per_code'] == vb[f'priors.{p}.bits_per_code'] for p in ('gpt', 'pixelcnn'))
            else 'different')
    return (f"On our machine `vqlesion demo --preset tiny` with the same seed and `--threads {ta}` and then `--threads {tb}` "
            f"(`{DEMO_TINY}`, `{DEMO_TINY2}`) agree in {len(va) - len(differ)} of the {len(va)} values of `metrics.json` "
            f"and differ in {len(differ)}: VQ-VAE PSNR {va['vqvae.psnr']:.4f} against {vb['vqvae.psnr']:.4f} dB, KID of the GPT "
            f"samples {va['realism.gpt.kid']:.4f} against {vb['realism.gpt.kid']:.4f}; the priors' bits per code came out {bits}.")
