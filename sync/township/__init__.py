"""The township center (乡镇中心): a Django project that receives the villages' events.

- ``models``: the immutable events, per-village projections, devices, batches, enrollment codes.
- ``operations``: plain functions (apply pushed events, take a township step, publish a roster or
  a catalog) that the sync API, the ``township-center`` command and the staff console share.
- ``api``: the sync API (``/api/v1/...``) and ``/api/openapi.json``.
"""
