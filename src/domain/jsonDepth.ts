// How deep a JSON value nests, measured without recursion: a body of 5,000 nested arrays must be
// refused with a 400, not overflow the call stack of whatever walks it next.

/** The deepest nesting of arrays and objects a request body may hold (`{"inputs":{…}}` is depth 2). */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests arrays/objects deeper than `max` levels; walks iteratively and stops early. */
export function nestsDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    const level = depth + 1;
    if (level > max) return true;
    const children = Array.isArray(item) ? item : Object.values(item as Record<string, unknown>);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child, level]);
  }
  return false;
}

/** The message of a depth refusal, naming the limit. */
export function tooDeepMessage(max: number = MAX_JSON_DEPTH): string {
  return `The request body nests arrays or objects deeper than ${max} levels, the limit.`;
}
