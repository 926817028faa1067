// One Durable Object alarm serving several jobs: it is set to the earliest time any job is due, and
// the last value set is remembered, so a stream of requests writes no alarm per request.
export class AlarmSchedule {
  /** The alarm time last set (undefined: not known since the object started). */
  private scheduled: number | null | undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Call first thing in `alarm()`: the alarm that was set has fired. */
  fired(): void {
    this.scheduled = null;
  }

  /** Wakes the object no later than `at` (an alarm already due earlier stays). */
  async wakeBy(at: number, now = Date.now()): Promise<void> {
    this.scheduled ??= await this.storage.getAlarm();
    const when = Math.max(at, now);
    if (this.scheduled !== null && this.scheduled <= when) return;
    await this.storage.setAlarm(when);
    this.scheduled = when;
  }

  /** Sets the alarm to the earliest of `due` (nulls ignored); with nothing due, clears it. */
  async settle(due: readonly (number | null)[], now = Date.now()): Promise<void> {
    const times = due.filter((t): t is number => t !== null);
    if (times.length > 0) return this.wakeBy(Math.min(...times), now);
    this.scheduled ??= await this.storage.getAlarm();
    if (this.scheduled === null) return;
    await this.storage.deleteAlarm();
    this.scheduled = null;
  }

  async clear(): Promise<void> {
    await this.storage.deleteAlarm();
    this.scheduled = null;
  }
}
