// The ~/.wakatime.cfg that points WakaTime plugins (through wakatime-cli) at this server.

/** The `api_url` WakaTime clients take: the CLI appends `/users/current/heartbeats.bulk` and friends. */
export function wakatimeApiUrl(origin: string): string {
  return `${origin}/api/v1`;
}

/** A ready config; `token` is the bare machine token (the CLI wants `waka_<uuid>` or the bare uuid). */
export function wakatimeConfig(origin: string, token: string | null): string {
  return `[settings]\napi_url = ${wakatimeApiUrl(origin)}\napi_key = ${token ? `waka_${token}` : "waka_<this machine's API token>"}\n`;
}
