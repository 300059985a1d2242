// What a piece of media is, by its bytes: the magic numbers `file-type` knows (images, video,
// audio containers), else a look at the text (HTML, JSON, XML, plain text). Vendors' output URLs
// and Content-Type headers say what the file should be; only the bytes say what it is.
import { fileTypeFromBuffer } from 'file-type';
import type { MediaKind } from '../domain/models';

/** How many leading bytes {@link sniffMime} needs (file-type's sample size). */
export const SNIFF_BYTES = 4100;

/** Containers that may hold sound only (an `.m4a` or a WebM/Ogg audio track reads as these). */
const AUDIO_CONTAINERS = new Set(['video/mp4', 'video/webm', 'video/ogg', 'application/ogg']);

/** The MIME type the leading bytes of a file show. */
export async function sniffMime(head: Uint8Array): Promise<string> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) return detected.mime;
  const text = Buffer.from(head.subarray(0, 512)).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (text.startsWith('<!doctype html') || text.startsWith('<html') || /^<(head|body|title|div|p|script)\b/.test(text)) return 'text/html';
  if (text.startsWith('<?xml') || text.startsWith('<svg')) return text.includes('<svg') ? 'image/svg+xml' : 'application/xml';
  if (text.startsWith('{') || text.startsWith('[')) return 'application/json';
  if (head.length > 0 && !head.subarray(0, 512).includes(0)) return 'text/plain';
  return 'application/octet-stream';
}

/** Whether bytes of `mime` are media of `kind` (SVG is not an image here: it is markup, and scripts can ride in it). */
export function mimeFitsKind(mime: string, kind: MediaKind): boolean {
  if (mime === 'image/svg+xml') return false;
  if (kind === 'audio') return mime.startsWith('audio/') || AUDIO_CONTAINERS.has(mime);
  return mime.startsWith(`${kind}/`);
}
