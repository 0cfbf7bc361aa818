import { gunzipSync, inflateSync } from 'node:zlib';
import snappy from 'snappyjs';
import { MalformedBodyError, TooLargeError, UnsupportedMediaTypeError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';

/**
 * A body as the shipper compressed it, expanded with a cap: a few kilobytes of gzip can expand
 * to gigabytes, so nothing is expanded past the body limit that an uncompressed request has.
 */
export function expandContent(bytes: Uint8Array, contentEncoding: string | undefined): Uint8Array {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return bytes;
  const options = { maxOutputLength: limits.maxBodyBytes };
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(bytes, options);
    if (encoding === 'deflate') return inflateSync(bytes, options);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new TooLargeError(`the request body expands past ${limits.maxBodyBytes} bytes`);
    throw new MalformedBodyError(`the request body is not valid ${encoding}: ${(error as Error).message}`);
  }
  throw new UnsupportedMediaTypeError(`content encoding '${encoding}' is not supported; send gzip, deflate or none`);
}

/** Snappy's block format, as Loki's protobuf push uses it; the expanded length is checked before anything is expanded. */
export function expandSnappy(bytes: Uint8Array): Uint8Array {
  try {
    return snappy.uncompress(bytes, limits.maxBodyBytes);
  } catch (error) {
    const message = (error as Error).message;
    if (/too big/.test(message)) throw new TooLargeError(`the request body expands past ${limits.maxBodyBytes} bytes`);
    throw new MalformedBodyError(`the request body is not valid snappy: ${message}`);
  }
}
