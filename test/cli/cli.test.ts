// The `builder` CLI as a child process against a real test API (HTTP, Temporal, Postgres).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEXT_CHAIN } from '../../src/demo/workflows';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

const BIN = path.resolve('bin/builder.js');

describe('builder CLI', function () {
  let api: TestApi;
  let key: string;
  let slug: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db);
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    slug = (await buildWorkflow(api.engine.db, account.id, TEXT_CHAIN)).slug;
  });
  after(async () => api?.close());

  /** Runs the CLI (piped, so plain lines) and resolves with its exit code and output. */
  function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...process.env, BUILDER_API_URL: api.url, BUILDER_API_KEY: key }, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('runs a workflow with inputs from flags and prints its output', async () => {
    const result = await cli('run', slug, '--input', 'topic=lighthouses');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^execution ex_\S+: completed in \d+ ms, \d+ credits$/m);
    assert.match(result.stdout, /\[sandbox\]/);
  });

  it('runs with inputs from a JSON file and watches it live: step statuses, streamed text, then the output', async () => {
    const file = path.join(tmpdir(), `inputs-${process.pid}.json`);
    await writeFile(file, JSON.stringify({ topic: 'glaciers' }));
    const result = await cli('run', slug, '--inputs-file', file, '--watch');
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    const id = lines[0]!.match(/^execution (ex_\S+)$/)?.[1];
    assert.ok(id, result.stdout);
    for (const step of ['input', 'outline', 'draft', 'output']) assert.ok(lines.includes(`step ${step} completed`), `${step} completed in:\n${result.stdout}`);
    assert.ok(lines.some((line) => /^(outline|draft)> .*\S/.test(line)), `streamed text lines in:\n${result.stdout}`);
    assert.ok(lines.indexOf('step outline completed') < lines.indexOf('step draft completed'));
    assert.match(result.stdout, /^completed in \d+ ms/m);
    assert.match(result.stdout, /^output: "\[sandbox\]/m);

    const inspect = await cli('inspect', id!);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /status: +completed/);
    assert.match(inspect.stdout, /trigger: +api/);
    assert.match(inspect.stdout, /^ {2}draft +text-generation +completed +attempts 1/m);
  });

  it('replays a run from a step, watches the replay and lists both runs', async () => {
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
    assert.match(replay.stdout, /^step draft completed$/m);
    assert.match(replay.stdout, /^output: "\[sandbox\]/m);

    const list = await cli('list', '--workflow', slug, '--limit', '50');
    assert.equal(list.code, 0, list.stderr);
    assert.ok(list.stdout.includes(id!) && list.stdout.includes(replayId![1]!), list.stdout);
    const replays = await cli('list', '--trigger', 'replay', '--json');
    assert.ok((JSON.parse(replays.stdout) as Array<{ id: string }>).some((e) => e.id === replayId![1]));
  });

  it('exits 2 with the API error code for a bad key or an unknown run', async () => {
    const missing = await cli('inspect', 'ex_missing');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /404 NOT_FOUND/);
  });
});
