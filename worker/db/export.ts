// Reading a user's XP rows for export, a page of whole pulses at a time (keyset pagination on the
// per-user pulse sequence, which the `pulses_user_seq` index serves), so any history streams in
// bounded memory and no result comes near D1's 50 MB limit.
import { and, asc, eq, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { alias } from "drizzle-orm/sqlite-core";
import type { ExportXpRow } from "../domain/export";
import { languages, machines, pulses, xps } from "./schema";

/** At most 100 XP rows per pulse, so a page is at most 100,000 rows (a few MB). */
export const EXPORT_PULSES_PER_PAGE = 1_000;

/** Rows of the next page (a pulse without XP rows gives one row with null language and amount); empty at the end. */
export async function exportPage(
  d1: D1Database,
  userId: number,
  afterSeq: number,
  perPage = EXPORT_PULSES_PER_PAGE,
): Promise<ExportXpRow[]> {
  const db = drizzle(d1);
  const page = db
    .select({ id: pulses.id, seq: pulses.seq, codedAt: pulses.codedAt, utcOffset: pulses.utcOffset, machineId: pulses.machineId })
    .from(pulses)
    .where(and(eq(pulses.userId, userId), gt(pulses.seq, afterSeq)))
    .orderBy(asc(pulses.seq))
    .limit(perPage)
    .as("p");
  const booked = alias(languages, "l");
  const sent = alias(languages, "o");
  return db
    .select({
      seq: page.seq,
      codedAt: page.codedAt,
      utcOffset: page.utcOffset,
      machine: machines.name,
      language: booked.name,
      sentAs: sent.name,
      amount: xps.amount,
    })
    .from(page)
    .innerJoin(machines, eq(machines.id, page.machineId))
    .leftJoin(xps, eq(xps.pulseId, page.id))
    .leftJoin(booked, eq(booked.id, xps.languageId))
    .leftJoin(sent, eq(sent.id, xps.originalLanguageId))
    .orderBy(asc(page.seq), asc(xps.id));
}
