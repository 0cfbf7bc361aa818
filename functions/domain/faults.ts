import type { Envelope } from './envelope.ts';

/**
 * Fault injection for demos and tests. An event asks for a fault with a marker in its payload:
 *   "_idemlog_fault": {"mode": "crash_after_write" | "fail", "times": N}
 * `crash_after_write` commits the message and then fails before acknowledging it; `fail` fails
 * before writing. Either happens while the message's receive count is at most N (omit `times`
 * to fail forever). Markers are honoured only when FAULT_INJECTION=on, which config refuses
 * outside the local stage.
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
