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
