# syntax=docker/dockerfile:1
# relaygate image: the console built with Node, served by the Python gateway.
#   docker build -t relaygate .
#   docker run -p 3000:3000 -e SESSION_SECRET=... -v relaygate-data:/data relaygate

ARG NODE_IMAGE=node:20-bookworm-slim
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- console (web/ is optional: an empty dist when the project has none yet)
FROM ${NODE_IMAGE} AS web
WORKDIR /src
# COPY cannot be conditional on web/ existing, so take the (.dockerignore-filtered) context.
COPY . .
RUN if [ -f web/package.json ]; then \
        cd web \
        && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi \
        && npm run build; \
    fi \
    && mkdir -p /src/web/dist

# ---- runtime
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin relaygate
COPY pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY migrations ./migrations
# Editable on purpose: relaygate.db.migrate finds alembic.ini and migrations/ relative to the
# source tree (src/relaygate/../../), which a wheel in site-packages would not have.
RUN pip install -e . \
    && python -c "import relaygate.app, uvloop, httptools"
COPY --from=web /src/web/dist ./web/dist
RUN mkdir -p /data && chown relaygate:relaygate /data
ENV DATA_DIR=/data \
    WEB_DIST=/app/web/dist \
    HOST=0.0.0.0 \
    PORT=3000 \
    RELAYGATE_ENV=production
VOLUME ["/data"]
USER relaygate
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/api/status', timeout=4)"]
# uvicorn handles SIGTERM (docker stop) with a graceful drain; exec form keeps it PID 1's signal.
CMD ["relaygate", "serve"]
