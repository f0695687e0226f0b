"""Run the walkthrough (nbs/07_walkthrough.ipynb) top to bottom in a real Jupyter kernel, as JupyterLab would, but
headless (nbclient), at the size `VQLESION_WALKTHROUGH` names (default 'tiny'); then check that no cell failed, that
the seed reports' figures are among the outputs, and that both explorers fell back to their static views (a kernel
that no front end watches must not store empty widget placeholders, or the docs would show nothing).

The notebook's last cell (`nbdev_export`) is left out and the kernel's temporary files go to pytest's tmp_path, so the
test writes nothing into the repository. Run it alone with `python -m pytest -q tests/test_walkthrough.py`."""
import os, sys, time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / 'nbs' / '07_walkthrough.ipynb'
WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'


def _kernel_env(tmp_path: Path) -> dict:
    env = dict(os.environ)
    # what a front end or the caller might have set and would change the explorers' choice or hide the figures
    for k in ('JPY_SESSION_NAME', 'VQLESION_STATIC', 'MPLBACKEND', 'VQLESION_RUN_DIR'):
        env.pop(k, None)
    env.update(VQLESION_WALKTHROUGH=os.environ.get('VQLESION_WALKTHROUGH', 'tiny'), VQLESION_PROGRESS='0',
               OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'), TMPDIR=str(tmp_path), MPLCONFIGDIR=str(tmp_path / 'mpl'))
    return env


def _texts(output) -> str:
    data = output.get('data', {})
    parts = [data.get('text/html', ''), data.get('text/markdown', ''), data.get('text/plain', ''), output.get('text', '')]
    return '\n'.join(p if isinstance(p, str) else ''.join(p) for p in parts)


def _is_figure(output) -> bool: return any(k in output.get('data', {}) for k in ('image/png', 'image/jpeg'))


@pytest.fixture(scope='module')
def executed(tmp_path_factory):
    nbformat = pytest.importorskip('nbformat')
    nbclient = pytest.importorskip('nbclient')
    tmp_path = tmp_path_factory.mktemp('walkthrough')
    nb = nbformat.read(NB, as_version=4)
    nb.cells = [c for c in nb.cells if not (c.cell_type == 'code' and 'nbdev_export' in c.source)]
    for c in nb.cells:
        if c.cell_type == 'code': c.outputs = []
    before = sorted(p.name for p in NB.parent.iterdir())
    client = nbclient.NotebookClient(nb, kernel_name='python3', timeout=900, allow_errors=False,
                                     resources={'metadata': {'path': str(NB.parent)}})   # cwd nbs/, as in JupyterLab
    t0 = time.time()
    client.execute(env=_kernel_env(tmp_path))      # a failing cell raises CellExecutionError with its traceback
    print(f"walkthrough executed in {time.time() - t0:.1f} s", file=sys.stderr)
    new = set(p.name for p in NB.parent.iterdir()) - set(before)
    assert not {n for n in new if not n.endswith('.ipynb')}, f'the walkthrough left files in nbs/: {sorted(new)}'
    return nb


def test_no_cell_failed(executed):
    errors = [o for c in executed.cells if c.cell_type == 'code' for o in c.outputs if o.output_type == 'error']
    assert not errors, errors
    assert all(c.execution_count for c in executed.cells if c.cell_type == 'code' and c.source.strip()), 'a cell did not run'


def test_seed_report_figures(executed):
    def figures_after(needle: str) -> int:
        cells = [c for c in executed.cells if c.cell_type == 'code' and needle in c.source]
        assert cells, f'no cell contains {needle!r}'
        return sum(_is_figure(o) for o in cells[0].outputs)
    # augmented batch, class distribution, reconstructions, codebook t-SNE, sample grids, training curves
    assert figures_after('show_images(') == 1
    assert figures_after('plot_class_distribution(') == 1
    assert figures_after("plot_curves(read_metrics(RUN / 'vqvae')") == 1
    assert figures_after('plot_reconstructions(') == 1
    assert figures_after('plot_codebook(') == 2          # with the code histogram
    assert figures_after('plot_class_samples(') == 2     # one per prior
    assert figures_after('for ax, kind in zip(axs, priors)') == 1   # the priors' curves
    total = sum(_is_figure(o) for c in executed.cells if c.cell_type == 'code' for o in c.outputs)
    assert total >= 12, total


def test_explorers_are_static_without_a_front_end(executed):
    outputs = [o for c in executed.cells if c.cell_type == 'code' for o in c.outputs]
    assert not any(WIDGET_VIEW in o.get('data', {}) for o in outputs), 'a widget view was stored'
    for name, code in (('reconstruction', 'rx.show()'), ('sampling', 'sx.show()')):
        cell = next(c for c in executed.cells if c.cell_type == 'code' and code in c.source)
        notes = [o for o in cell.outputs if f'Static view of the {name} explorer' in _texts(o)]
        assert len(notes) == 1 and 'a kernel without a known front end' in _texts(notes[0]), [_texts(o) for o in cell.outputs]
        assert sum(_is_figure(o) for o in cell.outputs) == 1
    rx_cell = next(c for c in executed.cells if c.cell_type == 'code' and 'rx.show()' in c.source)
    assert any('class="vqlesion-codes"' in _texts(o) and 'title="row 0, col 0: code ' in _texts(o) for o in rx_cell.outputs)


def test_closing_numbers(executed):
    last = [o for c in executed.cells if c.cell_type == 'code' and 'display(Markdown(' in c.source for o in c.outputs]
    text = '\n'.join(_texts(o) for o in last)
    for needle in ('VQ-VAE PSNR on test images', ' dB', 'held-out bits per code', 'unigram', 'codebook usage', 'two-sample test'):
        assert needle in text, (needle, text)
