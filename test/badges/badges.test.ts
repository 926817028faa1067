// Badges: well-formed SVG with measured text widths and a <title>, shields' endpoint JSON, language and
// range options, edge caching that follows new pulses, CORS, and one neutral 404 for private and unknown users.
import { describe, expect, it } from "vitest";
import { api, codedAt, createUser, postPulse, uniqueName } from "../helpers";
import { addMachine, signedUp } from "../accounts/browser";
import { addDays, localDate } from "../../worker/domain/leaderboard";

const send = (token: string, language: string, xp: number, at = Date.now() - 60_000) =>
  postPulse(token, { coded_at: codedAt(at, 0), xps: [{ language, xp }] }).then((r) => expect(r.status).toBe(201));

/** A strict little well-formedness check: balanced tags, quoted attributes, only known entities. */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const token = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let consumed = 0;
  for (let m = token.exec(xml); m !== null; m = token.exec(xml)) {
    consumed = token.lastIndex;
    const [, closing, name, attrs, selfClosing, text] = m;
    const checked = text ?? attrs ?? "";
    expect(checked.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, "")).not.toMatch(/[&<]/);
    if (name === undefined) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name);
  }
  expect(consumed).toBe(xml.length);
  expect(stack).toEqual([]);
}

async function svg(path: string) {
  const res = await api(path);
  return { res, body: await res.text() };
}

const attr = (body: string, name: string) => body.match(new RegExp(`<svg[^>]* ${name}="([^"]*)"`))?.[1];

describe("badges", () => {
  it("draw level and XP as a small, well-formed SVG with a title, open CORS and a short max-age", async () => {
    const u = await createUser();
    await send(u.token, "Rust", 1600 * 4); // level 2 starts at 6,400 XP
    const { res, body } = await svg(`/users/${u.username}/badge.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(body.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    assertWellFormedXml(body);
    expect(body).toContain(`<title>${u.username}: level 2 · 6,400 XP</title>`);
    expect(body.length).toBeGreaterThan(300);
    expect(body.length).toBeLessThan(1000);
  });

  it("measures text with the Verdana 11px table: wide letters make a wider badge than narrow ones", async () => {
    const wide = await createUser({ username: uniqueName("WWWWWWWW") });
    const narrow = await createUser({ username: uniqueName("iiiiiiii") });
    const width = async (name: string) => Number(attr((await svg(`/users/${name}/badge.svg`)).body, "width"));
    expect(await width(wide.username)).toBeGreaterThan((await width(narrow.username)) + 40);
    // The neutral badge is exactly what shields' renderer draws for it (160 px wide).
    expect(attr((await svg(`/users/${uniqueName("nobody")}/badge.svg`)).body, "width")).toBe("160");
  });

  it("gives private and unknown users the identical neutral badge with 404", async () => {
    const hidden = await createUser({ private: true });
    await send(hidden.token, "Go", 500);
    const a = await svg(`/users/${hidden.username}/badge.svg`);
    const b = await svg(`/users/${uniqueName("ghost")}/badge.svg`);
    for (const r of [a, b]) {
      expect(r.res.status).toBe(404);
      assertWellFormedXml(r.body);
      expect(r.body).toContain("<title>Pulse Edge: user not found</title>");
    }
    expect(a.body).toBe(b.body);
    // Every header alike but the per-request ones (the date, and the request id every response carries).
    const headers = (r: Response) => [...r.headers].filter(([k]) => k !== "date" && k !== "x-request-id");
    expect(headers(a.res)).toEqual(headers(b.res));
    expect(a.body).not.toContain(hidden.username);
    const ja = await api(`/api/badges/${hidden.username}`);
    const jb = await api(`/api/badges/${uniqueName("ghost")}`);
    expect([ja.status, jb.status]).toEqual([404, 404]);
    expect(await ja.text()).toBe(await jb.text());
  });

  it("turns neutral at once when the profile turns private, though it was cached", async () => {
    const { browser, username } = await signedUp();
    const { token } = await addMachine(browser, "Box");
    await send(token, "Go", 50);
    expect((await svg(`/users/${username}/badge.svg`)).res.status).toBe(200);
    expect((await svg(`/users/${username}/badge.svg`)).res.headers.get("x-edge-cache")).toBe("hit");
    await browser.post("/my/preferences/privacy", { private: "on" });
    const after = await svg(`/users/${username}/badge.svg`);
    expect(after.res.status).toBe(404);
    expect(after.body).not.toContain(username);
  });

  it("is served from the edge cache until the user's next pulse", async () => {
    const u = await createUser();
    await send(u.token, "Go", 10);
    const first = await svg(`/users/${u.username}/badge.svg`);
    expect(first.res.headers.get("x-edge-cache")).toBe("miss");
    const second = await svg(`/users/${u.username}/badge.svg`);
    expect(second.res.headers.get("x-edge-cache")).toBe("hit");
    expect(second.body).toBe(first.body);
    await send(u.token, "Go", 5);
    const third = await svg(`/users/${u.username}/badge.svg`);
    expect(third.res.headers.get("x-edge-cache")).toBe("miss");
    expect(third.body).toContain("level 0 · 15 XP");
  });

  it("shows one language (booked spelling, any case) and a range in the user's days", async () => {
    const u = await createUser();
    const lang = uniqueName("Lang");
    await send(u.token, lang, 30);
    await send(u.token, "Go", 5);
    const early = Date.now() - 6.9 * 86_400_000; // within the API's 7 days
    await send(u.token, lang, 100, early);
    const one = await svg(`/users/${u.username}/badge.svg?language=${lang.toUpperCase()}`);
    expect(one.body).toContain(`<title>${u.username} · ${lang}: level 0 · 130 XP</title>`);
    const json = await (await api(`/api/badges/${u.username}?language=${lang}`)).json();
    expect(json).toEqual({
      schemaVersion: 1,
      label: `${u.username} · ${lang}`,
      message: "level 0 · 130 XP",
      color: "#2f6fd6",
      cacheSeconds: 300,
    });
    const week = await (await api(`/api/badges/${u.username}?range=week`)).json<{ message: string }>();
    // The pulse 6.9 days ago is on the week's first local day or the one before it, by the time of day.
    const inWeek = localDate(early, 0) >= addDays(localDate(Date.now(), 0), -6);
    expect(week.message).toBe(inWeek ? "135 XP in 7 days" : "35 XP in 7 days");
    const month = await (await api(`/api/badges/${u.username}?range=month&language=Go`)).json<{ message: string }>();
    expect(month.message).toBe("5 XP in 30 days");
    const none = await svg(`/users/${u.username}/badge.svg?language=${encodeURIComponent("<script>x</script>")}`);
    expect(none.res.status).toBe(200);
    assertWellFormedXml(none.body);
    expect(none.body).toContain("&lt;script&gt;x&lt;/script&gt;: level 0 · 0 XP");
    expect(none.body).not.toContain("<script>");
  });

  it("answers bad options with a JSON 400", async () => {
    const u = await createUser();
    for (const q of ["?range=decade", `?language=${"x".repeat(101)}`, `?language=a%01b`]) {
      for (const path of [`/users/${u.username}/badge.svg${q}`, `/api/badges/${u.username}${q}`]) {
        const res = await api(path);
        expect(res.status).toBe(400);
        expect(Object.keys(await res.json<object>())).toEqual(["error"]);
      }
    }
  });
});
