// SQLite's own table of AUTOINCREMENT counters, declared for typed queries. It is not in schema.ts:
// SQLite creates it with the first AUTOINCREMENT table, so no migration may.
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const sqliteSequence = sqliteTable("sqlite_sequence", {
  /** The table whose counter this is. */
  name: text("name").notNull(),
  /** The highest id ever given in it. */
  seq: integer("seq").notNull(),
});
