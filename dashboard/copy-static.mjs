// tsc emits only the modules; the page and its style sheets are copied beside them so that
// dist/dashboard holds everything the service serves (see src/read-models/dashboard).
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';

const source = new URL('./', import.meta.url);
const target = new URL('../dist/dashboard/', import.meta.url);

mkdirSync(target, { recursive: true });
for (const file of readdirSync(source)) {
  if (/\.(html|css)$/.test(file)) {
    copyFileSync(new URL(file, source), new URL(file, target));
  }
}
