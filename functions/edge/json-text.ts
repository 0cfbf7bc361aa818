/**
 * JSON as I-JSON (RFC 7493) has it: what JSON.parse accepts, minus what it would silently change.
 * JSON.parse keeps the last of two equal keys and turns 12345678901234567890 into
 * 12345678901234567000 and 1e400 into Infinity (serialised as null): an accepted event would not
 * read back as sent. This walks the text once, iteratively (a document nested 100,000 deep costs a
 * loop, not a stack), and reports every such place by path, before anything measures or
 * serialises the parsed value. Text it accepts with a key written with an escape is read again
 * member by member (domain/json.ts), so that such keys stay as sent.
 */
import { isNumberPart, readMemberByMember, stringEnd } from '../domain/json.ts';

export type PathSegment = string | number;

export interface TextProblem {
  path: PathSegment[];
  message: string;
}

export type StrictJsonResult = { ok: true; value: unknown; problems: TextProblem[] } | { ok: false; syntax: string };

/** Problems reported at most, so that a hostile body cannot make a huge answer. */
const maxProblems = 100;

interface Frame {
  kind: 'object' | 'array';
  /** Keys seen so far (objects): a list while the object is small, then a set. */
  keys?: string[];
  keySet?: Set<string>;
  /** The current member: a key or an index. */
  at: PathSegment;
  expectingKey: boolean;
}

export function parseStrictJson(text: string, maxDepth: number): StrictJsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, syntax: error instanceof Error ? error.message : String(error) };
  }
  const { problems, escapedKeys } = scan(text, maxDepth);
  // Read again only text that will be accepted, so never past the depth bound; JSON.parse's value is dropped first.
  if (escapedKeys && problems.length === 0) {
    value = undefined;
    value = readMemberByMember(text);
  }
  return { ok: true, value, problems };
}

const isDigit = (code: number) => code >= 0x30 && code <= 0x39;

/** Walks text that JSON.parse has accepted; says too whether a key is written with an escape (domain/json.ts). */
function scan(text: string, maxDepth: number): { problems: TextProblem[]; escapedKeys: boolean } {
  const problems: TextProblem[] = [];
  let escapedKeys = false;
  const stack: Frame[] = [];
  const pathOf = () => stack.map((frame) => frame.at);
  const report = (message: string) => {
    if (problems.length < maxProblems) problems.push({ path: pathOf(), message });
  };
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const top = stack.at(-1);
      if (top?.kind === 'object' && top.expectingKey) {
        const raw = text.slice(i + 1, end);
        const escaped = raw.includes('\\');
        escapedKeys ||= escaped;
        const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        top.at = key;
        if (!firstTimeIn(top, key)) report(`the key ${JSON.stringify(key)} appears more than once in this object; keys must be unique`);
        top.expectingKey = false;
      }
      i = end + 1;
      continue;
    }
    if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      if (stack.length >= maxDepth) {
        report(`nests deeper than ${maxDepth} levels`);
        return { problems, escapedKeys };
      }
      stack.push(code === 0x7b ? { kind: 'object', keys: [], at: '', expectingKey: true } : { kind: 'array', at: 0, expectingKey: false });
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      stack.pop();
    } else if (code === 0x2c /* , */) {
      const top = stack.at(-1)!;
      if (top.kind === 'object') top.expectingKey = true;
      else top.at = (top.at as number) + 1;
    } else if (code === 0x2d /* - */ || isDigit(code)) {
      let end = i + 1;
      while (end < text.length && isNumberPart(text.charCodeAt(end))) end++;
      const literal = text.slice(i, end);
      if (!keepsExactly(literal)) {
        report(
          `the number ${literal.length > 40 ? `${literal.slice(0, 40)}…` : literal} cannot be kept exactly (it is beyond a double's range or precision); send it as a string`,
        );
      }
      i = end;
      continue;
    }
    i++;
  }
  return { problems, escapedKeys };
}

/** Keys an object holds before they go in a set: most objects have a few, and a list of a few costs less to build and search. */
const keysListed = 16;

/** Records a key of an object; false when the object already has it. */
function firstTimeIn(frame: Frame, key: string): boolean {
  if (frame.keySet) {
    if (frame.keySet.has(key)) return false;
    frame.keySet.add(key);
    return true;
  }
  const keys = frame.keys!;
  if (keys.includes(key)) return false;
  keys.push(key);
  if (keys.length > keysListed) frame.keySet = new Set(keys);
  return true;
}

/** Whether JSON.parse reads this number literal as exactly the number it writes. */
export function keepsExactly(literal: string): boolean {
  // At most 15 characters and no exponent: at most 15 significant digits, well inside the normal range.
  if (literal.length <= 15 && !literal.includes('e') && !literal.includes('E')) return true;
  const written = decimalOf(literal);
  const value = Number(literal);
  if (!Number.isFinite(value)) return false;
  // Up to 15 significant digits within the normal range always survive a double.
  if (written.digits.length <= 15 && written.exponent > -307 && written.exponent < 308) return true;
  const read = decimalOf(String(value));
  return read.digits === written.digits && (written.digits === '' || read.exponent === written.exponent);
}

/** A decimal literal as its significant digits and the power of ten of the first one (zero has no digits). */
function decimalOf(literal: string): { digits: string; exponent: number } {
  const match = /^-?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(literal)!;
  const whole = match[1] ?? '';
  const fraction = match[2] ?? '';
  const power = Number(match[3] ?? 0);
  const all = whole + fraction;
  const leading = all.length - all.replace(/^0+/, '').length;
  const digits = all.slice(leading).replace(/0+$/, '');
  return { digits, exponent: whole.length - leading - 1 + power };
}
