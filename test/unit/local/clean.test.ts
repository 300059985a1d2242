// `npm run clean`: the data folder and the embedded cluster kept elsewhere go, a running cluster stays.
import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanLocalData } from '../../../src/local/clean';
import { relocatedDataDir } from '../../../src/local/postgresBinaries';

const exists = (file: string) => access(file).then(() => true, () => false);

describe('npm run clean', () => {
  let root: string;
  let project: string;
  let dataRoot: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'clean-'));
    project = path.join(root, 'repo');
    dataRoot = path.join(root, 'var-lib');
    await mkdir(path.join(project, '.data', 'temporal'), { recursive: true });
    await mkdir(dataRoot, { recursive: true });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('removes the data folder and the cluster kept for it under the data root, and says what it removed', async () => {
    const cluster = relocatedDataDir(path.join(project, '.data', 'postgres'), dataRoot);
    await mkdir(cluster);
    await writeFile(path.join(cluster, 'PG_VERSION'), '18\n');
    await writeFile(`${cluster}.origin`, `${path.join(project, '.data', 'postgres')}\n`);
    const report = await cleanLocalData({ dataDir: '.data', projectRoot: project, dataRoot });
    assert.deepEqual(report.removed, [cluster, `${cluster}.origin`, path.join(project, '.data')]);
    assert.deepEqual(report.kept, []);
    assert.equal(await exists(path.join(project, '.data')), false);
    assert.deepEqual(await cleanLocalData({ dataDir: '.data', projectRoot: project, dataRoot }), { removed: [], kept: [] });
  });

  it('leaves a cluster whose Postgres is running, naming its pid, and stops nothing', async () => {
    await mkdir(path.join(project, '.data', 'postgres'));
    await writeFile(path.join(project, '.data', 'postgres', 'postmaster.pid'), `${process.pid}\n/somewhere\n`);
    const report = await cleanLocalData({ dataDir: '.data', projectRoot: project, dataRoot });
    assert.deepEqual(report.removed, []);
    assert.match(report.kept[0]!.why, new RegExp(`running \\(pid ${process.pid}\\)`));
    assert.equal(await exists(path.join(project, '.data', 'postgres', 'postmaster.pid')), true);
  });

  it('with --orphans also removes the clusters of clones that were deleted, and keeps those of clones still there', async () => {
    const gone = relocatedDataDir('/nowhere/deleted-clone/.data/postgres', dataRoot);
    await mkdir(gone);
    await writeFile(`${gone}.origin`, '/nowhere/deleted-clone/.data/postgres\n');
    const other = relocatedDataDir(path.join(root, 'other', '.data', 'postgres'), dataRoot);
    await mkdir(path.join(root, 'other', '.data'), { recursive: true });
    await mkdir(other);
    await writeFile(`${other}.origin`, `${path.join(root, 'other', '.data', 'postgres')}\n`);
    const report = await cleanLocalData({ dataDir: '.data', projectRoot: project, dataRoot, orphans: true });
    assert.ok(report.removed.includes(gone) && report.removed.includes(`${gone}.origin`));
    assert.equal(await exists(other), true);
  });

  it('refuses a DATA_DIR that holds the project itself', async () => {
    await assert.rejects(cleanLocalData({ dataDir: '..', projectRoot: project, dataRoot }), /refusing to remove it/);
  });
});
