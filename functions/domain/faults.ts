import type { Delivery } from './envelope.ts';

/**
 * Fault injection for demos and tests. An event asks for a fault with a marker in its payload:
 *   "_idemlog_fault": {"mode": "crash_after_write" | "fail", "times": N}
 *     `crash_after_write` commits the message and then fails before acknowledging it; `fail`
 *     fails before writing. Either happens while the message's receive count is at most N (omit
 *     `times` to fail forever).
 *   "_idemlog_fault": {"mode": "conflict", "times": N}
 *     each transaction carrying the event is reported as conflicting N times, as DynamoDB does
 *     under contention, before it is really sent.
 *   "_idemlog_fault": {"mode": "slow", "ms": N}
 *     each transaction carrying the event waits N ms first, as a throttled or overloaded table would.
 *   "_idemlog_fault": {"mode": "refuse_enqueue", "until": "<RFC 3339>"}
 *     SQS refuses the message carrying the event until that time, as if it were throttled.
 * Markers are honoured only when FAULT_INJECTION=on, which config refuses outside the local stage.
 */
export type FaultMode = 'crash_after_write' | 'fail';

export const faultMarker = '_idemlog_fault';

export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

interface Marked {
  payload: Record<string, unknown>;
}

interface FaultMarker {
  mode?: unknown;
  times?: unknown;
  until?: unknown;
  ms?: unknown;
}

function markerOf(event: Marked): FaultMarker | undefined {
  const marker = event.payload[faultMarker];
  return marker !== null && typeof marker === 'object' ? (marker as FaultMarker) : undefined;
}

export function faultFor(delivery: Delivery, receiveCount: number): FaultMode | undefined {
  for (const event of delivery.chunks.flatMap((chunk) => chunk.events)) {
    const marker = markerOf(event);
    if (marker?.mode !== 'crash_after_write' && marker?.mode !== 'fail') continue;
    const limit = typeof marker.times === 'number' ? marker.times : Number.POSITIVE_INFINITY;
    if (receiveCount <= limit) return marker.mode;
  }
  return undefined;
}

const largest = (events: Marked[], mode: string, field: 'times' | 'ms') =>
  Math.max(
    0,
    ...events.map((event) => {
      const marker = markerOf(event);
      return marker?.mode === mode ? Number(marker[field] ?? 0) : 0;
    }),
  );

/** How many times transactions carrying these events must be reported as conflicting. */
export const injectedConflicts = (events: Marked[]): number => largest(events, 'conflict', 'times');

/** How long transactions carrying these events must wait before they are sent. */
export const injectedDelayMs = (events: Marked[]): number => largest(events, 'slow', 'ms');

/** Whether SQS must refuse a message carrying these events at `now`. */
export function refusesEnqueue(events: Marked[], now: Date): boolean {
  return events.some((event) => {
    const marker = markerOf(event);
    return marker?.mode === 'refuse_enqueue' && typeof marker.until === 'string' && now < new Date(marker.until);
  });
}
