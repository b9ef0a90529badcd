// Fails when a built entry does not start with the 'use client' directive. React Server Components
// frameworks read it to know these modules run in the browser; bundlers are quick to drop it.
import { readFileSync } from 'node:fs';

const files = ['dist/index.js', 'dist/index.cjs'];
const missing = files.filter((file) => !/^['"]use client['"];/.test(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')));
if (missing.length > 0) {
  console.error(`'use client' is missing at the top of: ${missing.join(', ')}`);
  process.exit(1);
}
console.log(`'use client' directive present in ${files.join(', ')}`);
