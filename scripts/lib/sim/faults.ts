/**
 * What can happen to one call to a simulated service. `fail-before` and `throttle` change nothing;
 * `fail-after` acted and then lost its answer (the caller sees an error for something that
 * happened); `timeout-before` and `timeout-after` are the same with the SDK's TimeoutError; `slow`
 * answers late. The errors carry what the AWS SDK's own classification reads ($fault, status, name).
 */
export type Fault =
  | { kind: 'fail-before' }
  | { kind: 'fail-after' }
  | { kind: 'timeout-before' }
  | { kind: 'timeout-after' }
  | { kind: 'throttle' }
  | { kind: 'slow'; ms: number };

export type CallFaults = (call: { service: 'dynamodb' | 'sqs'; operation: string }) => Fault | undefined;
export type Latency = (operation: string) => number;

export function faultError(fault: Fault): Error {
  switch (fault.kind) {
    case 'throttle':
      return Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    case 'timeout-before':
    case 'timeout-after':
      return Object.assign(new Error('the request timed out'), { name: 'TimeoutError', $metadata: {} });
    default:
      return Object.assign(new Error('We encountered an internal error. Please try again.'), {
        name: 'InternalServerError',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      });
  }
}

export interface FaultRates {
  /** Of every call, how many meet a fault at all. */
  rate: number;
  /** Simulated milliseconds a call takes: a base and a long tail. */
  latencyMs: [number, number];
}

/** Faults and latencies drawn from the simulation's seeded random source. */
export function seededFaults(random: () => number, rates: FaultRates): { faults: CallFaults; latency: Latency } {
  const kinds: Fault['kind'][] = ['fail-before', 'fail-after', 'timeout-before', 'timeout-after', 'throttle', 'slow'];
  return {
    faults: () => {
      if (random() >= rates.rate) return undefined;
      const kind = kinds[Math.floor(random() * kinds.length)]!;
      return kind === 'slow' ? { kind, ms: Math.floor(random() * 3000) } : ({ kind } as Fault);
    },
    latency: () => {
      const [base, tail] = rates.latencyMs;
      const r = random();
      // Mostly near the base; one call in twenty far out in the tail.
      return Math.floor(base * (0.5 + r) + (r > 0.95 ? tail * random() : 0));
    },
  };
}
