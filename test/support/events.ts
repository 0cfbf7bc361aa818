import { randomUUID } from 'node:crypto';

export interface TestEvent {
  topic: string;
  event_id: string;
  timestamp: string;
  source: string;
  payload?: Record<string, unknown>;
}

/** A topic no other test uses, so that its counters start at zero. */
export const uniqueTopic = (label: string) => `test.${label}.${randomUUID().slice(0, 8)}`;

export const makeEvent = (overrides: Partial<TestEvent> = {}): TestEvent => ({
  topic: 'test.default',
  event_id: `evt-${randomUUID()}`,
  timestamp: '2026-11-22T10:00:00Z',
  source: 'vitest',
  payload: { n: 1 },
  ...overrides,
});
