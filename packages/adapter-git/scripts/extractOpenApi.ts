// Regenerates src/testing/githubOpenApi.json from the installed @octokit/openapi.
// Usage: pnpm --filter @publishgate/adapter-git openapi:extract (then `npx biome check --write` formats it).
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extractOpenApiSubset, type OpenApiDocument } from '../src/testing/openApi.ts';

const require = createRequire(import.meta.url);
// Read the one file needed: the package's index would parse all ten descriptions (about 400 MB).
const source = require.resolve('@octokit/openapi/generated/api.github.com.json');
const document = JSON.parse(await readFile(source, 'utf8')) as OpenApiDocument;
const target = new URL('../src/testing/githubOpenApi.json', import.meta.url);
await writeFile(target, `${JSON.stringify(extractOpenApiSubset(document), null, 2)}\n`);
console.log(`wrote ${target.pathname} from @octokit/openapi ${document.info.version}`);
