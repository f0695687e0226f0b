#!/usr/bin/env python
"""Regenerate the result numbers of nbs/index.ipynb, the docs site's home page, then write README.md from it.

    python tools/sync_readme.py           # rewrite the numbers blocks of nbs/index.ipynb, then README.md
    python tools/sync_readme.py --check   # change nothing; exit 1 naming what is stale (CI runs this)

1. Numbers. Every result number of the home page lives in a block of a markdown cell,
   `<!-- numbers: NAME (FILES) -->` ... `<!-- /numbers -->`, whose text `tools/readme_numbers.py` renders
   from committed result files (`bench/results/*.json`). After rerunning a benchmark, commit its JSON and
   run this script. `--check` fails naming each block whose text differs from what its files give, and
   each result-like number (a decimal, a percentage, a speed-up, a duration) typed outside a block.
2. README. `nbdev_readme` does this with Quarto, which our machines lack. This script takes the home
   page's markdown cells in order (code cells and their figures are left out: the README shows figures
   as image files), turns relative links and image paths (`10_results.ipynb`, `images/x.jpg`, relative to
   `nbs/`) into paths relative to the repository root, and puts a note on top saying where the text comes
   from. `--check` fails if README.md differs.

The notebook is written as `nbdev_clean` leaves it (only markdown sources change), so CI's clean check holds.
"""
import argparse, difflib, json, re, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from readme_numbers import BLOCKS, NumbersError, fill, hand_typed   # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTE = '<!-- Generated from nbs/index.ipynb by tools/sync_readme.py: edit the notebook, then run the script. -->'
INDEX = Path('nbs') / 'index.ipynb'


def readme_text(index, nbs_dir: str = 'nbs', nb: dict | None = None) -> str:
    "The README for the notebook `index` (or its loaded `nb`): its markdown cells, relative links and images rebased from `nbs/` to the root."
    cells = (nb or json.loads(Path(index).read_text(encoding='utf-8')))['cells']
    parts = [''.join(c['source']).strip() for c in cells if c['cell_type'] == 'markdown']
    if not parts or not parts[0].startswith('# '):
        raise SystemExit(f"{index}: the first markdown cell must be the '# title' heading")
    title, rest = parts[0].split('\n', 1) if '\n' in parts[0] else (parts[0], '')
    body = '\n\n'.join([title, NOTE + ('\n' + rest.rstrip() if rest.strip() else '')] + parts[1:])

    def rebase(m):
        bang, text, url = m.groups()
        if re.match(r'^(?:[a-z]+:|/|#)', url): return m.group(0)   # absolute URLs and anchors stay
        return f'{bang}[{text}]({nbs_dir}/{url})'
    return re.sub(r'(!?)\[([^\]]*)\]\(([^)\s]+)\)', rebase, body) + '\n'


def notebook_json(nb: dict) -> str:
    "The notebook as nbdev_clean writes it (one-space indent, UTF-8 kept, a final newline)."
    return json.dumps(nb, indent=1, ensure_ascii=False) + '\n'


def regenerate(nb: dict, root: Path = ROOT, where: str = str(INDEX)) -> tuple:
    "Rewrite the numbers blocks of every markdown cell of `nb` in place; returns (stale block names, hand-typed numbers)."
    stale, typed = [], []
    for i, c in enumerate(nb['cells']):
        if c['cell_type'] != 'markdown': continue
        text = ''.join(c['source'])
        new, changed = fill(text, root, f'{where} cell {i}')
        stale += changed
        typed += [(i, n, line) for n, line in hand_typed(new)]
        if new != text:   # keep the cell's own source layout: one string, or a list of lines
            c['source'] = new if isinstance(c['source'], str) else new.splitlines(keepends=True)
    return stale, typed


def main(argv=None, root: Path = ROOT) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--check', action='store_true', help='change nothing; exit 1 if a numbers block or README.md is stale')
    args = p.parse_args(argv)
    index, path = root / INDEX, root / 'README.md'
    raw = index.read_text(encoding='utf-8')
    nb = json.loads(raw)
    try: stale, typed = regenerate(nb, root)
    except NumbersError as e:
        print(f'sync_readme: error: {e}', file=sys.stderr); return 2
    want = readme_text(index, nb=nb)
    have = path.read_text(encoding='utf-8') if path.exists() else ''
    ok = True
    for i, n, line in typed:
        print(f"{INDEX} cell {i}, line {n}: a result number typed by hand outside a numbers block: {line[:120]!r} "
              f"(render it in tools/readme_numbers.py, or reword it)", file=sys.stderr); ok = False
    if args.check:
        for name in stale:
            print(f"{INDEX}: numbers block {name!r} is stale: its text differs from what {', '.join(BLOCKS[name].sources)} "
                  f"give (run `python tools/sync_readme.py`)", file=sys.stderr); ok = False
        if have != want:
            diff = list(difflib.unified_diff(have.splitlines(), want.splitlines(), 'README.md', 'from nbs/index.ipynb', lineterm='', n=1))
            print('README.md is out of step with nbs/index.ipynb; run `python tools/sync_readme.py`:', *diff[:20], sep='\n', file=sys.stderr)
            ok = False
        return 0 if ok else 1
    if notebook_json(nb) != raw: index.write_text(notebook_json(nb), encoding='utf-8'); print(f'wrote {index} ({", ".join(stale)})')
    if have != want: path.write_text(want, encoding='utf-8'); print(f'wrote {path}')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
