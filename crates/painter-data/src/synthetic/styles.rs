//! The built-in painting styles of the synthetic painters.
//!
//! Every image starts from a random *composition* (a horizon splitting sky and ground, a subject
//! blob, colours drawn from the painter's palette with per-image jitter); each style then paints over
//! it with its own marks: short thick bristly strokes, dots, soft washes, faceted planes, swirling
//! long strokes, colour fields, hatching or a grid. Palettes deliberately share colours, so colour
//! statistics alone do not separate the painters perfectly.

use super::canvas::{hash_noise, lerp, value_noise, Canvas, Color};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::f32::consts::PI;

/// One built-in style: its name and palette.
pub(crate) struct Style {
    pub(crate) name: &'static str,
    pub(crate) palette: &'static [[u8; 3]],
}

// Shared colours (several palettes use each of them).
const OCHRE: [u8; 3] = [204, 153, 51];
const SIENNA: [u8; 3] = [138, 54, 15];
const UMBER: [u8; 3] = [99, 81, 71];
const CREAM: [u8; 3] = [236, 222, 186];
const COBALT: [u8; 3] = [60, 110, 200];
const CHROME: [u8; 3] = [236, 196, 64];
const VERMILION: [u8; 3] = [214, 72, 44];
const SLATE: [u8; 3] = [88, 98, 112];

/// The built-in styles, in label order.
pub(crate) const STYLES: [Style; 8] = [
    Style {
        name: "synthetic-impasto",
        palette: &[OCHRE, SIENNA, UMBER, CREAM, [128, 124, 62], VERMILION],
    },
    Style {
        name: "synthetic-pointillist",
        palette: &[
            CHROME,
            COBALT,
            VERMILION,
            [92, 170, 96],
            [246, 244, 232],
            OCHRE,
        ],
    },
    Style {
        name: "synthetic-watercolor",
        palette: &[
            [168, 198, 226],
            [228, 176, 188],
            [196, 218, 176],
            CREAM,
            COBALT,
            OCHRE,
        ],
    },
    Style {
        name: "synthetic-cubist",
        palette: &[
            [150, 140, 118],
            SLATE,
            [182, 160, 118],
            UMBER,
            OCHRE,
            [70, 78, 88],
        ],
    },
    Style {
        name: "synthetic-swirl",
        palette: &[
            [38, 58, 140],
            COBALT,
            CHROME,
            [28, 36, 72],
            [196, 208, 228],
            [92, 170, 96],
        ],
    },
    Style {
        name: "synthetic-colorfield",
        palette: &[
            [150, 32, 34],
            VERMILION,
            [232, 142, 62],
            [78, 22, 34],
            SIENNA,
            CHROME,
        ],
    },
    Style {
        name: "synthetic-hatching",
        palette: &[[112, 82, 52], [62, 46, 32], UMBER, CREAM, SIENNA, SLATE],
    },
    Style {
        name: "synthetic-geometric",
        palette: &[
            [214, 34, 34],
            [34, 62, 176],
            CHROME,
            [244, 242, 234],
            [24, 24, 24],
            SLATE,
        ],
    },
];

/// Per-image drawing context: the size, a jittered palette and the random stream.
pub(crate) struct Ctx<'a> {
    pub(crate) s: f32,
    pub(crate) key: u64,
    pub(crate) palette: Vec<Color>,
    pub(crate) rng: &'a mut ChaCha8Rng,
}

impl Ctx<'_> {
    fn pick(&mut self) -> Color {
        let i = self.rng.random_range(0..self.palette.len());
        self.palette[i]
    }
    fn jitter(&mut self, c: Color, amount: f32) -> Color {
        let mut out = c;
        for v in &mut out {
            *v += self.rng.random_range(-amount..=amount);
        }
        out
    }
    fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        if hi > lo {
            self.rng.random_range(lo..hi)
        } else {
            lo
        }
    }
    fn point(&mut self) -> (f32, f32) {
        (self.uniform(0.0, self.s), self.uniform(0.0, self.s))
    }
}

/// Builds the jittered palette of one image: each colour moves by up to +-18 per channel and the
/// whole palette gets a brightness factor in [0.85, 1.15].
pub(crate) fn jittered_palette(style: &Style, rng: &mut ChaCha8Rng) -> Vec<Color> {
    let gain = rng.random_range(0.85f32..1.15);
    style
        .palette
        .iter()
        .map(|c| {
            let mut out = [0.0f32; 3];
            for (o, &v) in out.iter_mut().zip(c.iter()) {
                *o = ((f32::from(v) + rng.random_range(-18.0f32..=18.0)) * gain).clamp(0.0, 255.0);
            }
            out
        })
        .collect()
}

/// The random composition every style starts from: a horizon (sky/ground gradient) and a subject.
fn underpainting(ctx: &mut Ctx<'_>, canvas: &mut Canvas) {
    let s = ctx.s;
    let sky = ctx.pick();
    let ground = ctx.pick();
    let horizon = ctx.uniform(0.3, 0.7) * s;
    let tilt = ctx.uniform(-0.15, 0.15);
    let key = ctx.key;
    canvas.map(|x, y, _| {
        let (xf, yf) = (x as f32, y as f32);
        let hz = horizon + tilt * (xf - s / 2.0);
        let t = ((yf - hz) / (0.08 * s) + 0.5).clamp(0.0, 1.0);
        let mut c = lerp(sky, ground, t);
        let n = value_noise(key ^ 0xA5, xf, yf, 0.2 * s) * 18.0;
        for v in &mut c {
            *v += n;
        }
        c
    });
    // The subject: one or two large soft blobs.
    let subjects = ctx.rng.random_range(1..=2);
    for _ in 0..subjects {
        let c = ctx.pick();
        let centre = (ctx.uniform(0.25, 0.75) * s, ctx.uniform(0.25, 0.75) * s);
        let r = ctx.uniform(0.1, 0.22) * s;
        canvas.disc(centre, r, c, 0.85, 0.05 * s);
    }
}

/// Paints image content for style `painter` onto `canvas`.
pub(crate) fn paint(painter: usize, ctx: &mut Ctx<'_>, canvas: &mut Canvas) {
    underpainting(ctx, canvas);
    match painter {
        0 => impasto(ctx, canvas),
        1 => pointillist(ctx, canvas),
        2 => watercolor(ctx, canvas),
        3 => cubist(ctx, canvas),
        4 => swirl(ctx, canvas),
        5 => colorfield(ctx, canvas),
        6 => hatching(ctx, canvas),
        _ => geometric(ctx, canvas),
    }
}

/// The number of marks for a density given per 128 x 128 pixels.
fn count(ctx: &Ctx<'_>, per_128: f32) -> usize {
    ((per_128 * (ctx.s / 128.0).powi(2)).round() as usize).max(1)
}

/// Colour of a mark: mostly the composition's colour under it, pulled towards a palette colour.
fn mark_color(ctx: &mut Ctx<'_>, canvas: &Canvas, at: (f32, f32), pull: f32, jitter: f32) -> Color {
    let base = canvas.sample(at.0, at.1);
    let p = ctx.pick();
    let c = lerp(base, p, pull);
    ctx.jitter(c, jitter)
}

/// Short, thick, bristly strokes in random directions; heavy texture.
fn impasto(ctx: &mut Ctx<'_>, canvas: &mut Canvas) {
    let s = ctx.s;
    for i in 0..count(ctx, 420.0) {
        let p = ctx.point();
        let ang = ctx.uniform(0.0, PI);
        let len = ctx.uniform(0.05, 0.11) * s;
        let width = ctx.uniform(0.03, 0.05) * s;
        let q = (p.0 + ang.cos() * len, p.1 + ang.sin() * len);
        let c = mark_color(ctx, canvas, p, 0.35, 14.0);
        canvas.stroke(p, q, width, c, 0.92, 1.0, ctx.key ^ i as u64);
    }
    let key = ctx.key;
    canvas.map(|x, y, c| {
        let n = hash_noise(key ^ 0x11, x as i64, y as i64) * 10.0
            + value_noise(key ^ 0x12, x as f32, y as f32, 0.03 * s) * 12.0;
        [c[0] + n, c[1] + n, c[2] + n]
    });
}

/// Many small round dots of pure colours.
fn pointillist(ctx: &mut Ctx<'_>, canvas: &mut Canvas) {
    let s = ctx.s;
    let r_lo = (0.010 * s).max(0.7);
    for _ in 0..count(ctx, 1900.0) {
        let p = ctx.point();
        let r = ctx.uniform(r_lo, r_lo * 1.8);
        let c = mark_color(ctx, canvas, p, 0.55, 10.0);
        canvas.disc(p, r, c, 1.0, 0.6);
    }
    let key = ctx.key;
    canvas.map(|x, y, c| {
        let n = hash_noise(key ^ 0x21, x as i64, y as i64) * 4.0;
        [c[0] + n, c[1] + n, c[2] + n]
    });
}

/// Large, translucent, soft-edged washes on pale paper, with paper grain.
fn watercolor(ctx: &mut Ctx<'_>, canvas: &mut Canvas) {
    let s = ctx.s;
    let paper = ctx.jitter([242.0, 236.0, 222.0], 8.0);
    // Wash out the underpainting towards the paper colour.
    canvas.map(|_, _, c| lerp(c, paper, 0.55));
    for _ in 0..count(ctx, 22.0) {
        let p = ctx.point();
        let r = ctx.uniform(0.08, 0.22) * s;
        let c = mark_color(ctx, canvas, p, 0.7, 12.0);
        canvas.disc(p, r, c, ctx.uniform(0.2, 0.4), 0.12 * s);
    }
    let key = ctx.key;
    canvas.map(|x, y, c| {
        let (xf, yf) = (x as f32, y as f32);
        let bloom = value_noise(key ^ 0x31, xf, yf, 0.12 * s) * 14.0;
        let grain = hash_noise(key ^ 0x32, x as i64, y as i64) * 3.0;
        [
            c[0] + bloom + grain,
            c[1] + bloom + grain,
            c[2] + bloom * 0.6 + grain,
        ]
    });
}

/// Faceted planes: random convex quads and triangles with dark edges.
fn cubist(ctx: &mut Ctx<'_>, canvas: &mut Canvas) {
    let s = ctx.s;
    for _ in 0..count(ctx, 46.0) {
        let c0 = ctx.point();
        let r = ctx.uniform(0.08, 0.2) * s;
        let n = ctx.rng.random_range(3..=4);
        let a0 = ctx.uniform(0.0, 2.0 * PI);
        let pts: Vec<(f32, f32)> = (0..n)
            .map(|k| {
                let a = a0 + k as f32 * 2.0 * PI / n as f32 + ctx.uniform(-0.3, 0.3);
                let rr = r * ctx.uniform(0.7, 1.2);
                (c0.0 + a.cos() * rr, c0.1 + a.sin() * rr)
            })
            .collect();
        let c = mark_color(ctx, canvas, c0, 0.5, 10.0);
        canvas.polygon(&pts, c, 0.8);
        let edge = ctx.jitter([40.0, 38.0, 36.0], 8.0);
        let w = (0.01 * s).max(1.0);
        for k in 0..pts.len() {
            let (a, b) = (pts[k], pts[(k + 1) % pts.len()]);
            canvas.stroke(a, b, w, edge, 0.7, 0.0, 0);
        }
    }
    let key = ctx.key;
    canvas.map(|x, y, c| {
        let n = hash_noise(key ^ 0x41, x as i64, y as i64) * 6.0;
        [c[0] + n, c[1] + n, c[2] + n]
    });
}

/// Long curved strokes following a swirling flow field around a few centres.
fn swirl(ctx: &mut Ctx<'_>, canvas: &mut Canvas) {
    let s = ctx.s;
    let ncentres = ctx.rng.random_range(1..=3);
    let centres: Vec<((f32, f32), f32)> = (0..ncentres)
        .map(|_| {
            let p = ctx.point();
            let spin = if ctx.rng.random_bool(0.5) { 1.0 } else { -1.0 };
            (p, spin)
        })
        .collect();
    let flow = |x: f32, y: f32| -> f32 {
        let (mut vx, mut vy) = (0.0f32, 0.0f32);
        for &((cx, cy), spin) in &centres {
            let (dx, dy) = (x - cx, y - cy);
            let d2 = dx * dx + dy * dy + 0.01 * s * s;
            vx += -dy * spin / d2;
            vy += dx * spin / d2;
        }
        vy.atan2(vx)
    };
    for i in 0..count(ctx, 520.0) {
        let mut p = ctx.point();
        let width = ctx.uniform(0.014, 0.024) * s;
        let seg = ctx.uniform(0.025, 0.04) * s;
        let c = mark_color(ctx, canvas, p, 0.45, 12.0);
        for _ in 0..4 {
            let a = flow(p.0, p.1);
            let q = (p.0 + a.cos() * seg, p.1 + a.sin() * seg);
            canvas.stroke(p, q, width, c, 0.9, 0.6, ctx.key ^ ((i as u64) << 8));
            p = q;
        }
    }
    let key = ctx.key;
    canvas.map(|x, y, c| {
        let n = hash_noise(key ^ 0x51, x as i64, y as i64) * 6.0;
        [c[0] + n, c[1] + n, c[2] + n]
    });
}

/// Two to four large soft-edged horizontal fields over a dark ground, faint horizontal brushing.
fn colorfield(ctx: &mut Ctx<'_>, canvas: &mut Canvas) {
    let s = ctx.s;
    let ground = ctx.pick();
    let ground = lerp(ground, [20.0, 10.0, 10.0], 0.4);
    canvas.map(|_, _, c| lerp(c, ground, 0.75));
    let n = ctx.rng.random_range(2..=4);
    let margin = ctx.uniform(0.06, 0.12) * s;
    let gap = 0.04 * s;
    let band_h = (s - 2.0 * margin - gap * (n as f32 - 1.0)) / n as f32;
    for k in 0..n {
        let y0 = margin + k as f32 * (band_h + gap) + ctx.uniform(-0.02, 0.02) * s;
        let c = ctx.pick();
        let c = ctx.jitter(c, 12.0);
        let alpha = ctx.uniform(0.75, 0.95);
        canvas.soft_rect(margin, y0, s - margin, y0 + band_h, c, alpha, 0.03 * s);
    }
    let key = ctx.key;
    canvas.map(|x, y, c| {
        // Horizontal brushing: noise stretched along x.
        let n = value_noise(key ^ 0x61, x as f32 * 0.08, y as f32, 1.5) * 9.0
            + hash_noise(key ^ 0x62, x as i64, y as i64) * 3.0;
        [c[0] + n, c[1] + n, c[2] + n]
    });
}

/// Thin parallel lines at the painter's angle; darker parts of the composition get cross-hatching.
fn hatching(ctx: &mut Ctx<'_>, canvas: &mut Canvas) {
    let s = ctx.s;
    let paper = ctx.jitter([236.0, 224.0, 198.0], 10.0);
    let reference = canvas.clone();
    canvas.map(|_, _, _| paper);
    let angle = PI / 4.0 + ctx.uniform(-0.2, 0.2);
    let ink = ctx.pick();
    let ink = lerp(ink, [40.0, 30.0, 20.0], 0.5);
    let w = (0.008 * s).max(0.8);
    for i in 0..count(ctx, 900.0) {
        let p = ctx.point();
        let base = reference.sample(p.0, p.1);
        let lum = (0.299 * base[0] + 0.587 * base[1] + 0.114 * base[2]) / 255.0;
        let dark = 1.0 - lum;
        if ctx.uniform(0.0, 1.0) > 0.25 + dark {
            continue;
        }
        let cross = dark > 0.45 && ctx.rng.random_bool(0.5);
        let a = if cross { angle + PI / 2.0 } else { angle };
        let len = ctx.uniform(0.06, 0.16) * s;
        let q = (p.0 + a.cos() * len, p.1 + a.sin() * len);
        let c = ctx.jitter(ink, 8.0);
        canvas.stroke(p, q, w, c, 0.55 + 0.4 * dark, 0.0, i as u64);
    }
    let key = ctx.key;
    canvas.map(|x, y, c| {
        let n = hash_noise(key ^ 0x71, x as i64, y as i64) * 5.0;
        [c[0] + n, c[1] + n, c[2] + n]
    });
}

/// A grid of black lines with some cells filled in flat colours.
fn geometric(ctx: &mut Ctx<'_>, canvas: &mut Canvas) {
    let s = ctx.s;
    let light = ctx.jitter([240.0, 238.0, 228.0], 10.0);
    canvas.map(|_, _, c| lerp(c, light, 0.8));
    let cuts = |ctx: &mut Ctx<'_>| -> Vec<f32> {
        let n = ctx.rng.random_range(2..=4);
        let mut v: Vec<f32> = (0..n).map(|_| ctx.uniform(0.1, 0.9) * s).collect();
        v.sort_by(f32::total_cmp);
        v
    };
    let xs = cuts(ctx);
    let ys = cuts(ctx);
    let mut bx = vec![0.0];
    bx.extend(xs.iter().copied());
    bx.push(s);
    let mut by = vec![0.0];
    by.extend(ys.iter().copied());
    by.push(s);
    for wy in by.windows(2) {
        for wx in bx.windows(2) {
            if ctx.rng.random_bool(0.35) {
                let c = ctx.pick();
                let c = ctx.jitter(c, 10.0);
                canvas.soft_rect(wx[0], wy[0], wx[1], wy[1], c, 0.95, 0.5);
            }
        }
    }
    let line = ctx.jitter([22.0, 22.0, 22.0], 6.0);
    let w = ctx.uniform(0.015, 0.03) * s;
    for &x in &xs {
        canvas.soft_rect(x - w / 2.0, 0.0, x + w / 2.0, s, line, 1.0, 0.5);
    }
    for &y in &ys {
        canvas.soft_rect(0.0, y - w / 2.0, s, y + w / 2.0, line, 1.0, 0.5);
    }
    let key = ctx.key;
    canvas.map(|x, y, c| {
        let n = hash_noise(key ^ 0x81, x as i64, y as i64) * 3.0;
        [c[0] + n, c[1] + n, c[2] + n]
    });
}
