/**
 * JSON.parse, without a V8 fault that renames object keys (nodejs/node#63785, open in every Node
 * release idemlog runs on): a key written with an escape (`"q\u0061"`, `"\""`, `"\n"`) can read
 * back as another key (`q\`) once any earlier object in the process had that other key. A client
 * could then have a payload stored under keys it never sent. Only text holding a backslash can
 * have an escaped key; such text is read here member by member, each key decoded as a string
 * literal (which the fault does not touch), every other text by JSON.parse itself.
 *
 * Throws JSON.parse's own SyntaxError for text that is not JSON.
 */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return text.includes('\\') ? readMemberByMember(text) : value;
}

interface Open {
  container: Record<string, unknown> | unknown[];
  /** The key whose value comes next (objects). */
  key: string | undefined;
}

/** Reads text JSON.parse has accepted, iteratively (a document nested 100,000 deep costs a loop, not a stack). */
function readMemberByMember(text: string): unknown {
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
