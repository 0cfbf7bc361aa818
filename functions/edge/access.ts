/**
 * What each key's scope may call. A key's scope is its tag `idemlog:scope`: `ingest` (what a
 * shipper holds: publish and the shippers' protocols), `read` (`/events` and `/stats`), or
 * `all`, which a key without the tag has.
 */
export type Scope = 'ingest' | 'read' | 'all';

export const scopeTag = 'idemlog:scope';

export function scopeOf(tags: Record<string, string> | undefined): Scope | undefined {
  const value = tags?.[scopeTag];
  if (value === undefined) return 'all';
  return value === 'ingest' || value === 'read' || value === 'all' ? value : undefined;
}

const ingestRoutes = [
  /^POST\/publish$/,
  /^POST\/v1\/logs$/,
  /^POST\/loki\/api\/v1\/push$/,
  /^POST\/(?:[^/]+\/)?_bulk$/,
  /^POST\/services\/collector(?:\/event)?$/,
];
const readRoutes = [/^GET\/events$/, /^GET\/stats$/];

/**
 * Whether a scope may make this call, from the method ARN API Gateway gives the authorizer
 * (`arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`).
 */
export function allows(scope: Scope, methodArn: string): boolean {
  if (scope === 'all') return true;
  const call = methodArn.split('/').slice(2).join('/');
  return (scope === 'ingest' ? ingestRoutes : readRoutes).some((route) => route.test(call));
}
