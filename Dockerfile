# Yhdessä for servers: `docker compose up` (compose.yaml) runs it with PostgreSQL and two workers.
# Two stages: the first installs the project and its runtime dependencies into a venv, the second
# copies only that venv onto a clean slim base. No compiler is needed (every dependency ships wheels).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY adapters adapters
COPY bot bot
COPY flows flows
COPY storage storage
# A regular (not editable) install of the runtime dependencies only, with the LLM extra so that
# setting OPENAI_API_KEY is enough. pip and setuptools are not needed to run the bot, nor are the
# libraries' own test suites (a tenth of the venv); the compiled bytecode stays, since the bot may
# not write to /opt and would otherwise compile every module at every start.
RUN python -m venv /opt/yhdessa \
    && /opt/yhdessa/bin/pip install --no-cache-dir '.[llm]' \
    && /opt/yhdessa/bin/pip uninstall --yes pip setuptools wheel \
    && find /opt/yhdessa/lib -type d -name tests -prune -exec rm -rf {} +

FROM python:3.11-slim
ENV PATH=/opt/yhdessa/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
# A fixed uid and gid (10001) so that a mounted volume's owner can be set from outside; a --system
# user would get its uid outside the system range and a gid of 999 instead.
RUN groupadd --gid 10001 yhdessa \
    && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/yhdessa --shell /usr/sbin/nologin yhdessa
COPY --from=build /opt/yhdessa /opt/yhdessa
USER yhdessa
# Charts and files the bot writes (YHDESSA_CHART_DIR) land here, the only folder it may write.
WORKDIR /home/yhdessa
EXPOSE 3978
# /healthz answers 200 while the database takes writes, 503 with the reason when it does not.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:3978/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["yhdessa"]
CMD ["run", "--host", "0.0.0.0", "--port", "3978", "--no-console"]
