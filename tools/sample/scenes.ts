/**
 * SVG scenes whose content carries a tag's signal (colour layout, shapes, textures), so that an ImageNet
 * CNN embedding separates them. Every scene jitters positions, hues and counts from its own `Prng`.
 * "generic" scenes (screenshots, portraits, objects on a desk) carry no tag.
 */
import type { Prng } from "./_prng.ts";

/** Image scenes: one per image-carrying tag, plus "generic". */
export const SCENES = [
  "beach",
  "snow",
  "sunset",
  "forest",
  "city",
  "eclipse",
  "food",
  "sports",
  "travel",
  "art",
  "festival",
  "generic",
] as const;
export type Scene = typeof SCENES[number];

const f = (x: number) => x.toFixed(1);

function hsl(h: number, s: number, l: number): string {
  return `hsl(${f(((h % 360) + 360) % 360)},${f(s)}%,${f(l)}%)`;
}

function gradient(id: string, stops: string[], vertical = true): string {
  const dir = vertical ? `x1="0" y1="0" x2="0" y2="1"` : `x1="0" y1="0" x2="1" y2="0"`;
  const s = stops.map((c, i) => `<stop offset="${f((i / (stops.length - 1)) * 100)}%" stop-color="${c}"/>`);
  return `<linearGradient id="${id}" ${dir}>${s.join("")}</linearGradient>`;
}

/** A fine dotted texture over the whole frame (cheap stand-in for sensor noise). */
function grain(rng: Prng, dark: boolean): string {
  const size = rng.int(5, 9);
  const fill = dark ? "#fff" : "#000";
  return `<defs><pattern id="grain" width="${size}" height="${size}" patternUnits="userSpaceOnUse">` +
    `<circle cx="${f(rng.range(0, size))}" cy="${
      f(rng.range(0, size))
    }" r="0.8" fill="${fill}" fill-opacity="0.08"/>` +
    `</pattern></defs><rect width="100%" height="100%" fill="url(#grain)"/>`;
}

function beach(w: number, h: number, rng: Prng): string {
  const sky = h * rng.range(0.35, 0.5);
  const sea = sky + h * rng.range(0.15, 0.25);
  let s = `<defs>${gradient("sky", [hsl(rng.range(200, 215), 80, 55), hsl(rng.range(195, 205), 70, 82)])}` +
    `${gradient("sea", [hsl(rng.range(195, 210), 75, 38), hsl(rng.range(180, 195), 60, 50)])}</defs>` +
    `<rect width="${w}" height="${f(sky)}" fill="url(#sky)"/>` +
    `<rect y="${f(sky)}" width="${w}" height="${f(sea - sky)}" fill="url(#sea)"/>` +
    `<rect y="${f(sea)}" width="${w}" height="${f(h - sea)}" fill="${
      hsl(rng.range(38, 46), 60, rng.range(70, 80))
    }"/>`;
  for (let i = 0; i < 6; i++) {
    const y = sky + ((i + 0.5) / 6) * (sea - sky);
    s +=
      `<path d="M0 ${f(y)} q ${f(w / 16)} -6 ${f(w / 8)} 0 t ${f(w / 8)} 0 t ${f(w / 8)} 0 t ${f(w / 8)} 0 ` +
      `t ${f(w / 8)} 0 t ${f(w / 8)} 0 t ${f(w / 8)} 0 t ${
        f(w / 8)
      } 0" stroke="#fff" stroke-opacity="0.5" fill="none"/>`;
  }
  if (rng.chance(0.6)) {
    s += `<circle cx="${f(rng.range(0.1, 0.9) * w)}" cy="${f(sky * 0.3)}" r="${
      f(h * 0.06)
    }" fill="#fff6c0"/>`;
  }
  s += `<path d="M0 ${f(sea)} Q ${f(w / 2)} ${f(sea + h * 0.05)} ${w} ${
    f(sea)
  }" stroke="#fff" stroke-width="${f(h * 0.015)}" fill="none" stroke-opacity="0.8"/>`;
  return s + grain(rng, false);
}

function snow(w: number, h: number, rng: Prng): string {
  const horizon = h * rng.range(0.45, 0.6);
  let s = `<defs>${gradient("sky", [hsl(210, 15, rng.range(70, 80)), hsl(210, 10, 90)])}</defs>` +
    `<rect width="${w}" height="${h}" fill="url(#sky)"/>`;
  s += `<path d="M0 ${f(horizon)} Q ${f(w * 0.3)} ${f(horizon - h * 0.15)} ${f(w * 0.6)} ${
    f(horizon)
  } T ${w} ${f(horizon - h * 0.05)} V ${h} H 0 Z" fill="#f4f7fb"/>`;
  s += `<rect y="${f(horizon + h * 0.05)}" width="${w}" height="${f(h)}" fill="#fbfdff"/>`;
  const trees = rng.int(4, 12);
  for (let i = 0; i < trees; i++) {
    const x = rng.range(0, w);
    const y = horizon + rng.range(0, h - horizon) * 0.6;
    const th = h * rng.range(0.1, 0.25);
    s += `<path d="M${f(x)} ${f(y - th)} L${f(x - th * 0.3)} ${f(y)} L${f(x + th * 0.3)} ${f(y)} Z" fill="${
      hsl(150, 30, rng.range(15, 25))
    }"/><path d="M${f(x)} ${f(y - th)} L${f(x - th * 0.12)} ${f(y - th * 0.6)} L${f(x + th * 0.12)} ${
      f(y - th * 0.6)
    } Z" fill="#fff"/>`;
  }
  const flakes = Math.min(150, Math.round((w * h) / 6000));
  for (let i = 0; i < flakes; i++) {
    s += `<circle cx="${f(rng.range(0, w))}" cy="${f(rng.range(0, h))}" r="${
      f(rng.range(1, 3))
    }" fill="#fff"/>`;
  }
  return s;
}

function sunset(w: number, h: number, rng: Prng): string {
  const horizon = h * rng.range(0.6, 0.75);
  const hue = rng.range(15, 35);
  let s = `<defs>${
    gradient("sky", [
      hsl(rng.range(260, 285), 50, 30),
      hsl(hue + 330, 70, 50),
      hsl(hue, 95, 58),
      hsl(hue + 20, 100, 70),
    ])
  }</defs><rect width="${w}" height="${f(horizon)}" fill="url(#sky)"/>`;
  s += `<circle cx="${f(rng.range(0.25, 0.75) * w)}" cy="${f(horizon)}" r="${
    f(h * rng.range(0.12, 0.2))
  }" fill="${hsl(hue + 25, 100, 75)}"/>`;
  s += `<path d="M0 ${f(horizon)} L ${f(w * 0.2)} ${f(horizon - h * 0.03)} L ${f(w * 0.45)} ${
    f(horizon + h * 0.01)
  } L ${f(w * 0.7)} ${f(horizon - h * 0.04)} L ${w} ${f(horizon)} V ${h} H 0 Z" fill="${hsl(270, 40, 8)}"/>`;
  return s;
}

function forest(w: number, h: number, rng: Prng): string {
  let s =
    `<defs>${gradient("bg", [hsl(rng.range(95, 120), 35, 55), hsl(rng.range(100, 130), 45, 25)])}</defs>` +
    `<rect width="${w}" height="${h}" fill="url(#bg)"/>`;
  const trees = rng.int(14, 30);
  for (let i = 0; i < trees; i++) {
    const x = rng.range(-0.05, 1.05) * w;
    const base = h * rng.range(0.55, 1.0);
    const th = h * rng.range(0.3, 0.6);
    const tw = th * rng.range(0.25, 0.4);
    s +=
      `<rect x="${f(x - tw * 0.08)}" y="${f(base - th * 0.15)}" width="${f(tw * 0.16)}" height="${
        f(th * 0.2)
      }" fill="${hsl(25, 45, 22)}"/>` +
      `<path d="M${f(x)} ${f(base - th)} L${f(x - tw)} ${f(base - th * 0.12)} L${f(x + tw)} ${
        f(base - th * 0.12)
      } Z" ` +
      `fill="${hsl(rng.range(100, 140), rng.range(40, 65), rng.range(18, 38))}"/>`;
  }
  return s + grain(rng, false);
}

function city(w: number, h: number, rng: Prng): string {
  let s =
    `<defs>${gradient("sky", [hsl(rng.range(200, 220), 30, rng.range(55, 75)), hsl(210, 20, 85)])}</defs>` +
    `<rect width="${w}" height="${h}" fill="url(#sky)"/>`;
  let x = -rng.range(0, w * 0.05);
  while (x < w) {
    const bw = w * rng.range(0.07, 0.16);
    const bh = h * rng.range(0.3, 0.85);
    const grey = rng.range(25, 55);
    s += `<rect x="${f(x)}" y="${f(h - bh)}" width="${f(bw)}" height="${f(bh)}" fill="${
      hsl(220, 8, grey)
    }"/>`;
    const cols = Math.min(6, Math.max(2, Math.floor(bw / 14)));
    const rows = Math.min(14, Math.max(3, Math.floor(bh / 18)));
    const lit = hsl(50, 60, rng.range(70, 85));
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        s += `<rect x="${f(x + (c + 0.25) * (bw / cols))}" y="${
          f(h - bh + (r + 0.3) * (bh / rows))
        }" width="${f((bw / cols) * 0.5)}" height="${f((bh / rows) * 0.45)}" fill="${
          (r * 7 + c * 3) % 5 === 0 ? lit : hsl(210, 15, grey + 20)
        }"/>`;
      }
    }
    x += bw + w * rng.range(0, 0.02);
  }
  return s;
}

function eclipse(w: number, h: number, rng: Prng): string {
  const cx = rng.range(0.3, 0.7) * w;
  const cy = rng.range(0.3, 0.6) * h;
  const r = Math.min(w, h) * rng.range(0.12, 0.2);
  let s = `<defs><radialGradient id="corona" cx="50%" cy="50%" r="50%">` +
    `<stop offset="45%" stop-color="#fff" stop-opacity="1"/><stop offset="60%" stop-color="#fffbe0" stop-opacity="0.7"/>` +
    `<stop offset="100%" stop-color="#000" stop-opacity="0"/></radialGradient></defs>` +
    `<rect width="${w}" height="${h}" fill="${hsl(230, 30, rng.range(2, 7))}"/>`;
  const stars = rng.int(5, 25);
  for (let i = 0; i < stars; i++) {
    s += `<circle cx="${f(rng.range(0, w))}" cy="${f(rng.range(0, h))}" r="${
      f(rng.range(0.6, 1.6))
    }" fill="#fff"/>`;
  }
  s += `<circle cx="${f(cx)}" cy="${f(cy)}" r="${f(r * 2.2)}" fill="url(#corona)"/>`;
  s += `<circle cx="${f(cx)}" cy="${f(cy)}" r="${f(r)}" fill="#000"/>`;
  return s;
}

function food(w: number, h: number, rng: Prng): string {
  let s = `<rect width="${w}" height="${h}" fill="${hsl(rng.range(22, 32), 45, rng.range(30, 45))}"/>`;
  for (let y = 0; y < h; y += h / 9) {
    s += `<rect y="${f(y)}" width="${w}" height="2" fill="#000" fill-opacity="0.15"/>`;
  }
  const plates = rng.int(1, 3);
  for (let i = 0; i < plates; i++) {
    const r = Math.min(w, h) * rng.range(0.18, 0.32);
    const cx = rng.range(r, w - r);
    const cy = rng.range(r, h - r);
    s += `<circle cx="${f(cx)}" cy="${f(cy)}" r="${f(r)}" fill="#f7f7f4" stroke="#ddd" stroke-width="3"/>` +
      `<circle cx="${f(cx)}" cy="${f(cy)}" r="${
        f(r * 0.72)
      }" fill="#fff" stroke="#e6e6e0" stroke-width="2"/>`;
    const items = rng.int(4, 10);
    for (let k = 0; k < items; k++) {
      const a = rng.range(0, 2 * Math.PI);
      const d = rng.range(0, r * 0.5);
      const hue = rng.pick([0, 8, 30, 45, 100, 120]);
      s +=
        `<circle cx="${f(cx + d * Math.cos(a))}" cy="${f(cy + d * Math.sin(a))}" r="${
          f(r * rng.range(0.08, 0.2))
        }" ` +
        `fill="${hsl(hue, 75, rng.range(40, 55))}"/>`;
    }
  }
  return s + grain(rng, true);
}

function sports(w: number, h: number, rng: Prng): string {
  const stripes = rng.int(6, 10);
  const hue = rng.range(100, 125);
  let s = "";
  for (let i = 0; i < stripes; i++) {
    s += `<rect x="${f((i * w) / stripes)}" width="${f(w / stripes + 1)}" height="${h}" fill="${
      hsl(hue, 55, i % 2 ? 32 : 40)
    }"/>`;
  }
  s +=
    `<rect x="${f(w * 0.05)}" y="${f(h * 0.08)}" width="${f(w * 0.9)}" height="${f(h * 0.84)}" fill="none" ` +
    `stroke="#fff" stroke-width="${f(Math.max(2, h * 0.01))}"/>` +
    `<line x1="${f(w / 2)}" y1="${f(h * 0.08)}" x2="${f(w / 2)}" y2="${
      f(h * 0.92)
    }" stroke="#fff" stroke-width="${f(Math.max(2, h * 0.01))}"/><circle cx="${f(w / 2)}" cy="${
      f(h / 2)
    }" r="${f(h * 0.15)}" fill="none" stroke="#fff" stroke-width="${f(Math.max(2, h * 0.01))}"/>`;
  const br = Math.min(w, h) * rng.range(0.05, 0.09);
  const bx = rng.range(0.15, 0.85) * w;
  const by = rng.range(0.2, 0.8) * h;
  s += `<circle cx="${f(bx)}" cy="${f(by)}" r="${f(br)}" fill="#fff" stroke="#222" stroke-width="1.5"/>` +
    `<circle cx="${f(bx)}" cy="${f(by)}" r="${f(br * 0.35)}" fill="#222"/>`;
  return s + grain(rng, true);
}

function travel(w: number, h: number, rng: Prng): string {
  const m = Math.min(w, h) * 0.08;
  let s = `<rect width="${w}" height="${h}" fill="${hsl(0, 0, rng.range(78, 88))}"/>` +
    `<defs>${gradient("sky", [hsl(rng.range(205, 220), 70, 45), hsl(200, 60, 80)])}</defs>` +
    `<rect x="${f(m)}" y="${f(m)}" width="${f(w - 2 * m)}" height="${f(h - 2 * m)}" rx="${
      f(Math.min(w, h) * 0.25)
    }" fill="url(#sky)" stroke="${hsl(0, 0, 65)}" stroke-width="${f(m * 0.4)}"/>`;
  const clouds = rng.int(4, 9);
  for (let i = 0; i < clouds; i++) {
    const cx = rng.range(0.15, 0.85) * w;
    const cy = rng.range(0.45, 0.8) * h;
    const r = h * rng.range(0.04, 0.08);
    s += `<ellipse cx="${f(cx)}" cy="${f(cy)}" rx="${f(r * 2.5)}" ry="${
      f(r)
    }" fill="#fff" fill-opacity="0.9"/>`;
  }
  const wy = h * rng.range(0.55, 0.7);
  s += `<path d="M${f(w * 0.2)} ${f(h - m * 1.2)} L${f(w * 0.8)} ${f(wy)} L${f(w * 0.83)} ${
    f(wy + h * 0.05)
  } L${f(w * 0.35)} ${f(h - m * 1.2)} Z" fill="${hsl(210, 8, 70)}" stroke="${
    hsl(210, 8, 45)
  }" stroke-width="2"/>`;
  return s;
}

function art(w: number, h: number, rng: Prng): string {
  let s = `<rect width="${w}" height="${h}" fill="${hsl(45, 30, 97)}"/>`;
  const strokes = rng.int(6, 14);
  for (let i = 0; i < strokes; i++) {
    const p = () => `${f(rng.range(0, w))} ${f(rng.range(0, h))}`;
    s +=
      `<path d="M${p()} C ${p()}, ${p()}, ${p()}" stroke="${
        hsl(rng.range(0, 360), 90, rng.range(45, 60))
      }" ` +
      `stroke-width="${f(Math.min(w, h) * rng.range(0.02, 0.07))}" stroke-linecap="round" fill="none"/>`;
  }
  const blobs = rng.int(1, 4);
  for (let i = 0; i < blobs; i++) {
    s +=
      `<circle cx="${f(rng.range(0, w))}" cy="${f(rng.range(0, h))}" r="${
        f(Math.min(w, h) * rng.range(0.05, 0.15))
      }" ` +
      `fill="${hsl(rng.range(0, 360), 85, 55)}" fill-opacity="0.85"/>`;
  }
  return s;
}

function festival(w: number, h: number, rng: Prng): string {
  let s = `<rect width="${w}" height="${h}" fill="${hsl(rng.range(250, 290), 50, rng.range(5, 10))}"/>`;
  const beams = rng.int(3, 6);
  for (let i = 0; i < beams; i++) {
    const x = rng.range(0.1, 0.9) * w;
    s += `<path d="M${f(x)} ${f(h * 0.75)} L${f(x - w * 0.15 + rng.range(-w * 0.2, w * 0.2))} 0 L${
      f(x + w * 0.05 + rng.range(-w * 0.2, w * 0.2))
    } 0 Z" fill="${hsl(rng.range(0, 360), 90, 60)}" fill-opacity="0.35"/>`;
  }
  const dots = Math.min(220, Math.round((w * h) / 3000));
  for (let i = 0; i < dots; i++) {
    s += `<circle cx="${f(rng.range(0, w))}" cy="${f(rng.range(0, h * 0.8))}" r="${
      f(rng.range(1.5, 6))
    }" fill="${hsl(rng.range(0, 360), 95, 65)}" fill-opacity="${f(rng.range(0.5, 1))}"/>`;
  }
  s += `<rect y="${f(h * 0.75)}" width="${w}" height="${f(h * 0.25)}" fill="#050505"/>`;
  for (let x = 0; x < w; x += w / 20) {
    s += `<circle cx="${f(x + rng.range(0, w / 20))}" cy="${f(h * 0.78)}" r="${f(h * 0.04)}" fill="#000"/>`;
  }
  return s;
}

function generic(w: number, h: number, rng: Prng): string {
  const kind = rng.int(0, 2);
  const muted = (l: number) => hsl(rng.range(0, 360), rng.range(5, 25), l);
  if (kind === 0) {
    // screenshot: light page, header bar, lines of grey "text"
    let s = `<rect width="${w}" height="${h}" fill="${muted(96)}"/><rect width="${w}" height="${
      f(h * 0.1)
    }" fill="${hsl(rng.range(0, 360), 45, 45)}"/>`;
    for (let y = h * 0.16; y < h * 0.95; y += h * 0.06) {
      s += `<rect x="${f(w * 0.06)}" y="${f(y)}" width="${f(w * rng.range(0.4, 0.88))}" height="${
        f(h * 0.022)
      }" rx="3" fill="${muted(70)}"/>`;
    }
    return s;
  }
  if (kind === 1) {
    // portrait: muted wall, a head and shoulders
    const cx = rng.range(0.35, 0.65) * w;
    const r = Math.min(w, h) * rng.range(0.15, 0.22);
    return `<rect width="${w}" height="${h}" fill="${muted(rng.range(55, 80))}"/>` +
      `<ellipse cx="${f(cx)}" cy="${f(h * 1.05)}" rx="${f(r * 2.2)}" ry="${f(h * 0.4)}" fill="${
        muted(35)
      }"/>` +
      `<ellipse cx="${f(cx)}" cy="${f(h * 0.45)}" rx="${f(r)}" ry="${f(r * 1.25)}" fill="${
        hsl(rng.range(20, 35), rng.range(30, 55), rng.range(40, 75))
      }"/>` +
      `<ellipse cx="${f(cx)}" cy="${f(h * 0.45 - r * 0.9)}" rx="${f(r * 1.05)}" ry="${f(r * 0.5)}" fill="${
        muted(15)
      }"/>` +
      grain(rng, false);
  }
  // object on a desk
  let s = `<rect width="${w}" height="${h}" fill="${muted(rng.range(60, 75))}"/><rect y="${
    f(h * 0.6)
  }" width="${w}" height="${f(h * 0.4)}" fill="${muted(rng.range(40, 55))}"/>`;
  const objs = rng.int(1, 3);
  for (let i = 0; i < objs; i++) {
    const ow = w * rng.range(0.1, 0.3);
    const oh = h * rng.range(0.15, 0.4);
    s += `<rect x="${f(rng.range(0, w - ow))}" y="${f(h * 0.65 - oh)}" width="${f(ow)}" height="${
      f(oh)
    }" rx="${f(ow * 0.1)}" fill="${muted(rng.range(20, 85))}"/>`;
  }
  return s + grain(rng, false);
}

const BUILDERS: Record<Scene, (w: number, h: number, rng: Prng) => string> = {
  beach,
  snow,
  sunset,
  forest,
  city,
  eclipse,
  food,
  sports,
  travel,
  art,
  festival,
  generic,
};

/** An SVG document of `scene` at `width` x `height` pixels, jittered by `rng`. */
export function sceneSvg(scene: Scene, width: number, height: number, rng: Prng): string {
  const body = BUILDERS[scene](width, height, rng);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `${body}</svg>`;
}
