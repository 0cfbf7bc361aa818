import { recursionDetectionMiddleware } from '@aws-sdk/core/client';
import { AwsSdkSigV4Signer } from '@aws-sdk/core/httpAuthSchemes';
import { Client as SmithyClient } from '@smithy/core/client';
import { getEndpointFromInstructions, toEndpointV1 } from '@smithy/core/endpoints';
import type { HttpRequest, HttpResponse } from '@smithy/core/protocols';
import { retryMiddleware } from '@smithy/core/retry';
import { operation } from '@smithy/core/schema';
import type {
  AwsCredentialIdentity,
  Endpoint,
  EndpointV2,
  HandlerExecutionContext,
  RequestSigner,
  StaticOperationSchema,
} from '@smithy/types';
import { SMITHY_CONTEXT_KEY } from '@smithy/types';
import { tracesClientCalls } from '../tracing.ts';
import { userAgent } from './options.ts';

/**
 * A client's hot calls sent without the SDK's per-call machinery, from the SDK's own parts: the
 * client's protocol writes the request and reads an error, the client's retry strategy retries
 * (through the SDK's retry middleware, so attempts, delays, headers and the retry quota are the
 * SDK's), the SDK's SigV4 signer signs and corrects the clock from the answers' dates, the SDK's
 * recursion-detection middleware passes the trace header on, and the client's HTTP handler
 * sends, with its timeouts and agents.
 *
 * What it leaves out, per call: resolving the middleware stack, resolving the endpoint and the auth
 * scheme (both once per client and operation here, from its first call: the functions name their
 * tables and queue by name or by their own URL, which do not move them; a table's ARN in another
 * account could), a new signer and so a new signing key, and reading a success through the
 * operation's schema (its JSON is the output as it is). In a young worker that machinery cost about as much as the rest of
 * the call (docs/BENCHMARKS.md). So only operations whose outputs are plain JSON data belong here:
 * strings, numbers, booleans, lists and maps, with no binary, timestamp or union member read from them.
 *
 * Also left out: the SQS client's check of the MD5 digests SQS answers with (the call goes over TLS
 * on AWS, which already protects the body), and a queue URL's host as the endpoint (SQS answers
 * on the regional endpoint for every queue of the region). A call with a callback, or on a client
 * that traces its calls (X-Ray hooks into the middleware stack), goes the SDK's way; so does every
 * call while the client class's send is not the SDK's own (a test's double of it).
 */
export function withDirectCalls<Client extends SdkClient>(
  client: Client,
  commands: Array<abstract new (...args: never[]) => object>,
): Client {
  if (tracesClientCalls) return client;
  const direct = new DirectCalls(client.config as DirectConfig, new Set(commands));
  const sdkSend = SmithyClient.prototype.send as unknown as (
    this: object,
    command: SdkCommand,
    options?: unknown,
    callback?: unknown,
  ) => unknown;
  client.send = function (this: object, command: SdkCommand, options?: unknown, callback?: unknown) {
    // A send that someone else put in the SDK's place (a test's double of the client class) is theirs to answer.
    const inherited = Object.getPrototypeOf(this).send as typeof sdkSend;
    if (inherited !== sdkSend) return inherited.call(this, command, options, callback);
    return typeof options !== 'function' && callback === undefined && direct.handles(command)
      ? direct.send(command, options as SendOptions | undefined)
      : sdkSend.call(this, command, options, callback);
  } as Client['send'];
  return client;
}

interface SdkClient {
  config: object;
  send(command: never, options?: never, callback?: never): unknown;
}

interface SdkCommand {
  input: object;
  schema?: StaticOperationSchema;
  constructor: abstract new (...args: never[]) => object;
}

interface SendOptions {
  abortSignal?: AbortSignal;
  requestTimeout?: number;
}

/** The resolved client configuration this module reads: the SDK's own, typed here for what is used. */
interface DirectConfig {
  protocol: {
    serializeRequest(operation: unknown, input: object, context: object): Promise<HttpRequest>;
    deserializeResponse(operation: unknown, context: object, response: HttpResponse): Promise<unknown>;
    deserializeMetadata(response: HttpResponse): Record<string, unknown>;
  };
  requestHandler: { handle(request: HttpRequest, options?: SendOptions): Promise<{ response: HttpResponse }> };
  streamCollector(body: unknown): Promise<Uint8Array>;
  signer(authScheme?: unknown): Promise<RequestSigner>;
  credentials(): Promise<AwsCredentialIdentity>;
  systemClockOffset?: number;
  retryStrategy(): Promise<unknown>;
  maxAttempts(): Promise<number>;
  region(): Promise<string>;
  defaultSigningName: string;
  logger?: unknown;
}

const sigV4 = new AwsSdkSigV4Signer();

/**
 * What the SDK's deserializer middleware does to every error it reads: the response goes with it
 * (the retry strategy reads Retry-After from it, the signer the server's clock), and an error
 * that has no metadata of its own (a body that is not JSON, say a load balancer's 503 page) gets
 * the response's, so that the retry strategy sees its status. One that cannot be extended passes as it is.
 */
function withResponse(error: unknown, response: HttpResponse, metadata: Record<string, unknown>): unknown {
  if (!error || typeof error !== 'object' || !Object.isExtensible(error)) return error;
  Object.defineProperty(error, '$response', { value: response, enumerable: false, writable: false, configurable: false });
  if (!('$metadata' in error)) Object.assign(error, { $metadata: metadata });
  return error;
}

interface Operation {
  schema: unknown;
  /** What the protocol reads from the context: the client's configuration and the endpoint. */
  serde: object;
  /** What the SDK's SigV4 signer reads, less what it writes per call. */
  signing: { config: object; context: object; signingRegion: string; signingName: string };
}

class DirectCalls {
  private readonly config: DirectConfig;
  private readonly commands: Set<abstract new (...args: never[]) => object>;
  private readonly operations = new Map<StaticOperationSchema, Promise<Operation>>();

  constructor(config: DirectConfig, commands: Set<abstract new (...args: never[]) => object>) {
    this.config = config;
    this.commands = commands;
  }

  handles(command: SdkCommand): boolean {
    return this.commands.has(command.constructor) && Array.isArray(command.schema);
  }

  async send(command: SdkCommand, options: SendOptions = {}): Promise<unknown> {
    const schema = command.schema!;
    let resolved = this.operations.get(schema);
    if (!resolved) {
      resolved = this.resolve(command);
      this.operations.set(schema, resolved);
      resolved.catch(() => this.operations.delete(schema));
    }
    const op = await resolved;
    const request = await this.config.protocol.serializeRequest(op.schema, command.input, op.serde);
    const body = request.body as Uint8Array | string;
    request.headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    request.headers.host = request.port == null ? request.hostname : `${request.hostname}:${request.port}`;
    request.headers['user-agent'] = userAgent;
    const context = { logger: this.config.logger, [SMITHY_CONTEXT_KEY]: { abortSignal: options.abortSignal } } as HandlerExecutionContext;
    // Once per call, before its attempts, as the SDK resolves the caller's identity.
    const identity = await this.config.credentials();
    const attempt = async (args: { request: HttpRequest }) => {
      // A fresh copy per attempt: the signer notes in it when the request left, for the clock's correction.
      const signing = { ...op.signing };
      const signed = (await sigV4.sign(args.request, identity, signing)) as HttpRequest;
      try {
        const { response } = await this.config.requestHandler.handle(signed, options);
        const output = await this.read(op, response);
        sigV4.successHandler(response, signing);
        return { response, output };
      } catch (error) {
        return sigV4.errorHandler(signing)(error as Error);
      }
    };
    const retried = retryMiddleware(this.config as never)(attempt as never, context);
    const traced = recursionDetectionMiddleware()(retried as never, context);
    const { output } = (await traced({ input: command.input, request } as never)) as { output: unknown };
    return output;
  }

  private async resolve(command: SdkCommand): Promise<Operation> {
    const [, namespace, name, traits, input, output] = command.schema!;
    // A copy, as the SDK passes: resolving may note in it where the endpoint came from.
    const endpointV2 = (await getEndpointFromInstructions(
      command.input as never,
      command.constructor as never,
      { ...this.config } as never,
    )) as EndpointV2;
    const endpoint: Endpoint = toEndpointV1(endpointV2);
    const authScheme = endpointV2.properties?.authSchemes?.[0];
    // The SDK's signer asks the configuration for a new SigV4 signer per call, whose signing key is
    // derived again each time; this configuration gives it the same one, and reads and corrects
    // the client's own clock offset.
    const signer = await this.config.signer(authScheme);
    const config = this.config;
    const signingConfig = Object.create(config, {
      signer: { value: async () => signer },
      systemClockOffset: {
        get: () => config.systemClockOffset,
        set: (offset: number) => {
          config.systemClockOffset = offset;
        },
      },
    });
    return {
      schema: operation(namespace, name, traits, input, output),
      serde: { ...config, endpointV2, endpoint: async () => endpoint },
      signing: {
        config: signingConfig,
        context: { endpointV2 },
        signingRegion: (authScheme?.signingRegion as string | undefined) ?? (await config.region()),
        signingName: (authScheme?.signingName as string | undefined) ?? config.defaultSigningName,
      },
    };
  }

  /**
   * A success is the response's JSON; anything else goes to the protocol, which throws the
   * operation's error. Whatever is thrown (that error, or a body cut off or not JSON) carries the
   * response, as the SDK's deserializer gives it.
   */
  private async read(op: Operation, response: HttpResponse): Promise<unknown> {
    try {
      if (response.statusCode >= 300) {
        await this.config.protocol.deserializeResponse(op.schema, op.serde, response);
        throw new Error(`the SDK read an error response (${response.statusCode}) without throwing`);
      }
      const bytes = await this.config.streamCollector(response.body);
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      const output = (text.length > 0 ? JSON.parse(text) : {}) as Record<string, unknown>;
      output.$metadata = this.config.protocol.deserializeMetadata(response);
      return output;
    } catch (error) {
      throw withResponse(error, response, this.config.protocol.deserializeMetadata(response));
    }
  }
}
