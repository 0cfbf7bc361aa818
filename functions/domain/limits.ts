/** Input and output caps, documented in docs/API.md. Every input cap is enforced before anything is enqueued. */
export const limits = {
  /** Request body, in bytes: every body reaches the function base64-encoded (a third longer), below Lambda's 6 MB synchronous payload limit. */
  maxBodyBytes: 4 * 1024 * 1024,
  /** Events per publish request. */
  maxEventsPerRequest: 5000,
  /** One event as it travels (its JSON text in SQS's character set): it must fit one SQS message (256 KiB) with its envelope. */
  maxEventBytes: 200 * 1024,
  /** topic, event_id and source, in UTF-16 code units as JavaScript counts them (at most 768 bytes of UTF-8). */
  maxFieldChars: 256,
  /** Nesting of objects and arrays inside payload. */
  maxPayloadDepth: 32,
  /** Nesting of a whole body, checked before anything else reads it: deeper than any valid event, so the payload rule names a payload too deep. */
  maxDocumentDepth: 64,
  /** Problems listed in one error answer: an answer must stay far below Lambda's 6 MB whatever the request. */
  maxErrorDetails: 100,
  /** GET /events page size. */
  defaultPageSize: 50,
  maxPageSize: 1000,
  /** Events in one GET /events page, measured as they travel in Lambda's answer (the page's JSON inside a JSON string, escapes doubled): below its 6 MB limit. */
  maxPageBytes: 4 * 1024 * 1024,
  /** Index entries one GET /events request may read before it answers with what it found and a cursor. */
  maxEntriesScannedPerPage: 20_000,
  /** Topics listed in one GET /stats answer. */
  defaultTopicsPerStatsPage: 100,
  maxTopicsPerStatsPage: 1000,
  /** Idempotency-Key, as Stripe and the IETF draft allow. */
  maxIdempotencyKeyChars: 255,
  /** POST /publish?wait=: longest read-your-writes wait, in seconds. */
  maxWaitSeconds: 20,
} as const;
