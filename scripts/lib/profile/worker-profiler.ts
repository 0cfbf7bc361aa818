// Loaded into each of the emulator's Lambda workers with `node --import` when the benchmark runs
// with --cpu-profile. On SIGUSR2 it reads the wanted state from .idemlog/profiles/state: `on`
// starts a V8 CPU profile, `off` stops it and writes .idemlog/profiles/<function>.<pid>.<time>.cpuprofile,
// so that the profile covers exactly the window the benchmark measures CPU over. Each frame is mapped through the bundle's source map to the
// file it came from (a package or a project file), which a minified bundle alone does not say.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  url: string;
  lineNumber: number;
  columnNumber: number;
}

const directory = new URL('../../../.idemlog/profiles/', import.meta.url).pathname;
const session = new Session();
let profiling = false;

const sourceMaps = new Map<string, SourceMap | undefined>();

/** The bundle's own source map file, read when the profile is written (whatever NODE_OPTIONS says of source maps). */
function sourceMapOf(path: string): SourceMap | undefined {
  if (!sourceMaps.has(path))
    sourceMaps.set(path, existsSync(`${path}.map`) ? new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))) : undefined);
  return sourceMaps.get(path);
}

/** The original source of a frame in a bundle, when the bundle's source map knows it. */
function originalSource(frame: CallFrame): string {
  if (!frame.url.startsWith('file:') && !frame.url.startsWith('/')) return frame.url;
  const path = frame.url.startsWith('file:') ? fileURLToPath(frame.url) : frame.url;
  const entry = sourceMapOf(path)?.findEntry(frame.lineNumber, frame.columnNumber);
  return entry && 'originalSource' in entry ? entry.originalSource : frame.url;
}

function follow(): void {
  let wanted: string;
  try {
    wanted = readFileSync(`${directory}state`, 'utf8').trim();
  } catch {
    return;
  }
  if (wanted === 'on' && !profiling) {
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 500 });
    session.post('Profiler.start');
    profiling = true;
    return;
  }
  if (wanted !== 'off' || !profiling) return;
  // An in-process session answers synchronously.
  session.post('Profiler.stop', (error, result) => {
    profiling = false;
    session.disconnect();
    if (error) return;
    for (const node of result.profile.nodes) node.callFrame.url = originalSource(node.callFrame);
    mkdirSync(directory, { recursive: true });
    writeFileSync(
      `${directory}${process.env.AWS_LAMBDA_FUNCTION_NAME || 'worker'}.${process.pid}.${Date.now()}.cpuprofile`,
      JSON.stringify(result.profile),
    );
  });
}

process.on('SIGUSR2', follow);
