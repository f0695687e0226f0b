"""The README's and the home page's result numbers come from committed result files (`tools/readme_numbers.py`,
`tools/sync_readme.py`): regenerating changes nothing at the committed state, a changed JSON makes `--check` fail
naming its block, and a number typed by hand outside a block is refused. The results chapter (`nbs/10_results.ipynb`)
stores the tables its code cells make from the same files: re-running it gives the stored tables, and every
committed result file is shown there.

    python -m pytest -q tests/test_numbers.py
"""
import importlib, json, os, re, shutil, subprocess, sys
from pathlib import Path

import nbformat, pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))
sync = importlib.import_module('sync_readme')
rn = importlib.import_module('readme_numbers')
INDEX = Path('nbs') / 'index.ipynb'


@pytest.fixture
def repo(tmp_path):
    "A copy of what the script reads and writes: the home page, the README and the result files."
    for rel in [INDEX, Path('README.md'), *(p.relative_to(ROOT) for p in (ROOT / 'bench' / 'results').glob('*.json'))]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    return tmp_path


def edit_json(root, rel, fn):
    p = root / rel
    d = json.loads(p.read_text()); fn(d); p.write_text(json.dumps(d, indent=2) + '\n')


def edit_index(root, fn):
    p = root / INDEX
    nb = json.loads(p.read_text(encoding='utf-8')); fn(nb); p.write_text(sync.notebook_json(nb), encoding='utf-8')


def snapshot(root): return {p: p.read_bytes() for p in (root / INDEX, root / 'README.md')}


def test_committed_state_is_fresh(repo, capsys):
    "At the committed state every block, and README.md, is what the result files give: regenerating writes nothing."
    assert sync.main(['--check']) == 0, capsys.readouterr().err
    before = snapshot(repo)
    assert sync.main([], root=repo) == 0
    assert snapshot(repo) == before


def test_every_block_is_used_once():
    "Each registered renderer has exactly one block in the home page (no orphan renderers, no duplicates)."
    text = '\n'.join(''.join(c['source']) for c in json.loads((ROOT / INDEX).read_text())['cells'] if c['cell_type'] == 'markdown')
    names = [b[0] for b in rn.blocks(text)]
    assert sorted(names) == sorted(rn.BLOCKS), set(names) ^ set(rn.BLOCKS)


DEMO = 'bench/results/demo_small_metrics.json'


def test_changed_json_makes_check_fail_naming_the_block(repo, capsys):
    edit_json(repo, DEMO, lambda d: d['priors']['gpt'].update(bits_per_code=3.9))
    before = snapshot(repo)
    assert sync.main(['--check'], root=repo) == 1
    err = capsys.readouterr().err
    assert f"numbers block 'headline' is stale: its text differs from what {DEMO}, bench/results/demo_tiny_metrics.json give" in err
    assert 'README.md is out of step' in err
    assert "'demo-time'" not in err                                           # only the block whose text the number is in
    assert snapshot(repo) == before                                           # --check writes nothing
    # regenerating puts the new number in the notebook and the README, and the check passes again
    assert sync.main([], root=repo) == 0
    for p in snapshot(repo): assert '| GPT prior | 3.900 bits per code held out,' in p.read_text(encoding='utf-8')
    assert sync.main(['--check'], root=repo) == 0


def test_headline_shows_the_copy_check_when_the_suite_has_it(repo):
    "The default pipeline's rows come from `realism`; a `copy_rate` there is shown, and its absence is no error."
    text = lambda: (repo / 'README.md').read_text(encoding='utf-8')
    assert sync.main([], root=repo) == 0 and 'copy rate' not in text()
    edit_json(repo, DEMO, lambda d: [d['realism'][k].update(copy_rate=r) for k, r in (('gpt', 0.015), ('pixelcnn', 0.0))])
    assert sync.main([], root=repo) == 0
    assert '| GPT samples | CNN two-sample accuracy' in text() and '· copy rate 2 % |' in text() and '· copy rate 0 % |' in text()
    assert sync.main(['--check'], root=repo) == 0


def test_regenerated_notebook_is_valid_and_clean(repo):
    "The notebook the script writes validates and is what nbdev_clean leaves (CI's clean check holds)."
    edit_json(repo, DEMO, lambda d: d['vqvae'].update(psnr=31.5))
    assert sync.main([], root=repo) == 0
    nb = repo / INDEX
    nbformat.validate(nbformat.read(nb, as_version=4))
    written = nb.read_bytes()
    assert b'| VQ-VAE reconstruction | PSNR 31.50 dB' in written
    subprocess.run([str(Path(sys.executable).parent / 'nbdev_clean'), '--fname', str(nb)], cwd=ROOT, check=True, capture_output=True)
    assert nb.read_bytes() == written


def test_stale_readme_fails(repo, capsys):
    p = repo / 'README.md'
    p.write_text(p.read_text().replace('## Quick start', '## Quickstart'))
    assert sync.main(['--check'], root=repo) == 1
    assert 'README.md is out of step with nbs/index.ipynb' in capsys.readouterr().err


def _quick_start(fn):
    "Edit the home page's Quick start cell; its index."
    cells = json.loads((ROOT / INDEX).read_text(encoding='utf-8'))['cells']
    i = next(i for i, c in enumerate(cells) if ''.join(c['source']).startswith('## Quick start'))
    def edit(nb): nb['cells'][i]['source'] = fn(''.join(nb['cells'][i]['source']))
    return edit, i


@pytest.mark.parametrize('typed', ['PSNR 31.2 dB on this run.', 'the GPT is 40 % below the unigram.',
                                   'sampling is 6.3× faster.', 'the demo takes 27 minutes.', 'it draws 470/s.'])
def test_hand_typed_result_number_fails(repo, capsys, typed):
    edit, i = _quick_start(lambda s: s.replace('## Quick start\n', f'## Quick start\n\nHere {typed}\n'))
    edit_index(repo, edit)
    assert sync.main(['--check'], root=repo) == 1
    err = capsys.readouterr().err
    assert f'nbs/index.ipynb cell {i}, line' in err and 'typed by hand outside a numbers block' in err and typed in err


def test_settings_versions_and_code_are_not_results():
    "Integers (settings), versions, code spans and code blocks are free; only result-like numbers are flagged."
    text = ('Python 3.10+ and Apache 2.0; 64 px, 1,000 steps, 16×16 grids; `--top-p 0.95`\n'
            '```bash\nvqlesion sample --temperature 0.7\n```\n')
    assert rn.hand_typed(text) == []
    assert [n for n, _ in rn.hand_typed(text + 'PSNR 29.8 dB\n')] == [5]


def test_blocks_fill_an_empty_block_and_keep_the_rest():
    text = f"before\n{rn.marker('demo-time')}\n{rn.CLOSE}\nafter 29.8\n"
    new, stale = rn.fill(text)
    assert stale == ['demo-time'] and new.startswith('before\n' + rn.marker('demo-time') + '\nOn our 2-core')
    assert new.endswith(f'.\n{rn.CLOSE}\nafter 29.8\n')
    assert rn.fill(new) == (new, [])                                   # a filled block is stable
    assert [n for n, _ in rn.hand_typed(new)] == [5]                   # the numbers inside the block are allowed


@pytest.mark.parametrize('markdown, message', [
    ('<!-- numbers: nope (x.json) -->\n<!-- /numbers -->', "unknown numbers block 'nope'"),
    ('<!-- numbers: demo-time (other.json) -->\n<!-- /numbers -->', "block 'demo-time' names (other.json) but tools/readme_numbers.py reads"),
    (f'<!-- numbers: demo-time ({DEMO}, bench/results/demo_tiny_metrics.json) -->\ntext', "block 'demo-time' has no '<!-- /numbers -->' line"),
    ('<!-- /numbers -->', 'closes no block'),
    ('<!-- numbers demo-time -->', 'is not a block marker'),
])
def test_malformed_blocks_give_one_line_errors(repo, capsys, markdown, message):
    edit, i = _quick_start(lambda s: s + '\n\n' + markdown + '\n')
    edit_index(repo, edit)
    assert sync.main(['--check'], root=repo) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and '\n' not in err and err.startswith(f'sync_readme: error: nbs/index.ipynb cell {i}')


def test_missing_or_incomplete_result_file_names_block_and_file(repo, capsys):
    tiny = 'bench/results/demo_tiny_metrics.json'
    (repo / tiny).unlink()
    assert sync.main(['--check'], root=repo) == 2
    assert f"block 'demo-time': result file {tiny} does not exist" in capsys.readouterr().err
    (repo / tiny).write_text('{"threads": 1}')
    assert sync.main(['--check'], root=repo) == 2
    assert f"block 'demo-time': {DEMO}, {tiny} lack what it needs (KeyError" in capsys.readouterr().err


RESULTS_NB = ROOT / 'nbs' / '10_results.ipynb'


def _shown(nb) -> list:
    "What each code cell of a notebook shows as markdown (the results chapter's tables and sentences), cell by cell."
    return [[''.join(o['data']['text/markdown']) for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {})]
            for c in nb['cells'] if c['cell_type'] == 'code']


def test_results_chapter_shows_what_the_files_give(tmp_path):
    "Run the results chapter afresh: every table and sentence its cells show is what they show from today's result files."
    nbclient = pytest.importorskip('nbclient')
    nb = nbformat.read(RESULTS_NB, as_version=4)
    stored = _shown(nb)
    env = {**{k: v for k, v in os.environ.items() if k != 'MPLBACKEND'}, 'MPLCONFIGDIR': str(tmp_path)}   # the kernel's inline figures
    nbclient.NotebookClient(nb, kernel_name='python3', timeout=300, resources={'metadata': {'path': str(RESULTS_NB.parent)}}).execute(env=env)
    fresh = _shown(nb)
    assert sum(map(len, stored)) >= 20, 'the results chapter stores too few tables: run it (CONTRIBUTING.md) and commit it'
    stale = [i for i, (a, b) in enumerate(zip(stored, fresh)) if a != b]
    assert not stale and len(stored) == len(fresh), (f"code cells {stale} of nbs/10_results.ipynb show other numbers than their result "
                                                     "files give: run the notebook again and commit it")


def test_every_result_file_is_in_the_results_chapter():
    "No committed result sits unread: each bench/results/*.json is loaded by the results chapter."
    src = '\n'.join(''.join(c['source']) for c in json.loads(RESULTS_NB.read_text(encoding='utf-8'))['cells'] if c['cell_type'] == 'code')
    files = sorted(p.name for p in (ROOT / 'bench' / 'results').glob('*.json'))
    assert len(files) >= 20 and not [f for f in files if f"'{f}'" not in src], [f for f in files if f"'{f}'" not in src]


def test_bench_readme_names_every_script_and_result():
    "bench/README.md has a line for each script, and each result file it names exists."
    text = (ROOT / 'bench' / 'README.md').read_text(encoding='utf-8')
    scripts = sorted(p.name for p in (ROOT / 'bench').glob('*.py') if p.name != 'common.py')
    assert not [s for s in scripts if f'`{s}`' not in text and f'bench/{s}' not in text], scripts
    named = set(re.findall(r'results/([\w.{},-]+\.json)', text))
    missing = [n for n in named if '{' not in n and not (ROOT / 'bench' / 'results' / n).exists()]
    assert named and not missing, missing


def test_readme_is_a_landing_page():
    "The README (the home page) stays short, and neither it nor the results chapter names a scratch run folder."
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    assert len(readme.splitlines()) <= 150, f'README.md has {len(readme.splitlines())} lines: the landing page holds at most 150'
    shown = '\n'.join(t for cell in _shown(json.loads(RESULTS_NB.read_text(encoding='utf-8'))) for t in cell)
    for name, text in (('README.md', readme), ('nbs/10_results.ipynb', shown)):
        assert not re.findall(r'/work/|/tmp/', text), f'{name} names a scratch path'
