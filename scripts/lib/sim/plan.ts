import fc from 'fast-check';

/**
 * A simulation's plan: who sends what, how the clients retry, how faulty the services are, and
 * the seed for everything the plan leaves to chance (latencies, which call fails, delivery order,
 * request ids). fast-check generates plans and, when one fails, shrinks it to the fewest clients,
 * requests and events that still fail.
 */
export type Invalid =
  | 'malformed-json'
  | 'unknown-field'
  | 'bad-timestamp'
  | 'blank-name'
  | 'too-deep'
  | 'bomb'
  | 'repeated-key'
  | 'huge-number'
  | 'empty';

export interface EventPlan {
  topic: number;
  id: number;
  /** 0 is an event's usual content; another value sends the same identity with other content. */
  variant: number;
  /** Which spelling of its timestamp (precision and offset). */
  spelling: number;
  /** A payload near the size limit, or nested to the depth limit. */
  heavy: 'none' | 'big' | 'deep';
  /** A fault marker for the deployed stack's fault injection (the chaos run; the simulator injects its own faults). */
  fault?: Record<string, unknown>;
}

export interface RequestPlan {
  shape: 'single' | 'array' | 'wrapped';
  events: EventPlan[];
  keyed: boolean;
  wait: number;
  invalid?: Invalid;
  /** How the client re-sends after a 503 not_enqueued (keyed): the named events or the whole body. */
  afterNotEnqueued: 'named' | 'whole';
  /** Chance the client stops waiting for an attempt's answer (the outcome is then unknown to it). */
  loseAnswer: number;
  /** After it is done, send another body under the same key (which must be refused). */
  reuseKey: boolean;
  /**
   * Send under the key of an earlier request of this client (by position, modulo), its body or
   * another: a replay, a refusal, or, once that request's record has been forgotten, a new request.
   */
  keyOf?: { request: number; body: 'same' | 'other' };
  /** Read before the next request: a walk of /events, or /stats. */
  read?: 'topic' | 'all' | 'range' | 'stats';
  pauseMs: number;
}

export interface ClientPlan {
  requests: RequestPlan[];
}

export interface Plan {
  seed: number;
  clients: ClientPlan[];
  consumers: number;
  /** Of every call to DynamoDB and SQS, how many meet a fault. */
  faultRate: number;
  /** Of the messages a consumer applies, how many it dies after applying, before deleting. */
  crashRate: number;
  /** SQS refusing single entries of a batch. */
  refuseRate: number;
  /** Deploys that change how publish packs events, at these times (ms from the start). */
  deploys: Array<{ atMs: number; eventsPerMessage: number; eventsPerTransaction: number }>;
  peek: boolean;
}

const eventPlan = fc.record({
  topic: fc.nat(5),
  id: fc.nat(7),
  variant: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(2) }),
  spelling: fc.nat(7),
  heavy: fc.oneof(
    { weight: 12, arbitrary: fc.constant('none' as const) },
    { weight: 1, arbitrary: fc.constantFrom('big' as const, 'deep' as const) },
  ),
});

/**
 * A request the size publish is built for: a hundred-odd events, most of them distinct, so that a
 * message's chunks and their one pre-read come near BatchGetItem's hundred keys.
 */
const bulkEvents = fc.array(
  fc.record({
    topic: fc.nat(5),
    id: fc.nat(399),
    variant: fc.constant(0),
    spelling: fc.nat(7),
    heavy: fc.constant('none' as const),
  }),
  { minLength: 80, maxLength: 130 },
);

const requestPlan = fc.record(
  {
    shape: fc.constantFrom('single', 'array', 'wrapped'),
    events: fc.oneof({ weight: 15, arbitrary: fc.array(eventPlan, { minLength: 1, maxLength: 14 }) }, { weight: 1, arbitrary: bulkEvents }),
    keyed: fc.boolean(),
    wait: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 })),
    invalid: fc.oneof(
      { weight: 7, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Invalid>(
          'malformed-json',
          'unknown-field',
          'bad-timestamp',
          'blank-name',
          'too-deep',
          'bomb',
          'repeated-key',
          'huge-number',
          'empty',
        ),
      },
    ),
    afterNotEnqueued: fc.constantFrom('named', 'whole'),
    loseAnswer: fc.constantFrom(0, 0, 0.2, 0.5),
    reuseKey: fc.boolean(),
    read: fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('topic', 'all', 'range', 'stats') },
    ),
    pauseMs: fc.oneof({ weight: 8, arbitrary: fc.nat(2000) }, { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 200_000 }) }),
    keyOf: fc.oneof(
      { weight: 5, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.record({ request: fc.nat(4), body: fc.constantFrom('same' as const, 'other' as const) }) },
    ),
  },
  { requiredKeys: ['shape', 'events', 'keyed', 'wait', 'afterNotEnqueued', 'loseAnswer', 'reuseKey', 'pauseMs'] },
) as fc.Arbitrary<RequestPlan>;

export const planArbitrary: fc.Arbitrary<Plan> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  clients: fc.array(fc.record({ requests: fc.array(requestPlan, { minLength: 1, maxLength: 5 }) }), { minLength: 1, maxLength: 4 }),
  consumers: fc.integer({ min: 1, max: 4 }),
  faultRate: fc.constantFrom(0, 0.02, 0.08, 0.2),
  crashRate: fc.constantFrom(0, 0.1, 0.3),
  refuseRate: fc.constantFrom(0, 0.05, 0.3),
  deploys: fc.array(
    fc.record({
      atMs: fc.nat(30_000),
      // Mostly small messages, whose packing is the most varied; sometimes publish's own size or more.
      eventsPerMessage: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 20 }) },
        { weight: 1, arbitrary: fc.integer({ min: 90, max: 150 }) },
      ),
      eventsPerTransaction: fc.integer({ min: 1, max: 95 }),
    }),
    { maxLength: 2 },
  ),
  peek: fc.boolean(),
});

/** A plan as a script a person can read: what each client sends, and how the world misbehaves. */
export function describePlan(plan: Plan): string {
  const lines = [
    `seed ${plan.seed}; ${plan.consumers} consumer(s), peek ${plan.peek ? 'on' : 'off'}; faults ${plan.faultRate} of calls, crashes after write ${plan.crashRate}, SQS refusing entries ${plan.refuseRate}`,
    ...plan.deploys.map(
      (d) => `at ${d.atMs} ms a deploy packs ${d.eventsPerMessage} events per message, ${d.eventsPerTransaction} per transaction`,
    ),
  ];
  plan.clients.forEach((client, c) => {
    client.requests.forEach((request, r) => {
      const events = request.events
        .map((e) => `t${e.topic}/e${e.id}${e.variant ? `~v${e.variant}` : ''}${e.heavy !== 'none' ? `(${e.heavy})` : ''}`)
        .join(' ');
      const how = [
        request.keyed ? 'with a key' : 'no key',
        request.wait ? `wait ${request.wait}s` : '',
        request.invalid ? `INVALID ${request.invalid}` : '',
        request.keyed ? `after a 503 re-sends the ${request.afterNotEnqueued === 'named' ? 'named events' : 'whole body'}` : '',
        request.loseAnswer ? `loses ${request.loseAnswer * 100}% of answers` : '',
        request.reuseKey ? 'then reuses the key with another body' : '',
        request.keyOf
          ? `under the key of request ${request.keyOf.request} with ${request.keyOf.body === 'same' ? 'its body' : 'this body'}`
          : '',
        request.pauseMs > 2000 ? `after ${Math.round(request.pauseMs / 1000)} s` : '',
        request.read ? `then reads ${request.read}` : '',
      ].filter(Boolean);
      lines.push(`client ${c} request ${r} (${request.shape}, ${how.join(', ')}): ${events}`);
    });
  });
  return lines.join('\n');
}
