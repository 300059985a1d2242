// `tsx temporal/setup.ts`: registers our custom search attributes on the cluster at
// TEMPORAL_ADDRESS (default localhost:7233) in TEMPORAL_NAMESPACE, with the same TLS / API key
// settings the app uses. Needed once per namespace on clusters other than our dev server.
import { loadConfig } from '../src/config';
import { connectClient } from '../src/runtime/temporal';
import { registerSearchAttributes } from '../src/runtime/searchAttributes';

const config = loadConfig();
const address = config.TEMPORAL_ADDRESS ?? 'localhost:7233';
const namespace = config.TEMPORAL_NAMESPACE;
try {
  const client = await connectClient(address, namespace, config);
  try {
    const { added } = await registerSearchAttributes(client.connection, namespace);
    console.log(
      added.length > 0
        ? `Registered ${added.join(', ')} in namespace ${namespace} at ${address}.`
        : `Search attributes already registered in namespace ${namespace} at ${address}.`,
    );
  } finally {
    await client.connection.close();
  }
} catch (err) {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exitCode = 1;
}
