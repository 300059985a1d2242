// Text Postgres cannot store: a NUL character (text and jsonb refuse it) or a lone UTF-16 surrogate
// (not valid Unicode; jsonb refuses its `\ud800` escape). Found before a value reaches the database,
// so the caller gets a 400 naming the field instead of a failed query.

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` cannot be stored, or null when it can. */
export function unstorableReason(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'contains an unpaired UTF-16 surrogate (not valid Unicode)';
  return null;
}

/**
 * The first string (value or object key) inside `value` that cannot be stored, with its path, or null.
 * Iterative (an explicit stack, visited in document order; each frame points at its parent, so the
 * path is built once, for the finding): user data of any depth cannot overflow the call stack.
 */
export function findUnstorableText(value: unknown, path: string[] = []): { path: string[]; reason: string } | null {
  type Frame = { value: unknown; key?: string; parent?: Frame; badKey?: string };
  const pathOf = (frame: Frame): string[] => {
    const keys: string[] = [];
    for (let at: Frame | undefined = frame; at?.key !== undefined; at = at.parent) keys.push(at.key);
    return [...path, ...keys.reverse()];
  };
  const stack: Frame[] = [{ value }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item.badKey) return { path: pathOf(item), reason: `has a key that ${item.badKey}` };
    if (typeof item.value === 'string') {
      const reason = unstorableReason(item.value);
      if (reason) return { path: pathOf(item), reason };
      continue;
    }
    if (!item.value || typeof item.value !== 'object') continue;
    const children: Frame[] = [];
    if (Array.isArray(item.value)) {
      item.value.forEach((child, index) => children.push({ value: child, key: String(index), parent: item }));
    } else {
      for (const [key, child] of Object.entries(item.value)) {
        const keyReason = unstorableReason(key);
        // A bad key is reported when the walk reaches it, before anything inside or after it.
        if (keyReason) {
          children.push({ value: undefined, key, parent: item, badKey: keyReason });
          break;
        }
        children.push({ value: child, key, parent: item });
      }
    }
    // Reversed onto the stack so the first child is visited first.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return null;
}
