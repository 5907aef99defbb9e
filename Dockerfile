# posttagger: runs `deno task serve` (the default command), `deno task train`, `deno task infer` and
# `deno task schedule` (the README's schedule from docker/crontab). compose.yaml runs it with PostgreSQL.
#   docker build -t posttagger .
#   docker run --rm -p 8000:8000 -e DATABASE_URL=postgres://... posttagger     the dashboard on http://localhost:8000/
#   docker run --rm -e DATABASE_URL=postgres://... -v posttagger-data:/app/data posttagger deno task infer --since 24h
#   cron on the host: 0 */6 * * * docker run --rm -e DATABASE_URL=... -v posttagger-data:/app/data posttagger deno task infer --since 6h
# Give the anonymization secret with -e ANON_SECRET=... (else one is created once in the data volume).
FROM denoland/deno:bin-2.9.6 AS deno

FROM node:20.20.2-bookworm-slim
COPY --from=deno /deno /usr/local/bin/deno

RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg=7:5.1.* libturbojpeg0=1:2.1.5* \
    tesseract-ocr=5.3.0* tesseract-ocr-eng=1:4.1.0* ca-certificates \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# onnxruntime-node's CUDA provider is downloaded only when asked: --build-arg ONNXRUNTIME_NODE_INSTALL=cuda12
ARG ONNXRUNTIME_NODE_INSTALL=skip
RUN ONNXRUNTIME_NODE_INSTALL=$ONNXRUNTIME_NODE_INSTALL npm ci --no-audit --no-fund --loglevel=error
ENV PATH=/app/node_modules/.bin:$PATH

COPY deno.json ./
COPY src ./src
COPY scripts ./scripts
# tools/models builds the MobileNetV2 graph into DATA_DIR on first use
COPY tools ./tools
COPY experiments ./experiments
COPY docker ./docker

RUN useradd --create-home --uid 10001 tagger && mkdir -p /app/data /app/models && chown -R tagger /app/data /app/models
USER tagger
# Everything the jobs write lives in the two writable folders (the code under /app stays read-only).
ENV DATA_DIR=/app/data MODELS_DIR=/app/models RUNS_DIR=/app/data/runs ANON_SECRET_FILE=/app/data/secrets/anon.key
EXPOSE 8000
# Node's fetch (no curl in the slim image); PORT as the server reads it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# All interfaces: inside the container loopback is unreachable from `docker run -p`.
CMD ["deno", "task", "serve", "--host", "0.0.0.0"]
