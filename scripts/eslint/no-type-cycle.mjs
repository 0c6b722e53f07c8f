// An ESLint rule that reports a file on an import cycle, counting type-only imports too.
// import-x/no-cycle skips `import type` (by design: it guards against runtime load-order bugs),
// but a type cycle still ties the layers together, so this rule walks every edge: `import`,
// `import type`, `export … from` and `import('…')` types alike. Only relative specifiers and the
// `#shared/*` map of package.json are followed; packages are leaves.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '../..');
const sharedRoot = path.join(root, 'shared/src');
const EXTENSIONS = ['.ts', '.svelte.ts', '.svelte', '/index.ts'];

/** Imports of one file, cached by file name for the lint run (the rule is asked once per file). */
const importsOf = new Map();

function resolveSpecifier(from, specifier) {
  let base;
  if (specifier.startsWith('#shared/')) base = path.join(sharedRoot, specifier.slice('#shared/'.length));
  else if (specifier.startsWith('.')) base = path.resolve(path.dirname(from), specifier);
  else return null;
  if (/\.(ts|svelte|js|mjs)$/.test(base) && existsSync(base)) return base;
  for (const extension of EXTENSIONS) if (existsSync(base + extension)) return base + extension;
  return null;
}

function edges(file) {
  let found = importsOf.get(file);
  if (found) return found;
  const text = readFileSync(file, 'utf8');
  const { importedFiles } = ts.preProcessFile(text, true, true);
  found = importedFiles.map((imported) => resolveSpecifier(file, imported.fileName)).filter(Boolean);
  importsOf.set(file, found);
  return found;
}

/** The shortest route from `start` back to itself, or null when `start` is on no cycle. */
function cycleThrough(start) {
  const cameFrom = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const next of edges(file)) {
      if (next === start) {
        const route = [start];
        for (let at = file; at !== start; at = cameFrom.get(at)) route.splice(1, 0, at);
        return route;
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, file);
        queue.push(next);
      }
    }
  }
  return null;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow import cycles, type-only imports included.' },
    schema: [],
    messages: { cycle: 'Import cycle (type-only imports included): {{route}}' },
  },
  create(context) {
    return {
      Program(node) {
        const route = cycleThrough(context.physicalFilename);
        if (!route) return;
        const shown = [...route, route[0]].map((file) => path.relative(root, file)).join(' → ');
        context.report({ node, messageId: 'cycle', data: { route: shown } });
      },
    };
  },
};
