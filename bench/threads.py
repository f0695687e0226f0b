#!/usr/bin/env python
"""How many torch threads a CPU run should use: a short VQ-VAE run at the small demo's size with 1 thread,
2 threads and the `vqlesion` command's automatic choice (`vqlesion.threads.choose_threads`), on a quiet machine
and beside one busy core (a spinning subprocess), median of `--repeats`. Each run is a fresh process (the automatic
choice is made when a command starts); the time is that of `train_vqvae` (data statistics, training, the last
evaluation). Writes bench/results/threads.json.

    python bench/threads.py                  # 150 steps, 2 repeats: 6-8 minutes on 2 cores (stops repeating past --budget)
    python bench/threads.py --steps 60 --repeats 1 --out /tmp/threads.json   # a quick look

Target (issue 11): beside one busy core, the automatic choice within 1.2x the best single setting.
"""
import argparse, json, os, platform, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worker(threads: str, steps: int, out: str) -> dict:
    "One run in this process: choose the threads as the CLI does, train, report seconds and the count used."
    import torch
    from vqlesion.threads import apply_threads, busy_cores
    from vqlesion.vqvae import train_vqvae
    busy = busy_cores()
    n = apply_threads(None if threads == 'auto' else int(threads))
    t0 = time.perf_counter()
    train_vqvae('synthetic', out, image_size=64, downsample=4, num_codes=128, steps=steps, batch_size=32, lr=1e-3,
                eval_every=10 ** 6, hiddens=64, residual_hiddens=32, code_dim=32, restart_after=50, device='cpu',
                show_progress=False, data_kwargs=dict(n_synthetic=2000))
    return dict(seconds=round(time.perf_counter() - t0, 2), threads=n, torch_threads=torch.get_num_threads(),
                busy_cores_at_start=round(busy, 2))


def run_one(threads: str, steps: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != 'OMP_NUM_THREADS'}   # else the environment would decide 'auto'
    env.update(PYTHONPATH=str(ROOT), VQLESION_PROGRESS='0', MPLBACKEND='Agg')
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([sys.executable, __file__, '--worker', threads, '--steps', str(steps), '--run-dir', d],
                           env=env, capture_output=True, text=True)
    if r.returncode != 0: raise SystemExit(f"worker {threads} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def summarize(runs: dict) -> dict:
    "Medians per setting, the best fixed setting and how the automatic choice compares with it."
    med = {s: round(statistics.median(r['seconds'] for r in rs), 2) for s, rs in runs.items() if rs}
    fixed = [s for s in med if s != 'auto']
    best = min(fixed, key=med.get) if fixed else None
    return dict(median_seconds=med, runs=runs, best_fixed=best, auto_threads=[r['threads'] for r in runs.get('auto', [])],
                auto_over_best=round(med['auto'] / med[best], 3) if 'auto' in med and best else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--steps', type=int, default=150)
    ap.add_argument('--repeats', type=int, default=2)
    ap.add_argument('--settings', default='1,2,auto')
    ap.add_argument('--budget', type=float, default=360, help='seconds: past half of it, a condition runs no further repeats')
    ap.add_argument('--out', default=str(ROOT / 'bench' / 'results' / 'threads.json'))
    ap.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    ap.add_argument('--run-dir', default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.steps, args.run_dir))); return

    settings = args.settings.split(',')
    result = dict(what=f"train_vqvae at the small demo's size (64 px, batch 32, 128 codes), {args.steps} steps, CPU; "
                       f"seconds of train_vqvae, median of {args.repeats} fresh processes per setting",
                  machine=dict(cpus=os.cpu_count(), affinity=len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else None,
                               processor=platform.processor() or platform.machine(), python=platform.python_version()),
                  load_average_before=[round(x, 2) for x in os.getloadavg()], date=time.strftime('%Y-%m-%d %H:%M'),
                  conditions={}, complete=False)
    def write():   # after every run, so that a stopped bench still leaves its measurements
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2) + '\n')
    t_start = time.time()
    for condition in ('quiet', 'beside one busy core'):
        spinner = None
        if condition != 'quiet':
            spinner = subprocess.Popen([sys.executable, '-c', 'while True: pass'])
            time.sleep(1.0)
        try:
            runs = {s: [] for s in settings}
            t_condition = time.time()
            for rep in range(args.repeats):   # interleaved, so that a change of the machine's load hits every setting alike
                if rep and time.time() - t_condition > args.budget / 2: print('budget spent: fewer repeats'); break
                for s in settings:
                    runs[s].append(run_one(s, args.steps)); print(condition, s, runs[s][-1], flush=True)
                    result['conditions'][condition] = summarize(runs); write()
        finally:
            if spinner is not None: spinner.kill(); spinner.wait()
    result.update(total_seconds=round(time.time() - t_start), complete=True); write()
    print(json.dumps({c: (v['median_seconds'], v['auto_over_best']) for c, v in result['conditions'].items()}))


if __name__ == '__main__':
    main()
