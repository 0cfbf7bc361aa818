import type { StackInfo } from './stack.ts';

/** Where a deployed API answers, and the key it wants on every endpoint but /health. */
export interface ApiTarget {
  url: string;
  key: string;
  /** Sees every answer's status and parsed body (the tests check each against the OpenAPI description). */
  inspect?: (method: string, path: string, status: number, body: unknown) => void;
}

export const apiTargetOf = (stack: Pick<StackInfo, 'apiUrl' | 'apiKey'>): ApiTarget => ({ url: stack.apiUrl, key: stack.apiKey });

/** fetch() against the API, with its key. */
export function callApi(api: ApiTarget, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${api.url}${path}`, {
    ...init,
    headers: { 'x-api-key': api.key, ...(init.headers as Record<string, string> | undefined) },
  });
}
