// User search: case-insensitive prefix match over public users, paged; wildcards are plain text.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { searchPublicUsers, USER_SEARCH_PAGE_SIZE } from "../../worker/db/user-search";
import { createUser, uniqueName } from "../helpers";

describe("searchPublicUsers", () => {
  it("matches the start of names in any case, sorted, and never lists private users", async () => {
    const p = uniqueName("Find");
    for (const name of [`${p}Alice`, `${p}bob`, `${p}ALBERT`, `x${p}alice`]) await createUser({ username: name });
    await createUser({ username: `${p}alfred`, private: true });
    expect((await searchPublicUsers(env.DB, `${p.toUpperCase()}al`, 1)).usernames).toEqual([`${p}ALBERT`, `${p}Alice`]);
    expect((await searchPublicUsers(env.DB, p.toLowerCase(), 1)).usernames).toEqual([`${p}ALBERT`, `${p}Alice`, `${p}bob`]);
    expect((await searchPublicUsers(env.DB, `${p}alf`, 1)).usernames).toEqual([]);
    expect((await searchPublicUsers(env.DB, "", 1)).usernames).toEqual([]);
  });

  it("treats % and _ as letters, and matches composed and decomposed spellings alike", async () => {
    const p = uniqueName("wild");
    await createUser({ username: `${p}_one` });
    await createUser({ username: `${p}xone` });
    await createUser({ username: `${p}Ève` });
    expect((await searchPublicUsers(env.DB, `${p}_`, 1)).usernames).toEqual([`${p}_one`]);
    expect((await searchPublicUsers(env.DB, `${p}%`, 1)).usernames).toEqual([]);
    expect((await searchPublicUsers(env.DB, `${p}E\u0300`, 1)).usernames).toEqual([`${p}Ève`]);
  });

  it("pages the results", async () => {
    const p = uniqueName("page");
    const names = Array.from({ length: USER_SEARCH_PAGE_SIZE + 3 }, (_, i) => `${p}${String(i).padStart(3, "0")}`);
    for (const name of names) await createUser({ username: name });
    const first = await searchPublicUsers(env.DB, p, 1);
    expect(first).toEqual({ usernames: names.slice(0, USER_SEARCH_PAGE_SIZE), hasNext: true });
    expect(await searchPublicUsers(env.DB, p, 2)).toEqual({ usernames: names.slice(USER_SEARCH_PAGE_SIZE), hasNext: false });
  });
});
