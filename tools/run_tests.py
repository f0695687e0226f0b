#!/usr/bin/env python
"""Run every notebook's tests (as `nbdev_test` does) and any pytest suite in tests/, then print one
closing line `N passed, N failed` that counts notebooks (and test files).

Unlike `nbdev_test`, this fails when it finds no notebook, and it gives each parallel worker its
share of the CPU threads instead of letting every worker's torch take all cores.

    python tools/run_tests.py                      # default flags: fast, CPU
    python tools/run_tests.py --flags "slow cuda"  # also the cells flagged slow and cuda
    python tools/run_tests.py --path nbs/01_quantizer.ipynb
"""
import argparse, os, subprocess, sys, time
from pathlib import Path


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--flags', default='', help='space-separated test flags to run that are normally skipped')
    p.add_argument('--path', default=None, help='a notebook or folder (default: nbs/)')
    p.add_argument('--n-workers', type=int, default=None, help='notebooks run at once (default: number of cores, at most 4)')
    p.add_argument('--no-pytest', action='store_true', help='skip the pytest suite in tests/')
    return p.parse_args(argv)


def run_notebooks(files, flags, n_workers):
    from fastcore.parallel import parallel
    from nbdev.config import get_config
    from nbdev.test import test_nb
    skip_flags = get_config().tst_flags.split()
    with_flags = flags.split()
    return parallel(test_nb, files, skip_flags=skip_flags, force_flags=with_flags, n_workers=n_workers,
                    basepath=get_config().config_path, pause=0.01, do_print=False)


def main(argv=None):
    args = parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    os.chdir(root)
    from nbdev.doclinks import nbglob
    from nbdev.config import get_config
    files = sorted(Path(f).absolute() for f in nbglob(args.path, as_path=True))
    if not files:
        print(f"no notebooks found under {args.path or get_config().nbs_path}: nothing was tested", file=sys.stderr)
        print('0 passed, 1 failed')
        return 1
    ncpu = os.cpu_count() or 1
    n_workers = args.n_workers if args.n_workers is not None else min(ncpu, 4, len(files))
    # each worker gets its share of the cores (torch reads this when a notebook imports it)
    os.environ.setdefault('OMP_NUM_THREADS', str(max(1, ncpu // max(1, n_workers))))
    os.environ.setdefault('VQLESION_PROGRESS', '0')
    os.environ.setdefault('MPLBACKEND', 'Agg')
    flags = ' '.join(args.flags.split())
    print(f"testing {len(files)} notebooks with {n_workers} workers, flags: {flags or '(default)'}", flush=True)
    start = time.time()
    results = run_notebooks(files, flags, n_workers if len(files) > 1 else 0)
    passed = failed = 0
    for f, (ok, secs) in zip(files, results):
        print(f"{'PASS' if ok else 'FAIL'} {f.relative_to(root)} ({secs:.0f} s)", flush=True)
        passed += bool(ok); failed += not ok
    tests_dir = root / 'tests'
    if not args.no_pytest and args.path is None and tests_dir.is_dir() and any(tests_dir.glob('test_*.py')):
        for t in sorted(tests_dir.glob('test_*.py')):
            t0 = time.time()
            rc = subprocess.call([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', str(t)])
            ok = rc == 0
            print(f"{'PASS' if ok else 'FAIL'} {t.relative_to(root)} ({time.time() - t0:.0f} s)", flush=True)
            passed += ok; failed += not ok
    print(f"total {time.time() - start:.0f} s")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
