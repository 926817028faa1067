// Raw SQL written with drizzle's `sql` (schema tables and columns as identifiers) turned into D1 statements.
//
// drizzle's D1 `batch` binds parameters only for its own query builders, not for raw `sql` (it has no
// prepared statement for them), so a raw statement with parameters that must share a transaction goes
// to D1's own batch as a prepared statement made here.
import { is, SQL, sql } from "drizzle-orm";
import { SQLiteAsyncDialect, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Statement } from "./group-commit";

const dialect = new SQLiteAsyncDialect();

/** The statement's text and parameters; `sql.placeholder`s stay in the parameters for `fillPlaceholders`. */
export function render(query: SQL): Statement {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return { sql: text, params };
}

/** Bare column names for an INSERT's column list or a conflict target (drizzle qualifies a column with its table). */
export function columnNames(...columns: SQLiteColumn[]): SQL {
  return sql.join(
    columns.map((c) => sql.identifier(c.name)),
    sql`, `,
  );
}

/** A D1 prepared statement for D1's `batch`, from drizzle `sql` or a rendered statement. */
export function prepare(db: D1Database, query: SQL | Statement): D1PreparedStatement {
  const s = is(query, SQL) ? render(query) : query;
  return db.prepare(s.sql).bind(...s.params);
}
