# One image for both roles: the API (default command) and the worker (`npm run start:worker`).
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "src/bin/api.ts"]
