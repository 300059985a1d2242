// Recorded Temporal histories on disk: test/histories/<release>/<shape>.json, each with the
// offloaded payloads its history references (claim-check references, by sha256) in
// <shape>.payloads.json, so a replay decodes them with the real codec, as a worker would.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { createFsBlobStore } from '../../src/media/fsStore';
import { CLAIM_CHECK_ENCODING, createClaimCheckCodec } from '../../src/media/payloadCodec';

/** The folder of every recorded release. */
export const HISTORIES_DIR = path.dirname(fileURLToPath(import.meta.url));

/** A release's manifest (`index.json`). */
export interface ReleaseManifest {
  release: string;
  commit: string;
  recordedAt: string;
  histories: Array<{ name: string; description: string; workflowId: string; status: string }>;
}

/** One recorded history, ready to replay. */
export interface RecordedHistory {
  release: string;
  /** `<release>/<shape>` (or `<shape>-<n>` for a shape with several runs). */
  name: string;
  workflowId: string;
  history: temporal.api.history.v1.IHistory;
}

const CLAIM_CHECK_B64 = Buffer.from(CLAIM_CHECK_ENCODING).toString('base64');

/** The sha256s of the offloaded payloads a history (as JSON) references; walked without recursion. */
export function claimCheckReferences(historyJson: unknown): string[] {
  const found = new Set<string>();
  const stack: unknown[] = [historyJson];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...value);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      const metadata = record.metadata as Record<string, unknown> | undefined;
      if (metadata?.encoding === CLAIM_CHECK_B64 && typeof record.data === 'string') found.add(Buffer.from(record.data, 'base64').toString('utf8'));
      else stack.push(...Object.values(record));
    }
  }
  return [...found];
}

/** The releases recorded so far, oldest first by recording time. */
export async function recordedReleases(): Promise<ReleaseManifest[]> {
  const entries = await readdir(HISTORIES_DIR, { withFileTypes: true });
  const manifests: ReleaseManifest[] = [];
  for (const entry of entries) {
    const file = path.join(HISTORIES_DIR, entry.name, 'index.json');
    if (entry.isDirectory() && existsSync(file)) manifests.push(JSON.parse(await readFile(file, 'utf8')) as ReleaseManifest);
  }
  return manifests.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt));
}

/** Every recorded history of a release. */
export async function loadRelease(manifest: ReleaseManifest): Promise<RecordedHistory[]> {
  const dir = path.join(HISTORIES_DIR, manifest.release);
  return Promise.all(
    manifest.histories.map(async ({ name, workflowId }) => ({
      release: manifest.release,
      name: `${manifest.release}/${name}`,
      workflowId,
      history: historyFromJSON(JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8'))),
    })),
  );
}

/**
 * A data converter that decodes the releases' offloaded payloads: the real claim-check codec over a
 * file store holding every sidecar's payloads. Call `close()` when done.
 */
export async function replayDataConverter(manifests: ReleaseManifest[]): Promise<{ dataConverter: DataConverter; close(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'builder-replay-payloads-'));
  const store = createFsBlobStore(dir);
  for (const manifest of manifests) {
    for (const { name } of manifest.histories) {
      const sidecar = path.join(HISTORIES_DIR, manifest.release, `${name}.payloads.json`);
      if (!existsSync(sidecar)) continue;
      const payloads = JSON.parse(await readFile(sidecar, 'utf8')) as Record<string, string>;
      for (const base64 of Object.values(payloads)) await store.put(Buffer.from(base64, 'base64'), { mimeType: 'application/x-protobuf', maxBytes: 64 * 1024 * 1024 });
    }
  }
  return {
    dataConverter: { payloadCodecs: [createClaimCheckCodec({ store })] },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Writes one history and its sidecar of offloaded payloads. */
export async function writeHistory(dir: string, name: string, historyJson: unknown, readPayload: (sha256: string) => Promise<Buffer>): Promise<void> {
  await writeFile(path.join(dir, `${name}.json`), `${JSON.stringify(historyJson, null, 1)}\n`);
  const refs = claimCheckReferences(historyJson);
  if (refs.length === 0) return;
  const payloads: Record<string, string> = {};
  for (const sha256 of refs.sort()) payloads[sha256] = (await readPayload(sha256)).toString('base64');
  await writeFile(path.join(dir, `${name}.payloads.json`), `${JSON.stringify(payloads, null, 1)}\n`);
}
