// Small files with real magic numbers for the fake vendors' video and audio outputs: the engine
// checks stored media by its bytes, so a fake "video" must start like one.
import { createHash } from 'node:crypto';

/** An MP4-shaped file (an `ftyp` box, brand isom) whose bytes derive from `seed`. */
export function fakeMp4(seed: string, size = 2048): Buffer {
  return Buffer.concat([Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex'), filler(seed, size)]);
}

/** A WAV-shaped file (RIFF … WAVE) whose bytes derive from `seed`. */
export function fakeWav(seed: string, size = 2048): Buffer {
  return Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0x10, 0, 0]), Buffer.from('WAVEfmt '), filler(seed, size)]);
}

function filler(seed: string, size: number): Buffer {
  const chunks: Buffer[] = [];
  for (let i = 0; chunks.length * 32 < size; i += 1) chunks.push(createHash('sha256').update(`${seed}:${i}`).digest());
  return Buffer.concat(chunks).subarray(0, size);
}
