"""Skip reasons for tests that need a system package; conftest prints a banner naming them."""

MISSING_CHROMIUM = ("SYSTEM PACKAGE MISSING: Chromium is not installed "
                    "(`apt-get install chromium`; `make test` as root installs it)")
MISSING_POSTGRESQL = ("SYSTEM PACKAGE MISSING: PostgreSQL is not installed "
                      "(`apt-get install postgresql`; `make test` as root installs it)")
