#!/usr/bin/env python
"""Build the docs site as plain HTML, without Quarto.

`nbdev_docs` / `nbdev_preview` need Quarto. This script does what they do up to the point where
Quarto takes over, then uses nbconvert instead:

1. nbdev's processing of every notebook (the steps of `nbdev.serve.proc_nbs`: nbdev's own
   `_proc_file` and `serve_drv.main`, i.e. the `FilterDefaults` processors, which run the exported
   and import cells, render every `show_doc` as markdown, hide `#| hide`/`#| export` cells and add
   links to the API docs). `proc_nbs` always writes `<repo>/_proc`; here the processed notebooks go
   to a temporary folder unless `--proc` names one.
2. nbconvert's HTML exporter (the `lab` template) turns each processed notebook into one page,
   named after the notebook (`nbs/01_quantizer.ipynb` -> `01_quantizer.html`; `index.html` from
   `nbs/index.ipynb`). Quarto's cell options (`#| echo: false`, `#| output: false`,
   `#| include: false`) and the notebook's title and description (its front matter) are honoured.
3. Every page gets a navigation sidebar in course order, read from `nbs/sidebar.yml` (the same file
   Quarto uses), links between pages and to the API docs are made relative, and `styles.css` and
   any other web assets in `nbs/` are copied. Figures stay embedded in the pages (data: URIs), so
   the site reads the same from disk (`open _site/index.html`) or from
   `python -m http.server -d _site`. Formulas are rendered to MathML at build time (`latex2mathml`),
   which browsers typeset themselves: the pages load no script from a CDN and read the same offline
   (without `latex2mathml` installed they fall back to MathJax from its CDN).

    python tools/build_docs.py                          # all notebooks in nbs/ -> _site/
    python tools/build_docs.py --out /tmp/site --path nbs/01_quantizer.ipynb
"""
import argparse, html, os, posixpath, re, shutil, sys, tempfile, time, warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSET_SUFFIXES = {'.css', '.js', '.png', '.jpg', '.jpeg', '.gif', '.svg', '.webp', '.ico', '.pdf', '.mp4', '.webm'}


class DocsError(Exception):
    "A problem with the notebooks or the sidebar, reported as one clear line."


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default='_site', help='folder to write the site to (default: _site)')
    p.add_argument('--path', default=None,
                   help='a notebook folder (default: nbs/) or one or more notebooks, comma-separated; the '
                        'sidebar is read from sidebar.yml in the notebooks\' folder')
    p.add_argument('--proc', default=None,
                   help='folder for the processed notebooks (default: a temporary folder, removed '
                        'afterwards); `--proc _proc` shares nbdev_docs\' cache')
    p.add_argument('--quiet', action='store_true', help='print only errors')
    return p.parse_args(argv)


# ----------------------------------------------------------------------------- notebooks and sidebar

def find_notebooks(nbs_path):
    "The notebooks nbdev would process under `nbs_path` (names starting with _ or . are skipped)."
    from nbdev.doclinks import nbglob
    return sorted(Path(f).resolve() for f in nbglob(nbs_path, as_path=True))


def sidebar_entries(nbs_path):
    """The sidebar of `nbs_path/sidebar.yml` as a flat list in order: ('section', title, depth) and
    ('page', relative notebook path, depth) or ('link', (text, href), depth)."""
    import yaml
    f = nbs_path / 'sidebar.yml'
    if not f.exists(): raise DocsError(f"{f} not found: the site's navigation is read from it")
    try: data = yaml.safe_load(f.read_text())
    except yaml.YAMLError as e: raise DocsError(f"{f} is not valid YAML: {e}") from e
    contents = (((data or {}).get('website') or {}).get('sidebar') or {})
    if isinstance(contents, list): contents = contents[0] if contents else {}
    contents = contents.get('contents')
    if not isinstance(contents, list): raise DocsError(f"{f} has no website.sidebar.contents list")
    out = []

    def walk(items, depth):
        for it in items:
            if isinstance(it, str): out.append(('page', it, depth))
            elif isinstance(it, dict) and 'section' in it:
                if it.get('href'): out.append(('page', it['href'], depth))
                out.append(('section', str(it['section']), depth))
                walk(it.get('contents') or [], depth + 1)
            elif isinstance(it, dict) and ('href' in it or 'file' in it):
                ref = it.get('href') or it.get('file')
                if re.match(r'^[a-z]+://', ref): out.append(('link', (it.get('text', ref), ref), depth))
                else: out.append(('page', ref, depth))
            else: raise DocsError(f"{f}: cannot read the sidebar entry {it!r}")
    walk(contents, 0)
    for kind, ref, _ in out:
        if kind == 'page' and not (nbs_path / ref).is_file():
            raise DocsError(f"{f} lists {ref}, which is not in {nbs_path}: add the notebook or remove the entry")
    return out


def page_name(nb_rel):
    "`01_quantizer.ipynb` -> `01_quantizer.html` (a notebook's page is named after it)."
    return Path(nb_rel).with_suffix('.html').as_posix()


# ----------------------------------------------------------------------------- nbdev's processing

def process_notebooks(notebooks, nbs_path, proc_dir, quiet=False):
    """Run nbdev's docs processing on `notebooks` into `proc_dir` (as `nbdev.serve.proc_nbs` does into
    `_proc/`); copy the other files of `nbs_path` (styles, sidebar, `_quarto.yml`) along."""
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    from nbdev.serve import _proc_file
    import nbdev.serve, nbdev.serve_drv
    cfg = get_config()
    proc_dir.mkdir(parents=True, exist_ok=True)
    # the cache rule of proc_nbs: settings.ini or nbdev newer than the cache -> start again
    chk_mtime = max(cfg.config_file.stat().st_mtime, Path(nbdev.serve.__file__).stat().st_mtime)
    if proc_dir.stat().st_mtime < chk_mtime:
        shutil.rmtree(proc_dir); proc_dir.mkdir(parents=True)
    cache_mtime = proc_dir.stat().st_mtime
    others = [Path(f) for f in nbglob(nbs_path, func=Path, file_glob='', file_re='') if Path(f).suffix != '.ipynb']
    for extra in ('_quarto.yml', '_brand.yml'):
        if (nbs_path / extra).exists(): others.append(nbs_path / extra)
    for f in others: _proc_file(f, proc_dir, nbs_path, mtime=cache_mtime)
    notes, n_done = [], 0
    for nb in notebooks:
        job = _proc_file(nb, proc_dir, nbs_path, mtime=cache_mtime)
        if job is None: continue                      # up to date in the cache
        n_done += 1
        t0 = time.time()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            try: nbdev.serve_drv.main(job)
            except Exception as e:
                Path(job[1]).unlink(missing_ok=True)
                raise DocsError(_explain_failure(nb, e)) from e
            finally: os.environ.pop('IN_TEST', None)
        for w in caught:
            msg = str(w.message)
            if msg.startswith('Found cells containing imports and other code'):
                first = msg.split('---\n')[1].splitlines()[0] if '---\n' in msg else ''
                notes.append(f"note: {_rel(nb)}: nbdev's docs processing runs this cell because it imports "
                             f"something; move its imports into an import-only cell: {first[:70]!r}")
        if not quiet: print(f"processed {_rel(nb)} ({time.time() - t0:.1f} s)", flush=True)
    if not quiet:
        for n in notes: print(n, flush=True)
    return n_done


def _explain_failure(nb, e):
    msg = str(e).strip()
    cause = e.__cause__
    head = msg.splitlines()[0] if msg else type(e).__name__
    body = '\n'.join(msg.splitlines()[1:])
    hint = ''
    if re.search(r'^\s*(import|from)\s', body, re.M):
        hint = ("\n  This cell contains an import, so nbdev's docs processing runs it (whatever its test flags, "
                "slow or cuda) without the cells before it that neither import nor export anything: move its "
                "imports into an import-only cell.")
    why = f"\n  {type(cause).__name__}: {cause}" if cause is not None else ''
    code = '\n'.join('    | ' + l for l in body.splitlines()[:12])
    return f"nbdev could not process {_rel(nb)}: {head}{why}\n{code}{hint}"


def _rel(p):
    p = Path(p)
    try: return p.resolve().relative_to(ROOT).as_posix()
    except ValueError: return str(p)


# ----------------------------------------------------------------------------- processed nb -> html

_re_directive = re.compile(r'^\s*#\|\s?(.*)$')
_re_pandoc_link = re.compile(r'(!?\[[^\]\n]*\]\([^)\s]+(?:\s+"[^"]*")?\))\{([^}\n]*)\}')
_re_pandoc_heading_attr = re.compile(r'^(#{1,6}\s.*?)\s*\{[^}\n]*\}\s*$', re.M)
_re_attr = re.compile(r'([\w-]+)="([^"]*)"|([\w-]+)=(\S+)|\.([\w-]+)|#([\w-]+)')


def _pandoc_attrs(s):
    "`target=\"_blank\" style=\"…\" .cls` -> an HTML attribute string."
    attrs, classes = [], []
    for m in _re_attr.finditer(s):
        k, v, k2, v2, cls, ident = m.groups()
        if k: attrs.append(f'{k}="{html.escape(v)}"')
        elif k2: attrs.append(f'{k2}="{html.escape(v2)}"')
        elif cls: classes.append(cls)
        elif ident: attrs.append(f'id="{ident}"')
    if classes: attrs.append(f'class="{" ".join(classes)}"')
    return ' '.join(attrs)


def clean_markdown(md):
    "Quarto/Pandoc markdown extensions that nbconvert's markdown renderer does not know."
    def link(m):
        from nbconvert.filters.markdown_mistune import markdown2html_mistune
        inner = markdown2html_mistune(m.group(1)).strip()
        inner = re.sub(r'^<p>(.*)</p>$', r'\1', inner, flags=re.S)
        attrs = _pandoc_attrs(m.group(2))
        return re.sub(r'^<(a|img)\b', lambda t: f'<{t.group(1)} {attrs}', inner, count=1) if attrs else inner
    md = _re_pandoc_link.sub(link, md)
    md = _re_pandoc_heading_attr.sub(r'\1', md)
    md = re.sub(r'^:::+.*$', '', md, flags=re.M)      # fenced divs (callouts): keep the content
    return md


def _plain_docstrings(md):
    """show_doc writes a docstring as one `*…*` line; a `*` inside it (`*args`, `(B, D, *spatial)`) would
    end the emphasis early, so escape those (outside code spans)."""
    def esc(m):
        parts = re.split(r'(`[^`]*`)', m.group(2))
        return m.group(1) + ''.join(p if p.startswith('`') else p.replace('*', r'\*') for p in parts) + m.group(3)
    return re.sub(r'^(\*)([^*\n].*?)(\*)$', lambda m: esc(m) if '*' in m.group(2) else m.group(0), md, flags=re.M)


def _inline(text):
    "Escape `text` for HTML, with `code` spans (titles such as The `vqlesion` command)."
    return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(str(text)))


def _cell_options(src):
    "Leading `#|` lines of a code cell -> ({option: value}, source without them)."
    lines, opts, i = src.splitlines(), {}, 0
    while i < len(lines) and _re_directive.match(lines[i]):
        d = _re_directive.match(lines[i]).group(1).strip()
        if ':' in d: k, v = d.split(':', 1); opts[k.strip()] = v.strip().lower()
        elif d: opts[d.split()[0]] = ''
        i += 1
    return opts, '\n'.join(lines[i:])


_re_code = re.compile(r'(^```.*?^```[ \t]*$|^~~~.*?^~~~[ \t]*$|`[^`\n]*`)', re.M | re.S)
_re_display_math = re.compile(r'\$\$(.+?)\$\$', re.S)
_re_inline_math = re.compile(r'(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])')


def _mathml(tex, display):
    import latex2mathml.converter
    return latex2mathml.converter.convert(tex.strip(), display='block' if display else 'inline').replace('\n', '')


def render_math(md):
    """`$…$` and `$$…$$` in markdown (outside code) -> MathML, so that formulas need no script to show;
    unchanged when `latex2mathml` is missing (MathJax from the CDN then typesets them online)."""
    try: import latex2mathml.converter  # noqa: F401
    except ImportError: return md
    def convert(text):
        def disp(m):
            try: return f'\n\n<div class="vq-math">{_mathml(m.group(1), True)}</div>\n\n'
            except Exception: return m.group(0)
        def inline(m):
            try: return _mathml(m.group(1), False)
            except Exception: return m.group(0)
        return _re_inline_math.sub(inline, _re_display_math.sub(disp, text))
    parts = _re_code.split(md)
    return ''.join(p if i % 2 else convert(p) for i, p in enumerate(parts))


def strip_cdn_scripts(body):
    "Drop the MathJax and require.js scripts nbconvert loads from a CDN when the page no longer needs them."
    # a '$' left in the prose may be TeX MathJax should typeset; in code ($OMP_NUM_THREADS) MathJax never looks
    prose = re.sub(r'<(script|style|code|pre)\b.*?</\1>', '', body, flags=re.S)
    if '<math' not in body and '$' in prose: return body
    body = re.sub(r'<script\b[^>]*\bsrc="https?://[^"]*(?:mathjax|require)[^"]*"[^>]*>\s*</script>\s*', '', body, flags=re.I)
    return re.sub(r'<script type="text/x-mathjax-config">.*?</script>\s*', '', body, flags=re.S)


def unlink_dead_anchors(site):
    "Links to an anchor that the target page lacks (an API link to a name without its own entry) -> plain text."
    pages = {p.name: p.read_text(encoding='utf-8') for p in site.glob('*.html')}
    ids = {p: set(re.findall(r'\bid="([^"]+)"', t)) for p, t in pages.items()}
    for name, text in pages.items():
        def sub(m):
            href = html.unescape(m.group(1))
            file, _, frag = href.partition('#')
            target = file or name
            if not frag or re.match(r'^[a-z]+:', href) or target not in ids or frag in ids[target]: return m.group(0)
            return m.group(2)
        new = re.sub(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', sub, text, flags=re.S)
        if new != text: (site / name).write_text(new, encoding='utf-8')


def prepare_notebook(nb):
    "Apply front matter and Quarto cell options to a processed notebook; -> (notebook, front matter)."
    import yaml
    front, cells = {}, []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == 'raw' and not front and cell.source.lstrip().startswith('---'):
            try: front = yaml.safe_load(cell.source.strip().strip('-')) or {}
            except yaml.YAMLError: front = {}
            continue
        if cell.cell_type == 'markdown':
            if not cell.source.strip() or cell.source.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'):
                continue
            cell.source = render_math(clean_markdown(cell.source))
        elif cell.cell_type == 'code':
            opts, cell.source = _cell_options(cell.source)
            if opts.get('include') == 'false': continue
            if opts.get('output') == 'false': cell.outputs = []
            for o in cell.get('outputs', []):
                if 'text/markdown' in o.get('data', {}):
                    o['data']['text/markdown'] = clean_markdown(_plain_docstrings(o['data']['text/markdown']))
            tags = cell.metadata.setdefault('tags', [])
            if opts.get('echo') == 'false' or not cell.source.strip(): tags.append('vq_remove_input')
            if not cell.source.strip() and not cell.get('outputs'): continue
        cells.append(cell)
    nb.cells = cells
    return nb, front


def pandoc_id(text):
    "Pandoc's auto identifier (what Quarto and nbdev's API links use): `VectorQuantizer.encode` -> `vectorquantizer.encode`."
    s = re.sub(r'[^\w\s.-]', '', html.unescape(text).lower().replace('-', ' ')).strip()
    s = re.sub(r'\s+', '-', s)
    s = re.sub(r'^[^a-z]+', '', s)
    return s or 'section'


def fix_heading_ids(body):
    "Give headings Pandoc's ids (nbconvert keeps the case and punctuation), so that API links resolve."
    seen, renamed = {}, {}

    def sub(m):
        old = m.group(2)
        new = pandoc_id(old)
        n = seen.get(new, 0); seen[new] = n + 1
        if n: new = f'{new}-{n}'
        renamed[old] = new
        return f'<h{m.group(1)} id="{new}"'
    body = re.sub(r'<h([1-6]) id="([^"]*)"', sub, body)
    return re.sub(r'(<a class="anchor-link" href="#)([^"]*)(")',
                  lambda m: m.group(1) + renamed.get(m.group(2), m.group(2)) + m.group(3), body)


def rewrite_links(body, page, link_map, doc_url):
    "Absolute links into the published docs and links to notebooks -> relative links to this site's pages."
    here = posixpath.dirname(page)

    def target(ref):
        ref, _, frag = ref.partition('#')
        if doc_url and ref.startswith(doc_url + '/'): key = ref[len(doc_url) + 1:]
        elif doc_url and ref in (doc_url, doc_url + '/'): key = 'index.html'
        elif re.match(r'^[a-z]+:', ref) or ref.startswith('/') or not ref: return None
        else: key = posixpath.normpath(posixpath.join(here, ref))
        dest = link_map.get(key)
        if dest is None: return None
        return posixpath.relpath(dest, here or '.') + (f'#{pandoc_id(frag)}' if frag else '')

    def sub(m):
        new = target(html.unescape(m.group(2)))
        return m.group(0) if new is None else f'{m.group(1)}"{html.escape(new)}"'
    return re.sub(r'(\bhref=)"([^"]*)"', sub, body)


SITE_CSS = """
body.jp-Notebook { margin: 0; padding: 0 2rem 3rem 18rem; max-width: 72rem; }
nav.vq-nav { position: fixed; top: 0; left: 0; bottom: 0; width: 15.5rem; overflow-y: auto;
  padding: 1.2rem 1rem; background: #f7f7f9; border-right: 1px solid #e3e3e8; font-size: 0.92rem;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; box-sizing: border-box; }
nav.vq-nav .vq-site { display: block; font-weight: 700; font-size: 1.2rem; margin-bottom: 0.8rem;
  color: #2c3e50; text-decoration: none; }
nav.vq-nav ul { list-style: none; margin: 0; padding: 0; }
nav.vq-nav li { margin: 0.15rem 0; }
nav.vq-nav li.vq-section { margin-top: 0.8rem; font-weight: 600; color: #555; text-transform: uppercase;
  font-size: 0.78rem; letter-spacing: 0.04em; }
nav.vq-nav a { color: #2a6ebb; text-decoration: none; }
nav.vq-nav a:hover { text-decoration: underline; }
nav.vq-nav li.vq-current > a { font-weight: 700; color: #111; }
header.vq-title { padding: 1.5rem 0 0.5rem 0; }
header.vq-title h1 { margin: 0 0 0.3rem 0; font-size: 2.2rem; }
header.vq-title div.description { padding-left: 2px; font-style: italic; font-size: 120%; opacity: 70%; }
.jp-RenderedMarkdown h3 { margin-top: 1.2rem; }
.jp-RenderedMarkdown pre, .jp-RenderedMarkdown div.highlight pre { background: #f5f6f8; border: 1px solid #dfe2e6;
  border-radius: 4px; padding: 0.6em 0.8em; overflow-x: auto; line-height: 1.35; }
.jp-RenderedMarkdown div.highlight { margin: 0.6em 0; }
div.vq-math { overflow-x: auto; margin: 0.6em 0; }
math[display="block"] { font-size: 1.1em; }
@media (max-width: 900px) { nav.vq-nav { position: static; width: auto; height: auto; border-right: none;
  border-bottom: 1px solid #e3e3e8; } body.jp-Notebook { padding-left: 1rem; } }
"""


def nav_html(entries, page, titles, site_title):
    "The sidebar for `page`: every entry of sidebar.yml, as links relative to `page`."
    here = posixpath.dirname(page)
    rel = lambda dest: posixpath.relpath(dest, here or '.')
    items = []
    for kind, ref, depth in entries:
        pad = f' style="padding-left:{depth * 0.8:.1f}rem"' if depth else ''
        if kind == 'section':
            items.append(f'<li class="vq-section"{pad}>{html.escape(ref)}</li>')
        elif kind == 'link':
            text, href = ref
            items.append(f'<li{pad}><a href="{html.escape(href)}">{html.escape(str(text))}</a></li>')
        else:
            dest = page_name(ref)
            cur = ' class="vq-current"' if dest == page else ''
            items.append(f'<li{cur}{pad}><a href="{html.escape(rel(dest))}">{_inline(titles.get(dest, ref))}</a></li>')
    return (f'<nav class="vq-nav"><a class="vq-site" href="{html.escape(rel("index.html"))}">{html.escape(site_title)}</a>'
            f'<ul>{"".join(items)}</ul></nav>')


def render_page(proc_nb, exporter):
    "One processed notebook -> (html body from nbconvert, front matter)."
    import nbformat
    nb = nbformat.read(proc_nb, as_version=4)
    nb, front = prepare_notebook(nb)
    title = str(front.get('title') or proc_nb.stem)
    body, _ = exporter.from_notebook_node(nb, resources={'metadata': {'name': title}})
    return body, front


def externalize_styles(body, page, out):
    """Move the stylesheets that nbconvert inlines into every page's <head> (~300 KB of JupyterLab CSS)
    into one shared file, written once per distinct content."""
    import hashlib
    head_end = body.find('</head>')
    if head_end < 0: return body
    head, rest = body[:head_end], body[head_end:]
    blocks = re.findall(r'<style[^>]*>.*?</style>', head, flags=re.S)
    if not blocks: return body
    css = '\n'.join(re.sub(r'^<style[^>]*>|</style>$', '', b) for b in blocks)
    name = f'nbconvert-{hashlib.sha1(css.encode()).hexdigest()[:10]}.css'
    if not (out / name).exists(): (out / name).write_text(css, encoding='utf-8')
    for b in blocks[1:]: head = head.replace(b, '', 1)
    href = posixpath.relpath(name, posixpath.dirname(page) or '.')
    head = head.replace(blocks[0], f'<link rel="stylesheet" href="{html.escape(href)}"/>', 1)
    return head + rest


def decorate(body, page, front, nav, extra_css_files):
    "Add the stylesheets, the sidebar, the title and the description to a page from nbconvert."
    here = posixpath.dirname(page)
    links = ''.join(f'<link rel="stylesheet" href="{html.escape(posixpath.relpath(c, here or "."))}"/>'
                    for c in extra_css_files)
    body = body.replace('</head>', f'{links}\n</head>', 1)
    title = front.get('title')
    header = ''
    if title:
        header = f'<header class="vq-title"><h1>{_inline(title)}</h1>'
        if front.get('description'):
            header += f'<div class="description">{_inline(front["description"])}</div>'
        header += '</header>'
    body, n = re.subn(r'(<body\b[^>]*>)', lambda m: f'{m.group(1)}\n{nav}', body, count=1)
    if not n: raise DocsError(f"{page}: nbconvert's page has no <body> tag")
    body, n = re.subn(r'(<main\b[^>]*>)', lambda m: f'{m.group(1)}\n{header}', body, count=1)
    if not n: body = body.replace(nav, nav + header, 1)
    return body


# ----------------------------------------------------------------------------- the site

def build(out, path=None, proc=None, quiet=False):
    "Build the site into `out`; -> {page: size in bytes}. Raises `DocsError` with a clear message."
    from nbconvert import HTMLExporter
    from nbdev.config import get_config
    cfg = get_config()
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    if path:
        paths = [Path(p.strip()).resolve() for p in str(path).split(',') if p.strip()]
        for p in paths:
            if not p.exists(): raise DocsError(f"--path {p}: no such notebook or folder")
            if p.is_file() and p.suffix != '.ipynb': raise DocsError(f"--path {p}: not a notebook (.ipynb)")
        folders = {p if p.is_dir() else p.parent for p in paths}
        if len(folders) != 1: raise DocsError(f"--path: the notebooks must be in one folder, got {sorted(map(str, folders))}")
        nbs_path = folders.pop()
        notebooks = sorted({nb for p in paths for nb in (find_notebooks(p) if p.is_dir() else [p])})
    else:
        nbs_path = Path(cfg.nbs_path).resolve()
        notebooks = find_notebooks(nbs_path)
    if not notebooks: raise DocsError(f"no notebooks found in {nbs_path}")
    entries = sidebar_entries(nbs_path)
    in_sidebar = {page_name(r) for k, r, _ in entries if k == 'page'}
    all_pages = {page_name(nb.relative_to(nbs_path)): nb for nb in find_notebooks(nbs_path)}
    for pg in sorted(set(all_pages) - in_sidebar):
        say(f"warning: {_rel(all_pages[pg])} is not in {_rel(nbs_path / 'sidebar.yml')}: its page is built but not linked")

    out = Path(out).resolve()
    tmp = None
    if proc: proc_dir = Path(proc).resolve()
    else: tmp = tempfile.mkdtemp(prefix='vqlesion-proc-'); proc_dir = Path(tmp)
    try:
        t0 = time.time()
        n_done = process_notebooks(notebooks, nbs_path, proc_dir, quiet=quiet)
        cached = f" ({len(notebooks) - n_done} up to date in {_rel(proc_dir)})" if n_done < len(notebooks) else ''
        say(f"nbdev processing: {n_done} notebooks in {time.time() - t0:.1f} s{cached}")

        # titles and the map from every name a link may use (notebook, output-file, page) to the page
        import nbformat
        titles, link_map = {}, {}
        for pg, nb in all_pages.items():
            rel_nb = nb.relative_to(nbs_path).as_posix()
            link_map[rel_nb] = link_map[pg] = pg
            src = proc_dir / rel_nb if (proc_dir / rel_nb).exists() else nb
            front = _front_matter(nbformat.read(src, as_version=4))
            titles[pg] = str(front.get('title') or Path(rel_nb).stem)
            of = front.get('output-file')
            if of: link_map[posixpath.normpath(posixpath.join(posixpath.dirname(rel_nb), str(of)))] = pg
        doc_url = (cfg.get('doc_host', '').rstrip('/') + '/' + cfg.get('doc_baseurl', '').strip('/')).rstrip('/')
        site_title = str(cfg.get('title') or cfg.get('lib_name') or 'docs')

        out.mkdir(parents=True, exist_ok=True)
        (out / 'site.css').write_text(SITE_CSS)
        css_files = ['site.css']
        for f in sorted(proc_dir.rglob('*')):
            if f.is_file() and f.suffix.lower() in ASSET_SUFFIXES and not any(p.startswith(('_', '.')) for p in f.relative_to(proc_dir).parts):
                dest = out / f.relative_to(proc_dir)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, dest)
                if f.name == 'styles.css' and f.parent == proc_dir: css_files.insert(0, 'styles.css')

        exporter = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True)
        exporter.register_preprocessor(_remove_input_preprocessor(), enabled=True)
        sizes, t0 = {}, time.time()
        for nb in notebooks:
            rel_nb = nb.relative_to(nbs_path).as_posix()
            pg = page_name(rel_nb)
            try: body, front = render_page(proc_dir / rel_nb, exporter)
            except DocsError: raise
            except Exception as e: raise DocsError(f"nbconvert could not convert {_rel(nb)} (processed): {type(e).__name__}: {e}") from e
            body = externalize_styles(body, pg, out)
            body = fix_heading_ids(body)
            body = rewrite_links(body, pg, link_map, doc_url)
            body = decorate(body, pg, front, nav_html(entries, pg, titles, site_title), css_files)
            body = strip_cdn_scripts(body)
            dest = out / pg
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(body, encoding='utf-8')
            sizes[pg] = dest.stat().st_size
        if not path: unlink_dead_anchors(out)   # needs every page
        say(f"nbconvert: {len(sizes)} pages in {time.time() - t0:.1f} s")
        return sizes
    finally:
        if tmp: shutil.rmtree(tmp, ignore_errors=True)


def _front_matter(nb):
    import yaml
    for cell in nb.cells:
        if cell.cell_type == 'raw' and cell.source.lstrip().startswith('---'):
            try: return yaml.safe_load(cell.source.strip().strip('-')) or {}
            except yaml.YAMLError: return {}
    return {}


def _remove_input_preprocessor():
    from nbconvert.preprocessors import TagRemovePreprocessor
    return TagRemovePreprocessor(remove_input_tags={'vq_remove_input'})


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.out).resolve()            # relative to where the command was run
    path = ','.join(str(Path(p.strip()).resolve()) for p in args.path.split(',')) if args.path else None
    proc = Path(args.proc).resolve() if args.proc else None
    os.chdir(ROOT)                           # nbdev reads settings.ini from here
    os.environ.setdefault('VQLESION_PROGRESS', '0')
    os.environ.setdefault('MPLBACKEND', 'Agg')
    t0 = time.time()
    try: sizes = build(out, path=path, proc=proc, quiet=args.quiet)
    except DocsError as e:
        print(f"build_docs: {e}", file=sys.stderr)
        return 1
    if not args.quiet:
        for pg, n in sizes.items(): print(f"  {pg:32s} {n / 1024:8.0f} KiB")
        print(f"wrote {len(sizes)} pages to {out} in {time.time() - t0:.1f} s; "
              f"browse with: python -m http.server -d {out}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
