"""Config texts more than one test module starts from."""

from __future__ import annotations

# A commented team config: edits must keep its comments and layout.
TEAM_CONFIG = """\
# Team config -- owned by data stewards.
[state]
path = "/tmp/wb.db"   # shared on this host

# The CRM; ask Dana before changing the rate limit.
[integrations.crm]
url = "https://api.example.com/v1"
rate_limit = 600      # per minute, agreed with the vendor
[integrations.crm.auth]
type = "bearer"
token = { env = "CRM_TOKEN" }   # rotated monthly

[destinations.customers]   # the main table
integration = "crm"
path = "/customers"
key = ["id"]
"""


# One integration and one destination "d": what planning and fuzzed write answers use.
MINIMAL_DESTINATION = """
[integrations.api]
url = "https://api.example.com/v1"
[destinations.d]
integration = "api"
path = "/things"
key = ["id"]
"""
