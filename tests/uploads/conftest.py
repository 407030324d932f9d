"""A real S3 API on 127.0.0.1 (moto's standalone server) and an app that keeps its uploads in a bucket there."""
import uuid

import boto3
import pytest

from tests.conftest import free_port, serve_in_context

BUCKET = "comptoir-test"
CREDENTIALS = {"S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": "test-key", "S3_SECRET_ACCESS_KEY": "test-secret"}


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server for the session, with the bucket the apps use; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    s3_client(endpoint).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name=CREDENTIALS["S3_REGION"],
                        aws_access_key_id=CREDENTIALS["S3_ACCESS_KEY_ID"],
                        aws_secret_access_key=CREDENTIALS["S3_SECRET_ACCESS_KEY"])


class Bucket:
    """The test's part of the bucket (its own S3_PREFIX), seen from outside the app with boto3."""

    def __init__(self, endpoint: str, prefix: str):
        self.client, self.prefix = s3_client(endpoint), prefix

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=BUCKET, Prefix=f"{self.prefix}/")
        return sorted(item["Key"][len(self.prefix) + 1:] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=BUCKET, Key=f"{self.prefix}/{key}")["Body"].read()


@pytest.fixture
def bucket(s3_server):
    return Bucket(s3_server, f"test-{uuid.uuid4().hex[:12]}")


def s3_settings(endpoint: str, prefix: str) -> dict:
    return {"STORAGE_BACKEND": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": endpoint, "S3_PREFIX": prefix,
            **CREDENTIALS}


@pytest.fixture
def app(make_app, s3_server, bucket):
    """The usual test app, but STORAGE_BACKEND="s3" on the test's prefix of the moto bucket."""
    yield from serve_in_context(make_app(**s3_settings(s3_server, bucket.prefix)))
