import assert from 'node:assert/strict';
import { ConfigError, loadConfig, vendorDefaultsOf } from '../../src/config';

describe('vendor configuration', () => {
  it('defaults to the vendors’ public endpoints and a default price and tier per provider', () => {
    const config = loadConfig({});
    assert.equal(config.REPLICATE_BASE_URL, 'https://api.replicate.com/v1');
    assert.equal(config.FAL_BASE_URL, 'https://queue.fal.run');
    assert.deepEqual(vendorDefaultsOf(config), { replicate: { credits: 10, minTier: 'pro' }, fal: { credits: 10, minTier: 'pro' } });
  });

  it('reads the per-provider defaults and refuses a webhook secret that is not whsec_', () => {
    const config = loadConfig({ REPLICATE_DEFAULT_CREDITS: '25', FAL_DEFAULT_TIER: 'business', REPLICATE_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    assert.deepEqual(vendorDefaultsOf(config), { replicate: { credits: 25, minTier: 'pro' }, fal: { credits: 10, minTier: 'business' } });
    assert.throws(() => loadConfig({ REPLICATE_WEBHOOK_SECRET: 'hunter2', FAL_DEFAULT_TIER: 'gold' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /REPLICATE_WEBHOOK_SECRET: must be whsec_/);
      assert.match(err.message, /FAL_DEFAULT_TIER/);
      return true;
    });
  });

  it('reads VENDOR_CONCURRENCY as jobs in flight per vendor, none capped by default', () => {
    assert.deepEqual(loadConfig({}).VENDOR_CONCURRENCY, {});
    assert.deepEqual(loadConfig({ VENDOR_CONCURRENCY: 'replicate=8, fal=4' }).VENDOR_CONCURRENCY, { replicate: 8, fal: 4 });
  });

  it('refuses to boot with a VENDOR_CONCURRENCY that is not vendor=n, naming the bad entry', () => {
    for (const [value, problem] of [
      ['replicate=0', /"replicate=0" is not vendor=n/],
      ['replicate', /"replicate" is not vendor=n/],
      ['replicate=-2', /"replicate=-2" is not vendor=n/],
      ['replicate=2,replicate=3', /vendor "replicate" is named twice/],
      ['Replicate=2', /"Replicate=2" is not vendor=n/],
    ] as const) {
      assert.throws(() => loadConfig({ VENDOR_CONCURRENCY: value }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /VENDOR_CONCURRENCY/);
        assert.match(err.message, problem);
        return true;
      });
    }
  });
});
