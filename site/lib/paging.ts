// Page numbers from a query string, shared by the paged pages (aliases, user search, leaderboards).

const MAX_PAGE = 10_000;

/** "?page=" as a page number: absent means 1; anything but a whole number from 1 to MAX_PAGE is null. */
export function parsePageNumber(raw: string | null): number | null {
  if (raw === null || raw === "") return 1;
  if (!/^[0-9]{1,5}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= MAX_PAGE ? n : null;
}
