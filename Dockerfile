# One image for both roles: the API (default command) and the worker (`node dist/bin/worker.js`).
# It holds the compiled service and its production dependencies only: no TypeScript, no tsx,
# no tests or benchmarks (the build stage compiles; the last stage copies dist/ alone).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# Stack traces in the logs point at src/ lines (dist/ carries source maps); the extraction
# processes inherit it through the environment.
ENV NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY package.json ./
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
CMD ["node", "dist/bin/api.js"]
