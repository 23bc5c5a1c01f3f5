// ESLint for every TypeScript and JavaScript file of the repository (npm run lint).
// Formatting is Prettier's job (npm run format:check), so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/', 'out/', 'dist/', 'examples/*/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        queueMicrotask: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
      },
    },
    rules: {
      // `_`-prefixed names are deliberately unused (positional parameters, skipped tuple entries).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/tests/**', 'test/**'],
    rules: {
      // Tests read parsed YAML/JSON and API objects whose shape is exactly what they assert;
      // declaring a type for each would restate the assertion.
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests match indented YAML and diff lines literally: counted spaces read better than {4}.
      'no-regex-spaces': 'off',
    },
  },
  {
    // The example app loads the OpenTelemetry SDK and Pyroscope only when their endpoints are set
    // (and before `http` is loaded, so it can be instrumented): these requires are lazy on purpose.
    files: ['examples/sample-app/src/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Plain CommonJS scripts (build, bench, test runner, shims).
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
