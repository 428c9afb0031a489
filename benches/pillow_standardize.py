#!/usr/bin/env python3
"""Decode + standardize with Pillow: the peer of `cargo run --release --example bench_standardize`.

For each image: open, convert("RGB"), resize with LANCZOS so the longer side is SIZE (aspect kept,
upscaling too; no resize when it already fits exactly), paste centred on a black SIZE x SIZE canvas.
Runs single-process, then on a 2-process pool, printing the same line format as the Rust benchmark.

    python3 benches/pillow_standardize.py [--data DIR] [--limit N] [--size 256] [--procs 2]
"""
import argparse
import os
import sys
import time
from multiprocessing import Pool

EXTS = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif"}

try:
    from PIL import Image
except ImportError:  # pragma: no cover
    Image = None


def find_shared_paintings():
    here = os.path.abspath(os.getcwd())
    while True:
        cand = os.path.join(here, "shared", "paintings")
        if os.path.isdir(cand):
            return cand
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def list_images(root):
    out = []
    for name in os.listdir(root):
        p = os.path.join(root, name)
        if os.path.isdir(p):
            for inner in os.listdir(p):
                q = os.path.join(p, inner)
                if os.path.isfile(q) and os.path.splitext(q)[1].lower() in EXTS:
                    out.append(q)
        elif os.path.splitext(p)[1].lower() in EXTS:
            out.append(p)
    return sorted(out)


def fit_within(w, h, s):
    # Same integer rounding as painter_data::standardize::fit_within.
    if w >= h:
        return s, max(1, min(s, (h * s * 2 + w) // (2 * w)))
    return max(1, min(s, (w * s * 2 + h) // (2 * h))), s


def work(args):
    path, size = args
    with Image.open(path) as im:
        im = im.convert("RGB")
        nw, nh = fit_within(im.width, im.height, size)
        if (nw, nh) != im.size:
            im = im.resize((nw, nh), Image.LANCZOS)
        canvas = Image.new("RGB", (size, size))
        canvas.paste(im, ((size - nw) // 2, (size - nh) // 2))
        data = canvas.tobytes()
        return sum(data[::97])


def report(mode, n, secs):
    print(f"pillow  {mode:<12} images={n:<5} secs={secs:.3f} images/s={n / secs:.1f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data")
    ap.add_argument("--limit", type=int, default=1500)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--procs", type=int, default=2)
    a = ap.parse_args()
    if Image is None:
        print("Pillow not installed, skipped")
        return 0
    root = a.data or find_shared_paintings()
    if not root:
        print("no --data given and ../shared/paintings not found", file=sys.stderr)
        return 1
    files = list_images(root)[: a.limit]
    if not files:
        print(f"no images under {root}", file=sys.stderr)
        return 1
    import PIL

    print(f"decode + pad to {a.size}x{a.size}: {len(files)} images from {root} (Pillow {PIL.__version__})",
          file=sys.stderr)
    for f in files:  # warm the page cache
        with open(f, "rb") as fh:
            fh.read()
    jobs = [(f, a.size) for f in files]
    t = time.perf_counter()
    single = [work(j) for j in jobs]
    report("single", len(files), time.perf_counter() - t)
    with Pool(a.procs) as pool:
        pool.map(work, jobs[: a.procs])  # start the workers before timing
        t = time.perf_counter()
        par = pool.map(work, jobs, chunksize=16)
        report(f"parallel-{a.procs}", len(files), time.perf_counter() - t)
    if par != single:
        print("parallel and single-process results differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
