// A step's output as a person wants to see it: text as text, media as a player, the rest as JSON.
// Media comes by reference (`{ mediaId, mimeType, url, … }`, a signed URL) or, from older runs,
// inline (`{ mimeType, dataUrl }`); the URL wins when both are there, and a URL shown once stays
// while it is valid (stableSrc.ts), so a re-read of the run does not restart a player.
import { stableMediaSrc } from './stableSrc';

/** A media value of a step output. */
interface Media {
  mimeType: string;
  src: string;
  width?: number;
  height?: number;
}

/** The media a value describes, or null. */
export function mediaOf(value: unknown): Media | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const src = typeof record.url === 'string' ? record.url : typeof record.dataUrl === 'string' ? record.dataUrl : null;
  if (typeof record.mimeType !== 'string' || !src) return null;
  return {
    mimeType: record.mimeType,
    src: stableMediaSrc(src),
    ...(typeof record.width === 'number' ? { width: record.width } : {}),
    ...(typeof record.height === 'number' ? { height: record.height } : {}),
  };
}

/** A file name for a download: the step and port, with the mime type's extension. */
function downloadName(label: string, mimeType: string): string {
  const subtype = mimeType.split('/')[1]?.split(/[;+]/)[0] ?? 'bin';
  const extension = ({ mpeg: 'mp3', 'x-wav': 'wav', jpeg: 'jpg', 'svg+xml': 'svg' } as Record<string, string>)[subtype] ?? subtype;
  return `${label.replace(/[^\w.-]+/g, '-')}.${extension}`;
}

/** One media preview, by its mime type, with a link to download the file (a player may not play every format). */
export function MediaPreview({ media, label }: { media: Media; label: string }) {
  const kind = media.mimeType.split('/')[0];
  const download = (
    <a className="download" href={media.src} download={downloadName(label, media.mimeType)} data-role="download">
      Download {media.mimeType}
    </a>
  );
  if (kind === 'image') return <img className="media" src={media.src} alt={label} data-media="image" loading="lazy" />;
  if (kind === 'video' || kind === 'audio') {
    return (
      <div className="media-box">
        {kind === 'video' ? (
          <video className="media" src={media.src} controls muted playsInline preload="metadata" data-media="video" />
        ) : (
          <audio className="media audio" src={media.src} controls preload="metadata" data-media="audio" />
        )}
        {download}
      </div>
    );
  }
  return (
    <a href={media.src} target="_blank" rel="noreferrer" data-media="file">
      {media.mimeType}
    </a>
  );
}

function compactJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 240 ? `${text.slice(0, 240)}…` : text;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value);

/**
 * Every port of a step output; streamed text takes the place of `text` while the step streams. A
 * Response Output's `value` holding several inputs shows them by their own names (not as `value`);
 * another object that is not media shows its own fields, one level deep. With several ports, each
 * is labelled.
 */
export function Outputs({ output, streamed, stepId, depth = 0 }: { output: Record<string, unknown> | null; streamed: string | undefined; stepId: string; depth?: number }) {
  let entries = Object.entries(output ?? {});
  if (depth === 0 && entries.length === 1 && entries[0]![0] === 'value' && isPlainObject(entries[0]![1]) && !mediaOf(entries[0]![1])) {
    entries = Object.entries(entries[0]![1]);
  }
  if (entries.length === 0 && streamed) return <div className="text" data-output="text">{streamed}</div>;
  const labelled = entries.length > 1;
  return (
    <>
      {entries.map(([port, value]) => {
        const list = Array.isArray(value) ? value : [value];
        const media = list.map(mediaOf).filter((m): m is Media => m !== null);
        const label = labelled ? <span className="port" data-port={port}>{port}</span> : null;
        if (media.length > 0) {
          return (
            <div key={port} className="nested" data-output-port={port}>
              {label}
              {media.map((m, i) => <MediaPreview key={`${port}${i}`} media={m} label={`${stepId}.${port}`} />)}
            </div>
          );
        }
        if (typeof value === 'string') {
          return (
            <div key={port} className="nested" data-output-port={port}>
              {label}
              <div className="text" data-output="text">{value}</div>
            </div>
          );
        }
        if (isPlainObject(value) && depth === 0) {
          return (
            <div key={port} className="nested">
              <span className="port">{port}</span>
              <Outputs output={value} streamed={undefined} stepId={`${stepId}.${port}`} depth={depth + 1} />
            </div>
          );
        }
        return (
          <div key={port} className="json">
            <span className="port">{port}</span> {compactJson(value)}
          </div>
        );
      })}
    </>
  );
}
