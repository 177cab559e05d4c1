import { describe, expect, it } from 'vitest';
import { checkServices, findExecutable, type ServiceCheck } from './require-service.js';

function machineWithout(absent: string[], ci: boolean) {
  const warnings: string[] = [];
  const check: ServiceCheck = {
    ci,
    find: (program) => (absent.includes(program) ? undefined : `/usr/bin/${program}`),
    warn: (line) => warnings.push(line),
  };
  return { check, warnings };
}

describe('requireService', () => {
  it('runs the suites when everything is there, silently', () => {
    const { check, warnings } = machineWithout([], false);
    expect(checkServices(['registry', 'nginx'], check)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('skips with one loud line per missing service outside CI', () => {
    const { check, warnings } = machineWithout(['docker-registry', 'htpasswd', 'nginx'], false);
    expect(checkServices(['registry', 'nginx', 'prometheus'], check)).toBe(false);
    expect(warnings).toEqual([
      '!!! rig service "registry" is missing docker-registry, htpasswd: run scripts/setup; skipping the suites that need it',
      '!!! rig service "nginx" is missing nginx: run scripts/setup; skipping the suites that need it',
    ]);
  });

  it('fails instead of skipping under CI=true', () => {
    const { check } = machineWithout(['prometheus'], true);
    expect(() => checkServices(['prometheus'], check)).toThrow(/prometheus.*CI=true/);
  });

  it('finds real executables on this machine and not made-up ones', () => {
    expect(findExecutable('sh')).toMatch(/\/sh$/);
    expect(findExecutable('no-such-rig-program')).toBeUndefined();
  });
});
