// Shows values to a person: inline media (data URLs) abbreviated so they do not flood a terminal.

const DATA_URL = /^data:([^;,]*)(;base64)?,/;

/** JSON of `value` with every long data URL replaced by its type and size. */
export function showJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (typeof item !== 'string' || item.length <= 80) return item;
      const match = DATA_URL.exec(item);
      if (!match) return item;
      const payload = item.length - match[0].length;
      const bytes = match[2] ? Math.floor((payload * 3) / 4) : payload;
      return `${match[0]}… (${(bytes / 1024).toFixed(1)} KiB ${match[1] || 'data'})`;
    },
    indent,
  );
}

/** A run's credits as people read them: net used, and what was refunded when anything was. */
export function creditsText(run: { creditsUsed?: unknown; creditsRefunded?: unknown }): string {
  const used = `${Number(run.creditsUsed ?? 0)} credits used`;
  const refunded = Number(run.creditsRefunded ?? 0);
  return refunded > 0 ? `${used}, ${refunded} refunded` : used;
}
