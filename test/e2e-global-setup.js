// E2E tests start the compiled service as a child process, so build it once first.
const { execFileSync } = require('node:child_process');

module.exports = () => {
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: __dirname + '/..',
      stdio: 'inherit',
    },
  );
};
