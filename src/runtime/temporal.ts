// Connections to Temporal from the configuration: a local dev server or a cluster with TLS.
import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import type { Tracing } from '../observability/tracing';

type TemporalConfig = Pick<Config, 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT_PATH' | 'TEMPORAL_TLS_KEY_PATH' | 'TEMPORAL_API_KEY'>;

/** Connection options shared by the client and the worker. */
async function connectionOptions(address: string, config: TemporalConfig) {
  const mtls = config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH;
  const tls = mtls
    ? { clientCertPair: { crt: await readFile(config.TEMPORAL_TLS_CERT_PATH!), key: await readFile(config.TEMPORAL_TLS_KEY_PATH!) } }
    : config.TEMPORAL_TLS || config.TEMPORAL_API_KEY
      ? true
      : undefined;
  return { address, ...(tls ? { tls } : {}), ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}) };
}

/**
 * A Temporal client for starting and reading runs; give it the worker's data converter (payload
 * codec), and with tracing, workflow starts carry the trace.
 */
export async function connectClient(address: string, namespace: string, config: TemporalConfig, dataConverter?: DataConverter, tracing?: Tracing): Promise<Client> {
  const connection = await Connection.connect(await connectionOptions(address, config));
  return new Client({ connection, namespace, ...(dataConverter ? { dataConverter } : {}), ...(tracing ? { interceptors: tracing.clientInterceptors } : {}) });
}

/** A native connection for workers. */
export async function connectWorker(address: string, config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(await connectionOptions(address, config));
}
