# pushgate: build with the dev toolchain, run on a slim image as a non-root user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY hooks ./hooks
# The image's `node` user (uid 1000) owns the data volume: repositories, host key, embedded database.
RUN chmod +x bin/pushgate.js && ln -s /app/bin/pushgate.js /usr/local/bin/pushgate \
 && mkdir /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080 2222
CMD ["pushgate", "serve", "--data", "/data", "--host", "0.0.0.0", "--http-port", "8080", "--ssh-port", "2222"]
