import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import noTypeCycle from './scripts/eslint/no-type-cycle.mjs';

const boundary = (message, patterns) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

/**
 * Trees held to "no import cycle". import-x/no-cycle finds runtime cycles with the import path
 * it took; baton/no-type-cycle also counts type-only imports (a type cycle still ties the layers
 * together). web/ and shared/ join this list once their cycles are gone.
 */
const acyclicTrees = ['worker', 'selfhost', 'web', 'shared'];

/**
 * Floors, lowest first: a file may import its own floor and those below it, never one above
 * (STYLE.md, "Layout and boundaries"). Each floor lists folders or files under `root`.
 */
const floorZones = (root, floors) =>
  floors.flatMap((floor, level) =>
    floors.slice(level + 1).map((higher) => ({
      target: floor.paths.map((path) => `./${root}/${path}`),
      from: higher.paths.map((path) => `./${root}/${path}`),
      message: `The ${floor.name} floor does not import from ${higher.name}: arrows point down.`,
    })),
  );

const floors = {
  // The Worker: routes and the protocol fronts on top, the kernel at the bottom.
  'worker/src': [
    { name: 'kernel', paths: ['kernel', 'http', 'storage', 'env.ts', 'config.ts'] },
    { name: 'domain', paths: ['accounts', 'space', 'locks', 'blobs', 'push'] },
    { name: 'objects', paths: ['objects'] },
    { name: 'auth', paths: ['auth'] },
    { name: 'fronts', paths: ['routes', 'dav', 'lfs', 'app.ts', 'index.ts'] },
  ],
  // The self-hosted image: main starts the servers, which use the helpers.
  'selfhost/src': [
    { name: 'helpers', paths: ['config.ts', 'data-version.ts', 'route.ts'] },
    { name: 'servers', paths: ['front.ts', 'runtime.ts'] },
    { name: 'main', paths: ['main.ts'] },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.tools/',
      '.wrangler/',
      'web/dist/',
      'selfhost/dist/',
      'bench/results/',
      'test-results/',
      '**/*.d.ts',
      '**/*.d.mts',
      'scripts/make-icons.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { parser: tseslint.parser },
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: globals.node, parserOptions: { projectService: false, project: null } },
  },
  {
    files: acyclicTrees.map((tree) => `${tree}/**/*.ts`),
    plugins: { 'import-x': importX, baton: { rules: { 'no-type-cycle': noTypeCycle } } },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: acyclicTrees, noWarnOnMultipleProjects: true }),
      ],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'baton/no-type-cycle': 'error',
    },
  },
  ...Object.entries(floors).map(([root, rootFloors]) => ({
    files: [`${root}/**/*.ts`],
    plugins: { 'import-x': importX },
    rules: { 'import-x/no-restricted-paths': ['error', { zones: floorZones(root, rootFloors) }] },
  })),
  {
    files: ['shared/**'],
    rules: boundary('shared/ imports neither web/ nor worker/.', ['**/web/**', '**/worker/**']),
  },
  {
    files: ['worker/**'],
    rules: boundary('worker/ never imports web/; use #shared/… for common code.', ['**/web/**']),
  },
  {
    files: ['web/**'],
    ignores: ['web/src/lib/db/**'],
    rules: boundary('web/ never imports worker/; only web/src/lib/db imports Dexie.', [
      '**/worker/**',
      'dexie',
    ]),
  },
  // The test fence: production code never imports test helpers, which live in testing folders
  // (shared/testing, web/testing, tests/, worker/test). Its own block at the end, with
  // typescript-eslint's copy of `no-restricted-imports`: a later block setting the core rule
  // would replace the floor boundaries above for these files instead of adding to them.
  {
    files: ['shared/src/**', 'web/src/**', 'worker/src/**', 'selfhost/src/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/testing/**', '**/test/**', '**/tests/**'],
              message: 'Production code never imports test helpers; tests import them.',
            },
          ],
        },
      ],
    },
  },
);
