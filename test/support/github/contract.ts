import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { repositoryRoot } from '../run-action.js';

/**
 * GitHub's REST contract from its official OpenAPI description (@octokit/openapi, generated/api.github.com.json —
 * that one file: the package index loads every variant and needs 800 MB). Every request the emulator receives
 * and every response it sends is checked against it.
 */

type Json = Record<string, any>;

export const SPEC_PATH = join(
  repositoryRoot,
  'node_modules',
  '@octokit',
  'openapi',
  'generated',
  'api.github.com.json',
);

/** OpenAPI 3.0's `nullable` is not JSON Schema: rewrite it into type unions so Ajv checks nulls exactly. */
function convertNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) convertNullable(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Json;
  for (const value of Object.values(schema)) convertNullable(value);
  if (schema.nullable !== true) return;
  delete schema.nullable;
  if (typeof schema.type === 'string') {
    schema.type = [schema.type, 'null'];
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null);
    return;
  }
  // $ref, allOf, anyOf, oneOf or no type at all: allow null beside whatever it is.
  const inner: Json = {};
  for (const key of Object.keys(schema)) {
    inner[key] = schema[key];
    delete schema[key];
  }
  schema.anyOf = [inner, { type: 'null' }];
}

/** Operation-local `#/components/...` references point into the spec, registered in Ajv as `gh`. */
function rebaseRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rebaseRefs);
  if (!node || typeof node !== 'object') return node;
  const copy: Json = {};
  for (const [key, value] of Object.entries(node)) {
    copy[key] =
      key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `gh${value}` : rebaseRefs(value);
  }
  return copy;
}

export interface Operation {
  method: string;
  template: string;
  operationId: string;
  pattern: RegExp;
  pathParameterNames: string[];
  literalSegments: number;
  spec: Json;
}

export interface ContractViolation {
  kind: 'request' | 'response';
  method: string;
  path: string;
  operationId?: string;
  problems: string[];
}

export class GitHubContract {
  readonly spec: Json;
  readonly #ajv: Ajv;
  readonly #operations: Operation[] = [];
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(spec: Json) {
    this.spec = spec;
    convertNullable(spec.components);
    convertNullable(spec.paths);
    this.#ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, logger: false });
    (addFormats as unknown as (ajv: Ajv) => void)(this.#ajv);
    for (const format of ['repo.nwo', 'timestamp', 'int32', 'int64', 'double', 'binary']) {
      // Numeric formats are checked by `type`; the others are GitHub's own labels without a grammar.
      this.#ajv.addFormat(format, true);
    }
    this.#ajv.addSchema({ components: spec.components }, 'gh');
    for (const [template, item] of Object.entries<Json>(spec.paths)) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
        const operation = item[method];
        if (!operation) continue;
        const segments = template.split('/');
        const pathParameterNames = [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
        const pattern = new RegExp(
          `^${segments.map((segment) => segment.replace(/\{[^}]+\}/g, '([^/]+)').replace(/[.]/g, '\\.')).join('/')}$`,
        );
        this.#operations.push({
          method: method.toUpperCase(),
          template,
          operationId: operation.operationId,
          pattern,
          pathParameterNames,
          literalSegments: segments.filter((segment) => segment && !segment.includes('{')).length,
          spec: { ...operation, parameters: [...(item.parameters ?? []), ...(operation.parameters ?? [])] },
        });
      }
    }
  }

  /** The documented operation for a request line; literal path segments win over parameters. */
  match(method: string, path: string): { operation: Operation; params: Record<string, string> } | undefined {
    let best: { operation: Operation; params: Record<string, string> } | undefined;
    for (const operation of this.#operations) {
      if (operation.method !== method) continue;
      const found = operation.pattern.exec(path);
      if (!found) continue;
      if (best && best.operation.literalSegments >= operation.literalSegments) continue;
      const params: Record<string, string> = {};
      operation.pathParameterNames.forEach((name, index) => {
        params[name] = decodeURIComponent(found[index + 1] as string);
      });
      best = { operation, params };
    }
    return best;
  }

  resolve<T = Json>(node: Json): T {
    let current = node;
    while (current && typeof current.$ref === 'string') {
      current = (current.$ref as string)
        .slice(2)
        .split('/')
        .reduce<Json>((parent, key) => parent[key.replace(/~1/g, '/').replace(/~0/g, '~')], this.spec);
    }
    return current as T;
  }

  #validator(key: string, schema: unknown): ValidateFunction {
    let validate = this.#validators.get(key);
    if (!validate) {
      validate = this.#ajv.compile(rebaseRefs(schema) as Json);
      this.#validators.set(key, validate);
    }
    return validate;
  }

  #errors(validate: ValidateFunction, where: string): string[] {
    return (validate.errors ?? []).slice(0, 10).map((error) => `${where}${error.instancePath} ${error.message}`);
  }

  /** Problems with a request against its operation: path and query parameters, and the JSON body. */
  checkRequest(
    operation: Operation,
    params: Record<string, string>,
    query: URLSearchParams,
    body: unknown,
    contentType: string | undefined,
  ): string[] {
    const problems: string[] = [];
    const declared = new Set<string>();
    for (const [index, raw] of (operation.spec.parameters as Json[]).entries()) {
      const parameter = this.resolve(raw);
      if (parameter.in !== 'path' && parameter.in !== 'query') continue;
      if (parameter.in === 'query') declared.add(parameter.name);
      const text = parameter.in === 'path' ? params[parameter.name] : (query.get(parameter.name) ?? undefined);
      if (text === undefined) {
        if (parameter.required) problems.push(`${parameter.in} parameter '${parameter.name}' is required`);
        continue;
      }
      const schema = this.resolve(parameter.schema ?? {});
      const types = ([] as string[]).concat(schema.type ?? []);
      let value: unknown = text;
      if (types.includes('integer') || types.includes('number'))
        value = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
      else if (types.includes('boolean')) value = text === 'true' ? true : text === 'false' ? false : text;
      const validate = this.#validator(`${operation.operationId}:param:${index}`, parameter.schema ?? {});
      if (!validate(value)) problems.push(...this.#errors(validate, `${parameter.in} parameter '${parameter.name}'`));
    }
    for (const name of query.keys()) {
      if (!declared.has(name)) problems.push(`query parameter '${name}' is not part of ${operation.operationId}`);
    }
    const requestBody = operation.spec.requestBody ? this.resolve(operation.spec.requestBody) : undefined;
    if (requestBody) {
      const schema = requestBody.content?.['application/json']?.schema;
      if (body === undefined) {
        if (requestBody.required) problems.push('a JSON request body is required');
      } else if (schema) {
        if (contentType && !contentType.includes('json')) problems.push(`content-type ${contentType} is not JSON`);
        const validate = this.#validator(`${operation.operationId}:body`, schema);
        if (!validate(body)) problems.push(...this.#errors(validate, 'body'));
      }
    } else if (body !== undefined && operation.method !== 'GET') {
      problems.push(`${operation.operationId} takes no request body`);
    }
    return problems;
  }

  /** Problems with a response: the status must be documented and a JSON body must match its schema. */
  checkResponse(operation: Operation, status: number, body: unknown): string[] {
    const documented = operation.spec.responses?.[String(status)];
    if (!documented) return [`status ${status} is not a documented response of ${operation.operationId}`];
    const response = this.resolve(documented);
    const schema = response.content?.['application/json']?.schema;
    if (!schema)
      return body === undefined || body === '' ? [] : [`status ${status} of ${operation.operationId} has no body`];
    const validate = this.#validator(`${operation.operationId}:response:${status}`, schema);
    return validate(body) ? [] : this.#errors(validate, `response ${status}`);
  }

  /** GitHub's own example object, a realistic and contract-valid template for emulated resources. */
  example<T = Json>(name: string): T {
    const example = this.spec.components.examples[name];
    if (!example) throw new Error(`no example '${name}' in the OpenAPI description`);
    return structuredClone(example.value) as T;
  }
}

let loaded: GitHubContract | undefined;

/** Parsed once per test process (13 MB of JSON, about a second). */
export function githubContract(): GitHubContract {
  loaded ??= new GitHubContract(JSON.parse(readFileSync(SPEC_PATH, 'utf8')));
  return loaded;
}
