// `data:` URIs as vendors answer them (Replicate models may return their output inline): decoded
// here, in an activity or the callback route, and stored, so the bytes never ride in a signal or a
// Temporal payload.

/** A decoded `data:` URI. */
export interface DataUri {
  mimeType: string;
  bytes: Buffer;
}

/** Whether `url` is a `data:` URI. */
export function isDataUri(url: string): boolean {
  return /^data:/i.test(url);
}

/** Decodes `data:[<mime>][;param=value]*[;base64],<data>`; undefined when it is not one. */
export function decodeDataUri(url: string): DataUri | undefined {
  const comma = url.indexOf(',');
  if (!isDataUri(url) || comma < 0) return undefined;
  const header = url.slice(5, comma).split(';').map((part) => part.trim());
  const base64 = header.at(-1)?.toLowerCase() === 'base64';
  const mimeType = header[0] && header[0].includes('/') ? header[0].toLowerCase() : 'application/octet-stream';
  const data = url.slice(comma + 1);
  const bytes = base64 ? Buffer.from(data, 'base64') : Buffer.from(decodeURIComponent(data), 'utf8');
  return { mimeType, bytes };
}
