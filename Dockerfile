# posttagger: runs `deno task train`, `deno task infer` (cron) and `deno task serve`.
#   docker build -t posttagger .
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
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
ENV PATH=/app/node_modules/.bin:$PATH

COPY deno.json ./
COPY src ./src
COPY scripts ./scripts
# tools/models builds the MobileNetV2 graph into DATA_DIR on first use
COPY tools ./tools
COPY experiments ./experiments

RUN useradd --create-home --uid 10001 tagger && mkdir -p /app/data /app/models && chown -R tagger /app/data /app/models
USER tagger
# Everything the jobs write lives in the two writable folders (the code under /app stays read-only).
ENV DATA_DIR=/app/data MODELS_DIR=/app/models RUNS_DIR=/app/data/runs ANON_SECRET_FILE=/app/data/secrets/anon.key
EXPOSE 8000
CMD ["deno", "task", "serve"]
