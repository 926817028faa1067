// Reading a user's XP rows for export, a page of whole pulses at a time (keyset pagination on the
// per-user pulse sequence, which the `pulses_user_seq` index serves), so any history streams in
// bounded memory and no result comes near D1's 50 MB limit.
import type { ExportXpRow } from "../domain/export";

/** At most 100 XP rows per pulse, so a page is at most 100,000 rows (a few MB). */
export const EXPORT_PULSES_PER_PAGE = 1_000;

/** Rows of the next page (a pulse without XP rows gives one row with null language and amount); empty at the end. */
export async function exportPage(
  db: D1Database,
  userId: number,
  afterSeq: number,
  pulses = EXPORT_PULSES_PER_PAGE,
): Promise<ExportXpRow[]> {
  const { results } = await db
    .prepare(
      `SELECT p.seq AS seq, p.coded_at AS codedAt, p.utc_offset AS utcOffset, m.name AS machine,
              l.name AS language, o.name AS sentAs, x.amount AS amount
       FROM (SELECT id, seq, coded_at, utc_offset, machine_id FROM pulses WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?) p
       JOIN machines m ON m.id = p.machine_id
       LEFT JOIN xps x ON x.pulse_id = p.id
       LEFT JOIN languages l ON l.id = x.language_id
       LEFT JOIN languages o ON o.id = x.original_language_id
       ORDER BY p.seq, x.id`,
    )
    .bind(userId, afterSeq, pulses)
    .all<ExportXpRow>();
  return results;
}
