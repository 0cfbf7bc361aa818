import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { projectRoot } from '../../scripts/lib/stack.ts';

// No Docker engine runs here: the compose file is validated against the Compose Specification's
// schema, and what a schema cannot know (paths, pins, ports) is checked against the repository.
const composePath = join(projectRoot, 'docker-compose.yml');
const compose = parse(readFileSync(composePath, 'utf8'));
const services = compose.services as Record<string, any>;

const validateCompose = (path: string) =>
  spawnSync('bash', ['scripts/validate-compose.sh', path], { cwd: projectRoot, encoding: 'utf8', timeout: 300_000 });

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema, which rejects a misspelt key', () => {
    const valid = validateCompose(composePath);
    expect(valid.status, valid.stdout + valid.stderr).toBe(0);

    const misspelt = structuredClone(compose);
    misspelt.services.localstack.portz = misspelt.services.localstack.ports;
    delete misspelt.services.localstack.ports;
    const path = join(mkdtempSync(join(tmpdir(), 'idemlog-compose-')), 'docker-compose.yml');
    writeFileSync(path, stringify(misspelt));
    const invalid = validateCompose(path);
    expect(invalid.status).not.toBe(0);
    expect(invalid.stdout).toContain("'portz' was unexpected");
  }, 300_000);

  it('publishes every port on loopback only', () => {
    const ports = Object.values(services).flatMap((service) => service.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(String(port)).toMatch(/^127\.0\.0\.1:/);
  });

  it('mounts named volumes that are declared and host paths that exist', () => {
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const source = String(volume).split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(projectRoot, source)), source).toBe(true);
        else if (!source.startsWith('/')) expect(Object.keys(compose.volumes ?? {})).toContain(source);
      }
    }
  });

  it('has executable LocalStack init hooks that create nothing (the deploy owns every resource)', () => {
    const hooks = join(projectRoot, 'localstack/init/ready.d');
    const files = readdirSync(hooks);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const path = join(hooks, file);
      expect(statSync(path).isFile()).toBe(true);
      accessSync(path, constants.X_OK);
      expect(readFileSync(path, 'utf8')).not.toMatch(/awslocal|aws\s+(sqs|dynamodb)\s+create/);
    }
  });

  it('pins MiniStack to the same version as the embedded emulator', () => {
    const pinned = /ministack==([\d.]+)/.exec(readFileSync(join(projectRoot, 'scripts/requirements-emulator.txt'), 'utf8'))![1];
    expect(services.ministack.image).toContain(`ministackorg/ministack:${pinned}`);
  });

  it("runs the project's own publisher script", () => {
    const [, script] = services.publisher.entrypoint as string[];
    expect(existsSync(join(projectRoot, script!))).toBe(true);
  });
});
