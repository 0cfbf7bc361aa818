import type { Envelope } from './envelope.ts';

/**
 * Fault injection for demos and tests. An event asks for a fault with a marker in its payload:
 *   "_idemlog_fault": {"mode": "crash_after_write" | "fail", "times": N}
 *     `crash_after_write` commits the message and then fails before acknowledging it; `fail`
 *     fails before writing. Either happens while the message's receive count is at most N (omit
 *     `times` to fail forever).
 *   "_idemlog_fault": {"mode": "conflict", "times": N}
 *     each transaction carrying the event is reported as conflicting N times, as DynamoDB does
 *     under contention, before it is really sent.
 *   "_idemlog_fault": {"mode": "refuse_enqueue", "until": "<RFC 3339>"}
 *     SQS refuses the message carrying the event until that time, as if it were throttled.
 * Markers are honoured only when FAULT_INJECTION=on, which config refuses outside the local stage.
 */
export type FaultMode = 'crash_after_write' | 'fail';

export const faultMarker = '_idemlog_fault';

export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

export function faultFor(envelope: Envelope, receiveCount: number): FaultMode | undefined {
  for (const event of envelope.events) {
    const marker = event.payload[faultMarker];
    if (marker === null || typeof marker !== 'object') continue;
    const { mode, times } = marker as { mode?: unknown; times?: unknown };
    if (mode !== 'crash_after_write' && mode !== 'fail') continue;
    const limit = typeof times === 'number' ? times : Number.POSITIVE_INFINITY;
    if (receiveCount <= limit) return mode;
  }
  return undefined;
}

interface Marked {
  payload: Record<string, unknown>;
}

function markerOf(event: Marked, mode: string): Record<string, unknown> | undefined {
  const marker = event.payload[faultMarker];
  if (marker === null || typeof marker !== 'object') return undefined;
  return (marker as { mode?: unknown }).mode === mode ? (marker as Record<string, unknown>) : undefined;
}

/** How many times transactions carrying these events must be reported as conflicting. */
export function injectedConflicts(events: Marked[]): number {
  return Math.max(0, ...events.map((event) => Number(markerOf(event, 'conflict')?.times ?? 0)));
}

/** Whether SQS must refuse a message carrying these events at `now`. */
export function refusesEnqueue(events: Marked[], now: Date): boolean {
  return events.some((event) => {
    const until = markerOf(event, 'refuse_enqueue')?.until;
    return typeof until === 'string' && now < new Date(until);
  });
}
