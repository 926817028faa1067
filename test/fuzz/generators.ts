// Seeded generators of hostile and odd inputs for the fuzz suite (deterministic per seed).

export class Random {
  constructor(private state: number) {}
  next(): number {
    // mulberry32
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Names that stress Unicode handling: valid as text, hostile to naive code. */
export const ODD_NAMES = [
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "'; DROP TABLE pulses; --",
  "C++",
  "Ωmega",
  "日本語",
  "עברית\u200f",
  "e\u0301",
  "\u00e9",
  "👩‍💻",
  "🏳️‍🌈",
  "\u202eevil",
  "a\u200bb",
  "%00",
  "../../etc/passwd",
  "__proto__",
  "constructor",
  "toString",
  "NaN",
  "null",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "Z̴̡̢͉͇̗̩͙̬̯̩̭̮͓̱̣̈́̐̑̈́͂̓͂̇͗̋̈́̕͝a̷l̸g̴o",
  "x".repeat(255),
  " padded ",
];

/** JSON texts that a parser must reject or a validator must refuse. */
export function hostileBody(r: Random, codedAt: string): string | Uint8Array {
  const kinds: (() => string | Uint8Array)[] = [
    () => "",
    () => "{",
    () => '{"coded_at": "' + codedAt + '", "xps": [',
    () => "[".repeat(2000 + r.int(20_000)) + "]".repeat(100),
    () => '{"a":'.repeat(5000) + "1" + "}".repeat(5000),
    () => JSON.stringify({ coded_at: codedAt, xps: "[]" }),
    () => JSON.stringify({ coded_at: codedAt }),
    () => JSON.stringify({ xps: [] }),
    () => JSON.stringify([{ coded_at: codedAt, xps: [] }]),
    () =>
      JSON.stringify({
        coded_at: r.pick([null, 0, true, {}, [], "", "now", "2026-13-40T99:99:99Z", "1e309", codedAt.slice(0, 19)]),
        xps: [],
      }),
    () => JSON.stringify({ coded_at: "2001-01-01T00:00:00Z", xps: [] }),
    () => JSON.stringify({ coded_at: codedAt.slice(0, 19) + r.pick(["+1:00", "+99:99", "+25:00", "-19:00", "Zjunk", "+0530x"]), xps: [] }),
    () =>
      `{"coded_at":"${codedAt}","xps":[{"language":"Go","xp":${r.pick(["1.5", "1e3", "-1", "1E2", "0.0", "99999999999999999999", "2147483648", "Infinity", "NaN", '"1"', "null", "[]", "{}", "true"])}}]}`,
    () => JSON.stringify({ coded_at: codedAt, xps: [{ language: r.pick([null, 1, [], {}, true]), xp: 1 }] }),
    () => JSON.stringify({ coded_at: codedAt, xps: [{ language: "x".repeat(256 + r.int(1000)), xp: 1 }] }),
    () =>
      `{"coded_at":"${codedAt}","xps":[{"language":"${r.pick(["\\ud800", "\\udfff", "a\\u0000b", "\\u0007", "tab\\there", "\\u009f"])}","xp":1}]}`,
    () => JSON.stringify({ coded_at: codedAt, xps: Array.from({ length: 101 + r.int(200) }, () => ({ language: "Go", xp: 1 })) }),
    () => JSON.stringify({ coded_at: codedAt, xps: [{ language: "Go", xp: 1 }, "oops"] }),
    () => JSON.stringify({ coded_at: codedAt, xps: [{ language: "Go" }] }),
    () => JSON.stringify({ coded_at: codedAt, xps: [{ language: "Go", xp: 1 }], pad: "x".repeat(70_000) }),
    () => new Uint8Array(Array.from({ length: 1 + r.int(200) }, () => r.int(256))),
    () => new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
    () => new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("{}")]),
    () => "null",
    () => '"just a string"',
    () => "12345",
    () => `{"__proto__":{"polluted":true},"coded_at":"${codedAt}","xps":[{"language":"Go","xp":-5}]}`,
  ];
  return r.pick(kinds)();
}
