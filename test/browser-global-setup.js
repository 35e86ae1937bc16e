// Browser tests load the dashboard the service serves from dist/dashboard, so they build
// exactly what `npm run build` builds: the service, the dashboard modules and its static files.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = () => {
  const root = join(__dirname, '..');
  const tsc = require.resolve('typescript/bin/tsc');
  const run = (...args) =>
    execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  run(tsc, '-p', 'tsconfig.build.json');
  run(tsc, '-p', 'dashboard/tsconfig.json');
  run(join(root, 'dashboard', 'copy-static.mjs'));
};
