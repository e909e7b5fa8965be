// Lint: typescript-eslint's recommended rules, plus the layering rule that
// keeps src/domain free of frameworks, databases, workers and the environment.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'build/**', 'data/**', 'scratch/**', 'test-output/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['fastify*', '@fastify/*', 'kysely', 'pg', '@electric-sql/*', 'node:worker_threads', 'worker_threads', '../infra/*', '../api/*', '../app/*', '../mining/*'], message: 'src/domain is pure: no frameworks, databases, workers or other layers.' },
          ],
        },
      ],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'src/domain does not read the environment.' }],
    },
  },
);
