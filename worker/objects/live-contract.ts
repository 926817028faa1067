// The contract the Worker and the live objects share: what a pulse notice carries, how the Worker
// names a user to its object, and the roles and sessions of profile viewers.

/** What the Worker tells a watched user's object after an accepted pulse. */
export interface PulseNotice {
  userId: number;
  pulseId: number;
  seq: number;
  machineId: number;
  codedAt: number;
  utcOffset: number;
  /** Languages as sent: `key` is the case-insensitive identity; the object books them by alias. */
  entries: { key: string; amount: number }[];
  coords: { lat: number; lon: number } | null;
}

/** Who the user is, as D1 says (a user object keeps the last identity it was given). */
export interface UserIdentity {
  userId: number;
  username: string;
  private: boolean;
  createdAt: number;
}

/** What the Worker knows of the user from D1 when it asks for the profile or opens a socket. */
export interface UserRef extends UserIdentity {
  /** The user's pulse sequence in D1: the object catches up to it before answering. */
  pulseSeq: number;
}

export type ViewerRole = "owner" | "public";

/** Who opens a profile socket: an owner's socket remembers its session, so logging out closes it. */
export type ViewerOf = { role: "public" } | { role: "owner"; sessionId: number };

/** Request headers that carry the contract on a WebSocket upgrade handed to a user object. */
export const USER_REF_HEADER = "x-user-ref";
export const VIEWER_HEADER = "x-viewer";
