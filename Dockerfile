# campaign-stream: the streaming pipeline (`campaigns pipeline`) as a container.
# Used by docker-compose.yml together with Kafka, Apicurio Registry and PostgreSQL.
#   docker build -t campaign-stream .
#   docker run --rm -e KAFKA_BROKERS=... -e SCHEMA_REGISTRY_URL=... -e DATABASE_URL=... campaign-stream

# Build stage: the full image has python3/make/g++ in case better-sqlite3 must compile its addon.
# It compiles the sources (`npm run build` → dist/), then keeps the runtime dependencies only
# (tsx and TypeScript are development dependencies).
FROM node:20-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/dist ./dist
COPY package.json package-lock.json ./
COPY bin ./bin
COPY schemas ./schemas
# The project's own bin in node_modules/.bin, so that `npx campaigns` resolves locally with
# every npm version and never asks the registry for a package of that name.
RUN chmod +x bin/campaigns.mjs \
 && mkdir -p node_modules/.bin \
 && ln -sf ../../bin/campaigns.mjs node_modules/.bin/campaigns
USER node
ENV KAFKA_BROKERS=kafka:9092 \
    SCHEMA_REGISTRY_URL=http://registry:8080/apis/ccompat/v7 \
    DATABASE_URL=postgres://postgres:postgres@postgres:5432/campaigns
CMD ["npx", "--no-install", "campaigns", "pipeline"]
