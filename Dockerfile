# One image for every part of a scale-out Mowakaba (compose.yaml, docs/operations.md):
# the web app (`mowakaba web`), the workers (`mowakaba worker`), the migrations and
# deployments (`mowakaba db upgrade`, `mowakaba deploy`), and the Prefect server itself
# (`prefect server start`, `prefect server services start`): the same Prefect version
# everywhere, the one uv.lock pins.
#
#   docker build -t mowakaba .
#   docker run --rm mowakaba mowakaba --help
#
# No secret is in the image: they come at run time as variables or as files named by
# NAME_FILE variables (deploy/entrypoint.sh).
FROM python:3.11-slim

# postgresql-client: pg_dump and psql for `mowakaba backup` / `restore` (its major version
# must be at least the server's: compose.yaml runs postgres:17, Debian 13's client).
# libpango + fonts-noto-core: WeasyPrint's PDFs (letters, subject-access), Arabic included.
# tini: PID 1 that passes signals on and reaps the workers' flow-run processes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        postgresql-client libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core tini \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    DO_NOT_TRACK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT=false \
    MOWAKABA_HOME=/var/lib/mowakaba

RUN pip install --no-cache-dir "uv==0.13.8"

WORKDIR /app
# The dependencies first (a layer that changes only with uv.lock), then the project.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev

# Several Prefect API servers (or the API and its services apart) share events through
# Redis: Prefect's `prefect-redis` package, which uv.lock does not hold. compose.yaml asks
# for it; the Prefect version stays the locked one (the build fails rather than move it).
ARG PREFECT_REDIS=""
RUN if [ -n "$PREFECT_REDIS" ]; then \
        uv pip install --python /app/.venv/bin/python "$PREFECT_REDIS" \
            "prefect==$(/app/.venv/bin/python -c 'import importlib.metadata as m; print(m.version("prefect"))')"; \
    fi

# A user of its own; the data directory (logs, Prefect's home, the documents when no
# volume is mounted there) is its only, like `mowakaba up`'s.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/mowakaba mowakaba \
    && install -d -m 0700 -o mowakaba -g mowakaba /var/lib/mowakaba /var/lib/mowakaba/documents
USER mowakaba
WORKDIR /var/lib/mowakaba

EXPOSE 8000 4200
ENTRYPOINT ["tini", "--", "/app/deploy/entrypoint.sh"]
CMD ["mowakaba", "web", "--host", "0.0.0.0", "--port", "8000"]
