/** The OpenAPI 3.0 schema keywords the emulator's validator understands (all that GitHub's description uses for these endpoints). */
export type JsonSchema = {
  $ref?: string;
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';
  nullable?: boolean;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
  title?: string;
  deprecated?: boolean;
};

type Parameter = { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required?: boolean; schema?: JsonSchema; $ref?: string };
type MediaTypes = Record<string, { schema?: JsonSchema }>;
type Response = { $ref?: string; content?: MediaTypes; headers?: Record<string, unknown> };
type Operation = {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: MediaTypes };
  responses?: Record<string, Response>;
};

/** The parts of an OpenAPI description the emulator reads. */
export type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
};

/** The operations the emulator serves, as `[path, method]` of GitHub's description. */
export const EMULATED_OPERATIONS = [
  ['/repos/{owner}/{repo}', 'get'],
  ['/repos/{owner}/{repo}/pulls', 'get'],
  ['/repos/{owner}/{repo}/pulls', 'post'],
  ['/repos/{owner}/{repo}/pulls/{pull_number}', 'get'],
  ['/repos/{owner}/{repo}/deployments', 'get'],
  ['/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', 'get'],
  ['/rate_limit', 'get'],
] as const;

// Documentation-only keys, dropped so the shipped subset stays small. Never dropped inside
// `properties`, where they can be real field names (repositories have a `description`).
const DOC_KEYS = new Set([
  'description',
  'summary',
  'example',
  'examples',
  'externalDocs',
  'tags',
  'x-github',
  'x-octokit',
  'x-github-breaking-changes',
]);

function strip(node: unknown, inProperties = false): unknown {
  if (Array.isArray(node)) return node.map((item) => strip(item));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!inProperties && DOC_KEYS.has(key)) continue;
    out[key] = strip(value, !inProperties && key === 'properties');
  }
  return out;
}

function resolvePointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`Only local $refs are supported: ${ref}`);
  let node: unknown = document;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  if (node === undefined) throw new Error(`Unresolvable $ref ${ref}`);
  return node;
}

/**
 * Cuts GitHub's OpenAPI description down to {@link EMULATED_OPERATIONS} and every component they
 * reference, without documentation text. The emulator ships this subset (about 50 KB) instead of
 * depending on `@octokit/openapi` (hundreds of MB); a test re-extracts it from the installed
 * `@octokit/openapi` and fails when the shipped copy drifts. Regenerate with
 * `pnpm --filter @publishgate/adapter-git openapi:extract`.
 */
export function extractOpenApiSubset(document: OpenApiDocument): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const components: OpenApiDocument['components'] = {};
  const seen = new Set<string>();
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && !seen.has(value)) {
        seen.add(value);
        const [, , section = '', name = ''] = value.split('/');
        const target = strip(resolvePointer(document, value));
        components[section] ??= {};
        (components[section] as Record<string, unknown>)[name] = target;
        visit(target);
      } else {
        visit(value);
      }
    }
  };
  for (const [path, method] of EMULATED_OPERATIONS) {
    const operation = document.paths[path]?.[method];
    if (!operation) throw new Error(`The description has no ${method.toUpperCase()} ${path}`);
    const stripped = strip(operation) as Operation;
    paths[path] ??= {};
    (paths[path] as Record<string, Operation>)[method] = stripped;
    visit(stripped);
  }
  // Sorted, so the shipped file's order does not depend on traversal order.
  const sortedComponents = Object.fromEntries(
    Object.keys(components)
      .sort()
      .map((section) => [section, Object.fromEntries(Object.entries(components[section] ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)))]),
  );
  return {
    openapi: document.openapi,
    info: { title: document.info.title, version: document.info.version },
    paths,
    components: sortedComponents,
  };
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** The schemas of one operation, with `$ref`s to parameters and responses resolved. */
export type ResolvedOperation = {
  parameters: Parameter[];
  requestBody: { required: boolean; schema: JsonSchema | undefined } | undefined;
  /** Schema of the JSON body for a status, `null` when the status is declared without a body, undefined when undeclared. */
  responseSchema(status: number): JsonSchema | null | undefined;
};

/** Validates values against the schemas of an OpenAPI description (the subset of JSON Schema it uses). */
export type OpenApiValidator = {
  /** Problems with `value` against `schema`, as `path: message` lines; empty when valid. */
  validate(schema: JsonSchema, value: unknown, path?: string): string[];
  operation(path: string, method: string): ResolvedOperation;
  /** A named component schema, for shapes GitHub returns on undeclared statuses (`basic-error`). */
  schema(name: string): JsonSchema;
};

/** Builds a validator over `document`. */
export function createOpenApiValidator(document: OpenApiDocument): OpenApiValidator {
  const deref = <T>(node: T & { $ref?: string }): T =>
    node.$ref ? deref(resolvePointer(document, node.$ref) as T & { $ref?: string }) : node;

  function check(schema: JsonSchema, value: unknown, path: string, errors: string[], depth: number): void {
    if (errors.length >= 20) return;
    if (depth > 64) {
      errors.push(`${path}: schema nesting too deep`);
      return;
    }
    const node = deref(schema);
    if (node.allOf) for (const part of node.allOf) check(part, value, path, errors, depth + 1);
    if (node.anyOf && !node.anyOf.some((part) => attempt(part, value, path, depth).length === 0)) {
      errors.push(`${path}: matches none of anyOf`);
    }
    if (node.oneOf) {
      const matches = node.oneOf.filter((part) => attempt(part, value, path, depth).length === 0).length;
      if (matches !== 1) errors.push(`${path}: matches ${matches} of oneOf, expected exactly 1`);
    }
    if (value === null) {
      if (!node.nullable && node.type !== 'null' && node.type !== undefined) errors.push(`${path}: null is not allowed`);
      return;
    }
    if (node.enum && !node.enum.includes(value))
      errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(node.enum)}`);
    switch (node.type) {
      case 'string':
        if (typeof value !== 'string') return void errors.push(`${path}: expected a string`);
        if (node.minLength !== undefined && value.length < node.minLength) errors.push(`${path}: shorter than ${node.minLength}`);
        if (node.maxLength !== undefined && value.length > node.maxLength) errors.push(`${path}: longer than ${node.maxLength}`);
        if (node.pattern !== undefined && !new RegExp(node.pattern, 'u').test(value))
          errors.push(`${path}: does not match ${node.pattern}`);
        if (node.format === 'date-time' && !DATE_TIME.test(value)) errors.push(`${path}: not a date-time`);
        if (node.format === 'uri' && !URL.canParse(value)) errors.push(`${path}: not a URI`);
        return;
      case 'integer':
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value) || (node.type === 'integer' && !Number.isInteger(value))) {
          return void errors.push(`${path}: expected ${node.type === 'integer' ? 'an integer' : 'a number'}`);
        }
        if (node.minimum !== undefined && value < node.minimum) errors.push(`${path}: below ${node.minimum}`);
        if (node.maximum !== undefined && value > node.maximum) errors.push(`${path}: above ${node.maximum}`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') errors.push(`${path}: expected a boolean`);
        return;
      case 'array':
        if (!Array.isArray(value)) return void errors.push(`${path}: expected an array`);
        if (node.minItems !== undefined && value.length < node.minItems) errors.push(`${path}: fewer than ${node.minItems} items`);
        if (node.maxItems !== undefined && value.length > node.maxItems) errors.push(`${path}: more than ${node.maxItems} items`);
        if (node.items) {
          for (const [index, item] of value.entries()) check(node.items, item, `${path}[${index}]`, errors, depth + 1);
        }
        return;
      default:
        if (node.type === 'object' || node.properties || node.required) checkObject(node, value, path, errors, depth);
    }
  }

  function checkObject(node: JsonSchema, value: unknown, path: string, errors: string[], depth: number): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return void errors.push(`${path}: expected an object`);
    const record = value as Record<string, unknown>;
    for (const key of node.required ?? []) if (!(key in record)) errors.push(`${path}.${key}: is required`);
    for (const [key, item] of Object.entries(record)) {
      const property = node.properties?.[key];
      if (property) check(property, item, `${path}.${key}`, errors, depth + 1);
      else if (node.additionalProperties === false) errors.push(`${path}.${key}: is not allowed`);
      else if (typeof node.additionalProperties === 'object') check(node.additionalProperties, item, `${path}.${key}`, errors, depth + 1);
    }
  }

  function attempt(schema: JsonSchema, value: unknown, path: string, depth: number): string[] {
    const errors: string[] = [];
    check(schema, value, path, errors, depth + 1);
    return errors;
  }

  return {
    validate(schema, value, path = '$') {
      const errors: string[] = [];
      check(schema, value, path, errors, 0);
      return errors;
    },
    operation(path, method) {
      const operation = document.paths[path]?.[method];
      if (!operation) throw new Error(`No ${method.toUpperCase()} ${path} in the description`);
      const body = operation.requestBody;
      return {
        parameters: (operation.parameters ?? []).map((parameter) => deref(parameter)),
        requestBody: body ? { required: body.required === true, schema: body.content?.['application/json']?.schema } : undefined,
        responseSchema(status) {
          const declared = operation.responses?.[String(status)] ?? operation.responses?.default;
          if (!declared) return undefined;
          return deref(declared).content?.['application/json']?.schema ?? null;
        },
      };
    },
    schema(name) {
      const found = document.components.schemas?.[name];
      if (!found) throw new Error(`No schema ${name} in the description`);
      return found as JsonSchema;
    },
  };
}
