/**
 * DynamoDB's expression language, as much of it as idemlog writes: conditions (comparisons,
 * `attribute_not_exists`, `attribute_exists`, AND / OR), key conditions with BETWEEN, `SET` and
 * `ADD` updates, and projections. Anything else throws, so that a change to the adapters' queries
 * shows up here rather than being simulated wrongly.
 */
export type Item = Record<string, unknown>;

export interface Expression {
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

type Token = { kind: 'word' | 'name' | 'value' | 'op' | 'punct'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|(<=|>=|<>|=|<|>)|([(),])|([A-Za-z_][A-Za-z0-9_.]*))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) throw new Error(`simulated DynamoDB cannot read the expression ${JSON.stringify(text)} at ${at}`);
    at = pattern.lastIndex;
    if (match[1]) tokens.push({ kind: 'name', text: match[1] });
    else if (match[2]) tokens.push({ kind: 'value', text: match[2] });
    else if (match[3]) tokens.push({ kind: 'op', text: match[3] });
    else if (match[4]) tokens.push({ kind: 'punct', text: match[4] });
    else tokens.push({ kind: 'word', text: match[5]! });
  }
  return tokens;
}

const attributeOf = (token: Token, expression: Expression): string => {
  if (token.kind === 'name') {
    const name = expression.names?.[token.text];
    if (name === undefined) throw new Error(`expression name ${token.text} is not defined`);
    return name;
  }
  if (token.kind === 'word') return token.text;
  throw new Error(`expected an attribute, got ${token.text}`);
};

const expressionValue = (token: Token, expression: Expression): unknown => {
  if (!expression.values || !(token.text in expression.values)) throw new Error(`expression value ${token.text} is not defined`);
  return expression.values[token.text];
};

/** DynamoDB's order: numbers by value, strings by their UTF-8 bytes. */
export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  throw new Error(`cannot compare ${typeof a} with ${typeof b}`);
}

function comparison(left: unknown, op: string, right: unknown): boolean {
  if (left === undefined) return op === '<>';
  if (op === '=') return left === right;
  if (op === '<>') return left !== right;
  const order = compare(left, right);
  return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
}

/** Evaluates a condition (or key condition, or filter) on an item (undefined when there is none). */
export function evaluate(text: string, item: Item | undefined, expression: Expression): boolean {
  const tokens = tokenize(text);
  let at = 0;
  const next = () => tokens[at++]!;
  const peek = () => tokens[at];
  const term = (): boolean => {
    const first = next();
    if (first.kind === 'word' && (first.text === 'attribute_not_exists' || first.text === 'attribute_exists')) {
      next();
      const attribute = attributeOf(next(), expression);
      next();
      const exists = item !== undefined && item[attribute] !== undefined;
      return first.text === 'attribute_exists' ? exists : !exists;
    }
    const left = item?.[attributeOf(first, expression)];
    const op = next();
    if (op.kind === 'word' && op.text === 'BETWEEN') {
      const low = expressionValue(next(), expression);
      if (next().text !== 'AND') throw new Error('BETWEEN needs AND');
      const high = expressionValue(next(), expression);
      return left !== undefined && compare(left, low) >= 0 && compare(left, high) <= 0;
    }
    if (op.kind !== 'op') throw new Error(`expected a comparison in ${text}`);
    const right = next();
    return comparison(left, op.text, right.kind === 'value' ? expressionValue(right, expression) : item?.[attributeOf(right, expression)]);
  };
  const conjunction = (): boolean => {
    let result = term();
    while (peek()?.text === 'AND') {
      next();
      result = term() && result;
    }
    return result;
  };
  let result = conjunction();
  while (peek()?.text === 'OR') {
    next();
    result = conjunction() || result;
  }
  if (at !== tokens.length) throw new Error(`simulated DynamoDB did not understand all of ${JSON.stringify(text)}`);
  return result;
}

/** The value a key condition gives the partition key (`<hash key> = :value`), to find the partition. */
export function partitionValue(text: string, hashKey: string, expression: Expression): unknown {
  const tokens = tokenize(text);
  for (let i = 0; i + 2 < tokens.length; i++) {
    if (
      (tokens[i]!.kind === 'name' || tokens[i]!.kind === 'word') &&
      attributeOf(tokens[i]!, expression) === hashKey &&
      tokens[i + 1]!.text === '='
    ) {
      return expressionValue(tokens[i + 2]!, expression);
    }
  }
  throw new Error(`the key condition ${JSON.stringify(text)} does not name the partition key ${hashKey}`);
}

/** Applies `SET a = :v, ...` and `ADD n :v, ...` clauses to a copy of the item. */
export function update(text: string, item: Item | undefined, key: Item, expression: Expression): Item {
  const result: Item = { ...(item ?? key) };
  const tokens = tokenize(text);
  let at = 0;
  let clause: string | undefined;
  while (at < tokens.length) {
    const token = tokens[at]!;
    if (token.kind === 'word' && (token.text === 'SET' || token.text === 'ADD')) {
      clause = token.text;
      at++;
      continue;
    }
    if (token.kind === 'punct' && token.text === ',') {
      at++;
      continue;
    }
    const attribute = attributeOf(tokens[at++]!, expression);
    if (clause === 'SET') {
      if (tokens[at++]?.text !== '=') throw new Error(`SET needs =: ${text}`);
      result[attribute] = expressionValue(tokens[at++]!, expression);
    } else if (clause === 'ADD') {
      const amount = expressionValue(tokens[at++]!, expression);
      if (typeof amount !== 'number') throw new Error('ADD takes numbers here');
      result[attribute] = (typeof result[attribute] === 'number' ? (result[attribute] as number) : 0) + amount;
    } else throw new Error(`update clause not understood: ${text}`);
  }
  return result;
}

export function project(item: Item, projection: string | undefined, expression: Expression): Item {
  if (!projection) return { ...item };
  const out: Item = {};
  for (const part of projection.split(',')) {
    const attribute = attributeOf(tokenize(part.trim())[0]!, expression);
    if (item[attribute] !== undefined) out[attribute] = item[attribute];
  }
  return out;
}
