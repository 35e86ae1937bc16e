// Nest 12 ships as ES modules. Node 20 loads them from CommonJS (require of ESM), but Jest's
// own module system on Node 20 cannot, so Jest compiles them to CommonJS with swc like our
// TypeScript. The one construct CommonJS lacks, `import.meta.url`, becomes the file's URL.
const { createTransformer } = require('@swc/jest');

const swcOptions = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const swc = createTransformer(swcOptions);
const IMPORT_META_URL = /\bimport\.meta\.url\b/g;

module.exports = {
  ...swc,
  process(source, path, options) {
    const code = path.includes('/node_modules/')
      ? source.replace(
          IMPORT_META_URL,
          "require('node:url').pathToFileURL(__filename).href",
        )
      : source;
    return swc.process(code, path, options);
  },
  getCacheKey(source, path, options) {
    return swc.getCacheKey(source + '\u0000v1', path, options);
  },
};
