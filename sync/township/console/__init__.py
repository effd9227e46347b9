"""The township staff console (issue 5): Django views and templates on top of ``sync.township``.

- Daily work (inbox, errand page, batch steps, purchase lists, monthly circular) for clerks;
  devices, catalog, rosters, offline files and staff accounts for supervisors.
- Every change goes through ``sync.township.operations`` so it becomes an event the village pulls.
"""
