// Real, small PNGs for the fake vendors' outputs: distinct bytes per seed, so stored media differ.
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';

/** A 16x16 PNG whose colour derives from `seed`. */
export function fakePng(seed: string, size = 16): Buffer {
  const [r = 0, g = 0, b = 0] = createHash('sha256').update(seed).digest();
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i += 1) {
    png.data[i * 4] = r;
    png.data[i * 4 + 1] = g;
    png.data[i * 4 + 2] = b;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}
