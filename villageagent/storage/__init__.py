"""The only place with SQL and table names (sqlite-utils, one Migrations set)."""
