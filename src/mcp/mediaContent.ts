// Media in MCP results: the JSON text carries references with signed URLs (never bytes); each
// piece of media is also offered as a `resource_link`, and small images as `image` content.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { BuilderApiClient } from '../client/apiClient';

/** Images smaller than this are also sent as `image` content, which clients show inline. */
export const INLINE_IMAGE_MAX_BYTES = 1024 * 1024;

/** A media reference as the API shows it: with a signed URL. */
interface PresentedMedia {
  mediaId: string;
  mimeType: string;
  sizeBytes: number;
  url: string;
}

type Content = CallToolResult['content'][number];

/** Every presented media reference in a JSON value, once each. */
export function findMedia(value: unknown, found = new Map<string, PresentedMedia>()): PresentedMedia[] {
  // Iterative, in document order: a deeply nested result cannot overflow the call stack.
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== 'object' || item === null) continue;
    const candidate = item as Record<string, unknown>;
    if (!Array.isArray(item) && typeof candidate.mediaId === 'string' && typeof candidate.url === 'string' && typeof candidate.mimeType === 'string') {
      found.set(candidate.mediaId, { mediaId: candidate.mediaId, mimeType: candidate.mimeType, sizeBytes: Number(candidate.sizeBytes), url: candidate.url });
      continue;
    }
    const children = Array.isArray(item) ? item : Object.values(candidate);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return [...found.values()];
}

/** The content items that offer the media of `result`: a resource link each, and small images inline. */
export async function mediaContent(result: unknown, api: Pick<BuilderApiClient, 'downloadMedia'>): Promise<Content[]> {
  const content: Content[] = [];
  for (const media of findMedia(result)) {
    content.push({ type: 'resource_link', uri: media.url, name: media.mediaId, mimeType: media.mimeType, description: `${media.mimeType}, ${media.sizeBytes} bytes (signed, expiring link)` });
    if (media.mimeType.startsWith('image/') && media.sizeBytes < INLINE_IMAGE_MAX_BYTES) {
      const bytes = await api.downloadMedia(media.url, INLINE_IMAGE_MAX_BYTES).catch(() => undefined);
      if (bytes) content.push({ type: 'image', data: bytes.toString('base64'), mimeType: media.mimeType });
    }
  }
  return content;
}
