/** Built by infra/esbuild-plugins.cjs at bundle time: the console as one HTML page, and its inline script's CSP hash. */
declare module 'console:page' {
  export const page: string;
  export const scriptHash: string;
}
