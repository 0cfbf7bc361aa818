import { parseArgs } from 'node:util';
import { z } from 'zod';

/**
 * Parses `--name value` and `--flag` options with a zod object: each key of `schema` is an option,
 * a flag when its schema is a boolean (under any default or optional). Prints `usage` on --help (exit 0) or with the
 * problems on invalid input (exit 2).
 */
export function parseCli<Schema extends z.ZodObject>(schema: Schema, usage: string, argv = process.argv.slice(2)): z.infer<Schema> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, field] of Object.entries(schema.shape)) {
    options[name] = { type: isBoolean(field as z.ZodType) ? 'boolean' : 'string' };
  }
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const { help: _help, ...given } = values;
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    console.error(`${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n')}\n\n${usage}`);
    process.exit(2);
  }
  return parsed.data;
}

function isBoolean(field: z.ZodType): boolean {
  let inner: z.ZodType = field;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  return inner instanceof z.ZodBoolean;
}
