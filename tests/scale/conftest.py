"""`make test-scale` only (MOWAKABA_TEST_SCALE=1): these tests start a Prefect server on
PostgreSQL, the app and two process workers, and take minutes; `make test` skips them."""

import os

if not os.environ.get("MOWAKABA_TEST_SCALE"):
    collect_ignore_glob = ["test_*.py"]
