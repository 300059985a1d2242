// `{{ name }}` templates used by prompts, URLs and the Template node. Pure and deterministic.
// Here, below the domain, because the Template node runs it; src/domain/template.ts re-exports it.

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}/g;

/** Renders `{{ a.b }}` placeholders from `values`; strings as-is, other values as JSON, missing as ''. */
export function renderTemplate(template: string, values: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_match, path: string) => stringify(lookup(values, path)));
}

/** The top-level names a template refers to. */
export function templateVariables(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) names.add(match[1]!.split('.')[0]!);
  return [...names];
}

function lookup(values: Record<string, unknown>, path: string): unknown {
  let current: unknown = values;
  for (const part of path.split('.')) {
    // Own properties only: `{{ toString }}` must not reach Object.prototype.
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
