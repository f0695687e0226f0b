#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb, the docs site's home page: one source for both.

`nbdev_readme` does this with Quarto, which our machines lack. This script takes the home page's
markdown cells in order (code cells and their figures are left out: the README shows figures as
image files), turns image paths relative to `nbs/` into paths relative to the repository root, and
puts a note on top saying where the text comes from.

    python tools/sync_readme.py           # rewrite README.md
    python tools/sync_readme.py --check   # exit 1, naming the first difference, if README.md is stale
"""
import argparse, difflib, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTE = '<!-- Generated from nbs/index.ipynb by tools/sync_readme.py: edit the notebook, then run the script. -->'


def readme_text(index: Path, nbs_dir: str = 'nbs') -> str:
    "The README for the notebook `index`: its markdown cells, image links rebased from `nbs/` to the root."
    cells = json.loads(index.read_text(encoding='utf-8'))['cells']
    parts = [''.join(c['source']).strip() for c in cells if c['cell_type'] == 'markdown']
    if not parts or not parts[0].startswith('# '):
        raise SystemExit(f"{index}: the first markdown cell must be the '# title' heading")
    title, rest = parts[0].split('\n', 1) if '\n' in parts[0] else (parts[0], '')
    body = '\n\n'.join([title, NOTE + ('\n' + rest.rstrip() if rest.strip() else '')] + parts[1:])

    def rebase(m):
        alt, url = m.group(1), m.group(2)
        if re.match(r'^(?:[a-z]+:|/|#)', url): return m.group(0)   # absolute URLs and anchors stay
        return f'![{alt}]({nbs_dir}/{url})'
    return re.sub(r'!\[([^\]]*)\]\(([^)\s]+)\)', rebase, body) + '\n'


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--check', action='store_true', help='only compare; exit 1 if README.md differs')
    args = p.parse_args(argv)
    want, path = readme_text(ROOT / 'nbs' / 'index.ipynb'), ROOT / 'README.md'
    have = path.read_text(encoding='utf-8') if path.exists() else ''
    if args.check:
        if have == want: return 0
        diff = list(difflib.unified_diff(have.splitlines(), want.splitlines(), 'README.md', 'from nbs/index.ipynb', lineterm='', n=1))
        print('README.md is out of step with nbs/index.ipynb; run `python tools/sync_readme.py`:', *diff[:20], sep='\n', file=sys.stderr)
        return 1
    if have != want: path.write_text(want, encoding='utf-8'); print(f'wrote {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
