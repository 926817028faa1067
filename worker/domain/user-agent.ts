// Editor and operating system from a WakaTime user agent, the way Wakapi reads them (spec §1.5):
// `wakatime/v1.105.0 (linux-6.11.8-zen1-2-zen-unknown) go1.23.3 cursor/1.93.1 vscode-wakatime/24.8.0`.

export interface UserAgentInfo {
  editor: string | null;
  os: string | null;
}

const OS_NAMES: Record<string, string> = {
  win: "Windows",
  windows: "Windows",
  darwin: "Mac",
  macos: "Mac",
  linux: "Linux",
  freebsd: "FreeBSD",
  openbsd: "OpenBSD",
  netbsd: "NetBSD",
  android: "Android",
  ios: "iOS",
};
const EDITOR_NAMES: Record<string, string> = {
  vscode: "VS Code",
  ktexteditor: "Kate",
  "visual studio": "Visual Studio",
  jetbrains: "JetBrains",
};
const RUNTIME = /^(go\d|python\d|cpython|node|wakatime$|wakatime-cli$|wakatime-ls$)/i;

function titleCase(name: string): string {
  return EDITOR_NAMES[name.toLowerCase()] ?? name;
}

// The last user agent parsed: a request's heartbeats usually share the header's.
let lastParsed: { ua: string; info: UserAgentInfo } | null = null;

export function parseUserAgent(ua: string | null | undefined): UserAgentInfo {
  if (!ua) return { editor: null, os: null };
  if (lastParsed?.ua === ua) return { ...lastParsed.info };
  const info = parseUncached(ua);
  lastParsed = { ua, info: { ...info } };
  return info;
}

function parseUncached(ua: string): UserAgentInfo {
  let os: string | null = null;
  const platform = /\(([^)]*)\)/.exec(ua);
  if (platform) {
    if (/-WSL2?-/i.test(platform[1]!) || /microsoft-standard-wsl/i.test(platform[1]!)) os = "WSL";
    else {
      const first = platform[1]!.split(/[-_ ]/)[0]!.toLowerCase();
      os = OS_NAMES[first] ?? (first ? first[0]!.toUpperCase() + first.slice(1) : null);
    }
  } else {
    // Browser builds: `Chrome/114 linux_x86-64 chrome-wakatime/3.0.17`.
    const bare = /\b(linux|windows|win|mac|macos|darwin|android|ios)(?:[_ -]|$)/i.exec(ua);
    if (bare) os = OS_NAMES[bare[1]!.toLowerCase()] ?? "Mac";
  }
  const tokens = ua
    .replace(/\([^)]*\)/g, " ")
    .split(/\s+/)
    .filter((t) => t.includes("/"));
  let plugin: string | null = null;
  for (const token of tokens) {
    const name = token.slice(0, token.indexOf("/"));
    if (!name || RUNTIME.test(name)) continue;
    if (/-wakatime$/i.test(name)) {
      plugin ??= name.slice(0, -"-wakatime".length);
      continue;
    }
    return { editor: titleCase(name), os };
  }
  return { editor: plugin ? titleCase(plugin) : null, os };
}
