// The WebSocket protocol between the live objects and the browser: one discriminated union per
// channel, shared by worker/objects and site/scripts. A connection starts with a snapshot; deltas
// follow. Profile deltas carry pulse sequence numbers, so a client that sees a gap (or reconnects)
// asks for a fresh snapshot instead of guessing. `v` changes when a message shape changes.

export const PROTOCOL_VERSION = 2;

// ---- Profile channel: /live/users/:username ----

export interface LanguageTotal {
  name: string;
  xp: number;
  /** XP of the last 12 hours. */
  recentXp: number;
}

export interface MachineTotal {
  name: string;
  xp: number;
  recentXp: number;
}

/** Days of per-date XP a profile view carries: 53 full weeks (the calendar shows the last 365 days in week columns). */
export const CALENDAR_DAYS_SENT = 371;

export interface ProfileView {
  username: string;
  /** Epoch ms of account creation. */
  registeredAt: number;
  /** Last applied pulse of this user (per-user sequence). */
  seq: number;
  totalXp: number;
  recentXp: number;
  /** The coder's local date of the latest pulse, YYYY-MM-DD, or null. */
  lastCodedDate: string | null;
  /** Sorted by XP, descending. */
  languages: LanguageTotal[];
  /** Active machines only, sorted by XP, descending. */
  machines: MachineTotal[];
  /** XP per calendar day ("MM-DD"), all years summed: at most 366 entries whatever the history. */
  yearDays: Record<string, number>;
  /** XP per local date ("YYYY-MM-DD") of the last CALENDAR_DAYS_SENT days, for the rolling calendar. */
  calendarDays: Record<string, number>;
  /** XP per local hour of day, index 0-23. */
  hours: number[];
  /** XP per local date and language for the recent days the charts show. */
  recentDays: { date: string; language: string; xp: number }[];
  /** Server time the view was computed at (epoch ms): the recent window ends here. */
  at: number;
}

export interface PulseEvent {
  seq: number;
  /** UTC instant, e.g. 2020-09-10T08:00:00Z. */
  sentAt: string;
  /** Local wall time with the sender's offset, e.g. 2020-09-10T11:00:00+03:00. */
  sentAtLocal: string;
  machine: string;
  /** Booked (alias-resolved) languages. */
  xps: { language: string; amount: number }[];
}

export type ProfileServerMessage =
  | { v: typeof PROTOCOL_VERSION; type: "profile.snapshot"; profile: ProfileView }
  | { v: typeof PROTOCOL_VERSION; type: "profile.pulses"; fromSeq: number; toSeq: number; pulses: PulseEvent[] };

// ---- Front page channel: /live/feed ----

export interface FeedView {
  /** XP of all public profiles. */
  totalXp: number;
  /** [minute start (epoch ms), XP] for the last 4 hours; each XP row counts at most 400. */
  minutes: [number, number][];
  /** Top languages of the last 24 hours. */
  topLanguages: { name: string; xp: number }[];
  /** Live viewers of the front page. */
  viewers: number;
  at: number;
}

export interface MapDot {
  lat: number;
  lon: number;
  xp: number;
}

export type FeedServerMessage =
  | { v: typeof PROTOCOL_VERSION; type: "feed.snapshot"; feed: FeedView }
  | {
      v: typeof PROTOCOL_VERSION;
      type: "feed.update";
      totalXp: number;
      /** Changed minute buckets with their new absolute values. */
      minutes: [number, number][];
      topLanguages: { name: string; xp: number }[];
      viewers: number;
      dots: MapDot[];
    };

// ---- Client to server (both channels) ----
// "ping" (plain text) is answered "pong" by the runtime without waking the object.
export type ClientMessage = { type: "resync" };

export const PING = "ping";
export const PONG = "pong";
