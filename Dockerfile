# GridPatrol API image. The source stays at /app and is installed in editable mode, because
# app/core/migrate.py finds alembic.ini and migrations/ relative to the source tree
# (Path(__file__).parents[2] == /app); a plain `pip install .` would point it into site-packages.
# The dashboard page (web/dashboard) is built in its own stage from the committed npm lock; only the
# built files reach the image, which serves them at /dashboard/ with no Node.js and no CDN.
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
COPY web/dashboard/package.json dashboard/
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRIDPATROL_VAR_DIR=/var/lib/gridpatrol

WORKDIR /app

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin gridpatrol \
    && mkdir -p /var/lib/gridpatrol \
    && chown gridpatrol:gridpatrol /var/lib/gridpatrol

# Dependencies first, in their own layer, pinned and hashed: it is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .
COPY --from=web /web/dashboard/dist web/dashboard/dist
RUN pip install --no-deps -e . \
    && python -c "import app.core.migrate as m; assert (m._ROOT / 'alembic.ini').is_file(), m._ROOT"

USER gridpatrol
EXPOSE 8000
VOLUME ["/var/lib/gridpatrol"]

HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

CMD ["gridpatrol", "serve", "--host", "0.0.0.0", "--port", "8000"]
