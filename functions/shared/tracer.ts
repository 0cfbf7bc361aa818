import { Tracer } from '@aws-lambda-powertools/tracer';

/** X-Ray segments for each invocation and each AWS SDK call; inert where there is no X-Ray (the emulator). */
export const tracer = new Tracer({ serviceName: 'idemlog' });
