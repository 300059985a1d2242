import assert from 'node:assert/strict';
import { checkCallbackUrl, CallbackUrlError } from '../../../src/providers/callbackUrl';

const PUBLIC_ONLY = { allowPrivateNetworks: false };
const OPEN = { allowPrivateNetworks: true };

describe('result callback URLs', () => {
  it('refuses callback URLs aimed at the private network, saying why and naming the host', async () => {
    await assert.rejects(checkCallbackUrl('http://127.0.0.1:9/hook', PUBLIC_ONLY), (err: unknown) => {
      assert.ok(err instanceof CallbackUrlError);
      assert.equal(err.message, 'callbackUrl host "127.0.0.1" is a loopback or private address (127.0.0.1); callbacks must reach a public address.');
      return true;
    });
    for (const url of ['http://2130706433/hook', 'http://[::ffff:7f00:1]/x', 'http://169.254.169.254/latest', 'http://localhost./x', 'http://10.0.0.1/x']) {
      await assert.rejects(checkCallbackUrl(url, PUBLIC_ONLY), CallbackUrlError, url);
    }
    await assert.rejects(checkCallbackUrl('http://no-such-host.invalid/hook', PUBLIC_ONLY), /callbackUrl host "no-such-host.invalid" does not resolve\./);
    assert.equal((await checkCallbackUrl('http://127.0.0.1:9/hook', OPEN)).href, 'http://127.0.0.1:9/hook');
    assert.equal((await checkCallbackUrl('https://93.184.216.34/hook', PUBLIC_ONLY)).href, 'https://93.184.216.34/hook');
  });

  it('accepts a private receiver that PRIVATE_NETWORK_ALLOWLIST names, and only on its port', async () => {
    const allowlisted = { allowPrivateNetworks: false, allowlist: ['127.0.0.1:9'] };
    assert.equal((await checkCallbackUrl('http://127.0.0.1:9/hook', allowlisted)).href, 'http://127.0.0.1:9/hook');
    await assert.rejects(checkCallbackUrl('http://127.0.0.1:10/hook', allowlisted), CallbackUrlError);
  });

  it('refuses credentials, other schemes and overlong URLs', async () => {
    await assert.rejects(checkCallbackUrl('https://user:pw@example.com/x', OPEN), /must not carry credentials/);
    await assert.rejects(checkCallbackUrl('ftp://example.com/x', OPEN), /http or https/);
    await assert.rejects(checkCallbackUrl(`https://example.com/${'a'.repeat(2100)}`, OPEN), /at most 2048/);
  });
});
