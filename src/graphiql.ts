/**
 * GraphiQL served from local packages (React UMD builds and graphiql's own bundle), so the
 * IDE works on machines with no internet. Apollo's default landing page loads from a CDN.
 */
import path from 'node:path';
import express from 'express';

const ASSETS: Record<string, [pkg: string, file: string]> = {
  'react.js': ['react', 'umd/react.production.min.js'],
  'react-dom.js': ['react-dom', 'umd/react-dom.production.min.js'],
  'graphiql.js': ['graphiql', 'dist/index.umd.js'],
  'graphiql.css': ['graphiql', 'dist/style.css'],
};

export function graphiqlAssets(): express.Router {
  const router = express.Router();
  for (const [name, [pkg, relative]] of Object.entries(ASSETS)) {
    // Packages' "exports" hide these files from require.resolve; their package.json is reachable.
    const file = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), relative);
    router.get(`/${name}`, (_req, res) => {
      res.sendFile(path.resolve(file), { maxAge: '1d' });
    });
  }
  return router;
}

export function graphiqlPage(endpoint: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Social recommender · GraphiQL</title>
  <link rel="stylesheet" href="/graphiql/assets/graphiql.css" />
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script src="/graphiql/assets/react.js"></script>
  <script src="/graphiql/assets/react-dom.js"></script>
  <script src="/graphiql/assets/graphiql.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: ${JSON.stringify(endpoint)} });
    const defaultQuery = '# Add an "Authorization: Bearer <token>" header (npm run token) to act as a user.\\n' +
      '{\\n  users(first: 5) {\\n    edges { node { id handle displayName counts { followers items } } }\\n  }\\n}\\n';
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, defaultQuery, shouldPersistHeaders: true })
    );
  </script>
</body>
</html>`;
}
