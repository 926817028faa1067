// Profile reads must not slow down with history: the same request for a user with 100 pulses and
// for one with 1,000,000 pulses (seeded straight into D1), served from each user's live object.
import { compare } from "../load.mjs";
import { seedUserWithHistory } from "../fixtures.mjs";

export function seedProfileUsers(ctx) {
  if (ctx.profileUsers) return ctx.profileUsers;
  const light = seedUserWithHistory(ctx.persistTo, { username: "light", pulses: 100 });
  const heavy = seedUserWithHistory(ctx.persistTo, { username: "heavy", pulses: ctx.options.heavyPulses });
  ctx.profileUsers = { light, heavy };
  return ctx.profileUsers;
}

/** Compares one path for the light and the heavy user; `pathOf(username)` builds it. */
export async function lightVersusHeavy(ctx, pathOf) {
  const { light, heavy } = seedProfileUsers(ctx);
  // The first read builds each user's object from D1's rollups; that is not what is measured.
  for (const u of [light, heavy]) {
    const res = await fetch(`${ctx.url}${pathOf(u.username)}`);
    if (res.status !== 200) throw new Error(`${pathOf(u.username)} answered ${res.status}`);
    await res.arrayBuffer();
  }
  const result = await compare({
    url: ctx.url,
    connections: 32,
    seconds: ctx.options.seconds,
    rounds: ctx.options.rounds,
    baseline: [{ method: "GET", path: pathOf(light.username) }],
    subject: [{ method: "GET", path: pathOf(heavy.username) }],
  });
  return {
    light: result.baseline,
    heavy: result.subject,
    p50Ratio: result.subject.p50 / Math.max(1, result.baseline.p50),
    heavyPulses: ctx.options.heavyPulses,
  };
}

export function profileApiSuite(ctx) {
  return lightVersusHeavy(ctx, (name) => `/api/users/${name}`);
}
