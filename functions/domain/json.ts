/**
 * JSON.parse, without a V8 fault that renames object keys (nodejs/node#63785, open in every Node
 * release idemlog runs on): a key written with an escape (`"q\u0061"`, `"\""`, `"\n"`) can read
 * back as another key (`q\`) once any earlier object in the process had that other key. A client
 * could then have a payload stored under keys it never sent. Only a key written with an escape is
 * at risk: text with one is read again member by member, each key decoded as a string literal
 * (which the fault does not touch); every other text, escapes in values included, is JSON.parse's.
 *
 * Throws JSON.parse's own SyntaxError for text that is not JSON.
 */
export function parseJson(text: string): unknown {
  let value: unknown = JSON.parse(text);
  if (!text.includes('\\') || !hasEscapedKey(text)) return value;
  // Dropped before the second reading, so that the two are never held at once.
  value = undefined;
  return readMemberByMember(text);
}

/** Whether JSON text has a key written with an escape: a string holding a backslash and followed by a colon. */
function hasEscapedKey(text: string): boolean {
  let backslash = text.indexOf('\\');
  // Outside strings JSON has no quotes, so each quote found from the end of a string opens the next one.
  for (let start = text.indexOf('"'); start !== -1 && backslash !== -1; start = text.indexOf('"', start + 1)) {
    const end = stringEnd(text, start);
    if (backslash < end) {
      let next = end + 1;
      while (isSpace(text.charCodeAt(next))) next++;
      if (text.charCodeAt(next) === 0x3a /* : */) return true;
      backslash = text.indexOf('\\', end + 1);
    }
    start = end;
  }
  return false;
}

const isSpace = (code: number) => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;

interface Open {
  container: Record<string, unknown> | unknown[];
  /** The key whose value comes next (objects). */
  key: string | undefined;
}

/**
 * Reads text JSON.parse has accepted, iteratively (a document nested 100,000 deep costs a loop, not
 * a stack). What it builds takes several times the memory JSON.parse's value does: callers that
 * bound nesting check it first (edge/json-text.ts).
 */
export function readMemberByMember(text: string): unknown {
  const open: Open[] = [];
  let root: unknown;
  const place = (value: unknown) => {
    const top = open.at(-1);
    if (top === undefined) root = value;
    else if (Array.isArray(top.container)) top.container.push(value);
    // As JSON.parse does it: an own data member, `__proto__` included; a repeated key keeps its place and takes the last value.
    else Object.defineProperty(top.container, top.key!, { value, writable: true, enumerable: true, configurable: true });
  };
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const raw = text.slice(i + 1, end);
      const string = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
      const top = open.at(-1);
      if (top !== undefined && !Array.isArray(top.container) && top.key === undefined) top.key = string;
      else place(string);
      i = end + 1;
    } else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      const container = code === 0x7b ? {} : [];
      place(container);
      open.push({ container, key: undefined });
      i++;
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      open.pop();
      i++;
    } else if (code === 0x2c /* , */) {
      const top = open.at(-1)!;
      if (!Array.isArray(top.container)) top.key = undefined;
      i++;
    } else if (code === 0x74 /* t */ || code === 0x66 /* f */ || code === 0x6e /* n */) {
      const literal = code === 0x74 ? true : code === 0x66 ? false : null;
      place(literal);
      i += code === 0x66 ? 5 : 4;
    } else if (code === 0x2d /* - */ || (code >= 0x30 && code <= 0x39)) {
      let end = i + 1;
      while (end < text.length && isNumberPart(text.charCodeAt(end))) end++;
      place(Number(text.slice(i, end)));
      i = end;
    } else {
      // whitespace and `:`
      i++;
    }
  }
  return root;
}

/** Digits, `.`, `e`, `E`, `+` and `-`: what may follow the first character of a number. */
export const isNumberPart = (code: number) =>
  (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x65 || code === 0x45 || code === 0x2b || code === 0x2d;

/** The index of the quote that closes the string opening at `start`, in text that is JSON. */
export function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}
