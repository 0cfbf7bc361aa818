import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { tracer } from '../tracer.ts';
import { clientOptions } from './options.ts';

let apiGateway: APIGatewayClient | undefined;

/** The container's one API Gateway client (the authorizer reads the API keys with it). */
export function apiGatewayClient(): APIGatewayClient {
  apiGateway ??= tracer.captureAWSv3Client(new APIGatewayClient(clientOptions()));
  return apiGateway;
}
