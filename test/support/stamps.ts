// Test support: the engine stamps each event's body in place (src/core/engine/emit.ts), so a body emitted twice, or
// kept and emitted again by a later command, would carry its last stamp in both places. A StampLog notes each
// command's events as they come and checks, once the run is over, that every event is its own object and still holds
// its command's seq and its place in the command's events.

import type { EngineEvent } from '../../src/core/engine/events.js';

export class StampLog {
  private readonly events: EngineEvent[] = [];
  private readonly stamps: [number, number][] = [];

  /** The events one command answered with; `seq`: the command's sequence number. */
  note(out: readonly EngineEvent[], seq: number): void {
    out.forEach((e, ordinal) => {
      this.events.push(e);
      this.stamps.push([seq, ordinal]);
    });
  }

  /** Throws unless every event noted is its own object and still holds the stamp it was noted with. */
  check(): void {
    if (new Set(this.events).size !== this.events.length) throw new Error('one object was emitted as two events');
    this.events.forEach((e, i) => {
      const [seq, ordinal] = this.stamps[i] as [number, number];
      if (e.seq !== seq || e.ordinal !== ordinal) throw new Error(`event ${i} (${e.kind}) was stamped ${e.seq}/${e.ordinal} after its own ${seq}/${ordinal}: its body was emitted again`);
    });
  }
}
