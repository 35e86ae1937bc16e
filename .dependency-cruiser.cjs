// The layers of src/ and the direction of their imports (docs/architecture.md explains why):
//
//   app wiring (src/*.ts)
//     commands (write slices)      sagas (process managers)
//     projections (evolve + writers + runner)
//     read-models (rows, entities, resources, queries, read routes)
//     infrastructure (ports and adapters)
//     domain (pure)
//
// A layer imports only the layers below it. Inside commands, the handlers decide on the
// write side alone: only their controllers read the read side.
const layer = (name, mayImport, comment) => ({
  name: `${name}-imports-only-below`,
  comment,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${name}/`, ...mayImport.map((l) => `^src/${l}/`)],
  },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules never import each other in a circle.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment:
        'Folders never import each other in a circle either (src/read-models/job and src/read-models/repo, say).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    layer('domain', [], 'The domain is pure and depends on nothing else.'),
    layer(
      'infrastructure',
      ['domain'],
      'Ports and adapters know the domain, never the layers that use them.',
    ),
    layer(
      'read-models',
      ['domain', 'infrastructure'],
      'The read side learns how far the projector is through a port, not by importing it.',
    ),
    layer(
      'projections',
      ['domain', 'infrastructure', 'read-models'],
      'Projections write the read models they import.',
    ),
    layer(
      'sagas',
      ['domain', 'infrastructure'],
      'Process managers act through the store and the git engine, never through commands or read models.',
    ),
    layer(
      'commands',
      ['domain', 'infrastructure', 'read-models', 'projections'],
      'Command slices sit on top; only their controllers use the read side (see the next rule).',
    ),
    layer(
      'cli',
      ['domain'],
      'The command-line client is an HTTP client of the service: it knows the API and the pure domain vocabulary (steps, statuses), never the code that serves them.',
    ),
    {
      name: 'handlers-decide-on-the-write-side',
      comment:
        'A command handler (its command, and anything else of a slice but its controller and route description) decides on the event store and the repo directory, never on a read model or a projection: the controller gathers read-side facts and renders the answer.',
      severity: 'error',
      from: {
        path: '^src/commands/',
        pathNot: '[.](controller|openapi)[.]ts$',
      },
      to: { path: '^src/(read-models|projections)/' },
    },
    {
      name: 'no-app-wiring-below-the-top',
      comment: 'Only the entry points import the app module and factory.',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/[^/]+[.]ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test|bench|dashboard)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
