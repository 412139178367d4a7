"""Every secret value the test suite hands to the product, in one list.

The secret-leak scan (tests/support/leak_scan.py) searches the whole run's
output, logs, state and files for each of these. A test that needs a new
secret adds it here and imports it, so the scan knows what to look for.
Secrets made fresh per run (the PostgREST JWT secret) are registered at
run time with leak_scan.register_secret instead.

Values shorter than leak_scanner.MIN_LENGTH (like httpbin's "p") are not
listed: they would match ordinary text.
"""

from __future__ import annotations

# Bearer tokens of demo servers (make_demo_server(token=...)).
STATE_DEMO_TOKEN = "s3cret-token"  # state_support.py, env WB_STATE_TEST_TOKEN
PUSH_DEMO_TOKEN = "tok-Secret-5e1f-demo"  # test_push_cli.py, env WB_TEST_TOKEN
PROMPTED_DEMO_TOKEN = "t0ps3cret"  # test_app_main.py, typed into the secret prompt
DEMO_SERVER_TOKEN = "s3cret"  # test_demo_server.py

# Values of env:, file:, prompt: and keyring references.
SECRET_REF_VALUE = "s3cr3t-Value/with+odd&chars"  # test_secrets.py VALUE, in every source
STATE_QUERY_SECRET = "query-Secret-4242"  # test_state_audit.py, a secret query parameter
TRUST_PASSWORD = "pw-0123456789"  # test_rest_trust.py, basic auth password (T_PW)
TRUST_HEADER_KEY = "hdr-0123456789"  # test_rest_trust.py, X-Api-Key header (T_HDR)
TRUST_QUERY_TOKEN = "qp-0123456789"  # test_rest_trust.py, token query parameter (T_QP)

# httpbin credentials (test_rest_httpbin.py).
HTTPBIN_BASIC_PASSWORD = "s3cret-pw"
HTTPBIN_WRONG_PASSWORD = "wrong-pw"
HTTPBIN_DIGEST_PASSWORD = "d1gest-pw"
HTTPBIN_BEARER_TOKEN = "tok-123456"
HTTPBIN_QUERY_KEY = "key-abcdef-9876"

# TLS client certificate (srv_tls.py) and a wrong password for it.
PFX_PASSWORD = "writeback-test"
PFX_WRONG_PASSWORD = "not-the-password"

# PostgreSQL state (state_backends.py, test_state_postgres.py).
PG_SECRET_PASSWORD = "tr0ub4dor-and-3"
PG_WRONG_PASSWORD = "wrong-password-42"
PG_URL_PASSWORD = "hunter2-in-the-url"

# Literal secrets that tests try to put into a config, to see them refused.
CLI_LITERAL_TOKEN = "Zq8-literal-token-77"  # test_cli.py
CONFIG_LITERAL_TOKEN = "s3cr3t-token"  # test_config_validate.py
CONFIG_URL_PASSWORD = "p4ss/w0rd?in-url"  # test_config_validate.py, parsed, never written
EDIT_LITERAL_TOKEN = "hunter2-secret"  # test_config_edit.py
FORM_LITERAL_TOKEN = "hunter2 s3cret!"  # test_app_forms.py
FORM_LITERAL_FILE_TOKEN = "hunter2s3cret"  # test_app_forms.py

# Values that SecretStore.redact must mask (test_secrets.py).
REDACT_PASSWORD = "hunter2!pw"
REDACT_SHORT = "abcd1234"
REDACT_LONG = "abcd1234-and-more"

SECRETS: tuple[str, ...] = (
    STATE_DEMO_TOKEN,
    PUSH_DEMO_TOKEN,
    PROMPTED_DEMO_TOKEN,
    DEMO_SERVER_TOKEN,
    SECRET_REF_VALUE,
    STATE_QUERY_SECRET,
    TRUST_PASSWORD,
    TRUST_HEADER_KEY,
    TRUST_QUERY_TOKEN,
    HTTPBIN_BASIC_PASSWORD,
    HTTPBIN_WRONG_PASSWORD,
    HTTPBIN_DIGEST_PASSWORD,
    HTTPBIN_BEARER_TOKEN,
    HTTPBIN_QUERY_KEY,
    PFX_PASSWORD,
    PFX_WRONG_PASSWORD,
    PG_SECRET_PASSWORD,
    PG_WRONG_PASSWORD,
    PG_URL_PASSWORD,
    CLI_LITERAL_TOKEN,
    CONFIG_LITERAL_TOKEN,
    CONFIG_URL_PASSWORD,
    EDIT_LITERAL_TOKEN,
    FORM_LITERAL_TOKEN,
    FORM_LITERAL_FILE_TOKEN,
    REDACT_PASSWORD,
    REDACT_SHORT,
    REDACT_LONG,
)

# (user, password) sent as HTTP basic auth: base64("user:password") is searched for too.
BASIC_AUTH: tuple[tuple[str, str], ...] = (
    ("u", HTTPBIN_BASIC_PASSWORD),
    ("u", HTTPBIN_WRONG_PASSWORD),
    ("u", TRUST_PASSWORD),
    ("alice", REDACT_PASSWORD),
)


def secret_names() -> dict[str, str]:
    """Each listed value -> the name of its constant, for reports that must not show it."""
    names = {
        value: name
        for name, value in globals().items()
        if name.isupper() and isinstance(value, str) and value in SECRETS
    }
    if len(names) != len(set(SECRETS)):
        raise ValueError("every value in SECRETS needs its own named constant")
    return names
