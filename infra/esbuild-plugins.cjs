'use strict';

const { build } = require('esbuild');
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const consoleDir = join(__dirname, '..', 'functions', 'site', 'console');

/**
 * `import { page, scriptHash } from 'console:page'` in the site function: the console's browser
 * code (and uPlot) bundled for the browser, and its styles, inlined into one HTML page by the
 * same esbuild run that bundles the function. The page needs no other request, and no CDN.
 */
const consolePage = {
  name: 'console-page',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^console:page$/ }, () => ({ path: 'console-page', namespace: 'console-page' }));
    esbuild.onLoad({ filter: /.*/, namespace: 'console-page' }, async () => {
      const bundle = await build({
        entryPoints: [join(consoleDir, 'app.ts')],
        bundle: true,
        minify: true,
        format: 'iife',
        platform: 'browser',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
      });
      const script = bundle.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
      const styles = [readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'), readFileSync(join(consoleDir, 'style.css'), 'utf8')].join('\n');
      const page = readFileSync(join(consoleDir, 'index.html'), 'utf8').replace('/*styles*/', () => styles).replace('/*script*/', () => script);
      // The inline script's hash, so the page's Content-Security-Policy can allow exactly it.
      const inline = /<script>([\s\S]*?)<\/script>/.exec(page)[1];
      const scriptHash = `sha256-${createHash('sha256').update(inline).digest('base64')}`;
      return {
        contents: `export const page = ${JSON.stringify(page)};\nexport const scriptHash = ${JSON.stringify(scriptHash)};`,
        loader: 'js',
        watchFiles: ['app.ts', 'index.html', 'style.css'].map((file) => join(consoleDir, file)),
      };
    });
  },
};

/**
 * zod re-exports all of its locales as one namespace (`z.locales`), which esbuild cannot shake:
 * about 260 KiB of every function's bundle that each cold start parses and nobody reads. The
 * namespace is resolved to English alone, the locale zod uses by default (its schemas import
 * en.js themselves).
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined;
      return { path: join(args.resolveDir, '..', 'locales', 'index.js'), namespace: 'zod-locales' };
    });
    esbuild.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(args.path, '..', 'en.js'))};`,
      loader: 'js',
      resolveDir: join(args.path, '..'),
    }));
  },
};

/**
 * IDEMLOG_TRACING=true at deploy bundles functions/shared/tracing-xray.ts (Powertools Tracer, the
 * X-Ray SDK) in place of functions/shared/tracing.ts, which traces nothing and imports nothing.
 */
const tracing = {
  name: 'tracing',
  setup(esbuild) {
    if (process.env.IDEMLOG_TRACING !== 'true') return;
    const noTracing = join(__dirname, '..', 'functions', 'shared', 'tracing.ts');
    esbuild.onResolve({ filter: /(^|\/)tracing(\.ts)?$/ }, (args) => {
      const resolved = join(args.resolveDir, args.path.endsWith('.ts') ? args.path : `${args.path}.ts`);
      if (resolved !== noTracing) return undefined;
      return { path: join(__dirname, '..', 'functions', 'shared', 'tracing-xray.ts') };
    });
  },
};

module.exports = [consolePage, zodEnglishOnly, tracing];
