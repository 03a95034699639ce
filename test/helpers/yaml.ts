import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// js-yaml 3 is in node_modules through Jest (babel-plugin-istanbul), not a dependency of ours:
// `yaml` as a devDependency would replace it (asked of the packaging engineer). Its safe loader
// takes plain YAML only (no !!js tags).
const jsYaml = createRequire(import.meta.url)('js-yaml') as { safeLoadAll(text: string): unknown[] };

/** Every document of a YAML file, in order; empty documents are dropped. */
export function yamlDocuments(path: string): unknown[] {
  return jsYaml.safeLoadAll(readFileSync(path, 'utf8')).filter((d) => d !== null && d !== undefined);
}
