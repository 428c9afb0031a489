#!/usr/bin/env python3
"""PyTorch peer of `cargo run --release --example bench_statistics`: the linear probe's channel
statistics of a batch of patches, as a researcher would write them in PyTorch. Prints one line in
the same format:

    bench_statistics: patch=P batch=B filters=F slope=S scales=1 encoders=E median_batch_s=X patches_per_s=Y

What it computes, for each encoder in turn (the statistics of all encoders concatenated):
for every stage, `a = leaky_relu(conv2d(h, weight, bias, padding=K // 2), slope)`, then the
per-channel mean and population standard deviation of `a` over its pixels
(`torch.std_mean(a, (2, 3), correction=0)`), then `h = max_pool2d(a, 2)`; last, the mean and
standard deviation of the latent maps `h`. Per stage the means of every channel come first, then
the standard deviations: the order of `ChannelStatistics::names`.

With `--weights FILE` (a safetensors file written by `bench_statistics --export FILE`) it reads the
images and the encoders from that file, so both sides time the same numbers, and before timing
checks that its statistics of those images equal the ones stored there (relative tolerance
`--rtol`); it prints `torch_statistics: check max_abs_diff=... max_rel_diff=... ok|FAILED` and exits
with status 1 on a mismatch. Without it, it times seeded random encoders of the same shapes.

`torch.set_num_threads(--threads)`; the timed loop runs under `torch.inference_mode()`; the
median over `--batches` timed batches after one warm-up batch.

With `--make-fixture FILE` it times nothing: it writes, in the layout of `bench_statistics
--export`, a small case computed here (2 seeded encoders of 4 and 8 filters of 5 x 5, slope 0.1,
2 random images of 16 x 16 px, seed 42): the fixture of the test
`crates/painter-classify/tests/statistics_torch.rs`, made by

    python benches/torch_statistics.py --make-fixture \
        crates/painter-classify/tests/fixtures/statistics_torch.safetensors

Usage: python benches/torch_statistics.py [--weights FILE] [--patch 128] [--batch 16]
           [--batches 8] [--filters 32,64] [--kernel 5] [--slope 0.1] [--encoders 1]
           [--threads 2] [--rtol 1e-4] [--make-fixture FILE]
"""
import argparse
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def channel_statistics(images, encoders, slope):
    """The statistics of `images` (N x 3 x H x W) read through every encoder: N x D."""
    parts = []
    for layers in encoders:
        h = images
        for weight, bias in layers:
            a = F.leaky_relu(F.conv2d(h, weight, bias, padding=weight.shape[-1] // 2), slope)
            std, mean = torch.std_mean(a, dim=(2, 3), correction=0)
            parts += [mean, std]
            h = F.max_pool2d(a, 2)
        std, mean = torch.std_mean(h, dim=(2, 3), correction=0)
        parts += [mean, std]
    return torch.cat(parts, dim=1)


def read_export(path):
    """The images, encoders (lists of (weight, bias) per stage) and statistics of a file written
    by `bench_statistics --export`."""
    from safetensors.torch import load_file

    tensors = load_file(path)
    encoders = []
    for k in range(1, 1 + len([n for n in tensors if n.endswith("encoder.conv1.weight")])):
        prefix = "" if k == 1 else f"ensemble{k}."
        layers = []
        while f"{prefix}encoder.conv{len(layers) + 1}.weight" in tensors:
            i = len(layers) + 1
            layers.append((tensors[f"{prefix}encoder.conv{i}.weight"].contiguous(),
                           tensors[f"{prefix}encoder.conv{i}.bias"].contiguous()))
        encoders.append(layers)
    return tensors["images"].contiguous(), encoders, tensors["statistics"]


def seeded_encoders(count, filters, kernel):
    """`count` encoders of `filters` (PyTorch's default initialization of a Conv2d), seeded 0, 1, ..."""
    encoders = []
    for seed in range(count):
        torch.manual_seed(seed)
        chans = [3] + filters
        encoders.append([
            (conv.weight.detach(), conv.bias.detach())
            for conv in (torch.nn.Conv2d(chans[i], chans[i + 1], kernel) for i in range(len(filters)))
        ])
    return encoders


def make_fixture(path):
    """Writes the small reference case described in the module docs to `path`."""
    from safetensors.torch import save_file

    slope = 0.1
    encoders = seeded_encoders(2, [4, 8], 5)
    torch.manual_seed(42)
    images = torch.rand(2, 3, 16, 16)
    with torch.inference_mode():
        stats = channel_statistics(images, encoders, slope)
    tensors = {"images": images, "statistics": stats}
    for k, layers in enumerate(encoders, start=1):
        prefix = "" if k == 1 else f"ensemble{k}."
        for i, (weight, bias) in enumerate(layers, start=1):
            tensors[f"{prefix}encoder.conv{i}.weight"] = weight.contiguous()
            tensors[f"{prefix}encoder.conv{i}.bias"] = bias.contiguous()
    save_file(tensors, path, metadata={"made_by": "benches/torch_statistics.py --make-fixture",
                                       "torch": torch.__version__, "slope": str(slope)})
    print(f"torch_statistics: wrote {path}: statistics {tuple(stats.shape)}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights")
    p.add_argument("--patch", type=int, default=128)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--batches", type=int, default=8)
    p.add_argument("--filters", default="32,64")
    p.add_argument("--kernel", type=int, default=5)
    p.add_argument("--slope", type=float, default=0.1)
    p.add_argument("--encoders", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--make-fixture")
    a = p.parse_args()
    if a.make_fixture:
        make_fixture(a.make_fixture)
        return
    if a.batch < 1 or a.batches < 1 or a.encoders < 1:
        sys.exit("--batch, --batches and --encoders must be at least 1")
    torch.set_num_threads(a.threads)

    if a.weights:
        images, encoders, want = read_export(a.weights)
        with torch.inference_mode():
            got = channel_statistics(images, encoders, a.slope)
        if got.shape != want.shape:
            sys.exit(f"torch_statistics: check FAILED: shape {tuple(got.shape)} vs {tuple(want.shape)}")
        diff = (got.double() - want.double()).abs()
        rel = diff / (1.0 + want.double().abs())
        ok = bool(rel.max() <= a.rtol)
        print(f"torch_statistics: check max_abs_diff={diff.max():.3e} max_rel_diff={rel.max():.3e} "
              f"{'ok' if ok else 'FAILED'}")
        if not ok:
            sys.exit(1)
        a.batch, a.patch = images.shape[0], images.shape[-1]
        filters = [w.shape[0] for w, _ in encoders[0]]
        a.kernel = encoders[0][0][0].shape[-1]
    else:
        filters = [int(f) for f in a.filters.split(",")]
        encoders = seeded_encoders(a.encoders, filters, a.kernel)
        torch.manual_seed(42)
        images = torch.rand(a.batch, 3, a.patch, a.patch)

    times = []
    with torch.inference_mode():
        for step in range(a.batches + 1):
            start = time.perf_counter()
            channel_statistics(images, encoders, a.slope)
            if step > 0:
                times.append(time.perf_counter() - start)
    med = statistics.median(times)
    print(f"bench_statistics: patch={a.patch} batch={a.batch} filters={','.join(map(str, filters))} "
          f"slope={a.slope:g} scales=1 encoders={len(encoders)} median_batch_s={med:.4f} "
          f"patches_per_s={a.batch / med:.1f}")


if __name__ == "__main__":
    main()
