/**
 * The API key a request presents, however its client sends it: `x-api-key` (idemlog's own
 * clients), `Authorization: Bearer <key>` (OTLP exporters, most shippers), `Basic` with the key as
 * password, or as user name when the password is empty (rsyslog, syslog-ng, Loki clients),
 * `Splunk <key>` (HEC clients) and `ApiKey <key>` (Elasticsearch clients).
 */
export type Credential = { key: string; scheme: 'x-api-key' | 'bearer' | 'basic' | 'splunk' | 'apikey' };

export function credentialOf(headers: Record<string, string | undefined> | null | undefined): Credential | undefined {
  const header = (name: string) =>
    Object.entries(headers ?? {})
      .find(([key]) => key.toLowerCase() === name)?.[1]
      ?.trim();
  const apiKey = header('x-api-key');
  if (apiKey) return { key: apiKey, scheme: 'x-api-key' };
  const authorization = header('authorization');
  const match = authorization ? /^(\w+)\s+(\S+)$/.exec(authorization) : null;
  if (!match) return undefined;
  const [, scheme, value] = match as unknown as [string, string, string];
  switch (scheme.toLowerCase()) {
    case 'bearer':
      return { key: value, scheme: 'bearer' };
    case 'splunk':
      return { key: value, scheme: 'splunk' };
    case 'apikey':
      return { key: value, scheme: 'apikey' };
    case 'basic': {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return undefined;
      const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
      const key = password || user;
      return key ? { key, scheme: 'basic' } : undefined;
    }
    default:
      return undefined;
  }
}
