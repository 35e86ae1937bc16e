// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'data/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // A `default` does not stand in for a missing case: a new union member (an event
      // type, say) fails lint wherever a switch over its union forgets it.
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports' },
      ],
    },
  },
  {
    // The domain is pure: no framework, persistence, streams or node I/O, and no hidden
    // clock or randomness (time and ids come in through commands).
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*'],
              message: 'src/domain must not depend on Nest.',
            },
            {
              group: ['typeorm', 'typeorm/*'],
              message: 'src/domain must not depend on TypeORM.',
            },
            {
              group: ['rxjs', 'rxjs/*'],
              message: 'src/domain must not depend on rxjs.',
            },
            {
              group: ['better-sqlite3'],
              message: 'src/domain must not do I/O.',
            },
            {
              group: [
                'node:*',
                'fs',
                'fs/*',
                'child_process',
                'net',
                'http',
                'https',
                'os',
                'path',
                'crypto',
                'worker_threads',
              ],
              message: 'src/domain must not do node I/O.',
            },
            {
              group: [
                '**/infrastructure/**',
                '**/commands/**',
                '**/sagas/**',
                '**/projections/**',
                '**/read-models/**',
              ],
              message: 'src/domain depends on nothing outside it.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Pass time in; the domain has no clock.',
        },
        {
          object: 'Math',
          property: 'random',
          message: 'Pass ids and randomness in.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Pass time in; the domain has no clock.',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
