// The compiled entry points (scripts/build.mjs → dist/…) and how the launchers tell a stale build.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isFresh } from '../../bin/compiled.js';
import { PROJECT_ROOT, projectPath } from '../../src/paths';

const run = promisify(execFile);

describe('compiled entry points', () => {
  let dir: string;
  let outdir: string;
  let source: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'builder-compiled-'));
    outdir = path.join(dir, 'dist');
    source = path.join(dir, 'worker.ts');
    await mkdir(outdir);
    await writeFile(source, 'export {};\n');
    await writeFile(path.join(outdir, 'worker.js'), 'export {};\n');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const built = (builtAt: number) => writeFile(path.join(outdir, 'inputs.json'), JSON.stringify({ builtAt, inputs: [source] }));

  it('counts a build as fresh when it has every entry point and no source changed after it was built', async () => {
    await built(Date.now() + 1_000);
    assert.equal(isFresh(outdir, ['worker']), true);
  });

  it('counts a build as stale once a source it was built from changes', async () => {
    await built(Date.now() - 60_000);
    assert.equal(isFresh(outdir, ['worker']), false);
  });

  it('counts a build as stale when an entry point, the list of sources or a source is missing', async () => {
    await built(Date.now() + 1_000);
    assert.equal(isFresh(outdir, ['worker', 'server']), false);
    await rm(source);
    assert.equal(isFresh(outdir, ['worker']), false);
    await rm(path.join(outdir, 'inputs.json'));
    assert.equal(isFresh(outdir, ['worker']), false);
  });

  it('builds only stale targets with --if-stale, and the launcher then runs the compiled worker', async function () {
    this.timeout(60_000);
    await run(process.execPath, ['scripts/build.mjs', '--if-stale']);
    assert.equal(isFresh(projectPath('dist', 'server'), ['start', 'server', 'worker', 'bundleMain']), true);
    assert.equal(isFresh(projectPath('dist', 'cli'), ['main']), true);
    // A worker that cannot start says why in one line; without the [run] notice it ran dist/server/worker.js.
    const failed = await run(process.execPath, ['bin/run.js', 'worker'], { env: { ...process.env, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1', PUBLIC_URL: 'http://127.0.0.1:1' } }).then(
      () => assert.fail('the worker started without a database'),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^\[worker\] could not start: /m);
    assert.doesNotMatch(failed.stderr + failed.stdout, /\[run\]/);
  });

  it('refuses an unknown process name with its usage and exit code 2', async () => {
    const failed = await run(process.execPath, ['bin/run.js', 'workers']).then(
      () => assert.fail('bin/run.js accepted "workers"'),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /usage: node bin\/run\.js <start\|server\|worker>/);
  });

  it('bundles the workflows in a child process that does not run the code a parent was given with -e again', async function () {
    this.timeout(120_000);
    const code = "const { bundleWorkflows } = await import('./src/runtime/worker.ts'); const bundle = await bundleWorkflows(); console.log(`bundled ${bundle.code.length > 0} in a child: ${process.memoryUsage().rss < 250 * 1024 * 1024}`);";
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { timeout: 110_000 });
    // Once: a child that ran the -e code again would print twice (and start children of its own).
    assert.equal(stdout.trim(), 'bundled true in a child: true');
  });

  it('finds the project root from the sources', () => {
    assert.equal(PROJECT_ROOT, path.resolve('.'));
    assert.equal(projectPath('prisma', 'migrations'), path.resolve('prisma/migrations'));
  });
});
