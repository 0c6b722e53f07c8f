import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const boundary = (message, patterns) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

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
