import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** CloudWatch metrics as EMF log lines: one line per invocation that recorded any, flushed by shared/lambda.ts's middleware. */
export const metrics = new Metrics({ namespace: 'idemlog', serviceName: 'idemlog' });

export { MetricUnit };
