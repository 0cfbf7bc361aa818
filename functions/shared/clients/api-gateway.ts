import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { traceClient } from '../tracing.ts';
import { clientOptions, withoutUnusedMiddleware } from './options.ts';

let apiGateway: APIGatewayClient | undefined;

/** The container's one API Gateway client (the authorizer reads the API keys with it). */
export function apiGatewayClient(): APIGatewayClient {
  apiGateway ??= withoutUnusedMiddleware(traceClient(new APIGatewayClient(clientOptions())));
  return apiGateway;
}
