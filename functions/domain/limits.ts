/** Input caps, documented in the README. Every one of them is enforced before anything is enqueued. */
export const limits = {
  /** Request body, in bytes: below Lambda's 6 MB synchronous payload limit. */
  maxBodyBytes: 5 * 1024 * 1024,
  /** Events per publish request. */
  maxEventsPerRequest: 5000,
  /** One event serialised as JSON: it must fit one SQS message (256 KiB) with its envelope. */
  maxEventBytes: 200 * 1024,
  /** topic, event_id and source. */
  maxFieldChars: 256,
  /** Nesting of objects and arrays inside payload. */
  maxPayloadDepth: 32,
  /** GET /events page size. */
  defaultPageSize: 50,
  maxPageSize: 1000,
  /** GET /events without a topic merges every topic's timeline; past this many topics, ask for one. */
  maxTopicsWithoutFilter: 2000,
} as const;
