"""The docs site builds without Quarto (`tools/build_docs.py`): one page per notebook, the sidebar in
the order of nbs/sidebar.yml, the `show_doc` API docs and the figures on the pages, and clear errors.

    python -m pytest -q tests/test_docs.py
"""
import html, importlib, inspect, os, re, subprocess, sys
from pathlib import Path

import nbformat, pytest, yaml

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / 'nbs'
SCRIPT = ROOT / 'tools' / 'build_docs.py'
ENV = {**os.environ, 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '1'), 'MPLBACKEND': 'Agg',
       'VQLESION_PROGRESS': '0', 'PYTHONWARNINGS': 'ignore'}


def build(out, *args):
    return subprocess.run([sys.executable, str(SCRIPT), '--out', str(out), *map(str, args)],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)


def notebooks():
    "Every notebook nbdev processes, as nbs/-relative paths (new chapters are picked up)."
    return sorted(p.relative_to(NBS).as_posix() for p in NBS.rglob('*.ipynb')
                  if not any(part.startswith(('_', '.')) for part in p.relative_to(NBS).parts))


def sidebar_pages():
    "The notebooks in nbs/sidebar.yml, in order."
    out = []
    def walk(items):
        for it in items:
            if isinstance(it, str): out.append(it)
            elif isinstance(it, dict):
                if it.get('href') and not re.match(r'^[a-z]+://', it['href']): out.append(it['href'])
                if it.get('file'): out.append(it['file'])
                walk(it.get('contents') or [])
    walk(yaml.safe_load((NBS / 'sidebar.yml').read_text())['website']['sidebar']['contents'])
    return out


def page_of(nb): return Path(nb).with_suffix('.html').as_posix()


def text_of(fragment):
    "Visible text of an HTML fragment, whitespace collapsed."
    fragment = re.sub(r'<(script|style)\b.*?</\1>', ' ', fragment, flags=re.S)
    return ' '.join(html.unescape(re.sub(r'<[^>]+>', '', fragment)).split())


def visible_figures(nb_path):
    "Image outputs in cells that the docs show (not hidden, exported, or with their output turned off)."
    n = 0
    for cell in nbformat.read(nb_path, as_version=4).cells:
        if cell.cell_type != 'code': continue
        dirs = ' '.join(l for l in cell.source.splitlines() if l.lstrip().startswith('#|'))
        if re.search(r'#\|\s*(hide|export|exporti)\b|include:\s*false|output:\s*false', dirs): continue
        n += sum(any(k.startswith('image/') for k in o.get('data', {})) for o in cell.get('outputs', []))
    return n


def exported_names(cell):
    "The names nbdev documents by itself after an export cell: its public definitions (a patched method as `Class.meth`)."
    import ast
    try: tree = ast.parse(cell.source)
    except SyntaxError: return []
    out = []
    for o in tree.body:
        if isinstance(o, (ast.FunctionDef, ast.ClassDef)) and (o.name[0] != '_' or o.name[:2] == '__'):
            patched = isinstance(o, ast.FunctionDef) and any(ast.unparse(d).startswith('patch') for d in o.decorator_list)
            out.append(f'{ast.unparse(o.args.args[0].annotation)}.{o.name}' if patched and o.args.args and o.args.args[0].annotation else o.name)
    return out


def show_doc_names(nb_path):
    "The names the docs document: those passed to `show_doc` in the cells the docs show, and the public definitions of export cells."
    names = []
    for cell in nbformat.read(nb_path, as_version=4).cells:
        if cell.cell_type != 'code' or re.search(r'#\|\s*(hide\b|include:\s*false)', cell.source): continue
        names += re.findall(r'^show_doc\(([A-Za-z][\w.]*)', cell.source, re.M)
        if re.match(r'\s*#\|\s*exports?\b', cell.source): names += exported_names(cell)
    return names


def title_of(nb_path):
    "The title nbdev takes from a notebook's first markdown cell (`# Title`)."
    for cell in nbformat.read(nb_path, as_version=4).cells:
        if cell.cell_type == 'markdown':
            m = re.match(r'\s*#\s+(.+)', cell.source)
            return m.group(1).strip() if m else None


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp('site')
    r = build(out, '--quiet')
    if r.returncode != 0:
        pytest.fail(f"tools/build_docs.py failed (exit {r.returncode}):\n{r.stderr[-4000:]}", pytrace=False)
    return out


def read(site, page): return (site / page).read_text(encoding='utf-8')


def test_every_notebook_has_a_page(site):
    nbs = notebooks()
    assert 'index.ipynb' in nbs and len(nbs) >= 10, nbs
    missing = [page_of(nb) for nb in nbs if not (site / page_of(nb)).is_file()]
    assert not missing, f"no page for {missing}"
    for nb in nbs:
        page = read(site, page_of(nb))
        assert '<nav class="vq-nav"' in page, f"{page_of(nb)} has no sidebar"
        title = title_of(NBS / nb) or ''
        h1 = re.search(r'<header class="vq-title"><h1>(.*?)</h1>', page)
        assert h1, f"{page_of(nb)} has no title"
        if title: assert text_of(h1.group(1)) == text_of(title.replace('`', '')), f"{page_of(nb)}: title {h1.group(1)!r}, notebook says {title!r}"


def test_sidebar_in_course_order(site):
    order = sidebar_pages()
    not_listed = sorted(set(notebooks()) - set(order))
    assert not not_listed, f"nbs/sidebar.yml does not list {not_listed}: add them in course order"
    expected = [page_of(nb) for nb in order]
    for nb in notebooks():
        nav = re.search(r'<nav class="vq-nav">(.*?)</nav>', read(site, page_of(nb)), re.S).group(1)
        links = re.findall(r'<li[^>]*><a href="([^"]+)"', nav)
        assert links == expected, f"{page_of(nb)}: sidebar {links} != nbs/sidebar.yml {expected}"
        assert re.search(rf'<li class="vq-current"[^>]*><a href="{re.escape(page_of(nb))}"', nav), f"{page_of(nb)} not marked current"


PARTS = ['Start here', 'The course', 'Going further', 'Running it', 'Foundations']


def test_sidebar_teaches_in_order():
    "The sidebar starts with the home page and the walkthrough, then the course, and leaves the infrastructure for last."
    sections = yaml.safe_load((NBS / 'sidebar.yml').read_text())['website']['sidebar']['contents']
    assert [s.get('section') for s in sections] == PARTS, "nbs/sidebar.yml: the parts of the course, in teaching order"
    part = {s['section']: s['contents'] for s in sections}
    assert part['Start here'] == ['index.ipynb', '07_walkthrough.ipynb']
    assert part['The course'].index('01_quantizer.ipynb') < part['The course'].index('02_autoencoder.ipynb') < part['The course'].index('04_prior.ipynb')
    assert sorted(part['Foundations']) == ['00_core.ipynb', '00_distributed.ipynb', '00c_layouts.ipynb', '00d_threads.ipynb', '00e_files.ipynb']
    assert '10_results.ipynb' in part['Going further']


def test_readme_course_table_follows_the_sidebar():
    "The home page's course table lists the chapters in the sidebar's order."
    text = '\n'.join(c.source for c in nbformat.read(NBS / 'index.ipynb', as_version=4).cells if c.cell_type == 'markdown')
    table = text[text.index('## The course'):].split('\n## ')[0]
    assert re.findall(r'^\| \[\w+\]\((\w+\.ipynb)\)', table, re.M) == [p for p in sidebar_pages() if p != 'index.ipynb']
    assert re.findall(r'^\| \*\*(.+?)\*\* \|', table, re.M) == PARTS


def _doc_section(page, name):
    "The text of the show_doc section for `name`: from its heading to the next heading."
    m = re.search(rf'(<h[2-4] id="{re.escape(name.lower())}(?:-\d+)?">.*?</h[2-4]>)(.*?)(?=<h[1-4] |\Z)', page, re.S)
    return (text_of(m.group(1)), text_of(m.group(2))) if m else (None, None)


@pytest.mark.parametrize('nb,module,name', [
    ('01_quantizer.ipynb', 'vqlesion.quantizer', 'VectorQuantizer'),
    ('01_quantizer.ipynb', 'vqlesion.quantizer', 'VectorQuantizer.encode'),
    ('04_gpt.ipynb', 'vqlesion.gpt', 'GPT'),
    ('05_pixelcnn.ipynb', 'vqlesion.pixelcnn', 'PixelCNN'),
    ('00a_synthetic.ipynb', 'vqlesion.synthetic', 'synth_lesion'),
    ('04_prior.ipynb', 'vqlesion.prior', 'CodePrior.sample'),
    ('02_autoencoder.ipynb', 'vqlesion.autoencoder', 'VQVAE'),
    ('03_training.ipynb', 'vqlesion.train', 'Trainer'),
])
def test_show_doc_appears(site, nb, module, name):
    "The heading, the signature and the docstring (read from the object itself) are on the page."
    obj = importlib.import_module(module)
    for part in name.split('.'): obj = getattr(obj, part)
    doc = inspect.getdoc(obj).splitlines()[0].replace('`', '')
    params = [p for p in inspect.signature(obj).parameters if p != 'self']
    heading, section = _doc_section(read(site, page_of(nb)), name)
    assert heading is not None, f"{page_of(nb)} has no API doc heading for {name}"
    assert heading.rstrip('¶') == name
    short = name.split('.')[-1]
    assert f'{short}(' in section, f"{name}: no signature in {section[:300]!r}"
    assert all(p in section for p in params[:3]), f"{name}: parameters {params[:3]} not in {section[:300]!r}"
    assert ' '.join(doc.split()) in section, f"{name}: docstring {doc!r} not in {section[:500]!r}"


def test_every_show_doc_has_a_heading(site):
    "Every `show_doc(name)` in a notebook becomes a heading on its page (id as in nbdev's API links)."
    missing, n = [], 0
    for nb in notebooks():
        page = read(site, page_of(nb))
        for name in show_doc_names(NBS / nb):
            n += 1
            if not re.search(rf'<h[2-4] id="{re.escape(name.lower())}(?:-\d+)?"', page): missing.append(f"{nb}: {name}")
    assert n >= 50, f"only {n} show_doc cells found"
    assert not missing, f"show_doc without a heading on the page: {missing}"


def test_figures_are_embedded(site):
    data_imgs = lambda page: len(re.findall(r'<img\b[^>]*\bsrc="data:image/(?:png|jpeg|svg\+xml)', page))
    assert data_imgs(read(site, '00_data.html')) >= 1
    short = {nb: (visible_figures(NBS / nb), data_imgs(read(site, page_of(nb)))) for nb in notebooks()}
    short = {nb: v for nb, v in short.items() if v[1] < v[0]}
    assert not short, f"figures missing from pages (in notebook, on page): {short}"


def test_links_are_relative_and_resolve(site):
    "API links point at this site's pages (not the published docs) and local links resolve."
    pages = {p.name: p.read_text(encoding='utf-8') for p in site.glob('*.html')}
    ids = {p: set(re.findall(r'\bid="([^"]+)"', t)) for p, t in pages.items()}
    bad = []
    for p, t in pages.items():
        assert 'vqlesion.github.io' not in t, f"{p} links to the published docs instead of this site"
        for href in map(html.unescape, re.findall(r'\bhref="([^"]*)"', t)):
            if re.match(r'^[a-z]+:', href): continue
            file, _, frag = href.partition('#')
            target = file or p
            if not (site / target).exists(): bad.append((p, href)); continue
            if frag and frag not in ids.get(target, ()): bad.append((p, href))   # every anchor, not only API entries
    assert not bad, f"broken links: {bad[:20]}"
    assert (site / 'styles.css').is_file() and 'href="styles.css"' in pages['index.html']


def test_pages_read_offline(site):
    "No page loads a script from the network: formulas are MathML, rendered at build time."
    pages = {p.name: p.read_text(encoding='utf-8') for p in site.glob('*.html')}
    remote = {p: re.findall(r'<script\b[^>]*\bsrc="(https?://[^"]+)"', t) for p, t in pages.items()}
    assert not any(remote.values()), {p: r for p, r in remote.items() if r}
    assert '<math' in pages['04_prior.html'] and '<math' in pages['02_autoencoder.html']
    raw = [p for p, t in pages.items() if re.search(r'\$\$[^$<]+\$\$', text_of(t))]
    assert not raw, f"display formulas left as TeX on {raw}"


def test_shell_commands_get_a_code_box(site):
    "A fenced shell block in a markdown cell (the home page's quick start) is a styled <pre> box."
    page = read(site, 'index.html')
    assert re.search(r'<div class="highlight"><pre>.*?tools/run_tests\.py', page, re.S)
    css = (site / 'site.css').read_text()
    assert re.search(r'\.jp-RenderedMarkdown[^{]*pre[^{]*\{[^}]*background', css), css


# ------------------------------------------------------------------ errors name what is wrong

def _tiny_nb(path, *cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell('# A tiny page\n\n> for the tests')] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)


def test_sidebar_entry_without_notebook_is_an_error(tmp_path):
    nbs = tmp_path / 'nbs'; nbs.mkdir()
    _tiny_nb(nbs / 'index.ipynb')
    (nbs / 'sidebar.yml').write_text('website:\n  sidebar:\n    contents:\n      - index.ipynb\n      - 99_missing.ipynb\n')
    r = build(tmp_path / 'site', '--path', nbs)
    assert r.returncode != 0
    assert '99_missing.ipynb' in r.stderr and 'sidebar.yml' in r.stderr, r.stderr


def test_notebook_that_fails_processing_is_named(tmp_path):
    "nbdev runs cells that import something while processing; one that fails stops the build, named."
    nbs = tmp_path / 'nbs'; nbs.mkdir()
    _tiny_nb(nbs / 'index.ipynb')
    _tiny_nb(nbs / '01_broken.ipynb', '#| export\ndef f():\n    "A function."\n    return 1', 'show_doc(f)',
             'x = 1', 'import math\ny = math.sqrt(x)')      # x is not defined when nbdev runs this cell
    (nbs / 'sidebar.yml').write_text('website:\n  sidebar:\n    contents:\n      - index.ipynb\n      - 01_broken.ipynb\n')
    r = build(tmp_path / 'site', '--path', nbs)
    assert r.returncode != 0
    assert '01_broken.ipynb' in r.stderr and "name 'x' is not defined" in r.stderr, r.stderr
    assert 'import-only cell' in r.stderr, r.stderr
    # the same notebook with the import in a cell of its own builds
    _tiny_nb(nbs / '01_broken.ipynb', '#| export\ndef f():\n    "A function."\n    return 1', 'show_doc(f)',
             'import math', 'x = 1', 'y = math.sqrt(x)')
    r = build(tmp_path / 'site', '--path', nbs)
    assert r.returncode == 0, r.stderr
    page = (tmp_path / 'site' / '01_broken.html').read_text()
    assert '<h3 id="f">' in page and 'A function.' in text_of(page)
