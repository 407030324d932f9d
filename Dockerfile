# Comptoir in a container: the same `portal` command, the instance folder (index, uploads, secret key) on /data.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORTAL_INSTANCE_PATH=/data
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir -e /app && pybabel compile -d portal/translations && useradd --system --home /data comptoir && mkdir -p /data \
    && chown comptoir /data
USER comptoir
VOLUME /data
EXPOSE 8000
ENTRYPOINT ["portal"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
