/**
 * The API keys a request may be presenting, in the order they are tried: `x-api-key` (idemlog's
 * own clients), then `Authorization`: `Bearer <key>` (OTLP exporters, most shippers), `Basic` with
 * the key as password or as user name (rsyslog, syslog-ng, Loki clients), `Splunk <key>` (HEC
 * clients) and `ApiKey <key>` (Elasticsearch clients, which send base64 of `id:key`: the key is the
 * part after the colon). The first candidate that is a known key is the caller's.
 */
export type Scheme = 'x-api-key' | 'bearer' | 'basic' | 'splunk' | 'apikey';
export type Credential = { key: string; scheme: Scheme };

export function credentialsOf(headers: Record<string, string | undefined> | null | undefined): Credential[] {
  const header = (name: string) =>
    Object.entries(headers ?? {})
      .find(([key]) => key.toLowerCase() === name)?.[1]
      ?.trim();
  const candidates: Credential[] = [];
  const apiKey = header('x-api-key');
  if (apiKey) candidates.push({ key: apiKey, scheme: 'x-api-key' });
  const authorization = header('authorization');
  const match = authorization ? /^(\w+)\s+(\S+)$/.exec(authorization) : null;
  if (match) {
    const [, scheme, value] = match as unknown as [string, string, string];
    const decoded = () => Buffer.from(value, 'base64').toString('utf8');
    switch (scheme.toLowerCase()) {
      case 'bearer':
        candidates.push({ key: value, scheme: 'bearer' });
        break;
      case 'splunk':
        candidates.push({ key: value, scheme: 'splunk' });
        break;
      case 'apikey': {
        candidates.push({ key: value, scheme: 'apikey' });
        const text = decoded();
        const colon = text.indexOf(':');
        if (colon >= 0 && text.slice(colon + 1)) candidates.push({ key: text.slice(colon + 1), scheme: 'apikey' });
        break;
      }
      case 'basic': {
        const text = decoded();
        const colon = text.indexOf(':');
        if (colon < 0) break;
        const [user, password] = [text.slice(0, colon), text.slice(colon + 1)];
        if (password) candidates.push({ key: password, scheme: 'basic' });
        if (user) candidates.push({ key: user, scheme: 'basic' });
        break;
      }
    }
  }
  // Bounded: a hostile header cannot make the authorizer look up more than a few values.
  return candidates.filter((candidate) => candidate.key.length <= 256).slice(0, 4);
}
