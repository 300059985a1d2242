// `npm run clean [-- --orphans]`: see ./clean.ts. Prints what it removed and what it kept.
import { loadConfig } from '../config';
import { PROJECT_ROOT } from '../paths';
import { cleanLocalData } from './clean';

const report = await cleanLocalData({ dataDir: loadConfig(process.env).DATA_DIR, projectRoot: PROJECT_ROOT, orphans: process.argv.includes('--orphans') });
for (const removed of report.removed) console.log(`removed ${removed}`);
for (const kept of report.kept) console.log(`kept ${kept.path}: ${kept.why}`);
if (report.removed.length === 0 && report.kept.length === 0) console.log('nothing to remove');
process.exitCode = report.kept.length > 0 ? 1 : 0;
