// The machine token in a WakaTime request, in every form clients send it (spec §1.3, §1.9 item 2):
// Basic base64(key), base64(key:), base64(:key); Bearer key or Bearer base64(key); ?api_key=key.
import { canonicalToken } from "./token";

function decodeBase64(text: string): string | null {
  try {
    return atob(text.trim());
  } catch {
    return null;
  }
}

/** The canonical token of whichever part of a decoded credential is one. */
function fromCredential(decoded: string | null): string | null {
  if (decoded === null) return null;
  for (const part of decoded.split(":")) {
    const token = canonicalToken(part);
    if (token) return token;
  }
  return null;
}

export function wakatimeToken(authorization: string | null | undefined, apiKeyParam: string | null | undefined): string | null {
  if (authorization) {
    const m = /^\s*(basic|bearer)\s+(\S+)\s*$/i.exec(authorization);
    if (m) {
      const [, scheme, value] = m as unknown as [string, string, string];
      if (scheme.toLowerCase() === "bearer") {
        const raw = canonicalToken(value);
        if (raw) return raw;
      }
      const decoded = fromCredential(decodeBase64(value));
      if (decoded) return decoded;
    }
  }
  return canonicalToken(apiKeyParam);
}
