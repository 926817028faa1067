// The aliases page's query: languages public profiles have XP in, with the alias names public profiles
// sent; nothing only private or deleted users sent; a page at a time.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ALIASES_PAGE_SIZE, listPublicLanguageAliases } from "../../worker/db/languages";
import { languageKey } from "../../worker/domain/language";
import { createUser, postPulse, pulse, uniqueName } from "../helpers";
import { signedUp, addMachine } from "../accounts/browser";

async function insertLanguage(name: string, aliasOf: string | null = null): Promise<void> {
  await env.DB.prepare("INSERT INTO languages (name, name_key, alias_of) VALUES (?, ?, (SELECT id FROM languages WHERE name_key = ?))")
    .bind(name, languageKey(name), aliasOf === null ? null : languageKey(aliasOf))
    .run();
}

/** Every page of the list, concatenated. */
async function allPages() {
  const out = [];
  for (let page = 1; ; page++) {
    const { languages, hasNext } = await listPublicLanguageAliases(env.DB, page);
    expect(languages.length).toBeLessThanOrEqual(ALIASES_PAGE_SIZE);
    out.push(...languages);
    if (!hasNext) return out;
  }
}

async function send(token: string, ...languages: string[]) {
  const res = await postPulse(token, pulse(languages.map((language) => ({ language, xp: 1 }))));
  expect(res.status).toBe(201);
}

describe("listPublicLanguageAliases", () => {
  it("groups the aliases public profiles sent under the language they book on", async () => {
    const p = uniqueName("lang");
    const target = `${p}-JavaScript`;
    await insertLanguage(target);
    await insertLanguage(`${p}-jsx`, target);
    await insertLanguage(`${p}-JS`, target);
    await insertLanguage(`${p}-unused`, target);
    await insertLanguage(`${p}-Go`);
    const u = await createUser();
    await send(u.token, `${p}-jsx`, `${p}-JS`, `${p}-Go`);

    const mine = (await allPages()).filter((l) => l.name.startsWith(p));
    expect(mine).toEqual([
      { name: `${p}-Go`, aliases: [] },
      { name: target, aliases: [`${p}-JS`, `${p}-jsx`] },
    ]);
  });

  it("sorts case-insensitively and shows the first spelling sent", async () => {
    const p = uniqueName("sort");
    const u = await createUser();
    await send(u.token, `${p}-beta`, `${p}-Alpha`, `${p}-ALPHA`, `${p}-<script>alert(1)</script>`);
    const names = (await allPages()).map((l) => l.name).filter((n) => n.startsWith(p));
    expect(names).toEqual([`${p}-<script>alert(1)</script>`, `${p}-Alpha`, `${p}-beta`]);
  });

  it("leaves out names only private or deleted users sent, and aliases only they sent", async () => {
    const p = uniqueName("secret");
    const hidden = await createUser({ private: true });
    await send(hidden.token, `${p}-PrivateLang`);
    const { browser } = await signedUp();
    const { token } = await addMachine(browser, "Box");
    await send(token, `${p}-DeletedLang`);
    await insertLanguage(`${p}-Shared`);
    await insertLanguage(`${p}-privalias`, `${p}-Shared`);
    await send(hidden.token, `${p}-privalias`);
    const pub = await createUser();
    await send(pub.token, `${p}-Shared`);
    expect((await allPages()).filter((l) => l.name.startsWith(p)).map((l) => l.name)).toContain(`${p}-DeletedLang`);

    await browser.post("/my/preferences/delete-account", { confirmation: "DELETE" });
    const mine = (await allPages()).filter((l) => l.name.startsWith(p));
    expect(mine).toEqual([{ name: `${p}-Shared`, aliases: [] }]);
    // Once a public profile sends the alias, it is listed.
    await send(pub.token, `${p}-privalias`);
    expect((await allPages()).filter((l) => l.name.startsWith(p))).toEqual([{ name: `${p}-Shared`, aliases: [`${p}-privalias`] }]);
  });

  it("is paged: 500 new names never make one page longer than a page", async () => {
    const p = uniqueName("many");
    const u = await createUser();
    for (let i = 0; i < 500; i += 100) {
      await send(u.token, ...Array.from({ length: 100 }, (_, j) => `${p}-${String(i + j).padStart(3, "0")}`));
    }
    const first = await listPublicLanguageAliases(env.DB, 1);
    expect(first.languages.length).toBe(ALIASES_PAGE_SIZE);
    expect(first.hasNext).toBe(true);
    const mine = (await allPages()).filter((l) => l.name.startsWith(p)).map((l) => l.name);
    expect(mine).toEqual(Array.from({ length: 500 }, (_, i) => `${p}-${String(i).padStart(3, "0")}`));
  });
});
