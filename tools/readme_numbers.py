"""The result numbers of README.md and the docs home page, rendered from committed result files.

Every result number of `nbs/index.ipynb` sits in a generated block of a markdown cell, `<!-- numbers: NAME (FILES) -->`
... `<!-- /numbers -->`, whose text the renderer registered here as NAME makes from FILES (`bench/results/*.json`).
`python tools/sync_readme.py` rewrites the blocks, then README.md; `--check` (CI) fails when a block or README.md is not
what the files give, or when a result number is typed by hand outside a block. The home page holds only the headline:
every experiment's numbers are in the results chapter (`nbs/10_results.ipynb`), made by its code cells from the files.
"""
import json, re
from pathlib import Path
from typing import Callable, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
DEMO, TINY = 'bench/results/demo_small_metrics.json', 'bench/results/demo_tiny_metrics.json'


class Block(NamedTuple):   # sources: result files relative to the repository root, in the order `render` takes them
    name: str; sources: tuple; render: Callable

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

def min_sec(s: float) -> str: return f'{int(s // 60)} min {s % 60:.0f} s'


@block('demo-time', DEMO, TINY)
def demo_time(d, tiny):
    return (f"On our 2-core development machine (a laptop-class CPU) the `{d['run']['preset']}` preset took "
            f"{min_sec(d['timings']['total_seconds'])} with `--threads {d['run']['torch_threads']}`, and `--preset tiny` "
            f"{tiny['timings']['total_seconds']:.0f} s.")


SETS = (('real', 'real test images, two halves (the floor)'), ('reconstructions', 'reconstructions'),
        ('gpt', 'GPT samples'), ('pixelcnn', 'PixelCNN samples'))


@block('headline', DEMO, TINY)
def headline(d, tiny):
    "The default pipeline's main numbers: the VQ-VAE, both priors, the suite's rows of the sets the demo shows, its time."
    v, p, rz, c, r = d['vqvae'], d['priors'], d['realism'], d['run']['config'], d['run']
    grid = c['image_size'] // c['downsample']
    rows = [('VQ-VAE reconstruction', f"PSNR {v['psnr']:.2f} dB, SSIM {v['ssim']:.3f} ({c['image_size']} px, {grid}×{grid} codes of {v['num_codes']})")]
    rows += [(f'{name} prior', f"{p[k]['bits_per_code']:.3f} bits per code held out, {100 * p[k]['gain_over_unigram']:.1f} % below the "
                               f"unigram entropy ({p[k]['unigram_entropy_bits']:.3f} bits)") for k, name in (('gpt', 'GPT'), ('pixelcnn', 'PixelCNN'))]
    for key, label in SETS:
        m = rz[key]
        cells = [f"CNN two-sample accuracy {m['c2st_cnn']:.3f}", f"KID {m['kid']:.3f}", f"FID {m['fid']:.1f}"]
        if key in ('gpt', 'pixelcnn'): cells.append(f"worst class fidelity {m['class_fidelity_min_ratio']:.2f} (`{m['class_fidelity_min_class']}`)")
        if m.get('copy_rate') is not None: cells.append(f"copy rate {100 * m['copy_rate']:.0f} %")
        rows.append((label, ' · '.join(cells)))
    rows.append(('`vqlesion demo` time', f"{min_sec(d['timings']['total_seconds'])} (`{r['preset']}`, {r['torch_threads']} threads); "
                                        f"`--preset tiny` {tiny['timings']['total_seconds']:.0f} s"))
    return '\n'.join(['| | the default pipeline, `small` preset |', '|---|---|', *(f'| {a} | {b} |' for a, b in rows), '',
                      f"*`{DEMO}` (`vqlesion demo --preset {r['preset']} --seed {r['seed']} --threads {r['torch_threads']}`, "
                      f"{c['eval_images']} test images). CNN two-sample accuracy: how often a small CNN tells the set from real "
                      "images (0.5: chance; target at most 0.85). KID, FID: distance on lesion features. Class fidelity: a lesion "
                      "classifier's accuracy on a class's samples over that on real ones (target 0.8).*"])


OPEN = re.compile(r'^<!-- numbers: (?P<name>[\w-]+) \((?P<sources>[^)]*)\) -->$', re.M)
CLOSE = '<!-- /numbers -->'
ANY_MARKER = re.compile(r'^<!-- /?numbers\b.*$', re.M)


def load(path: str, root: Path = ROOT, block_name: str = '?'):
    f = root / path
    if not f.exists(): raise NumbersError(f"block {block_name!r}: result file {path} does not exist")
    try: return json.loads(f.read_text(encoding='utf-8'))
    except json.JSONDecodeError as e: raise NumbersError(f"block {block_name!r}: {path} is not valid JSON ({e})") from None


def known() -> str: return f"known: {', '.join(sorted(BLOCKS))}; see tools/readme_numbers.py"

def render(name: str, root: Path = ROOT) -> str:
    "The markdown of block `name`, from its result files under `root`."
    if name not in BLOCKS: raise NumbersError(f"unknown numbers block {name!r} ({known()})")
    b = BLOCKS[name]
    data = [load(s, root, name) for s in b.sources]
    try: return b.render(*data).strip()
    except (KeyError, TypeError, IndexError) as e:
        raise NumbersError(f"block {name!r}: {', '.join(b.sources)} lack what it needs ({type(e).__name__}: {e})") from None


def marker(name: str) -> str: return f"<!-- numbers: {name} ({', '.join(BLOCKS[name].sources)}) -->"

def blocks(text: str, where: str = 'markdown') -> list:
    "The blocks of `text` as (name, start, end, body), body = text[start:end] (the lines between the markers). Malformed markers raise `NumbersError`."
    found, pos = [], 0
    for m in ANY_MARKER.finditer(text):
        if m.start() < pos: continue
        line, o = m.group(0), OPEN.match(m.group(0))
        if not o:
            raise NumbersError(f"{where}: {line!r} {'closes no block' if line == CLOSE else 'is not a block marker'} "
                               f"(a block is '<!-- numbers: NAME (FILES) -->' ... '{CLOSE}', each on its own line)")
        name = o.group('name')
        if name not in BLOCKS: raise NumbersError(f"{where}: unknown numbers block {name!r} ({known()})")
        want = ', '.join(BLOCKS[name].sources)
        if o.group('sources') != want:
            raise NumbersError(f"{where}: block {name!r} names ({o.group('sources')}) but tools/readme_numbers.py reads ({want})")
        end, nxt = text.find('\n' + CLOSE, m.end()), OPEN.search(text, m.end())
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


# result-like numbers: decimals, percentages, speed-ups, durations and rates (integers such as '64 px' or '400 steps' are settings)
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
