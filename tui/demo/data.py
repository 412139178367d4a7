"""Deterministic, realistic sample data for the demo server."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tui.demo.db import connect, create_schema, write_tx

# Bumped when the seeded layout changes; PRAGMA user_version marks a seeded file.
SEED_MARK = 1
WEB_INTEGRATIONS = 36

OWNERS = (
    "alice", "bob", "carol", "dmitri", "elena", "farid", "grace", "hiro", "ines",
    "jonas", "kwame", "lucia", "mateo", "nadia", "oliver", "priya", "quinn", "rosa",
    "sven", "tomas", "uma", "viktor", "wen", "yusuf", "zoe",
)  # fmt: skip
REGION_WEIGHTS = (("EMEA", 38), ("AMER", 34), ("APAC", 20), ("LATAM", 8))
BRANDS = (
    "Nordlys", "Altura", "Brightfield", "Kestrel", "Vantage", "Orbis", "Meridian",
    "Tallis", "Helix", "Sable", "Corvid", "Lumen", "Fjord", "Pioneer", "Cobalt",
)  # fmt: skip
MODELS = ("Pro", "Compact", "Max", "Lite", "Plus", "Classic", "Eco", "Air", "Ultra", "One")
# category -> (products, typical price range)
CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[float, float]]] = {
    "Office Furniture": (
        ("Desk", "Task Chair", "Bookcase", "Filing Cabinet", "Standing Desk", "Monitor Arm"),
        (40.0, 900.0),
    ),
    "Electronics": (
        ("Headset", "Webcam", "Docking Station", "USB-C Hub", "Monitor", "Keyboard", "Mouse"),
        (15.0, 650.0),
    ),
    "Networking": (
        ("Router", "Switch", "Access Point", "Patch Panel", "Firewall Appliance"),
        (30.0, 2400.0),
    ),
    "Kitchen": (
        ("Coffee Grinder", "Kettle", "Blender", "Espresso Machine", "Knife Set"),
        (12.0, 700.0),
    ),
    "Outdoor": (
        ("Tent", "Backpack", "Trekking Poles", "Sleeping Bag", "Camp Stove"),
        (20.0, 550.0),
    ),
    "Tools": (
        ("Cordless Drill", "Impact Driver", "Socket Set", "Laser Level", "Workbench"),
        (18.0, 480.0),
    ),
    "Stationery": (
        ("Notebook", "Fountain Pen", "Desk Organizer", "Label Maker", "Planner"),
        (2.0, 90.0),
    ),
    "Cleaning": (
        ("Vacuum Cleaner", "Steam Mop", "Microfiber Cloths", "Pressure Washer"),
        (8.0, 420.0),
    ),
}
FIRST_LAUNCH = date(2016, 1, 1)
LAUNCH_SPAN_DAYS = 3650

APP_NAMES = (
    "Sales Portal", "Partner Extranet", "Intranet", "Finance Mashup", "Ops Dashboard",
    "Customer Analytics", "Supplier Hub", "HR Insights", "Field Service App",
)  # fmt: skip
ORIGIN_HOSTS = (
    "https://portal.acme-corp.com", "https://dashboards.acme-corp.com:8443",
    "https://intranet.acme-corp.local", "https://partners.example.org",
    "https://app.contoso.io", "http://localhost:3000", "http://localhost:8080",
)  # fmt: skip
ID_ALPHABET = string.ascii_letters + string.digits
TENANTS = ("Xk3pT9vQm2LrA7sW1yZc5NbH8dJf4GeU", "Qa6Rw2Ts9Yb4Mn7Pv1Lk3Hx8Jc5Dg0Fz")
# The account that creates web integrations through the demo API.
DEMO_USER = "Dm0UsrK8pQ2wE5rT7yU1iO3aS6dF9gHj"


def seed_database(path: str | Path, rows: int = 5000, seed: int = 1) -> None:
    """Create the tables and fill them with sample data, unless already seeded."""
    conn = connect(path)
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] == SEED_MARK:
            return
        create_schema(conn)
        rng = random.Random(seed)
        with write_tx(conn):
            conn.executemany(
                "INSERT OR REPLACE INTO products"
                " (id, sku, name, category, region, owner, price, qty, active, launch_date)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                product_rows(rows, rng),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO web_integrations"
                " (id, name, valid_origins, tenant_id, created, created_by, last_updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                web_integration_rows(WEB_INTEGRATIONS, rng),
            )
            conn.execute(f"PRAGMA user_version={SEED_MARK}")
        # Fold the WAL into the main file so the seeded database is one file.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def product_rows(count: int, rng: random.Random) -> Iterator[tuple[object, ...]]:
    """Rows in products column order (without version), ids 1..count."""
    regions = [r for r, _ in REGION_WEIGHTS]
    weights = [w for _, w in REGION_WEIGHTS]
    categories = list(CATEGORIES)
    for pid in range(1, count + 1):
        category = rng.choice(categories)
        nouns, (low, high) = CATEGORIES[category]
        name = f"{rng.choice(BRANDS)} {rng.choice(MODELS)} {rng.choice(nouns)}"
        # Shop prices end in .99 or .49, never below 0.49.
        whole = int(rng.uniform(low, high))
        price = max(whole, 1) - rng.choice((0.01, 0.51))
        qty = 0 if rng.random() < 0.06 else rng.randint(1, 2500)
        launched = FIRST_LAUNCH + timedelta(days=rng.randrange(LAUNCH_SPAN_DAYS))
        yield (
            pid,
            f"PRD-{pid:05d}",
            name,
            category,
            rng.choices(regions, weights)[0],
            rng.choice(OWNERS),
            round(price, 2),
            qty,
            int(rng.random() < 0.88),
            launched.isoformat(),
        )


def random_id(rng: random.Random, length: int = 32) -> str:
    """An opaque identifier in the style of Qlik Cloud resource ids."""
    return "".join(rng.choice(ID_ALPHABET) for _ in range(length))


def web_integration_rows(count: int, rng: random.Random) -> Iterator[tuple[str, ...]]:
    creators = [DEMO_USER, *(random_id(rng) for _ in range(3))]
    start = datetime(2022, 3, 1, tzinfo=UTC)
    for n in range(count):
        origins = rng.sample(ORIGIN_HOSTS, rng.randint(1, 4))
        created = start + timedelta(seconds=rng.randrange(2 * 365 * 86400))
        updated = created + timedelta(seconds=rng.randrange(90 * 86400))
        yield (
            random_id(rng),
            f"{rng.choice(APP_NAMES)} {n + 1}",
            json.dumps(origins),
            rng.choice(TENANTS),
            timestamp(created),
            rng.choice(creators),
            timestamp(updated),
        )


def timestamp(moment: datetime) -> str:
    """UTC time as Qlik Cloud writes it: 2018-10-30T07:06:22Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
