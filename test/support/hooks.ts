// Root hooks (mocha `require`): shared servers are started lazily by the tests that need them
// and stopped once, after the whole run.
import { teardownTestDatabases } from './db';
import { teardownS3 } from './s3';
import { teardownTemporal } from './temporal';

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await Promise.all([teardownTemporal(), teardownTestDatabases(), teardownS3()]);
  },
};
