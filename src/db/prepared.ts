// The hot statements (a run request's reads, admission's insert, the RunStore's writes) as named
// prepared statements: Postgres parses and plans each once per connection instead of on every
// call. Unnamed, their parse and bind cost more than their execution (p50 on a quiet machine, in
// ms: step record 0.11 + 0.09 for a 0.89 execution; admission insert 0.31 + 0.38 for 0.76; key read
// 0.11 + 0.19 for 0.04). Only for statements whose text is fixed in code (values travel as
// parameters): every distinct text is a prepared statement on every pooled connection.
import { createHash } from 'node:crypto';
import type pg from 'pg';

const names = new Map<string, string>();

/** The statement's name: derived from its text, so one text is prepared once per connection. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `bs_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/** A query that runs as a named prepared statement of `text` (see the module comment). */
export function prepared(text: string, values: unknown[]): pg.QueryConfig {
  return { name: nameOf(text), text, values };
}
