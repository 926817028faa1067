// Who holds a profile socket: the tags and attachment a viewer's socket gets from its role and
// session (so privacy changes and log-outs find the sockets to close), and the count by role.
import type { ViewerOf, ViewerRole } from "./live-contract";
import { attachmentOf, type ViewerSockets } from "./sockets";

/** Per-socket state kept in the socket's attachment (with the shared socket fields), across hibernation. */
interface ViewerAttachment {
  role: ViewerRole;
  sessionId: number | null;
}

/** Sockets of public viewers (closed when the profile turns private). */
export const PUBLIC_TAG = "public";
/** Sockets of the profile's owner (closed when every session ends). */
export const OWNER_TAG = "owner";
/** The owner's sockets opened with one session (closed when it logs out). */
export const sessionTag = (sessionId: number) => `session:${sessionId}`;

/** Accepts a profile viewer's socket, tagged and attached by role and session. */
export function acceptProfileViewer(sockets: ViewerSockets, viewer: ViewerOf): { client: WebSocket; server: WebSocket } {
  if (viewer.role === "public") return sockets.accept<ViewerAttachment>([PUBLIC_TAG], { role: "public", sessionId: null });
  return sockets.accept<ViewerAttachment>([OWNER_TAG, sessionTag(viewer.sessionId)], { role: "owner", sessionId: viewer.sessionId });
}

/** Connected viewers by role, from the sockets' attachments. */
export function countViewers(sockets: ViewerSockets): { owner: number; public: number; oldestOpenedAt: number | null } {
  const counts = { owner: 0, public: 0, oldestOpenedAt: null as number | null };
  for (const ws of sockets.list()) {
    const a = attachmentOf<ViewerAttachment>(ws);
    if (!a) continue;
    counts[a.role]++;
    counts.oldestOpenedAt = Math.min(counts.oldestOpenedAt ?? a.openedAt, a.openedAt);
  }
  return counts;
}
