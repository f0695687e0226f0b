"""The README's and the home page's result numbers come from committed result files (`tools/readme_numbers.py`,
`tools/sync_readme.py`): regenerating changes nothing at the committed state, a changed JSON makes `--check` fail
naming its block, and a number typed by hand outside a block is refused.

    python -m pytest -q tests/test_numbers.py
"""
import importlib, json, shutil, subprocess, sys
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


def test_changed_json_makes_check_fail_naming_the_block(repo, capsys):
    edit_json(repo, 'bench/results/prior_nll.json', lambda d: d['rows'][0].update(bits_per_code=3.9))
    before = snapshot(repo)
    assert sync.main(['--check'], root=repo) == 1
    err = capsys.readouterr().err
    assert "numbers block 'prior-nll' is stale: its text differs from what bench/results/prior_nll.json give" in err
    assert 'README.md is out of step' in err
    assert "'prior-nll-demo'" not in err and "'sampling-sweep'" not in err       # only the block that reads the file
    assert snapshot(repo) == before                                           # --check writes nothing
    # regenerating puts the new number in the notebook and the README, and the check passes again
    assert sync.main([], root=repo) == 0
    for p in snapshot(repo): assert '| GPT (4 layers, 4 heads, 128 wide) | 0.84 M | 3.900 |' in p.read_text(encoding='utf-8')
    assert sync.main(['--check'], root=repo) == 0


def test_regenerated_notebook_is_valid_and_clean(repo):
    "The notebook the script writes validates and is what nbdev_clean leaves (CI's clean check holds)."
    edit_json(repo, 'bench/results/vqvae_speed_interleaved.json', lambda d: d['seconds_per_step_median'].update(ours=0.5))
    assert sync.main([], root=repo) == 0
    nb = repo / INDEX
    nbformat.validate(nbformat.read(nb, as_version=4))
    written = nb.read_bytes()
    assert b'median 0.242 s per step for classic, 0.500 s for ours' in written
    subprocess.run([str(Path(sys.executable).parent / 'nbdev_clean'), '--fname', str(nb)], cwd=ROOT, check=True, capture_output=True)
    assert nb.read_bytes() == written


def test_stale_readme_fails(repo, capsys):
    p = repo / 'README.md'
    p.write_text(p.read_text().replace('## Quick start', '## Quickstart'))
    assert sync.main(['--check'], root=repo) == 1
    assert 'README.md is out of step with nbs/index.ipynb' in capsys.readouterr().err


def _cell5(fn):
    def edit(nb): nb['cells'][5]['source'] = fn(''.join(nb['cells'][5]['source']))
    return edit


@pytest.mark.parametrize('typed', ['PSNR 31.2 dB on this run.', 'the GPT is 40 % below the unigram.',
                                   'sampling is 6.3× faster.', 'the demo takes 27 minutes.', 'it draws 470/s.'])
def test_hand_typed_result_number_fails(repo, capsys, typed):
    edit_index(repo, _cell5(lambda s: s.replace('## What the demo shows\n', f'## What the demo shows\n\nHere {typed}\n')))
    assert sync.main(['--check'], root=repo) == 1
    err = capsys.readouterr().err
    assert 'nbs/index.ipynb cell 5, line' in err and 'typed by hand outside a numbers block' in err and typed in err


def test_settings_versions_and_code_are_not_results():
    "Integers (settings), versions, code spans and code blocks are free; only result-like numbers are flagged."
    text = ('Python 3.10+ and Apache 2.0; 64 px, 1,000 steps, 16×16 grids; `--top-p 0.95`\n'
            '```bash\nvqlesion sample --temperature 0.7\n```\n')
    assert rn.hand_typed(text) == []
    assert [n for n, _ in rn.hand_typed(text + 'PSNR 29.8 dB\n')] == [5]


def test_blocks_fill_an_empty_block_and_keep_the_rest():
    text = f"before\n{rn.marker('vq-speed')}\n{rn.CLOSE}\nafter 29.8\n"
    new, stale = rn.fill(text)
    assert stale == ['vq-speed'] and new.startswith('before\n' + rn.marker('vq-speed') + '\nTraining speed')
    assert new.endswith(f'.\n{rn.CLOSE}\nafter 29.8\n')
    assert rn.fill(new) == (new, [])                                   # a filled block is stable
    assert [n for n, _ in rn.hand_typed(new)] == [5]                   # the numbers inside the block are allowed


@pytest.mark.parametrize('markdown, message', [
    ('<!-- numbers: nope (x.json) -->\n<!-- /numbers -->', "unknown numbers block 'nope'"),
    ('<!-- numbers: vq-speed (other.json) -->\n<!-- /numbers -->', "block 'vq-speed' names (other.json) but tools/readme_numbers.py reads"),
    ('<!-- numbers: vq-speed (bench/results/vqvae_speed_interleaved.json) -->\ntext', "block 'vq-speed' has no '<!-- /numbers -->' line"),
    ('<!-- /numbers -->', 'closes no block'),
    ('<!-- numbers vq-speed -->', 'is not a block marker'),
])
def test_malformed_blocks_give_one_line_errors(repo, capsys, markdown, message):
    edit_index(repo, _cell5(lambda s: s + '\n\n' + markdown + '\n'))
    assert sync.main(['--check'], root=repo) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and '\n' not in err and err.startswith('sync_readme: error: nbs/index.ipynb cell 5')


def test_missing_or_incomplete_result_file_names_block_and_file(repo, capsys):
    (repo / 'bench/results/vqvae_speed_interleaved.json').unlink()
    assert sync.main(['--check'], root=repo) == 2
    assert "block 'vq-speed': result file bench/results/vqvae_speed_interleaved.json does not exist" in capsys.readouterr().err
    (repo / 'bench/results/vqvae_speed_interleaved.json').write_text('{"threads": 1}')
    assert sync.main(['--check'], root=repo) == 2
    assert "block 'vq-speed': bench/results/vqvae_speed_interleaved.json lack what it needs (KeyError" in capsys.readouterr().err
