# One image for every role (ROLE=api | trainer | all); see docs/deploy.md. Not built on the
# development machines (no Docker daemon there): the same topology is tested as plain
# processes by test/deploy.test.ts.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first, without install scripts (postinstall builds from sources not yet copied),
# so this layer is reused until package-lock.json changes.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# Now the install scripts: tfjs-node downloads libtensorflow here (it is optional: without
# internet it fails and the wasm backend serves), then codegen + tsc into dist/.
RUN npm rebuild && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=4000
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
  CMD node -e "fetch('http://localhost:4000/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/src/server.js"]
