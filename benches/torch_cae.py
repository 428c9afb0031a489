#!/usr/bin/env python3
"""PyTorch peer of `cargo run --release --example bench_cae`: the same convolutional autoencoder
(5x5 convolutions with "same" padding, ReLU, 2x2 max-pooling with indices; decoder of max-unpooling
and 5x5 transposed convolutions, ReLU after all but the last), the same random data, MSE loss, SGD,
2 threads, on the CPU or (`--device cuda`) the first CUDA device. Prints one line in the same format:

    bench_cae: preset=P batch=B device=D median_step_s=X img_per_s=Y gflops=Z

Each step ends with `loss.item()`, which waits for the device, as the Rust step's `to_scalar` does.

Usage: python benches/torch_cae.py --preset compact|paper --batch N --steps N [--threads 2]
           [--device cpu|cuda]
"""
import argparse
import statistics
import sys
import time

import torch
import torch.nn as nn

PRESETS = {
    "compact": dict(image_size=128, filters=[32, 64]),
    "paper": dict(image_size=256, filters=[100, 200]),
}
IN_CHANNELS, KERNEL, POOL = 3, 5, 2


class Cae(nn.Module):
    def __init__(self, filters):
        super().__init__()
        chans = [IN_CHANNELS] + filters
        pad = KERNEL // 2
        self.convs = nn.ModuleList(
            nn.Conv2d(chans[i], chans[i + 1], KERNEL, padding=pad) for i in range(len(filters))
        )
        self.deconvs = nn.ModuleList(
            nn.ConvTranspose2d(chans[i + 1], chans[i], KERNEL, padding=pad) for i in range(len(filters))
        )
        self.pool = nn.MaxPool2d(POOL, POOL, return_indices=True)
        self.unpool = nn.MaxUnpool2d(POOL, POOL)

    def forward(self, x):
        switches = []
        h = x
        for conv in self.convs:
            a = torch.relu(conv(h))
            h, idx = self.pool(a)
            switches.append((idx, a.shape))
        for i in reversed(range(len(self.deconvs))):
            idx, shape = switches[i]
            h = self.unpool(h, idx, output_size=shape)
            h = self.deconvs[i](h)
            if i > 0:
                h = torch.relu(h)
        return h


def forward_flops_per_image(image_size, filters):
    side, c_in, total = image_size, IN_CHANNELS, 0.0
    for f in filters:
        total += 2.0 * 2.0 * c_in * f * KERNEL * KERNEL * side * side
        c_in, side = f, side // POOL
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="compact", choices=sorted(PRESETS))
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    a = p.parse_args()
    if a.batch < 1 or a.steps < 1:
        sys.exit("--batch and --steps must be at least 1")
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    cfg = PRESETS[a.preset]
    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA device is available to PyTorch")
    dev = torch.device(a.device)
    model = Cae(cfg["filters"]).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    s = cfg["image_size"]
    x = torch.rand(a.batch, IN_CHANNELS, s, s).to(dev)
    times = []
    for step in range(a.steps + 1):
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = torch.mean((model(x) - x) ** 2)
        loss.backward()
        opt.step()
        lv = loss.item()
        t = time.perf_counter() - start
        print(f"step {step}{' (warm-up)' if step == 0 else ''}: {t:.3f} s, loss {lv:.5f}", file=sys.stderr)
        if step > 0:
            times.append(t)
    med = statistics.median(times)
    flops = 3.0 * forward_flops_per_image(s, cfg["filters"]) * a.batch
    print(
        f"bench_cae: preset={a.preset} batch={a.batch} device={a.device} median_step_s={med:.4f} "
        f"img_per_s={a.batch / med:.2f} gflops={flops / med / 1e9:.1f}"
    )


if __name__ == "__main__":
    main()
