"""A real S3 API on loopback for the WARC store tests: moto's server and s3fs."""
from __future__ import annotations

import json
import os
from typing import Any

BUCKET = "archive-warcs"


class S3:
    """moto's S3 server on a free loopback port; ``options`` are the storage options to reach it."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()  # bound to a port the kernel picked, and held
        self.port = self.server.get_host_and_port()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        # moto keeps its state per Python process, not per server: start from an empty S3
        # (another test of this run may have made the same bucket)
        import httpx

        httpx.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        self.options: dict[str, Any] = {
            "endpoint_url": self.endpoint, "key": "testing", "secret": "testing",
            "client_kwargs": {"region_name": "eu-west-1"},
            "config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 2}}
        self.fs().mkdir(BUCKET)

    def __enter__(self) -> "S3":
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def fs(self) -> Any:
        import s3fs

        return s3fs.S3FileSystem(skip_instance_cache=True, **self.options)

    def url(self, prefix: str = "warcs") -> str:
        return f"s3://{BUCKET}/{prefix}"

    def env(self) -> dict[str, str]:
        """The environment of an ``archive`` command that reaches this store."""
        return dict(os.environ, ARCHIVE_WARC_STORE_OPTIONS=json.dumps(self.options))
