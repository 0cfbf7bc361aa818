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

module.exports = [consolePage];
