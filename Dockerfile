FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=hms.settings.production
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2 gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY hms hms
COPY units units
COPY reporting reporting
COPY deviations deviations
COPY riskassessment riskassessment
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=build ALLOWED_HOSTS=build python manage.py collectstatic --noinput -v0 \
 && SECRET_KEY=build ALLOWED_HOSTS=build python manage.py compilemessages -v0
RUN useradd --system --uid 1000 hms && mkdir -p /app/var/media && chown -R hms /app/var
USER hms
EXPOSE 8000
# (2 x cores) + 1 workers; override with GUNICORN_CMD_ARGS.
CMD ["gunicorn", "hms.wsgi", "--bind", "0.0.0.0:8000", "--workers", "5", "--access-logformat", "%(t)s \"%(r)s\" %(s)s %(b)s %(L)s"]
