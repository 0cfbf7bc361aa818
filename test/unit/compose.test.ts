import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../../scripts/lib/stack.ts';

// No Docker engine runs here, so the compose file is checked statically.
const compose = parse(readFileSync(join(projectRoot, 'docker-compose.yml'), 'utf8'));
const services = compose.services as Record<string, any>;
const pinnedMinistack = /ministack==([\d.]+)/.exec(readFileSync(join(projectRoot, 'scripts/requirements-emulator.txt'), 'utf8'))![1];

describe('docker-compose.yml', () => {
  it('runs LocalStack 4.14.0 by default, overridable, with the auth token passed through', () => {
    const localstack = services.localstack;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, checked as written
    expect(localstack.image).toBe('${LOCALSTACK_IMAGE:-localstack/localstack:4.14.0}');
    expect(localstack.profiles).toBeUndefined();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, checked as written
    expect(localstack.environment.LOCALSTACK_AUTH_TOKEN).toBe('${LOCALSTACK_AUTH_TOKEN:-}');
    expect(localstack.environment.PERSISTENCE).toMatch(/1/);
    for (const service of ['cloudformation', 'apigateway', 'lambda', 'sqs', 'dynamodb', 'iam']) {
      expect(localstack.environment.SERVICES.split(',')).toContain(service);
    }
  });

  it('publishes the emulator port on loopback only', () => {
    expect(services.localstack.ports).toEqual(['127.0.0.1:4566:4566']);
    expect(services.ministack.ports).toEqual(['127.0.0.1:4566:4566']);
  });

  it('keeps state on named volumes that are declared', () => {
    const named = (service: any) =>
      service.volumes.map((v: string) => v.split(':')[0]).filter((source: string) => !source.startsWith('.') && !source.startsWith('/'));
    for (const name of [...named(services.localstack), ...named(services.ministack)]) expect(Object.keys(compose.volumes)).toContain(name);
    expect(services.localstack.volumes).toContain('localstack-data:/var/lib/localstack');
  });

  it('mounts only paths that exist, and the init hooks are executable and create nothing', () => {
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const source = String(volume).split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(projectRoot, source)), source).toBe(true);
      }
    }
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

  it('offers MiniStack as a profile, pinned to the same version as the embedded one', () => {
    expect(services.ministack.profiles).toEqual(['ministack']);
    expect(services.ministack.image).toBe(`\${MINISTACK_IMAGE:-ministackorg/ministack:${pinnedMinistack}}`);
    expect(services.ministack.environment.PERSIST_STATE).toMatch(/1/);
  });

  it('has a publisher service that runs the project publisher against the stack', () => {
    const publisher = services.publisher;
    expect(publisher.profiles).toEqual(['publisher']);
    expect(publisher.image).toMatch(/^node:24/);
    expect(publisher.entrypoint).toEqual(['node', 'scripts/publish.ts']);
    expect(existsSync(join(projectRoot, 'scripts/publish.ts'))).toBe(true);
    expect(publisher.environment.IDEMLOG_EMULATOR_HOST).toContain('localstack:4566');
  });
});
