// The `builder` CLI as a child process against a real test API (HTTP, Temporal, Postgres), run
// from its compiled JavaScript as `npm install` builds it.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEXT_CHAIN } from '../../src/demo/workflows';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

const BIN = path.resolve('bin/builder.js');

/** Runs the CLI (piped, so plain lines) and resolves with its exit code and output. */
export function runCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('builder-studio CLI', function () {
  let api: TestApi;
  let key: string;
  let slug: string;
  const cli = (...args: string[]) => runCli({ BUILDER_API_URL: api.url, BUILDER_API_KEY: key, ADMIN_TOKEN: '' }, ...args);

  before(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale']);
    api = await startTestApi();
    const account = await buildAccount(api.engine.db);
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    slug = (await buildWorkflow(api.engine.db, account.id, TEXT_CHAIN)).slug;
  });
  after(async () => api?.close());

  it('runs a workflow with inputs from flags and prints its output', async () => {
    const result = await cli('run', slug, '--input', 'topic=lighthouses');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^execution ex_\S+: completed in \d+(\.\d)? m?s, \d+ credits$/m);
    assert.match(result.stdout, /\[sandbox\]/);
  });

  it('with --json prints only the JSON answer on stdout, so run | jq works', async () => {
    const result = await cli('run', slug, '-i', 'topic=tides', '--json');
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout) as { success: boolean; executionId: string; output: unknown; creditsUsed: number; durationMs: number };
    assert.equal(answer.success, true);
    assert.match(answer.executionId, /^ex_/);
    assert.match(String(answer.output), /\[sandbox\]/);
    assert.equal(typeof answer.creditsUsed, 'number');

    const watched = await cli('run', slug, '-i', 'topic=reefs', '--watch', '--json');
    assert.equal(watched.code, 0, watched.stderr);
    const final = JSON.parse(watched.stdout) as { id: string; status: string; steps: Array<{ id: string; name: string }> };
    assert.equal(final.status, 'completed');
    assert.deepEqual(final.steps.map((step) => step.name), ['Request Input', 'Outline', 'Draft', 'Response']);
    // The live lines went to stderr.
    assert.match(watched.stderr, /^step draft completed/m);

    for (const args of [['inspect', final.id], ['list', '--workflow', slug], ['replay', final.id], ['schema', slug]]) {
      const each = await cli(...args, '--json');
      assert.equal(each.code, 0, `${args.join(' ')}: ${each.stderr}`);
      assert.doesNotThrow(() => JSON.parse(each.stdout), `${args.join(' ')} printed:\n${each.stdout}`);
    }
  });

  it('lists the workflows the key may run with their inputs, and list --json prints the API’s own answer', async () => {
    const text = await cli('workflows', 'list');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^${slug}\\s+.*topic: string$`, 'm'));
    const json = JSON.parse((await cli('workflows', 'list', '--json')).stdout) as { success: boolean; workflows: Array<{ slug: string }> };
    assert.deepEqual([json.success, json.workflows.map((w) => w.slug)], [true, [slug]]);
    const runs = JSON.parse((await cli('list', '--workflow', slug, '--json')).stdout) as { success: boolean; executions: unknown[] };
    assert.equal(runs.success, true);
    assert.ok(Array.isArray(runs.executions));
  });

  it('runs with inputs from a JSON file and watches it live: step statuses, streamed text, then the steps with names and durations', async () => {
    const file = path.join(tmpdir(), `inputs-${process.pid}.json`);
    await writeFile(file, JSON.stringify({ topic: 'glaciers' }));
    const result = await cli('run', slug, '--inputs-file', file, '--watch');
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    const id = lines[0]!.match(/^execution (ex_\S+)$/)?.[1];
    assert.ok(id, result.stdout);
    for (const step of ['input', 'outline', 'draft', 'output']) assert.ok(lines.some((line) => line.startsWith(`step ${step} completed`)), `${step} completed in:\n${result.stdout}`);
    assert.ok(lines.some((line) => /^(outline|draft)> .*\S/.test(line)), `streamed text lines in:\n${result.stdout}`);
    assert.ok(lines.findIndex((line) => line.startsWith('step outline completed')) < lines.findIndex((line) => line.startsWith('step draft completed')));
    assert.match(result.stdout, /^completed in \d+(\.\d)? m?s/m);
    assert.match(result.stdout, /^output: "\[sandbox\]/m);
    assert.match(result.stdout, /^ {2}draft +Draft +text-generation +completed +\d+(\.\d)? m?s +attempts 1$/m);

    const inspect = await cli('inspect', id!);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /status: +completed/);
    assert.match(inspect.stdout, /trigger: +api/);
    assert.match(inspect.stdout, /^ {2}outline +Outline +text-generation +completed +\d+(\.\d)? m?s +attempts 1$/m);
  });

  it('replays a run from a step, marks the reused steps, and lists both runs', async () => {
    const first = await cli('run', slug, '--input', 'topic=comets', '--async');
    const id = first.stdout.match(/^execution (ex_\S+)$/m)?.[1];
    assert.ok(id, first.stdout + first.stderr);
    const watched = await cli('watch', id!);
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /^run completed$/m);

    const replay = await cli('replay', id!, '--from', 'draft', '--watch');
    assert.equal(replay.code, 0, replay.stderr);
    const replayId = replay.stdout.match(/^replay (ex_\S+) of (ex_\S+) from step draft$/m);
    assert.ok(replayId, replay.stdout);
    assert.equal(replayId![2], id);
    assert.match(replay.stdout, /^step draft completed/m);
    assert.match(replay.stdout, /^output: "\[sandbox\]/m);
    assert.match(replay.stdout, /^ {2}outline +Outline +text-generation +completed +reused +/m);

    const inspect = await cli('inspect', replayId![1]!);
    assert.match(inspect.stdout, /^ {2}outline +Outline +text-generation +completed +reused +/m);
    assert.match(inspect.stdout, /^ {2}draft +Draft +text-generation +completed +\d+(\.\d)? m?s +/m);

    const list = await cli('list', '--workflow', slug, '--limit', '50');
    assert.equal(list.code, 0, list.stderr);
    assert.ok(list.stdout.includes(id!) && list.stdout.includes(replayId![1]!), list.stdout);
    const replays = await cli('list', '--trigger', 'replay', '--json');
    assert.ok((JSON.parse(replays.stdout) as { executions: Array<{ id: string }> }).executions.some((e) => e.id === replayId![1]));
  });

  it('estimates a run’s credits and refusals without running it', async () => {
    const before = await api.engine.db.execution.count();
    const text = await cli('estimate', slug, '-i', 'topic=owls');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^${slug} at tier pro: \\d+ credits from your balance`, 'm'));
    assert.match(text.stdout, /^ {2}draft +sandbox-text +\d+ credits {2}balance$/m);
    assert.match(text.stdout, /^The run would be admitted\.$/m);
    const refused = await cli('estimate', slug, '--json');
    assert.equal(refused.code, 0, refused.stderr);
    const estimate = JSON.parse(refused.stdout) as { admissible: boolean; refusals: Array<{ code: string }> };
    assert.equal(estimate.admissible, false);
    assert.deepEqual(estimate.refusals.map((refusal) => refusal.code), ['INVALID_INPUTS']);
    assert.equal(await api.engine.db.execution.count(), before, 'nothing ran');
  });

  it('exits 2 with the API error code for an unknown run, also as JSON under --json', async () => {
    const missing = await cli('inspect', 'ex_missing');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /404 NOT_FOUND/);
    const json = await cli('inspect', 'ex_missing', '--json');
    assert.equal(json.code, 2);
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });

  it('names the URL it could not reach', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await runCli({ BUILDER_API_KEY: key }, 'inspect', 'ex_1', '--api-url', `http://127.0.0.1:${port}`);
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`Could not reach the Builder API at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
  });

  it('shows each command’s own help, and exits 2 on a usage error, also as JSON under --json', async () => {
    const help = await cli('run', '--help');
    assert.equal(help.code, 0);
    // Installed as npm installs a bin (npm link, npx): a symlink named builder-studio runs too.
    const linkDir = await mkdtemp(path.join(tmpdir(), 'bin-'));
    await symlink(BIN, path.join(linkDir, 'builder-studio'));
    const linked = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, [path.join(linkDir, 'builder-studio'), '--help'], (err, stdout) => resolve({ code: err ? 1 : 0, stdout })),
    );
    assert.equal(linked.code, 0);
    assert.match(linked.stdout, /^Usage: builder-studio \[options\] \[command\]/m);
    await rm(linkDir, { recursive: true, force: true });
    assert.match(help.stdout, /^Usage: builder-studio run \[options\] <slug>/m);
    assert.match(help.stdout, /--inputs-file <file>/);
    assert.match(help.stdout, /--json/);
    const push = await cli('help', 'workflows');
    assert.match(push.stdout, /push \[options\] <canvasFile>/);
    const wrong = await cli('run');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /missing required argument 'slug'/);
    const wrongJson = await cli('list', '--status', 'done', '--json');
    assert.equal(wrongJson.code, 2);
    const usage = JSON.parse(wrongJson.stdout) as { success: boolean; error: { code: string; message: string } };
    assert.equal(usage.error.code, 'USAGE');
    assert.match(usage.error.message, /Allowed choices are planning, running/);
  });

  it('sets up an account, a key and a workflow from a canvas file without curl, then runs it with that key', async () => {
    const admin = (...args: string[]) => runCli({ BUILDER_API_URL: api.url, BUILDER_API_KEY: '', ADMIN_TOKEN: api.adminToken }, ...args);
    const refused = await runCli({ BUILDER_API_URL: api.url, ADMIN_TOKEN: '' }, 'accounts', 'create', '--name', 'x');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /ADMIN_TOKEN/);

    const account = await admin('accounts', 'create', '--name', 'CLI set-up', '--tier', 'business', '--credits', '500', '--json');
    assert.equal(account.code, 0, account.stderr);
    const accountId = (JSON.parse(account.stdout) as { id: string; tier: string }).id;

    const created = await admin('keys', 'create', accountId, '--name', 'ci', '--capability', 'workflow:cli-pushed:run');
    assert.equal(created.code, 0, created.stderr);
    const secret = created.stdout.split('\n')[0]!;
    assert.match(secret, /^bsk_/);

    const canvas = path.join(tmpdir(), `canvas-${process.pid}.json`);
    await writeFile(canvas, JSON.stringify({ slug: 'cli-pushed', name: 'Pushed from the CLI', graph: TEXT_CHAIN }));
    const pushed = await admin('workflows', 'push', canvas, '--account', accountId);
    assert.equal(pushed.code, 0, pushed.stderr);
    const canvasId = pushed.stdout.match(/^created workflow cli-pushed \(canvas (\S+)\)$/m)?.[1];
    assert.ok(canvasId, pushed.stdout);

    const again = await admin('workflows', 'push', canvas, '--account', accountId);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /409 CONFLICT: .*--canvas-id/);
    const updated = await admin('workflows', 'push', canvas, '--account', accountId, '--canvas-id', canvasId!, '--name', 'Renamed');
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /^updated workflow cli-pushed/m);

    const run = await runCli({ BUILDER_API_URL: api.url, BUILDER_API_KEY: secret }, 'run', 'cli-pushed', '-i', 'topic=kites', '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { success: boolean }).success, true);
  });
});
