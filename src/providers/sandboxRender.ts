// Real media files made by the sandbox, streamed chunk by chunk so that even 200 MB never sits in
// memory whole: PNG images (padding in a private ancillary chunk), MP4 videos (H.264 that browsers
// play; padding in a `free` box) and WAV speech stand-ins (a tone per word). Deterministic in the prompt.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { constants, crc32, createDeflate } from 'node:zlib';
import type { MediaMeta } from '../media/types';
import { mp4Video } from './sandboxMp4';
import type { MediaKind } from './types';

/** What a renderer is asked for: the prompt and the node's parameters. */
export interface RenderRequest {
  prompt: string;
  width?: number;
  height?: number;
  durationMs?: number;
  /** Total file size to reach with padding (when the content alone is smaller). */
  sizeBytes?: number;
}

/** A rendered file: what is known of it up front, and its bytes as a stream. */
export interface Rendered {
  meta: MediaMeta;
  body: AsyncIterable<Uint8Array>;
}

/** Side of sandbox images and videos when the request gives none, in pixels. */
export const SANDBOX_DEFAULT_SIDE = 64;
const PAD_CHUNK = 1024 * 1024;
const ZEROES = Buffer.alloc(PAD_CHUNK);

/** The sandbox renderer of each media kind. */
export const SANDBOX_RENDERERS = {
  image: renderPng,
  video: renderMp4,
  audio: renderWav,
} satisfies Record<MediaKind, (request: RenderRequest) => Rendered>;

/** `count` bytes from a sha256 chain over `seed`. */
export function seededBytes(seed: string, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < count; i += 1) {
    if (i > 0 && i % block.length === 0) block = createHash('sha256').update(block).digest();
    out[i] = block[i % block.length]!;
  }
  return out;
}

/** A diagonal gradient between two prompt colours under a prompt-sized checkerboard; one RGB row. */
function patternRow(seed: Uint8Array, width: number, height: number, y: number, shift: number, out: Buffer, offset: number, bgr = false): void {
  const cell = 4 + (seed[6]! % 13);
  for (let x = 0; x < width; x += 1) {
    const t = ((x + shift) % (width + height) + y) / Math.max(1, width + height - 2);
    const shade = (Math.floor((x + shift) / cell) + Math.floor(y / cell)) % 2 === 0 ? 1 : 0.75;
    for (let channel = 0; channel < 3; channel += 1) {
      const value = Math.round((seed[channel]! * (1 - Math.min(1, t)) + seed[3 + channel]! * Math.min(1, t)) * shade);
      out[offset + x * 3 + (bgr ? 2 - channel : channel)] = value;
    }
  }
}

function pngChunk(type: string, data: Uint8Array): Buffer[] {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.byteLength, 0);
  head.write(type, 4, 'ascii');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return [head, Buffer.from(data.buffer, data.byteOffset, data.byteLength), tail];
}

/** A PNG, its rows deflated as they are made; `sizeBytes` adds `paDd` chunks (ancillary, ignored by readers) before IEND. */
function renderPng(request: RenderRequest): Rendered {
  const width = request.width ?? SANDBOX_DEFAULT_SIDE;
  const height = request.height ?? SANDBOX_DEFAULT_SIDE;
  const seed = seededBytes(`image\u0000${request.prompt}`, 8);
  async function* body(): AsyncIterable<Uint8Array> {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no interlace
    let written = 0;
    for (const part of [Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), ...pngChunk('IHDR', header)]) {
      written += part.byteLength;
      yield part;
    }
    function* rows(): Iterable<Buffer> {
      for (let y = 0; y < height; y += 1) {
        const row = Buffer.alloc(1 + width * 3); // filter byte 0, then RGB
        patternRow(seed, width, height, y, 0, row, 1);
        yield row;
      }
    }
    const deflate = Readable.from(rows()).pipe(createDeflate({ level: constants.Z_BEST_SPEED }));
    for await (const data of deflate as AsyncIterable<Buffer>) {
      for (const part of pngChunk('IDAT', data)) {
        written += part.byteLength;
        yield part;
      }
    }
    yield* padding(request.sizeBytes, written + 12, 12, (size) => pngChunk('paDd', ZEROES.subarray(0, size)));
    yield* pngChunk('IEND', new Uint8Array(0));
  }
  return { meta: { mimeType: 'image/png', width, height }, body: body() };
}

/** Padding chunks (header `overhead` bytes each) that bring `sizeBytes` total; never a remainder too small for a chunk. */
function* padding(sizeBytes: number | undefined, written: number, overhead: number, chunk: (size: number) => Buffer[]): Iterable<Buffer> {
  let remaining = (sizeBytes ?? 0) - written;
  while (remaining >= overhead) {
    let size = Math.min(PAD_CHUNK, remaining - overhead);
    const left = remaining - overhead - size;
    if (left > 0 && left < overhead) size -= overhead;
    yield* chunk(size);
    remaining -= overhead + size;
  }
}

/** An MP4 video (H.264, 12 fps; see ./sandboxMp4.ts) whose pattern slides per frame; `sizeBytes` adds a `free` box. */
function renderMp4(request: RenderRequest): Rendered {
  // 4:2:0 samples come in pairs of pixels: even sides.
  const width = Math.ceil((request.width ?? SANDBOX_DEFAULT_SIDE) / 2) * 2;
  const height = Math.ceil((request.height ?? Math.round((width * 3) / 4)) / 2) * 2;
  const fps = 12;
  const frames = Math.max(1, Math.min(240, Math.round(((request.durationMs ?? 1_000) * fps) / 1_000)));
  const seed = seededBytes(`video\u0000${request.prompt}`, 8);
  const video = mp4Video({
    width,
    height,
    fps,
    frames,
    ...(request.sizeBytes !== undefined ? { sizeBytes: request.sizeBytes } : {}),
    drawFrame: (frame, rgb) => {
      for (let y = 0; y < height; y += 1) patternRow(seed, width, height, y, frame * 4, rgb, y * width * 3);
    },
  });
  return { meta: { mimeType: 'video/mp4', width, height, durationMs: Math.round((frames * 1_000) / fps) }, body: video.body };
}

/** A 16 kHz mono 16-bit WAV: one short tone per word of the prompt; `sizeBytes` sets its length (and duration). */
function renderWav(request: RenderRequest): Rendered {
  const rate = 16_000;
  const words = request.prompt.trim().split(/\s+/).filter(Boolean);
  const wordMs = 300;
  const naturalMs = request.durationMs ?? Math.min(60_000, Math.max(1_000, words.length * wordMs));
  const dataBytes = request.sizeBytes !== undefined && request.sizeBytes > 44 ? Math.floor((request.sizeBytes - 44) / 2) * 2 : Math.round((naturalMs * rate) / 1_000) * 2;
  const samples = dataBytes / 2;
  const tones = seededBytes(`audio\u0000${request.prompt}`, Math.max(1, words.length));
  async function* body(): AsyncIterable<Uint8Array> {
    const head = Buffer.alloc(44);
    head.write('RIFF', 0, 'ascii');
    head.writeUInt32LE(36 + dataBytes, 4);
    head.write('WAVEfmt ', 8, 'ascii');
    head.writeUInt32LE(16, 16);
    head.writeUInt16LE(1, 20); // PCM
    head.writeUInt16LE(1, 22); // mono
    head.writeUInt32LE(rate, 24);
    head.writeUInt32LE(rate * 2, 28);
    head.writeUInt16LE(2, 32);
    head.writeUInt16LE(16, 34);
    head.write('data', 36, 'ascii');
    head.writeUInt32LE(dataBytes, 40);
    yield head;
    const perWord = (rate * wordMs) / 1_000;
    for (let start = 0; start < samples; start += PAD_CHUNK / 2) {
      const count = Math.min(PAD_CHUNK / 2, samples - start);
      const block = Buffer.alloc(count * 2);
      for (let i = 0; i < count; i += 1) {
        const n = start + i;
        const word = Math.floor(n / perWord);
        const within = n % perWord;
        // A tone per word with a short gap between words, so it sounds like speech rhythm.
        const frequency = 180 + tones[word % tones.length]! * 2;
        const amplitude = within < perWord * 0.8 ? 8_000 : 0;
        block.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * frequency * n) / rate)), i * 2);
      }
      yield block;
    }
  }
  return { meta: { mimeType: 'audio/wav', durationMs: Math.round((samples * 1_000) / rate) }, body: body() };
}
