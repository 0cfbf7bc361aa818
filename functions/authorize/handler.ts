import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { ApiKeyDirectory, type ApiKeyRecord } from '../adapters/api-keys.ts';
import { allows, scopeOf } from '../edge/access.ts';
import { credentialsOf } from '../edge/credentials.ts';
import { apiGatewayClient } from '../shared/clients/api-gateway.ts';
import { observed } from '../shared/lambda.ts';
import { logger } from '../shared/logger.ts';

const directory = new ApiKeyDirectory(apiGatewayClient());

/**
 * The API's authorizer: finds the key a request presents (edge/credentials.ts: the first candidate
 * that is a known key), allows the call
 * when the key is enabled and its scope covers it (edge/access.ts), and hands the key to API
 * Gateway (usageIdentifierKey), which then applies the key's usage plan as for `x-api-key`.
 * No key: 401. An unknown or disabled key, or a call outside its scope: 403.
 */
export const handler = observed<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>(async (event) => {
  const candidates = credentialsOf(event.headers);
  // API Gateway answers this one error message with its 401 (UNAUTHORIZED).
  if (candidates.length === 0) throw new Error('Unauthorized');
  let credential = candidates[0]!;
  let key: ApiKeyRecord | undefined;
  for (const candidate of candidates) {
    key = await directory.find(candidate.key);
    if (key) {
      credential = candidate;
      break;
    }
  }
  const scope = key?.enabled ? scopeOf(key.tags) : undefined;
  const allowed = scope !== undefined && allows(scope, event.methodArn);
  logger.info('authorized', { scheme: credential.scheme, keyId: key?.id, scope, allowed });
  return {
    principalId: key?.id ?? 'unknown',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: allowed ? 'Allow' : 'Deny', Resource: event.methodArn }],
    },
    ...(allowed ? { usageIdentifierKey: credential.key, context: { scope: scope! } } : {}),
  };
});
