# One image recipe for every Beacon service: docker build --build-arg SERVICE=intake-api …
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY tools/build.mjs tools/build.mjs
COPY libs libs
COPY services services
ARG SERVICE
RUN node tools/build.mjs services/${SERVICE} && npm prune --omit=dev

FROM node:20-bookworm-slim
ARG SERVICE
ENV NODE_ENV=production SERVICE=${SERVICE}
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY deploy/routing deploy/routing
USER node
CMD ["sh", "-c", "exec node dist/services/${SERVICE}/src/main.js"]
