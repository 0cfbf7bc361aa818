import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

const plugins = createRequire(import.meta.url)('../../infra/esbuild-plugins.cjs') as Plugin[];

/** What a bundle carries besides the function: as deployed today, all three are off. */
export interface BundleChoices {
  /** The X-Ray SDK, as IDEMLOG_TRACING=true bundles it. */
  tracing: boolean;
  /** Only zod's English locale (the plugin `zod-english-only`). */
  zodShim: boolean;
  sourceMap: boolean;
}

export const asDeployed: BundleChoices = { tracing: false, zodShim: true, sourceMap: false };

/** Builds one function as serverless.yml's custom.esbuild does, with these choices; returns the handler's path. */
export async function bundleFunction(fn: string, choices: BundleChoices, outdir: string): Promise<string> {
  const tracing = process.env.IDEMLOG_TRACING;
  if (choices.tracing) process.env.IDEMLOG_TRACING = 'true';
  else delete process.env.IDEMLOG_TRACING;
  try {
    await build({
      entryPoints: { [`${fn}/handler`]: `functions/${fn}/handler.ts` },
      bundle: true,
      minify: true,
      keepNames: true,
      treeShaking: true,
      sourcemap: choices.sourceMap,
      target: 'node24',
      platform: 'node',
      format: 'cjs',
      outdir,
      plugins: plugins.filter((plugin) => choices.zodShim || plugin.name !== 'zod-english-only'),
      logLevel: 'error',
    });
  } finally {
    if (tracing === undefined) delete process.env.IDEMLOG_TRACING;
    else process.env.IDEMLOG_TRACING = tracing;
  }
  return join(outdir, fn, 'handler.js');
}
