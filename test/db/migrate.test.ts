import fs from 'node:fs';
import path from 'node:path';
import { getDMMF } from '@prisma/internals';
import { appliedMigrations, migrate, pendingMigrations, readMigrations } from '../../src/db/migrate';
import { createEmptyDatabase, type TestDatabase } from '../helpers/db';

// information_schema names array element types by their internal udt ("_int4").
const ARRAY_ELEMENT: Record<string, string> = { _text: 'text', _int4: 'integer' };

let test: TestDatabase;
beforeAll(async () => {
  test = await createEmptyDatabase();
});
afterAll(() => test.drop());

describe('migration runner', () => {
  it('applies every migration once, records it as Prisma Migrate does, and is a no-op the second time', async () => {
    const onDisk = readMigrations();
    expect(await pendingMigrations(test.db)).toEqual(onDisk.map((m) => m.name));
    expect(await migrate(test.db)).toEqual(onDisk.map((m) => m.name));
    expect(await migrate(test.db)).toEqual([]);
    expect(await pendingMigrations(test.db)).toEqual([]);
    const recorded = await appliedMigrations(test.db);
    for (const m of onDisk) expect(recorded.get(m.name)).toBe(m.checksum);
    const rows = await test.db.query<{ applied_steps_count: number; finished_at: Date | null }>(
      `SELECT applied_steps_count, finished_at FROM "_prisma_migrations"`,
    );
    expect(rows.every((row) => row.applied_steps_count === 1 && row.finished_at !== null)).toBe(true);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'migrations-'));
    for (const m of readMigrations()) {
      fs.mkdirSync(path.join(dir, m.name));
      fs.writeFileSync(path.join(dir, m.name, 'migration.sql'), m.sql + '\n-- edited\n');
    }
    await expect(migrate(test.db, dir)).rejects.toThrow(/edited after it was applied/);
  });
});

/**
 * The migrations are hand-written (Prisma's schema engine cannot be downloaded here), so this
 * compares the migrated database with what schema.prisma declares, through Prisma's own DMMF.
 */
describe('migrations match schema.prisma', () => {
  const PRISMA_TO_PG: Record<string, string> = {
    Int: 'integer',
    BigInt: 'bigint',
    String: 'text',
    Boolean: 'boolean',
    DateTime: 'timestamp without time zone',
    Float: 'double precision',
    Json: 'jsonb',
    Bytes: 'bytea',
  };

  async function declared() {
    const dmmf = await getDMMF({ datamodel: fs.readFileSync(path.join(__dirname, '../../prisma/schema.prisma'), 'utf8') });
    const enums = new Set(dmmf.datamodel.enums.map((e) => e.name));
    const columns: string[] = [];
    const uniques: string[] = [];
    const foreignKeys: string[] = [];
    for (const model of dmmf.datamodel.models) {
      for (const field of model.fields) {
        if (field.kind === 'object') {
          if (field.relationFromFields?.length) {
            foreignKeys.push(
              `${model.name}(${field.relationFromFields.join(',')}) -> ${field.type}(${field.relationToFields!.join(',')}) on delete ${String(field.relationOnDelete ?? 'NoAction').toUpperCase()}`,
            );
          }
          continue;
        }
        const base = enums.has(field.type) ? field.type : PRISMA_TO_PG[field.type];
        const type = field.isList ? `${base}[]` : base;
        // Prisma creates list columns as nullable arrays.
        const nullable = !field.isRequired || field.isList;
        columns.push(`${model.name}.${field.name} ${type} ${nullable ? 'NULL' : 'NOT NULL'}`);
        if (field.isUnique) uniques.push(`${model.name}(${field.name})`);
      }
      for (const unique of model.uniqueFields) uniques.push(`${model.name}(${unique.join(',')})`);
      const primary = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
      uniques.push(`${model.name} PK(${primary.join(',')})`);
    }
    return { tables: dmmf.datamodel.models.map((m) => m.name).sort(), columns: columns.sort(), uniques: uniques.sort(), foreignKeys: foreignKeys.sort() };
  }

  async function actual() {
    const q = test.db.query.bind(test.db);
    const tables = (
      await q<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'`,
      )
    ).map((r) => r.table_name);
    const columns = (
      await q<{ table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string }>(
        `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
      )
    ).map((c) => {
      const type =
        c.data_type === 'USER-DEFINED' ? c.udt_name : c.data_type === 'ARRAY' ? `${ARRAY_ELEMENT[c.udt_name] ?? c.udt_name}[]` : c.data_type;
      return `${c.table_name}.${c.column_name} ${type} ${c.is_nullable === 'YES' ? 'NULL' : 'NOT NULL'}`;
    });
    const constraintColumns = `(SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)`;
    const uniqueConstraints = await q<{ tbl: string; cols: string; contype: string }>(
      `SELECT c.conrelid::regclass::text AS tbl, ${constraintColumns} AS cols, c.contype FROM pg_constraint c
       JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' AND c.contype = 'p'
       AND c.conrelid::regclass::text NOT IN ('_prisma_migrations', '"_prisma_migrations"')`,
    );
    const uniqueIndexes = await q<{ tbl: string; cols: string }>(
      `SELECT i.indrelid::regclass::text AS tbl, (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS cols
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = 'public' AND i.indisunique AND NOT i.indisprimary`,
    );
    const fks = await q<{ tbl: string; cols: string; ref: string; refcols: string; action: string }>(
      `SELECT c.conrelid::regclass::text AS tbl, ${constraintColumns} AS cols, c.confrelid::regclass::text AS ref,
         (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS refcols,
         c.confdeltype AS action
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' AND c.contype = 'f'`,
    );
    const unquote = (name: string) => name.replace(/"/g, '');
    const ACTIONS: Record<string, string> = { c: 'CASCADE', n: 'SETNULL', a: 'NOACTION', r: 'RESTRICT', d: 'SETDEFAULT' };
    return {
      tables: tables.sort(),
      columns: columns.sort(),
      uniques: [
        ...uniqueConstraints.map((u) => `${unquote(u.tbl)} PK(${u.cols})`),
        ...uniqueIndexes.map((u) => `${unquote(u.tbl)}(${u.cols})`),
      ].sort(),
      foreignKeys: fks.map((f) => `${unquote(f.tbl)}(${f.cols}) -> ${unquote(f.ref)}(${f.refcols}) on delete ${ACTIONS[f.action]}`).sort(),
    };
  }

  it('has the same tables, columns, types, nullability, uniques and foreign keys', async () => {
    await migrate(test.db);
    const [want, got] = await Promise.all([declared(), actual()]);
    expect(got.tables).toEqual(want.tables);
    expect(got.columns).toEqual(want.columns);
    expect(got.uniques).toEqual(want.uniques);
    expect(got.foreignKeys).toEqual(want.foreignKeys);
  });
});
