"""The configuration `writeback demo` writes for its own server."""

from __future__ import annotations

from pathlib import Path

_TEMPLATE = """\
# Written by `writeback demo` for the demo server at {api_url}.
# It is rewritten on every start (the port changes); copy it to keep changes.

[state]
path = "{state_path}"

[integrations.demo]
url = "{api_url}"
default_method = "PATCH"
timeout = 10
check_path = "/products?limit=1"

# Products edited row by row: JSON Patch with If-Match from each row's ETag.
[destinations.products]
integration = "demo"
path = "/products"
key = ["id"]
payload = "json-patch"
conflict_check = "etag"
allow_locking = true
insert = {{ method = "POST", path = "/products", payload = "json" }}
update = {{ method = "PATCH", path = "/products/{{id}}" }}
delete = {{ method = "DELETE", path = "/products/{{id}}" }}
[destinations.products.load]
records = "data"
etag_field = "_etag"
params = {{ limit = "1000" }}
pagination = {{ type = "next_url", next_url_path = "links.next.href" }}
[destinations.products.columns.id]
type = "integer"
read_only = true
[destinations.products.columns.sku]
required = true
pattern = "^PRD-\\\\d{{5,}}$"
[destinations.products.columns.name]
required = true
[destinations.products.columns.region]
type = "choice"
choices = ["EMEA", "AMER", "APAC", "LATAM"]
[destinations.products.columns.price]
type = "number"
min = 0
[destinations.products.columns.qty]
type = "integer"
min = 0
[destinations.products.columns.active]
type = "boolean"
[destinations.products.columns.launch_date]
type = "date"
[destinations.products.columns._etag]
hidden = true
read_only = true

# The same products written in batches of 500 (207 Multi-Status per row).
[destinations.products_batch]
integration = "demo"
path = "/products"
key = ["id"]
insert = {{ method = "POST", path = "/products", array = true, page_size = 500, results = "data" }}
update = {{ method = "POST", path = "/products/actions/update", envelope = "products", array = true, page_size = 500, results = "data" }}
delete = {{ enabled = false }}
[destinations.products_batch.load]
records = "data"
params = {{ limit = "1000" }}
pagination = {{ type = "next_url", next_url_path = "links.next.href" }}

# Web integrations shaped like Qlik Cloud's: nested links, validOrigins arrays.
[destinations.web_integrations]
integration = "demo"
path = "/web-integrations"
key = ["id"]
payload = "json-patch"
insert = {{ method = "POST", path = "/web-integrations", payload = "json" }}
update = {{ method = "PATCH", path = "/web-integrations/{{id}}" }}
delete = {{ method = "DELETE", path = "/web-integrations/{{id}}" }}
[destinations.web_integrations.load]
records = "data"
pagination = {{ type = "next_url", next_url_path = "links.next.href" }}
[destinations.web_integrations.columns.validOrigins]
type = "json"
"""


def demo_config_text(api_url: str, state_path: Path) -> str:
    """A complete, valid configuration for the demo server at `api_url`."""
    return _TEMPLATE.format(api_url=api_url, state_path=state_path.as_posix())
