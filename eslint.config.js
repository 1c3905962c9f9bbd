// typescript-eslint's recommended rules over the TypeScript tree (npm run lint; part of npm run check and CI).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'web/', 'coverage/', 'test/fixtures/', 'test/contract/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      // Names starting with `_` are deliberately unused (destructuring to drop a field, unused parameters).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Sanitizers and recognizers match control characters on purpose.
      'no-control-regex': 'off',
      // Recognizer patterns escape punctuation inside classes for readability; harmless.
      'no-useless-escape': 'off',
    },
  },
  {
    // Tests read loosely typed JSON answers; the mock server and scenario runner handle arbitrary client JSON.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'src/mock/**/*.ts', 'src/scenarios/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Data generators keep one template signature per row, whether or not a row uses every argument.
    files: ['scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-vars': ['error', { args: 'none', varsIgnorePattern: '^_' }] },
  },
);
