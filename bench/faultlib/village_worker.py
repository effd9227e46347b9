"""A village app process for the kill cases (SIGKILL at random moments):

    python -m bench.faultlib.village_worker save COUNT SEED   prints "saved <id>" after each save returns
    python -m bench.faultlib.village_worker sync              one sync_now; prints "synced <json>"

``VILLAGEAGENT_HOME`` picks the data folder. A line is printed only after the service call has
returned, i.e. after the cadre would have been told "saved".
"""

from __future__ import annotations

import json
import sys

from villageagent import paths


def main(argv: list[str]) -> int:
    from bench.faultlib.world import Village

    village = Village(paths.home())
    if argv[0] == "save":
        db = village.open()
        count, seed = int(argv[1]), int(argv[2])
        for i in range(count):
            (errand_id,) = village.add_errands(1, seed=seed * 100000 + i, db=db)
            print(f"saved {errand_id}", flush=True)
        db.close()
    elif argv[0] == "sync":
        from villageagent.services.sync import sync_now

        db = village.open()
        report = sync_now(db, sleep=lambda s: None)
        db.close()
        print("synced " + json.dumps(report.summary()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
