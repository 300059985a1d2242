/** True when `outdir` holds `<entry>.js` for every entry and no source changed since it was built. */
export function isFresh(outdir: string, entries: string[]): boolean;
