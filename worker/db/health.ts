// The health check's probe: the cheapest read that proves D1 answers (one row of the users' primary key).
import { drizzle } from "drizzle-orm/d1";
import { users } from "./schema";

/** False when the query fails (the caller logs it). */
export async function databaseAnswers(db: D1Database): Promise<boolean> {
  try {
    await drizzle(db).select({ id: users.id }).from(users).limit(1).all();
    return true;
  } catch {
    return false;
  }
}
