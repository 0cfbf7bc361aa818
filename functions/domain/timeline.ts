/**
 * Merging ordered lanes. A timeline (one topic's, or every topic's) is spread over several index
 * keys ("lanes"), each ordered by time key; a page is the first entries of their merge. Lanes are
 * read lazily, a page at a time, so a page costs a bounded number of reads whatever the number of
 * topics, and stops early when its read budget or byte cap is reached.
 */
export type Order = 'asc' | 'desc';

export interface TimelineEntry {
  /** The time key: unique, ordered by timestamp. */
  key: string;
  /** The event's table key. */
  id: string;
  /** Its size as /events serialises it. */
  bytes: number;
}

export interface LaneRead {
  entries: TimelineEntry[];
  /** Index entries the read examined (more than `entries` when a filter dropped some). */
  scanned: number;
  /** Where the read stopped, if the lane has more: every entry up to this key has been examined. */
  frontier?: string;
}

export interface Lane {
  /** The next entries of the lane, in order; at most `max` examined. */
  read(max: number): Promise<LaneRead>;
}

export interface MergeLimits {
  /** Entries wanted. */
  limit: number;
  /** Serialised bytes a page may hold (the first entry is always taken). */
  maxBytes: number;
  /** Index entries the whole merge may examine. */
  maxScanned: number;
}

export interface MergedPage {
  entries: TimelineEntry[];
  /** When there may be more: resume strictly after this key. */
  resumeAfter?: string;
}

interface LaneState {
  lane: Lane;
  buffer: TimelineEntry[];
  done: boolean;
  /** Every remaining entry of a lane that is not done lies beyond this key. */
  frontier?: string;
  pageSize: number;
}

export async function mergeLanes(lanes: Lane[], order: Order, limits: MergeLimits): Promise<MergedPage> {
  const before = (a: string, b: string) => (order === 'asc' ? a < b : a > b);
  const firstPage = Math.max(4, Math.ceil((limits.limit + 1) / Math.max(1, lanes.length)) + 1);
  const states: LaneState[] = lanes.map((lane) => ({ lane, buffer: [], done: false, pageSize: firstPage }));
  const entries: TimelineEntry[] = [];
  let scanned = 0;
  let bytes = 0;
  let lastEmitted: string | undefined;

  const refill = async () => {
    const empty = states.filter((s) => s.buffer.length === 0 && !s.done);
    if (empty.length === 0 || scanned >= limits.maxScanned) return;
    await Promise.all(
      empty.map(async (state) => {
        const read = await state.lane.read(state.pageSize);
        scanned += read.scanned;
        state.buffer.push(...read.entries);
        state.frontier = read.frontier;
        state.done = read.frontier === undefined;
        state.pageSize = Math.min(state.pageSize * 2, 1000);
      }),
    );
  };

  for (;;) {
    await refill();
    // A lane that is empty but not done holds nothing before its frontier: the merge may go up to it.
    let bound: string | undefined;
    for (const state of states) {
      if (state.buffer.length === 0 && !state.done && (bound === undefined || before(state.frontier!, bound))) bound = state.frontier;
    }
    let next: LaneState | undefined;
    for (const state of states) {
      const head = state.buffer[0];
      if (head && (next === undefined || before(head.key, next.buffer[0]!.key))) next = state;
    }
    const head = next?.buffer[0];
    if (!next || !head) return { entries, resumeAfter: bound };
    if (bound !== undefined && before(bound, head.key)) {
      // The next entry may come from a lane not yet read far enough. Out of budget, stop at the
      // bound: everything up to it has been examined in every lane, and emitted if wanted.
      if (scanned >= limits.maxScanned) return { entries, resumeAfter: bound };
      continue;
    }
    if (entries.length === limits.limit || (entries.length > 0 && bytes + head.bytes > limits.maxBytes)) {
      return { entries, resumeAfter: lastEmitted };
    }
    next.buffer.shift();
    entries.push(head);
    bytes += head.bytes;
    lastEmitted = head.key;
  }
}
