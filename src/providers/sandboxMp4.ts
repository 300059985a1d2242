// The sandbox's video: an MP4 (ISO BMFF) holding H.264 Constrained Baseline, which every browser
// plays (Chromium plays no AVI). No encoder is needed: each frame is one IDR slice of I_PCM
// macroblocks, the standard's way to carry raw 4:2:0 samples, so every size is known before the
// first byte and the file streams out frame by frame: ftyp, moov (all sample sizes and the one
// chunk offset), a `free` box of padding up to `sizeBytes`, then mdat.

/** Writes bits most significant first, with Exp-Golomb codes (H.264 7.2, 9.1). */
class BitWriter {
  private bytes: number[] = [];
  private current = 0;
  private used = 0;

  u(bits: number, value: number): this {
    for (let i = bits - 1; i >= 0; i -= 1) this.bit((value >>> i) & 1);
    return this;
  }

  ue(value: number): this {
    const code = value + 1;
    const length = 32 - Math.clz32(code);
    this.u(length - 1, 0);
    return this.u(length, code);
  }

  se(value: number): this {
    return this.ue(value <= 0 ? -2 * value : 2 * value - 1);
  }

  bit(value: number): this {
    this.current = (this.current << 1) | value;
    this.used += 1;
    if (this.used === 8) this.flush();
    return this;
  }

  /** Zero bits up to the next byte boundary (pcm_alignment_zero_bit). */
  align(): this {
    while (this.used !== 0) this.bit(0);
    return this;
  }

  /** rbsp_trailing_bits: a one, then zeros to the byte boundary. */
  trailing(): this {
    return this.bit(1).align();
  }

  get aligned(): boolean {
    return this.used === 0;
  }

  take(): number[] {
    const out = this.bytes;
    this.bytes = [];
    return out;
  }

  private flush(): void {
    this.bytes.push(this.current);
    this.current = 0;
    this.used = 0;
  }
}

/** A NAL unit's bytes with emulation prevention (00 00 0x → 00 00 03 0x for x ≤ 3). */
function nal(type: number, rbsp: ArrayLike<number>): Buffer {
  const out: number[] = [(3 << 5) | type];
  let zeros = 0;
  for (let i = 0; i < rbsp.length; i += 1) {
    const byte = rbsp[i]!;
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

/** The geometry of a stream: luma size rounded up to whole macroblocks, cropped back to `width`×`height`. */
interface Geometry {
  width: number;
  height: number;
  mbWidth: number;
  mbHeight: number;
  level: number;
}

function geometry(width: number, height: number): Geometry {
  const mbWidth = Math.ceil(width / 16);
  const mbHeight = Math.ceil(height / 16);
  // Level 4.0 covers 8,192 macroblocks a frame (1080p); bigger frames claim 5.1.
  return { width, height, mbWidth, mbHeight, level: mbWidth * mbHeight <= 8192 ? 40 : 51 };
}

function sps(g: Geometry): Buffer {
  const w = new BitWriter();
  w.u(8, 66).u(8, 0xc0).u(8, g.level); // Baseline, constraint_set0+1 (Constrained Baseline)
  w.ue(0).ue(0); // seq_parameter_set_id, log2_max_frame_num_minus4
  w.ue(2); // pic_order_cnt_type 2: output order is decode order
  w.ue(1).u(1, 0); // max_num_ref_frames, gaps_in_frame_num_value_allowed_flag
  w.ue(g.mbWidth - 1).ue(g.mbHeight - 1);
  w.u(1, 1).u(1, 1); // frame_mbs_only_flag, direct_8x8_inference_flag
  const cropRight = (g.mbWidth * 16 - g.width) / 2;
  const cropBottom = (g.mbHeight * 16 - g.height) / 2;
  if (cropRight || cropBottom) w.u(1, 1).ue(0).ue(cropRight).ue(0).ue(cropBottom);
  else w.u(1, 0);
  w.u(1, 0).trailing(); // no VUI
  return nal(7, w.take());
}

function pps(): Buffer {
  const w = new BitWriter();
  w.ue(0).ue(0).u(1, 0).u(1, 0).ue(0).ue(0).ue(0).u(1, 0).u(2, 0).se(0).se(0).se(0);
  w.u(1, 1).u(1, 0).u(1, 0).trailing(); // deblocking control present (and turned off per slice), no constrained intra, no redundant pictures
  return nal(8, w.take());
}

/** The slice header of an IDR picture and the start of its first macroblock, up to its raw samples. */
function sliceHead(idrPicId: number): number[] {
  const w = new BitWriter();
  w.ue(0).ue(7).ue(0).u(4, 0).ue(idrPicId); // first_mb_in_slice, slice_type I (all), pps id, frame_num, idr_pic_id
  w.u(1, 0).u(1, 0).se(0).ue(1); // no_output_of_prior_pics, long_term_reference, slice_qp_delta, deblocking off
  return [...w.ue(25).align().take()]; // mb_type I_PCM, pcm_alignment_zero_bits
}

/** mb_type I_PCM of every macroblock after the first, byte-aligned after a macroblock of raw samples. */
const PCM_MB_HEAD = new BitWriter().ue(25).align().take();

/** One IDR frame (a NAL without start code) from planar 4:2:0 samples over the macroblock grid; all samples ≥ 16, so no zero runs. */
function frameNal(g: Geometry, y: Uint8Array, cb: Uint8Array, cr: Uint8Array, idrPicId: number): Buffer {
  const lumaStride = g.mbWidth * 16;
  const chromaStride = g.mbWidth * 8;
  const rbsp = Buffer.alloc(frameRbspSize(g, idrPicId));
  let at = 0;
  for (let mb = 0; mb < g.mbWidth * g.mbHeight; mb += 1) {
    for (const byte of mb === 0 ? sliceHead(idrPicId) : PCM_MB_HEAD) rbsp[at++] = byte;
    const mx = mb % g.mbWidth;
    const my = Math.floor(mb / g.mbWidth);
    for (let row = 0; row < 16; row += 1) {
      const from = (my * 16 + row) * lumaStride + mx * 16;
      rbsp.set(y.subarray(from, from + 16), at);
      at += 16;
    }
    for (const plane of [cb, cr]) {
      for (let row = 0; row < 8; row += 1) {
        const from = (my * 8 + row) * chromaStride + mx * 8;
        rbsp.set(plane.subarray(from, from + 8), at);
        at += 8;
      }
    }
  }
  rbsp[at++] = 0x80; // rbsp_slice_trailing_bits
  const unit = nal(5, rbsp.subarray(0, at));
  if (unit.length !== frameNalSize(g, idrPicId)) throw new Error('sandbox video: a frame escaped a zero run');
  return unit;
}

function frameRbspSize(g: Geometry, idrPicId: number): number {
  return sliceHead(idrPicId).length + (g.mbWidth * g.mbHeight - 1) * PCM_MB_HEAD.length + g.mbWidth * g.mbHeight * 384 + 1;
}

/** A frame's NAL size: its header's escapes are all there is (the samples never hold two zeros). */
function frameNalSize(g: Geometry, idrPicId: number): number {
  const head = sliceHead(idrPicId);
  return 1 + frameRbspSize(g, idrPicId) + (nal(5, head).length - 1 - head.length);
}

function box(type: string, ...parts: Buffer[]): Buffer {
  const size = 8 + parts.reduce((sum, part) => sum + part.length, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(size, 0);
  head.write(type, 4, 'ascii');
  return Buffer.concat([head, ...parts]);
}

function fullBox(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version << 24) | flags) >>> 0, 0);
  return box(type, vf, ...parts);
}

function u32s(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((value, i) => out.writeUInt32BE(value >>> 0, i * 4));
  return out;
}

const MATRIX = u32s(0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000);

/** What the MP4 writer needs to know. */
export interface Mp4VideoRequest {
  width: number;
  height: number;
  fps: number;
  frames: number;
  /** Total size to reach with padding. */
  sizeBytes?: number;
  /** Fills a frame's RGB samples (width×height×3, row by row). */
  drawFrame(frame: number, rgb: Buffer): void;
}

/** The MP4's bytes as a stream, and its exact length. */
export function mp4Video(request: Mp4VideoRequest): { size: number; body: AsyncIterable<Uint8Array> } {
  const g = geometry(request.width, request.height);
  const spsNal = sps(g);
  const ppsNal = pps();
  const sampleSizes = Array.from({ length: request.frames }, (_, frame) => 4 + frameNalSize(g, frame % 2));
  const mdatPayload = sampleSizes.reduce((sum, size) => sum + size, 0);
  const ftyp = box('ftyp', Buffer.from('isom'), u32s(0x200), Buffer.from('isomiso2avc1mp41'));

  const moovWith = (handlerName: string, chunkOffset: number): Buffer => {
    const avcC = box('avcC', Buffer.from([1, 66, 0xc0, g.level, 0xff, 0xe1]), u16(spsNal.length), spsNal, Buffer.from([1]), u16(ppsNal.length), ppsNal);
    const avc1 = box(
      'avc1',
      Buffer.alloc(6), u16(1), Buffer.alloc(16), u16(g.width), u16(g.height), u32s(0x480000, 0x480000, 0), u16(1), Buffer.alloc(32), u16(0x18), u16(0xffff),
      avcC,
    );
    const durationMs = Math.round((request.frames * 1000) / request.fps);
    const stbl = box(
      'stbl',
      fullBox('stsd', 0, 0, u32s(1), avc1),
      fullBox('stts', 0, 0, u32s(1, request.frames, 1)),
      fullBox('stsc', 0, 0, u32s(1, 1, request.frames, 1)),
      fullBox('stsz', 0, 0, u32s(0, request.frames, ...sampleSizes)),
      fullBox('stco', 0, 0, u32s(1, chunkOffset)),
    );
    const minf = box('minf', fullBox('vmhd', 0, 1, Buffer.alloc(8)), box('dinf', fullBox('dref', 0, 0, u32s(1), fullBox('url ', 0, 1))), stbl);
    const mdia = box(
      'mdia',
      fullBox('mdhd', 0, 0, u32s(0, 0, request.fps, request.frames), Buffer.from([0x55, 0xc4, 0, 0])),
      fullBox('hdlr', 0, 0, u32s(0), Buffer.from('vide'), u32s(0, 0, 0), Buffer.from(`${handlerName}\u0000`, 'ascii')),
      minf,
    );
    const tkhd = fullBox('tkhd', 0, 3, u32s(0, 0, 1, 0, durationMs, 0, 0, 0, 0), MATRIX, u32s(g.width * 0x10000, g.height * 0x10000));
    const mvhd = fullBox('mvhd', 0, 0, u32s(0, 0, 1000, durationMs, 0x10000), Buffer.from([1, 0, 0, 0]), u32s(0, 0), MATRIX, u32s(0, 0, 0, 0, 0, 0, 2));
    return box('moov', mvhd, box('trak', tkhd, mdia));
  };

  // Padding: a `free` box when there are 8 bytes or more to add, else a longer handler name.
  const bare = moovWith('SandboxVideo', 0).length;
  const natural = ftyp.length + bare + 8 + mdatPayload;
  const extra = Math.max(0, (request.sizeBytes ?? 0) - natural);
  const freeSize = extra >= 8 ? extra : 0;
  const handlerName = `SandboxVideo${' '.repeat(extra - freeSize)}`;
  const chunkOffset = ftyp.length + bare + (extra - freeSize) + freeSize + 8;
  const moov = moovWith(handlerName, chunkOffset);
  const size = natural + extra;

  async function* body(): AsyncIterable<Uint8Array> {
    yield ftyp;
    yield moov;
    if (freeSize) {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(freeSize, 0);
      head.write('free', 4, 'ascii');
      yield head;
      const zeroes = Buffer.alloc(Math.min(1024 * 1024, freeSize));
      for (let left = freeSize - 8; left > 0; left -= zeroes.length) yield zeroes.subarray(0, Math.min(zeroes.length, left));
    }
    yield u32s(8 + mdatPayload);
    yield Buffer.from('mdat');
    const lumaW = g.mbWidth * 16;
    const lumaH = g.mbHeight * 16;
    const rgb = Buffer.alloc(g.width * g.height * 3);
    const y = new Uint8Array(lumaW * lumaH).fill(16);
    const cb = new Uint8Array((lumaW / 2) * (lumaH / 2)).fill(128);
    const cr = new Uint8Array((lumaW / 2) * (lumaH / 2)).fill(128);
    for (let frame = 0; frame < request.frames; frame += 1) {
      request.drawFrame(frame, rgb);
      toYuv420(rgb, g.width, g.height, y, cb, cr, lumaW);
      const unit = frameNal(g, y, cb, cr, frame % 2);
      yield u32s(unit.length);
      yield unit;
    }
  }
  return { size, body: body() };
}

function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value, 0);
  return out;
}

/** BT.601 limited range: Y in 16..235, Cb/Cr in 16..240 (never 0, so a frame's samples hold no zero bytes). */
function toYuv420(rgb: Buffer, width: number, height: number, y: Uint8Array, cb: Uint8Array, cr: Uint8Array, stride: number): void {
  for (let row = 0; row < height; row += 1) {
    for (let col = 0; col < width; col += 1) {
      const i = (row * width + col) * 3;
      y[row * stride + col] = 16 + ((66 * rgb[i]! + 129 * rgb[i + 1]! + 25 * rgb[i + 2]! + 128) >> 8);
    }
  }
  for (let row = 0; row < height; row += 2) {
    for (let col = 0; col < width; col += 2) {
      const i = (row * width + col) * 3;
      const r = rgb[i]!;
      const gr = rgb[i + 1]!;
      const b = rgb[i + 2]!;
      const at = (row / 2) * (stride / 2) + col / 2;
      cb[at] = Math.min(240, Math.max(16, 128 + ((-38 * r - 74 * gr + 112 * b + 128) >> 8)));
      cr[at] = Math.min(240, Math.max(16, 128 + ((112 * r - 94 * gr - 18 * b + 128) >> 8)));
    }
  }
}
