/** What `npm run invocation-cost` asks of one worker (invocation-worker.ts), and what it answers. */
export interface InvocationTask {
  bundle: string;
  port: number;
  warm: number;
  measured: number;
  gapMs: number;
}

export interface InvocationReport {
  /** CPU ms per measured invocation, inside the handler's call. */
  handlerMs: number;
  /** CPU ms per measured invocation, during the pause after it. */
  pauseMs: number;
  /** Status codes of the answers that were not 2xx, warm-up included. */
  failures: number[];
}

export const eventsPerRequest = 100;
