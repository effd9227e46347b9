"""The schema, changed only through these migrations (each in its own transaction).

- Tables other than ``events`` and ``settings`` are projections: derived from the events and
  kept consistent with them in the same transaction (see ``storage.events``).
- Never edit a released migration; add a new one, and a test that upgrades a database made by
  the previous version (tests/fixtures).
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("villageagent")


@MIGRATIONS()
def m001_initial(db: Database) -> None:
    db.execute("""
        create table settings (key text primary key, value text not null)
    """)
    db.execute("""
        create table events (
            seq integer primary key,
            id text not null unique,
            hlc text not null,
            village text not null,
            origin text not null,
            entity text not null,
            entity_id text not null,
            op text not null,
            data text not null,
            actor text not null default '',
            local integer not null default 0,
            pushed integer not null default 0,
            applied integer not null default 1
        )
    """)
    db.execute("create index events_entity on events(entity_id, hlc)")
    db.execute("create index events_unpushed on events(local, pushed, seq)")
    db.execute("""
        create table residents (
            id text primary key,
            name text not null,
            id_number text not null,
            id_rev text not null,
            initials text not null,
            pinyin text not null,
            phone text not null default '',
            phone_rev text not null default '',
            grp text not null default '',
            address text not null default '',
            created_hlc text not null,
            updated_hlc text not null
        )
    """)
    for col in ("name", "id_number", "id_rev", "initials", "phone", "phone_rev"):
        db.execute(f"create index residents_{col} on residents({col})")
    db.execute("""
        create table errands (
            id text primary key,
            number text not null,
            number_rev text not null,
            kind text not null,
            item_code text not null,
            item_name text not null,
            resident_id text not null,
            quantity real,
            unit text not null default '',
            amount_fen integer not null default 0,
            paid_fen integer not null default 0,
            materials text not null default '[]',
            note text not null default '',
            status text not null,
            reason text not null default '',
            tier text not null default 'township',
            promised_date text not null,
            created_date text not null,
            done_date text,
            closed integer not null default 0,
            roster_id text,
            round text not null default '',
            signed_by text not null default '',
            origin text not null default '',
            created_hlc text not null,
            updated_hlc text not null,
            status_hlc text not null
        )
    """)
    db.execute("create index errands_number on errands(number)")
    db.execute("create index errands_number_rev on errands(number_rev)")
    db.execute("create index errands_resident on errands(resident_id)")
    db.execute("create index errands_created on errands(created_date, kind, status)")
    db.execute("create index errands_open_promised on errands(closed, promised_date)")
    db.execute("create index errands_kind_status on errands(kind, status, created_date)")
    db.execute("create index errands_status on errands(status, created_date)")
    db.execute("create index errands_done on errands(done_date)")
    db.execute("create index errands_item on errands(kind, item_code)")
    db.execute("create index errands_roster on errands(roster_id)")
    db.execute("create index errands_updated on errands(updated_hlc)")
    db.execute("""
        create table logs (
            id text primary key,
            type text not null,
            resident_id text,
            summary text not null,
            outcome text not null default '',
            date text not null,
            created_hlc text not null,
            updated_hlc text not null
        )
    """)
    db.execute("create index logs_date on logs(date, type)")
    db.execute("""
        create table rosters (
            id text primary key,
            item_code text not null,
            title text not null,
            month text not null default '',
            note text not null default '',
            created_hlc text not null
        )
    """)
    db.execute("""
        create table catalog_items (
            code text primary key,
            version text not null,
            name text not null,
            kind text not null,
            data text not null
        )
    """)
    db.execute("create index catalog_kind on catalog_items(kind, code)")


def known_migration_names() -> list[str]:
    return [m.name for m in MIGRATIONS._migrations]


@MIGRATIONS()
def m002_errand_list_order(db: Database) -> None:
    """The desktop list shows the newest errands first, page by page (keyset paging on
    created_hlc); without this index every page sorted all errands (0.4 s at 100k)."""
    db.execute("create index if not exists errands_recent on errands(created_hlc, id)")


@MIGRATIONS()
def m002_sync_state(db: Database) -> None:
    """Sync bookkeeping: the in-flight batches, refused (quarantined) events and the sync log.

    - ``events.pushed``: 0 waiting, 1 known to the township (acknowledged or pulled from it),
      2 refused by the township (its reason is in ``sync_quarantine``).
    """
    db.execute("""
        create table sync_outbox (
            batch_id text primary key,
            via text not null,
            event_ids text not null,
            created_at text not null
        )
    """)
    db.execute("""
        create table sync_quarantine (
            event_id text primary key,
            code text not null,
            message text not null,
            at text not null
        )
    """)
    db.execute("""
        create table sync_log (
            id integer primary key,
            at text not null,
            kind text not null,
            detail text not null
        )
    """)
    db.execute("create index events_pushed on events(pushed)")


@MIGRATIONS()
def m003_ack_by_range(db: Database) -> None:
    """No index on ``events(pushed)`` alone: every acknowledged event moved in it, and the
    consistency check reads the whole table no slower without it (measured: a push's marking
    7.9 -> 6.5 µs per event; the check of 20,000 events 21 -> 20 ms)."""
    db.execute("drop index if exists events_pushed")


@MIGRATIONS()
def m004_waiting_index(db: Database) -> None:
    """The index behind the sync queue holds only the waiting events (``local = 1 and pushed = 0``):
    an acknowledged event then leaves it instead of moving inside it, and the queue's count reads
    only what is waiting (measured: marking a 2,000-event batch 4.9 -> 4.0 µs per event)."""
    db.execute("drop index if exists events_unpushed")
    db.execute("create index events_waiting on events(seq) where local = 1 and pushed = 0")


@MIGRATIONS()
def m005_waiting_table(db: Database) -> None:
    """The events still to be sent are listed in a table of their own (their seq), and an
    acknowledgement deletes their rows there instead of rewriting every event row to flip
    ``pushed`` (measured: 4.2 µs per event; see ``storage.sync_state``). ``events.pushed``
    keeps marking refused events (2)."""
    db.execute("create table sync_waiting (seq integer primary key)")
    db.execute("insert into sync_waiting (seq) select seq from events where local = 1 and pushed = 0")
    db.execute("drop index if exists events_waiting")
