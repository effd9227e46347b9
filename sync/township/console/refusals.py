"""Refusals from ``sync.township.operations`` / ``sync.protocol`` in the console's language.

- Those modules speak plain Chinese (they also serve the API and the CLI); in English mode the
  console shows an English sentence chosen by the refusal's machine-readable code, and falls
  back to the Chinese text for a code it does not know.
"""

from __future__ import annotations

from typing import Any

from sync.township.console.labels import lang

ENGLISH = {
    "bad_transition": "This step is not possible from the errand's current status (reload the page).",
    "not_township_step": "This step is taken by the village, not the township.",
    "reason_needed": "Give a reason (for example, which materials are missing).",
    "reason_too_long": "The reason may have at most 500 characters.",
    "errand_unknown": "No such errand.",
    "note_length": "A note has 1 to 500 characters.",
    "village_code": "A village code has 2 to 12 letters and digits, e.g. LTA01.",
    "village_unknown": "No village has this code.",
    "catalog_version": "A catalog version has 1 to 32 characters.",
    "catalog_version_exists": "This catalog version was published already.",
    "catalog_item": "An item in the catalog lacks its code, name or kind.",
    "catalog_too_large": "The catalog is too large (over 15 KB); shorten the texts.",
    "not_a_sync_file": "This is not a VillageAgent sync file.",
    "device_unknown": "This village laptop is not enrolled with the township.",
    "device_revoked": "This laptop's enrollment was revoked; its files cannot be imported.",
    "file_tampered": ("The sync file was changed, or was not written by the village laptop it names; refused. "
                      "Ask the village to export it again; if that does not help, enroll that laptop again."),
    "bad_file": "The sync file's content is not valid.",
    "bad_json": "The sync file's content is not valid.",
    "bad_compression": "The sync file is damaged.",
    "too_large": "The sync file is too large.",
    "unsupported_version": "The sync file comes from another version of VillageAgent; upgrade first.",
}


def refusal_text(exc: Any) -> str:
    """The message to show for a ``TownshipError`` or ``ProtocolError``."""
    chinese = getattr(exc, "message", None) or str(exc)
    if lang() == "en":
        return ENGLISH.get(getattr(exc, "code", ""), chinese)
    return chinese
