// The aliases page's query: every language that is not an alias, with its aliases.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listLanguageAliases } from "../../worker/db/languages";
import { languageKey } from "../../worker/domain/language";
import { createUser, postPulse, pulse, uniqueName } from "../helpers";

async function insertLanguage(name: string, aliasOf: string | null = null): Promise<void> {
  await env.DB.prepare(
    "INSERT INTO languages (name, name_key, alias_of) VALUES (?, ?, (SELECT id FROM languages WHERE name_key = ?))",
  ).bind(name, languageKey(name), aliasOf === null ? null : languageKey(aliasOf)).run();
}

describe("listLanguageAliases", () => {
  it("groups aliases under the language they book on, and leaves aliases out of the list", async () => {
    const p = uniqueName("lang");
    const target = `${p}-JavaScript`;
    await insertLanguage(target);
    await insertLanguage(`${p}-jsx`, target);
    await insertLanguage(`${p}-JS`, target);
    await insertLanguage(`${p}-Go`);

    const mine = (await listLanguageAliases(env.DB)).filter((l) => l.name.startsWith(p));
    expect(mine).toEqual([
      { name: `${p}-Go`, aliases: [] },
      { name: target, aliases: [`${p}-JS`, `${p}-jsx`] },
    ]);
  });

  it("sorts case-insensitively and shows the first spelling sent", async () => {
    const p = uniqueName("sort");
    const u = await createUser();
    const res = await postPulse(u.token, pulse([
      { language: `${p}-beta`, xp: 1 },
      { language: `${p}-Alpha`, xp: 1 },
      { language: `${p}-ALPHA`, xp: 1 },
      { language: `${p}-<script>alert(1)</script>`, xp: 1 },
    ]));
    expect(res.status).toBe(201);
    const names = (await listLanguageAliases(env.DB)).map((l) => l.name).filter((n) => n.startsWith(p));
    expect(names).toEqual([`${p}-<script>alert(1)</script>`, `${p}-Alpha`, `${p}-beta`]);
  });
});
