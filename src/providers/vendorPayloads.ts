// Vendor payloads: the input we send (each vendor model has its own schema) and, in what comes back,
// where the media is (vendors answer URLs in many shapes) and what it is.
import type { MediaMeta } from '../media/types';

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif',
  mp4: 'video/mp4', webm: 'video/webm', mov: 'video/quicktime',
  mp3: 'audio/mpeg', wav: 'audio/wav', ogg: 'audio/ogg', flac: 'audio/flac', m4a: 'audio/mp4',
};

/**
 * The first media URL in a vendor output: a URL string, an array of them (Replicate), or objects
 * holding `url` fields (fal's `{ images: [{ url }] }`, `{ video: { url } }`). Depth-first, in order.
 */
export function firstMediaUrl(output: unknown, depth = 0): string | undefined {
  if (depth > 5 || output === null || output === undefined) return undefined;
  if (typeof output === 'string') return /^(https?:|data:)/.test(output) ? output : undefined;
  if (Array.isArray(output)) {
    for (const item of output) {
      const url = firstMediaUrl(item, depth + 1);
      if (url) return url;
    }
    return undefined;
  }
  if (typeof output === 'object') {
    const record = output as Record<string, unknown>;
    if (typeof record.url === 'string') return firstMediaUrl(record.url, depth + 1);
    for (const value of Object.values(record)) {
      const url = firstMediaUrl(value, depth + 1);
      if (url) return url;
    }
  }
  return undefined;
}

/** What a media URL's file name says about it (the download's Content-Type refines it). */
export function metaFromUrl(url: string, hints: { contentType?: unknown; width?: unknown; height?: unknown } = {}): Partial<MediaMeta> {
  let extension = '';
  try {
    extension = new URL(url).pathname.split('.').pop()?.toLowerCase() ?? '';
  } catch {
    extension = '';
  }
  const mimeType = typeof hints.contentType === 'string' ? hints.contentType : MIME_BY_EXTENSION[extension];
  return {
    ...(mimeType ? { mimeType } : {}),
    ...(typeof hints.width === 'number' ? { width: hints.width } : {}),
    ...(typeof hints.height === 'number' ? { height: hints.height } : {}),
  };
}

/**
 * A vendor model's input: the prompt, the node's width/height when set, then `config.input`, the
 * node's free-form vendor parameters (each of the vendors' thousands of models has its own schema).
 */
export function vendorInput(request: { prompt: string; params: Record<string, unknown>; config: Record<string, unknown> }): Record<string, unknown> {
  const extra = request.config.input;
  return {
    prompt: request.prompt,
    ...(typeof request.params.width === 'number' ? { width: request.params.width } : {}),
    ...(typeof request.params.height === 'number' ? { height: request.params.height } : {}),
    ...(extra && typeof extra === 'object' && !Array.isArray(extra) ? (extra as Record<string, unknown>) : {}),
  };
}
