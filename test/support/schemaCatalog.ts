// The schema/migration agreement check: what prisma/schema.prisma says the database must hold,
// derived from Prisma's own parser (its DMMF), against what a database actually holds, read from
// pg_catalog. Both sides are reduced to the same plain shape, so a deepEqual shows any drift.
import type pg from 'pg';
import type { Datamodel, DmmfField, DmmfModel } from './prismaDmmf';

export { loadDatamodel } from './prismaDmmf';

/** A database schema reduced to what Prisma controls, with Postgres' own spellings. */
export interface Catalog {
  /** Enum name → labels in order. */
  enums: Record<string, string[]>;
  tables: Record<string, TableCatalog>;
}

export interface TableCatalog {
  /** Column → `type`, nullability and default expression as `pg_get_expr` prints it. */
  columns: Record<string, { type: string; nullable: boolean; default: string | null }>;
  primaryKey: { name: string; columns: string[] } | null;
  /** Index name → definition (primary key index excluded). */
  indexes: Record<string, { unique: boolean; method: string; columns: string[]; predicate: string | null }>;
  foreignKeys: Record<string, { columns: string[]; table: string; references: string[]; onDelete: string; onUpdate: string }>;
  /** CHECK and EXCLUDE constraints: Prisma makes none, so any is drift. */
  otherConstraints: string[];
}

// ---------------------------------------------------------------------------------------------
// Expected: from the DMMF of prisma/schema.prisma.

/** Thrown when the schema uses a feature this check cannot translate yet: extend it, do not skip. */
export class UnsupportedSchemaFeature extends Error {
  override readonly name = 'UnsupportedSchemaFeature';
}

/** What the database must contain for the datamodel, named the way Prisma Migrate names things. */
export function expectedCatalog(datamodel: Datamodel): Catalog {
  const enumDbName = new Map(datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const enums: Catalog['enums'] = {};
  for (const e of datamodel.enums) enums[e.dbName ?? e.name] = e.values.map((v) => v.dbName ?? v.name);

  const models = new Map(datamodel.models.map((m) => [m.name, m]));
  const tableName = (model: DmmfModel) => model.dbName ?? model.name;
  const column = (model: DmmfModel, fieldName: string) => {
    const field = model.fields.find((f) => f.name === fieldName);
    if (!field) throw new Error(`${model.name}.${fieldName} not found`);
    return field.dbName ?? field.name;
  };

  const tables: Catalog['tables'] = {};
  for (const model of datamodel.models) {
    if (model.schema) throw new UnsupportedSchemaFeature(`${model.name}: multiSchema`);
    const table = tableName(model);
    const entry: TableCatalog = { columns: {}, primaryKey: null, indexes: {}, foreignKeys: {}, otherConstraints: [] };
    for (const field of model.fields) {
      if (field.kind === 'object') continue;
      if (field.kind === 'unsupported') throw new UnsupportedSchemaFeature(`${model.name}.${field.name}: Unsupported type`);
      const name = field.dbName ?? field.name;
      entry.columns[name] = {
        type: columnType(model, field, enumDbName) + (field.isList ? '[]' : ''),
        // Prisma creates list columns without NOT NULL.
        nullable: field.isList || !field.isRequired,
        default: columnDefault(model, field, table, enumDbName, datamodel),
      };
    }

    for (const index of datamodel.indexes.filter((i) => i.model === model.name)) {
      const columns = index.fields.map((f) => {
        if (f.length !== undefined || f.operatorClass !== undefined) {
          throw new UnsupportedSchemaFeature(`${model.name}: index length/operator class`);
        }
        return column(model, f.name) + (f.sortOrder === 'desc' ? ' DESC' : '');
      });
      const bare = index.fields.map((f) => column(model, f.name));
      if (index.where !== undefined) throw new UnsupportedSchemaFeature(`${model.name}: partial index`);
      if (index.type === 'id') {
        entry.primaryKey = { name: index.dbName ?? constraintName(table, [], 'pkey'), columns: bare };
      } else if (index.type === 'unique' || index.type === 'normal') {
        const unique = index.type === 'unique';
        entry.indexes[index.dbName ?? constraintName(table, bare, unique ? 'key' : 'idx')] = {
          unique,
          method: (index.algorithm ?? 'BTree').toLowerCase(),
          columns,
          predicate: null,
        };
      } else {
        throw new UnsupportedSchemaFeature(`${model.name}: ${index.type} index`);
      }
    }

    for (const field of model.fields) {
      if (field.kind !== 'object' || !field.relationFromFields?.length) continue;
      const target = models.get(field.type);
      if (!target) throw new Error(`relation target ${field.type} not found`);
      const from = field.relationFromFields.map((f) => column(model, f));
      const allRequired = field.relationFromFields.every((f) => model.fields.find((x) => x.name === f)?.isRequired);
      entry.foreignKeys[constraintName(table, from, 'fkey')] = {
        columns: from,
        table: tableName(target),
        references: (field.relationToFields ?? []).map((f) => column(target, f)),
        // Prisma's defaults: Restrict for required relations, SetNull for optional; Cascade on update.
        onDelete: field.relationOnDelete ?? (allRequired ? 'Restrict' : 'SetNull'),
        onUpdate: field.relationOnUpdate ?? 'Cascade',
      };
    }
    tables[table] = entry;
  }
  return { enums, tables };
}

/** Prisma's default constraint/index names on Postgres. */
function constraintName(table: string, columns: string[], suffix: string): string {
  const name = [table, ...columns, suffix].join('_');
  // Prisma shortens longer names by its own rule; rather than guess, ask for an explicit map.
  if (name.length > 63) throw new UnsupportedSchemaFeature(`default name ${name} is longer than 63 characters; give it a map:`);
  return name;
}

function columnType(model: DmmfModel, field: DmmfField, enumDbName: Map<string, string>): string {
  if (field.kind === 'enum') return quoteIdent(enumDbName.get(field.type) ?? field.type);
  const [native, args = []] = field.nativeType ?? [];
  const precision = (fallback: string) => `(${args[0] ?? fallback})`;
  const unsupported = () => new UnsupportedSchemaFeature(`${model.name}.${field.name}: ${field.type} @db.${native}`);
  switch (field.type) {
    case 'String':
      if (!native || native === 'Text') return 'text';
      if (native === 'VarChar') return args[0] ? `character varying(${args[0]})` : 'character varying';
      if (native === 'Char') return `character(${args[0] ?? 1})`;
      if (native === 'Uuid') return 'uuid';
      throw unsupported();
    case 'Int':
      if (!native || native === 'Integer') return 'integer';
      if (native === 'SmallInt') return 'smallint';
      throw unsupported();
    case 'BigInt':
      if (!native || native === 'BigInt') return 'bigint';
      throw unsupported();
    case 'Float':
      if (!native || native === 'DoublePrecision') return 'double precision';
      if (native === 'Real') return 'real';
      throw unsupported();
    case 'Decimal':
      if (!native) return 'numeric(65,30)';
      if (native === 'Decimal') return args.length ? `numeric(${args.join(',')})` : 'numeric';
      throw unsupported();
    case 'Boolean':
      return 'boolean';
    case 'DateTime':
      if (!native || native === 'Timestamp') return `timestamp${precision('3')} without time zone`;
      if (native === 'Timestamptz') return `timestamp${precision('3')} with time zone`;
      if (native === 'Date') return 'date';
      throw unsupported();
    case 'Json':
      if (!native || native === 'JsonB') return 'jsonb';
      if (native === 'Json') return 'json';
      throw unsupported();
    case 'Bytes':
      if (!native || native === 'ByteA') return 'bytea';
      throw unsupported();
    default:
      throw unsupported();
  }
}

/** The default as Postgres prints it back (`pg_get_expr`), or null when Prisma sets none in the database. */
function columnDefault(
  model: DmmfModel,
  field: DmmfField,
  table: string,
  enumDbName: Map<string, string>,
  datamodel: Datamodel,
): string | null {
  if (!field.hasDefaultValue || field.isUpdatedAt) return null;
  const value = field.default;
  const where = `${model.name}.${field.name}`;
  if (field.isList) throw new UnsupportedSchemaFeature(`${where}: list default`);
  if (value && typeof value === 'object' && 'name' in value) {
    const fn = value as { name: string; args: unknown[] };
    switch (fn.name) {
      case 'now':
        return 'CURRENT_TIMESTAMP';
      // Generated by the client, never by the database.
      case 'uuid':
      case 'cuid':
      case 'nanoid':
      case 'ulid':
        return null;
      case 'autoincrement':
        return `nextval('${quoteIdent(`${table}_${field.dbName ?? field.name}_seq`).replace(/'/g, "''")}'::regclass)`;
      case 'dbgenerated':
        return String(fn.args[0] ?? '');
      default:
        throw new UnsupportedSchemaFeature(`${where}: default ${fn.name}()`);
    }
  }
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  if (field.kind === 'enum') {
    const enumDef = datamodel.enums.find((e) => e.name === field.type);
    const dbValue = enumDef?.values.find((v) => v.name === value)?.dbName ?? String(value);
    return `${literal(dbValue)}::${quoteIdent(enumDbName.get(field.type) ?? field.type)}`;
  }
  switch (field.type) {
    case 'String':
      return `${literal(String(value))}::text`;
    case 'Boolean':
      return String(value);
    case 'Int':
      return Number(value) < 0 ? `'${value}'::integer` : String(value);
    case 'Json':
      return `${literal(String(value))}::jsonb`;
    default:
      throw new UnsupportedSchemaFeature(`${where}: ${field.type} default ${JSON.stringify(value)}`);
  }
}

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

// ---------------------------------------------------------------------------------------------
// Actual: from pg_catalog, for the connection's current schema.

const FK_ACTIONS: Record<string, string> = { a: 'NoAction', r: 'Restrict', c: 'Cascade', n: 'SetNull', d: 'SetDefault' };

/** Reads what the database holds, leaving out Prisma's own `_prisma_migrations`. */
export async function readCatalog(client: pg.ClientBase): Promise<Catalog> {
  const enums: Catalog['enums'] = {};
  const enumRows = await client.query<{ name: string; labels: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = current_schema() GROUP BY t.typname`);
  for (const row of enumRows.rows) enums[row.name] = row.labels;

  const tables: Catalog['tables'] = {};
  const tableRows = await client.query<{ name: string }>(`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'`);
  for (const { name } of tableRows.rows) {
    tables[name] = { columns: {}, primaryKey: null, indexes: {}, foreignKeys: {}, otherConstraints: [] };
  }

  const columnRows = await client.query<{ table: string; name: string; type: string; notnull: boolean; default: string | null }>(`
    SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS default
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`);
  for (const row of columnRows.rows) {
    const table = tables[row.table];
    if (table) table.columns[row.name] = { type: row.type, nullable: !row.notnull, default: row.default };
  }

  const indexRows = await client.query<{
    table: string; name: string; unique: boolean; primary: boolean; method: string; columns: string[]; predicate: string | null;
  }>(`
    SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
           am.amname AS method, pg_get_expr(x.indpred, x.indrelid) AS predicate,
           ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
                        || CASE WHEN (x.indoption[k - 1] & 1) = 1 THEN ' DESC' ELSE '' END
                 FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k)::text[] AS columns
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = i.relam
    WHERE n.nspname = current_schema() AND t.relname <> '_prisma_migrations'`);
  for (const row of indexRows.rows) {
    const table = tables[row.table];
    if (!table) continue;
    if (row.primary) table.primaryKey = { name: row.name, columns: row.columns };
    else table.indexes[row.name] = { unique: row.unique, method: row.method, columns: row.columns, predicate: row.predicate };
  }

  const constraintRows = await client.query<{
    table: string; name: string; type: string; columns: string[]; ftable: string | null; fcolumns: string[] | null;
    ondelete: string; onupdate: string; definition: string;
  }>(`
    SELECT t.relname AS table, con.conname AS name, con.contype AS type,
           ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(num, pos)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.pos)::text[] AS columns,
           f.relname AS ftable,
           ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(num, pos)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.pos)::text[] AS fcolumns,
           con.confdeltype AS ondelete, con.confupdtype AS onupdate, pg_get_constraintdef(con.oid) AS definition
    FROM pg_constraint con
    JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    LEFT JOIN pg_class f ON f.oid = con.confrelid
    WHERE n.nspname = current_schema() AND t.relname <> '_prisma_migrations'`);
  for (const row of constraintRows.rows) {
    const table = tables[row.table];
    if (!table) continue;
    if (row.type === 'f') {
      table.foreignKeys[row.name] = {
        columns: row.columns,
        table: row.ftable ?? '?',
        references: row.fcolumns ?? [],
        onDelete: FK_ACTIONS[row.ondelete] ?? row.ondelete,
        onUpdate: FK_ACTIONS[row.onupdate] ?? row.onupdate,
      };
    } else if (row.type === 'p') {
      // The primary key's index is read above; its constraint name must be that index's name.
      if (table.primaryKey && table.primaryKey.name !== row.name) table.otherConstraints.push(`primary key ${row.name}`);
    } else if (row.type === 'u') {
      // Prisma makes unique indexes, not unique constraints; the index is listed above.
      table.otherConstraints.push(`unique constraint ${row.name}`);
    } else if (row.type !== 'n') {
      // 'n' are NOT NULL constraints, catalogued from Postgres 18 on; nullability is compared per column.
      table.otherConstraints.push(`${row.name}: ${row.definition}`);
    }
  }
  return { enums, tables };
}

/**
 * Every difference between two catalogs as one readable line, e.g.
 * `tables.executions.indexes.executions_parent_execution_id_idx: in the schema, missing in the database`.
 */
export function diffCatalogs(database: Catalog, schema: Catalog): string[] {
  const out: string[] = [];
  const walk = (db: unknown, sc: unknown, at: string) => {
    const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (isObject(db) && isObject(sc)) {
      for (const key of new Set([...Object.keys(sc), ...Object.keys(db)])) {
        const where = at ? `${at}.${key}` : key;
        if (!(key in db)) out.push(`${where}: in the schema, missing in the database (${JSON.stringify(sc[key])})`);
        else if (!(key in sc)) out.push(`${where}: in the database, not in the schema (${JSON.stringify(db[key])})`);
        else walk(db[key], sc[key], where);
      }
    } else if (JSON.stringify(db) !== JSON.stringify(sc)) {
      out.push(`${at}: database has ${JSON.stringify(db)}, schema says ${JSON.stringify(sc)}`);
    }
  };
  walk(database, schema, '');
  return out;
}
