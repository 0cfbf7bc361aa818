import { createRequire } from 'node:module';
import { build, type Plugin } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';

const plugins = createRequire(import.meta.url)('../../infra/esbuild-plugins.cjs') as Plugin[];

/** The files in a function's bundle, built as serverless.yml builds it. */
async function bundledFiles(fn = 'process'): Promise<string[]> {
  const result = await build({
    entryPoints: [`functions/${fn}/handler.ts`],
    bundle: true,
    minify: true,
    keepNames: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    write: false,
    metafile: true,
    outfile: 'out/handler.js',
    plugins,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

afterEach(() => {
  delete process.env.IDEMLOG_TRACING;
});

describe("the functions' bundles", () => {
  it('hold no X-Ray SDK unless tracing is asked for, and then hold it in place of the no-op, in every function', async () => {
    for (const fn of ['publish', 'process', 'authorize', 'stats']) {
      delete process.env.IDEMLOG_TRACING;
      expect((await bundledFiles(fn)).filter((file) => file.includes('aws-xray-sdk-core'))).toEqual([]);
      process.env.IDEMLOG_TRACING = 'true';
      const traced = await bundledFiles(fn);
      expect(traced.some((file) => file.includes('aws-xray-sdk-core'))).toBe(true);
      expect(traced).not.toContain('functions/shared/tracing.ts');
    }
  });

  it("hold zod's English locale and no other", async () => {
    // The shim itself is in its own namespace (`zod-locales:`); only files read from node_modules count.
    const locales = (await bundledFiles()).filter((file) => file.startsWith('node_modules/zod/v4/locales/'));
    expect(locales.map((file) => file.replace(/^.*\//, ''))).toEqual(['en.js']);
  });
});
