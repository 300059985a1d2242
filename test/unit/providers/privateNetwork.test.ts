import assert from 'node:assert/strict';
import { checkCallbackUrl, CallbackUrlError } from '../../../src/providers/callbackUrl';
import { checkPublicHost } from '../../../src/providers/privateNetwork';

describe('the private-network check', () => {
  it('refuses loopback and private IP literals, bracketed IPv6 included', async () => {
    for (const host of ['127.0.0.1', '10.1.2.3', '192.168.0.10', '[::1]', '::ffff:127.0.0.1', '169.254.169.254']) {
      const check = await checkPublicHost(host);
      assert.equal(check.verdict, 'private', host);
    }
  });

  it('passes public IP literals without a DNS lookup', async () => {
    assert.deepEqual(await checkPublicHost('93.184.216.34'), { verdict: 'public', addresses: ['93.184.216.34'] });
    assert.deepEqual(await checkPublicHost('[2606:4700::1111]'), { verdict: 'public', addresses: ['2606:4700::1111'] });
  });

  it('refuses a name that resolves to loopback', async () => {
    const check = await checkPublicHost('localhost');
    assert.equal(check.verdict, 'private');
  });

  it('reports a name that does not resolve', async () => {
    const check = await checkPublicHost('no-such-host.invalid');
    assert.equal(check.verdict, 'unresolved');
  });

  it('refuses callback URLs aimed at the private network, saying why', async () => {
    await assert.rejects(checkCallbackUrl('http://127.0.0.1:9/hook', false), (err: unknown) => {
      assert.ok(err instanceof CallbackUrlError);
      assert.equal(err.message, 'callbackUrl host "127.0.0.1" is a loopback or private address; callbacks must reach a public address.');
      return true;
    });
    await assert.rejects(checkCallbackUrl('http://no-such-host.invalid/hook', false), /callbackUrl host "no-such-host.invalid" does not resolve\./);
    assert.equal((await checkCallbackUrl('http://127.0.0.1:9/hook', true)).href, 'http://127.0.0.1:9/hook');
    assert.equal((await checkCallbackUrl('https://93.184.216.34/hook', false)).href, 'https://93.184.216.34/hook');
  });
});
