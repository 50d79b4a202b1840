import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'resources/**',
      'docs/**',
      'coverage/**',
      '.bench/**',
      'test-results/**',
      '.electron-native/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/renderer/**/*'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The bin shim and the CLI launcher are plain CommonJS by necessity (package.json has no "type": "module").
    files: ['bin/*.js', 'scripts/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The engine, shared types and CLI run under plain Node: no Electron, ever.
    files: ['src/engine/**/*', 'src/shared/**/*', 'src/cli/**/*'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The engine runs under plain Node: it must not import electron.' }],
          patterns: ['electron/*', '**/main/**', '**/renderer/**', '**/preload/**'],
        },
      ],
    },
  },
  {
    // The renderer reaches the engine only through the contract.
    files: ['src/renderer/**/*'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['electron'], patterns: ['**/engine/**', '**/main/**', 'node:*'] }],
    },
  },
)
