/**
 * DynamoDB write units by AWS's published rules, for when the emulator reports none: an item's
 * size is the UTF-8 length of its attribute names and values; a transactional write costs 2 units
 * per started KB of the item, and a GSI that projects the item 1 more unit per started KB.
 */
export function itemBytes(item: object): number {
  let bytes = 0;
  // Every item is a plain object: no inherited attributes to skip, and no array of entries to build per item.
  for (const name in item) {
    const value = (item as Record<string, unknown>)[name];
    if (value === undefined) continue;
    bytes += Buffer.byteLength(name, 'utf8') + valueBytes(value);
  }
  return bytes;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return Math.ceil(digitsOf(value) / 2) + 1;
  if (typeof value === 'boolean' || value === null) return 1;
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** The digits of a number as written; a whole number's text is all digits but its sign. */
const digitsOf = (value: number): number =>
  Number.isSafeInteger(value) ? String(Math.abs(value)).length : String(Math.abs(value)).replace(/[.\-e+]/g, '').length;

const kilobytes = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

export const transactionalWriteUnits = (item: object) => 2 * kilobytes(itemBytes(item));
/** A standard (non-transactional) write: 1 unit per started KB. */
export const standardWriteUnits = (item: object) => kilobytes(itemBytes(item));
/** A GSI's copy of an item is written as a standard write. */
export const indexWriteUnits = standardWriteUnits;
