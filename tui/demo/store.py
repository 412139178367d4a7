"""The demo's data store: SQLite (connections, schema, transactions, a pool) and its sample data.

Each handler thread borrows one connection for the life of its HTTP connection,
so a keep-alive client never pays for opening the database again. The sample
data is deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
import sqlite3
import string
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    region TEXT NOT NULL,
    owner TEXT NOT NULL,
    price REAL NOT NULL,
    qty INTEGER NOT NULL,
    active INTEGER NOT NULL,
    launch_date TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS products_region ON products(region);
CREATE TABLE IF NOT EXISTS web_integrations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    valid_origins TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    created TEXT NOT NULL,
    created_by TEXT NOT NULL,
    last_updated TEXT NOT NULL
);
"""


def connect(path: str | Path) -> sqlite3.Connection:
    """Open the database in autocommit mode; transactions are explicit (see below)."""
    # Pooled connections move between threads, but each is used by one thread at a time.
    conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL survives application crashes in WAL mode and spares each per-row PATCH an fsync.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


@contextmanager
def write_tx(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A transaction that takes the write lock up front.

    Read-check-write sequences (If-Match, JSON Patch test) must not interleave
    with another writer, and IMMEDIATE avoids deadlocks on lock upgrade.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        # SQLite may already have rolled back on its own (e.g. a full disk).
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def read_tx(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One snapshot for several reads, so a page and its total agree."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


class ConnectionPool:
    """Idle connections kept for reuse; opened on demand, closed on shutdown."""

    def __init__(self, path: str | Path, max_idle: int = 32) -> None:
        self._path = path
        self._max_idle = max_idle
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def acquire(self) -> sqlite3.Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return connect(self._path)

    def release(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


# Sample data

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
