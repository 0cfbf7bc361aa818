import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call as it reached the stand-in. */
export interface Received {
  target: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the stand-in answers a call: a status and body, after a delay, or a connection cut before any answer. */
export interface StandInAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
  delayMs?: number;
  cut?: boolean;
}

/**
 * A local server in AWS's JSON-RPC shape, for the clients' unit tests: it records every call and
 * answers each with the next queued answer, then with an empty success. It sends no Date header
 * unless an answer gives one (the SDK's signer sets its clock by the answers' dates).
 */
export function awsStandIn() {
  const received: Received[] = [];
  const answers: StandInAnswer[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        target: String(request.headers['x-amz-target']),
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = answers.shift() ?? { status: 200, body: '{}' };
      if (answer.cut) {
        request.socket.destroy();
        return;
      }
      setTimeout(() => {
        response.sendDate = false;
        response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-1', ...answer.headers });
        response.end(answer.body);
      }, answer.delayMs ?? 0);
    });
  });
  return {
    received,
    answers,
    /** Listens on a free port of 127.0.0.1; gives the endpoint. */
    start: async (): Promise<string> => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => server.close(),
  };
}
